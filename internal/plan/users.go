package plan

import (
	"slices"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/match"
	"github.com/accountsync/accountsync-operator/internal/provider"
)

// UserActions is what a real sync would do with the end users of one linked pair, given the
// outcome of match.Users on toolUsers and the links the mapping already has: a LinkUser for each link that
// is new or changed, and with createMissing a CreatePSAUser for each unmatched tool user. Kept
// links and ambiguous users (already listed in the mapping's status.ambiguousUsers) are no
// action. Items are sorted like Result.Plan.
func UserActions(mapping, toolOrgID, psaAccountID string, toolUsers []provider.User, res match.UserResult, existing []v1alpha1.UserOverride, createMissing bool) []v1alpha1.PlanItem {
	linked := make(map[string]string, len(existing))
	for _, l := range existing {
		linked[l.ToolUserID] = l.PSAUserID
	}
	var out []v1alpha1.PlanItem
	item := func(action v1alpha1.PlanAction, toolUser, psaUser, name string) v1alpha1.PlanItem {
		return v1alpha1.PlanItem{Action: action, ToolOrganizationID: toolOrgID, PSAAccountID: psaAccountID,
			ToolUserID: toolUser, PSAUserID: psaUser, Name: name, Mapping: mapping}
	}
	names := make(map[string]string, len(toolUsers))
	for _, u := range toolUsers {
		names[u.ID] = userName(u.Name, u.Email)
	}
	for _, l := range res.Links {
		if linked[l.ToolUserID] != l.PSAUserID {
			out = append(out, item(v1alpha1.ActionLinkUser, l.ToolUserID, l.PSAUserID, names[l.ToolUserID]))
		}
	}
	if createMissing {
		for _, u := range res.Unmatched {
			out = append(out, item(v1alpha1.ActionCreatePSAUser, u.ID, "", userName(u.Name, u.Email)))
		}
	}
	slices.SortFunc(out, comparePlanItems)
	return out
}

func userName(name, email string) string {
	if name != "" {
		return name
	}
	return email
}

// WithUserActions merges the user actions the mappings of a dry-run policy reported into the
// policy's plan, keeping Result.Plan's order so status.plan is stable from sync to sync.
func WithUserActions(planned, users []v1alpha1.PlanItem) []v1alpha1.PlanItem {
	if len(users) == 0 {
		return planned
	}
	out := make([]v1alpha1.PlanItem, 0, len(planned)+len(users))
	out = append(append(out, planned...), users...)
	slices.SortStableFunc(out, comparePlanItems)
	return out
}
