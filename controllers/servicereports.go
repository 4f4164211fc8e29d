package controllers

import (
	"reflect"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/event"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
)

// ServiceReports carries what a service runner (ticketing) found that belongs in the parts of
// a policy's status the policy controller owns: the Ready verdict on the service's settings,
// the dry-run plan's service actions, and the organizations its alerts reference. The runner
// reports; the policy controller merges at its next plan, so the two never write the same
// fields. In memory: after a restart the runner's first run reports again.
type ServiceReports struct {
	mu      sync.RWMutex
	reports map[types.NamespacedName]map[string]serviceReport
	// changed wakes a policy whose reports changed, to re-plan.
	changed chan event.GenericEvent
}

type serviceReport struct {
	// invalid is the InvalidSpec message for the policy generation it was found at.
	invalid    string
	generation int64
	plan       []v1alpha1.PlanItem
	referenced []string
}

// NewServiceReports returns an empty store.
func NewServiceReports() *ServiceReports {
	return &ServiceReports{reports: map[types.NamespacedName]map[string]serviceReport{}, changed: make(chan event.GenericEvent, 1024)}
}

// Set replaces what service reported for the policy and wakes the policy when it changed.
func (s *ServiceReports) Set(policy types.NamespacedName, service string, generation int64, invalid string, plan []v1alpha1.PlanItem, referenced []string) {
	if s == nil {
		return
	}
	next := serviceReport{invalid: invalid, generation: generation, plan: plan, referenced: referenced}
	empty := func(r serviceReport) bool { return r.invalid == "" && len(r.plan) == 0 && len(r.referenced) == 0 }
	s.mu.Lock()
	old, had := s.reports[policy][service]
	if (had && reflect.DeepEqual(old, next)) || (empty(next) && (!had || empty(old))) {
		// Nothing the policy shows changed (an empty report's generation is no news): waking
		// the policy would only make it work again for nothing.
		s.mu.Unlock()
		return
	}
	if s.reports[policy] == nil {
		s.reports[policy] = map[string]serviceReport{}
	}
	s.reports[policy][service] = next
	s.mu.Unlock()
	ev := event.GenericEvent{Object: &v1alpha1.SyncPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: policy.Namespace, Name: policy.Name}}}
	select {
	case s.changed <- ev:
	default:
		go func() { s.changed <- ev }()
	}
}

// Delete forgets a policy.
func (s *ServiceReports) Delete(policy types.NamespacedName) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.reports, policy)
}

// Invalid returns the InvalidSpec message a service found for this generation of the policy.
func (s *ServiceReports) Invalid(policy types.NamespacedName, generation int64) string {
	if s == nil {
		return ""
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, r := range s.reports[policy] {
		if r.invalid != "" && r.generation == generation {
			return r.invalid
		}
	}
	return ""
}

// Plan returns the services' dry-run actions for the policy.
func (s *ServiceReports) Plan(policy types.NamespacedName) []v1alpha1.PlanItem {
	if s == nil {
		return nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []v1alpha1.PlanItem
	for _, svc := range []string{serviceBilling, serviceTicketing} {
		out = append(out, s.reports[policy][svc].plan...)
	}
	return out
}

// WithReferences adds the organizations the services' alerts reference to those with assets
// (createWhen Referenced: an alert references its organization like an asset does).
func (s *ServiceReports) WithReferences(policy types.NamespacedName, withAssets map[string]bool) map[string]bool {
	if s == nil {
		return withAssets
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var refs []string
	for _, r := range s.reports[policy] {
		refs = append(refs, r.referenced...)
	}
	if len(refs) == 0 {
		return withAssets
	}
	out := make(map[string]bool, len(withAssets)+len(refs))
	for k, v := range withAssets {
		out[k] = v
	}
	for _, id := range refs {
		out[id] = true
	}
	return out
}

// Service names in reports.
const (
	serviceBilling   = "billing"
	serviceTicketing = "ticketing"
)
