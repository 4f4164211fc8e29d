package connectwise

import (
	"context"
	"strconv"
	"sync"

	"github.com/accountsync/accountsync-operator/internal/provider"
)

// ListInventory implements provider.InventoryLister. Configurations and contacts are listed
// connection-wide (GET /company/configurations, GET /company/contacts, 1,000 a page). CW has
// no connection-wide site listing, only /company/companies/{id}/sites, so sites are read for
// the requested accounts, one call each. CW has no departments on companies.
func (c *Client) ListInventory(ctx context.Context, req provider.InventoryRequest) (provider.Inventory, error) {
	var inv provider.Inventory
	if req.Assets {
		list, err := listAll[configuration](ctx, c, "ListAllAssets", "company/configurations", nil)
		if err != nil {
			return inv, err
		}
		inv.Assets = map[string][]provider.PSAAsset{}
		for _, cfg := range list {
			a := toAsset(cfg)
			inv.Assets[a.AccountID] = append(inv.Assets[a.AccountID], a)
		}
	}
	if req.Locations {
		locs, err := c.sitesOf(ctx, req.AccountIDs)
		if err != nil {
			return inv, err
		}
		inv.Locations, inv.LocationsOnlyRequested = locs, true
	}
	if req.Users {
		list, err := listAll[contact](ctx, c, "ListAllUsers", "company/contacts", nil)
		if err != nil {
			return inv, err
		}
		inv.Users = map[string][]provider.User{}
		for _, ct := range list {
			if ct.Company == nil {
				continue
			}
			owner := strconv.Itoa(ct.Company.ID)
			inv.Users[owner] = append(inv.Users[owner], toUser(ct))
		}
	}
	return inv, nil
}

// siteReaders is how many companies' sites are read at once; the connection's token bucket
// still paces them.
const siteReaders = 8

// sitesOf reads the sites of each company, a few companies at a time.
func (c *Client) sitesOf(ctx context.Context, ids []string) (map[string][]provider.Location, error) {
	out := make(map[string][]provider.Location, len(ids))
	var mu sync.Mutex
	var firstErr error
	next := make(chan string)
	var wg sync.WaitGroup
	for range min(siteReaders, len(ids)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range next {
				locs, err := c.ListLocations(ctx, id)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				out[id] = locs
				mu.Unlock()
			}
		}()
	}
	for _, id := range ids {
		mu.Lock()
		failed := firstErr != nil
		mu.Unlock()
		if failed || ctx.Err() != nil {
			break
		}
		next <- id
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return out, ctx.Err()
}
