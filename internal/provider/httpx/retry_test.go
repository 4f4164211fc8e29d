package httpx

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accountsync/accountsync-operator/internal/provider"
)

func TestRateLimitDelaysRequests(t *testing.T) {
	_, srv := serve(t, status(200, "ok"))
	c := newTestClient(t, srv.URL, func(o *Options) {
		o.Config.RequestsPerMinute = 1200 // 20/s: one token every 50ms
		o.Config.Burst = 1
	})
	start := time.Now()
	for i := 0; i < 4; i++ {
		if _, err := c.Do(context.Background(), Request{Operation: "Get", Method: http.MethodGet, Path: "/x"}); err != nil {
			t.Fatal(err)
		}
	}
	// The first request spends the burst; the next three each wait for a token.
	if elapsed := time.Since(start); elapsed < 140*time.Millisecond {
		t.Fatalf("4 requests at 20/s with burst 1 took only %v", elapsed)
	}
}

func TestRateLimitWaitHonoursContext(t *testing.T) {
	_, srv := serve(t, status(200, "ok"))
	c := newTestClient(t, srv.URL, func(o *Options) {
		o.Config.RequestsPerMinute = 1 // one token a minute
		o.Config.Burst = 1
	})
	if _, err := c.Do(context.Background(), Request{Method: http.MethodGet, Path: "/x"}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := c.Do(ctx, Request{Operation: "Get", Method: http.MethodGet, Path: "/x"})
	wantKind(t, err, provider.KindTransient)
	if c.Calls() != 1 {
		t.Fatalf("a request still waiting for a token is not sent: %d calls", c.Calls())
	}
}

func TestRetryAfterSecondsIsHonoured(t *testing.T) {
	s, srv := serve(t, status(429, "slow down", "Retry-After", "7"), status(200, "ok"))
	c := newTestClient(t, srv.URL, nil)
	var rec sleepRecorder
	rec.install(c)
	resp, err := c.Do(context.Background(), Request{Operation: "Get", Method: http.MethodGet, Path: "/x"})
	if err != nil || resp.StatusCode != 200 || string(resp.Body) != "ok" {
		t.Fatalf("want the answer after the 429: %v %v", resp, err)
	}
	if d := rec.all(); len(d) != 1 || d[0] < 7*time.Second {
		t.Fatalf("the back-off must last at least Retry-After (7s), slept %v", d)
	}
	if s.count() != 2 || c.Calls() != 2 {
		t.Fatalf("two attempts expected: server %d, client %d", s.count(), c.Calls())
	}
}

func TestRetryAfterHTTPDateIsHonoured(t *testing.T) {
	when := time.Now().Add(30 * time.Second).UTC().Format(http.TimeFormat)
	_, srv := serve(t, status(429, "", "Retry-After", when), status(200, "ok"))
	c := newTestClient(t, srv.URL, nil)
	var rec sleepRecorder
	rec.install(c)
	if _, err := c.Do(context.Background(), Request{Method: http.MethodGet, Path: "/x"}); err != nil {
		t.Fatal(err)
	}
	if d := rec.all(); len(d) != 1 || d[0] < 25*time.Second {
		t.Fatalf("an HTTP-date Retry-After 30s ahead must be waited for, slept %v", d)
	}
}

func TestRetryAfterRealWait(t *testing.T) {
	_, srv := serve(t, status(429, "", "Retry-After", "1"), status(200, "ok"))
	c := newTestClient(t, srv.URL, nil)
	start := time.Now()
	if _, err := c.Do(context.Background(), Request{Method: http.MethodGet, Path: "/x"}); err != nil {
		t.Fatal(err)
	}
	if elapsed := time.Since(start); elapsed < time.Second {
		t.Fatalf("Retry-After: 1 was not waited for (%v)", elapsed)
	}
}

func TestRateLimitedAfterRetriesExhausted(t *testing.T) {
	s, srv := serve(t, status(429, "", "Retry-After", "0"))
	c := newTestClient(t, srv.URL, nil)
	_, err := c.Do(context.Background(), Request{Operation: "Get", Method: http.MethodGet, Path: "/x"})
	pe := wantKind(t, err, provider.KindRateLimited)
	if pe.StatusCode != 429 || pe.Op != "Get" {
		t.Fatalf("error fields: %+v", pe)
	}
	if s.count() != 4 {
		t.Fatalf("MaxRetries 3: want 4 attempts, got %d", s.count())
	}
}

func TestBackoffIsJitteredAndBounded(t *testing.T) {
	c := newTestClient(t, "http://example.invalid", func(o *Options) { o.Config.Backoff = 10 * time.Millisecond })
	for attempt := 0; attempt <= 10; attempt++ {
		ceiling := 10 * time.Millisecond << min(attempt, 6)
		seen := map[time.Duration]bool{}
		for i := 0; i < 200; i++ {
			d := c.delay(attempt, nil)
			if d <= 0 || d > ceiling {
				t.Fatalf("attempt %d: delay %v outside (0, %v]", attempt, d, ceiling)
			}
			seen[d] = true
		}
		if len(seen) < 50 {
			t.Fatalf("attempt %d: delays are not jittered (%d distinct of 200)", attempt, len(seen))
		}
	}
	// The ceiling stops growing after 6 doublings: 64 × base.
	if d := c.delay(40, nil); d > 640*time.Millisecond {
		t.Fatalf("attempt 40 delay %v exceeds 64 × base", d)
	}
}

func TestBackoffScheduleDuringRetries(t *testing.T) {
	_, srv := serve(t, status(503, "busy"))
	c := newTestClient(t, srv.URL, func(o *Options) { o.Config.Backoff = 100 * time.Millisecond; o.Config.MaxRetries = 5 })
	var rec sleepRecorder
	rec.install(c)
	_, err := c.Do(context.Background(), Request{Method: http.MethodGet, Path: "/x"})
	wantKind(t, err, provider.KindTransient)
	d := rec.all()
	if len(d) != 5 {
		t.Fatalf("5 retries sleep 5 times, got %v", d)
	}
	for i, v := range d {
		if v <= 0 || v > 100*time.Millisecond<<i {
			t.Fatalf("sleep %d = %v outside (0, %v]", i, v, 100*time.Millisecond<<i)
		}
	}
}

func TestServerErrorsExhaustToTransient(t *testing.T) {
	for _, code := range []int{502, 503, 504} {
		s, srv := serve(t, status(code, "down"))
		c := newTestClient(t, srv.URL, nil)
		_, err := c.Do(context.Background(), Request{Operation: "List", Method: http.MethodGet, Path: "/x"})
		pe := wantKind(t, err, provider.KindTransient)
		if pe.StatusCode != code {
			t.Fatalf("%d: status %d in error", code, pe.StatusCode)
		}
		if s.count() != 4 || c.Calls() != 4 {
			t.Fatalf("%d: MaxRetries+1 = 4 attempts expected, server %d client %d", code, s.count(), c.Calls())
		}
	}
}

func TestServerErrorThenSuccess(t *testing.T) {
	s, srv := serve(t, status(503, ""), status(502, ""), status(200, "ok"))
	c := newTestClient(t, srv.URL, nil)
	resp, err := c.Do(context.Background(), Request{Method: http.MethodGet, Path: "/x"})
	if err != nil || string(resp.Body) != "ok" || s.count() != 3 {
		t.Fatalf("want success on the third attempt: %v %v %d", resp, err, s.count())
	}
}

func TestInternalServerErrorIsReturnedNotRetried(t *testing.T) {
	s, srv := serve(t, status(500, `{"code":"boom"}`))
	c := newTestClient(t, srv.URL, nil)
	resp, err := c.Do(context.Background(), Request{Method: http.MethodGet, Path: "/x"})
	if err != nil || resp.StatusCode != 500 || s.count() != 1 {
		t.Fatalf("a 500 is handed to the vendor package to decode: %v %v %d", resp, err, s.count())
	}
	if pe := c.StatusError("List", resp, ""); pe.Kind != provider.KindTransient || pe.Message != `{"code":"boom"}` {
		t.Fatalf("StatusError of a 500: %+v", pe)
	}
}

func TestPostNotResentAfterConnectionDrop(t *testing.T) {
	s, srv := serve(t, hangUp(t))
	c := newTestClient(t, srv.URL, nil)
	_, err := c.Do(context.Background(), Request{Operation: "Create", Method: http.MethodPost, Path: "/x", Body: []byte(`{}`)})
	wantKind(t, err, provider.KindUnknownOutcome)
	if s.count() != 1 || c.Calls() != 1 {
		t.Fatalf("a POST that may have arrived is never resent: server %d client %d", s.count(), c.Calls())
	}
}

func TestGetRetriedAfterConnectionDrop(t *testing.T) {
	s, srv := serve(t, hangUp(t))
	c := newTestClient(t, srv.URL, nil)
	_, err := c.Do(context.Background(), Request{Method: http.MethodGet, Path: "/x"})
	wantKind(t, err, provider.KindTransient)
	// Go's transport itself retries an idempotent request once on a dropped reused connection,
	// so the server may see more than the 4 attempts httpx makes; httpx counts its own.
	if c.Calls() != 4 || s.count() < 4 {
		t.Fatalf("want 4 attempts: client %d server %d", c.Calls(), s.count())
	}
}

func TestPostNotResentAfterTimeout(t *testing.T) {
	s, srv := serve(t, slow(300*time.Millisecond))
	c := newTestClient(t, srv.URL, func(o *Options) { o.Config.Timeout = 50 * time.Millisecond })
	_, err := c.Do(context.Background(), Request{Operation: "Create", Method: http.MethodPost, Path: "/x", Body: []byte(`{}`)})
	wantKind(t, err, provider.KindUnknownOutcome)
	if s.count() != 1 {
		t.Fatalf("a timed-out POST is never resent: %d", s.count())
	}
}

func TestPostNotResentAfterContextDeadline(t *testing.T) {
	s, srv := serve(t, slow(300*time.Millisecond))
	c := newTestClient(t, srv.URL, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.Do(ctx, Request{Method: http.MethodPost, Path: "/x", Body: []byte(`{}`)})
	wantKind(t, err, provider.KindUnknownOutcome)
	if s.count() != 1 {
		t.Fatalf("%d attempts", s.count())
	}
}

func TestGetTimeoutRetriedThenTransient(t *testing.T) {
	_, srv := serve(t, slow(300*time.Millisecond))
	// Attempts are counted as they leave the client: on a loaded machine a 30 ms timeout can
	// expire before the server has seen the request at all.
	sent := &countingTransport{next: http.DefaultTransport}
	c := newTestClient(t, srv.URL, func(o *Options) {
		o.Config.Timeout = 30 * time.Millisecond
		o.Config.MaxRetries = 2
		o.Config.Transport = sent
	})
	_, err := c.Do(context.Background(), Request{Method: http.MethodGet, Path: "/x"})
	wantKind(t, err, provider.KindTransient)
	if n := sent.n.Load(); n != 3 {
		t.Fatalf("want 3 attempts, got %d", n)
	}
}

// countingTransport counts the requests a client sends.
type countingTransport struct {
	n    atomic.Int32
	next http.RoundTripper
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

func TestPostResentAfter429(t *testing.T) {
	s, srv := serve(t, status(429, "", "Retry-After", "0"), status(201, `{"id":1}`))
	c := newTestClient(t, srv.URL, nil)
	resp, err := c.Do(context.Background(), Request{Method: http.MethodPost, Path: "/x", Body: []byte(`{"name":"a"}`)})
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("a 429 was refused before any work, so a POST is resent: %v %v", resp, err)
	}
	reqs := s.requests()
	if len(reqs) != 2 {
		t.Fatalf("want 2 attempts, got %d", len(reqs))
	}
}

func TestPostNotResentAfter503ButIdempotentIs(t *testing.T) {
	s, srv := serve(t, status(503, ""), status(200, "ok"))
	c := newTestClient(t, srv.URL, nil)
	_, err := c.Do(context.Background(), Request{Method: http.MethodPost, Path: "/x", Body: []byte(`{}`)})
	pe := wantKind(t, err, provider.KindUnknownOutcome)
	if pe.StatusCode != 503 || s.count() != 1 {
		t.Fatalf("a 503 to a create leaves the outcome unknown: %+v, %d attempts", pe, s.count())
	}

	s2, srv2 := serve(t, status(503, ""), status(200, "ok"))
	c2 := newTestClient(t, srv2.URL, nil)
	resp, err := c2.Do(context.Background(), Request{Method: http.MethodPut, Path: "/x", Body: []byte(`{}`), Idempotent: true})
	if err != nil || resp.StatusCode != 200 || s2.count() != 2 {
		t.Fatalf("an idempotent write is resent after a 503: %v %v %d", resp, err, s2.count())
	}
}

func TestPostRetriedWhenNeverSent(t *testing.T) {
	c := newTestClient(t, closedURL(t), nil)
	_, err := c.Do(context.Background(), Request{Method: http.MethodPost, Path: "/x", Body: []byte(`{}`)})
	// Connection refused: nothing left the client, so even a create is safe to retry, and the
	// final answer is Transient rather than UnknownOutcome.
	wantKind(t, err, provider.KindTransient)
	if c.Calls() != 4 {
		t.Fatalf("want 4 attempts, got %d", c.Calls())
	}
}

func TestCancelDuringBackoffStops(t *testing.T) {
	s, srv := serve(t, status(503, ""))
	c := newTestClient(t, srv.URL, func(o *Options) { o.Config.Backoff = time.Hour })
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Do(ctx, Request{Method: http.MethodGet, Path: "/x"})
	wantKind(t, err, provider.KindTransient)
	if time.Since(start) > 2*time.Second || s.count() != 1 {
		t.Fatalf("a cancelled context ends the back-off: %v, %d attempts", time.Since(start), s.count())
	}
}

func TestCallsCountsEveryAttempt(t *testing.T) {
	_, srv := serve(t, status(503, ""), status(429, "", "Retry-After", "0"), status(200, "ok"), status(404, "no"))
	c := newTestClient(t, srv.URL, nil)
	if _, err := c.Do(context.Background(), Request{Method: http.MethodGet, Path: "/x"}); err != nil {
		t.Fatal(err)
	}
	if c.Calls() != 3 {
		t.Fatalf("503 + 429 + 200 = 3 calls, got %d", c.Calls())
	}
	resp, err := c.Do(context.Background(), Request{Method: http.MethodGet, Path: "/x"})
	if err != nil || resp.StatusCode != 404 {
		t.Fatalf("a 404 is returned as is: %v %v", resp, err)
	}
	if c.Calls() != 4 {
		t.Fatalf("want 4 calls, got %d", c.Calls())
	}
}
