package kaseyabms

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/accountsync/accountsync-operator/internal/provider"
	sim "github.com/accountsync/accountsync-operator/internal/simulator/kaseyabms"
)

var testCred = sim.Credential{Username: "api-user", Password: "S3cret-pass!", Tenant: "Acme MSP"}

func creds(c sim.Credential) provider.Credentials {
	return provider.Credentials{"username": []byte(c.Username), "password": []byte(c.Password), "tenant": []byte(c.Tenant)}
}

// testConfig is fast: a generous bucket, millisecond back-off, a short timeout.
func testConfig(rawURL string) provider.Config {
	u, _ := url.Parse(rawURL)
	return provider.Config{URL: u, Timeout: 2 * time.Second, RequestsPerMinute: 600000, Burst: 1000,
		Backoff: time.Millisecond, MaxRetries: 3}
}

// newEnv starts a simulator seeded with f (plus the test credentials) and a client for it.
func newEnv(t testing.TB, f sim.Fixture, tweak ...func(*provider.Config)) (*sim.Server, *Client) {
	t.Helper()
	f.Credentials = append(f.Credentials, testCred)
	s := sim.New(f)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	cfg := testConfig(ts.URL)
	for _, fn := range tweak {
		fn(&cfg)
	}
	c, err := New(cfg, creds(testCred))
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

// recorder captures every request the client sends, bodies included.
type recorder struct {
	next http.RoundTripper
	reqs []recorded
}

type recorded struct {
	method, path, rawQuery, contentType, auth string
	query                                     url.Values
	body                                      string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	rec := recorded{method: req.Method, path: req.URL.Path, rawQuery: req.URL.RawQuery, query: req.URL.Query(),
		contentType: req.Header.Get("Content-Type"), auth: req.Header.Get("Authorization")}
	if req.GetBody != nil {
		if b, err := req.GetBody(); err == nil {
			data, _ := io.ReadAll(b)
			rec.body = string(data)
		}
	}
	r.reqs = append(r.reqs, rec)
	return r.next.RoundTrip(req)
}

func kindOf(t *testing.T, err error, want provider.Kind) {
	t.Helper()
	if !provider.IsKind(err, want) {
		t.Fatalf("got error %v (kind %q), want kind %q", err, provider.KindOf(err), want)
	}
}
