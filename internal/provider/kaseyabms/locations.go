package kaseyabms

import (
	"context"
	"strconv"

	"github.com/accountsync/accountsync-operator/internal/provider"
)

// ListLocations reads GET /v2/crm/accounts/{accountId}/locations/lookup ({Id, Name, IsMain}).
func (c *Client) ListLocations(ctx context.Context, accountID string) ([]provider.Location, error) {
	const op = "ListLocations"
	id, err := parseID(op, "accountID", accountID)
	if err != nil {
		return nil, err
	}
	return getList(ctx, c, op, locationsPath(id), nil, decodeLocation)
}

func locationsPath(accountID int64) string {
	return "v2/crm/accounts/" + strconv.FormatInt(accountID, 10) + "/locations/lookup"
}

// noLocationCreate is why CreateLocation cannot work.
const noLocationCreate = "the Kaseya BMS v2 API creates locations only inside an account create; " +
	"V1's POST /api/crm/locations lives on another host with its own login, which a v2 connection cannot reach soundly. " +
	"Create the location in BMS (CRM > Accounts > Locations) and the next sync places the assets there"

// CreateLocation reports that a location cannot be added to an existing account (see
// noLocationCreate); Group Id and Custom placements use locations that already exist.
func (c *Client) CreateLocation(_ context.Context, _ string, name string) (provider.Location, error) {
	return provider.Location{}, provider.Errorf(provider.KindUnsupported, "CreateLocation", "location %q: %s", name, noLocationCreate)
}

// mainLocationID returns the id of the account's main location.
func (c *Client) mainLocationID(ctx context.Context, op string, accountID int64) (int64, error) {
	locs, err := getList(ctx, c, op, locationsPath(accountID), nil, decodeLocation)
	if err != nil {
		return 0, err
	}
	for _, l := range locs {
		if l.IsMain {
			return strconv.ParseInt(l.ID, 10, 64)
		}
	}
	return 0, provider.Errorf(provider.KindNotFound, op, "account %d has no main location", accountID)
}
