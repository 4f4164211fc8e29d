package httpx

import (
	"context"
	"net/http"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

func TestOutboundCallMetric(t *testing.T) {
	_, srv := serve(t,
		status(503, ""),                     // 5xx
		status(429, "", "Retry-After", "0"), // throttled
		status(200, "ok"),                   // ok
		status(404, ""),                     // 4xx
	)
	c := newTestClient(t, srv.URL, nil)
	p := string(c.provider)
	ctx := context.Background()
	if _, err := c.Do(ctx, Request{Operation: "ListThings", Method: http.MethodGet, Path: "/x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Do(ctx, Request{Operation: "GetThing", Method: http.MethodGet, Path: "/x"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		op, result string
		want       float64
	}{
		{"ListThings", "5xx", 1},
		{"ListThings", "throttled", 1},
		{"ListThings", "ok", 1},
		{"ListThings", "4xx", 0},
		{"GetThing", "4xx", 1},
		{"GetThing", "ok", 0},
	} {
		if got := testutil.ToFloat64(outboundCalls.WithLabelValues(p, tc.op, tc.result)); got != tc.want {
			t.Errorf("%s/%s: want %v, got %v", tc.op, tc.result, tc.want, got)
		}
	}

	// Network failures count as "error", one per attempt.
	c2 := newTestClient(t, closedURL(t), func(o *Options) { o.Config.MaxRetries = 2 })
	_, _ = c2.Do(ctx, Request{Operation: "Ping", Method: http.MethodGet, Path: "/x"})
	if got := testutil.ToFloat64(outboundCalls.WithLabelValues(string(c2.provider), "Ping", "error")); got != 3 {
		t.Fatalf("want 3 error observations, got %v", got)
	}
}

func TestOutboundCallMetricIsRegistered(t *testing.T) {
	// The manager serves controller-runtime's registry; the counter must be in it.
	_, srv := serve(t, status(200, "ok"))
	c := newTestClient(t, srv.URL, nil)
	if _, err := c.Do(context.Background(), Request{Operation: "Reg", Method: http.MethodGet, Path: "/x"}); err != nil {
		t.Fatal(err)
	}
	n, err := testutil.GatherAndCount(ctrlmetrics.Registry, "accountsync_provider_api_calls_total")
	if err != nil || n == 0 {
		t.Fatalf("metric not gathered from the controller-runtime registry: %d series, %v", n, err)
	}
}
