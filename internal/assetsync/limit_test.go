package assetsync

import (
	"context"
	"testing"

	"github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/provider"
)

// A sync creates at most the budget of each kind; the rest comes with the next syncs, and an
// asset never goes to the PSA before the location it needs.
func TestLimitBoundsCreatesAcrossSyncs(t *testing.T) {
	ctx := context.Background()
	f := newFake()
	f.locations = []provider.Location{{ID: "1", Name: "Main Office", IsMain: true}}
	var tool []provider.ToolAsset
	for i, g := range []string{"a", "a", "b", "c", "c", "d", "e"} {
		tool = append(tool, toolAsset(string(rune('1'+i)), g))
	}
	base := Input{Location: v1alpha1.LocationMapping{Mode: v1alpha1.LocationGroupID}, AccountID: "250", ToolAssets: tool}

	for sync := 1; sync <= 10; sync++ {
		in := snapshot(f, base)
		planned, err := Plan(in)
		if err != nil {
			t.Fatal(err)
		}
		if !planned.HasWrites() {
			if len(f.assets) != len(tool) || len(f.locations) != 6 {
				t.Fatalf("done after %d syncs with %d assets and %d locations", sync-1, len(f.assets), len(f.locations))
			}
			if sync-1 != 4 {
				t.Fatalf("took %d syncs, want 4 (locations: 2+2+1, assets: 2 per sync)", sync-1)
			}
			return
		}
		limited := Limit(planned, 2, 2, 2)
		locsBefore, assetsBefore := len(f.locations), len(f.assets)
		counts, problems := Apply(ctx, f, in, limited)
		if n := len(f.locations) - locsBefore; n > 2 {
			t.Fatalf("sync %d created %d locations, budget 2", sync, n)
		}
		if n := len(f.assets) - assetsBefore; n > 2 || int(counts.Created) != n {
			t.Fatalf("sync %d created %d assets (counted %d), budget 2", sync, n, counts.Created)
		}
		if counts.Total != counts.Created+counts.Updated+counts.Unchanged+counts.Failed {
			t.Fatalf("sync %d: counts do not add up: %+v", sync, counts)
		}
		for _, p := range problems {
			if p.Reason != ReasonCreateDeferred {
				t.Fatalf("sync %d: unexpected problem %+v", sync, p)
			}
		}
		for _, a := range f.assets {
			if a.LocationID == "" || f.locationName(a.LocationID) == "" {
				t.Fatalf("asset %s written without its location", a.Name)
			}
		}
	}
	t.Fatal("never converged")
}
