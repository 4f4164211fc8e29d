package halopsa

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/accountsync/accountsync-operator/internal/provider"
	sim "github.com/accountsync/accountsync-operator/internal/simulator/halopsa"
)

// manyClients seeds 250 active clients (top levels alternate 1/2) and 5 inactive ones.
func manyClients() sim.Fixture {
	fx := baseFixture()
	for i := 0; i < 250; i++ {
		fx.Clients = append(fx.Clients, sim.Client{ID: 1000 + i, Name: fmt.Sprintf("Customer %03d", i), TopLevelID: 1 + i%2})
	}
	for i := 0; i < 5; i++ {
		fx.Clients = append(fx.Clients, sim.Client{ID: 2000 + i, Name: fmt.Sprintf("Gone %d", i), TopLevelID: 1, Inactive: true})
	}
	return fx
}

func ids(accts []provider.Account) []string {
	out := make([]string, 0, len(accts))
	for _, a := range accts {
		out = append(out, a.ID)
	}
	sort.Strings(out)
	return out
}

func TestListAccountsPaging(t *testing.T) {
	e := newEnv(t, manyClients(), nil)
	got, err := e.client.ListAccounts(ctx(t), provider.AccountFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 250 {
		t.Fatalf("accounts = %d, want 250 active", len(got))
	}
	if n := e.sim.Calls("GET /api/Client"); n != 3 {
		t.Errorf("pages read = %d, want 3 (100+100+50)", n)
	}
	for _, a := range got {
		if a.Inactive {
			t.Fatalf("inactive account listed without IncludeInactive: %+v", a)
		}
	}
	first := got[0]
	if first.Name != "Customer 000" || first.ID != "1000" || !reflect.DeepEqual(first.Types, []string{"Managed"}) || first.Status != "" {
		t.Errorf("first account = %+v", first)
	}

	all, err := e.client.ListAccounts(ctx(t), provider.AccountFilter{IncludeInactive: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 255 {
		t.Fatalf("with inactive = %d, want 255", len(all))
	}
	inactive := 0
	for _, a := range all {
		if a.Inactive {
			inactive++
		}
	}
	if inactive != 5 {
		t.Errorf("inactive = %d", inactive)
	}
}

func TestListAccountsTopLevelFilter(t *testing.T) {
	e := newEnv(t, manyClients(), nil)
	got, err := e.client.ListAccounts(ctx(t), provider.AccountFilter{TypeIDs: []string{"2"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 125 {
		t.Fatalf("top level 2 = %d, want 125", len(got))
	}
	for _, a := range got {
		if !reflect.DeepEqual(a.Types, []string{"Prospects"}) {
			t.Fatalf("wrong top level: %+v", a)
		}
	}
	e.resetRequests()
	both, err := e.client.ListAccounts(ctx(t), provider.AccountFilter{TypeIDs: []string{"1", "2", "1"}, IncludeInactive: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(both) != 255 {
		t.Fatalf("both top levels = %d, want 255", len(both))
	}
	if len(ids(both)) != len(both) {
		t.Fatal("duplicates")
	}
	seriesByTopLevel := map[string]int{}
	for _, r := range e.requests() {
		if r.Path == "/api/Client" {
			seriesByTopLevel[r.Query.Get("toplevel_id")]++
			if r.Query.Get("includeinactive") != "true" {
				t.Errorf("includeinactive missing: %v", r.Query)
			}
		}
	}
	// Top level 1 holds 130 rows (2 pages), top level 2 holds 125 (2 pages); "1" is asked once.
	if !reflect.DeepEqual(seriesByTopLevel, map[string]int{"1": 2, "2": 2}) {
		t.Errorf("requests per top level = %v", seriesByTopLevel)
	}

	_, err = e.client.ListAccounts(ctx(t), provider.AccountFilter{TypeIDs: []string{"Managed"}})
	wantKind(t, err, provider.KindInvalid)
}

func TestListAccountsStatusFilterUnsupported(t *testing.T) {
	e := newEnv(t, baseFixture(), nil)
	_, err := e.client.ListAccounts(ctx(t), provider.AccountFilter{StatusIDs: []string{"1"}})
	wantKind(t, err, provider.KindUnsupported)
	if e.client.CallCount() != 0 {
		t.Error("an unsupported filter must not reach the server")
	}
}

func TestFindAccountsByName(t *testing.T) {
	fx := baseFixture()
	fx.Clients = []sim.Client{
		{ID: 10, Name: "Acme Corp", TopLevelID: 1},
		{ID: 11, Name: "ACME CORP", TopLevelID: 2, Inactive: true},
		{ID: 12, Name: "Acme Corporation", TopLevelID: 1},
		{ID: 13, Name: "Big Acme Corp", TopLevelID: 1},
		{ID: 14, Name: "Acme [US]", TopLevelID: 1},
		{ID: 15, Name: "Acme U", TopLevelID: 1},
		{ID: 16, Name: "50%_Off", TopLevelID: 1},
	}
	e := newEnv(t, fx, nil)
	cases := map[string][]string{
		"acme corp":   {"10", "11"},
		" Acme Corp ": {"10", "11"},
		"Acme [US]":   {"14"},
		"acme u":      {"15"},
		"50%_off":     {"16"},
		"Nobody":      nil,
	}
	for name, want := range cases {
		got, err := e.client.FindAccountsByName(ctx(t), name)
		if err != nil {
			t.Fatalf("%q: %v", name, err)
		}
		gotIDs := ids(got)
		if len(gotIDs) == 0 {
			gotIDs = nil
		}
		if !reflect.DeepEqual(gotIDs, want) {
			t.Errorf("%q: ids = %v, want %v", name, gotIDs, want)
		}
	}
	found, _ := e.client.FindAccountsByName(ctx(t), "acme corp")
	for _, a := range found {
		if a.ID == "11" && (!a.Inactive || !reflect.DeepEqual(a.Types, []string{"Prospects"})) {
			t.Errorf("inactive holder = %+v", a)
		}
	}
	_, err := e.client.FindAccountsByName(ctx(t), "  ")
	wantKind(t, err, provider.KindInvalid)
}

func TestFindAccountsByNamePagesThroughMatches(t *testing.T) {
	fx := baseFixture()
	for i := 0; i < 150; i++ {
		fx.Clients = append(fx.Clients, sim.Client{Name: fmt.Sprintf("Shared %03d", i)})
	}
	fx.Clients = append(fx.Clients, sim.Client{Name: "shared", Inactive: true})
	e := newEnv(t, fx, nil)
	got, err := e.client.FindAccountsByName(ctx(t), "SHARED")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Name != "shared" {
		t.Fatalf("got %+v", got)
	}
	if n := e.sim.Calls("GET /api/Client"); n != 2 {
		t.Errorf("pages = %d, want 2 (151 substring matches)", n)
	}
}

func TestCreateAccount(t *testing.T) {
	e := newEnv(t, baseFixture(), nil)
	a, err := e.client.CreateAccount(ctx(t), provider.AccountCreate{Name: "New Co", TypeID: "2"})
	if err != nil {
		t.Fatal(err)
	}
	if a.ID == "" || a.Name != "New Co" || !reflect.DeepEqual(a.Types, []string{"Prospects"}) || a.Inactive {
		t.Fatalf("created = %+v", a)
	}
	clients := e.sim.Clients()
	if len(clients) != 1 || clients[0].TopLevelID != 2 || clients[0].MainSiteID == 0 {
		t.Fatalf("sim = %+v", clients)
	}

	// Halo allows a second client with the same name: the create succeeds and both are found,
	// which is what the caller's look-up guard relies on.
	b, err := e.client.CreateAccount(ctx(t), provider.AccountCreate{Name: "new co"})
	if err != nil {
		t.Fatalf("duplicate create: %v", err)
	}
	if b.ID == a.ID {
		t.Fatal("same id")
	}
	found, err := e.client.FindAccountsByName(ctx(t), "NEW CO")
	if err != nil || len(found) != 2 {
		t.Fatalf("find after duplicate = %+v, %v", found, err)
	}

	_, err = e.client.CreateAccount(ctx(t), provider.AccountCreate{Name: "X", StatusID: "1"})
	wantKind(t, err, provider.KindUnsupported)
	_, err = e.client.CreateAccount(ctx(t), provider.AccountCreate{Name: " "})
	wantKind(t, err, provider.KindInvalid)
	_, err = e.client.CreateAccount(ctx(t), provider.AccountCreate{Name: "X", TypeID: "99"})
	wantKind(t, err, provider.KindInvalid) // Halo refuses an unknown top level with 400
	if len(e.sim.Clients()) != 2 {
		t.Error("a refused create made a record")
	}
}

func TestStatusesAndTypes(t *testing.T) {
	fx := baseFixture()
	for i := 0; i < 120; i++ {
		fx.TopLevels = append(fx.TopLevels, sim.TopLevel{ID: 100 + i, Name: fmt.Sprintf("Region %03d", i)})
	}
	e := newEnv(t, fx, nil)
	st, err := e.client.ListAccountStatuses(ctx(t))
	if err != nil || st == nil || len(st) != 0 {
		t.Fatalf("statuses = %v, %v", st, err)
	}
	types, err := e.client.ListAccountTypes(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(types) != 123 {
		t.Fatalf("types = %d, want 123", len(types))
	}
	byID := map[string]provider.NamedRef{}
	for _, r := range types {
		byID[r.ID] = r
	}
	if byID["1"].Name != "Managed" || byID["3"].Name != "Retired" {
		t.Errorf("types = %+v", byID)
	}
	if n := e.sim.Calls("GET /api/TopLevel"); n != 2 {
		t.Errorf("pages = %d", n)
	}
}

func TestInternalClientNeverTakesPart(t *testing.T) {
	fx := baseFixture()
	fx.Clients = []sim.Client{{ID: 1, Name: "Acme MSP", TopLevelID: 1}, {ID: 10, Name: "Acme", TopLevelID: 1}}
	fx.InternalClientID = 1
	e := newEnv(t, fx, nil)
	got, err := e.client.ListAccounts(ctx(t), provider.AccountFilter{IncludeInactive: true})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ids(got), []string{"10"}) {
		t.Errorf("listed = %v; the MSP's internal client must not take part", ids(got))
	}
	found, err := e.client.FindAccountsByName(ctx(t), "acme msp")
	if err != nil || len(found) != 0 {
		t.Errorf("find = %+v, %v", found, err)
	}
}

// pagingServer answers the token flow and then every /api/Client request with body(pageNo).
func pagingServer(t *testing.T, body func(pageNo string) string) *Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch strings.ToLower(r.URL.Path) {
		case "/api/authinfo":
			fmt.Fprint(w, `{"auth_url":"/auth"}`)
		case "/auth/token":
			fmt.Fprint(w, `{"access_token":"t","token_type":"Bearer","expires_in":3600}`)
		default:
			fmt.Fprint(w, body(r.URL.Query().Get("page_no")))
		}
	}))
	t.Cleanup(srv.Close)
	c, err := New(testConfig(srv.URL), testCreds())
	if err != nil {
		t.Fatal(err)
	}
	return c.(*Client)
}

func TestPagingThatNeverEndsStops(t *testing.T) {
	row := func(id int) string { return fmt.Sprintf(`{"id":%d,"name":"C%d"}`, id, id) }
	fullPage := func(first int) string {
		rows := make([]string, 100)
		for i := range rows {
			rows[i] = row(first + i)
		}
		return strings.Join(rows, ",")
	}
	cases := map[string]func(string) string{
		// The server ignores page_no and answers page 1 again, byte for byte.
		"repeated page": func(string) string {
			return `{"record_count":500,"page_size":100,"clients":[` + fullPage(1) + `]}`
		},
		// The same rows, but the wrapper echoes page_no, so the bodies differ.
		"echoed page_no": func(no string) string {
			return `{"record_count":500,"page_no":` + no + `,"page_size":100,"clients":[` + fullPage(1) + `]}`
		},
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			c := pagingServer(t, body)
			_, err := c.ListAccounts(ctx(t), provider.AccountFilter{})
			wantKind(t, err, provider.KindTransient)
			if !strings.Contains(err.Error(), "HaloPSA") || !strings.Contains(err.Error(), "page 2") {
				t.Errorf("error does not name the vendor and the page: %v", err)
			}
		})
	}
}

func TestTopLevelsBareArray(t *testing.T) {
	c := pagingServer(t, func(string) string { return `[{"id":4,"name":"Managed"},{"id":5,"name":"Partners"}]` })
	types, err := c.ListAccountTypes(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(types, []provider.NamedRef{{ID: "4", Name: "Managed"}, {ID: "5", Name: "Partners"}}) {
		t.Errorf("types = %+v", types)
	}
}
