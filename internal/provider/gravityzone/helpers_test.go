package gravityzone

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/accountsync/accountsync-operator/internal/provider"
	gzsim "github.com/accountsync/accountsync-operator/internal/simulator/gravityzone"
)

const testKey = "gz-test-key-7f3a9c"

// recorded is one request as the server received it.
type recorded struct {
	Method string
	Path   string
	Header http.Header
	Body   string
}

// recorder wraps a handler and keeps every request it sees.
type recorder struct {
	next http.Handler
	mu   sync.Mutex
	reqs []recorded
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.reqs = append(r.reqs, recorded{Method: req.Method, Path: req.URL.Path, Header: req.Header.Clone(), Body: string(body)})
	r.mu.Unlock()
	req.Body = io.NopCloser(bytes.NewReader(body))
	r.next.ServeHTTP(w, req)
}

func (r *recorder) requests() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recorded(nil), r.reqs...)
}

type env struct {
	sim    *gzsim.Server
	srv    *httptest.Server
	rec    *recorder
	client *Client
}

// testConfig keeps retries fast and the token bucket out of the way.
func testConfig(t *testing.T, rawURL string) provider.Config {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	return provider.Config{
		URL:               u,
		Timeout:           2 * time.Second,
		RequestsPerMinute: 600000,
		Burst:             1000,
		MaxRetries:        3,
		Backoff:           time.Millisecond,
	}
}

// newEnv starts a simulator (or handler, when h is not nil) and a client built through the
// provider registry, so the factory registration is exercised too.
func newEnv(t *testing.T, f gzsim.Fixture, key string, h http.Handler, mod func(*provider.Config)) *env {
	t.Helper()
	if f.APIKeys == nil {
		f.APIKeys = []string{testKey}
	}
	e := &env{sim: gzsim.New(f)}
	if h == nil {
		h = e.sim
	}
	e.rec = &recorder{next: h}
	e.srv = httptest.NewServer(e.rec)
	t.Cleanup(e.srv.Close)
	cfg := testConfig(t, e.srv.URL+"/api")
	if mod != nil {
		mod(&cfg)
	}
	c, err := provider.Build(provider.GravityZone, cfg, provider.Credentials{"apiKey": []byte(key)})
	if err != nil {
		t.Fatal(err)
	}
	e.client = c.(*Client)
	return e
}

func wantKind(t *testing.T, err error, kind provider.Kind) {
	t.Helper()
	if !provider.IsKind(err, kind) {
		t.Fatalf("want %s, got %v", kind, err)
	}
}
