package halopsa

import (
	"context"
	"net/url"

	"github.com/accountsync/accountsync-operator/internal/provider"
)

// ListInventory implements provider.InventoryLister with connection-wide listings: every asset
// (GET /api/Asset, inactive ones included), every site (GET /api/Site, inactive ones included,
// the main one from each client's main_site_id, GET /api/Client) and every active end user
// (GET /api/Users), each in pages, with the same filters as the per-client calls. Halo has no
// departments on clients.
func (c *Client) ListInventory(ctx context.Context, req provider.InventoryRequest) (provider.Inventory, error) {
	var inv provider.Inventory
	if req.Assets {
		rows, err := listAll[wireAsset](ctx, c, "ListAllAssets", "api/Asset", "assets", url.Values{"includeinactive": {"true"}})
		if err != nil {
			return inv, err
		}
		inv.Assets = map[string][]provider.PSAAsset{}
		for _, r := range rows {
			a := toAsset(r)
			inv.Assets[a.AccountID] = append(inv.Assets[a.AccountID], a)
		}
	}
	if req.Locations {
		clients, err := listAll[wireClient](ctx, c, "ListAllLocations", "api/Client", "clients", url.Values{"includeinactive": {"true"}})
		if err != nil {
			return inv, err
		}
		mainSite := make(map[int64]int64, len(clients))
		for _, cl := range clients {
			mainSite[int64(cl.ID)] = int64(cl.MainSiteID)
		}
		sites, err := listAll[wireSite](ctx, c, "ListAllLocations", "api/Site", "sites", url.Values{"includeinactive": {"true"}})
		if err != nil {
			return inv, err
		}
		inv.Locations = map[string][]provider.Location{}
		for _, s := range sites {
			owner := formatID(s.ClientID)
			inv.Locations[owner] = append(inv.Locations[owner], provider.Location{ID: formatID(s.ID), Name: string(s.Name),
				IsMain: s.ID != 0 && int64(s.ID) == mainSite[int64(s.ClientID)]})
		}
	}
	if req.Users {
		rows, err := listAll[wireUser](ctx, c, "ListAllUsers", "api/Users", "users", nil)
		if err != nil {
			return inv, err
		}
		inv.Users = map[string][]provider.User{}
		for _, r := range rows {
			owner := formatID(r.ClientID)
			inv.Users[owner] = append(inv.Users[owner], toUser(r))
		}
	}
	return inv, nil
}
