package halopsa

import (
	"context"
	"net/url"
	"strconv"

	"github.com/accountsync/accountsync-operator/internal/provider"
)

// ListAssets lists a client's assets, inactive ones included, so an asset someone deactivated
// is found by its external key instead of being created again.
func (c *Client) ListAssets(ctx context.Context, accountID string) ([]provider.PSAAsset, error) {
	const op = "ListAssets"
	id, err := c.parseID(op, "account", accountID)
	if err != nil {
		return nil, err
	}
	rows, err := listAll[wireAsset](ctx, c, op, "api/Asset", "assets", url.Values{
		"client_id":       {strconv.FormatInt(id, 10)},
		"includeinactive": {"true"},
	})
	if err != nil {
		return nil, err
	}
	out := make([]provider.PSAAsset, 0, len(rows))
	for _, a := range rows {
		out = append(out, toAsset(a))
	}
	return out, nil
}

// CreateAsset creates an asset of the asset type in.Category (an id or a name, resolved through
// GET /api/AssetType): Halo refuses an asset without a type. It is not resent once it may have
// reached Halo.
func (c *Client) CreateAsset(ctx context.Context, in provider.PSAAsset) (provider.PSAAsset, error) {
	const op = "CreateAsset"
	if in.ID != "" {
		return provider.PSAAsset{}, c.hc.Errorf(provider.KindInvalid, op, 0, "a new asset cannot carry an id")
	}
	rec, err := c.assetRecord(ctx, op, in)
	if err != nil {
		return provider.PSAAsset{}, err
	}
	typeID, err := c.assetTypeID(ctx, op, in.Category)
	if err != nil {
		return provider.PSAAsset{}, err
	}
	rec["assettype_id"] = typeID
	return c.saveAsset(ctx, op, rec, false)
}

// UpdateAsset replaces the asset's name, location and external key. Halo's POST upsert by id
// is safe to resend. The asset type is not sent: the upsert changes only the fields it carries,
// so the record keeps its type (and the type-specific fields a person filled in).
func (c *Client) UpdateAsset(ctx context.Context, in provider.PSAAsset) (provider.PSAAsset, error) {
	const op = "UpdateAsset"
	id, err := c.parseID(op, "asset", in.ID)
	if err != nil {
		return provider.PSAAsset{}, err
	}
	rec, err := c.assetRecord(ctx, op, in)
	if err != nil {
		return provider.PSAAsset{}, err
	}
	rec["id"] = id
	return c.saveAsset(ctx, op, rec, true)
}

// assetRecord builds the posted object. An empty location means the client's main site, so an
// asset always lands on a site (Halo files every asset under one).
func (c *Client) assetRecord(ctx context.Context, op string, in provider.PSAAsset) (map[string]any, error) {
	clientID, err := c.parseID(op, "account", in.AccountID)
	if err != nil {
		return nil, err
	}
	var siteID int64
	if in.LocationID != "" {
		if siteID, err = c.parseID(op, "location", in.LocationID); err != nil {
			return nil, err
		}
	} else {
		client, err := c.getClient(ctx, op, clientID)
		if err != nil {
			return nil, err
		}
		siteID = int64(client.MainSiteID)
	}
	rec := map[string]any{
		"client_id":        clientID,
		"inventory_number": in.Name,
		"kaseya_id":        in.ExternalKey,
	}
	if siteID > 0 {
		rec["site_id"] = siteID
	}
	return rec, nil
}

func (c *Client) saveAsset(ctx context.Context, op string, rec map[string]any, idempotent bool) (provider.PSAAsset, error) {
	resp, err := c.post(ctx, op, "api/Asset", []any{rec}, idempotent)
	if err != nil {
		return provider.PSAAsset{}, err
	}
	saved, err := decodeOne[wireAsset](resp.Body)
	if err != nil || saved.ID == 0 {
		return provider.PSAAsset{}, c.hc.Errorf(provider.KindUnknownOutcome, op, resp.StatusCode,
			"Halo accepted the asset but its answer names no record; list the assets again")
	}
	return toAsset(saved), nil
}

func toAsset(a wireAsset) provider.PSAAsset {
	key := string(a.KaseyaID)
	if key == "" {
		key = string(a.KaseyaIDAlt)
	}
	return provider.PSAAsset{
		ID:          formatID(a.ID),
		AccountID:   formatID(a.ClientID),
		ExternalKey: key,
		Name:        string(a.InventoryNumber),
		LocationID:  formatID(a.SiteID),
		Category:    formatID(a.AssetTypeID),
	}
}

// StoredAssetFields: serial number, OS and IP address live in per-tenant asset-type fields in
// Halo, which this client does not write (see the package doc), so they are never compared.
func (c *Client) StoredAssetFields() provider.AssetFields { return provider.AssetFields{} }
