package kaseyabms

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/accountsync/accountsync-operator/internal/provider"
	sim "github.com/accountsync/accountsync-operator/internal/simulator/kaseyabms"
)

var ctx = context.Background()

func names(accts []provider.Account) []string {
	var out []string
	for _, a := range accts {
		out = append(out, a.Name)
	}
	slices.Sort(out)
	return out
}

func TestLoginSendsTheV2FormAndKeepsTheToken(t *testing.T) {
	rec := &recorder{next: http.DefaultTransport}
	s, c := newEnv(t, sim.Fixture{}, func(cfg *provider.Config) { cfg.Transport = rec })
	if _, err := c.Probe(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListAccountTypes(ctx); err != nil {
		t.Fatal(err)
	}
	if s.TokensIssued() != 1 {
		t.Fatalf("logins = %d, want 1 (the token is cached)", s.TokensIssued())
	}
	login := rec.reqs[0]
	if login.path != "/v2/security/authenticate" || login.contentType != "application/x-www-form-urlencoded" {
		t.Fatalf("login = %+v", login)
	}
	for _, want := range []string{"GrantType=password", "UserName=api-user", "Tenant=Acme+MSP"} {
		if !strings.Contains(login.body, want) {
			t.Errorf("login body %q lacks %q", login.body, want)
		}
	}
	if rec.reqs[1].auth == "" || !strings.HasPrefix(rec.reqs[1].auth, "Bearer ") {
		t.Errorf("API call auth = %q", rec.reqs[1].auth)
	}
}

func TestRefusedLoginIsAnAuthFailureAndIsNotRepeated(t *testing.T) {
	s := sim.New(sim.Fixture{Credentials: []sim.Credential{testCred}})
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	bad := testCred
	bad.Password = "wrong"
	c, err := New(testConfig(ts.URL), creds(bad))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Probe(ctx)
	kindOf(t, err, provider.KindAuth)
	_, err = c.Probe(ctx)
	kindOf(t, err, provider.KindAuth)
	if n := s.Calls("POST /security/authenticate"); n != 1 {
		t.Fatalf("logins = %d, want 1 within the cooldown", n)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Fatalf("the error shows the password: %v", err)
	}
}

func TestExpiredTokenIsRenewedWithTheRefreshGrant(t *testing.T) {
	s, c := newEnv(t, sim.Fixture{})
	if _, err := c.Probe(ctx); err != nil {
		t.Fatal(err)
	}
	s.ExpireTokens()
	if _, err := c.ListAccountTypes(ctx); err != nil {
		t.Fatal(err)
	}
	if s.Calls("POST /security/refreshtoken") != 1 || s.Calls("POST /security/authenticate") != 1 {
		t.Fatalf("calls = %v, want one login and one refresh", s.AllCalls())
	}
}

func TestCamelCaseAnswersDecode(t *testing.T) {
	_, c := newEnv(t, sim.Fixture{CamelCase: true, Accounts: []sim.Account{{AccountName: "Acme", AccountTypeID: 1}}})
	got, err := c.ListAccounts(ctx, provider.AccountFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Name != "Acme" || !slices.Equal(got[0].Types, []string{"Customer"}) {
		t.Fatalf("accounts = %+v", got)
	}
}

func TestListAccountsFiltersByTypeAndActivityAndPages(t *testing.T) {
	var accts []sim.Account
	for i := range 230 {
		accts = append(accts, sim.Account{AccountName: fmt.Sprintf("Customer %03d", i), AccountTypeID: 1})
	}
	accts = append(accts, sim.Account{AccountName: "Old Customer", AccountTypeID: 1, Inactive: true},
		sim.Account{AccountName: "A Prospect", AccountTypeID: 2}, sim.Account{AccountName: "A Vendor", AccountTypeID: 3})
	s, c := newEnv(t, sim.Fixture{Accounts: accts})

	got, err := c.ListAccounts(ctx, provider.AccountFilter{TypeIDs: []string{"1"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 230 || slices.Contains(names(got), "Old Customer") {
		t.Fatalf("active customers = %d", len(got))
	}
	if n := s.Calls("GET /crm/accounts/summary"); n != 3 {
		t.Fatalf("summary calls = %d, want 3 pages of 100 (TotalRecords ends the loop)", n)
	}
	got, err = c.ListAccounts(ctx, provider.AccountFilter{TypeIDs: []string{"2", "3"}, IncludeInactive: true})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(names(got), []string{"A Prospect", "A Vendor"}) {
		t.Fatalf("prospects and vendors = %v", names(got))
	}
	_, err = c.ListAccounts(ctx, provider.AccountFilter{StatusIDs: []string{"1"}})
	kindOf(t, err, provider.KindUnsupported)
	_, err = c.ListAccountStatuses(ctx)
	kindOf(t, err, provider.KindUnsupported)
}

func TestFindAccountsByNameSeesInactiveAndComparesExactly(t *testing.T) {
	_, c := newEnv(t, sim.Fixture{Accounts: []sim.Account{
		{AccountName: "Acme", AccountTypeID: 1, Inactive: true}, {AccountName: "Acme Holdings", AccountTypeID: 1}}})
	got, err := c.FindAccountsByName(ctx, " acme ")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Name != "Acme" || !got[0].Inactive {
		t.Fatalf("found %+v", got)
	}
}

func TestCreateAccountSendsWhatV2Requires(t *testing.T) {
	s, c := newEnv(t, sim.Fixture{Accounts: []sim.Account{{AccountName: "Taken", AccountTypeID: 1}}})
	a, err := c.CreateAccount(ctx, provider.AccountCreate{Name: "Globex Corp", TypeID: "2", ManagerID: "1", BusinessTypeID: "2"})
	if err != nil {
		t.Fatal(err)
	}
	var made sim.Account
	for _, x := range s.Accounts() {
		if fmt.Sprint(x.ID) == a.ID {
			made = x
		}
	}
	if made.AccountTypeID != 2 || made.BusinessTypeID != 2 || made.AccountManagerID != 1 || made.AccountCode != "GLOBEXCORP" {
		t.Fatalf("created %+v", made)
	}
	locs := s.Locations(made.ID)
	if len(locs) != 1 || !locs[0].IsMain || locs[0].LocationName != "Main" {
		t.Fatalf("locations = %+v", locs)
	}
	_, err = c.CreateAccount(ctx, provider.AccountCreate{Name: "taken", TypeID: "1", ManagerID: "1", BusinessTypeID: "1"})
	kindOf(t, err, provider.KindNameConflict)
	_, err = c.CreateAccount(ctx, provider.AccountCreate{Name: "No Manager", TypeID: "1", BusinessTypeID: "1"})
	kindOf(t, err, provider.KindInvalid)
	if !strings.Contains(err.Error(), "accountManager") {
		t.Fatalf("error does not name the setting: %v", err)
	}
	_, err = c.CreateAccount(ctx, provider.AccountCreate{Name: "Bad Type", TypeID: "99", ManagerID: "1", BusinessTypeID: "1"})
	kindOf(t, err, provider.KindInvalid)
}

func TestLogicalErrorsOnHTTP200AreFailures(t *testing.T) {
	_, c := newEnv(t, sim.Fixture{LogicalErrorsWithHTTP200: true, Accounts: []sim.Account{{AccountName: "Taken", AccountTypeID: 1}}})
	_, err := c.CreateAccount(ctx, provider.AccountCreate{Name: "Taken", TypeID: "1", ManagerID: "1", BusinessTypeID: "1"})
	kindOf(t, err, provider.KindNameConflict)
}

func TestResolveCreateSettings(t *testing.T) {
	_, c := newEnv(t, sim.Fixture{
		Employees: []sim.Employee{
			{ID: 7, FirstName: "Dana", LastName: "Whitfield", Email: "dana@msp.example", Username: "dana"},
			{ID: 8, FirstName: "Sam", LastName: "Lee", Email: "sam.a@msp.example"},
			{ID: 9, FirstName: "Sam", LastName: "Lee", Email: "sam.b@msp.example"},
			{ID: 10, FirstName: "Gone", LastName: "Person", Inactive: true},
		},
		Categories: []sim.Category{{ID: 4, Name: "Workstation"}, {ID: 5, Name: "Server"}},
		Accounts:   []sim.Account{{ID: 11, AccountName: "Acme", AccountTypeID: 1}},
		Assets:     []sim.Asset{{AccountID: 11, Name: "srv", CategoryID: 5}},
	})
	base := provider.CreateSettings{AccountType: "1", BusinessType: "2", ForAccounts: true, ForAssets: true, AssetCategory: "server"}
	for _, manager := range []string{"dana whitfield", "DANA@msp.example", "dana", "7"} {
		in := base
		in.AccountManager = manager
		got, err := c.ResolveCreateSettings(ctx, in)
		if err != nil {
			t.Fatalf("%q: %v", manager, err)
		}
		if got.AccountManager != "7" || got.AssetCategory != "5" || got.BusinessType != "2" {
			t.Fatalf("%q resolved to %+v", manager, got)
		}
	}
	for manager, want := range map[string]string{
		"Sam Lee":        "names 2 employees",
		"Nobody":         "Dana Whitfield <dana@msp.example> (7)",
		"Gone Person":    "does not exist",
		"":               "needs an account manager",
		"sam.b@msp.EXAM": "does not exist",
	} {
		in := base
		in.AccountManager = manager
		_, err := c.ResolveCreateSettings(ctx, in)
		var se *provider.SettingError
		if !errors.As(err, &se) || se.Setting != "accountManager" || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want a SettingError containing %q", manager, err, want)
		}
	}
	in := base
	in.AccountManager, in.AssetCategory = "7", "Laptop"
	_, err := c.ResolveCreateSettings(ctx, in)
	var se *provider.SettingError
	if !errors.As(err, &se) || se.Setting != "assetCategory" || !slices.Contains(se.Choices, "Server (5)") {
		t.Fatalf("unknown category: %v", err)
	}
	in.AssetCategory, in.BusinessType = "4", "Managed"
	_, err = c.ResolveCreateSettings(ctx, in)
	if !errors.As(err, &se) || se.Setting != "businessType" {
		t.Fatalf("named business type: %v", err)
	}
	in.BusinessType, in.AccountType = "1", ""
	_, err = c.ResolveCreateSettings(ctx, in)
	if !errors.As(err, &se) || se.Setting != "accountType" {
		t.Fatalf("no account type: %v", err)
	}
	// Only what the policy creates is required, but a value that is given is checked.
	if _, err := c.ResolveCreateSettings(ctx, provider.CreateSettings{}); err != nil {
		t.Fatalf("nothing to create: %v", err)
	}
	_, err = c.ResolveCreateSettings(ctx, provider.CreateSettings{AccountManager: "Nobody"})
	if !errors.As(err, &se) || se.Setting != "accountManager" {
		t.Fatalf("a wrong manager on a policy that creates nothing: %v", err)
	}
}

func TestLocationsAreListedButNotCreated(t *testing.T) {
	_, c := newEnv(t, sim.Fixture{Accounts: []sim.Account{{ID: 11, AccountName: "Acme", AccountTypeID: 1}},
		Locations: []sim.Location{{ID: 31, AccountID: 11, LocationName: "HQ", IsMain: true}, {ID: 32, AccountID: 11, LocationName: "Lab"}}})
	got, err := c.ListLocations(ctx, "11")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != (provider.Location{ID: "31", Name: "HQ", IsMain: true}) {
		t.Fatalf("locations = %+v", got)
	}
	_, err = c.CreateLocation(ctx, "11", "root.acme")
	kindOf(t, err, provider.KindUnsupported)
	if !strings.Contains(err.Error(), "only inside an account create") {
		t.Fatalf("the reason is missing: %v", err)
	}
	_, err = c.ListLocations(ctx, "999")
	kindOf(t, err, provider.KindNotFound)
}

// TestAssetsAreNeverDuplicated is the re-sync proof: the tool's id written to AssetTag is read
// back by the next listing, and an asset BMS's own RMM integration imported is recognised by
// its AgentId.
func TestAssetsAreNeverDuplicated(t *testing.T) {
	s, c := newEnv(t, sim.Fixture{Accounts: []sim.Account{{ID: 11, AccountName: "Acme", AccountTypeID: 1}}})
	native := s.AddAsset(sim.Asset{AccountID: 11, Name: "native-pc", AgentID: "agent-native"})

	created, err := c.CreateAsset(ctx, provider.PSAAsset{AccountID: "11", ExternalKey: "agent-1", Name: "pc-1",
		Category: "1", OS: "Windows 11 Pro", IPAddress: "10.0.0.1", SerialNumber: "SN1"})
	if err != nil {
		t.Fatal(err)
	}
	listed, err := c.ListAssets(ctx, "11")
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]provider.PSAAsset{}
	for _, a := range listed {
		keys[a.ExternalKey] = a
	}
	got := keys["agent-1"]
	want := provider.PSAAsset{ID: created.ID, AccountID: "11", ExternalKey: "agent-1", Name: "pc-1", LocationID: fmt.Sprint(s.Locations(11)[0].ID),
		SerialNumber: "SN1", OS: "Windows 11 Pro", IPAddress: "10.0.0.1", Category: "1"}
	if got != want {
		t.Fatalf("listed %+v\nwant    %+v", got, want)
	}
	if keys["agent-native"].ID != fmt.Sprint(native.ID) {
		t.Fatalf("the natively imported asset is not keyed by its AgentId: %+v", listed)
	}
	if a := s.Assets(11)[1]; a.OsType != "Windows" || a.OsInfo != "Windows 11 Pro" || a.AssetTag != "agent-1" {
		t.Fatalf("stored %+v", a)
	}

	got.Name, got.IPAddress = "pc-1-renamed", "10.0.0.2"
	if _, err := c.UpdateAsset(ctx, got); err != nil {
		t.Fatal(err)
	}
	listed, err = c.ListAssets(ctx, "11")
	if err != nil {
		t.Fatal(err)
	}
	if len(listed) != 2 || len(s.Assets(11)) != 2 {
		t.Fatalf("assets after update = %+v", listed)
	}
	for _, a := range listed {
		if a.ExternalKey == "agent-1" && (a.Name != "pc-1-renamed" || a.IPAddress != "10.0.0.2") {
			t.Fatalf("update lost: %+v", a)
		}
	}
	_, err = c.CreateAsset(ctx, provider.PSAAsset{AccountID: "11", ExternalKey: "agent-2", Name: "pc-2"})
	kindOf(t, err, provider.KindInvalid) // no category
	_, err = c.CreateAsset(ctx, provider.PSAAsset{AccountID: "11", ExternalKey: "agent-2", Name: "pc-2", Category: "1", DepartmentID: "4"})
	kindOf(t, err, provider.KindUnsupported)
}

func TestAssetListingPagesSearchSelect(t *testing.T) {
	var assets []sim.Asset
	for i := range 150 {
		assets = append(assets, sim.Asset{AccountID: 11, Name: fmt.Sprintf("pc-%03d", i), AssetTag: fmt.Sprintf("agent-%d", i)})
	}
	s, c := newEnv(t, sim.Fixture{Accounts: []sim.Account{{ID: 11, AccountName: "Acme", AccountTypeID: 1}}, Assets: assets})
	listed, err := c.ListAssets(ctx, "11")
	if err != nil {
		t.Fatal(err)
	}
	if len(listed) != 150 {
		t.Fatalf("listed %d", len(listed))
	}
	// No TotalRecords on searchselect: two full pages and an empty one end the loop.
	if n := s.Calls("GET /servicedesk/hardwareasset/searchselect"); n != 3 {
		t.Fatalf("searchselect calls = %d", n)
	}
	if n := s.Calls("GET /servicedesk/hardwareasset/{assetId}"); n != 150 {
		t.Fatalf("detail calls = %d", n)
	}
}

func TestContacts(t *testing.T) {
	s, c := newEnv(t, sim.Fixture{Accounts: []sim.Account{{ID: 11, AccountName: "Acme", AccountTypeID: 1}},
		Contacts: []sim.Contact{{AccountID: 11, FirstName: "Ann", LastName: "Lee", Email: "ann@acme.example", Phone: "555-1"}}})
	got, err := c.ListUsers(ctx, "11")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Email != "ann@acme.example" || got[0].Phone != "555-1" || got[0].Name != "Ann Lee" {
		t.Fatalf("contacts = %+v", got)
	}
	u, err := c.CreateUser(ctx, "11", provider.User{Name: "Bo Ng", Email: "bo@acme.example", Phone: "555-2"})
	if err != nil {
		t.Fatal(err)
	}
	stored := s.Contacts(11)
	if len(stored) != 2 || stored[1].Email != "bo@acme.example" || stored[1].Phone != "555-2" || stored[1].LocationID != s.Locations(11)[0].ID ||
		u.ID != fmt.Sprint(stored[1].ID) {
		t.Fatalf("stored %+v, returned %+v", stored, u)
	}
	_, err = c.CreateUser(ctx, "11", provider.User{Name: "Cher"})
	kindOf(t, err, provider.KindInvalid)
}

func TestUnknownQueryParameterIsRefusedBySimulator(t *testing.T) {
	s := sim.New(sim.Fixture{Credentials: []sim.Credential{testCred}})
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	c, _ := New(testConfig(ts.URL), creds(testCred))
	_, err := listAll(ctx, c, "Test", accountsSummaryPath, map[string][]string{"Filter.StatusId": {"1"}}, decodeAccount)
	kindOf(t, err, provider.KindInvalid)
	if !strings.Contains(err.Error(), "Filter.StatusId") {
		t.Fatalf("error does not name the parameter: %v", err)
	}
}
