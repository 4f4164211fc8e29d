package gravityzone

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/accountsync/accountsync-operator/internal/provider"
	gzsim "github.com/accountsync/accountsync-operator/internal/simulator/gravityzone"
	"github.com/accountsync/accountsync-operator/internal/simulator/simkit"
)

const (
	keyCreate = "POST /api/v1.0/jsonrpc/companies#createCompany"
	keyFind   = "POST /api/v1.0/jsonrpc/companies#findCompaniesByName"
	keyList   = "POST /api/v1.0/jsonrpc/companies#getCompaniesList"
	keyProbe  = "POST /api/v1.0/jsonrpc/general#getApiKeyDetails"
)

// mspFixture is a partner with customers, a suspended one, a sub-partner with its own customer
// and names that share prefixes.
func mspFixture() gzsim.Fixture {
	return gzsim.Fixture{
		Partner: gzsim.FixtureCompany{ID: "5f3a0000000000000000a000", Name: "SanFrancisco MSP"},
		Companies: []gzsim.FixtureCompany{
			{Name: "Acme Corp"},
			{Name: "Acme Corporation"},
			{Name: "ACME Holdings", Suspended: true},
			{Name: "Globex"},
			{ID: "5f3a0000000000000000b000", Name: "Reseller One", IsPartner: true},
			{Name: "Initrode", ParentID: "5f3a0000000000000000b000"},
			{Name: "*Star"},
			{Name: "Superstar"},
		},
	}
}

func names(orgs []provider.Organization) string {
	var out []string
	for _, o := range orgs {
		out = append(out, o.Name)
	}
	return strings.Join(out, "|")
}

func TestProbe(t *testing.T) {
	e := newEnv(t, mspFixture(), testKey, nil, nil)
	res, err := e.client.Probe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.ServerVersion != "" {
		t.Fatalf("GravityZone reports no version, got %q", res.ServerVersion)
	}
	if e.client.CallCount() != 1 || e.sim.Calls(keyProbe) != 1 {
		t.Fatalf("one call expected: client %d, server %v", e.client.CallCount(), e.sim.AllCalls())
	}
	if e.client.Provider() != provider.GravityZone || e.client.Side() != provider.SideTool {
		t.Fatal("provider identity")
	}
}

func TestProbeRejectsKeyWithoutCompaniesAPI(t *testing.T) {
	f := mspFixture()
	f.EnabledAPIs = []string{"network", "reports"}
	e := newEnv(t, f, testKey, nil, nil)
	_, err := e.client.Probe(context.Background())
	wantKind(t, err, provider.KindAuth)
	if !strings.Contains(err.Error(), "Companies API") {
		t.Fatalf("the message must say what is missing: %v", err)
	}
	// The companies service itself answers 403 for such a key.
	_, err = e.client.ListOrganizations(context.Background())
	wantKind(t, err, provider.KindAuth)
}

func TestWrongKey(t *testing.T) {
	e := newEnv(t, mspFixture(), "not-the-key", nil, nil)
	_, err := e.client.Probe(context.Background())
	wantKind(t, err, provider.KindAuth)
	if e.client.CallCount() != 1 {
		t.Fatalf("a static key is not resent after 401: %d calls", e.client.CallCount())
	}
	_, err = e.client.CreateOrganization(context.Background(), "Initech")
	wantKind(t, err, provider.KindAuth)
	if len(e.sim.Companies()) != len(mspFixture().Companies) {
		t.Fatal("nothing may be created with a wrong key")
	}
}

func TestKeyRevokedMidSession(t *testing.T) {
	e := newEnv(t, mspFixture(), testKey, nil, nil)
	ctx := context.Background()
	if _, err := e.client.ListOrganizations(ctx); err != nil {
		t.Fatal(err)
	}
	e.sim.SetAPIKeys("the-new-key")
	before := e.client.CallCount()
	_, err := e.client.FindOrganizationsByName(ctx, "Acme Corp")
	wantKind(t, err, provider.KindAuth)
	if got := e.client.CallCount() - before; got != 1 {
		t.Fatalf("exactly one call after revocation, got %d", got)
	}
}

func TestKeyIsTrimmed(t *testing.T) {
	e := newEnv(t, mspFixture(), testKey+"\n", nil, nil)
	if _, err := e.client.Probe(context.Background()); err != nil {
		t.Fatalf("a Secret ending in a newline must work: %v", err)
	}
}

func TestListOrganizations(t *testing.T) {
	f := mspFixture()
	for i := 0; i < 240; i++ {
		f.Companies = append(f.Companies, gzsim.FixtureCompany{Name: fmt.Sprintf("Customer %03d", i), Suspended: i%7 == 0})
	}
	e := newEnv(t, f, testKey, nil, nil)
	orgs, err := e.client.ListOrganizations(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Every direct child, suspended ones included; Initrode sits below the sub-partner.
	if len(orgs) != len(f.Companies)-1 {
		t.Fatalf("want %d organizations, got %d", len(f.Companies)-1, len(orgs))
	}
	byID := map[string]string{}
	for _, c := range e.sim.Companies() {
		byID[c.ID] = c.Name
	}
	for _, o := range orgs {
		if byID[o.ID] != o.Name || o.Name == "Initrode" {
			t.Fatalf("unexpected organization %+v", o)
		}
	}
	if e.client.CallCount() != 1 {
		t.Fatalf("getCompaniesList is not paged: one call, got %d", e.client.CallCount())
	}
}

func TestFindOrganizationsByName(t *testing.T) {
	e := newEnv(t, mspFixture(), testKey, nil, nil)
	ctx := context.Background()
	idOf := map[string]string{}
	for _, c := range e.sim.Companies() {
		idOf[c.Name] = c.ID
	}
	for _, tc := range []struct{ query, want string }{
		{"acme corp", "Acme Corp"}, // case-insensitive, and not the longer "Acme Corporation"
		{"ACME CORPORATION", "Acme Corporation"},
		{"acme holdings", "ACME Holdings"}, // suspended companies are seen
		{"initrode", "Initrode"},           // below a sub-partner
		{"*star", "*Star"},                 // a leading * widens the search; the result stays exact
		{"superSTAR", "Superstar"},
		{"Acme", ""},
		{"Nobody Inc", ""},
	} {
		before := e.client.CallCount()
		got, err := e.client.FindOrganizationsByName(ctx, tc.query)
		if err != nil {
			t.Fatalf("%q: %v", tc.query, err)
		}
		if names(got) != tc.want {
			t.Fatalf("%q: want %q, got %q", tc.query, tc.want, names(got))
		}
		if tc.want != "" && got[0].ID != idOf[tc.want] {
			t.Fatalf("%q: wrong id %s", tc.query, got[0].ID)
		}
		if n := e.client.CallCount() - before; n != 1 {
			t.Fatalf("%q: one call expected, got %d", tc.query, n)
		}
	}
	before := e.client.CallCount()
	_, err := e.client.FindOrganizationsByName(ctx, "  ")
	wantKind(t, err, provider.KindInvalid)
	if e.client.CallCount() != before {
		t.Fatal("a blank name needs no call")
	}
}

func TestFindFallsBackWhenSearchIsFull(t *testing.T) {
	f := mspFixture()
	for i := 0; i < 130; i++ {
		f.Companies = append(f.Companies, gzsim.FixtureCompany{Name: fmt.Sprintf("Acme Branch %03d", i)})
	}
	f.Companies = append(f.Companies, gzsim.FixtureCompany{Name: "ACME"})
	e := newEnv(t, f, testKey, nil, nil)
	got, err := e.client.FindOrganizationsByName(context.Background(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	if names(got) != "ACME" {
		t.Fatalf("the holder behind 100 prefix matches must be found: %q", names(got))
	}
	if e.sim.Calls(keyFind) != 1 || e.sim.Calls(keyList) != 1 {
		t.Fatalf("one search and one listing expected: %v", e.sim.AllCalls())
	}
}

func TestCreateOrganization(t *testing.T) {
	e := newEnv(t, mspFixture(), testKey, nil, nil)
	ctx := context.Background()
	org, err := e.client.CreateOrganization(ctx, "SanFrancisco_Bitdefender")
	if err != nil {
		t.Fatal(err)
	}
	all := e.sim.Companies()
	last := all[len(all)-1]
	if org.ID != last.ID || org.Name != "SanFrancisco_Bitdefender" {
		t.Fatalf("returned %+v, stored %+v", org, last)
	}
	if last.Type != gzsim.TypeCustomer || last.ParentID != e.sim.Partner().ID {
		t.Fatalf("a customer company under the key's partner expected: %+v", last)
	}
	found, err := e.client.FindOrganizationsByName(ctx, "sanfrancisco_bitdefender")
	if err != nil || len(found) != 1 || found[0].ID != org.ID {
		t.Fatalf("the new company must be found: %v %v", found, err)
	}
}

func TestCreateDuplicateIsNameConflict(t *testing.T) {
	e := newEnv(t, mspFixture(), testKey, nil, nil)
	holder := e.sim.Companies()[2] // ACME Holdings, suspended
	_, err := e.client.CreateOrganization(context.Background(), "acme holdings")
	wantKind(t, err, provider.KindNameConflict)
	if !strings.Contains(err.Error(), holder.ID) {
		t.Fatalf("the conflict must name the holder %s: %v", holder.ID, err)
	}
	if e.sim.Calls(keyCreate) != 1 {
		t.Fatalf("a refused create is not resent: %v", e.sim.AllCalls())
	}
	if len(e.sim.Companies()) != len(mspFixture().Companies) {
		t.Fatal("no company may be added")
	}
}

func TestCreateValidatesNameLocally(t *testing.T) {
	e := newEnv(t, mspFixture(), testKey, nil, nil)
	for _, name := range []string{"", "   ", strings.Repeat("x", 65)} {
		_, err := e.client.CreateOrganization(context.Background(), name)
		wantKind(t, err, provider.KindInvalid)
	}
	if e.client.CallCount() != 0 {
		t.Fatalf("invalid names need no call: %d", e.client.CallCount())
	}
	// 64 characters (not bytes) is the limit.
	if _, err := e.client.CreateOrganization(context.Background(), strings.Repeat("ü", 64)); err != nil {
		t.Fatal(err)
	}
}

func TestThrottledCallsGiveTheSameResult(t *testing.T) {
	e := newEnv(t, mspFixture(), testKey, nil, nil)
	ctx := context.Background()
	want, err := e.client.ListOrganizations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantFind, _ := e.client.FindOrganizationsByName(ctx, "globex")
	e.sim.SetFaults(simkit.Faults{ThrottleEvery: 2, RetryAfterSeconds: 0})
	before := e.client.CallCount()
	for i := 0; i < 3; i++ {
		got, err := e.client.ListOrganizations(ctx)
		if err != nil || names(got) != names(want) {
			t.Fatalf("throttled list: %v %q", err, names(got))
		}
		found, err := e.client.FindOrganizationsByName(ctx, "globex")
		if err != nil || names(found) != names(wantFind) {
			t.Fatalf("throttled find: %v", err)
		}
	}
	if e.client.CallCount()-before <= 6 {
		t.Fatalf("429s must have been retried: %d calls", e.client.CallCount()-before)
	}
}

func TestThrottledCreateIsResentOnce(t *testing.T) {
	e := newEnv(t, mspFixture(), testKey, nil, nil)
	e.sim.SetFaults(simkit.Faults{ThrottleEvery: 2, RetryAfterSeconds: 0})
	ctx := context.Background()
	if _, err := e.client.Probe(ctx); err != nil { // request 1 passes; the create is request 2
		t.Fatal(err)
	}
	org, err := e.client.CreateOrganization(ctx, "Throttled Co")
	if err != nil {
		t.Fatal(err)
	}
	if e.sim.Calls(keyCreate) != 2 {
		t.Fatalf("a create refused with 429 is resent once: %v", e.sim.AllCalls())
	}
	n := 0
	for _, c := range e.sim.Companies() {
		if c.Name == "Throttled Co" {
			n++
			if c.ID != org.ID {
				t.Fatalf("returned id %s, stored %s", org.ID, c.ID)
			}
		}
	}
	if n != 1 {
		t.Fatalf("want one company, got %d", n)
	}
}

func TestServerErrorsExhaustRetries(t *testing.T) {
	e := newEnv(t, mspFixture(), testKey, nil, nil)
	e.sim.SetFaults(simkit.Faults{ServerErrorEvery: 1})
	_, err := e.client.ListOrganizations(context.Background())
	wantKind(t, err, provider.KindTransient)
	if got := e.client.CallCount(); got != 4 {
		t.Fatalf("MaxRetries 3 means 4 attempts, got %d", got)
	}
}

func TestCreateOn503IsUnknownOutcome(t *testing.T) {
	e := newEnv(t, mspFixture(), testKey, nil, nil)
	e.sim.SetFaults(simkit.Faults{ServerErrorEvery: 1})
	_, err := e.client.CreateOrganization(context.Background(), "Maybe Co")
	wantKind(t, err, provider.KindUnknownOutcome)
	if e.client.CallCount() != 1 {
		t.Fatalf("a create is never resent after a 503: %d calls", e.client.CallCount())
	}
}

func TestCreateTimeoutIsUnknownOutcome(t *testing.T) {
	e := newEnv(t, mspFixture(), testKey, nil, func(c *provider.Config) { c.Timeout = 100 * time.Millisecond })
	e.sim.SetFaults(simkit.Faults{SlowCreates: 1, SlowCreateDelay: 400 * time.Millisecond})
	_, err := e.client.CreateOrganization(context.Background(), "Slow Co")
	wantKind(t, err, provider.KindUnknownOutcome)
	if e.sim.Calls(keyCreate) != 1 {
		t.Fatalf("the create must not be resent: %v", e.sim.AllCalls())
	}
	found, err := e.client.FindOrganizationsByName(context.Background(), "Slow Co")
	if err != nil || len(found) != 1 {
		t.Fatalf("exactly one company was created and the look-up finds it: %v %v", found, err)
	}
}
