package gravityzone

import (
	"context"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/accountsync/accountsync-operator/internal/provider"
	"github.com/accountsync/accountsync-operator/internal/provider/httpx"
)

// Secret keys (API.md).
const keyAPIKey = "apiKey"

// Rate-limit defaults; see the package doc for why they sit below the documented 10/s.
const (
	defaultRequestsPerMinute = 480
	defaultBurst             = 2
)

// Operation names label metrics and errors.
const (
	opProbe  = "Probe"
	opList   = "ListOrganizations"
	opFind   = "FindOrganizationsByName"
	opCreate = "CreateOrganization"
)

func init() {
	provider.Register(provider.Factory{
		Name:                     provider.GravityZone,
		Side:                     provider.SideTool,
		RequiredKeys:             []string{keyAPIKey},
		DefaultRequestsPerMinute: defaultRequestsPerMinute,
		DefaultBurst:             defaultBurst,
		Limit:                    provider.RateLimit{Requests: 10, Per: time.Second, Source: "GravityZone API rate limits: 10 requests/second per API key"},
		New:                      New,
	})
}

// Client talks to one GravityZone console with one API key.
type Client struct {
	http          *httpx.Client
	authorization string
	// ids numbers JSON-RPC requests; the value only has to be unique per client.
	ids atomic.Uint64
}

var (
	_ provider.Client              = (*Client)(nil)
	_ provider.OrganizationLister  = (*Client)(nil)
	_ provider.OrganizationFinder  = (*Client)(nil)
	_ provider.OrganizationCreator = (*Client)(nil)
)

// New builds a client from the connection's config and Secret data.
func New(cfg provider.Config, creds provider.Credentials) (provider.Client, error) {
	raw := string(creds[keyAPIKey])
	key := strings.TrimSpace(raw)
	if key == "" {
		return nil, &provider.MissingKeyError{Key: keyAPIKey}
	}
	encoded := base64.StdEncoding.EncodeToString([]byte(key + ":"))
	return &Client{
		http: httpx.New(httpx.Options{
			Provider: provider.GravityZone,
			Config:   cfg,
			// The header value is listed too: a proxy or server echoing the request would
			// otherwise leak the key in base64.
			Secrets: []string{raw, key, encoded},
		}),
		authorization: "Basic " + encoded,
	}, nil
}

func (c *Client) Provider() provider.Name { return provider.GravityZone }
func (c *Client) Side() provider.Side     { return provider.SideTool }
func (c *Client) CallCount() int64        { return c.http.Calls() }

// Probe checks the key with getApiKeyDetails, the cheapest authenticated call.
func (c *Client) Probe(ctx context.Context) (provider.ProbeResult, error) {
	result, err := c.read(ctx, opProbe, serviceGeneral, "getApiKeyDetails", struct{}{})
	if err != nil {
		return provider.ProbeResult{}, err
	}
	details, err := decodeKeyDetails(result)
	if err != nil {
		return provider.ProbeResult{}, c.http.Errorf(provider.KindInvalid, opProbe, 0, "decode getApiKeyDetails: %v", err)
	}
	if len(details.EnabledAPIs) > 0 && !details.enables(serviceCompanies) {
		return provider.ProbeResult{}, c.http.Errorf(provider.KindAuth, opProbe, 0,
			"the API key does not enable the Companies API (enabled: %s)", strings.Join(details.EnabledAPIs, ", "))
	}
	return provider.ProbeResult{}, nil
}

// headers are set on every call: the credentials and the JSON content type the API requires.
func (c *Client) headers() http.Header {
	return http.Header{
		"Authorization": {c.authorization},
		"Content-Type":  {"application/json"},
	}
}

func (c *Client) nextID() string { return strconv.FormatUint(c.ids.Add(1), 10) }
