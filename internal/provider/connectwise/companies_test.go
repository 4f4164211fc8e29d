package connectwise

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"testing"

	"github.com/accountsync/accountsync-operator/internal/provider"
	cwsim "github.com/accountsync/accountsync-operator/internal/simulator/connectwise"
)

var ctx = context.Background()

// The golden query for the seed's canonical filter: status Active and type Client, with the
// fixture's non-default ids (Active=17, Client=42).
func TestAccountQueryGolden(t *testing.T) {
	inactive := map[int]bool{cwsim.StatusInactive: true, cwsim.StatusNotActive: true}
	cases := []struct {
		name          string
		f             provider.AccountFilter
		status, types []int
		conditions    string
		child         string
		empty         bool
	}{
		{name: "Active + Client", status: []int{17}, types: []int{42},
			conditions: `status/id in (17) and deletedFlag=false`, child: `types/id in (42)`},
		{name: "two statuses, two types", status: []int{17, 31}, types: []int{42, 11},
			conditions: `status/id in (17,31) and deletedFlag=false`, child: `types/id in (42,11)`},
		{name: "inactive status dropped", status: []int{17, 23}, conditions: `status/id in (17) and deletedFlag=false`},
		{name: "inactive kept when included", f: provider.AccountFilter{IncludeInactive: true}, status: []int{17, 23},
			conditions: `status/id in (17,23) and deletedFlag=false`},
		{name: "no status: exclude inactive ones", conditions: `status/id not in (23,38) and deletedFlag=false`},
		{name: "no status, include inactive", f: provider.AccountFilter{IncludeInactive: true}, conditions: `deletedFlag=false`},
		{name: "only inactive statuses", status: []int{23}, empty: true},
	}
	for _, c := range cases {
		q, empty := accountQuery(c.f, c.status, c.types, inactive)
		if empty != c.empty {
			t.Errorf("%s: empty = %v", c.name, empty)
			continue
		}
		if empty {
			continue
		}
		if got := q.Get("conditions"); got != c.conditions {
			t.Errorf("%s: conditions\n got %s\nwant %s", c.name, got, c.conditions)
		}
		if got := q.Get("childConditions"); got != c.child {
			t.Errorf("%s: childConditions\n got %s\nwant %s", c.name, got, c.child)
		}
	}
}

// seed2500 adds 2,500 companies spread over statuses and types and returns how many are
// Active (17) with type Client (42) and not deleted.
func seed2500(t *testing.T, sim *cwsim.Server) int {
	t.Helper()
	statuses := []int{cwsim.StatusActive, cwsim.StatusActive, cwsim.StatusActive, cwsim.StatusInactive, cwsim.StatusCreditHold}
	qualifying := 0
	for i := 0; i < 2500; i++ {
		st := statuses[i%len(statuses)]
		var types []cwsim.Ref
		isClient := i%4 != 3
		if isClient {
			types = append(types, cwsim.Ref{ID: cwsim.TypeClient})
		}
		if i%7 == 0 {
			types = append(types, cwsim.Ref{ID: cwsim.TypePartner})
		}
		deleted := i%50 == 49
		if _, err := sim.AddCompany(cwsim.Company{Identifier: fmt.Sprintf("Bulk%04d", i), Name: fmt.Sprintf("Bulk Company %04d", i),
			Status: &cwsim.Ref{ID: st}, Types: types, DeletedFlag: deleted}); err != nil {
			t.Fatal(err)
		}
		if st == cwsim.StatusActive && isClient && !deleted {
			qualifying++
		}
	}
	return qualifying
}

func TestListAccounts2500PagesActiveClient(t *testing.T) {
	e := newEnv(t, cwsim.DefaultFixture())
	n := seed2500(t, e.sim) + 1 // + the fixture's Acme Corp (Active, Client)
	if n <= 1000 {
		t.Fatalf("fixture should need several pages, has %d qualifying", n)
	}
	e.sim.ResetCalls()
	got, err := e.client.ListAccounts(ctx, provider.AccountFilter{
		StatusIDs: []string{strconv.Itoa(cwsim.StatusActive)}, TypeIDs: []string{strconv.Itoa(cwsim.TypeClient)}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != n {
		t.Fatalf("got %d accounts, want %d", len(got), n)
	}
	seen := map[string]bool{}
	for _, a := range got {
		if seen[a.ID] {
			t.Fatalf("account %s listed twice", a.ID)
		}
		seen[a.ID] = true
		if a.Status != "Active" || a.Inactive {
			t.Fatalf("account %+v does not match the filter", a)
		}
	}
	wantPages := (n + 999) / 1000
	if calls := e.sim.Calls("GET /company/companies"); calls != wantPages {
		t.Fatalf("company list calls = %d, want ceil(%d/1000) = %d", calls, n, wantPages)
	}
	if calls := e.sim.Calls("GET /company/companies/statuses"); calls != 1 {
		t.Fatalf("status calls = %d, want 1", calls)
	}
	// The exact wire query: golden conditions, CW's maximum page size, first page 1.
	first := e.rec.requests()
	var pages []recorded
	for _, r := range first {
		if r.Path == "/v4_6_release/apis/3.0/company/companies" {
			pages = append(pages, r)
		}
	}
	if len(pages) != wantPages {
		t.Fatalf("recorded %d page requests", len(pages))
	}
	for i, r := range pages {
		if r.Query.Get("conditions") != `status/id in (17) and deletedFlag=false` || r.Query.Get("childConditions") != `types/id in (42)` ||
			r.Query.Get("pageSize") != "1000" || r.Query.Get("page") != strconv.Itoa(i+1) {
			t.Fatalf("page %d query = %v", i+1, r.Query)
		}
	}
	if e.client.CallCount() != int64(wantPages+1+1) { // pages + statuses + discovery
		t.Fatalf("CallCount = %d", e.client.CallCount())
	}
}

func TestListAccountsFilters(t *testing.T) {
	e := newEnv(t, cwsim.DefaultFixture())
	if _, err := e.sim.AddCompany(cwsim.Company{Identifier: "Gone", Name: "Gone Ltd", Status: &cwsim.Ref{ID: cwsim.StatusActive},
		Types: []cwsim.Ref{{ID: cwsim.TypeClient}}, DeletedFlag: true}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		f    provider.AccountFilter
		want []string
	}{
		{"active clients", provider.AccountFilter{StatusIDs: []string{"17"}, TypeIDs: []string{"42"}}, []string{"Acme Corp"}},
		{"clients or partners, inactive too", provider.AccountFilter{TypeIDs: []string{"42", "11"}, IncludeInactive: true},
			[]string{"Acme Corp", "Initech", "Umbrella Corporation"}},
		{"everything active", provider.AccountFilter{}, []string{"Acme Corp", "Globex", "Umbrella Corporation"}},
		{"inactive status only, excluded", provider.AccountFilter{StatusIDs: []string{"23"}}, nil},
		{"inactive status only, included", provider.AccountFilter{StatusIDs: []string{"23"}, IncludeInactive: true}, []string{"Initech"}},
	}
	for _, c := range cases {
		got, err := e.client.ListAccounts(ctx, c.f)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		names := accountNames(got)
		if len(got) != len(c.want) {
			t.Errorf("%s: got %v, want %v", c.name, names, c.want)
			continue
		}
		for _, w := range c.want {
			if !names[w] {
				t.Errorf("%s: got %v, want %v", c.name, names, c.want)
			}
		}
	}
	got, _ := e.client.ListAccounts(ctx, provider.AccountFilter{StatusIDs: []string{"23"}, IncludeInactive: true})
	if len(got) != 1 || !got[0].Inactive || got[0].Status != "Inactive" || got[0].Types[0] != "Client" {
		t.Fatalf("inactive account mapping: %+v", got)
	}
	if _, err := e.client.ListAccounts(ctx, provider.AccountFilter{StatusIDs: []string{"Active"}}); !provider.IsKind(err, provider.KindInvalid) {
		t.Fatalf("status name instead of id: %v", err)
	}
}

func TestFindAccountsByName(t *testing.T) {
	e := newEnv(t, cwsim.DefaultFixture())
	odd := `Bob "The" \ Builder's`
	for _, c := range []cwsim.Company{
		{Identifier: "Bob", Name: odd, Status: &cwsim.Ref{ID: cwsim.StatusActive}},
		{Identifier: "Old", Name: "Old Corp", Status: &cwsim.Ref{ID: cwsim.StatusActive}, DeletedFlag: true},
	} {
		if _, err := e.sim.AddCompany(c); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		query    string
		wantName string
		inactive bool
	}{
		{"ACME CORP", "Acme Corp", false},
		{"initech", "Initech", true},                            // inactive status
		{"globex", "Globex", false},                             // a prospect, not a client
		{"umbrella corporation", "Umbrella Corporation", false}, // credit hold
		{"old corp", "Old Corp", true},                          // deleted
		{`BOB "THE" \ BUILDER'S`, odd, false},                   // quotes and backslash
	}
	for _, c := range cases {
		got, err := e.client.FindAccountsByName(ctx, c.query)
		if err != nil {
			t.Fatalf("%q: %v", c.query, err)
		}
		if len(got) != 1 || got[0].Name != c.wantName || got[0].Inactive != c.inactive {
			t.Fatalf("find %q = %+v", c.query, got)
		}
	}
	r := e.rec.last(t, "GET", "/company/companies")
	if got := r.Query.Get("conditions"); got != `name="BOB \"THE\" \\ BUILDER'S"` {
		t.Fatalf("conditions = %s", got)
	}
	for _, miss := range []string{"Acme", "Acme Corp Ltd", "Acme%", "Acme*"} {
		if got, err := e.client.FindAccountsByName(ctx, miss); err != nil || len(got) != 0 {
			t.Fatalf("find %q = %+v, %v; want nothing", miss, got, err)
		}
	}
	// Status inactivity is cached across look-ups: one statuses call for all of them.
	if n := e.sim.Calls("GET /company/companies/statuses"); n != 1 {
		t.Fatalf("statuses fetched %d times", n)
	}
}

func TestCreateAccount(t *testing.T) {
	e := newEnv(t, cwsim.DefaultFixture())
	// Resolve statuses first, as the controller does, so the answer carries Inactive.
	if _, err := e.client.ListAccountStatuses(ctx); err != nil {
		t.Fatal(err)
	}
	a, err := e.client.CreateAccount(ctx, provider.AccountCreate{Name: "Stark Industries, Inc.", StatusID: "17", TypeID: "42"})
	if err != nil {
		t.Fatal(err)
	}
	if a.ID == "" || a.Name != "Stark Industries, Inc." || a.Status != "Active" || len(a.Types) != 1 || a.Types[0] != "Client" || a.Inactive {
		t.Fatalf("created %+v", a)
	}
	r := e.rec.last(t, "POST", "/company/companies")
	var body map[string]any
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatal(err)
	}
	want := `{"addressLine1":"N/A","identifier":"StarkIndustriesInc","name":"Stark Industries, Inc.","site":{"name":"Main"},"status":{"id":17},"types":[{"id":42}]}`
	if got, _ := json.Marshal(body); string(got) != want {
		t.Fatalf("POST body\n got %s\nwant %s", got, want)
	}
	id, _ := strconv.Atoi(a.ID)
	if sites := e.sim.Sites(id); len(sites) != 1 || sites[0].Name != "Main" {
		t.Fatalf("sites of the new company: %+v", sites)
	}
	// Without status and type the body leaves them out and CW applies its defaults.
	if _, err := e.client.CreateAccount(ctx, provider.AccountCreate{Name: "Wayne Enterprises"}); err != nil {
		t.Fatal(err)
	}
	if r := e.rec.last(t, "POST", "/company/companies"); string(r.Body) != `{"identifier":"WayneEnterprises","name":"Wayne Enterprises","site":{"name":"Main"},"addressLine1":"N/A"}` {
		t.Fatalf("POST body without status/type: %s", r.Body)
	}
}

func TestCreateAccountNameConflict(t *testing.T) {
	e := newEnv(t, cwsim.DefaultFixture())
	before := len(e.sim.Companies())
	_, err := e.client.CreateAccount(ctx, provider.AccountCreate{Name: "acme CORP", StatusID: "17", TypeID: "42"})
	if !provider.IsKind(err, provider.KindNameConflict) {
		t.Fatalf("got %v, want NameConflict", err)
	}
	if len(e.sim.Companies()) != before || e.sim.Calls("POST /company/companies") != 1 {
		t.Fatalf("conflict created or retried: %d companies, %d posts", len(e.sim.Companies()), e.sim.Calls("POST /company/companies"))
	}
}

func TestCreateAccountIdentifierClashRetries(t *testing.T) {
	e := newEnv(t, cwsim.DefaultFixture())
	// "Acme, Corp." is a new name whose identifier AcmeCorp is taken, and so is AcmeCorp2.
	if _, err := e.sim.AddCompany(cwsim.Company{Identifier: "AcmeCorp2", Name: "Acme Two"}); err != nil {
		t.Fatal(err)
	}
	a, err := e.client.CreateAccount(ctx, provider.AccountCreate{Name: "Acme, Corp.", StatusID: "17"})
	if err != nil {
		t.Fatal(err)
	}
	if n := e.sim.Calls("POST /company/companies"); n != 3 {
		t.Fatalf("posts = %d, want 3", n)
	}
	for _, c := range e.sim.Companies() {
		if strconv.Itoa(c.ID) == a.ID && c.Identifier != "AcmeCorp3" {
			t.Fatalf("identifier %q, want AcmeCorp3", c.Identifier)
		}
	}
	if _, err := e.client.CreateAccount(ctx, provider.AccountCreate{Name: "x", StatusID: "seventeen"}); !provider.IsKind(err, provider.KindInvalid) {
		t.Fatalf("bad status id: %v", err)
	}
	if _, err := e.client.CreateAccount(ctx, provider.AccountCreate{Name: string(make([]byte, 51))}); !provider.IsKind(err, provider.KindInvalid) {
		t.Fatalf("long name: %v", err)
	}
}

func TestIdentifierCandidates(t *testing.T) {
	cases := []struct {
		name string
		n    int
		want string
	}{
		{"Acme Corp", 0, "AcmeCorp"},
		{"Acme Corp", 1, "AcmeCorp2"},
		{"Acme Corp", 4, "AcmeCorp5"},
		{"Ünïcödé GmbH & Co. KG", 0, "ncdGmbHCoKG"},
		{"株式会社", 0, "Company"},
		{"The Very Long Company Name Of Springfield", 0, "TheVeryLongCompanyNameOfS"},
		{"The Very Long Company Name Of Springfield", 2, "TheVeryLongCompanyNameOf3"},
	}
	for _, c := range cases {
		if got := identifierCandidate(c.name, c.n); got != c.want {
			t.Errorf("identifierCandidate(%q, %d) = %q, want %q", c.name, c.n, got, c.want)
		}
	}
	h := identifierCandidate("The Very Long Company Name Of Springfield", 5)
	if len(h) != maxIdentifier || h[:19] != "TheVeryLongCompanyN" || h == identifierCandidate("The Very Long Company Name Of Springfield", 6) {
		t.Errorf("hash candidate %q", h)
	}
}

func TestStatusesAndTypes(t *testing.T) {
	e := newEnv(t, cwsim.DefaultFixture())
	st, err := e.client.ListAccountStatuses(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(st) != 4 || st[0] != (provider.NamedRef{ID: "17", Name: "Active"}) || !st[1].Inactive || st[1].Name != "Inactive" {
		t.Fatalf("statuses %+v", st)
	}
	ty, err := e.client.ListAccountTypes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ty) != 4 || ty[3] != (provider.NamedRef{ID: "42", Name: "Client"}) {
		t.Fatalf("types %+v", ty)
	}
	r := e.rec.last(t, "GET", "/company/companies/types")
	if r.Query.Get("pageSize") != "1000" || r.Query.Get("page") != "1" {
		t.Fatalf("types query %v", r.Query)
	}
}

func TestCountAccounts(t *testing.T) {
	e := newEnv(t, cwsim.DefaultFixture())
	n := seed2500(t, e.sim) + 1
	got, err := e.client.CountAccounts(ctx, provider.AccountFilter{StatusIDs: []string{"17"}, TypeIDs: []string{"42"}})
	if err != nil || got != n {
		t.Fatalf("count = %d, %v; want %d", got, err, n)
	}
	r := e.rec.last(t, "GET", "/company/companies/count")
	if r.Query.Get("conditions") != `status/id in (17) and deletedFlag=false` || r.Query.Get("childConditions") != `types/id in (42)` {
		t.Fatalf("count query %v", r.Query)
	}
	all, err := e.client.CountAccounts(ctx, provider.AccountFilter{IncludeInactive: true})
	if err != nil || all != 2500-50+4 { // every company not deleted
		t.Fatalf("count all = %d, %v", all, err)
	}
	if n := e.sim.Calls("GET /company/companies/statuses"); n != 1 {
		t.Fatalf("statuses fetched %d times", n)
	}
	if got, err := e.client.CountAccounts(ctx, provider.AccountFilter{StatusIDs: []string{"23"}}); err != nil || got != 0 {
		t.Fatalf("only inactive statuses: %d %v", got, err)
	}
	if e.sim.Calls("GET /company/companies/count") != 2 {
		t.Fatal("an empty filter still asked the server")
	}
}

// A company's address, phone and web site come with the listing and become the account's
// profile (the suggester's signals).
func TestListAccountsReadsProfile(t *testing.T) {
	e := newEnv(t, cwsim.DefaultFixture())
	if _, err := e.sim.AddCompany(cwsim.Company{Identifier: "Summit", Name: "Summit Dental", Status: &cwsim.Ref{ID: cwsim.StatusActive},
		Types: []cwsim.Ref{{ID: cwsim.TypeClient}}, AddressLine1: "12 Main Street", City: "Springfield", Zip: "01101",
		PhoneNumber: "555-010-2000", Website: "www.summitdental.com"}); err != nil {
		t.Fatal(err)
	}
	got, err := e.client.ListAccounts(ctx, provider.AccountFilter{})
	if err != nil {
		t.Fatal(err)
	}
	want := provider.Profile{Website: "www.summitdental.com", Phone: "555-010-2000", Street: "12 Main Street", City: "Springfield", PostalCode: "01101"}
	found := false
	for _, a := range got {
		if a.Name == "Summit Dental" {
			found = true
			if a.Profile != want {
				t.Errorf("profile = %+v, want %+v", a.Profile, want)
			}
		}
	}
	if !found {
		t.Fatalf("Summit Dental not listed: %+v", got)
	}
}
