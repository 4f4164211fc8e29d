package httpx

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/accountsync/accountsync-operator/internal/provider"
)

func TestOversizedBodyIsAnErrorNamingTheLimit(t *testing.T) {
	big := `[` + strings.Repeat(`{"id":1},`, 200) + `{"id":2}]`
	s, srv := serve(t, status(200, big))
	c := newTestClient(t, srv.URL, func(o *Options) { o.MaxBodyBytes = 1024 })
	_, err := c.Do(context.Background(), Request{Operation: "List", Method: http.MethodGet, Path: "/x"})
	pe := wantKind(t, err, provider.KindInvalid)
	if !strings.Contains(pe.Message, "1024 bytes") || pe.Op != "List" {
		t.Fatalf("the error must name the limit: %+v", pe)
	}
	if s.count() != 1 {
		t.Fatalf("a body too large stays too large: %d attempts", s.count())
	}

	// A create whose answer is too large was still carried out: the outcome is unknown.
	_, srv = serve(t, status(201, big))
	c = newTestClient(t, srv.URL, func(o *Options) { o.MaxBodyBytes = 1024 })
	_, err = c.Do(context.Background(), Request{Operation: "Create", Method: http.MethodPost, Path: "/x", Body: []byte("{}")})
	wantKind(t, err, provider.KindUnknownOutcome)

	// A body of exactly the limit is whole.
	exact := strings.Repeat("x", 1024)
	_, srv = serve(t, status(200, exact))
	c = newTestClient(t, srv.URL, func(o *Options) { o.MaxBodyBytes = 1024 })
	resp, err := c.Do(context.Background(), Request{Method: http.MethodGet, Path: "/x"})
	if err != nil || string(resp.Body) != exact {
		t.Fatalf("a body at the limit must be read whole: %v", err)
	}
}

func TestRetryAfterBeyondTheCapReturnsAtOnce(t *testing.T) {
	s, srv := serve(t, status(429, "", "Retry-After", "86400"))
	c := newTestClient(t, srv.URL, nil)
	var rec sleepRecorder
	rec.install(c)
	start := time.Now()
	_, err := c.Do(context.Background(), Request{Operation: "List", Method: http.MethodGet, Path: "/x"})
	pe := wantKind(t, err, provider.KindRateLimited)
	if pe.RetryAfter != 24*time.Hour || pe.StatusCode != 429 || pe.Op != "List" {
		t.Fatalf("the error must carry the server's delay: %+v", pe)
	}
	if !strings.Contains(pe.Message, "until ") || !strings.Contains(pe.Message, "5m0s") {
		t.Fatalf("the message must say until when and name the cap: %q", pe.Message)
	}
	if len(rec.all()) != 0 || s.count() != 1 || time.Since(start) > 5*time.Second {
		t.Fatalf("no sleep and no retry beyond the cap: slept %v, %d attempts", rec.all(), s.count())
	}

	// The cap is configurable; an HTTP date beyond it counts the same.
	when := time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)
	s, srv = serve(t, status(429, "", "Retry-After", "30"), status(429, "", "Retry-After", when))
	c = newTestClient(t, srv.URL, func(o *Options) { o.Config.MaxRetryAfter = 10 * time.Second })
	rec = sleepRecorder{}
	rec.install(c)
	_, err = c.Do(context.Background(), Request{Method: http.MethodGet, Path: "/x"})
	if pe := wantKind(t, err, provider.KindRateLimited); pe.RetryAfter != 30*time.Second || s.count() != 1 {
		t.Fatalf("30s is beyond a 10s cap: %+v, %d attempts", pe, s.count())
	}
	_, err = c.Do(context.Background(), Request{Method: http.MethodGet, Path: "/x"})
	if pe := wantKind(t, err, provider.KindRateLimited); pe.RetryAfter < 59*time.Minute || len(rec.all()) != 0 {
		t.Fatalf("an HTTP date an hour away: %+v, slept %v", pe, rec.all())
	}

	// A 503 asking for a day is not slept on either; it stays a transient error with the delay.
	_, srv = serve(t, status(503, "maintenance", "Retry-After", "86400"))
	c = newTestClient(t, srv.URL, nil)
	rec = sleepRecorder{}
	rec.install(c)
	_, err = c.Do(context.Background(), Request{Method: http.MethodGet, Path: "/x"})
	if pe := wantKind(t, err, provider.KindTransient); pe.RetryAfter != 24*time.Hour || len(rec.all()) != 0 {
		t.Fatalf("503 with a day's Retry-After: %+v, slept %v", pe, rec.all())
	}
}

func TestRetryAfterBeyondTheDeadlineReturnsAtOnce(t *testing.T) {
	s, srv := serve(t, status(429, "", "Retry-After", "60"))
	c := newTestClient(t, srv.URL, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	start := time.Now()
	_, err := c.Do(ctx, Request{Operation: "List", Method: http.MethodGet, Path: "/x"})
	pe := wantKind(t, err, provider.KindRateLimited)
	if pe.RetryAfter != time.Minute || s.count() != 1 {
		t.Fatalf("want RateLimited carrying 1m after one attempt: %+v, %d attempts", pe, s.count())
	}
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Fatalf("waited %v for a delay that cannot fit the deadline", elapsed)
	}
}
