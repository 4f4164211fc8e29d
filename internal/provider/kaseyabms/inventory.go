package kaseyabms

import (
	"context"
	"encoding/json"
	"hash/fnv"
	"net/url"
	"strconv"
	"sync"

	"github.com/accountsync/accountsync-operator/internal/provider"
)

// assetCache keeps each hardware asset's detail under a fingerprint of the searchselect row it
// was read with. The v2 list rows lack the location id, the OS and the key (AssetTag/AgentId),
// so without it every listing would read every asset's detail: one call per asset and sync
// against a budget of 1500 calls per hour per endpoint. A detail is read again only when a
// field the row shows (name, serial, IP, account, location name, category, active) changed.
// Assumption (docs/providers/kaseyabms.md): a hand edit that touches only the OS or the asset
// tag is not seen until a row field changes.
type assetCache struct {
	mu   sync.Mutex
	byID map[string]cachedAsset
}

type cachedAsset struct {
	// row is the fingerprint of the list row; pending means this client wrote the record and
	// adopts the next row it sees for it, since it knows the detail it sent.
	row     uint64
	pending bool
	asset   provider.PSAAsset
}

// assetListRow is HardwareAssetsListSearchSelectOutputDto, the fields a change shows in.
type assetListRow struct {
	ID           flexID     `json:"Id"`
	AssetName    flexString `json:"AssetName"`
	SerialNumber flexString `json:"SerialNumber"`
	IPAddress    flexString `json:"IPAddress"`
	AccountID    flexID     `json:"AccountId"`
	LocationName flexString `json:"LocationName"`
	CategoryID   flexID     `json:"CategoryId"`
	IsActive     *bool      `json:"IsActive"`
}

type assetRowMark struct {
	id, accountID string
	mark          uint64
}

func decodeAssetMark(raw json.RawMessage) (assetRowMark, string, error) {
	var r assetListRow
	if err := json.Unmarshal(raw, &r); err != nil {
		return assetRowMark{}, "", err
	}
	if r.ID == "" {
		return assetRowMark{}, "", errNoID
	}
	active := "?"
	if r.IsActive != nil {
		active = strconv.FormatBool(*r.IsActive)
	}
	mark := rowMark(string(r.AssetName), string(r.SerialNumber), string(r.IPAddress), string(r.AccountID),
		string(r.LocationName), string(r.CategoryID), active)
	return assetRowMark{id: string(r.ID), accountID: string(r.AccountID), mark: mark}, string(r.ID), nil
}

// rowMark fingerprints the fields of a searchselect row.
func rowMark(fields ...string) uint64 {
	h := fnv.New64a()
	for _, f := range fields {
		h.Write([]byte(f))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

// expectedMark is the row a record this client wrote should list as, given the names of the
// account's locations; ok is false when the location's name is unknown.
func expectedMark(a provider.PSAAsset, locationName func(accountID, locationID string) (string, bool)) (uint64, bool) {
	if locationName == nil {
		return 0, false
	}
	name, ok := locationName(a.AccountID, a.LocationID)
	if !ok {
		return 0, false
	}
	return rowMark(a.Name, a.SerialNumber, a.IPAddress, a.AccountID, name, a.Category, "true"), true
}

// details returns the assets of rows, reading a detail only for a row that is new or changed.
// With evict, cached assets not among rows are dropped (rows is a full listing). locationName
// (nil: unknown) names the locations, so a record this client wrote is recognised in its row.
func (c *Client) details(ctx context.Context, rows []assetRowMark, evict bool,
	locationName func(accountID, locationID string) (string, bool)) ([]provider.PSAAsset, error) {
	out := make([]provider.PSAAsset, 0, len(rows))
	var stale []assetRowMark
	c.assets.mu.Lock()
	if c.assets.byID == nil {
		c.assets.byID = map[string]cachedAsset{}
	}
	for _, r := range rows {
		e, ok := c.assets.byID[r.id]
		switch {
		case ok && e.pending:
			// Written by this client: its row is known, unless someone changed the record since.
			if want, known := expectedMark(e.asset, locationName); known && want == r.mark {
				e.row, e.pending = r.mark, false
				c.assets.byID[r.id] = e
				out = append(out, e.asset)
			} else {
				stale = append(stale, r)
			}
		case ok && e.row == r.mark:
			out = append(out, e.asset)
		default:
			stale = append(stale, r)
		}
	}
	if evict {
		listed := make(map[string]struct{}, len(rows))
		for _, r := range rows {
			listed[r.id] = struct{}{}
		}
		for id := range c.assets.byID {
			if _, ok := listed[id]; !ok {
				delete(c.assets.byID, id)
			}
		}
	}
	c.assets.mu.Unlock()
	// Details are read a few at a time: the connection's token bucket still paces them, and
	// a cold cache (after a manager start) has one per asset.
	got := make([]provider.PSAAsset, len(stale))
	found := make([]bool, len(stale))
	errs := make([]error, len(stale))
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(detailReaders, len(stale)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				got[i], found[i], errs[i] = c.detail(ctx, stale[i])
			}
		}()
	}
	for i := range stale {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for i := range stale {
		if errs[i] != nil {
			return nil, errs[i]
		}
		if found[i] {
			out = append(out, got[i])
		}
	}
	return out, nil
}

// detailReaders is how many asset details are read at once.
const detailReaders = 8

// detail reads one asset's detail and caches it under its row; found is false when the asset
// was deleted between the listing and the read.
func (c *Client) detail(ctx context.Context, r assetRowMark) (provider.PSAAsset, bool, error) {
	env, status, err := c.get(ctx, "GetAsset", assetsPath+"/"+r.id, nil)
	if provider.IsKind(err, provider.KindNotFound) {
		return provider.PSAAsset{}, false, nil
	}
	if err != nil {
		return provider.PSAAsset{}, false, err
	}
	a, _, err := decodeAsset(env.Result)
	if err != nil {
		return provider.PSAAsset{}, false, c.hc.Errorf(provider.KindTransient, "GetAsset", status, "undecodable asset %s: %v", r.id, err)
	}
	c.assets.mu.Lock()
	c.assets.byID[r.id] = cachedAsset{row: r.mark, asset: a}
	c.assets.mu.Unlock()
	return a, true, nil
}

// remember caches an asset this client just wrote; the next listing takes it without a detail
// read if its row shows what was written.
func (c *Client) remember(a provider.PSAAsset) {
	if a.ID == "" {
		return
	}
	c.assets.mu.Lock()
	defer c.assets.mu.Unlock()
	if c.assets.byID == nil {
		c.assets.byID = map[string]cachedAsset{}
	}
	c.assets.byID[a.ID] = cachedAsset{pending: true, asset: a}
}

type accountContact struct {
	accountID string
	user      provider.User
}

func decodeAccountContact(raw json.RawMessage) (accountContact, string, error) {
	u, id, err := decodeContact(raw)
	if err != nil {
		return accountContact{}, "", err
	}
	var r struct {
		AccountID flexID `json:"AccountId"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return accountContact{}, "", err
	}
	return accountContact{accountID: string(r.AccountID), user: u}, id, nil
}

// carryLocations reports whether accounts came from a summary listing (which carries the
// locations) and there are any.
func carryLocations(accounts []provider.Account) bool {
	for _, a := range accounts {
		if a.Locations == nil {
			return false
		}
	}
	return len(accounts) > 0
}

// ListInventory implements provider.InventoryLister with connection-wide listings: hardware
// assets from one unfiltered searchselect (details only for new or changed rows), locations
// from the Locations of the account summary rows (those the policy listed, else every
// account's), contacts from one unfiltered contacts summary. v2 has no per-account departments.
func (c *Client) ListInventory(ctx context.Context, req provider.InventoryRequest) (provider.Inventory, error) {
	var inv provider.Inventory
	var names map[string]string // location id → name
	if req.Locations || req.Assets {
		// The summary rows carry each account's locations: the policy's own account listing
		// (req.Accounts) has them, unless it listed none; otherwise every account is listed.
		accounts := req.Accounts
		if !carryLocations(accounts) {
			var err error
			if accounts, err = listAll(ctx, c, "ListAllLocations", accountsSummaryPath, url.Values{}, decodeAccount); err != nil {
				return inv, err
			}
		}
		names = map[string]string{}
		if req.Locations {
			inv.Locations = make(map[string][]provider.Location, len(accounts))
		}
		for _, a := range accounts {
			for _, l := range a.Locations {
				names[l.ID] = l.Name
			}
			if req.Locations {
				inv.Locations[a.ID] = a.Locations
			}
		}
	}
	if req.Assets {
		rows, err := listAll(ctx, c, "ListAllAssets", assetsSearchPath, url.Values{}, decodeAssetMark)
		if err != nil {
			return inv, err
		}
		assets, err := c.details(ctx, rows, true, func(_, id string) (string, bool) {
			n, ok := names[id]
			return n, ok
		})
		if err != nil {
			return inv, err
		}
		inv.Assets = map[string][]provider.PSAAsset{}
		for _, a := range assets {
			inv.Assets[a.AccountID] = append(inv.Assets[a.AccountID], a)
		}
	}
	if req.Users {
		contacts, err := listAll(ctx, c, "ListAllUsers", contactsPath, url.Values{}, decodeAccountContact)
		if err != nil {
			return inv, err
		}
		inv.Users = map[string][]provider.User{}
		for _, ct := range contacts {
			inv.Users[ct.accountID] = append(inv.Users[ct.accountID], ct.user)
		}
	}
	return inv, nil
}
