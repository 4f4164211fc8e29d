package kaseyabms

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/accountsync/accountsync-operator/internal/provider"
	"github.com/accountsync/accountsync-operator/internal/provider/httpx"
)

const (
	assetsPath       = "v2/servicedesk/hardwareasset"
	assetsSearchPath = "v2/servicedesk/hardwareasset/searchselect"
)

// namedID is an id with its name (a category seen on an asset row).
type namedID struct{ id, name string }

func decodeCategoryRow(raw json.RawMessage) (namedID, string, error) {
	var r struct {
		CategoryID   flexID     `json:"CategoryId"`
		CategoryName flexString `json:"CategoryName"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return namedID{}, "", err
	}
	if r.CategoryID == "" || r.CategoryID == "0" {
		// An asset without a category teaches nothing; its row id keeps it apart.
		return namedID{}, "", nil
	}
	return namedID{id: string(r.CategoryID), name: string(r.CategoryName)}, string(r.CategoryID), nil
}

// ListAssets lists an account's hardware assets. The searchselect rows
// (GET /v2/servicedesk/hardwareasset/searchselect?Filter.AccountId=) carry neither the
// location id, the OS nor the asset tag, so an asset's detail is read with
// GET /v2/servicedesk/hardwareasset/{assetId} when its row is new or changed since the detail
// was last read (assetCache). An asset deleted between the two calls is left out.
func (c *Client) ListAssets(ctx context.Context, accountID string) ([]provider.PSAAsset, error) {
	const op = "ListAssets"
	id, err := parseID(op, "accountID", accountID)
	if err != nil {
		return nil, err
	}
	rows, err := listAll(ctx, c, op, assetsSearchPath, url.Values{"Filter.AccountId": {strconv.FormatInt(id, 10)}}, decodeAssetMark)
	if err != nil {
		return nil, err
	}
	return c.details(ctx, rows, false, nil)
}

// assetBody is HardwareAssetInputDto with the fields this client owns. AssetTag carries the
// tool asset's id: AgentId, BMS's own key, is output-only here and written only by the
// asynchronous RMM-integration API, so the tag is the writable field read back on listing.
type assetBody struct {
	Name              string `json:"Name"`
	AccountID         int64  `json:"AccountId"`
	AccountLocationID int64  `json:"AccountLocationId"`
	CategoryID        int64  `json:"CategoryId"`
	SerialNumber      string `json:"SerialNumber,omitempty"`
	AssetTag          string `json:"AssetTag"`
	IsActive          bool   `json:"IsActive"`
	IPAddress         string `json:"IpAddress,omitempty"`
	OsType            string `json:"OsType,omitempty"`
	OsInfo            string `json:"OsInfo,omitempty"`
}

func (c *Client) assetBodyFrom(ctx context.Context, op string, in provider.PSAAsset) (assetBody, error) {
	b := assetBody{Name: strings.TrimSpace(in.Name), SerialNumber: strings.TrimSpace(in.SerialNumber),
		AssetTag: strings.TrimSpace(in.ExternalKey), IsActive: true, IPAddress: strings.TrimSpace(in.IPAddress),
		OsInfo: strings.TrimSpace(in.OS), OsType: osFamily(in.OS)}
	if b.Name == "" {
		return b, provider.Errorf(provider.KindInvalid, op, "empty asset name")
	}
	if in.DepartmentID != "" {
		return b, provider.Errorf(provider.KindUnsupported, op, "Kaseya BMS assets have no department")
	}
	var err error
	if b.AccountID, err = parseID(op, "AccountID", in.AccountID); err != nil {
		return b, err
	}
	if strings.TrimSpace(in.Category) == "" {
		return b, provider.Errorf(provider.KindInvalid, op, "Kaseya BMS needs a hardware-asset category (spec.creation.kaseyaBMS.assetCategory)")
	}
	if b.CategoryID, err = parseID(op, "Category", in.Category); err != nil {
		return b, err
	}
	if in.LocationID != "" {
		b.AccountLocationID, err = parseID(op, "LocationID", in.LocationID)
	} else {
		// AccountLocationId is required; no location means the account's main one.
		b.AccountLocationID, err = c.mainLocationID(ctx, op, b.AccountID)
	}
	return b, err
}

// osFamily fills OsType from the tool's OS text (OsInfo keeps the full text). The swagger
// gives OsType no value list; the family names are an assumption.
func osFamily(os string) string {
	l := strings.ToLower(os)
	switch {
	case strings.Contains(l, "windows"):
		return "Windows"
	case strings.Contains(l, "mac") || strings.Contains(l, "darwin"):
		return "Mac OS"
	case strings.Contains(l, "linux") || strings.Contains(l, "ubuntu") || strings.Contains(l, "debian") ||
		strings.Contains(l, "centos") || strings.Contains(l, "red hat"):
		return "Linux"
	}
	return ""
}

// CreateAsset posts HardwareAssetInputDto to /v2/servicedesk/hardwareasset.
func (c *Client) CreateAsset(ctx context.Context, in provider.PSAAsset) (provider.PSAAsset, error) {
	const op = "CreateAsset"
	if err := c.login(ctx); err != nil {
		return provider.PSAAsset{}, err
	}
	body, err := c.assetBodyFrom(ctx, op, in)
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
	c.remember(written(a, in, body))
	return a, nil
}

// UpdateAsset replaces the asset's fields with PUT /v2/servicedesk/hardwareasset/{assetId}.
// The body carries absolute values only, so resending it is harmless and httpx may retry it.
func (c *Client) UpdateAsset(ctx context.Context, in provider.PSAAsset) (provider.PSAAsset, error) {
	const op = "UpdateAsset"
	id, err := parseID(op, "ID", in.ID)
	if err != nil {
		return provider.PSAAsset{}, err
	}
	if err := c.login(ctx); err != nil {
		return provider.PSAAsset{}, err
	}
	body, err := c.assetBodyFrom(ctx, op, in)
	if err != nil {
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
	a, err := createdResult(env, decodeAsset, func(string) provider.PSAAsset { return in })
	if err != nil {
		a = in
	}
	c.remember(written(a, in, body))
	return a, nil
}

// written is the record as stored after a create or an update: what the answer says, with the
// fields this client sent (the answer may be an id only).
func written(answer, in provider.PSAAsset, body assetBody) provider.PSAAsset {
	out := in
	out.ID = answer.ID
	if out.ID == "" {
		out.ID = in.ID
	}
	out.Name, out.SerialNumber, out.IPAddress, out.OS = body.Name, body.SerialNumber, body.IPAddress, body.OsInfo
	out.ExternalKey = body.AssetTag
	out.AccountID = strconv.FormatInt(body.AccountID, 10)
	out.LocationID = strconv.FormatInt(body.AccountLocationID, 10)
	out.Category = strconv.FormatInt(body.CategoryID, 10)
	return out
}
