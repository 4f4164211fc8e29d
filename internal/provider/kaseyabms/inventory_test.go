package kaseyabms

import (
	"context"
	"strconv"
	"testing"

	"github.com/accountsync/accountsync-operator/internal/provider"
	sim "github.com/accountsync/accountsync-operator/internal/simulator/kaseyabms"
)

// TestInventoryReadsDetailsOnlyForChangedRows: the v2 list rows lack the location id, OS and
// key, so details are read, but only for rows that are new or changed since the last listing.
func TestInventoryReadsDetailsOnlyForChangedRows(t *testing.T) {
	s, c := newEnv(t, sim.Fixture{
		Accounts:  []sim.Account{{ID: 11, AccountName: "Acme", AccountTypeID: 1}, {ID: 12, AccountName: "Globex", AccountTypeID: 1}},
		Locations: []sim.Location{{ID: 31, AccountID: 11, LocationName: "HQ", IsMain: true}, {ID: 32, AccountID: 11, LocationName: "Lab"}},
		Assets: []sim.Asset{{ID: 21, AccountID: 11, Name: "pc-1", AssetTag: "agent-1", OsInfo: "Windows 11"},
			{ID: 22, AccountID: 12, Name: "pc-2", AssetTag: "agent-2"}},
		Contacts: []sim.Contact{{AccountID: 12, FirstName: "Ann", LastName: "Lee", Email: "ann@globex.example"}},
	})
	ctx := context.Background()
	req := provider.InventoryRequest{Assets: true, Locations: true, Users: true}
	inv, err := c.ListInventory(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if got := inv.Assets["11"]; len(got) != 1 || got[0].ExternalKey != "agent-1" || got[0].LocationID != "31" || got[0].OS != "Windows 11" {
		t.Fatalf("assets of 11: %+v", got)
	}
	if got := inv.Locations["11"]; len(got) != 2 || !got[0].IsMain || got[1].Name != "Lab" {
		t.Fatalf("locations of 11: %+v", got)
	}
	if got := inv.Users["12"]; len(got) != 1 || got[0].Email != "ann@globex.example" {
		t.Fatalf("users of 12: %+v", got)
	}
	detail := "GET /servicedesk/hardwareasset/{assetId}"
	if n := s.Calls(detail); n != 2 {
		t.Fatalf("first listing read %d details, want 2", n)
	}

	// Unchanged: no detail at all.
	if _, err := c.ListInventory(ctx, req); err != nil {
		t.Fatal(err)
	}
	if n := s.Calls(detail); n != 2 {
		t.Fatalf("an unchanged listing read %d more details", n-2)
	}

	// Moved to another location by hand: the row's location name changes, so its detail is read.
	if err := s.EditAsset(21, func(a *sim.Asset) { a.LocationID = 32 }); err != nil {
		t.Fatal(err)
	}
	inv, err = c.ListInventory(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if n := s.Calls(detail); n != 3 {
		t.Fatalf("after a move %d details in all, want 3", n)
	}
	if got := inv.Assets["11"][0].LocationID; got != "32" {
		t.Fatalf("moved asset at location %s", got)
	}

	// An asset this client writes is known without a detail read.
	created, err := c.CreateAsset(ctx, provider.PSAAsset{AccountID: "12", ExternalKey: "agent-3", Name: "pc-3", Category: "1"})
	if err != nil {
		t.Fatal(err)
	}
	inv, err = c.ListInventory(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if n := s.Calls(detail); n != 3 {
		t.Fatalf("a created asset cost %d detail reads", n-3)
	}
	found := false
	for _, a := range inv.Assets["12"] {
		found = found || (a.ID == created.ID && a.ExternalKey == "agent-3" && a.LocationID != "")
	}
	if !found {
		t.Fatalf("created asset missing from %+v", inv.Assets["12"])
	}

	// Written by this client, then moved by a person before the next listing: its row does not
	// show what was written, so the detail is read.
	created, err = c.CreateAsset(ctx, provider.PSAAsset{AccountID: "11", ExternalKey: "agent-4", Name: "pc-4", Category: "1", LocationID: "31"})
	if err != nil {
		t.Fatal(err)
	}
	id, _ := strconv.ParseInt(created.ID, 10, 64)
	if err := s.EditAsset(id, func(a *sim.Asset) { a.LocationID = 32 }); err != nil {
		t.Fatal(err)
	}
	inv, err = c.ListInventory(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if n := s.Calls(detail); n != 4 {
		t.Fatalf("a written then moved asset: %d details in all, want 4", n)
	}
	for _, a := range inv.Assets["11"] {
		if a.ID == created.ID && a.LocationID != "32" {
			t.Fatalf("moved asset listed at %s", a.LocationID)
		}
	}
}
