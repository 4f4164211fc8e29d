package kaseyavsa

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/accountsync/accountsync-operator/internal/provider"
	vsasim "github.com/accountsync/accountsync-operator/internal/simulator/kaseyavsa"
	"github.com/accountsync/accountsync-operator/internal/simulator/simkit"
)

var ctx = context.Background()

func TestFactoryRegistration(t *testing.T) {
	f, ok := provider.Lookup(provider.KaseyaVSA)
	if !ok || f.Side != provider.SideTool || strings.Join(f.RequiredKeys, ",") != "username,token" ||
		len(f.OptionalKeys) != 0 || f.DefaultRequestsPerMinute != defaultRequestsPerMinute {
		t.Fatalf("factory %+v", f)
	}
	e := newEnv(t, vsasim.Fixture{}, nil)
	_, err := provider.Build(provider.KaseyaVSA, provider.Config{URL: e.client.http.BaseURL()},
		provider.Credentials{"username": []byte("u")})
	var missing *provider.MissingKeyError
	if !errors.As(err, &missing) || missing.Key != "token" {
		t.Fatalf("missing token: %v", err)
	}
	c, err := provider.Build(provider.KaseyaVSA, provider.Config{URL: e.client.http.BaseURL()},
		provider.Credentials{"username": []byte(testUser), "token": []byte(testToken)})
	if err != nil {
		t.Fatal(err)
	}
	caps := strings.Join(provider.Capabilities(c), ",")
	if caps != "ListOrganizations,FindOrganizationsByName,CreateOrganization,ListMachineGroups,ListToolAssets,Alerts" {
		t.Fatalf("capabilities %s", caps)
	}
	if c.Provider() != provider.KaseyaVSA || c.Side() != provider.SideTool {
		t.Fatal("identity")
	}
}

func TestProbe(t *testing.T) {
	e := newEnv(t, vsasim.Fixture{Orgs: []vsasim.Org{{Name: "Acme", Ref: "acme"}}}, nil)
	res, err := e.client.Probe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.ServerVersion != "" {
		t.Fatalf("VSA reports no version, got %q", res.ServerVersion)
	}
	if got := e.client.CallCount(); got != 2 {
		t.Fatalf("probe made %d calls, want auth + one read", got)
	}
}

func seedOrgs(n int) []vsasim.Org {
	out := make([]vsasim.Org, n)
	for i := range out {
		out[i] = vsasim.Org{Name: fmt.Sprintf("Customer %03d", i), Ref: fmt.Sprintf("cust%03d", i)}
	}
	return out
}

func TestListOrganizationsPages(t *testing.T) {
	e := newEnv(t, vsasim.Fixture{Orgs: seedOrgs(250)}, nil)
	orgs, err := e.client.ListOrganizations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(orgs) != 250 {
		t.Fatalf("%d orgs", len(orgs))
	}
	want := e.sim.Orgs()
	for i, o := range orgs {
		if o.ID != want[i].ID || o.Name != want[i].Name {
			t.Fatalf("org %d = %+v, want %+v (ids must survive beyond float64 precision)", i, o, want[i])
		}
	}
	if got := e.sim.Calls("GET /system/orgs"); got != 3 {
		t.Fatalf("%d list calls, want 3 pages of 100", got)
	}
}

func TestFindOrganizationsByName(t *testing.T) {
	e := newEnv(t, vsasim.Fixture{}, nil)
	// AddOrg bypasses the API's uniqueness rule to model legacy duplicates.
	a := e.sim.AddOrg(vsasim.Org{Name: "Acme Corp", Ref: "acme"})
	b := e.sim.AddOrg(vsasim.Org{Name: "ACME CORP", Ref: "acme2"})
	e.sim.AddOrg(vsasim.Org{Name: "Acme Corporation", Ref: "acme3"})
	ob := e.sim.AddOrg(vsasim.Org{Name: "O'Brien & Co", Ref: "obrien"})
	for _, o := range seedOrgs(120) {
		e.sim.AddOrg(o)
	}
	got, err := e.client.FindOrganizationsByName(ctx, "acme corp")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != a.ID || got[1].ID != b.ID {
		t.Fatalf("find acme corp = %+v", got)
	}
	got, err = e.client.FindOrganizationsByName(ctx, "o'brien & CO")
	if err != nil || len(got) != 1 || got[0].ID != ob.ID || got[0].Name != "O'Brien & Co" {
		t.Fatalf("find o'brien = %+v, %v", got, err)
	}
	got, err = e.client.FindOrganizationsByName(ctx, "Acme")
	if err != nil || len(got) != 0 {
		t.Fatalf("find Acme = %+v, %v", got, err)
	}
	// Each look-up was one filtered page, not a walk through all 124 organizations.
	if n := e.sim.Calls("GET /system/orgs"); n != 3 {
		t.Fatalf("%d calls for 3 look-ups", n)
	}
}

// A server that refuses the tolower() filter still gets an exact look-up, by full listing.
func TestFindFallsBackWhenFilterRefused(t *testing.T) {
	refuse := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.Contains(r.URL.Query().Get("$filter"), "tolower") {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprint(w, `{"Result":null,"ResponseCode":400,"Status":"Failed","Error":"Unknown function 'tolower'."}`)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	e := newEnv(t, vsasim.Fixture{Orgs: append(seedOrgs(150), vsasim.Org{Name: "Zeta Ltd", Ref: "zeta"})}, refuse)
	got, err := e.client.FindOrganizationsByName(ctx, "ZETA LTD")
	if err != nil || len(got) != 1 || got[0].Name != "Zeta Ltd" {
		t.Fatalf("fallback find = %+v, %v", got, err)
	}
}

func TestCreateOrganization(t *testing.T) {
	e := newEnv(t, vsasim.Fixture{}, nil)
	org, err := e.client.CreateOrganization(ctx, "Globex, Inc.")
	if err != nil {
		t.Fatal(err)
	}
	stored := e.sim.Orgs()
	if len(stored) != 1 || stored[0].ID != org.ID || stored[0].Name != "Globex, Inc." || stored[0].Ref != "globex-inc" ||
		stored[0].DefaultMachineGroupName != "root" || stored[0].DefaultDepartmentName != "root" {
		t.Fatalf("created %+v, stored %+v", org, stored)
	}
	groups, err := e.client.ListMachineGroups(ctx, org.ID)
	if err != nil || len(groups) != 1 || groups[0].Name != "root" || groups[0].OrganizationID != org.ID {
		t.Fatalf("groups of new org = %+v, %v", groups, err)
	}
}

func TestCreateDuplicateNameIsNameConflict(t *testing.T) {
	e := newEnv(t, vsasim.Fixture{Orgs: []vsasim.Org{{Name: "Acme Corp", Ref: "acme"}}}, nil)
	holder := e.sim.Orgs()[0]
	_, err := e.client.CreateOrganization(ctx, "ACME corp")
	wantKind(t, err, provider.KindNameConflict)
	if !strings.Contains(err.Error(), holder.ID) {
		t.Fatalf("conflict message should name the holder: %v", err)
	}
	if n := len(e.sim.Orgs()); n != 1 {
		t.Fatalf("%d orgs after a refused create", n)
	}
	if n := e.sim.Calls("POST /system/orgs"); n != 1 {
		t.Fatalf("%d POSTs: a name conflict must not be retried", n)
	}
}

func TestCreateRetriesAReferenceCollision(t *testing.T) {
	e := newEnv(t, vsasim.Fixture{Orgs: []vsasim.Org{{Name: "Acme Inc", Ref: "acme-inc"}}}, nil)
	org, err := e.client.CreateOrganization(ctx, "Acme, Inc.")
	if err != nil {
		t.Fatal(err)
	}
	stored := e.sim.Orgs()
	if len(stored) != 2 || stored[1].ID != org.ID || stored[1].Ref != hashedOrgRef("Acme, Inc.") {
		t.Fatalf("stored %+v", stored)
	}
}

func TestCreateRefusedForAnotherReasonIsInvalid(t *testing.T) {
	e := newEnv(t, vsasim.Fixture{}, nil)
	_, err := e.client.CreateOrganization(ctx, "   ")
	wantKind(t, err, provider.KindInvalid)
	// The simulator refuses a dotted default group; the client never sends one, so provoke a
	// refusal the other way: a server that rejects every create with a logical error.
	refuseAll := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost {
				fmt.Fprint(w, `{"Result":null,"ResponseCode":7,"Status":"Failed","Error":"License limit reached"}`)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	e = newEnv(t, vsasim.Fixture{}, refuseAll)
	_, err = e.client.CreateOrganization(ctx, "New Customer")
	wantKind(t, err, provider.KindInvalid)
	if !strings.Contains(err.Error(), "License limit reached") {
		t.Fatalf("message should carry VSA's reason: %v", err)
	}
}

func TestWrongCredentials(t *testing.T) {
	e := newEnv(t, vsasim.Fixture{}, nil)
	bad := newTestClient(t, e.srv.URL, testUser, "pat-wrong-token")
	_, err := bad.Probe(ctx)
	wantKind(t, err, provider.KindAuth)
	_, err = bad.CreateOrganization(ctx, "Acme")
	wantKind(t, err, provider.KindAuth) // not UnknownOutcome: no POST was sent
	if n := e.sim.Calls("POST /system/orgs"); n != 0 {
		t.Fatalf("%d POSTs with refused credentials", n)
	}
	// One login attempt per call: repeated refused logins can lock a VSA account.
	if n := e.sim.Calls("GET /auth"); n != 2 {
		t.Fatalf("%d login attempts for two calls", n)
	}
}

func TestThrottledThenSuccess(t *testing.T) {
	e := newEnv(t, vsasim.Fixture{Orgs: seedOrgs(230)}, nil)
	want, err := e.client.ListOrganizations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e.sim.SetFaults(simkit.Faults{ThrottleEvery: 2, RetryAfterSeconds: 0})
	got, err := e.client.ListOrganizations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatal("throttled listing differs")
	}
	if n := e.sim.Calls("GET /system/orgs"); n < 3+5 {
		t.Fatalf("only %d calls: the 429s were not retried", n)
	}
	org, err := e.client.CreateOrganization(ctx, "After Throttle")
	if err != nil || org.ID == "" {
		t.Fatalf("create under throttling: %+v %v", org, err)
	}
	if n := len(e.sim.Orgs()); n != 231 {
		t.Fatalf("%d orgs: a 429 on a create must be retried exactly once", n)
	}
}

func TestServerErrorsExhaustToTransient(t *testing.T) {
	e := newEnv(t, vsasim.Fixture{Orgs: seedOrgs(3)}, nil)
	if _, err := e.client.Probe(ctx); err != nil {
		t.Fatal(err)
	}
	e.sim.SetFaults(simkit.Faults{ServerErrorEvery: 1})
	_, err := e.client.ListOrganizations(ctx)
	wantKind(t, err, provider.KindTransient)
	_, err = e.client.ListToolAssets(ctx, "")
	wantKind(t, err, provider.KindTransient)
	// A 503 on a create is not retried: it may have been done.
	_, err = e.client.CreateOrganization(ctx, "Maybe")
	wantKind(t, err, provider.KindUnknownOutcome)
}

func TestSlowCreateIsUnknownOutcomeAndCreatedOnce(t *testing.T) {
	e := newEnv(t, vsasim.Fixture{}, nil, func(c *provider.Config) { c.Timeout = 150 * time.Millisecond })
	if _, err := e.client.Probe(ctx); err != nil {
		t.Fatal(err)
	}
	e.sim.SetFaults(simkit.Faults{SlowCreates: 1, SlowCreateDelay: 600 * time.Millisecond})
	_, err := e.client.CreateOrganization(ctx, "Slow Customer")
	wantKind(t, err, provider.KindUnknownOutcome)
	if n := e.sim.Calls("POST /system/orgs"); n != 1 {
		t.Fatalf("%d POSTs: an unknown outcome must not be resent", n)
	}
	stored := e.sim.Orgs()
	if len(stored) != 1 || stored[0].Name != "Slow Customer" {
		t.Fatalf("stored %+v", stored)
	}
	// The follow-up look-up the controller makes finds it.
	found, err := e.client.FindOrganizationsByName(ctx, "slow customer")
	if err != nil || len(found) != 1 || found[0].ID != stored[0].ID {
		t.Fatalf("look-up after unknown outcome = %+v, %v", found, err)
	}
}

func TestReauthenticatesOnceAfter401(t *testing.T) {
	e := newEnv(t, vsasim.Fixture{Orgs: seedOrgs(5)}, nil)
	if _, err := e.client.ListOrganizations(ctx); err != nil {
		t.Fatal(err)
	}
	e.sim.ExpireTokens()
	orgs, err := e.client.ListOrganizations(ctx)
	if err != nil || len(orgs) != 5 {
		t.Fatalf("after expiry: %d orgs, %v", len(orgs), err)
	}
	if n := e.sim.Sessions(); n != 2 {
		t.Fatalf("%d sessions, want 2", n)
	}
	e.sim.ExpireTokens()
	if _, err := e.client.CreateOrganization(ctx, "After Expiry"); err != nil {
		t.Fatalf("create after expiry: %v", err)
	}
	if n := len(e.sim.Orgs()); n != 6 {
		t.Fatalf("%d orgs: the POST answered 401 must be resent exactly once", n)
	}
}

func TestMachineGroupsAndAgents(t *testing.T) {
	e := newEnv(t, vsasim.Fixture{}, nil)
	acme := e.sim.AddOrg(vsasim.Org{Name: "Acme", Ref: "acme"})
	other := e.sim.AddOrg(vsasim.Org{Name: "Other", Ref: "other"})
	var root vsasim.MachineGroup
	for _, g := range e.sim.MachineGroups() {
		if g.OrgID == acme.ID {
			root = g
		}
	}
	hq := e.sim.AddMachineGroup(vsasim.MachineGroup{Name: "hq", OrgID: acme.ID, ParentID: root.ID})
	pc := e.sim.AddAgent(vsasim.Agent{ComputerName: "PC01", MachineGroupID: hq.ID, OperatingSystem: "Windows 11 Pro",
		OSInfo: "Build 22631", IPAddress: "10.0.0.5", LastLoggedInUser: "ACME\\jdoe"})
	e.sim.AddAgent(vsasim.Agent{ComputerName: "PC02", OrgID: acme.ID, OSInfo: "Ubuntu 22.04"})
	for i := range 120 {
		e.sim.AddAgent(vsasim.Agent{ComputerName: fmt.Sprintf("SRV%03d", i), OrgID: other.ID})
	}

	groups, err := e.client.ListMachineGroups(ctx, acme.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 2 || groups[0].Name != "root" || groups[1].Name != "hq" || groups[1].ID != hq.ID {
		t.Fatalf("groups = %+v", groups)
	}

	assets, err := e.client.ListToolAssets(ctx, acme.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := provider.ToolAsset{ID: pc.ID, Name: "PC01", OrganizationID: acme.ID, MachineGroup: "hq",
		OS: "Windows 11 Pro", IPAddress: "10.0.0.5", LastUser: "ACME\\jdoe"}
	if len(assets) != 2 || assets[0] != want || assets[1].MachineGroup != "root" || assets[1].OS != "Ubuntu 22.04" {
		t.Fatalf("assets = %+v", assets)
	}
	all, err := e.client.ListToolAssets(ctx, "")
	if err != nil || len(all) != 122 {
		t.Fatalf("all assets: %d, %v", len(all), err)
	}

	_, err = e.client.ListMachineGroups(ctx, "12345")
	wantKind(t, err, provider.KindNotFound)
	_, err = e.client.ListMachineGroups(ctx, "../auth")
	wantKind(t, err, provider.KindInvalid)
	_, err = e.client.ListToolAssets(ctx, "1 or 1 eq 1")
	wantKind(t, err, provider.KindInvalid)
}

// A logical error inside HTTP 200 fails a read too.
func TestLogicalErrorOnList(t *testing.T) {
	broken := func(http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.Contains(r.URL.Path, "/auth") {
				fmt.Fprint(w, `{"Result":{"Token":"t-1","SessionExpiration":"bad"},"ResponseCode":0,"Status":"OK","Error":"None"}`)
				return
			}
			fmt.Fprint(w, `{"Result":[],"TotalRecords":0,"ResponseCode":12,"Status":"Failed","Error":"Scope denied"}`)
		})
	}
	e := newEnv(t, vsasim.Fixture{}, broken)
	_, err := e.client.ListOrganizations(ctx)
	wantKind(t, err, provider.KindInvalid)
	if !strings.Contains(err.Error(), "Scope denied") {
		t.Fatalf("message: %v", err)
	}
}

// The listing's Website and ContactInfo become the organization's profile (the suggester's
// signals) with no call per organization.
func TestListOrganizationsReadsProfile(t *testing.T) {
	e := newEnv(t, vsasim.Fixture{Orgs: []vsasim.Org{
		{Name: "Acme Corp", Ref: "acme", Website: "https://www.acme.com", Contact: &vsasim.ContactInfo{
			PrimaryPhone: "+1 555 010 2000", PrimaryEmail: "it@acme.com", Street: "1 Main St", City: "Springfield", ZipCode: "01101"}},
		{Name: "Bare", Ref: "bare"},
	}}, nil)
	orgs, err := e.client.ListOrganizations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := provider.Profile{Website: "https://www.acme.com", Email: "it@acme.com", Phone: "+1 555 010 2000",
		Street: "1 Main St", City: "Springfield", PostalCode: "01101"}
	if len(orgs) != 2 || orgs[0].Profile != want || orgs[1].Profile != (provider.Profile{}) {
		t.Fatalf("orgs = %+v, want the first with profile %+v and the second with none", orgs, want)
	}
	if got := e.sim.Calls("GET /system/orgs"); got != 1 {
		t.Fatalf("%d list calls, want 1", got)
	}
}
