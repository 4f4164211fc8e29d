package plan

import (
	"reflect"
	"testing"

	"github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/provider"
)

func TestUnmatchedCarrySuggestionsOfFreeRecords(t *testing.T) {
	tools := orgs("1:Jones Smith Dental", "2:Summit Dental", "3:Acme")
	tools[1].Profile.Website = "www.summitdental.com"
	psa := accts("10:Smith & Jones Dental PLLC", "11:Summit Dental Lab", "12:Summit Dental Group", "13:Acme Inc", "14:Unrelated Bakery")
	psa[2].Profile.Email = "office@summitdental.com"
	// A manual mapping holds "Summit Dental Group": it is never suggested.
	in := Input{Policy: policy(nil), ToolOrgs: tools, PSAAccounts: psa,
		Mappings: []v1alpha1.AccountMapping{am("held", 0, "99", "12")}}
	res := mustCompute(t, in)

	got := map[string][]v1alpha1.ScoredRecord{}
	for _, u := range res.Unmatched {
		got[string(u.Side)+":"+u.ID] = u.Suggestions
	}
	if s := got["Tool:1"]; len(s) == 0 || s[0].ID != "10" || s[0].Score < 90 {
		t.Errorf("Jones Smith Dental: suggestions %+v, want account 10 first with a high score", s)
	}
	for _, s := range got["Tool:2"] {
		if s.ID == "12" {
			t.Errorf("Summit Dental: held account 12 suggested: %+v", got["Tool:2"])
		}
	}
	if s := got["Tool:2"]; len(s) == 0 || s[0].ID != "11" || s[0].Score >= 80 {
		t.Errorf("Summit Dental: suggestions %+v, want Summit Dental Lab below 80", s)
	}
	// Acme / Acme Inc match by key and are linked, so neither is listed nor suggested.
	if _, ok := got["Tool:3"]; ok {
		t.Errorf("linked record listed as unmatched")
	}
	for k, s := range got {
		for _, x := range s {
			if x.ID == "13" || x.ID == "3" {
				t.Errorf("%s: linked record suggested: %+v", k, s)
			}
		}
	}
	// The PSA side gets suggestions from the tool side.
	if s := got["PSA:11"]; len(s) == 0 || s[0].ID != "2" {
		t.Errorf("Summit Dental Lab: suggestions %+v, want organization 2", s)
	}
}

func TestAutoLinkScore(t *testing.T) {
	tools := orgs("1:Jones Smith Dental", "2:Summit Dental", "3:Johnson Plumbing", "4:Jonsson Plumbing")
	psa := accts("10:Smith & Jones Dental PLLC", "11:Summit Dental Lab", "12:Jonson Plumbing")
	withScore := func(score int32) *v1alpha1.SyncPolicy {
		return policy(func(s *v1alpha1.SyncPolicySpec) { s.Matching.AutoLinkScore = score })
	}

	// Off by default: nothing links.
	if res := mustCompute(t, Input{Policy: withScore(0), ToolOrgs: tools, PSAAccounts: psa}); len(res.Ensure) != 0 {
		t.Fatalf("autoLinkScore 0 linked %+v", res.Ensure)
	}

	res := mustCompute(t, Input{Policy: withScore(85), ToolOrgs: tools, PSAAccounts: psa})
	// Only Jones Smith Dental ↔ Smith & Jones Dental: Summit Dental Lab scores below 85, and
	// Jonson Plumbing has two organizations at or above 85 (Johnson and Jonsson).
	want := []MappingSpec{{Name: "p-org-1", ToolOrganizationID: "1", PSAAccountID: "10",
		ToolName: "Jones Smith Dental", PSAName: "Smith & Jones Dental PLLC", SuggestedScore: res.Ensure[0].SuggestedScore}}
	if !reflect.DeepEqual(res.Ensure, want) || want[0].SuggestedScore < 85 {
		t.Fatalf("Ensure = %+v, want %+v with a score of at least 85", res.Ensure, want)
	}
	if res.Counts.Mapped != 1 || countActions(res.Plan)[v1alpha1.ActionLink] != 1 {
		t.Errorf("counts %+v, plan %+v", res.Counts, res.Plan)
	}
	for _, u := range res.Unmatched {
		if u.ID == "1" || u.ID == "10" {
			t.Errorf("auto-linked record still unmatched: %+v", u)
		}
	}

	// Import mode: an auto-link wins over creating a counterpart.
	imp := withScore(85)
	imp.Spec.Mode = v1alpha1.ModeImport
	res = mustCompute(t, Input{Policy: imp, ToolOrgs: tools, PSAAccounts: psa})
	for _, e := range res.Ensure {
		if e.ToolOrganizationID == "1" && (e.CreatePSA || e.PSAAccountID != "10") {
			t.Errorf("Import: organization 1 got %+v, want the auto-link to 10", e)
		}
	}
}

func TestAmbiguousCandidatesRanked(t *testing.T) {
	tools := []provider.Organization{{ID: "1", Name: "Acme", Profile: provider.Profile{Phone: "+1 555 010 2000"}}}
	psa := accts("10:ACME", "11:Acme Inc")
	psa[1].Profile.Phone = "(555) 010-2000"
	res := mustCompute(t, Input{Policy: policy(nil), ToolOrgs: tools, PSAAccounts: psa})
	if len(res.Ambiguous) != 1 {
		t.Fatalf("ambiguous = %+v", res.Ambiguous)
	}
	c := res.Ambiguous[0].Candidates
	if len(c) != 2 || c[0].ID != "11" || !reflect.DeepEqual(c[0].Signals, []v1alpha1.Signal{v1alpha1.SignalName, v1alpha1.SignalPhone}) {
		t.Errorf("candidates = %+v, want 11 (same phone) first", c)
	}
}
