package mapping

import (
	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
)

// AssetState is status.assets after a sync whose own counts are run. Status holds state, so an
// unchanged re-sync leaves it equal (and the mapping unwritten): total and failed are the
// organization's assets now; unchanged is how many of them match the tool now; created and
// updated add up the writes over the mapping's life and change only when a write happens.
func AssetState(prev *v1alpha1.AssetCounts, run v1alpha1.AssetCounts) *v1alpha1.AssetCounts {
	out := &v1alpha1.AssetCounts{Total: run.Total, Failed: run.Failed, Unchanged: max(run.Total-run.Failed, 0)}
	out.Created, out.Updated = run.Created, run.Updated
	if prev != nil {
		out.Created += prev.Created
		out.Updated += prev.Updated
	}
	return out
}

// AssetsInPSA is how many of the organization's assets the last sync left in the PSA account:
// the baseline against which a shrunken PSA listing is judged.
func AssetsInPSA(prev *v1alpha1.AssetCounts) int {
	if prev == nil {
		return 0
	}
	return int(prev.Unchanged)
}

// UserRun is what one user sync found and did.
type UserRun struct {
	// Linked is the number of tool users linked to a PSA user after the sync (created ones too).
	Linked    int
	Ambiguous int
	Unmatched int
	// Created is the number of PSA users this sync created.
	Created int
}

// UserState is status.users after a user sync: matched, ambiguous and unmatched are the pair's
// users now; created adds up the PSA users the mapping created over its life.
func UserState(prev *v1alpha1.UserCounts, run UserRun) *v1alpha1.UserCounts {
	out := &v1alpha1.UserCounts{Matched: int32(run.Linked), Ambiguous: int32(run.Ambiguous),
		Unmatched: int32(run.Unmatched), Created: int32(run.Created)}
	if prev != nil {
		out.Created += prev.Created
	}
	return out
}
