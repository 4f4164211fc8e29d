package kaseyabms

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/accountsync/accountsync-operator/internal/provider"
	"github.com/accountsync/accountsync-operator/internal/provider/httpx"
)

// Default rate limit. BMS v2 allows 1500 calls per hour per endpoint (vendor doc). A sync
// spreads its calls over a handful of endpoints, so 120 a minute keeps a connection near that
// budget, and any 429 the server sends is honoured by httpx (Retry-After).
const (
	defaultRequestsPerMinute = 120
	defaultBurst             = 10
)

// authCooldown is how long a rejected login is remembered. BMS locks a user after repeated
// failed logins, so one refusal must not turn into a burst of logins from retries and probes;
// after the cooldown a new attempt is made (someone may have fixed the password).
const authCooldown = time.Minute

func init() {
	provider.Register(provider.Factory{
		Name:                     provider.KaseyaBMS,
		Side:                     provider.SidePSA,
		RequiredKeys:             []string{"username", "password", "tenant"},
		DefaultRequestsPerMinute: defaultRequestsPerMinute,
		DefaultBurst:             defaultBurst,
		Limit:                    provider.RateLimit{Requests: 1500, Per: time.Hour, PerEndpoint: true, WarmUp: []string{"GetAsset"}, Source: "BMS API v2 doc: 1500 calls per hour per endpoint"},
		New: func(cfg provider.Config, creds provider.Credentials) (provider.Client, error) {
			return New(cfg, creds)
		},
	})
}

// Client talks to one BMS tenant through the v2 REST API.
type Client struct {
	hc   *httpx.Client
	auth *httpx.TokenAuth

	username, password, tenant string

	mu         sync.Mutex
	session    session // the last tokens issued, for the refresh grant
	authFail   *provider.Error
	authFailAt time.Time
	// categories caches asset category names learnt from the tenant's assets (name key).
	categories   map[string]namedID
	categoriesAt time.Time
	// ticketLocations caches each account's main location for tickets (tickets.go).
	ticketLocations locationCache
	// assets caches hardware-asset details between listings (inventory.go).
	assets assetCache
}

// session is what /v2/security/authenticate returned last.
type session struct {
	access, refresh string
	refreshExpires  time.Time
}

// New builds a client. cfg.URL is the API root (https://api.bms.kaseya.com, or a regional
// api.bmsemea / api.bmsapac host); a URL that already ends in /v2 is accepted too.
func New(cfg provider.Config, creds provider.Credentials) (*Client, error) {
	for _, k := range []string{"username", "password", "tenant"} {
		if len(creds[k]) == 0 {
			return nil, &provider.MissingKeyError{Key: k}
		}
	}
	if cfg.URL == nil {
		return nil, provider.Errorf(provider.KindInvalid, "New", "no URL")
	}
	u := *cfg.URL
	u.Path = strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), "/v2")
	u.RawPath = ""
	cfg.URL = &u

	c := &Client{
		username: string(creds["username"]),
		password: string(creds["password"]),
		tenant:   string(creds["tenant"]),
	}
	c.auth = &httpx.TokenAuth{Fetch: c.fetchToken}
	c.hc = httpx.New(httpx.Options{
		Provider: provider.KaseyaBMS,
		Config:   cfg,
		Auth:     c.auth,
		Secrets:  []string{c.password, c.username, c.tenant},
	})
	return c, nil
}

// Provider implements provider.Client.
func (c *Client) Provider() provider.Name { return provider.KaseyaBMS }

// Side implements provider.Client.
func (c *Client) Side() provider.Side { return provider.SidePSA }

// CallCount implements provider.Client.
func (c *Client) CallCount() int64 { return c.hc.Calls() }

// CallsByOperation implements provider.OperationCounter: BMS's limit is per endpoint.
func (c *Client) CallsByOperation() map[string]int64 { return c.hc.CallsByOperation() }

// Probe logs in (when no token is cached) and reads the account types: the cheapest call that
// proves the token is accepted by the API, not only by the login. v2 reports no server version.
func (c *Client) Probe(ctx context.Context) (provider.ProbeResult, error) {
	if _, err := c.ListAccountTypes(ctx); err != nil {
		return provider.ProbeResult{}, err
	}
	return provider.ProbeResult{}, nil
}

// login makes sure a token is cached before a call. Going through TokenAuth here rather than
// inside httpx.Client.Do means a refused login is returned at once instead of being retried as
// a transport failure; a token that expires mid-session is still renewed once on 401 by Do.
func (c *Client) login(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://token.check.invalid/", nil)
	if err != nil {
		return provider.Errorf(provider.KindInvalid, "Authenticate", "%v", err)
	}
	return c.auth.Apply(ctx, c.hc, req)
}

// fetchToken renews the session with the refresh grant while its refresh token is valid, and
// otherwise logs in with the password grant.
func (c *Client) fetchToken(ctx context.Context, hc *httpx.Client) (httpx.Token, error) {
	c.mu.Lock()
	if c.authFail != nil && time.Since(c.authFailAt) < authCooldown {
		failure := c.authFail
		c.mu.Unlock()
		return httpx.Token{}, failure
	}
	prev := c.session
	c.mu.Unlock()

	if prev.refresh != "" && time.Until(prev.refreshExpires) > time.Minute {
		form := url.Values{"AccessToken": {prev.access}, "RefreshToken": {prev.refresh}}
		if tok, err := c.tokenCall(ctx, hc, "RefreshToken", "v2/security/refreshtoken", form); err == nil {
			return tok, nil
		}
		// A refused refresh (revoked, or the server forgot it) falls back to a full login.
	}
	form := url.Values{
		"GrantType": {"password"},
		"UserName":  {c.username},
		"Password":  {c.password},
		"Tenant":    {c.tenant},
	}
	tok, err := c.tokenCall(ctx, hc, "Authenticate", "v2/security/authenticate", form)
	if pe := (*provider.Error)(nil); errors.As(err, &pe) && pe.Kind == provider.KindAuth {
		c.mu.Lock()
		c.authFail, c.authFailAt = pe, time.Now()
		c.mu.Unlock()
	}
	return tok, err
}

// tokenCall posts a form to a security endpoint and keeps the session it returns. The swagger
// declares multipart/form-data; the public PowerQuery client sends form-urlencoded, which the
// same ASP.NET [FromForm] binding accepts and which is what this client sends.
func (c *Client) tokenCall(ctx context.Context, hc *httpx.Client, op, path string, form url.Values) (httpx.Token, error) {
	resp, err := hc.Do(ctx, httpx.Request{
		Operation: op,
		Method:    http.MethodPost,
		Path:      path,
		Header:    http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
		Body:      []byte(form.Encode()),
		// A login creates nothing; resending it after a lost answer is safe.
		Idempotent: true,
		NoAuth:     true,
	})
	if err != nil {
		return httpx.Token{}, err
	}
	out, err := decodeToken(hc, op, resp)
	if err != nil {
		return httpx.Token{}, err
	}
	c.mu.Lock()
	c.authFail = nil
	c.session = session{access: out.AccessToken, refresh: out.RefreshToken, refreshExpires: out.RefreshTokenExpireOn.t}
	c.mu.Unlock()
	tok := httpx.Token{Value: out.AccessToken, Scheme: "Bearer"}
	// httpx.TokenAuth renews a token 30 s before it expires. A token that lives about that
	// long (or whose expiry did not parse) is kept until the server answers 401 instead.
	if exp := out.AccessTokenExpireOn.t; time.Until(exp) > shortTokenLife {
		tok.Expires = exp
	}
	return tok, nil
}

// The capabilities this client offers (checked at compile time). There is no
// DepartmentManager: BMS has no per-account departments (see the package doc).
var (
	_ provider.Client                 = (*Client)(nil)
	_ provider.AccountLister          = (*Client)(nil)
	_ provider.AccountFinder          = (*Client)(nil)
	_ provider.StatusTypeLister       = (*Client)(nil)
	_ provider.AccountCreator         = (*Client)(nil)
	_ provider.CreateSettingsResolver = (*Client)(nil)
	_ provider.LocationManager        = (*Client)(nil)
	_ provider.AssetManager           = (*Client)(nil)
	_ provider.UserLister             = (*Client)(nil)
	_ provider.UserCreator            = (*Client)(nil)
)
