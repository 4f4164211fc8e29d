// Package review is what a person reads and does to decide what AccountSync could not: the
// tables of `kubectl accountsync` (status, review, plan, explain), the manual mapping `map`
// writes, and the report of `make demo`, which prints the same status table. It reads the
// project's API types through a controller-runtime client, so it works against any cluster the
// kubeconfig names and against envtest alike.
package review

import (
	"cmp"
	"context"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
)

// World is every AccountSync object of one namespace.
type World struct {
	Connections []v1alpha1.IntegrationConnection `json:"connections"`
	Policies    []v1alpha1.SyncPolicy            `json:"policies"`
	Mappings    []v1alpha1.AccountMapping        `json:"mappings"`
}

// Load lists the three kinds in namespace, each sorted by name.
func Load(ctx context.Context, c client.Reader, namespace string) (*World, error) {
	var ics v1alpha1.IntegrationConnectionList
	var sps v1alpha1.SyncPolicyList
	var ams v1alpha1.AccountMappingList
	for _, l := range []client.ObjectList{&ics, &sps, &ams} {
		if err := c.List(ctx, l, client.InNamespace(namespace)); err != nil {
			return nil, err
		}
	}
	w := &World{Connections: ics.Items, Policies: sps.Items, Mappings: ams.Items}
	slices.SortFunc(w.Connections, func(a, b v1alpha1.IntegrationConnection) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(w.Policies, func(a, b v1alpha1.SyncPolicy) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(w.Mappings, func(a, b v1alpha1.AccountMapping) int { return strings.Compare(a.Name, b.Name) })
	return w, nil
}

// IsGenerated reports whether a policy generated the mapping (a controller ownerReference to a
// SyncPolicy); every other mapping is a person's.
func IsGenerated(am *v1alpha1.AccountMapping) bool {
	ref := metav1.GetControllerOfNoCopy(am)
	return ref != nil && ref.Kind == "SyncPolicy"
}

// SortedMappings orders mappings for a person: those needing attention first, then the manual
// ones (a person owns them), then by policy and organization name.
func SortedMappings(ams []v1alpha1.AccountMapping) []v1alpha1.AccountMapping {
	out := slices.Clone(ams)
	rank := func(s v1alpha1.MappingState) int {
		switch s {
		case v1alpha1.StateHasEvents:
			return 0
		case v1alpha1.StateNotAvailable:
			return 1
		case v1alpha1.StateOK:
			return 2
		}
		return 3
	}
	gen := func(a *v1alpha1.AccountMapping) int {
		if IsGenerated(a) {
			return 1
		}
		return 0
	}
	slices.SortStableFunc(out, func(a, b v1alpha1.AccountMapping) int {
		return cmp.Or(rank(a.Status.State)-rank(b.Status.State), gen(&a)-gen(&b),
			strings.Compare(a.Spec.PolicyRef.Name, b.Spec.PolicyRef.Name),
			strings.Compare(strings.ToLower(refName(a.Status.ToolOrganization)), strings.ToLower(refName(b.Status.ToolOrganization))),
			strings.Compare(a.Name, b.Name))
	})
	return out
}

func refName(r *v1alpha1.RecordRef) string {
	if r == nil {
		return ""
	}
	if r.Name != "" {
		return r.Name
	}
	return r.ID
}

// heldToolID and heldPSAID are the ids a mapping holds: the spec's, or the created record's from status.
func heldToolID(am *v1alpha1.AccountMapping) string {
	if am.Spec.Tool.OrganizationID != "" {
		return am.Spec.Tool.OrganizationID
	}
	if am.Status.ToolOrganization != nil {
		return am.Status.ToolOrganization.ID
	}
	return ""
}

func heldPSAID(am *v1alpha1.AccountMapping) string {
	if am.Spec.PSA.AccountID != "" {
		return am.Spec.PSA.AccountID
	}
	if am.Status.PSAAccount != nil {
		return am.Status.PSAAccount.ID
	}
	return ""
}
