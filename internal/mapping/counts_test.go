package mapping

import (
	"testing"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
)

func TestAssetStateIsStateNotDeltas(t *testing.T) {
	first := AssetState(nil, v1alpha1.AssetCounts{Total: 3, Created: 2, Failed: 1})
	if want := (v1alpha1.AssetCounts{Total: 3, Created: 2, Unchanged: 2, Failed: 1}); *first != want {
		t.Fatalf("first sync: %+v, want %+v", *first, want)
	}
	// The failing asset is created; an update follows; then nothing changes.
	second := AssetState(first, v1alpha1.AssetCounts{Total: 3, Created: 1, Unchanged: 2})
	third := AssetState(second, v1alpha1.AssetCounts{Total: 3, Updated: 1, Unchanged: 2})
	quiet := AssetState(third, v1alpha1.AssetCounts{Total: 3, Unchanged: 3})
	if want := (v1alpha1.AssetCounts{Total: 3, Created: 3, Updated: 1, Unchanged: 3}); *quiet != want {
		t.Fatalf("after three syncs: %+v, want %+v", *quiet, want)
	}
	if again := AssetState(quiet, v1alpha1.AssetCounts{Total: 3, Unchanged: 3}); *again != *quiet {
		t.Fatalf("an unchanged re-sync changed the state: %+v → %+v", *quiet, *again)
	}
	if n := AssetsInPSA(quiet); n != 3 {
		t.Fatalf("AssetsInPSA = %d, want 3", n)
	}
	if n := AssetsInPSA(nil); n != 0 {
		t.Fatalf("AssetsInPSA(nil) = %d", n)
	}
}

func TestUserStateCountsCreatesOverTheMappingsLife(t *testing.T) {
	first := UserState(nil, UserRun{Linked: 3, Ambiguous: 1, Created: 1})
	if want := (v1alpha1.UserCounts{Matched: 3, Ambiguous: 1, Created: 1}); *first != want {
		t.Fatalf("first sync: %+v, want %+v", *first, want)
	}
	again := UserState(first, UserRun{Linked: 3, Ambiguous: 1})
	if *again != *first {
		t.Fatalf("an unchanged re-sync changed the state: %+v → %+v", *first, *again)
	}
	later := UserState(again, UserRun{Linked: 2, Unmatched: 2, Created: 1})
	if want := (v1alpha1.UserCounts{Matched: 2, Unmatched: 2, Created: 2}); *later != want {
		t.Fatalf("later: %+v, want %+v", *later, want)
	}
}

func TestUnrecordedWritesSurviveAFailedStatusWrite(t *testing.T) {
	created := Writes{AssetsCreated: 2}
	// The write of the reconcile that created two assets conflicts: they stay pending.
	pending := Unrecorded(Writes{}, created, false, true, false)
	if pending != created {
		t.Fatalf("after a failed write: %+v, want %+v", pending, created)
	}
	// The redo finds the assets in place (no write) and stores them with the pending ones.
	prev := (*v1alpha1.AssetCounts)(nil)
	run := v1alpha1.AssetCounts{Total: 3, Unchanged: 2, Failed: 1}
	run.Created += pending.AssetsCreated
	if got := AssetState(prev, run); got.Created != 2 {
		t.Fatalf("redo: created %d, want the 2 of the failed write", got.Created)
	}
	if rest := Unrecorded(pending, Writes{}, true, true, false); rest != (Writes{}) {
		t.Fatalf("stored: %+v still pending", rest)
	}
	// A reconcile that did not recompute the assets (a vendor's wait) keeps them pending.
	if rest := Unrecorded(pending, Writes{UsersCreated: 1}, true, false, true); rest != created {
		t.Fatalf("assets not recomputed: %+v pending, want %+v", rest, created)
	}
}
