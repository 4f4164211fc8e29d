package plan

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/provider"
)

type counts = v1alpha1.SyncCounts

func TestCompute(t *testing.T) {
	first := func(s *v1alpha1.SyncPolicySpec) { s.Matching.OnMultipleMatches = v1alpha1.MultipleFirst }
	exact := func(s *v1alpha1.SyncPolicySpec) { s.Matching.Name = v1alpha1.MatchExact }
	both := func(edits ...func(*v1alpha1.SyncPolicySpec)) func(*v1alpha1.SyncPolicySpec) {
		return func(s *v1alpha1.SyncPolicySpec) {
			for _, e := range edits {
				e(s)
			}
		}
	}
	batch := func(n int32) func(*v1alpha1.SyncPolicySpec) {
		return func(s *v1alpha1.SyncPolicySpec) { s.Creation.BatchSize = n }
	}
	referenced := func(s *v1alpha1.SyncPolicySpec) { s.CreateWhen = v1alpha1.CreateReferenced }
	notController := func(m v1alpha1.AccountMapping) v1alpha1.AccountMapping {
		f := false
		m.OwnerReferences[0].Controller = &f
		return m
	}

	tests := []struct {
		name     string
		policy   func(*v1alpha1.SyncPolicySpec)
		tools    []provider.Organization
		psa      []provider.Account
		server   int
		assets   map[string]bool
		mappings []v1alpha1.AccountMapping
		want     view
	}{
		// Matching.
		{
			name:  "one organization and one account with the same normalised name link",
			tools: orgs("1:Acme, Inc."), psa: accts("10:ACME INC"),
			want: view{Ensure: list("p-org-1 1/10"), Plan: list("Link p-org-1 1/10"),
				Counts: counts{ToolOrganizations: 1, PSAAccounts: 1, Mapped: 1}},
		},
		{
			name:   "Exact: different punctuation and suffixes do not match",
			policy: exact,
			tools:  orgs("1:Acme, Inc."), psa: accts("10:ACME INC", "11:acme"),
			want: view{Unmatched: list("Tool:1", "PSA:10", "PSA:11"),
				Plan:   list("FlagUnmatched  /10", "FlagUnmatched  /11", "FlagUnmatched  1/"),
				Counts: counts{ToolOrganizations: 1, PSAAccounts: 2, Unmatched: 3}},
		},
		{
			name:   "Exact: case and white space do not matter",
			policy: exact,
			tools:  orgs("1:Acme, Inc."), psa: accts("10: ACME,   INC. "),
			want: view{Ensure: list("p-org-1 1/10"), Plan: list("Link p-org-1 1/10"),
				Counts: counts{ToolOrganizations: 1, PSAAccounts: 1, Mapped: 1}},
		},
		{
			name:  "Normalized: Acme, Inc. finds both ACME INC and acme, so it is ambiguous",
			tools: orgs("1:Acme, Inc."), psa: accts("10:ACME INC", "11:acme"),
			want: view{Ambiguous: list("Tool:1[10,11]"), Plan: list("FlagAmbiguous  1/"),
				Counts: counts{ToolOrganizations: 1, PSAAccounts: 2, Ambiguous: 1}},
		},
		{
			name:   "Flag: two organizations for one account report the account, and create nothing",
			policy: mode(v1alpha1.ModeBidirectional),
			tools:  orgs("1:Acme", "2:ACME Ltd"), psa: accts("10:Acme Inc"),
			want: view{Ambiguous: list("PSA:10[1,2]"), Plan: list("FlagAmbiguous  /10"),
				Counts: counts{ToolOrganizations: 2, PSAAccounts: 1, Ambiguous: 1}},
		},
		{
			name:  "Flag: several on both sides report every record",
			tools: orgs("2:Acme Inc", "1:Acme"), psa: accts("11:Acme LLC", "10:ACME"),
			want: view{Ambiguous: list("Tool:1[11,10]", "Tool:2[11,10]", "PSA:10[2,1]", "PSA:11[2,1]"),
				Plan:   list("FlagAmbiguous  /10", "FlagAmbiguous  /11", "FlagAmbiguous  1/", "FlagAmbiguous  2/"),
				Counts: counts{ToolOrganizations: 2, PSAAccounts: 2, Ambiguous: 4}},
		},
		{
			name:   "First: one organization takes the first account in listing order; the rest are ambiguous",
			policy: first,
			tools:  orgs("1:Acme"), psa: accts("12:ACME", "10:Acme Inc", "11:acme llc"),
			want: view{Ensure: list("p-org-1 1/12"), Ambiguous: list("PSA:10[1]", "PSA:11[1]"),
				Plan:   list("Link p-org-1 1/12", "FlagAmbiguous  /10", "FlagAmbiguous  /11"),
				Counts: counts{ToolOrganizations: 1, PSAAccounts: 3, Mapped: 1, Ambiguous: 2}},
		},
		{
			name:   "First: one account takes the first organization in listing order; the rest are ambiguous",
			policy: both(first, mode(v1alpha1.ModeImport)),
			tools:  orgs("3:Acme", "1:ACME Inc", "2:acme"), psa: accts("10:Acme"),
			want: view{Ensure: list("p-org-3 3/10"), Ambiguous: list("Tool:1[10]", "Tool:2[10]"),
				Plan:   list("Link p-org-3 3/10", "FlagAmbiguous  1/", "FlagAmbiguous  2/"),
				Counts: counts{ToolOrganizations: 3, PSAAccounts: 1, Mapped: 1, Ambiguous: 2}},
		},
		{
			name:   "First: several on both sides pair in listing order",
			policy: first,
			tools:  orgs("1:Acme", "2:Acme Inc"), psa: accts("10:ACME", "11:acme corp", "12:Acme LLC"),
			want: view{Ensure: list("p-org-1 1/10", "p-org-2 2/11"), Ambiguous: list("PSA:12[1,2]"),
				Plan:   list("Link p-org-1 1/10", "Link p-org-2 2/11", "FlagAmbiguous  /12"),
				Counts: counts{ToolOrganizations: 2, PSAAccounts: 3, Mapped: 2, Ambiguous: 1}},
		},
		{
			name:  "names with no letter or digit never match each other",
			tools: orgs("1:!!!", "2:???"), psa: accts("10:!!!"),
			want: view{Unmatched: list("Tool:1", "Tool:2", "PSA:10"),
				Plan:   list("FlagUnmatched  /10", "FlagUnmatched  1/", "FlagUnmatched  2/"),
				Counts: counts{ToolOrganizations: 2, PSAAccounts: 1, Unmatched: 3}},
		},

		// Modes.
		{
			name:   "Import creates accounts for unmatched organizations and reports unmatched accounts",
			policy: mode(v1alpha1.ModeImport),
			tools:  orgs("1:Acme", "2:Beta"), psa: accts("10:Acme Inc", "20:Gamma"),
			want: view{Ensure: list("p-org-1 1/10", "p-org-2 2/+"), Unmatched: list("PSA:20"),
				Plan:   list("Link p-org-1 1/10", "CreatePSAAccount p-org-2 2/", "FlagUnmatched  /20"),
				Counts: counts{ToolOrganizations: 2, PSAAccounts: 2, Mapped: 1, PendingCreate: 1, Unmatched: 1}},
		},
		{
			name:   "Export creates organizations for unmatched accounts and reports unmatched organizations",
			policy: mode(v1alpha1.ModeExport),
			tools:  orgs("1:Acme", "2:Beta"), psa: accts("10:Acme Inc", "20:Gamma"),
			want: view{Ensure: list("p-acct-20 +/20", "p-org-1 1/10"), Unmatched: list("Tool:2"),
				Plan:   list("Link p-org-1 1/10", "CreateToolOrganization p-acct-20 /20", "FlagUnmatched  2/"),
				Counts: counts{ToolOrganizations: 2, PSAAccounts: 2, Mapped: 1, PendingCreate: 1, Unmatched: 1}},
		},
		{
			name:   "Bidirectional creates on both sides",
			policy: mode(v1alpha1.ModeBidirectional),
			tools:  orgs("1:Acme", "2:Beta"), psa: accts("10:Acme Inc", "20:Gamma"),
			want: view{Ensure: list("p-acct-20 +/20", "p-org-1 1/10", "p-org-2 2/+"),
				Plan:   list("Link p-org-1 1/10", "CreatePSAAccount p-org-2 2/", "CreateToolOrganization p-acct-20 /20"),
				Counts: counts{ToolOrganizations: 2, PSAAccounts: 2, Mapped: 1, PendingCreate: 2}},
		},
		{
			name:  "MatchOnly creates nothing: the rest is unmatched",
			tools: orgs("1:Acme", "2:Beta"), psa: accts("10:Acme Inc", "20:Gamma"),
			want: view{Ensure: list("p-org-1 1/10"), Unmatched: list("Tool:2", "PSA:20"),
				Plan:   list("Link p-org-1 1/10", "FlagUnmatched  /20", "FlagUnmatched  2/"),
				Counts: counts{ToolOrganizations: 2, PSAAccounts: 2, Mapped: 1, Unmatched: 2}},
		},
		{
			name:   "an empty mode is the API default MatchOnly",
			policy: mode(""),
			tools:  orgs("2:Beta"),
			want: view{Unmatched: list("Tool:2"), Plan: list("FlagUnmatched  2/"),
				Counts: counts{ToolOrganizations: 1, Unmatched: 1}},
		},
		{
			name:   "createWhen Referenced creates only for organizations with assets",
			policy: both(mode(v1alpha1.ModeImport), referenced),
			tools:  orgs("1:Acme", "2:Beta", "3:Gamma"), assets: map[string]bool{"1": true, "3": false},
			want: view{Ensure: list("p-org-1 1/+"), Unmatched: list("Tool:2", "Tool:3"),
				Plan:   list("CreatePSAAccount p-org-1 1/", "FlagUnmatched  2/", "FlagUnmatched  3/"),
				Counts: counts{ToolOrganizations: 3, PendingCreate: 1, Unmatched: 2}},
		},
		{
			name:   "createWhen Referenced with no asset list creates nothing",
			policy: both(mode(v1alpha1.ModeBidirectional), referenced),
			tools:  orgs("1:Acme"), psa: accts("20:Gamma"),
			want: view{Ensure: list("p-acct-20 +/20"), Unmatched: list("Tool:1"),
				Plan:   list("CreateToolOrganization p-acct-20 /20", "FlagUnmatched  1/"),
				Counts: counts{ToolOrganizations: 1, PSAAccounts: 1, PendingCreate: 1, Unmatched: 1}},
		},
		{
			name:   "a blank name is never created",
			policy: mode(v1alpha1.ModeBidirectional),
			tools:  orgs("1:  ", "2:!!!"), psa: accts("10:"),
			want: view{Ensure: list("p-org-2 2/+"), Unmatched: list("Tool:1", "PSA:10"),
				Plan:   list("CreatePSAAccount p-org-2 2/", "FlagUnmatched  /10", "FlagUnmatched  1/"),
				Counts: counts{ToolOrganizations: 2, PSAAccounts: 1, PendingCreate: 1, Unmatched: 2}},
		},

		// Filters and excludes.
		{
			name: "name patterns on both sides; PSA accounts left out are counted with the server's",
			policy: func(s *v1alpha1.SyncPolicySpec) {
				s.Tool.Filter = v1alpha1.ToolFilter{NamePattern: "^(Acme|Beta)", ExcludeNamePattern: "(?i)test"}
				s.PSA.Filter.NamePattern = "(?i)acme|beta"
				s.PSA.Filter.ExcludeNamePattern = "Old$"
			},
			tools:  orgs("1:Acme", "2:Beta Test", "3:Zeta"),
			psa:    accts("10:Acme", "11:Beta", "12:Acme Old", "13:Delta"),
			server: 5,
			want: view{Ensure: list("p-org-1 1/10"), Unmatched: list("PSA:11"),
				Plan:   list("Link p-org-1 1/10", "FlagUnmatched  /11"),
				Counts: counts{ToolOrganizations: 1, PSAAccounts: 2, PSAAccountsFilteredOut: 7, Mapped: 1, Unmatched: 1}},
		},
		{
			name:   "excluded ids do not take part and are counted",
			policy: both(excludeTool("2", "99"), excludePSA("11"), mode(v1alpha1.ModeBidirectional)),
			tools:  orgs("1:Acme", "2:Beta"), psa: accts("10:Acme", "11:Beta"),
			want: view{Ensure: list("p-org-1 1/10"), Plan: list("Link p-org-1 1/10"),
				Counts: counts{ToolOrganizations: 1, PSAAccounts: 1, Mapped: 1, Excluded: 2}},
		},
		{
			name: "an excluded id the name patterns leave out counts as filtered out only",
			policy: both(excludePSA("11"), func(s *v1alpha1.SyncPolicySpec) {
				s.PSA.Filter.NamePattern = "^A"
			}),
			psa: accts("10:Acme", "11:Beta"),
			want: view{Unmatched: list("PSA:10"), Plan: list("FlagUnmatched  /10"),
				Counts: counts{PSAAccounts: 1, PSAAccountsFilteredOut: 1, Unmatched: 1}},
		},
		{
			name:  "duplicate ids count once and empty ids are dropped",
			tools: orgs("1:Acme", "1:Other", ":No id"), psa: accts("10:Acme", "10:Acme", ":Acme"),
			want: view{Ensure: list("p-org-1 1/10"), Plan: list("Link p-org-1 1/10"),
				Counts: counts{ToolOrganizations: 1, PSAAccounts: 1, Mapped: 1}},
		},

		// Existing mappings.
		{
			name:     "records claimed by a manual mapping are not matched again",
			tools:    orgs("1:Acme", "2:Beta"),
			psa:      accts("10:Zed", "11:Acme"),
			mappings: []v1alpha1.AccountMapping{am("manual", 0, "1", "10")},
			want: view{Unmatched: list("Tool:2", "PSA:11"), Plan: list("FlagUnmatched  /11", "FlagUnmatched  2/"),
				Counts: counts{ToolOrganizations: 2, PSAAccounts: 2, Mapped: 1, Unmatched: 2}},
		},
		{
			name:     "manual wins: a generated mapping claiming the same organization is removed, even when older",
			tools:    orgs("1:Acme"),
			psa:      accts("10:Acme", "11:Acme Inc"),
			mappings: []v1alpha1.AccountMapping{am("manual", 5, "1", "10"), gen("p-org-1", 0, "1", "11")},
			want: view{Remove: list("p-org-1"), Unmatched: list("PSA:11"),
				Plan:   list("RemoveMapping p-org-1 1/11", "FlagUnmatched  /11"),
				Counts: counts{ToolOrganizations: 1, PSAAccounts: 2, Mapped: 1, Unmatched: 1}},
		},
		{
			name:     "manual wins on the account side; the freed organization is imported under the same mapping name",
			policy:   mode(v1alpha1.ModeImport),
			tools:    orgs("1:Acme", "2:Beta"),
			psa:      accts("10:Acme"),
			mappings: []v1alpha1.AccountMapping{am("manual", 5, "2", "10"), gen("p-org-1", 0, "1", "10")},
			want: view{Ensure: list("p-org-1 1/+"), Plan: list("CreatePSAAccount p-org-1 1/"),
				Counts: counts{ToolOrganizations: 2, PSAAccounts: 1, Mapped: 1, PendingCreate: 1}},
		},
		{
			name:     "a kept generated mapping is ensured as it is, even when names no longer match",
			tools:    orgs("1:Acme"),
			psa:      accts("10:Something Else"),
			mappings: []v1alpha1.AccountMapping{withStatus(gen("p-org-1", 0, "1", "10"), "1", "10")},
			want: view{Ensure: list("p-org-1 1/10"),
				Counts: counts{ToolOrganizations: 1, PSAAccounts: 1, Mapped: 1}},
		},
		{
			name:     "a generated mapping whose records are no longer listed is kept",
			tools:    orgs("2:Beta"),
			mappings: []v1alpha1.AccountMapping{gen("p-org-1", 0, "1", "10")},
			want: view{Ensure: list("p-org-1 1/10"), Unmatched: list("Tool:2"), Plan: list("FlagUnmatched  2/"),
				Counts: counts{ToolOrganizations: 1, Mapped: 1, Unmatched: 1}},
		},
		{
			name:     "create:true converges to the created account id shown in status",
			policy:   mode(v1alpha1.ModeImport),
			tools:    orgs("1:Acme"),
			psa:      accts("55:Acme"),
			mappings: []v1alpha1.AccountMapping{withStatus(gen("p-org-1", 0, "1", "+"), "1", "55")},
			want: view{Ensure: list("p-org-1 1/55"),
				Counts: counts{ToolOrganizations: 1, PSAAccounts: 1, Mapped: 1}},
		},
		{
			name:     "create:true converges to the created organization id shown in status",
			policy:   mode(v1alpha1.ModeExport),
			tools:    orgs("77:Acme"),
			psa:      accts("10:Acme"),
			mappings: []v1alpha1.AccountMapping{withStatus(gen("p-acct-10", 0, "+", "10"), "77", "10")},
			want: view{Ensure: list("p-acct-10 77/10"),
				Counts: counts{ToolOrganizations: 1, PSAAccounts: 1, Mapped: 1}},
		},
		{
			name:     "a pending create keeps the record it is creating out of matching (Bidirectional)",
			policy:   mode(v1alpha1.ModeBidirectional),
			tools:    orgs("1:Acme"),
			psa:      accts("99:ACME"),
			mappings: []v1alpha1.AccountMapping{gen("p-org-1", 0, "1", "+")},
			want: view{Ensure: list("p-org-1 1/+"),
				Counts: counts{ToolOrganizations: 1, PSAAccounts: 1, PendingCreate: 1}},
		},
		{
			name: "a pending create also reserves the prefixed name",
			policy: both(mode(v1alpha1.ModeBidirectional), func(s *v1alpha1.SyncPolicySpec) {
				s.Creation.OnNameConflict = v1alpha1.ConflictPrefix
				s.Creation.NamePrefix = "SanFrancisco_"
			}),
			tools:    orgs("7:SanFrancisco_Bitdefender"),
			psa:      accts("10:Bitdefender", "11:Other"),
			mappings: []v1alpha1.AccountMapping{gen("p-acct-10", 0, "+", "10")},
			want: view{Ensure: list("p-acct-10 +/10", "p-acct-11 +/11"),
				Plan:   list("CreateToolOrganization p-acct-11 /11"),
				Counts: counts{ToolOrganizations: 1, PSAAccounts: 2, PendingCreate: 2}},
		},
		{
			name:     "a generated mapping whose organization is now excluded is removed",
			policy:   excludeTool("1"),
			tools:    orgs("1:Acme"),
			psa:      accts("10:Acme"),
			mappings: []v1alpha1.AccountMapping{gen("p-org-1", 0, "1", "10")},
			want: view{Remove: list("p-org-1"), Unmatched: list("PSA:10"),
				Plan:   list("RemoveMapping p-org-1 1/10", "FlagUnmatched  /10"),
				Counts: counts{PSAAccounts: 1, Unmatched: 1, Excluded: 1}},
		},
		{
			name:     "a generated mapping whose account the name patterns now leave out is removed",
			policy:   func(s *v1alpha1.SyncPolicySpec) { s.PSA.Filter.ExcludeNamePattern = "^Old" },
			tools:    orgs("1:Acme"),
			psa:      accts("10:Old Acme"),
			mappings: []v1alpha1.AccountMapping{gen("p-org-1", 0, "1", "10")},
			want: view{Remove: list("p-org-1"), Unmatched: list("Tool:1"),
				Plan:   list("RemoveMapping p-org-1 1/10", "FlagUnmatched  1/"),
				Counts: counts{ToolOrganizations: 1, PSAAccountsFilteredOut: 1, Unmatched: 1}},
		},
		{
			name:     "a generated mapping whose organization the name patterns now leave out is removed",
			policy:   func(s *v1alpha1.SyncPolicySpec) { s.Tool.Filter.NamePattern = "^Z" },
			tools:    orgs("1:Acme"),
			psa:      accts("10:Acme"),
			mappings: []v1alpha1.AccountMapping{gen("p-org-1", 0, "1", "10")},
			want: view{Remove: list("p-org-1"), Unmatched: list("PSA:10"),
				Plan:   list("RemoveMapping p-org-1 1/10", "FlagUnmatched  /10"),
				Counts: counts{PSAAccounts: 1, Unmatched: 1}},
		},
		{
			name:     "a generated mapping pending an import of an excluded organization is removed",
			policy:   both(mode(v1alpha1.ModeImport), excludeTool("1")),
			tools:    orgs("1:Acme"),
			mappings: []v1alpha1.AccountMapping{gen("p-org-1", 0, "1", "+")},
			want: view{Remove: list("p-org-1"), Plan: list("RemoveMapping p-org-1 1/"),
				Counts: counts{Excluded: 1}},
		},
		{
			name:     "a manual mapping of excluded records is left alone",
			policy:   excludeTool("1"),
			tools:    orgs("1:Acme"),
			psa:      accts("10:Acme"),
			mappings: []v1alpha1.AccountMapping{am("manual", 0, "1", "10")},
			want:     view{Counts: counts{PSAAccounts: 1, Mapped: 1, Excluded: 1}},
		},
		{
			name:  "a deleted generated mapping comes back under the same name",
			tools: orgs("1:Acme"), psa: accts("10:Acme"),
			want: view{Ensure: list("p-org-1 1/10"), Plan: list("Link p-org-1 1/10"),
				Counts: counts{ToolOrganizations: 1, PSAAccounts: 1, Mapped: 1}},
		},
		{
			name:   "a deleted generated mapping does not come back when its organization is excluded",
			policy: excludeTool("1"),
			tools:  orgs("1:Acme"), psa: accts("10:Acme"),
			want: view{Unmatched: list("PSA:10"), Plan: list("FlagUnmatched  /10"),
				Counts: counts{PSAAccounts: 1, Unmatched: 1, Excluded: 1}},
		},
		{
			name:     "a generated mapping being deleted holds its records and is neither ensured nor removed",
			tools:    orgs("1:Acme"),
			psa:      accts("10:Acme"),
			mappings: []v1alpha1.AccountMapping{terminating(gen("p-org-1", 0, "1", "10"))},
			want:     view{Counts: counts{ToolOrganizations: 1, PSAAccounts: 1}},
		},
		{
			name:  "a mapping being deleted does not make a live mapping lose",
			tools: orgs("1:Acme"), psa: accts("10:Acme", "11:Other"),
			mappings: []v1alpha1.AccountMapping{terminating(am("old", 0, "1", "10")), am("new", 5, "1", "11"),
				gen("p-x", 6, "2", "10")},
			want: view{Ensure: list("p-x 2/10"),
				Counts: counts{ToolOrganizations: 1, PSAAccounts: 2, Mapped: 2}},
		},
		{
			name:     "mappings of another policy are ignored",
			tools:    orgs("1:Acme"),
			psa:      accts("10:Acme"),
			mappings: []v1alpha1.AccountMapping{func() v1alpha1.AccountMapping { m := am("x", 0, "1", "10"); m.Spec.PolicyRef.Name = "other"; return m }()},
			want: view{Ensure: list("p-org-1 1/10"), Plan: list("Link p-org-1 1/10"),
				Counts: counts{ToolOrganizations: 1, PSAAccounts: 1, Mapped: 1}},
		},
		{
			name:     "a non-controller owner reference makes a mapping manual",
			tools:    orgs("1:Acme"),
			psa:      accts("10:Acme", "11:Beta"),
			mappings: []v1alpha1.AccountMapping{notController(gen("looks-generated", 5, "1", "11")), gen("p-org-1", 0, "1", "10")},
			want: view{Remove: list("p-org-1"), Unmatched: list("PSA:10"),
				Plan:   list("RemoveMapping p-org-1 1/10", "FlagUnmatched  /10"),
				Counts: counts{ToolOrganizations: 1, PSAAccounts: 2, Mapped: 1, Unmatched: 1}},
		},
		{
			name:     "a malformed generated mapping is removed",
			tools:    orgs("1:Acme"),
			psa:      accts("10:Acme"),
			mappings: []v1alpha1.AccountMapping{gen("p-bad", 0, "", "10")},
			want: view{Ensure: list("p-org-1 1/10"), Remove: list("p-bad"),
				Plan:   list("RemoveMapping p-bad /10", "Link p-org-1 1/10"),
				Counts: counts{ToolOrganizations: 1, PSAAccounts: 1, Mapped: 1}},
		},
		{
			name:     "a match whose generated name an unrelated mapping holds is left unmatched, not created",
			policy:   mode(v1alpha1.ModeBidirectional),
			tools:    orgs("1:Acme"),
			psa:      accts("10:Acme"),
			mappings: []v1alpha1.AccountMapping{am("p-org-1", 0, "2", "20")},
			want: view{Unmatched: list("Tool:1", "PSA:10"), Plan: list("FlagUnmatched  /10", "FlagUnmatched  1/"),
				Counts: counts{ToolOrganizations: 1, PSAAccounts: 1, Mapped: 1, Unmatched: 2}},
		},

		// One to one.
		{
			name:  "two manual mappings of one account: the oldest keeps it, the other is in conflict",
			tools: orgs("1:Acme", "2:Beta"), psa: accts("10:Acme"),
			mappings: []v1alpha1.AccountMapping{am("newer", 1, "2", "10"), am("older", 0, "1", "10")},
			want: view{Conflicts: list("newer"),
				Counts: counts{ToolOrganizations: 2, PSAAccounts: 1, Mapped: 1, Conflicts: 1}},
		},
		{
			name:     "same creation time: the name decides",
			tools:    orgs("1:Acme", "2:Beta"),
			mappings: []v1alpha1.AccountMapping{am("b", 0, "2", "10"), am("a", 0, "1", "10")},
			want: view{Conflicts: list("b"),
				Counts: counts{ToolOrganizations: 2, Mapped: 1, Conflicts: 1}},
		},
		{
			name:   "a mapping in conflict still holds its other record against later claimants",
			policy: mode(v1alpha1.ModeImport),
			tools:  orgs("1:Acme", "2:Beta", "3:Gamma"),
			mappings: []v1alpha1.AccountMapping{am("m-old", 0, "1", "10"), am("m-new", 1, "1", "11"),
				am("m-third", 2, "2", "11")},
			want: view{Ensure: list("p-org-3 3/+"), Conflicts: list("m-new", "m-third"),
				Plan:   list("CreatePSAAccount p-org-3 3/"),
				Counts: counts{ToolOrganizations: 3, Mapped: 1, PendingCreate: 1, Conflicts: 2}},
		},
		{
			name:     "two generated mappings of one account: the younger is removed",
			tools:    orgs("1:Acme", "2:Beta"),
			psa:      accts("10:Acme"),
			mappings: []v1alpha1.AccountMapping{gen("p-x", 1, "2", "10"), gen("p-org-1", 0, "1", "10")},
			want: view{Ensure: list("p-org-1 1/10"), Remove: list("p-x"), Unmatched: list("Tool:2"),
				Plan:   list("RemoveMapping p-x 2/10", "FlagUnmatched  2/"),
				Counts: counts{ToolOrganizations: 2, PSAAccounts: 1, Mapped: 1, Unmatched: 1}},
		},
		{
			name:  "mappings whose status says Conflict or NameConflict are counted",
			tools: orgs("1:Acme", "2:Beta"),
			mappings: []v1alpha1.AccountMapping{withReady(am("blocked", 0, "1", "+"), v1alpha1.ReasonNameConflict),
				withReady(am("stale", 1, "2", "20"), v1alpha1.ReasonConflict)},
			want: view{Counts: counts{ToolOrganizations: 2, Mapped: 1, Conflicts: 2}},
		},

		// Batches.
		{
			name:   "at most batchSize creations; the rest are deferred and pending",
			policy: both(mode(v1alpha1.ModeImport), batch(2)),
			tools:  orgs("5:E", "1:A", "2:B", "3:C", "4:D"),
			want: view{Ensure: list("p-org-1 1/+", "p-org-5 5/+"), Deferred: 3,
				Plan:   list("CreatePSAAccount p-org-1 1/", "CreatePSAAccount p-org-5 5/"),
				Counts: counts{ToolOrganizations: 5, PendingCreate: 5}},
		},
		{
			name:   "generated mappings still creating use the batch",
			policy: both(mode(v1alpha1.ModeImport), batch(3)),
			tools:  orgs("1:A", "2:B", "3:C", "4:D", "5:E"),
			mappings: []v1alpha1.AccountMapping{gen("p-org-1", 0, "1", "+"), gen("p-org-2", 0, "2", "+"),
				withStatus(gen("p-org-9", 0, "9", "+"), "", "90")},
			want: view{Ensure: list("p-org-1 1/+", "p-org-2 2/+", "p-org-3 3/+", "p-org-9 9/90"), Deferred: 2,
				Plan:   list("CreatePSAAccount p-org-3 3/"),
				Counts: counts{ToolOrganizations: 5, Mapped: 1, PendingCreate: 5}},
		},
		{
			name:     "a create blocked by a name conflict does not use the batch",
			policy:   both(mode(v1alpha1.ModeImport), batch(1)),
			tools:    orgs("1:Acme", "2:Beta"),
			mappings: []v1alpha1.AccountMapping{withReady(gen("p-org-1", 0, "1", "+"), v1alpha1.ReasonNameConflict)},
			want: view{Ensure: list("p-org-1 1/+", "p-org-2 2/+"), Plan: list("CreatePSAAccount p-org-2 2/"),
				Counts: counts{ToolOrganizations: 2, PendingCreate: 1, Conflicts: 1}},
		},
		{
			name:     "a manual mapping still creating is pending but does not use the batch",
			policy:   both(mode(v1alpha1.ModeImport), batch(1)),
			tools:    orgs("1:Acme", "2:Beta"),
			mappings: []v1alpha1.AccountMapping{am("manual", 0, "1", "+")},
			want: view{Ensure: list("p-org-2 2/+"), Plan: list("CreatePSAAccount p-org-2 2/"),
				Counts: counts{ToolOrganizations: 2, PendingCreate: 2}},
		},
		{
			name:   "Bidirectional: organizations are created before accounts within the batch",
			policy: both(mode(v1alpha1.ModeBidirectional), batch(2)),
			tools:  orgs("1:A", "2:B"), psa: accts("10:X", "11:Y"),
			want: view{Ensure: list("p-org-1 1/+", "p-org-2 2/+"), Deferred: 2,
				Plan:   list("CreatePSAAccount p-org-1 1/", "CreatePSAAccount p-org-2 2/"),
				Counts: counts{ToolOrganizations: 2, PSAAccounts: 2, PendingCreate: 4}},
		},
		{
			name:   "an unset batch size is the API default of 100",
			policy: both(mode(v1alpha1.ModeImport), batch(0)),
			tools:  orgs("1:A"),
			want: view{Ensure: list("p-org-1 1/+"), Plan: list("CreatePSAAccount p-org-1 1/"),
				Counts: counts{ToolOrganizations: 1, PendingCreate: 1}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := Input{Policy: policy(tt.policy), ToolOrgs: tt.tools, PSAAccounts: tt.psa,
				PSAFilteredOutServer: tt.server, ToolOrgsWithAssets: tt.assets, Mappings: tt.mappings}
			res, err := Compute(in)
			if err != nil {
				t.Fatalf("Compute: %v", err)
			}
			if got := render(res); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Compute() =\n%s\nwant\n%s", dump(got), dump(tt.want))
			}
		})
	}
}

func dump(v view) string {
	var b strings.Builder
	for _, f := range []struct {
		name string
		val  []string
	}{{"ensure", v.Ensure}, {"remove", v.Remove}, {"conflicts", v.Conflicts}, {"ambiguous", v.Ambiguous},
		{"unmatched", v.Unmatched}, {"plan", v.Plan}} {
		fmt.Fprintf(&b, "  %s: %s\n", f.name, strings.Join(f.val, " | "))
	}
	fmt.Fprintf(&b, "  deferred: %d\n  counts: %+v", v.Deferred, v.Counts)
	return b.String()
}

func TestComputeErrors(t *testing.T) {
	if _, err := Compute(Input{}); err == nil {
		t.Error("Compute without a policy: want an error")
	}
	for _, tt := range []struct {
		field string
		set   func(*v1alpha1.SyncPolicySpec)
	}{
		{"spec.tool.filter.namePattern", func(s *v1alpha1.SyncPolicySpec) { s.Tool.Filter.NamePattern = "(" }},
		{"spec.tool.filter.excludeNamePattern", func(s *v1alpha1.SyncPolicySpec) { s.Tool.Filter.ExcludeNamePattern = "[a" }},
		{"spec.psa.filter.namePattern", func(s *v1alpha1.SyncPolicySpec) { s.PSA.Filter.NamePattern = `\` }},
		{"spec.psa.filter.excludeNamePattern", func(s *v1alpha1.SyncPolicySpec) { s.PSA.Filter.ExcludeNamePattern = "(?<x>a)b(" }},
		{"spec.psa.filter.namePattern", func(s *v1alpha1.SyncPolicySpec) { s.PSA.Filter.NamePattern = `(a)\1` }}, // backreferences are not RE2
	} {
		_, err := Compute(Input{Policy: policy(tt.set)})
		if err == nil || !strings.Contains(err.Error(), tt.field) {
			t.Errorf("invalid %s: err = %v, want an error naming the field", tt.field, err)
		}
	}
}

func TestComputeMessages(t *testing.T) {
	in := Input{
		Policy:   policy(excludeTool("3")),
		ToolOrgs: orgs("1:Acme", "2:Beta", "3:Gamma"),
		Mappings: []v1alpha1.AccountMapping{am("older", 0, "1", "10"), am("newer", 1, "1", "10"),
			gen("p-dup", 2, "2", "10"), gen("p-org-3", 3, "3", "30")},
	}
	res, err := Compute(in)
	if err != nil {
		t.Fatal(err)
	}
	want := `tool organization "1" is already linked by AccountMapping "older"; PSA account "10" is already linked by AccountMapping "older"`
	if got := res.Conflicts["newer"]; got != want {
		t.Errorf("conflict message = %q, want %q", got, want)
	}
	if got := res.RemoveReasons["p-dup"]; got != `PSA account "10" is linked by AccountMapping "older"` {
		t.Errorf("remove reason p-dup = %q", got)
	}
	if got := res.RemoveReasons["p-org-3"]; got != `tool organization "3" is in spec.exclude` {
		t.Errorf("remove reason p-org-3 = %q", got)
	}
}

func TestComputeRecordDetails(t *testing.T) {
	in := Input{
		Policy:      policy(mode(v1alpha1.ModeBidirectional)),
		ToolOrgs:    orgs("1:Acme", "2:Beta", "3:Dup", "4:DUP"),
		PSAAccounts: accts("10:Acme Inc", "20:Gamma", "30:Dup"),
		Mappings:    []v1alpha1.AccountMapping{withStatus(gen("p-org-9", 0, "9", "90"), "9", "90")},
	}
	res, err := Compute(in)
	if err != nil {
		t.Fatal(err)
	}
	wantEnsure := []MappingSpec{
		{Name: "p-acct-20", CreateTool: true, PSAAccountID: "20", PSAName: "Gamma"},
		{Name: "p-org-1", ToolOrganizationID: "1", PSAAccountID: "10", ToolName: "Acme", PSAName: "Acme Inc"},
		{Name: "p-org-2", ToolOrganizationID: "2", CreatePSA: true, ToolName: "Beta"},
		{Name: "p-org-9", ToolOrganizationID: "9", PSAAccountID: "90", ToolName: "status-name-9", PSAName: "status-name-90"},
	}
	if !reflect.DeepEqual(res.Ensure, wantEnsure) {
		t.Errorf("Ensure =\n%+v\nwant\n%+v", res.Ensure, wantEnsure)
	}
	wantAmb := []v1alpha1.AmbiguousRecord{{Side: v1alpha1.SidePSA, ID: "30", Name: "Dup",
		Candidates: []v1alpha1.ScoredRecord{{ID: "3", Name: "Dup", Score: 100, Signals: []v1alpha1.Signal{v1alpha1.SignalName}},
			{ID: "4", Name: "DUP", Score: 100, Signals: []v1alpha1.Signal{v1alpha1.SignalName}}}}}
	if !reflect.DeepEqual(res.Ambiguous, wantAmb) {
		t.Errorf("Ambiguous = %+v, want %+v", res.Ambiguous, wantAmb)
	}
	wantPlan := []v1alpha1.PlanItem{
		{Action: v1alpha1.ActionLink, ToolOrganizationID: "1", PSAAccountID: "10", Name: "Acme", Mapping: "p-org-1"},
		{Action: v1alpha1.ActionCreatePSAAccount, ToolOrganizationID: "2", Name: "Beta", Mapping: "p-org-2"},
		{Action: v1alpha1.ActionCreateToolOrganization, PSAAccountID: "20", Name: "Gamma", Mapping: "p-acct-20"},
		{Action: v1alpha1.ActionFlagAmbiguous, PSAAccountID: "30", Name: "Dup"},
	}
	if !reflect.DeepEqual(res.Plan, wantPlan) {
		t.Errorf("Plan =\n%+v\nwant\n%+v", res.Plan, wantPlan)
	}
	s := res.String()
	for _, part := range []string{"tool=4", "psa=3", "mapped=2", "link=1", "createPSA=1", "createTool=1", "ambiguous=1", "ensure=4"} {
		if !strings.Contains(s, part) {
			t.Errorf("String() = %q, missing %q", s, part)
		}
	}
}

// TestComputeDeterministic shuffles the mappings: the plan must not depend on their order.
func TestComputeDeterministic(t *testing.T) {
	mappings := []v1alpha1.AccountMapping{
		am("a", 0, "1", "10"), am("b", 0, "2", "10"), am("c", 1, "3", "30"),
		gen("p-org-4", 0, "4", "40"), gen("p-org-5", 2, "5", "40"), gen("p-org-6", 0, "6", "+"),
		gen("p-org-3", 0, "3", "31"), withReady(am("d", 3, "7", "+"), v1alpha1.ReasonNameConflict),
	}
	in := Input{
		Policy:      policy(mode(v1alpha1.ModeBidirectional)),
		ToolOrgs:    orgs("1:A", "2:B", "3:C", "4:D", "5:E", "6:F", "7:G", "8:H", "9:I", "11:I Inc"),
		PSAAccounts: accts("10:A", "30:C", "31:C2", "40:D", "41:E", "50:H", "60:I", "61:Z"),
		Mappings:    mappings,
	}
	want, err := Compute(in)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 7))
	for range 50 {
		shuffled := append([]v1alpha1.AccountMapping(nil), mappings...)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		in.Mappings = shuffled
		got, err := Compute(in)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("mapping order changed the result:\n%s\nvs\n%s", got, want)
		}
	}
}

func TestIsGenerated(t *testing.T) {
	ctrl, notCtrl := true, false
	ref := func(apiVersion, kind, name string, controller *bool) v1alpha1.AccountMapping {
		m := am("m", 0, "1", "10")
		m.OwnerReferences = []metav1.OwnerReference{{APIVersion: apiVersion, Kind: kind, Name: name, UID: "u", Controller: controller}}
		return m
	}
	gv := v1alpha1.GroupVersion.String()
	tests := []struct {
		name string
		m    v1alpha1.AccountMapping
		want bool
	}{
		{"controller reference to the policy", ref(gv, "SyncPolicy", testPolicy, &ctrl), true},
		{"another version of the group", ref("accountsync.io/v1beta1", "SyncPolicy", testPolicy, &ctrl), true},
		{"no owner", am("m", 0, "1", "10"), false},
		{"not controller", ref(gv, "SyncPolicy", testPolicy, &notCtrl), false},
		{"controller unset", ref(gv, "SyncPolicy", testPolicy, nil), false},
		{"another policy", ref(gv, "SyncPolicy", "other", &ctrl), false},
		{"another kind", ref(gv, "IntegrationConnection", testPolicy, &ctrl), false},
		{"another group", ref("example.com/v1", "SyncPolicy", testPolicy, &ctrl), false},
		{"label only", func() v1alpha1.AccountMapping {
			m := am("m", 0, "1", "10")
			m.Labels = map[string]string{v1alpha1.PolicyLabel: testPolicy}
			return m
		}(), false},
	}
	for _, tt := range tests {
		if got := IsGenerated(&tt.m, testPolicy); got != tt.want {
			t.Errorf("%s: IsGenerated = %v, want %v", tt.name, got, tt.want)
		}
	}
}
