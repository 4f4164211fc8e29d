package kaseyabms

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/accountsync/accountsync-operator/internal/provider"
	"github.com/accountsync/accountsync-operator/internal/provider/httpx"
)

// assetsPath is the assets collection. Public sources describe no assets endpoint for BMS;
// the client uses the Service Desk area where the UI keeps hardware assets
// ("Service Desk > Assets Management > Hardware Assets"). See the package doc.
const assetsPath = "api/servicedesk/assets"

// ListAssets lists an account's assets: GET /api/servicedesk/assets?$filter=AccountId eq {id}.
func (c *Client) ListAssets(ctx context.Context, accountID string) ([]provider.PSAAsset, error) {
	const op = "ListAssets"
	id, err := parseID(op, "accountID", accountID)
	if err != nil {
		return nil, err
	}
	return listAll(ctx, c, op, assetsPath, "AccountId eq "+strconv.FormatInt(id, 10), decodeAsset)
}

// assetBody is the full writable state of an asset. LocationId null lets BMS use the account's
// main location; DepartmentId null means no department (it is optional for an asset).
type assetBody struct {
	ID           int64  `json:"Id,omitempty"`
	AccountID    int64  `json:"AccountId"`
	LocationID   *int64 `json:"LocationId"`
	DepartmentID *int64 `json:"DepartmentId"`
	AssetName    string `json:"AssetName"`
	SerialNumber string `json:"SerialNumber"`
	OS           string `json:"OS"`
	IPAddress    string `json:"IPAddress"`
	RmmAssetID   string `json:"RmmAssetId"`
}

func assetBodyFrom(op string, in provider.PSAAsset) (assetBody, error) {
	b := assetBody{AssetName: strings.TrimSpace(in.Name), SerialNumber: in.SerialNumber, OS: in.OS,
		IPAddress: in.IPAddress, RmmAssetID: in.ExternalKey}
	if b.AssetName == "" {
		return b, provider.Errorf(provider.KindInvalid, op, "empty asset name")
	}
	var err error
	if b.AccountID, err = parseID(op, "AccountID", in.AccountID); err != nil {
		return b, err
	}
	if in.LocationID != "" {
		n, err := parseID(op, "LocationID", in.LocationID)
		if err != nil {
			return b, err
		}
		b.LocationID = &n
	}
	if in.DepartmentID != "" {
		n, err := parseID(op, "DepartmentID", in.DepartmentID)
		if err != nil {
			return b, err
		}
		b.DepartmentID = &n
	}
	return b, nil
}

// CreateAsset posts a new asset keyed by RmmAssetId (the tool asset's id). An RmmAssetId
// already in use is refused as "already exists" and mapped to KindNameConflict.
func (c *Client) CreateAsset(ctx context.Context, in provider.PSAAsset) (provider.PSAAsset, error) {
	const op = "CreateAsset"
	body, err := assetBodyFrom(op, in)
	if err != nil {
		return provider.PSAAsset{}, err
	}
	env, status, err := c.create(ctx, op, assetsPath, httpx.JSON(body))
	if err != nil {
		return provider.PSAAsset{}, err
	}
	a, err := createdResult(env, decodeAsset, func(id string) provider.PSAAsset {
		out := in
		out.ID = id
		return out
	})
	if err != nil {
		return provider.PSAAsset{}, c.hc.Errorf(provider.KindUnknownOutcome, op, status, "%v", err)
	}
	return a, nil
}

// UpdateAsset replaces the asset's fields with PUT /api/servicedesk/assets/{id}. The body
// carries absolute values only, so resending it is harmless and httpx may retry it.
func (c *Client) UpdateAsset(ctx context.Context, in provider.PSAAsset) (provider.PSAAsset, error) {
	const op = "UpdateAsset"
	id, err := parseID(op, "ID", in.ID)
	if err != nil {
		return provider.PSAAsset{}, err
	}
	body, err := assetBodyFrom(op, in)
	if err != nil {
		return provider.PSAAsset{}, err
	}
	body.ID = id
	if err := c.login(ctx); err != nil {
		return provider.PSAAsset{}, err
	}
	resp, err := c.hc.Do(ctx, httpx.Request{Operation: op, Method: http.MethodPut,
		Path: assetsPath + "/" + strconv.FormatInt(id, 10), Body: httpx.JSON(body), Idempotent: true})
	if err != nil {
		return provider.PSAAsset{}, err
	}
	env, err := c.check(op, resp, updateCall)
	if err != nil {
		return provider.PSAAsset{}, err
	}
	// Some V1 writes answer Result=true instead of the record; then the sent state is the state.
	if raw := bytes.TrimSpace(env.Result); len(raw) > 0 && raw[0] == '{' {
		a, _, err := decodeAsset(raw)
		if err != nil {
			return provider.PSAAsset{}, c.hc.Errorf(provider.KindTransient, op, resp.StatusCode, "undecodable asset: %v", err)
		}
		return a, nil
	}
	return in, nil
}
