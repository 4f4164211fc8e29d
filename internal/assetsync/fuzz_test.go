package assetsync

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/provider"
)

// blocking are the problem reasons that keep an asset from being written; the others are
// warnings about rules or duplicates.
var blocking = map[string]bool{
	ReasonNoMainLocation: true, ReasonLocationNotFound: true,
	ReasonInvalidToolAsset: true, ReasonDuplicateToolAsset: true,
}

// FuzzPlan feeds machine group names (separated by "|") through every mode: Plan must not
// panic, must keep its own invariants, and applying its result must converge in one step.
func FuzzPlan(f *testing.F) {
	f.Add("hq|lab|HQ| Lab |", uint8(1), true, uint8(3))
	f.Add("Warehouse|warehouse |Main Office||ops", uint8(2), true, uint8(7))
	f.Add("Straße|STRASSE|\u212Aelvin|kelvin|\xff|\xfe", uint8(1), false, uint8(0))
	f.Add("  |\t|x", uint8(0), false, uint8(255))
	f.Add("a|b|c|d|e|f", uint8(2), false, uint8(42))
	modes := []v1alpha1.LocationMode{v1alpha1.LocationMain, v1alpha1.LocationGroupID, v1alpha1.LocationCustom}

	f.Fuzz(func(t *testing.T, groups string, mode uint8, withDepartments bool, seed uint8) {
		names := strings.Split(groups, "|")
		if len(names) > 16 {
			names = names[:16]
		}
		var tool []provider.ToolAsset
		for i := range min(3*len(names), 60) {
			tool = append(tool, toolAsset(strconv.Itoa(i+1), names[i%len(names)]))
		}

		// Custom rules point some groups at a location that exists and others at a fuzzed name
		// (mostly missing), with fuzzed departments.
		var rules []v1alpha1.CustomLocation
		for j, g := range names[:min(4, len(names))] {
			loc := "Warehouse"
			if (int(seed)+j)%2 == 1 {
				loc = names[(j+1)%len(names)]
			}
			rules = append(rules, v1alpha1.CustomLocation{MachineGroup: g, Location: loc, Department: names[(j+2)%len(names)]})
		}
		location := v1alpha1.LocationMapping{Mode: modes[int(mode)%len(modes)]}
		if location.Mode == v1alpha1.LocationCustom {
			location.Custom = rules
		}

		fake := newFake()
		fake.locations = slices.Clone(testLocations)
		fake.departments = slices.Clone(testDepartments)
		var psa Capabilities = fake
		if withDepartments {
			psa = fakeBMS{fake}
		}
		// Some assets were mirrored earlier, at arbitrary places, with hand-written departments.
		for i, a := range tool {
			if (i+int(seed))%3 == 0 {
				fake.assets = append(fake.assets, mirrored(strconv.Itoa(900+i), a, testLocations[(i+int(seed))%3].ID, "11"))
			}
		}

		base := Input{Location: location, AccountID: "250", ToolAssets: tool}
		in := snapshot(psa, base)
		plan, err := Plan(in)
		if err != nil {
			t.Fatalf("Plan: %v", err)
		}
		blocked := 0
		for _, p := range plan.Problems {
			if blocking[p.Reason] {
				blocked++
			}
		}
		placed := len(plan.Creates) + len(plan.Updates) + plan.Unchanged
		if placed+blocked != len(tool) {
			t.Fatalf("%d placed + %d blocked != %d tool assets", placed, blocked, len(tool))
		}
		checkNames(t, "CreateLocations", plan.CreateLocations, in.Locations)
		for _, w := range slices.Concat(plan.Creates, plan.Updates) {
			if w.LocationID == "" && !slices.Contains(plan.CreateLocations, w.LocationName) {
				t.Fatalf("write %+v waits for a location the plan does not create", w)
			}
			if w.DepartmentID == "" && w.DepartmentName != "" && !slices.Contains(plan.CreateDepartments, w.DepartmentName) {
				t.Fatalf("write %+v waits for a department the plan does not create", w)
			}
		}

		counts, _ := Apply(context.Background(), psa, in, plan)
		if counts.Created+counts.Updated+counts.Unchanged+counts.Failed != counts.Total || int(counts.Failed) != blocked {
			t.Fatalf("counts %+v do not add up (%d blocked)", counts, blocked)
		}

		again, err := Plan(snapshot(psa, base))
		if err != nil {
			t.Fatalf("second Plan: %v", err)
		}
		if again.HasWrites() || again.Unchanged != placed {
			t.Fatalf("plan after apply is not a no-op (%d placed before):\n%+v", placed, again)
		}
	})
}

// checkNames asserts a create list is sorted, non-empty per name, unique under nameKey, and
// disjoint from what the account already has.
func checkNames(t *testing.T, what string, names []string, existing []provider.Location) {
	t.Helper()
	if !slices.IsSorted(names) {
		t.Fatalf("%s not sorted: %q", what, names)
	}
	seen := map[string]bool{}
	for _, l := range existing {
		seen[nameKey(l.Name)] = true
	}
	for _, n := range names {
		k := nameKey(n)
		if k == "" || n != strings.TrimSpace(n) || seen[k] {
			t.Fatalf("%s holds %q: empty, untrimmed, repeated or already in the account", what, n)
		}
		seen[k] = true
	}
}

// BenchmarkPlan5000 plans one organization of 5,000 agents in 50 machine groups: the first
// GroupID sync of an empty account, and the steady state a Custom mapping reaches after it.
func BenchmarkPlan5000(b *testing.B) {
	const n, groups = 5000, 50
	tool := make([]provider.ToolAsset, n)
	for i := range tool {
		tool[i] = toolAsset(strconv.Itoa(i+1), fmt.Sprintf("group-%02d", i%groups))
	}
	var rules []v1alpha1.CustomLocation
	fake := newFake()
	fake.locations = slices.Clone(testLocations)
	for g := range groups / 2 {
		name := fmt.Sprintf("Site %02d", g)
		fake.locations = append(fake.locations, provider.Location{ID: strconv.Itoa(20 + g), Name: name})
		rules = append(rules, v1alpha1.CustomLocation{MachineGroup: fmt.Sprintf("GROUP-%02d", g), Location: name, Department: "Dept " + strconv.Itoa(g%5)})
	}
	psa := fakeBMS{fake}

	first := snapshot(psa, Input{Location: v1alpha1.LocationMapping{Mode: v1alpha1.LocationGroupID}, AccountID: "250", ToolAssets: tool})
	b.Run("GroupID first sync", func(b *testing.B) {
		for b.Loop() {
			if r, err := Plan(first); err != nil || len(r.Creates) != n {
				b.Fatalf("plan: %v, %d creates", err, len(r.Creates))
			}
		}
	})

	custom := Input{Location: v1alpha1.LocationMapping{Mode: v1alpha1.LocationCustom, Custom: rules}, AccountID: "250", ToolAssets: tool}
	in := snapshot(psa, custom)
	plan, err := Plan(in)
	if err != nil {
		b.Fatal(err)
	}
	if c, _ := Apply(context.Background(), psa, in, plan); c.Created != n {
		b.Fatalf("setup apply: %+v", c)
	}
	steady := snapshot(psa, custom)
	b.Run("Custom steady state", func(b *testing.B) {
		for b.Loop() {
			if r, err := Plan(steady); err != nil || r.Unchanged != n {
				b.Fatalf("plan: %v, %d unchanged", err, r.Unchanged)
			}
		}
	})
}
