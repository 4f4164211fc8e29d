package plan

import (
	"fmt"
	"slices"
	"testing"

	"github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/provider"
)

func TestShrunk(t *testing.T) {
	def := v1alpha1.Safety{}
	cases := []struct {
		name              string
		s                 v1alpha1.Safety
		previous, current int
		suspect           bool
	}{
		{"empty after one record", def, 1, 0, true},
		{"empty after many", def, 40, 0, true},
		{"first sync has no baseline", def, 0, 0, false},
		{"growth", def, 10, 30, false},
		{"exactly the default 50% lost", def, 40, 20, false},
		{"more than 50% lost", def, 40, 19, true},
		{"small list below minRecords may shrink", def, 9, 1, false},
		{"at minRecords the percentage applies", def, 10, 4, true},
		{"custom threshold", v1alpha1.Safety{MaxShrinkPercent: 10, MinRecords: 5}, 20, 17, true},
		{"custom threshold within", v1alpha1.Safety{MaxShrinkPercent: 10, MinRecords: 5}, 20, 18, false},
		{"100 turns it off, even for an empty list", v1alpha1.Safety{MaxShrinkPercent: 100}, 40, 0, false},
	}
	for _, c := range cases {
		got := Shrunk(c.s, v1alpha1.ListingPSAAccounts, c.previous, c.current)
		if (got != nil) != c.suspect {
			t.Errorf("%s: Shrunk(%d→%d) = %v, want suspect=%v", c.name, c.previous, c.current, got, c.suspect)
			continue
		}
		if got != nil && (got.Previous != int32(c.previous) || got.Current != int32(c.current) || got.Listing != v1alpha1.ListingPSAAccounts) {
			t.Errorf("%s: counts %+v", c.name, *got)
		}
	}
}

// A vendor that stops sending names makes namePattern match nothing: the generated mappings
// go at most one batch per sync, in name order, and the rest stay for later syncs.
func TestRemovalsBoundedByBatchSize(t *testing.T) {
	var toolOrgs []provider.Organization
	var psaAccts []provider.Account
	var ms []v1alpha1.AccountMapping
	for i := range 7 {
		toolOrgs = append(toolOrgs, provider.Organization{ID: fmt.Sprint(i), Name: ""})
		psaAccts = append(psaAccts, provider.Account{ID: fmt.Sprint(100 + i), Name: fmt.Sprintf("Customer %d", i)})
		ms = append(ms, gen(fmt.Sprintf("p-org-%d", i), i, fmt.Sprint(i), fmt.Sprint(100+i)))
	}
	res, err := Compute(Input{
		Policy: policy(func(s *v1alpha1.SyncPolicySpec) {
			s.Tool.Filter.NamePattern = "^Customer"
			s.Creation.BatchSize = 3
		}),
		ToolOrgs: toolOrgs, PSAAccounts: psaAccts, Mappings: ms,
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"p-org-0", "p-org-1", "p-org-2"}; !slices.Equal(res.Remove, want) {
		t.Fatalf("Remove = %v, want %v", res.Remove, want)
	}
	if res.RemovalsDeferred != 4 {
		t.Fatalf("RemovalsDeferred = %d, want 4", res.RemovalsDeferred)
	}
	removes := 0
	for _, p := range res.Plan {
		if p.Action == v1alpha1.ActionRemoveMapping {
			removes++
		}
	}
	if removes != 3 || len(res.RemoveReasons) != 3 {
		t.Fatalf("plan has %d removals and %d reasons, want 3", removes, len(res.RemoveReasons))
	}
}
