package assetsync

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/provider"
)

// seededFake is an account as a person left it: the test locations and departments, one asset
// mirrored before its name changed in the tool, one at a hand-picked location with a
// hand-written department, and a PSA asset the tool does not know.
func seededFake(withDepartments bool) (Capabilities, *fakePSA) {
	f := newFake()
	f.locations = slices.Clone(testLocations)
	stale := mirrored("501", toolAsset("1", "hq"), "3", "11")
	stale.Name = "old-name"
	f.assets = []provider.PSAAsset{
		stale,
		mirrored("502", toolAsset("2", "lab"), "2", "11"),
		{ID: "600", AccountID: "250", Name: "printer", LocationID: "3", DepartmentID: "11"},
	}
	// The department records stay in the store either way so a test can name an id a person
	// wrote; only fakeBMS offers them through DepartmentManager.
	f.departments = slices.Clone(testDepartments)
	if withDepartments {
		return fakeBMS{f}, f
	}
	return f, f
}

var mixedTool = []provider.ToolAsset{
	toolAsset("1", "hq"), toolAsset("2", "lab"), toolAsset("3", "ops"), toolAsset("4", "misc"), toolAsset("5", "HQ"),
}

func TestApplyThenPlanIsNoOp(t *testing.T) {
	tests := []struct {
		name            string
		location        v1alpha1.LocationMapping
		withDepartments bool
		want            v1alpha1.AssetCounts
		// placed is where each tool asset must end up: "location/department" names.
		placed map[string]string
	}{{
		name:     "Main",
		location: v1alpha1.LocationMapping{Mode: v1alpha1.LocationMain},
		want:     v1alpha1.AssetCounts{Total: 5, Created: 3, Updated: 2},
		placed: map[string]string{"1": "Main Office/Marketing", "2": "Main Office/Marketing",
			"3": "Main Office/", "4": "Main Office/", "5": "Main Office/"},
	}, {
		name:            "GroupID",
		location:        v1alpha1.LocationMapping{Mode: v1alpha1.LocationGroupID},
		withDepartments: true,
		want:            v1alpha1.AssetCounts{Total: 5, Created: 3, Updated: 2},
		// "HQ" and "hq" are one location, created with the byte-wise smaller spelling.
		placed: map[string]string{"1": "HQ/Marketing", "2": "lab/Marketing", "3": "ops/", "4": "misc/",
			"5": "HQ/"},
	}, {
		name:            "Custom with departments",
		location:        v1alpha1.LocationMapping{Mode: v1alpha1.LocationCustom, Custom: customRules},
		withDepartments: true,
		want:            v1alpha1.AssetCounts{Total: 5, Created: 3, Updated: 2},
		placed: map[string]string{"1": "Headquarters/Engineering", "2": "Warehouse/",
			"3": "Warehouse/Operations", "4": "Main Office/", "5": "Headquarters/Engineering"},
	}, {
		name:     "Custom on a PSA without departments",
		location: v1alpha1.LocationMapping{Mode: v1alpha1.LocationCustom, Custom: customRules},
		want:     v1alpha1.AssetCounts{Total: 5, Created: 3, Updated: 2},
		placed: map[string]string{"1": "Headquarters/Marketing", "2": "Warehouse/Marketing",
			"3": "Warehouse/", "4": "Main Office/", "5": "Headquarters/"},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			psa, f := seededFake(tc.withDepartments)
			base := Input{Location: tc.location, AccountID: "250", ToolAssets: mixedTool}

			in := snapshot(psa, base)
			plan, err := Plan(in)
			if err != nil {
				t.Fatal(err)
			}
			counts, problems := Apply(ctx, psa, in, plan)
			if counts != tc.want {
				t.Errorf("counts = %+v, want %+v", counts, tc.want)
			}
			for _, p := range problems {
				if p.Reason != ReasonDepartmentsUnsupported {
					t.Errorf("unexpected problem %+v", p)
				}
			}
			for key, want := range tc.placed {
				a, ok := f.asset(key)
				if !ok {
					t.Errorf("asset %s was not created", key)
					continue
				}
				if got := f.locationName(a.LocationID) + "/" + f.departmentName(a.DepartmentID); got != want {
					t.Errorf("asset %s placed at %q, want %q", key, got, want)
				}
				if tool := mixedTool[slices.IndexFunc(mixedTool, func(t provider.ToolAsset) bool { return t.ID == key })]; a.Name != tool.Name {
					t.Errorf("asset %s name = %q, want %q", key, a.Name, tool.Name)
				}
			}
			if printer := f.assets[2]; printer.ID != "600" || printer.LocationID != "3" || printer.DepartmentID != "11" {
				t.Errorf("a PSA asset the tool does not know was changed: %+v", printer)
			}

			writes := f.writes()
			in = snapshot(psa, base)
			again, err := Plan(in)
			if err != nil {
				t.Fatal(err)
			}
			if again.HasWrites() || again.Unchanged != len(mixedTool) {
				t.Fatalf("second plan is not a no-op: %+v", again)
			}
			counts, _ = Apply(ctx, psa, in, again)
			if want := (v1alpha1.AssetCounts{Total: 5, Unchanged: 5}); counts != want || f.writes() != writes {
				t.Errorf("second apply: counts %+v, %d new writes; want %+v and none", counts, f.writes()-writes, want)
			}
		})
	}
}

// The seed: "If you make any manual modifications to this imported location in CRM, on the next
// sync the Group Id will re-added to the list of locations."
func TestApplyRecreatesRenamedGroupLocation(t *testing.T) {
	ctx := context.Background()
	f := newFake()
	f.locations = slices.Clone(testLocations)
	base := Input{Location: v1alpha1.LocationMapping{Mode: v1alpha1.LocationGroupID}, AccountID: "250",
		ToolAssets: []provider.ToolAsset{toolAsset("1", "Lab"), toolAsset("2", "lab")}}

	sync := func() (Result, v1alpha1.AssetCounts) {
		in := snapshot(f, base)
		plan, err := Plan(in)
		if err != nil {
			t.Fatal(err)
		}
		counts, problems := Apply(ctx, f, in, plan)
		if len(problems) > 0 {
			t.Fatalf("problems: %+v", problems)
		}
		return plan, counts
	}

	plan, _ := sync()
	if !slices.Equal(plan.CreateLocations, []string{"Lab"}) {
		t.Fatalf("first sync creates locations %q, want [Lab]", plan.CreateLocations)
	}
	a, _ := f.asset("1")
	first := a.LocationID

	// A person renames the imported location.
	for i := range f.locations {
		if f.locations[i].ID == first {
			f.locations[i].Name = "Lab (Building 7)"
		}
	}
	plan, counts := sync()
	if !slices.Equal(plan.CreateLocations, []string{"Lab"}) {
		t.Fatalf("after the rename the sync creates %q, want [Lab] again", plan.CreateLocations)
	}
	if counts.Updated != 2 {
		t.Errorf("counts = %+v, want both assets moved", counts)
	}
	for _, key := range []string{"1", "2"} {
		a, _ := f.asset(key)
		if a.LocationID == first || f.locationName(a.LocationID) != "Lab" {
			t.Errorf("asset %s is at %q (%s), want the re-created Lab", key, f.locationName(a.LocationID), a.LocationID)
		}
	}
	if plan, _ = sync(); plan.HasWrites() {
		t.Errorf("third sync writes: %+v", plan)
	}
}

func TestApplyRecordsFailuresWithoutStopping(t *testing.T) {
	ctx := context.Background()
	f := newFake()
	f.locations = slices.Clone(testLocations)
	f.assets = []provider.PSAAsset{mirrored("501", toolAsset("4", "Moved"), "2", ""), mirrored("502", toolAsset("5", "Warehouse"), "2", "")}
	boom := provider.Errorf(provider.KindTransient, "CreateAsset", "HTTP 503")
	f.failCreate = map[string]error{"2": boom}
	f.failUpdate = map[string]error{"5": provider.Errorf(provider.KindInvalid, "UpdateAsset", "bad serial")}
	f.failLocation = map[string]error{"Annex": provider.Errorf(provider.KindNameConflict, "CreateLocation", "inactive location Annex")}

	in := snapshot(f, Input{Location: v1alpha1.LocationMapping{Mode: v1alpha1.LocationGroupID}, AccountID: "250",
		ToolAssets: []provider.ToolAsset{
			toolAsset("1", "Warehouse"), // created
			toolAsset("2", "Warehouse"), // create fails
			toolAsset("3", "Annex"),     // its location cannot be created
			toolAsset("4", "Moved"),     // location created, asset updated
			toolAsset("5", "Warehouse"), // update fails
			toolAsset("", "Warehouse"),  // the plan cannot key it
		}})
	plan, err := Plan(in)
	if err != nil {
		t.Fatal(err)
	}
	counts, problems := Apply(ctx, f, in, plan)
	if want := (v1alpha1.AssetCounts{Total: 6, Created: 1, Updated: 1, Failed: 4}); counts != want {
		t.Errorf("counts = %+v, want %+v", counts, want)
	}
	if got, want := reasons(problems), ":InvalidToolAsset,2:AssetCreateFailed,3:LocationCreateFailed,5:AssetUpdateFailed"; got != want {
		t.Errorf("problems = %s, want %s", got, want)
	}
	for _, p := range problems {
		if p.AssetID == "2" && !strings.Contains(p.Message, "HTTP 503") || p.AssetID == "3" && !strings.Contains(p.Message, "inactive location Annex") {
			t.Errorf("problem %+v does not carry its cause", p)
		}
	}
	if a, ok := f.asset("1"); !ok || f.locationName(a.LocationID) != "Warehouse" {
		t.Errorf("asset 1 not created at Warehouse: %+v", a)
	}
	if a, _ := f.asset("4"); f.locationName(a.LocationID) != "Moved" {
		t.Errorf("asset 4 not moved to the created location: %+v", a)
	}

	// Once the PSA recovers, the next sync finishes the job and makes nothing twice.
	f.failCreate, f.failUpdate, f.failLocation = nil, nil, nil
	in = snapshot(f, in)
	plan, _ = Plan(in)
	counts, _ = Apply(ctx, f, in, plan)
	if want := (v1alpha1.AssetCounts{Total: 6, Created: 2, Updated: 1, Unchanged: 2, Failed: 1}); counts != want {
		t.Errorf("recovery counts = %+v, want %+v", counts, want)
	}
	if len(f.assets) != 5 {
		t.Errorf("PSA holds %d assets, want 5", len(f.assets))
	}
}

func TestApplyStopsCallingWhenCancelled(t *testing.T) {
	f := newFake()
	f.locations = slices.Clone(testLocations)
	in := snapshot(f, Input{Location: v1alpha1.LocationMapping{Mode: v1alpha1.LocationGroupID}, AccountID: "250",
		ToolAssets: []provider.ToolAsset{toolAsset("1", "Warehouse"), toolAsset("2", "New")}})
	plan, _ := Plan(in)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	counts, problems := Apply(ctx, f, in, plan)
	if f.writes() != 0 {
		t.Errorf("a cancelled apply made %d writes", f.writes())
	}
	if want := (v1alpha1.AssetCounts{Total: 2, Failed: 2}); counts != want || len(problems) != 2 {
		t.Errorf("counts = %+v, problems %+v; want %+v and two problems", counts, problems, want)
	}
	for _, p := range problems {
		if !strings.Contains(p.Message, context.Canceled.Error()) {
			t.Errorf("problem %+v does not say the sync was cancelled", p)
		}
	}
}

// A plan asking for departments against a client without them fails only the assets that need
// one; it never drops their department silently.
func TestApplyDepartmentsNeedTheCapability(t *testing.T) {
	f := newFake()
	f.locations = slices.Clone(testLocations)
	in := snapshot(f, Input{Location: v1alpha1.LocationMapping{Mode: v1alpha1.LocationCustom, Custom: customRules},
		AccountID: "250", ToolAssets: []provider.ToolAsset{toolAsset("1", "ops"), toolAsset("2", "lab")}})
	in.Departments = []provider.Department{} // the caller claims departments the client lacks
	plan, _ := Plan(in)
	counts, problems := Apply(context.Background(), f, in, plan)
	if want := (v1alpha1.AssetCounts{Total: 2, Created: 1, Failed: 1}); counts != want {
		t.Errorf("counts = %+v, want %+v", counts, want)
	}
	if got := reasons(problems); got != "1:DepartmentCreateFailed" {
		t.Errorf("problems = %s", got)
	}
}
