package review

import (
	"bytes"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
)

// A linked mapping whose billing line is missing has events because of its Billing condition:
// the status report shows that reason and message, not the Ready condition's "Linked".
func TestStatusShowsBillingProblems(t *testing.T) {
	am := v1alpha1.AccountMapping{
		ObjectMeta: metav1.ObjectMeta{Name: "vsa-cw-org-7", Generation: 1},
		Spec:       v1alpha1.AccountMappingSpec{PolicyRef: v1alpha1.LocalObjectReference{Name: "vsa-cw"}, Location: v1alpha1.LocationMapping{Mode: v1alpha1.LocationMain}},
		Status: v1alpha1.AccountMappingStatus{State: v1alpha1.StateHasEvents,
			Conditions: []metav1.Condition{
				{Type: v1alpha1.ConditionReady, Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonLinked, Message: "linked"},
				{Type: v1alpha1.ConditionBilling, Status: metav1.ConditionFalse, Reason: v1alpha1.ReasonBillingLineMissing, Message: "no billing line for AV-SEAT"},
			},
			ToolOrganization: &v1alpha1.RecordRef{ID: "7", Name: "Hooli"}, PSAAccount: &v1alpha1.RecordRef{ID: "270", Name: "Hooli"},
			Services: &v1alpha1.MappingServicesStatus{Billing: &v1alpha1.BillingStatus{Usage: ptr.To(int64(5))}}},
	}
	var b bytes.Buffer
	PrintStatus(&b, &World{Mappings: []v1alpha1.AccountMapping{am}})
	out := b.String()
	for _, want := range []string{"5/missing", "BillingLineMissing", "vsa-cw/vsa-cw-org-7 BillingLineMissing: no billing line for AV-SEAT"} {
		if !strings.Contains(out, want) {
			t.Errorf("status does not show %q:\n%s", want, out)
		}
	}
	wl := BuildWorklist(&World{Mappings: []v1alpha1.AccountMapping{am}}, "")
	if len(wl.Mappings) != 1 || wl.Mappings[0].Reason != v1alpha1.ReasonBillingLineMissing {
		t.Errorf("the review worklist does not list the billing problem: %+v", wl.Mappings)
	}
	b.Reset()
	Explain(&b, &am, nil, now)
	if !strings.Contains(b.String(), "Billing:  False, reason BillingLineMissing") {
		t.Errorf("explain does not show billing:\n%s", b.String())
	}
}

// A dry run's billing actions show their line and old → new quantity.
func TestPlanShowsBillingDetail(t *testing.T) {
	sp := &v1alpha1.SyncPolicy{ObjectMeta: metav1.ObjectMeta{Name: "vsa-cw-preview"}, Spec: v1alpha1.SyncPolicySpec{DryRun: true},
		Status: v1alpha1.SyncPolicyStatus{PlanTotal: 1, Plan: []v1alpha1.PlanItem{{Action: v1alpha1.ActionSetBillingQuantity,
			ToolOrganizationID: "1", PSAAccountID: "250", Mapping: "acme", Detail: "agreement 17, addition 301 (AV-SEAT): 40 → 42"}}}}
	var b bytes.Buffer
	PrintPlan(&b, sp, 0)
	if !strings.Contains(b.String(), "DETAIL") || !strings.Contains(b.String(), "agreement 17, addition 301 (AV-SEAT): 40 → 42") {
		t.Errorf("plan without the billing detail:\n%s", b.String())
	}
}
