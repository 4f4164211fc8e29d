package halopsa

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/accountsync/accountsync-operator/internal/provider"
	"github.com/accountsync/accountsync-operator/internal/provider/httpx"
)

// Secret keys, as API.md names them.
const (
	keyClientID     = "clientId"
	keyClientSecret = "clientSecret"
	keyTenant       = "tenant"
)

// Default rate limit: 700 requests per rolling five minutes [3P] is 140/min; 120 leaves room
// for the tenant's other integrations.
const (
	defaultRequestsPerMinute = 120
	defaultBurst             = 10
)

func init() {
	provider.Register(provider.Factory{
		Name:                     provider.HaloPSA,
		Side:                     provider.SidePSA,
		RequiredKeys:             []string{keyClientID, keyClientSecret},
		OptionalKeys:             []string{keyTenant},
		DefaultRequestsPerMinute: defaultRequestsPerMinute,
		DefaultBurst:             defaultBurst,
		Limit:                    provider.RateLimit{Requests: 700, Per: 5 * time.Minute, Source: "[3P] 700 requests per rolling five minutes"},
		New:                      New,
	})
}

// Client talks to one Halo tenant.
type Client struct {
	hc     *httpx.Client
	tokens *httpx.TokenAuth

	clientID     string
	clientSecret string
	tenant       string

	mu             sync.Mutex
	authURL        string          // discovered once through /api/authinfo
	assetTypeCache []wireAssetType // GET /api/AssetType, read at assetTypeRead
	assetTypeRead  time.Time
}

var (
	_ provider.Client              = (*Client)(nil)
	_ provider.AccountLister       = (*Client)(nil)
	_ provider.AccountFinder       = (*Client)(nil)
	_ provider.AccountCreator      = (*Client)(nil)
	_ provider.StatusTypeLister    = (*Client)(nil)
	_ provider.LocationManager     = (*Client)(nil)
	_ provider.AssetManager        = (*Client)(nil)
	_ provider.AssetCategoryLister = (*Client)(nil)
	_ provider.UserLister          = (*Client)(nil)
	_ provider.UserCreator         = (*Client)(nil)
)

// New builds a client for the tenant root cfg.URL. Credential values are trimmed, because a
// Secret made from a file often ends with a newline.
func New(cfg provider.Config, creds provider.Credentials) (provider.Client, error) {
	c := &Client{
		clientID:     strings.TrimSpace(string(creds[keyClientID])),
		clientSecret: strings.TrimSpace(string(creds[keyClientSecret])),
		tenant:       strings.TrimSpace(string(creds[keyTenant])),
	}
	if c.clientID == "" {
		return nil, &provider.MissingKeyError{Key: keyClientID}
	}
	if c.clientSecret == "" {
		return nil, &provider.MissingKeyError{Key: keyClientSecret}
	}
	if cfg.URL == nil {
		return nil, errors.New("halopsa: no URL")
	}
	c.tokens = &httpx.TokenAuth{Fetch: c.fetchToken}
	c.hc = httpx.New(httpx.Options{
		Provider: provider.HaloPSA,
		Config:   cfg,
		Auth:     c.tokens,
		Secrets:  []string{c.clientID, c.clientSecret, c.tenant},
	})
	return c, nil
}

func (c *Client) Provider() provider.Name { return provider.HaloPSA }
func (c *Client) Side() provider.Side     { return provider.SidePSA }
func (c *Client) CallCount() int64        { return c.hc.Calls() }

// Probe authenticates, then reads one client: the cheapest call that proves the token is
// accepted by the resource server. Halo reports no version, so ServerVersion stays empty.
func (c *Client) Probe(ctx context.Context) (provider.ProbeResult, error) {
	const op = "Probe"
	if err := c.authenticate(ctx, op); err != nil {
		return provider.ProbeResult{}, err
	}
	q := url.Values{"pageinate": {"true"}, "page_size": {"1"}, "page_no": {"1"}}
	resp, err := c.get(ctx, op, "api/Client", q)
	if err != nil {
		return provider.ProbeResult{}, err
	}
	if _, err := decodePage[wireClient](resp.Body, "clients"); err != nil {
		return provider.ProbeResult{}, c.hc.Errorf(provider.KindInvalid, op, resp.StatusCode,
			"unexpected answer from /api/Client (is the URL the Halo tenant root?): %v", err)
	}
	return provider.ProbeResult{}, nil
}

// authenticate makes sure a token is cached. The probe calls it first so a refused login is
// reported as the login's own error (with the auth server it went to), not as the first call's.
func (c *Client) authenticate(ctx context.Context, op string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.hc.BaseURL().String(), nil)
	if err != nil {
		return c.hc.Errorf(provider.KindInvalid, op, 0, "bad URL: %v", err)
	}
	if err := c.tokens.Apply(ctx, c.hc, req); err != nil {
		var pe *provider.Error
		if errors.As(err, &pe) {
			return pe
		}
		return c.hc.Errorf(provider.KindTransient, op, 0, "authenticate: %v", err)
	}
	return nil
}

// get sends a GET and maps any non-2xx answer to a typed error.
func (c *Client) get(ctx context.Context, op, path string, q url.Values) (*httpx.Response, error) {
	resp, err := c.hc.Do(ctx, httpx.Request{Operation: op, Method: http.MethodGet, Path: path, Query: q})
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, c.statusError(op, resp)
	}
	return resp, nil
}

// post sends a JSON array body. idempotent is true only for upserts that carry the record id.
func (c *Client) post(ctx context.Context, op, path string, body any, idempotent bool) (*httpx.Response, error) {
	resp, err := c.hc.Do(ctx, httpx.Request{
		Operation:  op,
		Method:     http.MethodPost,
		Path:       path,
		Body:       httpx.JSON(body),
		Idempotent: idempotent,
	})
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, c.statusError(op, resp)
	}
	return resp, nil
}

// statusError maps an unexpected status, with the message decoded from Halo's error body.
func (c *Client) statusError(op string, resp *httpx.Response) *provider.Error {
	return c.hc.StatusError(op, resp, decodeError(resp.Body))
}

// getClient reads one client; a missing one is KindNotFound.
func (c *Client) getClient(ctx context.Context, op string, id int64) (wireClient, error) {
	resp, err := c.get(ctx, op, "api/Client/"+strconv.FormatInt(id, 10), nil)
	if err != nil {
		return wireClient{}, err
	}
	rec, err := decodeOne[wireClient](resp.Body)
	if err != nil {
		return wireClient{}, c.hc.Errorf(provider.KindInvalid, op, resp.StatusCode, "decode client %d: %v", id, err)
	}
	if rec.ID == 0 {
		// Some Halo versions answer an unknown id with an empty record rather than 404.
		return wireClient{}, c.hc.Errorf(provider.KindNotFound, op, resp.StatusCode, "client %d not found", id)
	}
	return rec, nil
}

// parseID turns a provider id into Halo's integer id.
func (c *Client) parseID(op, what, id string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(id), 10, 64)
	if err != nil || n <= 0 {
		return 0, c.hc.Errorf(provider.KindInvalid, op, 0, "%s id %q is not a Halo id", what, id)
	}
	return n, nil
}
