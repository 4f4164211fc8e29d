package halopsa

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/accountsync/accountsync-operator/internal/provider"
	sim "github.com/accountsync/accountsync-operator/internal/simulator/halopsa"
)

const (
	testClientID     = "halo-app-client-7781"
	testClientSecret = "hs-Secret-Value-0042"
	testTenant       = "acmetenant"
)

// recorded is one request as the server saw it.
type recorded struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Body   []byte
}

// env is a simulator behind httptest with a recorder, and a client built through the registry.
type env struct {
	t      *testing.T
	sim    *sim.Server
	srv    *httptest.Server
	client *Client

	mu   sync.Mutex
	reqs []recorded
}

func baseFixture() sim.Fixture {
	return sim.Fixture{
		ClientID:     testClientID,
		ClientSecret: testClientSecret,
		Tenant:       testTenant,
		TopLevels:    []sim.TopLevel{{ID: 1, Name: "Managed"}, {ID: 2, Name: "Prospects"}, {ID: 3, Name: "Retired"}},
	}
}

func testConfig(rawURL string) provider.Config {
	u, _ := url.Parse(rawURL)
	return provider.Config{
		URL:               u,
		Timeout:           5 * time.Second,
		RequestsPerMinute: 600000,
		Burst:             1000,
		Backoff:           time.Millisecond,
		MaxRetries:        3,
	}
}

func testCreds() provider.Credentials {
	return provider.Credentials{
		keyClientID:     []byte(testClientID),
		keyClientSecret: []byte(testClientSecret + "\n"), // trailing newline as from a file
		keyTenant:       []byte(testTenant),
	}
}

// newEnv starts a simulator seeded with fx and builds a client; mod may adjust the config or
// credentials before the client is built.
func newEnv(t *testing.T, fx sim.Fixture, mod func(*provider.Config, provider.Credentials)) *env {
	t.Helper()
	e := &env{t: t, sim: sim.New(fx)}
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		e.mu.Lock()
		e.reqs = append(e.reqs, recorded{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: body})
		e.mu.Unlock()
		e.sim.ServeHTTP(w, r)
	}))
	t.Cleanup(e.srv.Close)
	cfg := testConfig(e.srv.URL)
	creds := testCreds()
	if mod != nil {
		mod(&cfg, creds)
	}
	c, err := provider.Build(provider.HaloPSA, cfg, creds)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	e.client = c.(*Client)
	return e
}

func (e *env) requests() []recorded {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]recorded(nil), e.reqs...)
}

func (e *env) resetRequests() {
	e.mu.Lock()
	e.reqs = nil
	e.mu.Unlock()
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

func wantKind(t *testing.T, err error, k provider.Kind) {
	t.Helper()
	if !provider.IsKind(err, k) {
		t.Fatalf("error = %v, want kind %s", err, k)
	}
}
