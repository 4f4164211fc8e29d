package halopsa

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/accountsync/accountsync-operator/internal/provider"
)

// assetTypeTTL bounds how long a read asset type list is trusted. Asset types are setup data
// that rarely change; a name missing from the cached list is looked up again at once anyway.
const assetTypeTTL = 10 * time.Minute

// ListAssetCategories lists Halo asset types (GET /api/AssetType), which every asset must have.
func (c *Client) ListAssetCategories(ctx context.Context) ([]provider.NamedRef, error) {
	rows, err := c.assetTypes(ctx, "ListAssetCategories", true)
	if err != nil {
		return nil, err
	}
	out := make([]provider.NamedRef, 0, len(rows))
	for _, t := range rows {
		out = append(out, provider.NamedRef{ID: formatID(t.ID), Name: string(t.Name)})
	}
	return out, nil
}

// assetTypes returns the asset type list, from the cache unless fresh is set or it expired.
// The swagger gives GET /api/AssetType no paging parameters, so the answer is one list: a bare
// array, or a wrapper keyed "assettypes" [I].
func (c *Client) assetTypes(ctx context.Context, op string, fresh bool) ([]wireAssetType, error) {
	c.mu.Lock()
	cached, at := c.assetTypeCache, c.assetTypeRead
	c.mu.Unlock()
	if !fresh && cached != nil && time.Since(at) < assetTypeTTL {
		return cached, nil
	}
	resp, err := c.get(ctx, op, "api/AssetType", nil)
	if err != nil {
		return nil, err
	}
	p, err := decodePage[wireAssetType](resp.Body, "assettypes")
	if err != nil {
		return nil, c.hc.Errorf(provider.KindInvalid, op, resp.StatusCode, "%v", err)
	}
	rows := make([]wireAssetType, 0, len(p.items))
	for _, t := range p.items {
		if t.ID > 0 {
			rows = append(rows, t)
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].ID < rows[j].ID })
	c.mu.Lock()
	c.assetTypeCache, c.assetTypeRead = rows, time.Now()
	c.mu.Unlock()
	return rows, nil
}

// assetTypeID resolves category, an asset type id or name (case-insensitive), to its id. A
// value the cached list lacks is looked up once more before it is refused, so a type added in
// Halo meanwhile is found. The error names the value and the choices.
func (c *Client) assetTypeID(ctx context.Context, op, category string) (int64, error) {
	want := strings.TrimSpace(category)
	if want == "" {
		return 0, c.hc.Errorf(provider.KindInvalid, op, 0,
			"HaloPSA refuses an asset without an asset type; set spec.creation.haloPSA.assetType")
	}
	var rows []wireAssetType
	for _, fresh := range []bool{false, true} {
		var err error
		if rows, err = c.assetTypes(ctx, op, fresh); err != nil {
			return 0, err
		}
		id, found, err := c.matchAssetType(op, rows, want)
		if err != nil || found {
			return id, err
		}
	}
	names := make([]string, 0, len(rows))
	for _, t := range rows {
		names = append(names, string(t.Name))
	}
	sort.Strings(names)
	return 0, c.hc.Errorf(provider.KindInvalid, op, 0, "asset type %q does not exist in this HaloPSA (available: %s)",
		want, strings.Join(names, ", "))
}

// matchAssetType finds want among rows: an id first, then a unique name.
func (c *Client) matchAssetType(op string, rows []wireAssetType, want string) (int64, bool, error) {
	if n, err := strconv.ParseInt(want, 10, 64); err == nil {
		for _, t := range rows {
			if int64(t.ID) == n {
				return n, true, nil
			}
		}
	}
	var ids []string
	for _, t := range rows {
		if strings.EqualFold(strings.TrimSpace(string(t.Name)), want) {
			ids = append(ids, formatID(t.ID))
		}
	}
	switch len(ids) {
	case 0:
		return 0, false, nil
	case 1:
		n, _ := strconv.ParseInt(ids[0], 10, 64)
		return n, true, nil
	}
	return 0, false, c.hc.Errorf(provider.KindInvalid, op, 0,
		"asset type name %q is shared by ids %s; give the id", want, strings.Join(ids, ", "))
}
