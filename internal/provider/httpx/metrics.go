package httpx

import (
	"github.com/prometheus/client_golang/prometheus"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/accountsync/accountsync-operator/internal/provider"
)

// outboundCalls counts every HTTP attempt to a vendor, so throttling and error rates per
// operation are visible on the manager's /metrics endpoint.
var outboundCalls = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "accountsync_provider_api_calls_total",
	Help: "Outbound vendor API calls by provider, operation and result (ok, 4xx, 5xx, throttled, error).",
}, []string{"provider", "operation", "result"})

func init() {
	ctrlmetrics.Registry.MustRegister(outboundCalls)
}

func observe(p provider.Name, op, result string) {
	outboundCalls.WithLabelValues(string(p), op, result).Inc()
}
