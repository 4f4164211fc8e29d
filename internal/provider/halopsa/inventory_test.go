package halopsa

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"testing"

	"github.com/accountsync/accountsync-operator/internal/provider"
	sim "github.com/accountsync/accountsync-operator/internal/simulator/halopsa"
)

// TestInventoryMatchesThePerClientCalls: the connection-wide listings give each client what its
// own listings give (main site included), in one paged listing per kind.
func TestInventoryMatchesThePerClientCalls(t *testing.T) {
	e := newEnv(t, baseFixture(), nil)
	ctx := context.Background()
	var ids []string
	for i := range 3 {
		c := e.sim.AddClient(sim.Client{Name: fmt.Sprintf("Client %d", i), TopLevelID: 1})
		id := strconv.Itoa(c.ID)
		ids = append(ids, id)
		lab := e.sim.AddSite(sim.Site{Name: "lab", ClientID: c.ID, Inactive: i == 1})
		e.sim.AddAsset(sim.Asset{InventoryNumber: "pc-" + id, ClientID: c.ID, SiteID: lab.ID, KaseyaID: "agent-" + id})
		e.sim.AddUser(sim.User{Name: "Ann " + id, ClientID: c.ID, SiteID: c.MainSiteID, EmailAddress: "ann" + id + "@x.example"})
	}
	if _, err := e.client.Probe(ctx); err != nil { // the token
		t.Fatal(err)
	}
	e.resetRequests()
	inv, err := e.client.ListInventory(ctx, provider.InventoryRequest{Assets: true, Locations: true, Users: true})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(e.requests()); n != 4 {
		t.Fatalf("%d calls, want assets, clients, sites and users once each", n)
	}
	key := func(parts ...string) string { return fmt.Sprint(parts) }
	for _, id := range ids {
		assets, err := e.client.ListAssets(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		locs, err := e.client.ListLocations(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		users, err := e.client.ListUsers(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "assets of "+id, keys(assets, func(a provider.PSAAsset) string { return key(a.ID, a.ExternalKey, a.LocationID) }),
			keys(inv.Assets[id], func(a provider.PSAAsset) string { return key(a.ID, a.ExternalKey, a.LocationID) }))
		same(t, "sites of "+id, keys(locs, func(l provider.Location) string { return key(l.ID, l.Name, strconv.FormatBool(l.IsMain)) }),
			keys(inv.Locations[id], func(l provider.Location) string { return key(l.ID, l.Name, strconv.FormatBool(l.IsMain)) }))
		same(t, "users of "+id, keys(users, func(u provider.User) string { return key(u.ID, u.Email) }),
			keys(inv.Users[id], func(u provider.User) string { return key(u.ID, u.Email) }))
	}
}

func keys[T any](in []T, key func(T) string) []string {
	out := make([]string, 0, len(in))
	for _, v := range in {
		out = append(out, key(v))
	}
	sort.Strings(out)
	return out
}

func same(t *testing.T, what string, want, got []string) {
	t.Helper()
	if fmt.Sprint(want) != fmt.Sprint(got) || len(want) == 0 {
		t.Fatalf("%s: inventory %v, per-client %v", what, got, want)
	}
}
