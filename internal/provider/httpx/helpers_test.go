package httpx

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accountsync/accountsync-operator/internal/provider"
)

// testProviderSeq gives every test client its own provider label, so metric assertions of one
// test never see another test's calls.
var testProviderSeq atomic.Int64

func uniqueProvider(t *testing.T) provider.Name {
	return provider.Name(fmt.Sprintf("%s#%d", t.Name(), testProviderSeq.Add(1)))
}

// fastConfig has tiny back-off and a token bucket that never waits.
func fastConfig(t *testing.T, rawURL string) provider.Config {
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

func newTestClient(t *testing.T, rawURL string, mod func(*Options)) *Client {
	t.Helper()
	opts := Options{Provider: uniqueProvider(t), Config: fastConfig(t, rawURL)}
	if mod != nil {
		mod(&opts)
	}
	return New(opts)
}

// sleepRecorder replaces the client's sleep so back-off schedules are observed without waiting.
type sleepRecorder struct {
	mu     sync.Mutex
	delays []time.Duration
}

func (s *sleepRecorder) install(c *Client) {
	c.sleep = func(ctx context.Context, d time.Duration) error {
		s.mu.Lock()
		s.delays = append(s.delays, d)
		s.mu.Unlock()
		return ctx.Err()
	}
}

func (s *sleepRecorder) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.delays...)
}

// scripted answers requests with a fixed sequence of handlers; the last repeats.
type scripted struct {
	mu    sync.Mutex
	steps []http.HandlerFunc
	hits  int
	seen  []*http.Request
}

func (s *scripted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	i := s.hits
	s.hits++
	s.seen = append(s.seen, r.Clone(context.Background()))
	if i >= len(s.steps) {
		i = len(s.steps) - 1
	}
	step := s.steps[i]
	s.mu.Unlock()
	step(w, r)
}

func (s *scripted) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits
}

func (s *scripted) requests() []*http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*http.Request(nil), s.seen...)
}

func serve(t *testing.T, steps ...http.HandlerFunc) (*scripted, *httptest.Server) {
	t.Helper()
	s := &scripted{steps: steps}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv
}

func status(code int, body string, headers ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.WriteHeader(code)
		_, _ = w.Write([]byte(body))
	}
}

// hangUp reads the request and drops the connection without answering, so the client cannot
// tell whether the server acted on it.
func hangUp(t *testing.T) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		hj, ok := w.(http.Hijacker)
		if !ok {
			t.Error("response writer cannot hijack")
			return
		}
		conn, _, err := hj.Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		_ = conn.Close()
	}
}

func slow(d time.Duration) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
		}
		w.WriteHeader(http.StatusOK)
	}
}

// wantKind fails unless err is a provider error of kind, and returns a copy of it to inspect
// (a value, not an error, so a call that only checks the kind needs no blank assignment).
func wantKind(t *testing.T, err error, kind provider.Kind) provider.Error {
	t.Helper()
	var pe *provider.Error
	if !errors.As(err, &pe) || pe.Kind != kind {
		t.Fatalf("want %s, got %v", kind, err)
	}
	return *pe
}

// closedURL is an address nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.NotFoundHandler())
	u := srv.URL
	srv.Close()
	return u
}

func serveMux(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}
