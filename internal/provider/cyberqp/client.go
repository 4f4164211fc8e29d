package cyberqp

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/accountsync/accountsync-operator/internal/provider"
	"github.com/accountsync/accountsync-operator/internal/provider/httpx"
)

const (
	// apiRoot is the dashboard API under the portal root, as the community scripts call it.
	apiRoot = "api/"
	// rowsPerPage is the page size the community scripts use.
	rowsPerPage = 50

	defaultRequestsPerMinute = 120
	defaultBurst             = 5
)

func init() {
	provider.Register(provider.Factory{
		Name:                     provider.CyberQP,
		Side:                     provider.SideTool,
		RequiredKeys:             []string{"apiKey"},
		DefaultRequestsPerMinute: defaultRequestsPerMinute,
		DefaultBurst:             defaultBurst,
		Limit:                    provider.RateLimit{Source: "CyberQP publishes no limit"},
		New: func(cfg provider.Config, creds provider.Credentials) (provider.Client, error) {
			return New(cfg, creds)
		},
	})
}

// Client talks to one CyberQP portal.
type Client struct {
	http *httpx.Client
}

var (
	_ provider.Client             = (*Client)(nil)
	_ provider.OrganizationLister = (*Client)(nil)
	_ provider.OrganizationFinder = (*Client)(nil)
	_ provider.UserLister         = (*Client)(nil)
)

// New builds a client from the Secret's apiKey.
func New(cfg provider.Config, creds provider.Credentials) (*Client, error) {
	key := string(creds["apiKey"])
	if key == "" {
		return nil, &provider.MissingKeyError{Key: "apiKey"}
	}
	return &Client{http: httpx.New(httpx.Options{
		Provider: provider.CyberQP,
		Config:   cfg,
		Auth:     &httpx.BasicAuth{Header: "Bearer " + key}, // a static header; the name is httpx's
		Secrets:  []string{key},
	})}, nil
}

func (c *Client) Provider() provider.Name { return provider.CyberQP }
func (c *Client) Side() provider.Side     { return provider.SideTool }
func (c *Client) CallCount() int64        { return c.http.Calls() }

// Probe reads one customer: the cheapest call that proves the key.
func (c *Client) Probe(ctx context.Context) (provider.ProbeResult, error) {
	const op = "Probe"
	q := url.Values{"page": {"1"}, "rowsPerPage": {"1"}, "searchText": {""}}
	resp, err := c.http.Do(ctx, httpx.Request{Operation: op, Method: http.MethodGet, Path: customersPath, Query: q})
	if err != nil {
		return provider.ProbeResult{}, err
	}
	if err := c.check(op, resp); err != nil {
		return provider.ProbeResult{}, err
	}
	if _, _, err := decodeCustomerPage(resp.Body); err != nil {
		return provider.ProbeResult{}, c.http.Errorf(provider.KindInvalid, op, resp.StatusCode, "unreadable CyberQP response: %v", err)
	}
	return provider.ProbeResult{}, nil
}

// check turns a non-2xx answer into a typed error, using the API's message when it has one.
func (c *Client) check(op string, resp *httpx.Response) error {
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return nil
	}
	return c.http.StatusError(op, resp, errorMessage(resp.Body))
}

// pageOf decodes one page: its rows and maxCount (-1 when absent).
type pageOf[T any] func(body []byte) (rows []T, maxCount int, err error)

// listAll walks page=1.. with rowsPerPage until maxCount rows have been read, an empty page
// arrives, or (without maxCount) a short one. httpx.PageGuard stops a server that answers the
// same page again or never reaches the end, with an error naming the page.
func listAll[T any](ctx context.Context, c *Client, op, path string, q url.Values, decode pageOf[T]) ([]T, error) {
	var out []T
	guard := httpx.PageGuard{Operation: op}
	for page := 1; ; page++ {
		pq := url.Values{}
		for k, v := range q {
			pq[k] = v
		}
		pq.Set("page", strconv.Itoa(page))
		pq.Set("rowsPerPage", strconv.Itoa(rowsPerPage))
		resp, err := c.http.Do(ctx, httpx.Request{Operation: op, Method: http.MethodGet, Path: path, Query: pq})
		if err != nil {
			return nil, err
		}
		if err := c.check(op, resp); err != nil {
			return nil, err
		}
		if err := guard.Next(c.http, resp.Body); err != nil {
			return nil, err
		}
		rows, maxCount, err := decode(resp.Body)
		if err != nil {
			return nil, c.http.Errorf(provider.KindInvalid, op, resp.StatusCode, "unreadable CyberQP response: %v", err)
		}
		out = append(out, rows...)
		if len(rows) == 0 || (maxCount >= 0 && len(out) >= maxCount) || (maxCount < 0 && len(rows) < rowsPerPage) {
			return out, nil
		}
	}
}
