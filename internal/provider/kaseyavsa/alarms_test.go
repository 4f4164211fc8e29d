package kaseyavsa

import (
	"context"
	"strings"
	"testing"

	"github.com/accountsync/accountsync-operator/internal/provider"
	"github.com/accountsync/accountsync-operator/internal/provider/httpx"
	vsasim "github.com/accountsync/accountsync-operator/internal/simulator/kaseyavsa"
	"github.com/accountsync/accountsync-operator/internal/simulator/simkit"
)

// The alarms a ticketing run reads: every open alarm (/true, never /false), each with its
// agent's organization; one closed alarm read back by id.
func TestAlarmsWire(t *testing.T) {
	e := newEnv(t, vsasim.Fixture{}, nil)
	acme := e.sim.AddOrg(vsasim.Org{Name: "Acme", Ref: "acme"})
	beta := e.sim.AddOrg(vsasim.Org{Name: "Beta", Ref: "beta"})
	a1 := e.sim.AddAgent(vsasim.Agent{ComputerName: "ACME-DC01", OrgID: acme.ID})
	b1 := e.sim.AddAgent(vsasim.Agent{ComputerName: "BETA-WS07", OrgID: beta.ID})
	var ids []string
	for i := 0; i < 130; i++ { // more than one page of 100
		agent := a1.ID
		if i%2 == 1 {
			agent = b1.ID
		}
		ids = append(ids, e.sim.AddAlarm(vsasim.Alarm{AgentID: agent, Subject: "Disk C: low", Message: "Free space below 5%"}).ID)
	}
	e.sim.CloseAlarm(ids[0])

	ctx := context.Background()
	alerts, err := e.client.ListOpenAlerts(ctx, provider.AlertQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(alerts) != 129 {
		t.Fatalf("got %d open alerts, want 129", len(alerts))
	}
	byOrg := map[string]int{}
	for _, a := range alerts {
		byOrg[a.OrganizationID]++
		if !strings.HasPrefix(a.Key, "vsa-alarm:") || a.Key != "vsa-alarm:"+a.ID || !a.Open {
			t.Fatalf("alert %+v: want key vsa-alarm:<AlarmId>, open", a)
		}
	}
	if byOrg[acme.ID] != 64 || byOrg[beta.ID] != 65 {
		t.Errorf("alerts by organization = %v", byOrg)
	}
	if a := alerts[0]; !strings.Contains(a.Title, "Disk C: low") || !strings.Contains(a.Title, "-") {
		t.Errorf("title %q should name the machine and the subject", a.Title)
	}
	for _, r := range e.rec.all() {
		if strings.Contains(strings.ToLower(r.Path), "/alarms/false") {
			t.Errorf("the listing must ask for every open alarm (/true): %s", r.Path)
		}
	}

	closed, err := e.client.GetAlert(ctx, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if closed.Open || closed.Key != "vsa-alarm:"+ids[0] {
		t.Errorf("closed alarm read back as %+v", closed)
	}
	if _, err := e.client.GetAlert(ctx, "90000000009999999"); !provider.IsKind(err, provider.KindNotFound) {
		t.Errorf("unknown alarm: %v, want NotFound", err)
	}
}

// The simulator's /false answers only alarms not fetched before, and the close call takes the
// documented key/value body.
func TestAlarmSimulatorSemantics(t *testing.T) {
	e := newEnv(t, vsasim.Fixture{}, nil)
	org := e.sim.AddOrg(vsasim.Org{Name: "Acme", Ref: "acme"})
	agent := e.sim.AddAgent(vsasim.Agent{ComputerName: "PC1", OrgID: org.ID})
	first := e.sim.AddAlarm(vsasim.Alarm{AgentID: agent.ID, Subject: "one"})
	ctx := context.Background()
	count := func(path string) int {
		resp, err := e.client.get(ctx, "t", path, nil)
		if err != nil {
			t.Fatal(err)
		}
		env, err := e.client.decode("t", resp)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(resp.Body), `"Error":"None"`) {
			t.Errorf("success envelope without Error None: %s", resp.Body)
		}
		n, _ := env.total()
		return n
	}
	if n := count(alarmsPath + "false/"); n != 1 {
		t.Fatalf("/false first time: %d, want 1", n)
	}
	if n := count(alarmsPath + "false/"); n != 0 {
		t.Fatalf("/false second time: %d, want 0 (already fetched)", n)
	}
	if n := count(allAlarmsPath); n != 1 {
		t.Fatalf("/true: %d, want 1", n)
	}
	resp, err := e.client.http.Do(ctx, httpxPut(alarmsPath+first.ID+"/close/", `[{"key":"notes","value":"ticket #7 closed"}]`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("close: %v %v", resp, err)
	}
	if got := e.sim.Alarms()[0]; !got.Closed || got.Notes != "ticket #7 closed" {
		t.Errorf("closed alarm = %+v", got)
	}
	if n := count(allAlarmsPath); n != 0 {
		t.Errorf("/true after close: %d, want 0", n)
	}
}

func httpxPut(path, body string) httpx.Request {
	return httpx.Request{Operation: "CloseAlarm", Method: "PUT", Path: path, Body: []byte(body), Idempotent: true}
}

// 429s and 503s on the alarm and agent listings are retried; the listing is complete.
func TestAlarmsUnderFaults(t *testing.T) {
	e := newEnv(t, vsasim.Fixture{}, nil)
	org := e.sim.AddOrg(vsasim.Org{Name: "Acme", Ref: "acme"})
	agent := e.sim.AddAgent(vsasim.Agent{ComputerName: "PC1", OrgID: org.ID})
	for i := 0; i < 250; i++ {
		e.sim.AddAlarm(vsasim.Alarm{AgentID: agent.ID, Subject: "s"})
	}
	e.sim.SetFaults(simkit.Faults{ThrottleEvery: 2, ServerErrorEvery: 3})
	alerts, err := e.client.ListOpenAlerts(context.Background(), provider.AlertQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(alerts) != 250 || alerts[249].OrganizationID != org.ID {
		t.Fatalf("got %d alerts under faults, want 250 with their organization", len(alerts))
	}
}
