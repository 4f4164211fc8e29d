package halopsa

import (
	"fmt"
	"strings"
	"testing"

	"github.com/accountsync/accountsync-operator/internal/provider"
	sim "github.com/accountsync/accountsync-operator/internal/simulator/halopsa"
)

// recordsFixture: client 10 with main site 100 "HQ" and sites "Branch" and an inactive one,
// client 20 with its own main site.
func recordsFixture() sim.Fixture {
	fx := baseFixture()
	fx.Clients = []sim.Client{
		{ID: 10, Name: "Acme", TopLevelID: 1, MainSiteID: 100},
		{ID: 20, Name: "Other", TopLevelID: 1, MainSiteID: 200},
	}
	fx.Sites = []sim.Site{
		{ID: 100, Name: "HQ", ClientID: 10},
		{ID: 101, Name: "Branch", ClientID: 10},
		{ID: 102, Name: "Closed", ClientID: 10, Inactive: true},
		{ID: 200, Name: "Main", ClientID: 20},
	}
	return fx
}

func TestLocations(t *testing.T) {
	fx := recordsFixture()
	for i := 0; i < 120; i++ {
		fx.Sites = append(fx.Sites, sim.Site{ID: 300 + i, Name: fmt.Sprintf("Store %03d", i), ClientID: 10})
	}
	e := newEnv(t, fx, nil)
	locs, err := e.client.ListLocations(ctx(t), "10")
	if err != nil {
		t.Fatal(err)
	}
	if len(locs) != 123 {
		t.Fatalf("locations = %d, want 123 (the inactive one included)", len(locs))
	}
	mains := 0
	var closed provider.Location
	for _, l := range locs {
		if l.IsMain {
			mains++
			if l.ID != "100" || l.Name != "HQ" {
				t.Errorf("main = %+v", l)
			}
		}
		if l.Name == "Closed" {
			closed = l
		}
	}
	// Halo allows duplicate site names: the look-up before a create must find the deactivated
	// namesake, so a rule placing assets at "Closed" does not create a second "Closed".
	if closed.ID != "102" {
		t.Errorf("inactive site not listed: %+v", closed)
	}
	if mains != 1 {
		t.Errorf("main locations = %d", mains)
	}
	if n := e.sim.Calls("GET /api/Site"); n != 2 {
		t.Errorf("site pages = %d", n)
	}

	loc, err := e.client.CreateLocation(ctx(t), "10", "Warehouse")
	if err != nil {
		t.Fatal(err)
	}
	if loc.ID == "" || loc.Name != "Warehouse" || loc.IsMain {
		t.Fatalf("created = %+v", loc)
	}
	var stored *sim.Site
	for _, s := range e.sim.Sites() {
		if s.Name == "Warehouse" {
			s := s
			stored = &s
		}
	}
	if stored == nil || stored.ClientID != 10 {
		t.Fatalf("stored = %+v", stored)
	}

	_, err = e.client.ListLocations(ctx(t), "999")
	wantKind(t, err, provider.KindNotFound)
	_, err = e.client.CreateLocation(ctx(t), "999", "X")
	wantKind(t, err, provider.KindInvalid)
	_, err = e.client.ListLocations(ctx(t), "abc")
	wantKind(t, err, provider.KindInvalid)
}

func TestAssets(t *testing.T) {
	fx := recordsFixture()
	for i := 0; i < 105; i++ {
		fx.Assets = append(fx.Assets, sim.Asset{InventoryNumber: fmt.Sprintf("PC-%03d", i), ClientID: 10, SiteID: 101, KaseyaID: fmt.Sprintf("agent-%d", i)})
	}
	fx.Assets = append(fx.Assets,
		sim.Asset{ID: 900, InventoryNumber: "OLD-PC", ClientID: 10, SiteID: 100, KaseyaID: "agent-old", Inactive: true},
		sim.Asset{ID: 901, InventoryNumber: "OTHER-PC", ClientID: 20, SiteID: 200})
	fx.AssetTypes = []sim.AssetType{{ID: 7, Name: "Workstation"}, {ID: 8, Name: "Server"}}
	e := newEnv(t, fx, nil)
	got, err := e.client.ListAssets(ctx(t), "10")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 106 {
		t.Fatalf("assets = %d, want 106 (inactive included)", len(got))
	}
	byKey := map[string]provider.PSAAsset{}
	for _, a := range got {
		byKey[a.ExternalKey] = a
	}
	if old := byKey["agent-old"]; old.ID != "900" || old.Name != "OLD-PC" || old.LocationID != "100" || old.AccountID != "10" {
		t.Errorf("inactive asset = %+v", old)
	}

	created, err := e.client.CreateAsset(ctx(t), provider.PSAAsset{AccountID: "10", ExternalKey: "agent-new", Name: "NEW-PC", Category: "workstation"})
	if err != nil {
		t.Fatal(err)
	}
	if created.ID == "" || created.LocationID != "100" || created.ExternalKey != "agent-new" || created.Name != "NEW-PC" || created.Category != "7" {
		t.Fatalf("created = %+v (empty location means the main site; type by name)", created)
	}
	updated, err := e.client.UpdateAsset(ctx(t), provider.PSAAsset{ID: created.ID, AccountID: "10", ExternalKey: "agent-new", Name: "NEW-PC-2", LocationID: "101"})
	if err != nil {
		t.Fatal(err)
	}
	if updated.ID != created.ID || updated.Name != "NEW-PC-2" || updated.LocationID != "101" {
		t.Fatalf("updated = %+v", updated)
	}
	n := 0
	for _, a := range e.sim.Assets() {
		if a.KaseyaID == "agent-new" {
			n++
			if a.InventoryNumber != "NEW-PC-2" || a.SiteID != 101 {
				t.Errorf("stored = %+v", a)
			}
		}
	}
	if n != 1 {
		t.Fatalf("assets with the key = %d", n)
	}
	if stored := e.sim.Assets(); stored[len(stored)-1].AssetTypeID != 7 {
		t.Errorf("the update changed the asset type: %+v", stored[len(stored)-1])
	}

	_, err = e.client.CreateAsset(ctx(t), provider.PSAAsset{ID: "5", AccountID: "10"})
	wantKind(t, err, provider.KindInvalid)
	_, err = e.client.UpdateAsset(ctx(t), provider.PSAAsset{AccountID: "10"})
	wantKind(t, err, provider.KindInvalid)
	_, err = e.client.CreateAsset(ctx(t), provider.PSAAsset{AccountID: "10", LocationID: "200", Name: "X", Category: "8"})
	wantKind(t, err, provider.KindInvalid) // site of another client: Halo answers 400
}

func TestUsers(t *testing.T) {
	fx := recordsFixture()
	for i := 0; i < 101; i++ {
		fx.Users = append(fx.Users, sim.User{Name: fmt.Sprintf("User %03d", i), ClientID: 10, SiteID: 100})
	}
	fx.Users = append(fx.Users,
		sim.User{ID: 500, Name: "Jane Roe", FirstName: "Jane", Surname: "Roe", EmailAddress: "jane@acme.test", MobileNumber: "+1 555 0100", ClientID: 10, SiteID: 101},
		sim.User{ID: 501, Name: "Left Company", ClientID: 10, SiteID: 100, Inactive: true},
		sim.User{ID: 502, Name: "Other Person", ClientID: 20, SiteID: 200})
	e := newEnv(t, fx, nil)
	got, err := e.client.ListUsers(ctx(t), "10")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 102 {
		t.Fatalf("users = %d, want 102", len(got))
	}
	var jane provider.User
	for _, u := range got {
		if u.ID == "500" {
			jane = u
		}
	}
	want := provider.User{ID: "500", FirstName: "Jane", LastName: "Roe", Name: "Jane Roe", Email: "jane@acme.test", Phone: "+1 555 0100"}
	if jane != want {
		t.Errorf("jane = %+v", jane)
	}

	u, err := e.client.CreateUser(ctx(t), "10", provider.User{FirstName: "John", LastName: "Doe", Email: "john@acme.test", Phone: "555"})
	if err != nil {
		t.Fatal(err)
	}
	if u.ID == "" || u.Name != "John Doe" || u.Email != "john@acme.test" || u.Phone != "555" {
		t.Fatalf("created = %+v", u)
	}
	for _, s := range e.sim.Users() {
		if s.Name == "John Doe" && (s.SiteID != 100 || s.ClientID != 10) {
			t.Errorf("stored on site %d client %d, want main site 100", s.SiteID, s.ClientID)
		}
	}
	_, err = e.client.CreateUser(ctx(t), "10", provider.User{})
	wantKind(t, err, provider.KindInvalid)
	_, err = e.client.CreateUser(ctx(t), "999", provider.User{Name: "X"})
	wantKind(t, err, provider.KindNotFound)
}

func TestAssetTypes(t *testing.T) {
	fx := recordsFixture()
	fx.AssetTypes = []sim.AssetType{{ID: 7, Name: "Workstation"}, {ID: 8, Name: "Server"}, {ID: 9, Name: "Printer"}, {ID: 10, Name: "printer"}}
	e := newEnv(t, fx, nil)
	refs, err := e.client.ListAssetCategories(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(refs) != 4 || refs[0] != (provider.NamedRef{ID: "7", Name: "Workstation"}) {
		t.Fatalf("asset types = %+v", refs)
	}
	create := func(category string) (provider.PSAAsset, error) {
		return e.client.CreateAsset(ctx(t), provider.PSAAsset{AccountID: "10", ExternalKey: "k-" + category, Name: "PC", Category: category})
	}
	// By id, by name in any case; the list is read once and then cached.
	before := e.sim.Calls("GET /api/AssetType")
	for category, want := range map[string]string{"8": "8", " SERVER ": "8", "Workstation": "7", "10": "10"} {
		a, err := create(category)
		if err != nil || a.Category != want {
			t.Errorf("category %q: %+v, %v", category, a, err)
		}
	}
	if n := e.sim.Calls("GET /api/AssetType") - before; n != 0 {
		t.Errorf("asset types read %d more times; the list is cached", n)
	}

	// Unknown: refused before anything is posted, naming the value and the choices, after one
	// fresh read (a type added in Halo meanwhile would be found).
	posts := e.sim.Calls("POST /api/Asset")
	_, err = create("Laptop")
	wantKind(t, err, provider.KindInvalid)
	for _, want := range []string{`"Laptop"`, "Printer, Server, Workstation, printer"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
	if e.sim.Calls("GET /api/AssetType")-before != 1 {
		t.Errorf("an unknown type was not looked up again")
	}
	e.sim.AddAssetType(sim.AssetType{ID: 11, Name: "Laptop"})
	if a, err := create("Laptop"); err != nil || a.Category != "11" {
		t.Errorf("type added in Halo: %+v, %v", a, err)
	}
	// A name two types share needs the id; no type at all is refused, as Halo's screens do.
	_, err = create("printer")
	wantKind(t, err, provider.KindInvalid)
	if !strings.Contains(err.Error(), "9, 10") {
		t.Errorf("ambiguous name: %v", err)
	}
	_, err = create("")
	wantKind(t, err, provider.KindInvalid)
	if e.sim.Calls("POST /api/Asset") != posts+1 {
		t.Errorf("refused creates reached Halo: %d posts", e.sim.Calls("POST /api/Asset")-posts)
	}
}

func TestCreateUserFindsInactiveNamesake(t *testing.T) {
	fx := recordsFixture()
	fx.Users = []sim.User{
		{ID: 500, Name: "Jane Roe", EmailAddress: "Jane@Acme.test", ClientID: 10, SiteID: 100, Inactive: true},
		{ID: 501, Name: "No Mail", ClientID: 10, SiteID: 100, Inactive: true},
		{ID: 502, Name: "Active Al", EmailAddress: "al@acme.test", ClientID: 10, SiteID: 100},
		{ID: 503, Name: "Elsewhere", EmailAddress: "else@acme.test", ClientID: 20, SiteID: 200, Inactive: true},
	}
	e := newEnv(t, fx, nil)
	// Matching lists active users only: a user deleted in Halo (kept inactive) drops its link.
	listed, err := e.client.ListUsers(ctx(t), "10")
	if err != nil || len(listed) != 1 || listed[0].ID != "502" {
		t.Fatalf("listed = %+v, %v", listed, err)
	}
	// The look-up before a create sees inactive users: the same address is not created again.
	_, err = e.client.CreateUser(ctx(t), "10", provider.User{Name: "Jane R.", Email: "jane@acme.test "})
	wantKind(t, err, provider.KindNameConflict)
	if !strings.Contains(err.Error(), "id 500") {
		t.Errorf("conflict does not name the inactive user: %v", err)
	}
	_, err = e.client.CreateUser(ctx(t), "10", provider.User{Name: "no mail"})
	wantKind(t, err, provider.KindNameConflict)
	// An active record of the same person is returned rather than duplicated.
	al, err := e.client.CreateUser(ctx(t), "10", provider.User{Name: "Al", Email: "AL@acme.test"})
	if err != nil || al.ID != "502" {
		t.Fatalf("active namesake = %+v, %v", al, err)
	}
	if n := e.sim.Calls("POST /api/Users"); n != 0 {
		t.Fatalf("%d users posted", n)
	}
	wantQuery(t, e.lastRequest("GET", "/api/Users"), pageQuery(map[string]string{"client_id": "10", "includeinactive": "true"}))
	// Another client's inactive user with the address is not this client's person.
	u, err := e.client.CreateUser(ctx(t), "10", provider.User{Name: "Else", Email: "else@acme.test"})
	if err != nil || u.ID == "" || u.ID == "503" {
		t.Fatalf("created = %+v, %v", u, err)
	}
}
