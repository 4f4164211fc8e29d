package controllers

import (
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
)

func TestStateWithServices(t *testing.T) {
	cond := func(typ string, s metav1.ConditionStatus) metav1.Condition {
		return metav1.Condition{Type: typ, Status: s, Reason: "R"}
	}
	cases := []struct {
		name  string
		state v1alpha1.MappingState
		conds []metav1.Condition
		want  v1alpha1.MappingState
	}{
		{"link decides when not Ready", v1alpha1.StateNotAvailable, []metav1.Condition{cond(v1alpha1.ConditionReady, metav1.ConditionFalse), cond(v1alpha1.ConditionBilling, metav1.ConditionFalse)}, v1alpha1.StateNotAvailable},
		{"failed billing on a linked mapping", v1alpha1.StateOK, []metav1.Condition{cond(v1alpha1.ConditionReady, metav1.ConditionTrue), cond(v1alpha1.ConditionBilling, metav1.ConditionFalse)}, v1alpha1.StateHasEvents},
		{"failed ticketing on a linked mapping", v1alpha1.StateOK, []metav1.Condition{cond(v1alpha1.ConditionReady, metav1.ConditionTrue), cond(v1alpha1.ConditionTicketing, metav1.ConditionFalse)}, v1alpha1.StateHasEvents},
		{"services recovered", v1alpha1.StateHasEvents, []metav1.Condition{cond(v1alpha1.ConditionReady, metav1.ConditionTrue), cond(v1alpha1.ConditionBilling, metav1.ConditionTrue)}, v1alpha1.StateOK},
		{"no services", v1alpha1.StateOK, []metav1.Condition{cond(v1alpha1.ConditionReady, metav1.ConditionTrue)}, v1alpha1.StateOK},
		{"no Ready yet", "", nil, ""},
	}
	for _, c := range cases {
		st := &v1alpha1.AccountMappingStatus{State: c.state, Conditions: c.conds}
		if got := stateWithServices(st); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}

func TestPruneServicesDropsWhatIsOff(t *testing.T) {
	st := &v1alpha1.AccountMappingStatus{
		Conditions: []metav1.Condition{{Type: v1alpha1.ConditionBilling, Status: metav1.ConditionFalse}, {Type: v1alpha1.ConditionTicketing, Status: metav1.ConditionTrue}},
		Services:   &v1alpha1.MappingServicesStatus{Billing: &v1alpha1.BillingStatus{Message: "x"}, Ticketing: &v1alpha1.TicketingStatus{Created: 1}},
	}
	sp := &v1alpha1.SyncPolicy{}
	sp.Spec.Services.Ticketing = &v1alpha1.TicketingService{}
	am := &v1alpha1.AccountMapping{}
	am.Spec.Services = v1alpha1.Services{Billing: true, Ticketing: true}
	pruneServices(st, sp, am)
	if meta.FindStatusCondition(st.Conditions, v1alpha1.ConditionBilling) != nil || st.Services.Billing != nil {
		t.Fatalf("billing kept although the policy has none: %+v", st)
	}
	if st.Services.Ticketing == nil || meta.FindStatusCondition(st.Conditions, v1alpha1.ConditionTicketing) == nil {
		t.Fatalf("ticketing dropped although enabled: %+v", st)
	}
	am.Spec.Services.Ticketing = false
	pruneServices(st, sp, am)
	if st.Services != nil || len(st.Conditions) != 0 {
		t.Fatalf("services left after both were turned off: %+v", st)
	}
}
