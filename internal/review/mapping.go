package review

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/plan"
)

// ManualMapping is the AccountMapping a person writes to link tool organization toolID and PSA
// account psaID under policy: no ownerReference and no policy label, so no controller ever
// changes or deletes it, and it wins over a generated mapping of either record. An empty name
// takes "<policy>-manual-<toolID>".
func ManualMapping(namespace, policy, toolID, psaID, name string) *v1alpha1.AccountMapping {
	if name == "" {
		name = plan.MappingName(policy, "manual", toolID)
	}
	return &v1alpha1.AccountMapping{
		TypeMeta:   metav1.TypeMeta{APIVersion: v1alpha1.GroupVersion.String(), Kind: "AccountMapping"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec: v1alpha1.AccountMappingSpec{
			PolicyRef: v1alpha1.LocalObjectReference{Name: policy},
			PSA:       v1alpha1.MappingPSA{AccountID: psaID},
			Tool:      v1alpha1.MappingTool{OrganizationID: toolID},
			Location:  v1alpha1.LocationMapping{Mode: v1alpha1.LocationMain},
			Services:  v1alpha1.Services{Billing: true, Ticketing: true},
		},
	}
}

// HeldError says which mapping already holds a record of the pair.
type HeldError struct {
	Mapping   string
	Generated bool
	Side      v1alpha1.Side
	ID        string
}

func (e *HeldError) Error() string {
	what := "tool organization"
	if e.Side == v1alpha1.SidePSA {
		what = "PSA account"
	}
	kind := "manual"
	if e.Generated {
		kind = "generated"
	}
	msg := fmt.Sprintf("%s %q is already held by %s AccountMapping %q", what, e.ID, kind, e.Mapping)
	if e.Generated {
		msg += " (--replace-generated writes the manual mapping anyway; manual wins and the policy removes its own at the next sync)"
	}
	return msg
}

// CheckFree returns a *HeldError when another mapping of the policy holds toolID or psaID (by
// spec, or by the id its status shows for a created record). A mapping named name (the one
// about to be written) does not count. Generated holders are ignored when replaceGenerated is
// set.
func CheckFree(ams []v1alpha1.AccountMapping, policy, toolID, psaID, name string, replaceGenerated bool) error {
	for i := range ams {
		am := &ams[i]
		if am.Spec.PolicyRef.Name != policy || am.Name == name || am.DeletionTimestamp != nil {
			continue
		}
		gen := IsGenerated(am)
		if gen && replaceGenerated {
			continue
		}
		if id := toolID; id != "" && id == heldToolID(am) {
			return &HeldError{Mapping: am.Name, Generated: gen, Side: v1alpha1.SideTool, ID: id}
		}
		if id := psaID; id != "" && id == heldPSAID(am) {
			return &HeldError{Mapping: am.Name, Generated: gen, Side: v1alpha1.SidePSA, ID: id}
		}
	}
	return nil
}
