package controllers

import (
	"github.com/prometheus/client_golang/prometheus"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

var (
	syncDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "accountsync_policy_sync_duration_seconds",
		Help:    "Duration of a SyncPolicy's full sync (snapshot, plan and mapping changes).",
		Buckets: prometheus.ExponentialBuckets(0.05, 2, 14),
	}, []string{"namespace", "policy"})

	mappingStates = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "accountsync_mapping_state",
		Help: "1 for the current state (OK, HasEvents, NotAvailable) of each AccountMapping, 0 for the others.",
	}, []string{"namespace", "mapping", "policy", "state"})

	suspectSnapshots = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "accountsync_suspect_snapshots_total",
		Help: "Syncs (of a SyncPolicy, or of one of its mappings) that applied nothing for a listing that shrank beyond spec.safety, by listing.",
	}, []string{"namespace", "policy", "listing"})
)

func init() {
	ctrlmetrics.Registry.MustRegister(syncDuration, mappingStates, suspectSnapshots)
}
