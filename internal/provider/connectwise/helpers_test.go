package connectwise

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
	cwsim "github.com/accountsync/accountsync-operator/internal/simulator/connectwise"
)

// recorded is one request as the server saw it.
type recorded struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Body   []byte
}

// recorder wraps a handler and keeps every request.
type recorder struct {
	next http.Handler
	mu   sync.Mutex
	reqs []recorded
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec.mu.Lock()
	rec.reqs = append(rec.reqs, recorded{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: body})
	rec.mu.Unlock()
	rec.next.ServeHTTP(w, r)
}

func (rec *recorder) requests() []recorded {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]recorded(nil), rec.reqs...)
}

// last returns the last request with the given method and path suffix.
func (rec *recorder) last(t *testing.T, method, pathSuffix string) recorded {
	t.Helper()
	reqs := rec.requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		r := reqs[i]
		if r.Method == method && len(r.Path) >= len(pathSuffix) && r.Path[len(r.Path)-len(pathSuffix):] == pathSuffix {
			return r
		}
	}
	t.Fatalf("no %s *%s among %d requests", method, pathSuffix, len(reqs))
	return recorded{}
}

type env struct {
	sim    *cwsim.Server
	rec    *recorder
	srv    *httptest.Server
	client *Client
	creds  provider.Credentials
}

func credsOf(f cwsim.Fixture) provider.Credentials {
	return provider.Credentials{
		KeyCompanyID:  []byte(f.CompanyID),
		KeyPublicKey:  []byte(f.PublicKey),
		KeyPrivateKey: []byte(f.PrivateKey),
		KeyClientID:   []byte(f.ClientID),
	}
}

func testConfig(t *testing.T, rawURL string) provider.Config {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	return provider.Config{URL: u, Timeout: 2 * time.Second, RequestsPerMinute: 600000, Burst: 1000,
		Backoff: time.Millisecond, MaxRetries: 3}
}

// newEnv starts the simulator behind a recorder and builds a client through the registry.
func newEnv(t *testing.T, f cwsim.Fixture, tweak ...func(*provider.Config)) *env {
	t.Helper()
	sim := cwsim.New(f)
	rec := &recorder{next: sim}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	cfg := testConfig(t, srv.URL)
	for _, fn := range tweak {
		fn(&cfg)
	}
	creds := credsOf(f)
	pc, err := provider.Build(provider.ConnectWisePSA, cfg, creds)
	if err != nil {
		t.Fatal(err)
	}
	return &env{sim: sim, rec: rec, srv: srv, client: pc.(*Client), creds: creds}
}

// handlerTransport serves requests in-process (used by fuzz targets, which must be fast).
type handlerTransport struct{ h http.Handler }

func (ht handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	sreq := req.Clone(req.Context())
	// A real server canonicalises header names on the wire ("clientId" arrives as "Clientid").
	sreq.Header = http.Header{}
	for k, v := range req.Header {
		sreq.Header[http.CanonicalHeaderKey(k)] = v
	}
	sreq.Host = req.URL.Host
	sreq.RequestURI = req.URL.RequestURI()
	if req.Body != nil {
		body, _ := io.ReadAll(req.Body)
		req.Body.Close()
		sreq.Body = io.NopCloser(bytes.NewReader(body))
	}
	w := httptest.NewRecorder()
	ht.h.ServeHTTP(w, sreq)
	return w.Result(), nil
}

func accountNames(as []provider.Account) map[string]bool {
	out := map[string]bool{}
	for _, a := range as {
		out[a.Name] = true
	}
	return out
}
