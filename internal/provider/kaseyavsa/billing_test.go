package kaseyavsa

import (
	"testing"

	vsasim "github.com/accountsync/accountsync-operator/internal/simulator/kaseyavsa"
)

// The agent listing carries Online; suspended (198) and never checked-in (199) agents are
// listed as assets but marked Dormant, so billing does not count them.
func TestAgentsDormant(t *testing.T) {
	e := newEnv(t, vsasim.Fixture{}, nil)
	acme := e.sim.AddOrg(vsasim.Org{Name: "Acme", Ref: "acme"})
	states := map[string]int{"ON": 1, "OFF": 0, "AWAY": 12, "SUSP": 198, "NEW": 199}
	for name, online := range states {
		e.sim.AddAgent(vsasim.Agent{ComputerName: name, OrgID: acme.ID, Online: online})
	}
	assets, err := e.client.ListToolAssets(ctx, acme.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(assets) != len(states) {
		t.Fatalf("%d assets", len(assets))
	}
	for _, a := range assets {
		want := a.Name == "SUSP" || a.Name == "NEW"
		if a.Dormant != want {
			t.Errorf("%s: dormant %v, want %v", a.Name, a.Dormant, want)
		}
	}
}
