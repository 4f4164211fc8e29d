package kaseyabms

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/accountsync/accountsync-operator/internal/provider"
	sim "github.com/accountsync/accountsync-operator/internal/simulator/kaseyabms"
)

func names[T any](items []T, name func(T) string) []string {
	var out []string
	for _, it := range items {
		out = append(out, name(it))
	}
	return out
}

// TestLocationsGroupIDResync follows the seed's Group Id mode: the machine group's location is
// created, a person renames it, the next sync sees it missing by name and creates it again.
func TestLocationsGroupIDResync(t *testing.T) {
	s, c := newEnv(t, sim.Fixture{Accounts: []sim.Account{{AccountName: "Acme"}}})
	ctx := context.Background()
	locs, err := c.ListLocations(ctx, "1001")
	if err != nil || len(locs) != 1 || locs[0].Name != "Main" || !locs[0].IsMain {
		t.Fatalf("initial: %+v %v", locs, err)
	}
	hq, err := c.CreateLocation(ctx, "1001", "hq-machines")
	if err != nil {
		t.Fatal(err)
	}
	if hq.Name != "hq-machines" || hq.IsMain || hq.ID == "" {
		t.Fatalf("created %+v", hq)
	}
	_, err = c.CreateLocation(ctx, "1001", "HQ-Machines")
	kindOf(t, err, provider.KindNameConflict)

	var hqID int64
	fmt.Sscan(hq.ID, &hqID)
	if err := s.RenameLocation(hqID, "Headquarters (edited)"); err != nil {
		t.Fatal(err)
	}
	locs, _ = c.ListLocations(ctx, "1001")
	if slices.Contains(names(locs, func(l provider.Location) string { return l.Name }), "hq-machines") {
		t.Fatal("renamed location still answers to its old name")
	}
	again, err := c.CreateLocation(ctx, "1001", "hq-machines")
	if err != nil || again.ID == hq.ID {
		t.Fatalf("re-create: %+v %v", again, err)
	}
	locs, _ = c.ListLocations(ctx, "1001")
	if got := names(locs, func(l provider.Location) string { return l.Name }); !slices.Equal(got,
		[]string{"Main", "Headquarters (edited)", "hq-machines"}) {
		t.Fatalf("locations %v", got)
	}

	// Convert to Main moves the flag.
	if err := s.SetMainLocation(hqID); err != nil {
		t.Fatal(err)
	}
	locs, _ = c.ListLocations(ctx, "1001")
	for _, l := range locs {
		if l.IsMain != (l.ID == hq.ID) {
			t.Fatalf("main flag: %+v", locs)
		}
	}

	_, err = c.ListLocations(ctx, "999")
	kindOf(t, err, provider.KindNotFound)
	_, err = c.CreateLocation(ctx, "999", "x")
	kindOf(t, err, provider.KindInvalid)
	_, err = c.CreateLocation(ctx, "1001", " ")
	kindOf(t, err, provider.KindInvalid)
}

func TestLocationsPaging(t *testing.T) {
	f := sim.Fixture{Accounts: []sim.Account{{AccountName: "Big"}}}
	for i := 0; i < 150; i++ {
		f.Locations = append(f.Locations, sim.Location{AccountID: 1001, LocationName: fmt.Sprintf("Site %d", i), IsMain: i == 0})
	}
	s, c := newEnv(t, f)
	locs, err := c.ListLocations(context.Background(), "1001")
	if err != nil || len(locs) != 150 || !locs[0].IsMain || s.Calls("GET /crm/accounts/{id}/locations") != 2 {
		t.Fatalf("%d locations, %v, calls %v", len(locs), err, s.AllCalls())
	}
}

func TestDepartments(t *testing.T) {
	f := sim.Fixture{
		Accounts:    []sim.Account{{AccountName: "Acme"}, {AccountName: "Beta"}},
		Departments: []sim.Department{{AccountID: 1001, DepartmentName: "Archive", Inactive: true}},
	}
	_, c := newEnv(t, f)
	ctx := context.Background()
	eng, err := c.CreateDepartment(ctx, "1001", "Engineering")
	if err != nil || eng.Name != "Engineering" || eng.ID == "" {
		t.Fatalf("create: %+v %v", eng, err)
	}
	deps, err := c.ListDepartments(ctx, "1001")
	if err != nil {
		t.Fatal(err)
	}
	if got := names(deps, func(d provider.Department) string { return d.Name }); !slices.Equal(got, []string{"Archive", "Engineering"}) {
		t.Fatalf("departments %v", got)
	}
	_, err = c.CreateDepartment(ctx, "1001", "engineering")
	kindOf(t, err, provider.KindNameConflict)
	_, err = c.CreateDepartment(ctx, "1001", "ARCHIVE") // inactive still holds the name
	kindOf(t, err, provider.KindNameConflict)
	if _, err := c.CreateDepartment(ctx, "1002", "Engineering"); err != nil {
		t.Fatalf("same name in another account: %v", err)
	}
	_, err = c.ListDepartments(ctx, "4242")
	kindOf(t, err, provider.KindNotFound)
	_, err = c.ListDepartments(ctx, "acme")
	kindOf(t, err, provider.KindInvalid)
}

func TestAssets(t *testing.T) {
	f := sim.Fixture{
		Accounts:    []sim.Account{{AccountName: "Acme"}, {AccountName: "Beta"}},
		Locations:   []sim.Location{{ID: 2100, AccountID: 1001, LocationName: "Main", IsMain: true}, {ID: 2101, AccountID: 1001, LocationName: "hq"}},
		Departments: []sim.Department{{ID: 3100, AccountID: 1001, DepartmentName: "Engineering"}, {ID: 3101, AccountID: 1001, DepartmentName: "Marketing"}},
	}
	s, c := newEnv(t, f)
	ctx := context.Background()

	created, err := c.CreateAsset(ctx, provider.PSAAsset{AccountID: "1001", ExternalKey: "agent-1", Name: "pc-1.hq.acme",
		SerialNumber: "SN1", OS: "Windows 11", IPAddress: "10.0.0.5"})
	if err != nil {
		t.Fatal(err)
	}
	want := provider.PSAAsset{ID: created.ID, AccountID: "1001", ExternalKey: "agent-1", Name: "pc-1.hq.acme",
		LocationID: "2100", SerialNumber: "SN1", OS: "Windows 11", IPAddress: "10.0.0.5"}
	if created != want {
		t.Fatalf("created %+v, want %+v (no location means the main one)", created, want)
	}

	// Custom mapping: location hq, department Engineering.
	upd := created
	upd.LocationID, upd.DepartmentID = "2101", "3100"
	got, err := c.UpdateAsset(ctx, upd)
	if err != nil || got != upd {
		t.Fatalf("update: %+v %v", got, err)
	}
	// A person sets another department by hand; the next sync overwrites it.
	var id int64
	fmt.Sscan(created.ID, &id)
	if err := s.EditAsset(id, func(a *sim.Asset) { a.DepartmentID = 3101 }); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ { // the PUT is idempotent
		if got, err = c.UpdateAsset(ctx, upd); err != nil || got != upd {
			t.Fatalf("re-update %d: %+v %v", i, got, err)
		}
	}
	if stored := s.Assets(1001); len(stored) != 1 || stored[0].DepartmentID != 3100 || stored[0].LocationID != 2101 {
		t.Fatalf("stored %+v", stored)
	}
	// Clearing the department sends null.
	upd.DepartmentID = ""
	if got, err = c.UpdateAsset(ctx, upd); err != nil || got.DepartmentID != "" || s.Assets(1001)[0].DepartmentID != 0 {
		t.Fatalf("clear department: %+v %v", got, err)
	}

	for i := 2; i <= 130; i++ {
		if _, err := s.AddAsset(sim.Asset{AccountID: 1001, AssetName: fmt.Sprintf("pc-%d", i), RmmAssetID: fmt.Sprintf("agent-%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.AddAsset(sim.Asset{AccountID: 1002, AssetName: "other", RmmAssetID: "agent-x"}); err != nil {
		t.Fatal(err)
	}
	list, err := c.ListAssets(ctx, "1001")
	if err != nil || len(list) != 130 || list[0] != upd {
		t.Fatalf("list: %d %v", len(list), err)
	}

	_, err = c.CreateAsset(ctx, provider.PSAAsset{AccountID: "1002", ExternalKey: "agent-1", Name: "dup"})
	kindOf(t, err, provider.KindNameConflict)
	_, err = c.CreateAsset(ctx, provider.PSAAsset{AccountID: "1002", ExternalKey: "agent-y", Name: "x", LocationID: "2101"})
	kindOf(t, err, provider.KindInvalid) // location of another account
	_, err = c.UpdateAsset(ctx, provider.PSAAsset{ID: "4999", AccountID: "1001", Name: "ghost"})
	kindOf(t, err, provider.KindNotFound)
	_, err = c.UpdateAsset(ctx, provider.PSAAsset{AccountID: "1001", Name: "no id"})
	kindOf(t, err, provider.KindInvalid)
	_, err = c.CreateAsset(ctx, provider.PSAAsset{AccountID: "1001"})
	kindOf(t, err, provider.KindInvalid)
}

func TestUsers(t *testing.T) {
	f := sim.Fixture{
		Accounts:  []sim.Account{{AccountName: "Acme"}, {AccountName: "Beta"}},
		Locations: []sim.Location{{ID: 2500, AccountID: 1001, LocationName: "Branch"}, {ID: 2501, AccountID: 1001, LocationName: "HQ", IsMain: true}},
		Contacts: []sim.Contact{
			{AccountID: 1001, FirstName: "Ada", LastName: "Lovelace", DefaultEmailAddress: "ada@acme.test", DefaultPhoneNumber: "555-0100"},
			{AccountID: 1002, FirstName: "Bob", LastName: "Other"},
		},
	}
	s, c := newEnv(t, f)
	ctx := context.Background()
	users, err := c.ListUsers(ctx, "1001")
	if err != nil {
		t.Fatal(err)
	}
	want := provider.User{ID: "5001", FirstName: "Ada", LastName: "Lovelace", Name: "Ada Lovelace", Email: "ada@acme.test", Phone: "555-0100"}
	if len(users) != 1 || users[0] != want {
		t.Fatalf("users %+v", users)
	}
	u, err := c.CreateUser(ctx, "1001", provider.User{Name: "Grace Brewster Hopper", Email: "grace@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	if u.FirstName != "Grace" || u.LastName != "Brewster Hopper" || u.Email != "grace@acme.test" || u.Phone != "" {
		t.Fatalf("created %+v", u)
	}
	stored := s.Contacts(1001)
	if len(stored) != 2 || stored[1].LocationID != 2501 {
		t.Fatalf("contact not at the main location: %+v", stored)
	}
	_, err = c.CreateUser(ctx, "1001", provider.User{Name: "Reception"})
	kindOf(t, err, provider.KindInvalid)
	_, err = c.CreateUser(ctx, "4242", provider.User{FirstName: "A", LastName: "B"})
	kindOf(t, err, provider.KindNotFound)
	if users, _ := c.ListUsers(ctx, "1002"); len(users) != 1 || users[0].Name != "Bob Other" {
		t.Fatalf("other account: %+v", users)
	}
}
