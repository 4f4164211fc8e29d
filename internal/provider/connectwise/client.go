package connectwise

import (
	"context"
	"encoding/base64"
	"net/http"
	"regexp"
	"strings"
	"sync"

	"github.com/accountsync/accountsync-operator/internal/provider"
	"github.com/accountsync/accountsync-operator/internal/provider/httpx"
)

const (
	// acceptHeader pins the 2022.1 models so a CW release cannot change field shapes under us.
	acceptHeader = "application/vnd.connectwise.com+json; version=2022.1"
	apiRoot      = "apis/3.0/"
	// pageSize is CW's hard maximum ("Max Size = 1,000").
	pageSize = 1000

	defaultRequestsPerMinute = 600
	defaultBurst             = 10
)

// Secret keys, exactly as API.md lists them.
const (
	KeyCompanyID  = "companyId"
	KeyPublicKey  = "publicKey"
	KeyPrivateKey = "privateKey"
	KeyClientID   = "clientId"
)

func init() {
	provider.Register(provider.Factory{
		Name:                     provider.ConnectWisePSA,
		Side:                     provider.SidePSA,
		RequiredKeys:             []string{KeyCompanyID, KeyPublicKey, KeyPrivateKey, KeyClientID},
		DefaultRequestsPerMinute: defaultRequestsPerMinute,
		DefaultBurst:             defaultBurst,
		Limit:                    provider.RateLimit{Source: "ConnectWise publishes no quota (429 with Retry-After)"},
		New: func(cfg provider.Config, creds provider.Credentials) (provider.Client, error) {
			return New(cfg, creds)
		},
	})
}

// Client talks to one ConnectWise PSA tenant.
type Client struct {
	http      *httpx.Client
	companyID string

	mu       sync.Mutex
	codebase string // e.g. "v4_6_release/"; empty until discovered

	statuses statusCache
	cfgType  cfgTypeCache
}

var (
	_ provider.Client           = (*Client)(nil)
	_ provider.AccountLister    = (*Client)(nil)
	_ provider.AccountCounter   = (*Client)(nil)
	_ provider.AccountFinder    = (*Client)(nil)
	_ provider.StatusTypeLister = (*Client)(nil)
	_ provider.AccountCreator   = (*Client)(nil)
	_ provider.LocationManager  = (*Client)(nil)
	_ provider.AssetManager     = (*Client)(nil)
	_ provider.UserLister       = (*Client)(nil)
	_ provider.UserCreator      = (*Client)(nil)
)

// New builds a client. cfg.URL is the site host the user copied (https://api-na.myconnectwise.net);
// the client adds the codebase and API paths itself.
func New(cfg provider.Config, creds provider.Credentials) (*Client, error) {
	if cfg.URL == nil || cfg.URL.Host == "" || (cfg.URL.Scheme != "https" && cfg.URL.Scheme != "http") {
		return nil, provider.Errorf(provider.KindInvalid, "New", "url must be an http(s) site address such as https://api-na.myconnectwise.net")
	}
	if strings.Contains(cfg.URL.Path, "/apis/") || strings.Contains(cfg.URL.Path, "/login/") {
		return nil, provider.Errorf(provider.KindInvalid, "New", "url must be the site address only; the client finds the API path itself")
	}
	get := func(k string) (string, error) {
		// Secrets written with `echo` often end in a newline; no CW credential has spaces.
		v := strings.TrimSpace(string(creds[k]))
		if v == "" {
			return "", &provider.MissingKeyError{Key: k}
		}
		return v, nil
	}
	var vals [4]string
	for i, k := range []string{KeyCompanyID, KeyPublicKey, KeyPrivateKey, KeyClientID} {
		v, err := get(k)
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	companyID, publicKey, privateKey, clientID := vals[0], vals[1], vals[2], vals[3]
	if !companyIDPattern.MatchString(companyID) {
		return nil, provider.Errorf(provider.KindInvalid, "New", "companyId may contain only letters, digits, '.', '_' and '-'")
	}
	userPass := companyID + "+" + publicKey + ":" + privateKey
	encoded := base64.StdEncoding.EncodeToString([]byte(userPass))
	auth := &httpx.BasicAuth{
		Header: "Basic " + encoded,
		// The header name is case-insensitive on CW; "clientId" is how its guide writes it.
		Extra: http.Header{"clientId": {clientID}},
	}
	return &Client{
		http: httpx.New(httpx.Options{
			Provider: provider.ConnectWisePSA,
			Config:   cfg,
			Auth:     auth,
			Secrets:  []string{companyID, publicKey, privateKey, clientID, userPass, encoded},
		}),
		companyID: companyID,
	}, nil
}

var companyIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// Provider implements provider.Client.
func (c *Client) Provider() provider.Name { return provider.ConnectWisePSA }

// Side implements provider.Client.
func (c *Client) Side() provider.Side { return provider.SidePSA }

// CallCount implements provider.Client.
func (c *Client) CallCount() int64 { return c.http.Calls() }

// Probe re-discovers the codebase and reads /system/info, the cheapest authenticated call.
func (c *Client) Probe(ctx context.Context) (provider.ProbeResult, error) {
	if _, err := c.discover(ctx); err != nil {
		return provider.ProbeResult{}, err
	}
	resp, err := c.api(ctx, httpx.Request{Operation: "Probe", Method: http.MethodGet, Path: "system/info"})
	if err != nil {
		return provider.ProbeResult{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return provider.ProbeResult{}, c.statusErr("Probe", resp)
	}
	info, err := decodeSystemInfo(resp.Body)
	if err != nil {
		return provider.ProbeResult{}, c.decodeErr("Probe", err)
	}
	return provider.ProbeResult{ServerVersion: shortVersion(info.Version)}, nil
}

// shortVersion turns "v2025.1.10432" into "2025.1".
func shortVersion(v string) string {
	v = strings.TrimPrefix(strings.TrimSpace(v), "v")
	parts := strings.SplitN(v, ".", 3)
	if len(parts) >= 2 {
		return parts[0] + "." + parts[1]
	}
	return v
}

// discover asks the site for this company's codebase and caches it.
func (c *Client) discover(ctx context.Context) (string, error) {
	const op = "DiscoverCodebase"
	resp, err := c.http.Do(ctx, httpx.Request{
		Operation: op,
		Method:    http.MethodGet,
		Path:      "login/companyinfo/" + c.companyID,
		Header:    http.Header{"Accept": {"application/json"}},
		NoAuth:    true,
	})
	if err != nil {
		return "", err
	}
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		return "", c.http.Errorf(provider.KindAuth, op, resp.StatusCode,
			"the site does not know the login company in companyId (check companyId and url)")
	default:
		return "", c.statusErr(op, resp)
	}
	info, err := decodeCompanyInfo(resp.Body)
	if err != nil {
		return "", c.decodeErr(op, err)
	}
	c.mu.Lock()
	c.codebase = info.Codebase
	c.mu.Unlock()
	return info.Codebase, nil
}

// apiPath prefixes an API resource path with the codebase, discovering it on first use.
func (c *Client) apiPath(ctx context.Context, resource string) (string, error) {
	c.mu.Lock()
	cb := c.codebase
	c.mu.Unlock()
	if cb == "" {
		var err error
		if cb, err = c.discover(ctx); err != nil {
			return "", err
		}
	}
	return cb + apiRoot + resource, nil
}

// api sends an authenticated API request; req.Path is a resource path such as
// "company/companies" unless it is an absolute URL (a Link header's next page).
func (c *Client) api(ctx context.Context, req httpx.Request) (*httpx.Response, error) {
	if !strings.HasPrefix(req.Path, "http://") && !strings.HasPrefix(req.Path, "https://") {
		p, err := c.apiPath(ctx, req.Path)
		if err != nil {
			return nil, err
		}
		req.Path = p
	}
	req.Header = http.Header{"Accept": {acceptHeader}}
	resp, err := c.http.Do(ctx, req)
	if err != nil {
		return nil, err
	}
	return resp, nil
}
