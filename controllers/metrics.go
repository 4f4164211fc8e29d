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

	suspectSnapshots = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "accountsync_suspect_snapshots_total",
		Help: "Syncs (of a SyncPolicy, or of one of its mappings) that applied nothing for a listing that shrank beyond spec.safety, by listing.",
	}, []string{"namespace", "policy", "listing"})
)

var (
	billingPushes = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "accountsync_billing_pushes_total",
		Help: "Billing quantities written to the PSA (a line's quantity set, or a line added), per SyncPolicy.",
	}, []string{"namespace", "policy"})

	billingFailures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "accountsync_billing_failures_total",
		Help: "Mappings whose billing run failed (usage read, line look-up or push), per SyncPolicy.",
	}, []string{"namespace", "policy"})
)

// forgetBillingMetrics drops the billing series of a policy that no longer bills.
func forgetBillingMetrics(policy types.NamespacedName) {
	billingPushes.DeleteLabelValues(policy.Namespace, policy.Name)
	billingFailures.DeleteLabelValues(policy.Namespace, policy.Name)
}

func init() {
	ctrlmetrics.Registry.MustRegister(syncDuration, mappingStates, suspectSnapshots, billingPushes, billingFailures)
}

// forgetPolicyMetrics drops a deleted policy's series, so label sets follow the live objects.
func forgetPolicyMetrics(policy types.NamespacedName) {
	syncDuration.DeleteLabelValues(policy.Namespace, policy.Name)
	suspectSnapshots.DeletePartialMatch(prometheus.Labels{"namespace": policy.Namespace, "policy": policy.Name})
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
