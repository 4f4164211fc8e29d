package controllers

import (
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/types"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
)

func TestServiceReports(t *testing.T) {
	s := NewServiceReports()
	key := types.NamespacedName{Namespace: "ns", Name: "p"}
	s.Set(key, serviceTicketing, 3, "spec.services.ticketing: board \"X\" does not exist", []v1alpha1.PlanItem{{Action: v1alpha1.ActionCreateTicket}}, []string{"org-9"})
	if got := s.Invalid(key, 3); got == "" {
		t.Error("the settings error of generation 3 is reported")
	}
	if got := s.Invalid(key, 4); got != "" {
		t.Errorf("a newer generation is not invalid until the service says so: %q", got)
	}
	if got := s.Plan(key); len(got) != 1 || got[0].Action != v1alpha1.ActionCreateTicket {
		t.Errorf("plan = %v", got)
	}
	withAssets := map[string]bool{"org-1": true}
	got := s.WithReferences(key, withAssets)
	if !reflect.DeepEqual(got, map[string]bool{"org-1": true, "org-9": true}) {
		t.Errorf("references = %v", got)
	}
	if len(withAssets) != 1 {
		t.Error("the snapshot's map must not be changed")
	}
	select {
	case <-s.changed:
	default:
		t.Error("a changed report wakes the policy")
	}
	s.Set(key, serviceTicketing, 3, "spec.services.ticketing: board \"X\" does not exist", []v1alpha1.PlanItem{{Action: v1alpha1.ActionCreateTicket}}, []string{"org-9"})
	select {
	case <-s.changed:
		t.Error("an unchanged report does not wake the policy again")
	default:
	}
	other := types.NamespacedName{Namespace: "ns", Name: "quiet"}
	s.Set(other, serviceTicketing, 1, "", nil, nil)
	s.Set(other, serviceTicketing, 2, "", nil, nil)
	select {
	case <-s.changed:
		t.Error("an empty report of a policy that had none does not wake it")
	default:
	}
	s.Set(key, serviceTicketing, 4, "", nil, nil)
	select {
	case <-s.changed:
	default:
		t.Error("clearing a report wakes the policy")
	}
	if s.Invalid(key, 3) != "" || s.Plan(key) != nil {
		t.Error("the cleared report is gone")
	}
	var none *ServiceReports
	if none.Invalid(key, 1) != "" || none.Plan(key) != nil || none.WithReferences(key, nil) != nil {
		t.Error("a nil store reports nothing")
	}
}
