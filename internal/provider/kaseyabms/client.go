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

// Default rate limit. BMS publishes no limit for V1; V2 allows 1500 calls per hour per
// endpoint. 120 requests a minute keeps a sync that spreads its calls over the account,
// location, department, asset and contact endpoints near that budget, and any 429 the server
// sends is honoured by httpx (Retry-After).
const (
	defaultRequestsPerMinute = 120
	defaultBurst             = 10
)

// authCooldown is how long a rejected login is remembered. BMS locks a user after repeated
// failed logins, so one refusal must not turn into a burst of token requests from retries
// and probes; after the cooldown a new attempt is made (someone may have fixed the password).
const authCooldown = time.Minute

func init() {
	provider.Register(provider.Factory{
		Name:                     provider.KaseyaBMS,
		Side:                     provider.SidePSA,
		RequiredKeys:             []string{"username", "password", "tenant"},
		DefaultRequestsPerMinute: defaultRequestsPerMinute,
		DefaultBurst:             defaultBurst,
		New: func(cfg provider.Config, creds provider.Credentials) (provider.Client, error) {
			return New(cfg, creds)
		},
	})
}

// Client talks to one BMS tenant through the V1 API.
type Client struct {
	hc   *httpx.Client
	auth *httpx.TokenAuth

	username, password, tenant string

	failMu     sync.Mutex
	authFail   *provider.Error
	authFailAt time.Time
}

// New builds a client. cfg.URL is the server root (https://bms.kaseya.com); a URL that already
// ends in /api (the address of the API help pages) is accepted too.
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
	u.Path = strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), "/api")
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

// Probe logs in (when no token is cached) and reads one account type: the cheapest call that
// proves the token is accepted by the API, not only by the token endpoint. V1 reports no
// server version, so ServerVersion stays empty.
func (c *Client) Probe(ctx context.Context) (provider.ProbeResult, error) {
	const op = "Probe"
	if err := c.login(ctx); err != nil {
		return provider.ProbeResult{}, err
	}
	resp, err := c.hc.Do(ctx, httpx.Request{Operation: op, Method: http.MethodGet, Path: "api/crm/accounts/types",
		Query: url.Values{"$top": {"1"}}})
	if err != nil {
		return provider.ProbeResult{}, err
	}
	if _, err := c.check(op, resp, readCall); err != nil {
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

// fetchToken is the password grant at POST /api/token.
func (c *Client) fetchToken(ctx context.Context, hc *httpx.Client) (httpx.Token, error) {
	const op = "Authenticate"
	c.failMu.Lock()
	if c.authFail != nil && time.Since(c.authFailAt) < authCooldown {
		failure := c.authFail
		c.failMu.Unlock()
		return httpx.Token{}, failure
	}
	c.failMu.Unlock()

	form := url.Values{
		"grant_type": {"password"},
		"username":   {c.username},
		"password":   {c.password},
		"tenant":     {c.tenant},
	}
	resp, err := hc.Do(ctx, httpx.Request{
		Operation: op,
		Method:    http.MethodPost,
		Path:      "api/token",
		Header:    http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
		Body:      []byte(form.Encode()),
		// A password grant creates nothing; resending it after a lost answer is safe.
		Idempotent: true,
		NoAuth:     true,
	})
	if err == nil {
		var tok httpx.Token
		tok, err = decodeToken(hc, op, resp, time.Now())
		if err == nil {
			c.failMu.Lock()
			c.authFail = nil
			c.failMu.Unlock()
			return tok, nil
		}
	}
	if pe := (*provider.Error)(nil); errors.As(err, &pe) && pe.Kind == provider.KindAuth {
		c.failMu.Lock()
		c.authFail, c.authFailAt = pe, time.Now()
		c.failMu.Unlock()
	}
	return httpx.Token{}, err
}

// The capabilities this client offers (checked at compile time).
var (
	_ provider.Client            = (*Client)(nil)
	_ provider.AccountLister     = (*Client)(nil)
	_ provider.AccountFinder     = (*Client)(nil)
	_ provider.StatusTypeLister  = (*Client)(nil)
	_ provider.AccountCreator    = (*Client)(nil)
	_ provider.LocationManager   = (*Client)(nil)
	_ provider.DepartmentManager = (*Client)(nil)
	_ provider.AssetManager      = (*Client)(nil)
	_ provider.UserLister        = (*Client)(nil)
	_ provider.UserCreator       = (*Client)(nil)
)
