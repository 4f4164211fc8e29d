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

// Writes counts vendor writes that the lifetime counts of status (assets created and updated,
// users created) add up.
type Writes struct {
	AssetsCreated, AssetsUpdated, UsersCreated int32
}

// Add sums two counts of writes.
func (w Writes) Add(o Writes) Writes {
	return Writes{AssetsCreated: w.AssetsCreated + o.AssetsCreated, AssetsUpdated: w.AssetsUpdated + o.AssetsUpdated,
		UsersCreated: w.UsersCreated + o.UsersCreated}
}

// Unrecorded is what a mapping's stored status still lacks after a reconcile: pending are the
// writes earlier reconciles made but could not store (a status write that conflicted with a
// newer version of the mapping, whose redo finds the assets already in place), written those of
// this reconcile. A stored status holds the pending asset (or user) writes when this reconcile
// recomputed the asset (or user) state; a failed write stores nothing.
func Unrecorded(pending, written Writes, stored, assetsRecomputed, usersRecomputed bool) Writes {
	if !stored {
		return pending.Add(written)
	}
	var rest Writes
	if !assetsRecomputed {
		rest.AssetsCreated, rest.AssetsUpdated = pending.AssetsCreated, pending.AssetsUpdated
	}
	if !usersRecomputed {
		rest.UsersCreated = pending.UsersCreated
	}
	return rest
}
