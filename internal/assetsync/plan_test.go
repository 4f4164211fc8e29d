package assetsync

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/provider"
)

// The account every plan test works in: a main location, two others, two departments.
var (
	testLocations = []provider.Location{
		{ID: "1", Name: "Main Office", IsMain: true},
		{ID: "2", Name: "Headquarters"},
		{ID: "3", Name: "Warehouse"},
	}
	testDepartments = []provider.Department{{ID: "10", Name: "Engineering"}, {ID: "11", Name: "Marketing"}}
	customRules     = []v1alpha1.CustomLocation{
		{MachineGroup: "hq", Location: "headquarters", Department: "Engineering"},
		{MachineGroup: "lab", Location: "Warehouse"},
		{MachineGroup: "ops", Location: "Warehouse", Department: "Operations"},
	}
)

// describe renders a write as "key loc=<id> dept=<id>", with "+name" for a record still to be
// created, so a table can state placements in one line.
func describe(ws []AssetWrite) []string {
	var out []string
	for _, w := range ws {
		loc, dept := w.LocationID, w.DepartmentID
		if loc == "" {
			loc = "+" + w.LocationName
		}
		if dept == "" && w.DepartmentName != "" {
			dept = "+" + w.DepartmentName
		}
		out = append(out, w.ExternalKey+" loc="+loc+" dept="+dept)
	}
	return out
}

type planWant struct {
	createLocations, createDepartments []string
	creates, updates                   []string
	unchanged                          int
	problems                           string // reasons(): "assetID:Reason,..."
}

func checkPlan(t *testing.T, in Input, want planWant) Result {
	t.Helper()
	got, err := Plan(in)
	if err != nil {
		t.Fatalf("Plan: %v", err)
	}
	eq := func(what string, got, want any) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %#v, want %#v", what, got, want)
		}
	}
	eq("CreateLocations", got.CreateLocations, want.createLocations)
	eq("CreateDepartments", got.CreateDepartments, want.createDepartments)
	eq("Creates", describe(got.Creates), want.creates)
	eq("Updates", describe(got.Updates), want.updates)
	eq("Unchanged", got.Unchanged, want.unchanged)
	eq("Problems", reasons(got.Problems), want.problems)
	return got
}

func TestPlanMain(t *testing.T) {
	a1, a2, a3 := toolAsset("1", "hq"), toolAsset("2", "lab"), toolAsset("3", "")
	renamed := mirrored("502", a2, "1", "11")
	renamed.Name = "old-name"
	padded := a1
	padded.Name, padded.IPAddress = "  "+a1.Name+"\t", " "+a1.IPAddress

	tests := []struct {
		name string
		mode v1alpha1.LocationMode
		tool []provider.ToolAsset
		psa  []provider.PSAAsset
		want planWant
	}{{
		name: "first sync creates every asset at the main location",
		mode: v1alpha1.LocationMain,
		tool: []provider.ToolAsset{a2, a1, a3},
		want: planWant{creates: []string{"1 loc=1 dept=", "2 loc=1 dept=", "3 loc=1 dept="}},
	}, {
		name: "empty mode is the CRD default Main",
		tool: []provider.ToolAsset{a1},
		want: planWant{creates: []string{"1 loc=1 dept="}},
	}, {
		name: "unchanged is not written, a renamed asset is updated, hand-written departments stay",
		mode: v1alpha1.LocationMain,
		tool: []provider.ToolAsset{a1, a2},
		psa:  []provider.PSAAsset{mirrored("501", a1, "1", "10"), renamed},
		want: planWant{updates: []string{"2 loc=1 dept=11"}, unchanged: 1},
	}, {
		name: "an asset a person moved goes back to the main location",
		mode: v1alpha1.LocationMain,
		tool: []provider.ToolAsset{a1},
		psa:  []provider.PSAAsset{mirrored("501", a1, "3", "")},
		want: planWant{updates: []string{"1 loc=1 dept="}},
	}, {
		name: "PSA assets without a key or keyed to another organization are left alone",
		mode: v1alpha1.LocationMain,
		tool: []provider.ToolAsset{a1},
		psa: []provider.PSAAsset{
			{ID: "600", AccountID: "250", Name: "printer", LocationID: "3"},
			mirrored("601", toolAsset("999", "x"), "3", ""),
		},
		want: planWant{creates: []string{"1 loc=1 dept="}},
	}, {
		name: "surrounding whitespace in tool values does not cause a write",
		mode: v1alpha1.LocationMain,
		tool: []provider.ToolAsset{padded},
		psa:  []provider.PSAAsset{mirrored("501", a1, "1", "")},
		want: planWant{unchanged: 1},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkPlan(t, Input{
				Location: v1alpha1.LocationMapping{Mode: tc.mode}, AccountID: "250",
				ToolAssets: tc.tool, PSAAssets: tc.psa, Locations: testLocations, Departments: testDepartments,
			}, tc.want)
		})
	}
}

func TestPlanGroupID(t *testing.T) {
	hq, lab, labUpper, annex, none := toolAsset("1", " headquarters "), toolAsset("2", "lab"),
		toolAsset("3", "LAB"), toolAsset("4", "Annex"), toolAsset("5", "")

	tests := []struct {
		name      string
		tool      []provider.ToolAsset
		psa       []provider.PSAAsset
		locations []provider.Location
		want      planWant
	}{{
		name: "an existing location matches case-insensitively after trimming",
		tool: []provider.ToolAsset{hq},
		want: planWant{creates: []string{"1 loc=2 dept="}},
	}, {
		name: "missing group locations are created once, sorted, and assets wait for them by name",
		tool: []provider.ToolAsset{annex, labUpper, lab},
		want: planWant{
			createLocations: []string{"Annex", "LAB"},
			creates:         []string{"2 loc=+LAB dept=", "3 loc=+LAB dept=", "4 loc=+Annex dept="},
		},
	}, {
		name: "an asset without a machine group takes the main location",
		tool: []provider.ToolAsset{none},
		want: planWant{creates: []string{"5 loc=1 dept="}},
	}, {
		name: "a hand-written department is kept and an asset already in place is unchanged",
		tool: []provider.ToolAsset{hq},
		psa:  []provider.PSAAsset{mirrored("501", hq, "2", "11")},
		want: planWant{unchanged: 1},
	}, {
		name: "a location a person renamed is created again and its assets move to it",
		tool: []provider.ToolAsset{lab},
		psa:  []provider.PSAAsset{mirrored("502", lab, "7", "")},
		locations: append(slices.Clone(testLocations),
			provider.Location{ID: "7", Name: "Lab (old building)"}),
		want: planWant{createLocations: []string{"lab"}, updates: []string{"2 loc=+lab dept="}},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			locs := tc.locations
			if locs == nil {
				locs = testLocations
			}
			checkPlan(t, Input{
				Location: v1alpha1.LocationMapping{Mode: v1alpha1.LocationGroupID}, AccountID: "250",
				ToolAssets: tc.tool, PSAAssets: tc.psa, Locations: locs, Departments: testDepartments,
			}, tc.want)
		})
	}
}

func TestPlanCustom(t *testing.T) {
	hq, hqUpper, lab, ops, misc := toolAsset("1", "hq"), toolAsset("2", "HQ"), toolAsset("3", "lab"),
		toolAsset("4", "ops"), toolAsset("5", "misc")

	tests := []struct {
		name        string
		tool        []provider.ToolAsset
		psa         []provider.PSAAsset
		departments []provider.Department
		want        planWant
	}{{
		name:        "listed groups take their location and department, matched case-insensitively",
		tool:        []provider.ToolAsset{hq, hqUpper, lab},
		departments: testDepartments,
		want:        planWant{creates: []string{"1 loc=2 dept=10", "2 loc=2 dept=10", "3 loc=3 dept="}},
	}, {
		name:        "hand-written departments are overwritten, or cleared where the rule has none",
		tool:        []provider.ToolAsset{hq, lab},
		psa:         []provider.PSAAsset{mirrored("501", hq, "2", "11"), mirrored("503", lab, "3", "11")},
		departments: testDepartments,
		want:        planWant{updates: []string{"1 loc=2 dept=10", "3 loc=3 dept="}},
	}, {
		name:        "an unlisted group takes the main location and no department",
		tool:        []provider.ToolAsset{misc},
		psa:         []provider.PSAAsset{mirrored("505", misc, "3", "11")},
		departments: testDepartments,
		want:        planWant{updates: []string{"5 loc=1 dept="}},
	}, {
		name:        "a missing department is created where the PSA has departments",
		tool:        []provider.ToolAsset{ops},
		psa:         []provider.PSAAsset{mirrored("504", ops, "3", "")},
		departments: []provider.Department{},
		want:        planWant{createDepartments: []string{"Operations"}, updates: []string{"4 loc=3 dept=+Operations"}},
	}, {
		name:        "assets already placed by the rules are unchanged",
		tool:        []provider.ToolAsset{hq, lab, misc},
		psa:         []provider.PSAAsset{mirrored("501", hq, "2", "10"), mirrored("503", lab, "3", ""), mirrored("505", misc, "1", "")},
		departments: testDepartments,
		want:        planWant{unchanged: 3},
	}, {
		name: "without departments in the PSA each department rule is reported once and departments are untouched",
		tool: []provider.ToolAsset{hq, hqUpper, misc},
		psa:  []provider.PSAAsset{mirrored("501", hq, "2", "11"), mirrored("505", misc, "1", "11")},
		want: planWant{
			creates:   []string{"2 loc=2 dept="},
			unchanged: 2,
			problems:  ":DepartmentsUnsupported,:DepartmentsUnsupported",
		},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkPlan(t, Input{
				Location:   v1alpha1.LocationMapping{Mode: v1alpha1.LocationCustom, Custom: customRules},
				AccountID:  "250",
				ToolAssets: tc.tool, PSAAssets: tc.psa, Locations: testLocations, Departments: tc.departments,
			}, tc.want)
		})
	}
}

func TestPlanProblems(t *testing.T) {
	noMain := []provider.Location{{ID: "2", Name: "Headquarters"}, {ID: "3", Name: "Warehouse"}}
	gone := []v1alpha1.CustomLocation{{MachineGroup: "hq", Location: "Closed Branch"}}
	dupA, dupB := toolAsset("1", "hq"), toolAsset("1", "lab")

	tests := []struct {
		name      string
		location  v1alpha1.LocationMapping
		tool      []provider.ToolAsset
		psa       []provider.PSAAsset
		locations []provider.Location
		want      planWant
	}{{
		name:     "a custom location missing from the account is a problem for each of its assets, not created",
		location: v1alpha1.LocationMapping{Mode: v1alpha1.LocationCustom, Custom: gone},
		tool:     []provider.ToolAsset{toolAsset("1", "hq"), toolAsset("2", "HQ"), toolAsset("3", "other")},
		want:     planWant{creates: []string{"3 loc=1 dept="}, problems: "1:LocationNotFound,2:LocationNotFound"},
	}, {
		name:      "Main without a main location",
		location:  v1alpha1.LocationMapping{Mode: v1alpha1.LocationMain},
		tool:      []provider.ToolAsset{toolAsset("1", "hq"), toolAsset("2", "lab")},
		locations: noMain,
		want:      planWant{problems: "1:NoMainLocation,2:NoMainLocation"},
	}, {
		name:      "GroupID without a main location fails only assets without a group",
		location:  v1alpha1.LocationMapping{Mode: v1alpha1.LocationGroupID},
		tool:      []provider.ToolAsset{toolAsset("1", "Warehouse"), toolAsset("2", "")},
		locations: noMain,
		want:      planWant{creates: []string{"1 loc=3 dept="}, problems: "2:NoMainLocation"},
	}, {
		name:      "Custom without a main location fails only unlisted groups",
		location:  v1alpha1.LocationMapping{Mode: v1alpha1.LocationCustom, Custom: customRules},
		tool:      []provider.ToolAsset{toolAsset("1", "lab"), toolAsset("2", "misc")},
		locations: noMain,
		want:      planWant{creates: []string{"1 loc=3 dept="}, problems: "2:NoMainLocation"},
	}, {
		name:     "a tool asset without an id, and a second listing of one id, are not synced",
		location: v1alpha1.LocationMapping{Mode: v1alpha1.LocationMain},
		tool:     []provider.ToolAsset{dupA, toolAsset("", "hq"), dupB},
		want:     planWant{creates: []string{"1 loc=1 dept="}, problems: "1:DuplicateToolAsset,:InvalidToolAsset"},
	}, {
		name:     "several PSA assets with one key: the lowest id is synced and a person is told",
		location: v1alpha1.LocationMapping{Mode: v1alpha1.LocationMain},
		tool:     []provider.ToolAsset{toolAsset("1", "hq")},
		psa: []provider.PSAAsset{
			mirrored("10", toolAsset("1", "hq"), "3", ""),
			mirrored("9", toolAsset("1", "hq"), "3", ""),
		},
		want: planWant{updates: []string{"1 loc=1 dept="}, problems: "1:DuplicatePSAAsset"},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			locs := tc.locations
			if locs == nil {
				locs = testLocations
			}
			got := checkPlan(t, Input{
				Location: tc.location, AccountID: "250", ToolAssets: tc.tool, PSAAssets: tc.psa,
				Locations: locs, Departments: testDepartments,
			}, tc.want)
			for _, u := range got.Updates {
				if u.ID != "9" {
					t.Errorf("update targets PSA asset %s, want the lowest id 9", u.ID)
				}
			}
			for _, p := range got.Problems {
				if p.Message == "" {
					t.Errorf("problem %+v has no message", p)
				}
			}
		})
	}
}

func TestPlanRejectsInvalidInput(t *testing.T) {
	for name, in := range map[string]Input{
		"unknown mode":     {Location: v1alpha1.LocationMapping{Mode: "Nearest"}, AccountID: "250"},
		"empty account id": {Location: v1alpha1.LocationMapping{Mode: v1alpha1.LocationMain}, AccountID: " "},
	} {
		if _, err := Plan(in); err == nil {
			t.Errorf("%s: Plan returned no error", name)
		}
	}
}

// A status derived from the plan must not change because a vendor listed records in another
// order, or the controller would rewrite it every sync.
func TestPlanIgnoresListingOrder(t *testing.T) {
	var tool []provider.ToolAsset
	var psa []provider.PSAAsset
	groups := []string{"hq", "HQ", "lab", "ops", "misc", "Annex", "annex", ""}
	for i := range 40 {
		a := toolAsset(strings.Repeat("1", i%3+1)+string(rune('0'+i%10))+string(rune('a'+i/10)), groups[i%len(groups)])
		tool = append(tool, a)
		if i%2 == 0 {
			psa = append(psa, mirrored(string(rune('0'+i%10))+"9", a, "3", "11"))
		}
	}
	locs := append(slices.Clone(testLocations), provider.Location{ID: "12", Name: "warehouse"})
	for _, loc := range []v1alpha1.LocationMapping{
		{Mode: v1alpha1.LocationGroupID},
		{Mode: v1alpha1.LocationCustom, Custom: customRules},
	} {
		in := Input{Location: loc, AccountID: "250", ToolAssets: tool, PSAAssets: psa, Locations: locs, Departments: []provider.Department{}}
		want, err := Plan(in)
		if err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(1, 2))
		for range 20 {
			sh := in
			sh.ToolAssets, sh.PSAAssets, sh.Locations = slices.Clone(tool), slices.Clone(psa), slices.Clone(locs)
			r.Shuffle(len(sh.ToolAssets), func(i, j int) { sh.ToolAssets[i], sh.ToolAssets[j] = sh.ToolAssets[j], sh.ToolAssets[i] })
			r.Shuffle(len(sh.PSAAssets), func(i, j int) { sh.PSAAssets[i], sh.PSAAssets[j] = sh.PSAAssets[j], sh.PSAAssets[i] })
			r.Shuffle(len(sh.Locations), func(i, j int) { sh.Locations[i], sh.Locations[j] = sh.Locations[j], sh.Locations[i] })
			got, err := Plan(sh)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s: plan depends on listing order:\n got %+v\nwant %+v", loc.Mode, got, want)
			}
		}
	}
}

func TestNameKeyMatchesEqualFold(t *testing.T) {
	pairs := [][2]string{
		{"HQ", " hq "}, {"Straße", "STRASSE"}, {"Kelvin", "\u212Aelvin"}, {"ǅ", "ǆ"}, {"\xff", "\xfe"}, {"Σ", "ς"}, {"a b", "ab"},
	}
	for _, p := range pairs {
		want := strings.EqualFold(strings.TrimSpace(p[0]), strings.TrimSpace(p[1]))
		if got := nameKey(p[0]) == nameKey(p[1]); got != want {
			t.Errorf("nameKey(%q) == nameKey(%q) is %v, EqualFold says %v", p[0], p[1], got, want)
		}
	}
}

func TestCompareIDs(t *testing.T) {
	ids := []string{"b", "10", "9", "", "1a", "2", "a"}
	slices.SortFunc(ids, compareIDs)
	if want := []string{"2", "9", "10", "", "1a", "a", "b"}; !slices.Equal(ids, want) {
		t.Errorf("sorted ids = %q, want %q", ids, want)
	}
}
