package kaseyabms

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/accountsync/accountsync-operator/internal/provider"
	"github.com/accountsync/accountsync-operator/internal/provider/httpx"
)

// ListLocations reads every location of an account (GET /api/crm/accounts/{id}/locations),
// main one flagged by IsMain. Names are returned as they are now: a location a person renamed
// no longer answers to its old name, so a Group Id sync sees it missing and creates it again.
func (c *Client) ListLocations(ctx context.Context, accountID string) ([]provider.Location, error) {
	const op = "ListLocations"
	id, err := parseID(op, "accountID", accountID)
	if err != nil {
		return nil, err
	}
	return listAll(ctx, c, op, "api/crm/accounts/"+strconv.FormatInt(id, 10)+"/locations", "", decodeLocation)
}

type addressBody struct {
	Address1 string `json:"Address1"`
	City     string `json:"City"`
	State    string `json:"State"`
	ZipCode  string `json:"ZipCode"`
}

type locationBody struct {
	AccountID    int64         `json:"AccountId"`
	LocationName string        `json:"LocationName"`
	Addresses    []addressBody `json:"Addresses"`
}

// CreateLocation posts {AccountId, LocationName, Addresses} to /api/crm/locations, the create
// the open-source BMS client uses. The sync knows no postal address for a machine-group
// location, so Addresses is an empty list. A name the account already has is KindNameConflict.
func (c *Client) CreateLocation(ctx context.Context, accountID, name string) (provider.Location, error) {
	const op = "CreateLocation"
	id, err := parseID(op, "accountID", accountID)
	if err != nil {
		return provider.Location{}, err
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return provider.Location{}, provider.Errorf(provider.KindInvalid, op, "empty location name")
	}
	body := locationBody{AccountID: id, LocationName: name, Addresses: []addressBody{}}
	env, status, err := c.create(ctx, op, "api/crm/locations", httpx.JSON(body))
	if err != nil {
		return provider.Location{}, err
	}
	loc, err := createdResult(env, decodeLocation, func(id string) provider.Location {
		return provider.Location{ID: id, Name: name}
	})
	if err != nil {
		return provider.Location{}, c.hc.Errorf(provider.KindUnknownOutcome, op, status, "%v", err)
	}
	return loc, nil
}

// mainLocationID finds an account's main location the way the open-source client does:
// GET /api/crm/accounts/{id}/locations?$top=1&$filter=IsMain eq true.
func (c *Client) mainLocationID(ctx context.Context, op string, accountID int64) (int64, error) {
	resp, err := c.hc.Do(ctx, httpx.Request{Operation: op, Method: http.MethodGet,
		Path:  "api/crm/accounts/" + strconv.FormatInt(accountID, 10) + "/locations",
		Query: url.Values{"$top": {"1"}, "$filter": {"IsMain eq true"}}})
	if err != nil {
		return 0, err
	}
	env, err := c.check(op, resp, readCall)
	if err != nil {
		return 0, err
	}
	items, err := listResult(env)
	if err != nil {
		return 0, c.hc.Errorf(provider.KindTransient, op, resp.StatusCode, "%v", err)
	}
	for _, raw := range items {
		loc, _, err := decodeLocation(raw)
		if err != nil {
			return 0, c.hc.Errorf(provider.KindTransient, op, resp.StatusCode, "undecodable location: %v", err)
		}
		n, err := parseID(op, "LocationId", loc.ID)
		if err != nil {
			return 0, err
		}
		return n, nil
	}
	return 0, provider.Errorf(provider.KindInvalid, op, "account %d has no main location", accountID)
}

// create sends a non-idempotent POST and checks its envelope; it returns the HTTP status for
// error messages about the Result.
func (c *Client) create(ctx context.Context, op, path string, body []byte) (envelope, int, error) {
	if err := c.login(ctx); err != nil {
		return envelope{}, 0, err
	}
	resp, err := c.hc.Do(ctx, httpx.Request{Operation: op, Method: http.MethodPost, Path: path, Body: body})
	if err != nil {
		return envelope{}, 0, err
	}
	env, err := c.check(op, resp, createCall)
	return env, resp.StatusCode, err
}
