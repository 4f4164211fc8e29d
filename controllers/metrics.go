package controllers

import (
	"slices"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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

	// The two conditions alerts need, as gauges, so that alerting takes no kube-state-metrics
	// configuration. One series per object: its reason label follows the condition.
	connectionReady = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "accountsync_connection_ready",
		Help: "1 when the IntegrationConnection's Ready condition is True, else 0; reason is the condition's reason (Connected, RateLimited, Unreachable, AuthenticationFailed, ...).",
	}, []string{"namespace", "connection", "provider", "reason"})

	policySynced = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "accountsync_policy_synced",
		Help: "1 when the SyncPolicy's Synced condition is True, else 0; reason is the condition's reason (SyncSucceeded, PartialSync, SyncFailed, RateLimited, ConnectionNotReady, Suspended, ...).",
	}, []string{"namespace", "policy", "reason"})
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
	ctrlmetrics.Registry.MustRegister(syncDuration, mappingStates, mappingWrites, suspectSnapshots, connectionReady, policySynced, billingPushes, billingFailures)
}

// conditionSeries remembers the label values of each object's one condition series, so a
// changed reason replaces the old series after the new one is set: deleting first would let a
// scrape in between miss the object, and a missed sample resets an alert's "for".
var conditionSeries sync.Map // "<metric>/<namespace>/<name>" -> []string

func setConditionSeries(vec *prometheus.GaugeVec, metric string, obj types.NamespacedName, value float64, labels ...string) {
	vec.WithLabelValues(labels...).Set(value)
	key := metric + "/" + obj.String()
	if prev, ok := conditionSeries.Swap(key, labels); ok && !slices.Equal(prev.([]string), labels) {
		vec.DeleteLabelValues(prev.([]string)...)
	}
}

// recordConnectionReady mirrors the connection's Ready condition into its one series.
func recordConnectionReady(ic *v1alpha1.IntegrationConnection) {
	name := types.NamespacedName{Namespace: ic.Namespace, Name: ic.Name}
	c := meta.FindStatusCondition(ic.Status.Conditions, v1alpha1.ConditionReady)
	if c == nil {
		forgetConnectionMetrics(name)
		return
	}
	setConditionSeries(connectionReady, "connection_ready", name, conditionValue(c), ic.Namespace, ic.Name, string(ic.Spec.Provider), c.Reason)
}

// forgetConnectionMetrics drops a deleted connection's series.
func forgetConnectionMetrics(ic types.NamespacedName) {
	conditionSeries.Delete("connection_ready/" + ic.String())
	connectionReady.DeletePartialMatch(prometheus.Labels{"namespace": ic.Namespace, "connection": ic.Name})
}

// recordPolicySynced mirrors the policy's Synced condition into its one series.
func recordPolicySynced(sp *v1alpha1.SyncPolicy) {
	name := types.NamespacedName{Namespace: sp.Namespace, Name: sp.Name}
	c := meta.FindStatusCondition(sp.Status.Conditions, v1alpha1.ConditionSynced)
	if c == nil {
		forgetPolicySynced(name)
		return
	}
	setConditionSeries(policySynced, "policy_synced", name, conditionValue(c), sp.Namespace, sp.Name, c.Reason)
}

func forgetPolicySynced(policy types.NamespacedName) {
	conditionSeries.Delete("policy_synced/" + policy.String())
	policySynced.DeletePartialMatch(prometheus.Labels{"namespace": policy.Namespace, "policy": policy.Name})
}

func conditionValue(c *metav1.Condition) float64 {
	if c.Status == metav1.ConditionTrue {
		return 1
	}
	return 0
}

// forgetPolicyMetrics drops a deleted policy's series, so label sets follow the live objects.
func forgetPolicyMetrics(policy types.NamespacedName) {
	syncDuration.DeleteLabelValues(policy.Namespace, policy.Name)
	forgetPolicySynced(policy)
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
