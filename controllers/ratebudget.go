package controllers

import (
	"fmt"
	"math"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/provider"
)

// budgetShare is the part of a vendor's documented limit a policy plans to use: the rest is
// left for the tenant's other integrations and for retries.
const budgetShare = 0.9

// callMark is a connection's call counters at one moment: the total and, where the client
// counts them, per operation (one operation is one endpoint).
type callMark struct {
	total int64
	ops   map[string]int64
}

func markCalls(c provider.Client) *callMark {
	m := &callMark{total: c.CallCount()}
	if oc, ok := c.(provider.OperationCounter); ok {
		m.ops = oc.CallsByOperation()
	}
	return m
}

// spent is what the calls between from and to cost against a limit: all of them, or for a
// per-endpoint limit those of the busiest endpoint, leaving out the limit's warm-up operations.
// Zero when from is unknown.
func spent(limit provider.RateLimit, from, to *callMark) int64 {
	if from == nil || to == nil {
		return 0
	}
	if limit.PerEndpoint && from.ops != nil && to.ops != nil {
		var busiest int64
		for op, n := range to.ops {
			if !slices.Contains(limit.WarmUp, op) {
				busiest = max(busiest, n-from.ops[op])
			}
		}
		return busiest
	}
	return max(to.total-from.total, 0)
}

// periodCalls are a policy's connections' counters when its last sync started, so the next
// sync knows what a whole period (its listings and the mappings' writes) cost.
type periodCalls struct {
	psa, tool *callMark
}

// startPeriod records the counters at the start of a sync and returns those of the previous
// sync's start (nil marks on the first sync after a start).
func (s *SnapshotStore) startPeriod(policy types.NamespacedName, psa, tool *callMark) periodCalls {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.periods == nil {
		s.periods = map[types.NamespacedName]periodCalls{}
	}
	prev := s.periods[policy]
	s.periods[policy] = periodCalls{psa: psa, tool: tool}
	return prev
}

// budgetSide is one connection's share of the plan.
type budgetSide struct {
	side     v1alpha1.Side
	provider provider.Name
	calls    int64
}

// budgetInterval is the interval the policy syncs at: spec's, or longer when a period's calls
// on either connection exceed budgetShare of its vendor's documented limit. For a per-endpoint
// limit (Kaseya BMS) the calls are the busiest endpoint's (see spent). budget is nil when the
// spec's interval fits.
func budgetInterval(interval time.Duration, sides ...budgetSide) (time.Duration, *v1alpha1.RateBudget) {
	var budget *v1alpha1.RateBudget
	out := interval
	for _, s := range sides {
		limit := provider.LimitOf(s.provider)
		perHour := limit.PerHour() * budgetShare
		if perHour <= 0 || s.calls <= 0 {
			continue
		}
		need := time.Duration(math.Ceil(float64(s.calls)/perHour*float64(time.Hour)/float64(time.Second))) * time.Second
		if need > out {
			out = need
			budget = &v1alpha1.RateBudget{Interval: v1alpha1.Duration(need.String()), Side: s.side,
				Provider: v1alpha1.ProviderName(s.provider), CallsPerSync: s.calls, Limit: limit.String()}
		}
	}
	return out, budget
}

// rateBudgetMessage explains a stretched interval for the event.
func rateBudgetMessage(spec time.Duration, b *v1alpha1.RateBudget) string {
	return fmt.Sprintf("a sync period costs %d calls on the %s connection (%s), more than %d%% of its documented limit (%s) allows every %s: syncing every %s instead",
		b.CallsPerSync, b.Side, b.Provider, int(budgetShare*100), b.Limit, spec, b.Interval)
}

// reportBudget emits an event when the interval becomes stretched, changes, or is back to the
// spec's (compared with the status the last sync wrote).
func (r *SyncPolicyReconciler) reportBudget(sp *v1alpha1.SyncPolicy, spec time.Duration, b *v1alpha1.RateBudget) {
	prev := sp.Status.RateBudget
	switch {
	case b != nil && (prev == nil || prev.Interval != b.Interval || prev.Side != b.Side):
		r.Recorder.Eventf(sp, nil, corev1.EventTypeWarning, v1alpha1.ReasonIntervalStretched, "Sync", "%s", rateBudgetMessage(spec, b))
	case b == nil && prev != nil:
		r.Recorder.Eventf(sp, nil, corev1.EventTypeNormal, v1alpha1.ReasonIntervalRestored, "Sync", "a sync period fits the vendors' documented limits again: syncing every %s", spec)
	}
}
