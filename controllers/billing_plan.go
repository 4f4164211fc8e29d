package controllers

import (
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/event"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
)

// The billing controller's dry-run actions live in the SnapshotStore beside the mappings' user
// actions, and the policy controller merges both into status.plan: one writer of the plan, so
// the two controllers never overwrite each other's items.

// SetBillingPlanItem records the quantity change a mapping of a dry-run policy would make (nil:
// none) and wakes the policy to re-plan when it changed.
func (s *SnapshotStore) SetBillingPlanItem(policy types.NamespacedName, mapping string, item *v1alpha1.PlanItem) {
	s.mu.Lock()
	old, had := s.billingPlans[policy][mapping]
	switch {
	case item == nil && !had, item != nil && had && equality.Semantic.DeepEqual(old, *item):
		s.mu.Unlock()
		return
	case item == nil:
		delete(s.billingPlans[policy], mapping)
	default:
		if s.billingPlans == nil {
			s.billingPlans = map[types.NamespacedName]map[string]v1alpha1.PlanItem{}
		}
		if s.billingPlans[policy] == nil {
			s.billingPlans[policy] = map[string]v1alpha1.PlanItem{}
		}
		s.billingPlans[policy][mapping] = *item
	}
	s.mu.Unlock()
	s.wakePolicy(policy)
}

// SetBillingPlan replaces the policy's billing actions; nil clears them.
func (s *SnapshotStore) SetBillingPlan(policy types.NamespacedName, items map[string]v1alpha1.PlanItem) {
	s.mu.Lock()
	if len(s.billingPlans[policy]) == 0 && len(items) == 0 {
		s.mu.Unlock()
		return
	}
	if len(items) == 0 {
		delete(s.billingPlans, policy)
	} else {
		if s.billingPlans == nil {
			s.billingPlans = map[types.NamespacedName]map[string]v1alpha1.PlanItem{}
		}
		s.billingPlans[policy] = items
	}
	s.mu.Unlock()
	s.wakePolicy(policy)
}

// RetainBillingPlan drops the billing actions of mappings not in keep.
func (s *SnapshotStore) RetainBillingPlan(policy types.NamespacedName, keep map[string]bool) {
	s.mu.Lock()
	dropped := false
	for m := range s.billingPlans[policy] {
		if !keep[m] {
			delete(s.billingPlans[policy], m)
			dropped = true
		}
	}
	s.mu.Unlock()
	if dropped {
		s.wakePolicy(policy)
	}
}

// BillingPlan returns the billing actions of the given mappings, in mapping order.
func (s *SnapshotStore) BillingPlan(policy types.NamespacedName, mappings []string) []v1alpha1.PlanItem {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []v1alpha1.PlanItem
	for _, m := range mappings {
		if it, ok := s.billingPlans[policy][m]; ok {
			out = append(out, it)
		}
	}
	return out
}

// wakePolicy makes the policy controller re-plan (the channel it watches for user actions).
func (s *SnapshotStore) wakePolicy(policy types.NamespacedName) {
	ev := event.GenericEvent{Object: &v1alpha1.SyncPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: policy.Namespace, Name: policy.Name}}}
	select {
	case s.userPlanned <- ev:
	default:
		go func() { s.userPlanned <- ev }()
	}
}
