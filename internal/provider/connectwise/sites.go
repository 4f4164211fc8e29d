package connectwise

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/accountsync/accountsync-operator/internal/provider"
	"github.com/accountsync/accountsync-operator/internal/provider/httpx"
)

// mainSiteIndex picks the company's main site: the first active site flagged as the primary
// address, else one that is a default billing/shipping/mailing site, else one named "Main";
// -1 when none qualifies.
func mainSiteIndex(sites []site) int {
	preds := []func(site) bool{
		func(s site) bool { return s.PrimaryAddressFlag },
		func(s site) bool { return s.DefaultBillingFlag || s.DefaultShippingFlag || s.DefaultMailingFlag },
		func(s site) bool { return strings.EqualFold(strings.TrimSpace(s.Name), mainSiteName) },
	}
	for _, pred := range preds {
		for i, s := range sites {
			if !s.InactiveFlag && pred(s) {
				return i
			}
		}
	}
	return -1
}

// ListLocations implements provider.LocationManager. Inactive sites are listed too, so a caller
// does not try to create a name CW already holds.
func (c *Client) ListLocations(ctx context.Context, accountID string) ([]provider.Location, error) {
	const op = "ListLocations"
	id, err := c.accountID(op, accountID)
	if err != nil {
		return nil, err
	}
	list, err := listAll[site](ctx, c, op, "company/companies/"+strconv.Itoa(id)+"/sites", nil)
	if err != nil {
		return nil, err
	}
	main := mainSiteIndex(list)
	out := make([]provider.Location, len(list))
	for i, s := range list {
		out[i] = provider.Location{ID: strconv.Itoa(s.ID), Name: s.Name, IsMain: i == main}
	}
	return out, nil
}

// CreateLocation implements provider.LocationManager.
func (c *Client) CreateLocation(ctx context.Context, accountID, name string) (provider.Location, error) {
	const op = "CreateLocation"
	id, err := c.accountID(op, accountID)
	if err != nil {
		return provider.Location{}, err
	}
	if strings.TrimSpace(name) == "" {
		return provider.Location{}, c.http.Errorf(provider.KindInvalid, op, 0, "empty location name")
	}
	resp, err := c.api(ctx, httpx.Request{
		Operation: op, Method: http.MethodPost,
		Path: "company/companies/" + strconv.Itoa(id) + "/sites",
		Body: httpx.JSON(siteRef{Name: name}),
	})
	if err != nil {
		return provider.Location{}, err
	}
	switch resp.StatusCode {
	case http.StatusCreated, http.StatusOK:
		s, err := decodeOne[site](resp.Body)
		if err != nil || s.ID == 0 {
			return provider.Location{}, c.http.Errorf(provider.KindUnknownOutcome, op, resp.StatusCode,
				"created, but the answer could not be read")
		}
		return provider.Location{ID: strconv.Itoa(s.ID), Name: s.Name}, nil
	case http.StatusBadRequest:
		if e, _ := decodeAPIError(resp.Body); e.exists("name") {
			return provider.Location{}, c.http.Errorf(provider.KindNameConflict, op, resp.StatusCode,
				"company %d already has a site named %q", id, name)
		}
	}
	return provider.Location{}, c.statusErr(op, resp)
}

// accountID parses an account (company) id.
func (c *Client) accountID(op, s string) (int, error) {
	id, err := parseID(s)
	if err != nil {
		return 0, c.http.Errorf(provider.KindInvalid, op, 0, "account id %q is not a ConnectWise company id", s)
	}
	return id, nil
}
