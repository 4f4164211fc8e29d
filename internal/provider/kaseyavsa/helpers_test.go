package kaseyavsa

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
	vsasim "github.com/accountsync/accountsync-operator/internal/simulator/kaseyavsa"
)

const (
	testUser  = "apiadmin"
	testToken = "pat-0123456789abcdef"
)

// env is one simulator behind an httptest server plus a client pointed at it.
type env struct {
	t      *testing.T
	sim    *vsasim.Server
	srv    *httptest.Server
	client *Client
	rec    *recorder
}

// recorder keeps every request that reached the server, for golden checks.
type recorder struct {
	mu   sync.Mutex
	reqs []recorded
	next http.Handler
}

type recorded struct {
	Method, Path, Auth, ContentType string
	Query                           url.Values
	Body                            string
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	r.mu.Lock()
	r.reqs = append(r.reqs, recorded{Method: req.Method, Path: req.URL.Path, Auth: req.Header.Get("Authorization"),
		ContentType: req.Header.Get("Content-Type"), Query: req.URL.Query(), Body: string(body)})
	r.mu.Unlock()
	r.next.ServeHTTP(w, req)
}

func (r *recorder) all() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recorded(nil), r.reqs...)
}

// newEnv starts a simulator seeded with f; wrap (optional) sits in front of it.
func newEnv(t *testing.T, f vsasim.Fixture, wrap func(http.Handler) http.Handler, cfg ...func(*provider.Config)) *env {
	t.Helper()
	f.Username, f.Token = testUser, testToken
	sim := vsasim.New(f)
	var h http.Handler = sim
	if wrap != nil {
		h = wrap(h)
	}
	rec := &recorder{next: h}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	return &env{t: t, sim: sim, srv: srv, rec: rec, client: newTestClient(t, srv.URL, testUser, testToken, cfg...)}
}

func newTestClient(t *testing.T, rawURL, user, token string, cfg ...func(*provider.Config)) *Client {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	c := provider.Config{URL: u, Timeout: 5 * time.Second, Backoff: time.Millisecond, MaxRetries: 3,
		RequestsPerMinute: 600000, Burst: 1000}
	for _, f := range cfg {
		f(&c)
	}
	client, err := New(c, provider.Credentials{"username": []byte(user), "token": []byte(token)})
	if err != nil {
		t.Fatal(err)
	}
	return client
}

func wantKind(t *testing.T, err error, k provider.Kind) {
	t.Helper()
	if !provider.IsKind(err, k) {
		t.Fatalf("error %v: want kind %s", err, k)
	}
}
