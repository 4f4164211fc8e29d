package connectwise

import (
	"context"
	"sort"
	"strconv"
	"testing"

	"github.com/accountsync/accountsync-operator/internal/provider"
	cwsim "github.com/accountsync/accountsync-operator/internal/simulator/connectwise"
)

// TestInventoryMatchesThePerCompanyCalls: the connection-wide listings give each company what
// its own listings give, in a handful of calls.
func TestInventoryMatchesThePerCompanyCalls(t *testing.T) {
	e := newEnv(t, cwsim.DefaultFixture())
	ctx := context.Background()
	var ids []string
	for i, c := range e.sim.Companies() {
		id := strconv.Itoa(c.ID)
		ids = append(ids, id)
		if _, err := e.sim.AddConfiguration(cwsim.Configuration{Name: "pc-" + id, Company: &cwsim.Ref{ID: c.ID},
			Type: &cwsim.Ref{ID: cwsim.ConfigTypeWS}, DeviceIdentifier: "agent-" + id}); err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			if _, err := e.sim.AddContact(cwsim.Contact{FirstName: "Ann", LastName: id, Company: &cwsim.Ref{ID: c.ID}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := e.client.Probe(ctx); err != nil { // discovers the codebase
		t.Fatal(err)
	}
	before := len(e.rec.requests())
	inv, err := e.client.ListInventory(ctx, provider.InventoryRequest{AccountIDs: ids, Assets: true, Locations: true, Users: true})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(e.rec.requests())-before, 2+len(ids); got != want {
		t.Fatalf("%d calls, want one configurations page, one contacts page and one sites call per company (%d)", got, want)
	}
	if !inv.LocationsOnlyRequested {
		t.Fatal("CW sites are per company")
	}
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
		sameIDs(t, "assets of "+id, ids2(assets, func(a provider.PSAAsset) string { return a.ID + a.ExternalKey }),
			ids2(inv.Assets[id], func(a provider.PSAAsset) string { return a.ID + a.ExternalKey }))
		sameIDs(t, "sites of "+id, ids2(locs, func(l provider.Location) string { return l.ID + strconv.FormatBool(l.IsMain) }),
			ids2(inv.Locations[id], func(l provider.Location) string { return l.ID + strconv.FormatBool(l.IsMain) }))
		sameIDs(t, "contacts of "+id, ids2(users, func(u provider.User) string { return u.ID }),
			ids2(inv.Users[id], func(u provider.User) string { return u.ID }))
	}
}

func ids2[T any](in []T, key func(T) string) []string {
	out := make([]string, 0, len(in))
	for _, v := range in {
		out = append(out, key(v))
	}
	sort.Strings(out)
	return out
}

func sameIDs(t *testing.T, what string, want, got []string) {
	t.Helper()
	if len(want) != len(got) {
		t.Fatalf("%s: inventory %v, per-company %v", what, got, want)
	}
	for i := range want {
		if want[i] != got[i] {
			t.Fatalf("%s: inventory %v, per-company %v", what, got, want)
		}
	}
}
