package kaseyabms

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"testing"

	"github.com/accountsync/accountsync-operator/internal/provider"
	sim "github.com/accountsync/accountsync-operator/internal/simulator/kaseyabms"
)

func TestFactoryRegistered(t *testing.T) {
	f, ok := provider.Lookup(provider.KaseyaBMS)
	if !ok {
		t.Fatal("KaseyaBMS not registered")
	}
	if f.Side != provider.SidePSA || !slices.Equal(f.RequiredKeys, []string{"username", "password", "tenant"}) ||
		len(f.OptionalKeys) != 0 || f.DefaultRequestsPerMinute != defaultRequestsPerMinute {
		t.Fatalf("factory: %+v", f)
	}
	u, _ := url.Parse("https://bms.kaseya.com")
	c := creds(testCred)
	delete(c, "tenant")
	var missing *provider.MissingKeyError
	if _, err := provider.Build(provider.KaseyaBMS, provider.Config{URL: u}, c); !errors.As(err, &missing) || missing.Key != "tenant" {
		t.Fatalf("missing key: %v", err)
	}
	client, err := provider.Build(provider.KaseyaBMS, provider.Config{URL: u}, creds(testCred))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"ListAccounts", "FindAccountsByName", "ListAccountStatusesAndTypes", "CreateAccount",
		"Locations", "Departments", "Assets", "ListUsers", "CreateUser"}
	if got := provider.Capabilities(client); !slices.Equal(got, want) {
		t.Fatalf("capabilities %v, want %v", got, want)
	}
	if client.Provider() != provider.KaseyaBMS || client.Side() != provider.SidePSA {
		t.Fatal("identity")
	}
}

// accountsFixture: 260 accounts over two statuses (every 5th inactive) and three types.
func accountsFixture() sim.Fixture {
	var f sim.Fixture
	for i := 1; i <= 260; i++ {
		a := sim.Account{AccountName: fmt.Sprintf("Customer %03d", i), AccountTypeID: int64(i%3 + 1)}
		if i%5 == 0 {
			a.StatusID = 2
		}
		f.Accounts = append(f.Accounts, a)
	}
	return f
}

func TestListAccountsPagesAndFilters(t *testing.T) {
	s, c := newEnv(t, accountsFixture())
	ctx := context.Background()

	all, err := c.ListAccounts(ctx, provider.AccountFilter{IncludeInactive: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 260 || s.Calls("GET /crm/accounts") != 3 {
		t.Fatalf("got %d accounts in %d calls", len(all), s.Calls("GET /crm/accounts"))
	}
	ids := map[string]bool{}
	for _, a := range all {
		ids[a.ID] = true
	}
	if len(ids) != 260 {
		t.Fatalf("duplicates across pages: %d distinct", len(ids))
	}
	first := all[0]
	if first.ID != "1001" || first.Name != "Customer 001" || first.Status != "Active" || first.Inactive ||
		!slices.Equal(first.Types, []string{"Prospect"}) {
		t.Fatalf("first account: %+v", first)
	}

	active, err := c.ListAccounts(ctx, provider.AccountFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(active) != 208 {
		t.Fatalf("active accounts: %d", len(active))
	}
	for _, a := range active {
		if a.Inactive || a.Status != "Active" {
			t.Fatalf("inactive account listed: %+v", a)
		}
	}

	inactive, err := c.ListAccounts(ctx, provider.AccountFilter{StatusIDs: []string{"2"}, IncludeInactive: true})
	if err != nil || len(inactive) != 52 || !inactive[0].Inactive || inactive[0].Status != "Inactive" {
		t.Fatalf("inactive: %d %v", len(inactive), err)
	}
	// Inactive statuses asked for but inactive accounts excluded: nothing qualifies.
	if none, err := c.ListAccounts(ctx, provider.AccountFilter{StatusIDs: []string{"2"}}); err != nil || len(none) != 0 {
		t.Fatalf("inactive without IncludeInactive: %d %v", len(none), err)
	}

	typed, err := c.ListAccounts(ctx, provider.AccountFilter{TypeIDs: []string{"1", "3", "1"}, StatusIDs: []string{"1"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range typed {
		if slices.Contains(a.Types, "Prospect") || a.Inactive {
			t.Fatalf("filtered-out account listed: %+v", a)
		}
	}
	if len(typed) != 138 {
		t.Fatalf("typed accounts: %d", len(typed))
	}

	before := c.CallCount()
	_, err = c.ListAccounts(ctx, provider.AccountFilter{StatusIDs: []string{"1 or 1 eq 1"}})
	kindOf(t, err, provider.KindInvalid)
	if c.CallCount() != before {
		t.Fatal("an invalid id reached the server")
	}
}

func TestFindAccountsByName(t *testing.T) {
	f := sim.Fixture{Accounts: []sim.Account{
		{AccountName: "Acme Corp"},
		{AccountName: "Acme Corporation"},
		{AccountName: "O'Brien & Sons", StatusID: 2},
		{AccountName: "Zeta", AccountTypeID: 3},
	}}
	s, c := newEnv(t, f)
	ctx := context.Background()
	cases := map[string][]string{
		"acme corp":        {"1001"},
		"  ACME CORP ":     {"1001"},
		"Acme":             nil,
		"o'brien & SONS":   {"1003"}, // inactive and quoted
		"zeta":             {"1004"},
		"Acme Corporation": {"1002"},
	}
	for name, want := range cases {
		got, err := c.FindAccountsByName(ctx, name)
		if err != nil {
			t.Fatalf("%q: %v", name, err)
		}
		var ids []string
		for _, a := range got {
			ids = append(ids, a.ID)
		}
		if !slices.Equal(ids, want) {
			t.Errorf("%q: got %v, want %v", name, ids, want)
		}
	}
	if got, _ := c.FindAccountsByName(ctx, "o'brien & sons"); len(got) != 1 || !got[0].Inactive {
		t.Fatalf("inactive match not flagged: %+v", got)
	}
	if s.Calls("GET /crm/accounts") != len(cases)+1 {
		t.Fatalf("each look-up should be one narrowed call: %v", s.AllCalls())
	}
	_, err := c.FindAccountsByName(ctx, "  ")
	kindOf(t, err, provider.KindInvalid)
}

func TestStatusesAndTypes(t *testing.T) {
	f := sim.Fixture{
		Statuses: []sim.Status{{ID: 7, Name: "Client"}, {ID: 8, Name: "Former", Inactive: true}},
		Types:    []sim.AccountType{{ID: 4, Name: "Managed"}, {ID: 5, Name: "Break/Fix"}},
	}
	_, c := newEnv(t, f)
	st, err := c.ListAccountStatuses(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []provider.NamedRef{{ID: "7", Name: "Client"}, {ID: "8", Name: "Former", Inactive: true}}
	if !slices.Equal(st, want) {
		t.Fatalf("statuses %+v", st)
	}
	ty, err := c.ListAccountTypes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ty, []provider.NamedRef{{ID: "4", Name: "Managed"}, {ID: "5", Name: "Break/Fix"}}) {
		t.Fatalf("types %+v", ty)
	}
}

func TestCreateAccount(t *testing.T) {
	for _, http200 := range []bool{false, true} {
		t.Run(fmt.Sprintf("logicalErrorsWithHTTP200=%v", http200), func(t *testing.T) {
			f := sim.Fixture{LogicalErrorsWithHTTP200: http200, Accounts: []sim.Account{{AccountName: "Existing Co", StatusID: 2}}}
			s, c := newEnv(t, f)
			ctx := context.Background()
			got, err := c.CreateAccount(ctx, provider.AccountCreate{Name: " New Co, Inc. ", StatusID: "1", TypeID: "2"})
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != "1002" || got.Name != "New Co, Inc." || got.Status != "Active" ||
				!slices.Equal(got.Types, []string{"Prospect"}) {
				t.Fatalf("created %+v", got)
			}
			stored := s.Accounts()[1]
			if stored.AccountCode != "NEWCOINC" || stored.StatusID != 1 || stored.AccountTypeID != 2 {
				t.Fatalf("stored %+v", stored)
			}
			// The new account takes part in the next sync and has its main location.
			if locs, err := c.ListLocations(ctx, got.ID); err != nil || len(locs) != 1 || !locs[0].IsMain {
				t.Fatalf("main location: %+v %v", locs, err)
			}

			_, err = c.CreateAccount(ctx, provider.AccountCreate{Name: "EXISTING CO"})
			kindOf(t, err, provider.KindNameConflict)
			_, err = c.CreateAccount(ctx, provider.AccountCreate{Name: "Other", StatusID: "99"})
			kindOf(t, err, provider.KindInvalid)
			_, err = c.CreateAccount(ctx, provider.AccountCreate{Name: "Other", TypeID: "x"})
			kindOf(t, err, provider.KindInvalid)
			_, err = c.ListLocations(ctx, "4242") // ResponseCode 404, on HTTP 200 too
			kindOf(t, err, provider.KindNotFound)
			if n := len(s.Accounts()); n != 2 {
				t.Fatalf("%d accounts", n)
			}
		})
	}
}

func TestAccountCode(t *testing.T) {
	cases := map[string]string{
		"Acme Corp":                       "ACMECORP",
		"O'Brien & Sons, LLC":             "OBRIENSONSLLC",
		"Müller GmbH":                     "MLLERGMBH",
		"日本":                              "",
		"A very long customer name 12345": "AVERYLONGCUSTOMERNAM",
	}
	for name, want := range cases {
		if got := accountCode(name); got != want {
			t.Errorf("accountCode(%q) = %q, want %q", name, got, want)
		}
	}
}
