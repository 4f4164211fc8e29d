package plan

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/provider"
)

// asMappings turns a plan's Ensure list into the generated mappings the controller would have
// written, created age minutes after epoch, with empty status.
func asMappings(specs []MappingSpec, age int) []v1alpha1.AccountMapping {
	out := make([]v1alpha1.AccountMapping, 0, len(specs))
	for _, s := range specs {
		tool, psa := s.ToolOrganizationID, s.PSAAccountID
		if s.CreateTool {
			tool = "+"
		}
		if s.CreatePSA {
			psa = "+"
		}
		out = append(out, gen(s.Name, age, tool, psa))
	}
	return out
}

func mustCompute(t *testing.T, in Input) Result {
	t.Helper()
	res, err := Compute(in)
	if err != nil {
		t.Fatalf("Compute: %v", err)
	}
	return res
}

func countActions(plan []v1alpha1.PlanItem) map[v1alpha1.PlanAction]int {
	m := map[v1alpha1.PlanAction]int{}
	for _, p := range plan {
		m[p.Action]++
	}
	return m
}

// TestSeedKaseyaVSABulkImport follows the Kaseya BMS seed: VSA organizations are bulk imported
// into BMS accounts, 100 records in one go, and a cleared mapping is re-created by the next
// import.
func TestSeedKaseyaVSABulkImport(t *testing.T) {
	pol := policy(mode(v1alpha1.ModeImport))
	var tools []provider.Organization
	for i := range 250 {
		tools = append(tools, provider.Organization{ID: fmt.Sprint(1000 + i), Name: fmt.Sprintf("Customer %03d", i)})
	}

	// Sync 1: 100 creations handed out, 150 deferred; all 250 are pending.
	r1 := mustCompute(t, Input{Policy: pol, ToolOrgs: tools})
	if got := countActions(r1.Plan); got[v1alpha1.ActionCreatePSAAccount] != 100 || len(r1.Plan) != 100 {
		t.Fatalf("sync 1 plan = %v, want 100 CreatePSAAccount", got)
	}
	if len(r1.Ensure) != 100 || r1.Deferred != 150 || r1.Counts.PendingCreate != 250 {
		t.Fatalf("sync 1: ensure=%d deferred=%d pending=%d, want 100/150/250", len(r1.Ensure), r1.Deferred, r1.Counts.PendingCreate)
	}
	if r1.Ensure[0].Name != "p-org-1000" || !r1.Ensure[0].CreatePSA || r1.Ensure[99].Name != "p-org-1099" {
		t.Fatalf("sync 1 creates the first 100 in listing order, got %+v … %+v", r1.Ensure[0], r1.Ensure[99])
	}

	// Sync 2, before any create finished: the 100 pending fill the batch; nothing new.
	pending := asMappings(r1.Ensure, 1)
	r2 := mustCompute(t, Input{Policy: pol, ToolOrgs: tools, Mappings: pending})
	if len(r2.Plan) != 0 || len(r2.Ensure) != 100 || r2.Deferred != 150 || r2.Counts.PendingCreate != 250 {
		t.Fatalf("sync 2: plan=%d ensure=%d deferred=%d pending=%d, want 0/100/150/250",
			len(r2.Plan), len(r2.Ensure), r2.Deferred, r2.Counts.PendingCreate)
	}
	if !reflect.DeepEqual(r2.Ensure, r1.Ensure) {
		t.Fatal("sync 2 must ensure the pending mappings unchanged")
	}

	// Sync 3: the 100 accounts exist and the mappings' status shows them; the next 100 go out.
	var accounts []provider.Account
	for i := range pending {
		id := fmt.Sprint(5000 + i)
		pending[i] = withStatus(pending[i], "", id)
		accounts = append(accounts, provider.Account{ID: id, Name: fmt.Sprintf("Customer %03d", i)})
	}
	r3 := mustCompute(t, Input{Policy: pol, ToolOrgs: tools, PSAAccounts: accounts, Mappings: pending})
	if got := countActions(r3.Plan); got[v1alpha1.ActionCreatePSAAccount] != 100 || len(r3.Plan) != 100 {
		t.Fatalf("sync 3 plan = %v, want 100 CreatePSAAccount", got)
	}
	if r3.Deferred != 50 || r3.Counts.Mapped != 100 || r3.Counts.PendingCreate != 150 || r3.Counts.Unmatched != 0 {
		t.Fatalf("sync 3: deferred=%d counts=%+v, want deferred 50, mapped 100, pending 150", r3.Deferred, r3.Counts)
	}
	if e := r3.Ensure[0]; e.Name != "p-org-1000" || e.CreatePSA || e.PSAAccountID != "5000" {
		t.Fatalf("sync 3 converges create:true to the created id, got %+v", e)
	}

	// A person clears the mapping of Customer 007: the next import links it again by name
	// under the same mapping name, without creating a second account.
	cleared := append(append([]v1alpha1.AccountMapping(nil), pending[:7]...), pending[8:]...)
	cleared = append(cleared, asMappings(r3.Ensure[100:], 2)...)
	r4 := mustCompute(t, Input{Policy: pol, ToolOrgs: tools, PSAAccounts: accounts, Mappings: cleared})
	wantLink := v1alpha1.PlanItem{Action: v1alpha1.ActionLink, ToolOrganizationID: "1007", PSAAccountID: "5007",
		Name: "Customer 007", Mapping: "p-org-1007"}
	if len(r4.Plan) == 0 || r4.Plan[0] != wantLink {
		t.Fatalf("sync 4 first action = %+v, want %+v", r4.Plan, wantLink)
	}
	if got := countActions(r4.Plan); got[v1alpha1.ActionCreatePSAAccount] != 0 {
		t.Fatalf("sync 4 must create nothing while 100 creates are pending, got %v", got)
	}
}

// TestSeedConnectWiseFilteredCompanies follows the ConnectWise seed: of 50,000 companies only
// the 1,500 active clients take part (status/type filter on the server), duplicates and former
// clients are left out by name, and organizations map onto what is left.
func TestSeedConnectWiseFilteredCompanies(t *testing.T) {
	pol := policy(func(s *v1alpha1.SyncPolicySpec) {
		s.PSA.Filter = v1alpha1.PSAFilter{Statuses: []string{"Active"}, Types: []string{"Client"},
			ExcludeNamePattern: `(?i)^zz|\(duplicate\)$`}
	})
	var tools []provider.Organization
	var accounts []provider.Account
	for i := range 1500 {
		name := fmt.Sprintf("Client %04d", i)
		switch i % 100 {
		case 0:
			name = "ZZ Former " + name
		case 1:
			name += " (Duplicate)"
		default:
			tools = append(tools, provider.Organization{ID: fmt.Sprint(i), Name: name + ", Inc."})
		}
		accounts = append(accounts, provider.Account{ID: fmt.Sprint(90000 + i), Name: name, Status: "Active", Types: []string{"Client"}})
	}
	res := mustCompute(t, Input{Policy: pol, ToolOrgs: tools, PSAAccounts: accounts, PSAFilteredOutServer: 48500})
	want := v1alpha1.SyncCounts{ToolOrganizations: 1470, PSAAccounts: 1470, PSAAccountsFilteredOut: 48530, Mapped: 1470}
	if res.Counts != want {
		t.Fatalf("counts = %+v, want %+v", res.Counts, want)
	}
	if got := countActions(res.Plan); got[v1alpha1.ActionLink] != 1470 || len(res.Plan) != 1470 {
		t.Fatalf("plan = %v, want 1470 links", got)
	}
}

// TestSeedHaloPSAGravityZoneExport follows the GravityZone seed: HaloPSA clients are mapped to
// existing GravityZone companies that are not part of another mapping, or a company is created
// with the client's name.
func TestSeedHaloPSAGravityZoneExport(t *testing.T) {
	pol := policy(func(s *v1alpha1.SyncPolicySpec) {
		s.Mode = v1alpha1.ModeExport
		s.Creation.OnNameConflict = v1alpha1.ConflictPrefix
		s.Creation.NamePrefix = "SanFrancisco_"
	})
	halo := accts("1:Bitdefender", "2:Contoso Ltd", "3:Fabrikam")
	gz := orgs("g9:BD Headquarters", "g2:Bitdefender", "g1:CONTOSO", "g5:Northwind")
	manual := am("bitdefender", 0, "g9", "1") // a person mapped Bitdefender to its HQ company
	res := mustCompute(t, Input{Policy: pol, ToolOrgs: gz, PSAAccounts: halo, Mappings: []v1alpha1.AccountMapping{manual}})
	want := view{
		Ensure:    list("p-acct-3 +/3", "p-org-g1 g1/2"),
		Unmatched: list("Tool:g2", "Tool:g5"),
		Plan: list("Link p-org-g1 g1/2", "CreateToolOrganization p-acct-3 /3",
			"FlagUnmatched  g2/", "FlagUnmatched  g5/"),
		Counts: counts{ToolOrganizations: 4, PSAAccounts: 3, Mapped: 2, PendingCreate: 1, Unmatched: 2},
	}
	if got := render(res); !reflect.DeepEqual(got, want) {
		t.Fatalf("Compute() =\n%s\nwant\n%s", dump(got), dump(want))
	}
}

// TestSeedManualWinsThenGeneratedReturns walks the mapping life cycle across syncs: a generated
// link, a person's manual mapping replacing it, and the generated link coming back once the
// manual one is deleted, unless the organization is excluded.
func TestSeedManualWinsThenGeneratedReturns(t *testing.T) {
	pol := policy(nil)
	tools := orgs("1:Acme")
	psa := accts("10:Acme", "11:Acme Holdings")

	r1 := mustCompute(t, Input{Policy: pol, ToolOrgs: tools, PSAAccounts: psa})
	if got := render(r1).Ensure; !reflect.DeepEqual(got, list("p-org-1 1/10")) {
		t.Fatalf("sync 1 ensure = %v", got)
	}
	generated := withStatus(asMappings(r1.Ensure, 0)[0], "1", "10")

	manual := am("acme-by-hand", 10, "1", "11")
	r2 := mustCompute(t, Input{Policy: pol, ToolOrgs: tools, PSAAccounts: psa,
		Mappings: []v1alpha1.AccountMapping{generated, manual}})
	if !reflect.DeepEqual(r2.Remove, list("p-org-1")) || len(r2.Ensure) != 0 || r2.Counts.Mapped != 1 {
		t.Fatalf("sync 2: remove=%v ensure=%v mapped=%d, want the generated mapping removed", r2.Remove, r2.Ensure, r2.Counts.Mapped)
	}

	r3 := mustCompute(t, Input{Policy: pol, ToolOrgs: tools, PSAAccounts: psa})
	if !reflect.DeepEqual(r3.Ensure, r1.Ensure) {
		t.Fatalf("sync 3 ensure = %+v, want the deleted generated mapping back: %+v", r3.Ensure, r1.Ensure)
	}

	excluded := policy(excludeTool("1"))
	r4 := mustCompute(t, Input{Policy: excluded, ToolOrgs: tools, PSAAccounts: psa})
	if len(r4.Ensure) != 0 || r4.Counts.Excluded != 1 {
		t.Fatalf("sync 4: ensure=%v excluded=%d, want nothing back", r4.Ensure, r4.Counts.Excluded)
	}
}
