package kaseyavsa

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"

	"github.com/accountsync/accountsync-operator/internal/provider"
	"github.com/accountsync/accountsync-operator/internal/provider/httpx"
)

const (
	// apiRoot is joined to the server root the user gives.
	apiRoot = "api/v1.0/"
	// pageSize is the server's cap on $top.
	pageSize = 100

	defaultRequestsPerMinute = 300
	defaultBurst             = 10
)

func init() {
	provider.Register(provider.Factory{
		Name:                     provider.KaseyaVSA,
		Side:                     provider.SideTool,
		RequiredKeys:             []string{"username", "token"},
		DefaultRequestsPerMinute: defaultRequestsPerMinute,
		DefaultBurst:             defaultBurst,
		Limit:                    provider.RateLimit{Source: "Kaseya VSA publishes no limit"},
		New: func(cfg provider.Config, creds provider.Credentials) (provider.Client, error) {
			return New(cfg, creds)
		},
	})
}

// Client talks to one VSA server.
type Client struct {
	http *httpx.Client
}

var (
	_ provider.Client              = (*Client)(nil)
	_ provider.OrganizationLister  = (*Client)(nil)
	_ provider.OrganizationFinder  = (*Client)(nil)
	_ provider.OrganizationCreator = (*Client)(nil)
	_ provider.MachineGroupLister  = (*Client)(nil)
	_ provider.ToolAssetLister     = (*Client)(nil)
)

// New builds a client from the Secret's username and token (personal access token).
func New(cfg provider.Config, creds provider.Credentials) (*Client, error) {
	user, pat := string(creds["username"]), string(creds["token"])
	if user == "" {
		return nil, &provider.MissingKeyError{Key: "username"}
	}
	if pat == "" {
		return nil, &provider.MissingKeyError{Key: "token"}
	}
	encoded := base64.StdEncoding.EncodeToString([]byte(user + ":" + pat))
	basic := "Basic " + encoded
	auth := &httpx.TokenAuth{Fetch: func(ctx context.Context, hc *httpx.Client) (httpx.Token, error) {
		return openSession(ctx, hc, basic)
	}}
	return &Client{http: httpx.New(httpx.Options{
		Provider: provider.KaseyaVSA,
		Config:   cfg,
		Auth:     auth,
		Secrets:  []string{pat, user, encoded},
	})}, nil
}

func (c *Client) Provider() provider.Name { return provider.KaseyaVSA }
func (c *Client) Side() provider.Side     { return provider.SideTool }
func (c *Client) CallCount() int64        { return c.http.Calls() }

// Probe opens a session (when none is held) and reads one organization. VSA reports no
// version through the REST API, so ServerVersion stays empty.
func (c *Client) Probe(ctx context.Context) (provider.ProbeResult, error) {
	const op = "Probe"
	resp, err := c.get(ctx, op, orgsPath, url.Values{"$top": {"1"}})
	if err != nil {
		return provider.ProbeResult{}, err
	}
	if _, err := c.decode(op, resp); err != nil {
		return provider.ProbeResult{}, err
	}
	return provider.ProbeResult{}, nil
}

// get sends a GET; httpx's TokenAuth opens or renews the session.
func (c *Client) get(ctx context.Context, op, path string, q url.Values) (*httpx.Response, error) {
	return c.http.Do(ctx, httpx.Request{Operation: op, Method: http.MethodGet, Path: path, Query: q})
}

// decode checks the HTTP status and the envelope of a response.
func (c *Client) decode(op string, resp *httpx.Response) (envelope, error) {
	env, derr := decodeEnvelope(resp.Body)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		detail := ""
		if derr == nil {
			detail = env.failure()
		}
		return envelope{}, c.http.StatusError(op, resp, detail)
	}
	if derr != nil {
		return envelope{}, c.http.Errorf(provider.KindInvalid, op, resp.StatusCode, "unreadable VSA response: %v", derr)
	}
	if msg := env.failure(); msg != "" {
		return envelope{}, c.http.Errorf(env.failureKind(), op, resp.StatusCode, "%s", msg)
	}
	return env, nil
}

// listAll pages through a list endpoint with $top/$skip until TotalRecords is reached. The
// page guard ends a server that ignores $skip (the same page again) while reporting a huge total.
func listAll[T any](ctx context.Context, c *Client, op, path string, q url.Values, orderBy string) ([]T, error) {
	var out []T
	guard := httpx.PageGuard{Operation: op}
	for skip := 0; ; {
		page := url.Values{}
		for k, v := range q {
			page[k] = v
		}
		page.Set("$top", strconv.Itoa(pageSize))
		page.Set("$skip", strconv.Itoa(skip))
		page.Set("$orderby", orderBy)
		resp, err := c.get(ctx, op, path, page)
		if err != nil {
			return nil, err
		}
		if err := guard.Next(c.http, resp.Body); err != nil {
			return nil, err
		}
		env, err := c.decode(op, resp)
		if err != nil {
			return nil, err
		}
		var rows []T
		if err := decodeResult(env.Result, &rows); err != nil {
			return nil, c.http.Errorf(provider.KindInvalid, op, resp.StatusCode, "unreadable VSA list: %v", err)
		}
		out = append(out, rows...)
		skip += len(rows)
		total, known := env.total()
		if len(rows) == 0 || (known && skip >= total) || (!known && len(rows) < pageSize) {
			return out, nil
		}
	}
}
