package controllers

import (
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
)

// serviceConditions are the conditions the integration services set beside Ready.
var serviceConditions = []string{v1alpha1.ConditionBilling, v1alpha1.ConditionTicketing}

// stateWithServices is a mapping's state once its services are counted. The link's own sync
// (the Ready condition) decides every state but one: a linked, Ready mapping whose billing or
// ticketing failed has events, and is OK again once they recover. Both the mapping controller and
// the service runners write status through it, so neither undoes the other's verdict.
func stateWithServices(st *v1alpha1.AccountMappingStatus) v1alpha1.MappingState {
	ready := meta.FindStatusCondition(st.Conditions, v1alpha1.ConditionReady)
	if ready == nil || ready.Status != metav1.ConditionTrue {
		return st.State
	}
	for _, typ := range serviceConditions {
		if c := meta.FindStatusCondition(st.Conditions, typ); c != nil && c.Status == metav1.ConditionFalse {
			return v1alpha1.StateHasEvents
		}
	}
	return v1alpha1.StateOK
}

// pruneServices drops the status of a service the policy or the mapping no longer enables, so a
// service turned off cannot leave the mapping HasEvents.
func pruneServices(st *v1alpha1.AccountMappingStatus, sp *v1alpha1.SyncPolicy, am *v1alpha1.AccountMapping) {
	if sp.Spec.Services.Billing == nil || !am.Spec.Services.Billing {
		meta.RemoveStatusCondition(&st.Conditions, v1alpha1.ConditionBilling)
		if st.Services != nil {
			st.Services.Billing = nil
		}
	}
	if sp.Spec.Services.Ticketing == nil || !am.Spec.Services.Ticketing {
		meta.RemoveStatusCondition(&st.Conditions, v1alpha1.ConditionTicketing)
		if st.Services != nil {
			st.Services.Ticketing = nil
		}
	}
	if st.Services != nil && st.Services.Billing == nil && st.Services.Ticketing == nil {
		st.Services = nil
	}
}
