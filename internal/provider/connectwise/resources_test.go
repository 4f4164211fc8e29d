package connectwise

import (
	"encoding/json"
	"reflect"
	"strconv"
	"testing"

	"github.com/accountsync/accountsync-operator/internal/provider"
	cwsim "github.com/accountsync/accountsync-operator/internal/simulator/connectwise"
	"github.com/accountsync/accountsync-operator/internal/simulator/simkit"
)

func TestLocations(t *testing.T) {
	e := newEnv(t, cwsim.DefaultFixture())
	locs, err := e.client.ListLocations(ctx, "250")
	if err != nil {
		t.Fatal(err)
	}
	want := []provider.Location{{ID: "1001", Name: "Main", IsMain: true}, {ID: "1002", Name: "Warehouse"}}
	if !reflect.DeepEqual(locs, want) {
		t.Fatalf("locations %+v", locs)
	}
	loc, err := e.client.CreateLocation(ctx, "250", "Branch Office")
	if err != nil || loc.Name != "Branch Office" || loc.ID == "" {
		t.Fatalf("create: %+v %v", loc, err)
	}
	if r := e.rec.last(t, "POST", "/company/companies/250/sites"); string(r.Body) != `{"name":"Branch Office"}` {
		t.Fatalf("site body %s", r.Body)
	}
	if _, err := e.client.CreateLocation(ctx, "250", "WAREHOUSE"); !provider.IsKind(err, provider.KindNameConflict) {
		t.Fatalf("duplicate site: %v", err)
	}
	if _, err := e.client.ListLocations(ctx, "999"); !provider.IsKind(err, provider.KindNotFound) {
		t.Fatalf("unknown company: %v", err)
	}
	if _, err := e.client.ListLocations(ctx, "abc"); !provider.IsKind(err, provider.KindInvalid) {
		t.Fatalf("non-numeric id: %v", err)
	}
}

func TestMainSiteSelection(t *testing.T) {
	cases := []struct {
		sites []site
		want  int
	}{
		{[]site{{Name: "HQ"}, {Name: "Main"}}, 1},
		{[]site{{Name: "Main"}, {Name: "HQ", DefaultBillingFlag: true}}, 1},
		{[]site{{Name: "Main"}, {Name: "HQ", PrimaryAddressFlag: true, InactiveFlag: true}, {Name: "B", PrimaryAddressFlag: true}}, 2},
		{[]site{{Name: "A"}, {Name: "B"}}, -1},
		{nil, -1},
	}
	for i, c := range cases {
		if got := mainSiteIndex(c.sites); got != c.want {
			t.Errorf("case %d: main = %d, want %d", i, got, c.want)
		}
	}
}

func TestAssets(t *testing.T) {
	e := newEnv(t, cwsim.DefaultFixture())
	in := provider.PSAAsset{AccountID: "250", ExternalKey: "vsa-agent-77", Name: "PC-77", LocationID: "1002",
		SerialNumber: "SN77", OS: "Windows 11 Pro", IPAddress: "10.0.0.77"}
	created, err := e.client.CreateAsset(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	in.ID = created.ID
	if created != in {
		t.Fatalf("created %+v, want %+v", created, in)
	}
	r := e.rec.last(t, "POST", "/company/configurations")
	want := `{"name":"PC-77","type":{"id":62},"company":{"id":250},"site":{"id":1002},"deviceIdentifier":"vsa-agent-77","serialNumber":"SN77","osType":"Windows 11 Pro","ipAddress":"10.0.0.77","activeFlag":true}`
	if string(r.Body) != want {
		t.Fatalf("POST body\n got %s\nwant %s", r.Body, want)
	}
	list, err := e.client.ListAssets(ctx, "250")
	if err != nil || len(list) != 1 || list[0] != in {
		t.Fatalf("list %+v %v", list, err)
	}
	if q := e.rec.last(t, "GET", "/company/configurations").Query.Get("conditions"); q != "company/id=250" {
		t.Fatalf("conditions %q", q)
	}

	upd := in
	upd.Name, upd.LocationID, upd.IPAddress = "PC-77-renamed", "", "10.0.0.78"
	got, err := e.client.UpdateAsset(ctx, upd)
	if err != nil || got != upd {
		t.Fatalf("update: %+v %v", got, err)
	}
	r = e.rec.last(t, "PATCH", "/company/configurations/"+in.ID)
	wantPatch := `[{"op":"replace","path":"name","value":"PC-77-renamed"},{"op":"replace","path":"company","value":{"id":250}},{"op":"replace","path":"site","value":null},{"op":"replace","path":"deviceIdentifier","value":"vsa-agent-77"},{"op":"replace","path":"serialNumber","value":"SN77"},{"op":"replace","path":"osType","value":"Windows 11 Pro"},{"op":"replace","path":"ipAddress","value":"10.0.0.78"}]`
	if string(r.Body) != wantPatch {
		t.Fatalf("PATCH body\n got %s\nwant %s", r.Body, wantPatch)
	}
	// PATCH is idempotent: a 503 is retried and a repeat leaves the same record.
	e.sim.SetFaults(simkit.Faults{ServerErrorEvery: 2})
	again, err := e.client.UpdateAsset(ctx, upd)
	if err != nil || again != upd {
		t.Fatalf("repeated update: %+v %v", again, err)
	}
	e.sim.SetFaults(simkit.Faults{})
	cfgs := e.sim.Configurations()
	if len(cfgs) != 1 || cfgs[0].Site != nil || cfgs[0].Name != "PC-77-renamed" {
		t.Fatalf("simulator state %+v", cfgs)
	}
	if n := e.sim.Calls("GET /company/configurations/types"); n != 1 {
		t.Fatalf("configuration types fetched %d times", n)
	}
	if _, err := e.client.UpdateAsset(ctx, provider.PSAAsset{ID: "99999", AccountID: "250", Name: "x"}); !provider.IsKind(err, provider.KindNotFound) {
		t.Fatalf("update of a missing asset: %v", err)
	}
	if _, err := e.client.CreateAsset(ctx, provider.PSAAsset{AccountID: "250", Name: "y", LocationID: "1003"}); !provider.IsKind(err, provider.KindInvalid) {
		t.Fatalf("site of another company: %v", err)
	}
}

func TestPickConfigurationType(t *testing.T) {
	cases := []struct {
		types []configurationType
		want  int
	}{
		{[]configurationType{{ID: 5, Name: "Server"}, {ID: 9, Name: "Managed Workstation"}}, 9},
		{[]configurationType{{ID: 5, Name: "Server"}, {ID: 3, Name: "Printer"}}, 3},
		{[]configurationType{{ID: 9, Name: "Workstation", InactiveFlag: true}, {ID: 5, Name: "Server"}}, 5},
		{[]configurationType{{ID: 9, Name: "x", InactiveFlag: true}}, 0},
	}
	for i, c := range cases {
		if got := pickConfigurationType(c.types); got != c.want {
			t.Errorf("case %d: %d, want %d", i, got, c.want)
		}
	}
}

func TestUsers(t *testing.T) {
	e := newEnv(t, cwsim.DefaultFixture())
	u, err := e.client.CreateUser(ctx, "250", provider.User{FirstName: "Ann", LastName: "Lee", Email: "ann@acme.test", Phone: "555-0100"})
	if err != nil {
		t.Fatal(err)
	}
	want := provider.User{ID: u.ID, FirstName: "Ann", LastName: "Lee", Name: "Ann Lee", Email: "ann@acme.test", Phone: "555-0100"}
	if u != want {
		t.Fatalf("created %+v", u)
	}
	r := e.rec.last(t, "POST", "/company/contacts")
	wantBody := `{"firstName":"Ann","lastName":"Lee","company":{"id":250},"communicationItems":[{"type":{"name":"Email"},"value":"ann@acme.test","defaultFlag":true},{"type":{"name":"Direct"},"value":"555-0100","defaultFlag":true}]}`
	if string(r.Body) != wantBody {
		t.Fatalf("POST body\n got %s\nwant %s", r.Body, wantBody)
	}
	if _, err := e.client.CreateUser(ctx, "250", provider.User{Name: "Bo van Dyke"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.sim.AddContact(cwsim.Contact{FirstName: "Other", Company: &cwsim.Ref{ID: 251}}); err != nil {
		t.Fatal(err)
	}
	users, err := e.client.ListUsers(ctx, "250")
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 2 || users[0] != want || users[1].FirstName != "Bo" || users[1].LastName != "van Dyke" || users[1].Email != "" {
		t.Fatalf("users %+v", users)
	}
	if _, err := e.client.CreateUser(ctx, "250", provider.User{}); !provider.IsKind(err, provider.KindInvalid) {
		t.Fatalf("nameless user: %v", err)
	}
}

func TestToUserPicksDefaults(t *testing.T) {
	ct := contact{ID: 7, FirstName: "A", CommunicationItems: []communicationItem{
		{Value: "old@x.test", CommunicationType: "Email"},
		{Value: "new@x.test", CommunicationType: "Email", DefaultFlag: true},
		{Value: "555", CommunicationType: "Fax", DefaultFlag: true},
	}, DefaultPhoneNbr: "777"}
	u := toUser(ct)
	if u.Email != "new@x.test" || u.Phone != "777" || u.Name != "A" || u.ID != strconv.Itoa(7) {
		t.Fatalf("%+v", u)
	}
}

func TestAPIErrorSummary(t *testing.T) {
	body := []byte(`{"code":"InvalidObject","message":"company object is invalid","errors":[{"code":"ObjectExists","message":"The company name already exists.","resource":"company","field":"name"},{"code":"ObjectExists","field":"identifier"}]}`)
	e, ok := decodeAPIError(body)
	if !ok || !e.exists("NAME") || !e.exists("identifier") || e.exists("site") {
		t.Fatalf("decoded %+v", e)
	}
	want := "InvalidObject: company object is invalid (name: ObjectExists: The company name already exists.; identifier: ObjectExists)"
	if got := e.summary(); got != want {
		t.Fatalf("summary %q", got)
	}
	if _, ok := decodeAPIError([]byte(`<html>`)); ok {
		t.Fatal("HTML decoded as an API error")
	}
	var raw map[string]any
	if json.Unmarshal(body, &raw) != nil {
		t.Fatal("test body is not JSON")
	}
}
