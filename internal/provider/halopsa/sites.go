package halopsa

import (
	"context"
	"net/url"
	"strconv"
	"strings"

	"github.com/accountsync/accountsync-operator/internal/provider"
)

// ListLocations lists a client's sites, inactive ones included: the list is the look-up before
// a site is created, and Halo allows duplicate site names, so a deactivated namesake must be
// found rather than created again. The main one is the client's main_site_id.
func (c *Client) ListLocations(ctx context.Context, accountID string) ([]provider.Location, error) {
	const op = "ListLocations"
	id, err := c.parseID(op, "account", accountID)
	if err != nil {
		return nil, err
	}
	client, err := c.getClient(ctx, op, id)
	if err != nil {
		return nil, err
	}
	rows, err := listAll[wireSite](ctx, c, op, "api/Site", "sites",
		url.Values{"client_id": {strconv.FormatInt(id, 10)}, "includeinactive": {"true"}})
	if err != nil {
		return nil, err
	}
	out := make([]provider.Location, 0, len(rows))
	for _, s := range rows {
		out = append(out, provider.Location{
			ID:     formatID(s.ID),
			Name:   string(s.Name),
			IsMain: s.ID != 0 && s.ID == client.MainSiteID,
		})
	}
	return out, nil
}

// CreateLocation creates a site under the client.
func (c *Client) CreateLocation(ctx context.Context, accountID, name string) (provider.Location, error) {
	const op = "CreateLocation"
	id, err := c.parseID(op, "account", accountID)
	if err != nil {
		return provider.Location{}, err
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return provider.Location{}, c.hc.Errorf(provider.KindInvalid, op, 0, "empty name")
	}
	resp, err := c.post(ctx, op, "api/Site", []any{map[string]any{"name": name, "client_id": id}}, false)
	if err != nil {
		return provider.Location{}, err
	}
	site, err := decodeOne[wireSite](resp.Body)
	if err != nil || site.ID == 0 {
		return provider.Location{}, c.hc.Errorf(provider.KindUnknownOutcome, op, resp.StatusCode,
			"Halo accepted the site but its answer names no record; list the sites again")
	}
	return provider.Location{ID: formatID(site.ID), Name: string(site.Name)}, nil
}
