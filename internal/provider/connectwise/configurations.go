package connectwise

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/accountsync/accountsync-operator/internal/provider"
	"github.com/accountsync/accountsync-operator/internal/provider/httpx"
)

// cfgTypeCache holds the configuration type new assets get (see the package doc).
type cfgTypeCache struct {
	mu sync.Mutex
	id int
}

// pickConfigurationType prefers an active type named like a workstation, else the active type
// with the lowest id; 0 when there is no active type.
func pickConfigurationType(types []configurationType) int {
	best := 0
	for _, t := range types {
		if t.InactiveFlag || t.ID <= 0 {
			continue
		}
		if strings.Contains(strings.ToLower(t.Name), "workstation") {
			return t.ID
		}
		if best == 0 || t.ID < best {
			best = t.ID
		}
	}
	return best
}

func (c *Client) configurationType(ctx context.Context, op string) (int, error) {
	c.cfgType.mu.Lock()
	id := c.cfgType.id
	c.cfgType.mu.Unlock()
	if id != 0 {
		return id, nil
	}
	types, err := listAll[configurationType](ctx, c, op, "company/configurations/types", nil)
	if err != nil {
		return 0, err
	}
	if id = pickConfigurationType(types); id == 0 {
		return 0, c.http.Errorf(provider.KindInvalid, op, 0, "ConnectWise has no active configuration type to create assets with")
	}
	c.cfgType.mu.Lock()
	c.cfgType.id = id
	c.cfgType.mu.Unlock()
	return id, nil
}

func toAsset(cfg configuration) provider.PSAAsset {
	a := provider.PSAAsset{
		ID:           strconv.Itoa(cfg.ID),
		ExternalKey:  cfg.DeviceIdentifier,
		Name:         cfg.Name,
		SerialNumber: cfg.SerialNumber,
		OS:           cfg.OSType,
		IPAddress:    cfg.IPAddress,
	}
	if cfg.Company != nil {
		a.AccountID = strconv.Itoa(cfg.Company.ID)
	}
	if cfg.Site != nil {
		a.LocationID = strconv.Itoa(cfg.Site.ID)
	}
	return a
}

// ListAssets implements provider.AssetManager: every configuration of the company.
func (c *Client) ListAssets(ctx context.Context, accountID string) ([]provider.PSAAsset, error) {
	const op = "ListAssets"
	id, err := c.accountID(op, accountID)
	if err != nil {
		return nil, err
	}
	q := url.Values{"conditions": {Eq("company/id", Int(id)).String()}}
	list, err := listAll[configuration](ctx, c, op, "company/configurations", q)
	if err != nil {
		return nil, err
	}
	out := make([]provider.PSAAsset, len(list))
	for i, cfg := range list {
		out[i] = toAsset(cfg)
	}
	return out, nil
}

type configurationCreate struct {
	Name             string `json:"name"`
	Type             idRef  `json:"type"`
	Company          idRef  `json:"company"`
	Site             *idRef `json:"site,omitempty"`
	DeviceIdentifier string `json:"deviceIdentifier,omitempty"`
	SerialNumber     string `json:"serialNumber,omitempty"`
	OSType           string `json:"osType,omitempty"`
	IPAddress        string `json:"ipAddress,omitempty"`
	ActiveFlag       bool   `json:"activeFlag"`
}

// CreateAsset implements provider.AssetManager.
func (c *Client) CreateAsset(ctx context.Context, in provider.PSAAsset) (provider.PSAAsset, error) {
	const op = "CreateAsset"
	companyID, err := c.accountID(op, in.AccountID)
	if err != nil {
		return provider.PSAAsset{}, err
	}
	if strings.TrimSpace(in.Name) == "" {
		return provider.PSAAsset{}, c.http.Errorf(provider.KindInvalid, op, 0, "empty asset name")
	}
	typeID, err := c.configurationType(ctx, op)
	if err != nil {
		return provider.PSAAsset{}, err
	}
	body := configurationCreate{
		Name: in.Name, Type: idRef{ID: typeID}, Company: idRef{ID: companyID},
		DeviceIdentifier: in.ExternalKey, SerialNumber: in.SerialNumber, OSType: in.OS, IPAddress: in.IPAddress,
		ActiveFlag: true,
	}
	if in.LocationID != "" {
		siteID, err := parseID(in.LocationID)
		if err != nil {
			return provider.PSAAsset{}, c.http.Errorf(provider.KindInvalid, op, 0, "location id %q is not a ConnectWise site id", in.LocationID)
		}
		body.Site = &idRef{ID: siteID}
	}
	resp, err := c.api(ctx, httpx.Request{Operation: op, Method: http.MethodPost, Path: "company/configurations", Body: httpx.JSON(body)})
	if err != nil {
		return provider.PSAAsset{}, err
	}
	switch resp.StatusCode {
	case http.StatusCreated, http.StatusOK:
		cfg, err := decodeOne[configuration](resp.Body)
		if err != nil || cfg.ID == 0 {
			return provider.PSAAsset{}, c.http.Errorf(provider.KindUnknownOutcome, op, resp.StatusCode,
				"created, but the answer could not be read")
		}
		return toAsset(cfg), nil
	case http.StatusBadRequest:
		// The cached configuration type may have been deleted; resolve it again next time.
		c.cfgType.mu.Lock()
		c.cfgType.id = 0
		c.cfgType.mu.Unlock()
	}
	return provider.PSAAsset{}, c.statusErr(op, resp)
}

// patchOp is one JSON-patch operation; CW takes paths without a leading slash.
type patchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value"`
}

// assetPatch replaces every field UpdateAsset owns with absolute values, so sending it twice
// leaves the same record.
func assetPatch(in provider.PSAAsset, companyID, siteID int) []patchOp {
	ops := []patchOp{
		{"replace", "name", in.Name},
		{"replace", "company", idRef{ID: companyID}},
	}
	if siteID != 0 {
		ops = append(ops, patchOp{"replace", "site", idRef{ID: siteID}})
	} else {
		ops = append(ops, patchOp{"replace", "site", nil})
	}
	return append(ops,
		patchOp{"replace", "deviceIdentifier", in.ExternalKey},
		patchOp{"replace", "serialNumber", in.SerialNumber},
		patchOp{"replace", "osType", in.OS},
		patchOp{"replace", "ipAddress", in.IPAddress},
	)
}

// UpdateAsset implements provider.AssetManager with an idempotent PATCH.
func (c *Client) UpdateAsset(ctx context.Context, in provider.PSAAsset) (provider.PSAAsset, error) {
	const op = "UpdateAsset"
	id, err := parseID(in.ID)
	if err != nil {
		return provider.PSAAsset{}, c.http.Errorf(provider.KindInvalid, op, 0, "asset id %q is not a ConnectWise configuration id", in.ID)
	}
	companyID, err := c.accountID(op, in.AccountID)
	if err != nil {
		return provider.PSAAsset{}, err
	}
	if strings.TrimSpace(in.Name) == "" {
		return provider.PSAAsset{}, c.http.Errorf(provider.KindInvalid, op, 0, "empty asset name")
	}
	siteID := 0
	if in.LocationID != "" {
		if siteID, err = parseID(in.LocationID); err != nil {
			return provider.PSAAsset{}, c.http.Errorf(provider.KindInvalid, op, 0, "location id %q is not a ConnectWise site id", in.LocationID)
		}
	}
	resp, err := c.api(ctx, httpx.Request{
		Operation: op, Method: http.MethodPatch, Idempotent: true,
		Path: "company/configurations/" + strconv.Itoa(id),
		Body: httpx.JSON(assetPatch(in, companyID, siteID)),
	})
	if err != nil {
		return provider.PSAAsset{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return provider.PSAAsset{}, c.statusErr(op, resp)
	}
	cfg, err := decodeOne[configuration](resp.Body)
	if err != nil {
		return provider.PSAAsset{}, c.decodeErr(op, err)
	}
	return toAsset(cfg), nil
}
