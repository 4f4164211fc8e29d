package controllers

import (
	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/types"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
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

	// mappingWrites counts what the mappings' syncs wrote to the PSA: the per-sync numbers that
	// a mapping's status (state, not deltas) does not keep.
	mappingWrites = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "accountsync_mapping_writes_total",
		Help: "PSA records the AccountMappings' syncs wrote or failed to write, by record (asset, user) and result (created, updated, failed).",
	}, []string{"namespace", "policy", "record", "result"})

	suspectSnapshots = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "accountsync_suspect_snapshots_total",
		Help: "Syncs (of a SyncPolicy, or of one of its mappings) that applied nothing for a listing that shrank beyond spec.safety, by listing.",
	}, []string{"namespace", "policy", "listing"})
)

func init() {
	ctrlmetrics.Registry.MustRegister(syncDuration, mappingStates, mappingWrites, suspectSnapshots)
}

// forgetPolicyMetrics drops a deleted policy's series, so label sets follow the live objects.
func forgetPolicyMetrics(policy types.NamespacedName) {
	syncDuration.DeleteLabelValues(policy.Namespace, policy.Name)
	suspectSnapshots.DeletePartialMatch(prometheus.Labels{"namespace": policy.Namespace, "policy": policy.Name})
	mappingWrites.DeletePartialMatch(prometheus.Labels{"namespace": policy.Namespace, "policy": policy.Name})
}

// forgetMappingMetrics drops every series of a deleted mapping.
func forgetMappingMetrics(mapping types.NamespacedName) {
	mappingStates.DeletePartialMatch(prometheus.Labels{"namespace": mapping.Namespace, "mapping": mapping.Name})
}

// recordMappingState sets the mapping's state series: 1 for its state, 0 for the others. A
// mapping moved to another policy loses the series of the old one.
func recordMappingState(am *v1alpha1.AccountMapping) {
	mappingStates.DeletePartialMatch(prometheus.Labels{"namespace": am.Namespace, "mapping": am.Name})
	for _, s := range []v1alpha1.MappingState{v1alpha1.StateOK, v1alpha1.StateHasEvents, v1alpha1.StateNotAvailable} {
		v := 0.0
		if am.Status.State == s {
			v = 1
		}
		mappingStates.WithLabelValues(am.Namespace, am.Name, am.Spec.PolicyRef.Name, string(s)).Set(v)
	}
}

// countMappingWrites adds n to the writes of one record kind and result, skipping zeros so that
// a quiet sync creates no series.
func countMappingWrites(policy types.NamespacedName, record, result string, n int) {
	if n > 0 {
		mappingWrites.WithLabelValues(policy.Namespace, policy.Name, record, result).Add(float64(n))
	}
}
