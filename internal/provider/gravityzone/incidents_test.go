package gravityzone

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/accountsync/accountsync-operator/internal/provider"
	gzsim "github.com/accountsync/accountsync-operator/internal/simulator/gravityzone"
	"github.com/accountsync/accountsync-operator/internal/simulator/simkit"
)

func incidentEnv(t *testing.T) *env {
	t.Helper()
	return newEnv(t, gzsim.Fixture{
		EnabledAPIs: append([]string{"incidents"}, gzsim.DefaultEnabledAPIs...),
		Companies:   []gzsim.FixtureCompany{{ID: "5f3a00000000000000000aaa", Name: "Acme"}, {ID: "5f3a00000000000000000bbb", Name: "Beta"}},
	}, testKey, nil, nil)
}

func TestIncidentsWire(t *testing.T) {
	e := incidentEnv(t)
	acme, beta := "5f3a00000000000000000aaa", "5f3a00000000000000000bbb"
	for i := 0; i < 1200; i++ { // more than one page of 1000
		e.sim.AddIncident(gzsim.Incident{CompanyID: acme, Priority: "high", MainAction: "blocked", ComputerName: "PC1"})
	}
	low := e.sim.AddIncident(gzsim.Incident{CompanyID: beta, Priority: "low"})
	closed := e.sim.AddIncident(gzsim.Incident{CompanyID: beta, Priority: "critical", Status: "closed"})
	ext := e.sim.AddIncident(gzsim.Incident{CompanyID: beta, Priority: "critical", Type: "extendedIncident", Status: "in_progress"})

	ctx := context.Background()
	alerts, err := e.client.ListOpenAlerts(ctx, provider.AlertQuery{MinSeverity: provider.SeverityMedium})
	if err != nil {
		t.Fatal(err)
	}
	if len(alerts) != 1201 {
		t.Fatalf("got %d alerts, want 1200 high + 1 extended in progress (low and closed left out)", len(alerts))
	}
	seen := map[string]bool{}
	for _, a := range alerts {
		seen[a.ID] = true
		if a.Key != "gz-incident:"+a.ID || !a.Open {
			t.Fatalf("alert %+v", a)
		}
	}
	if seen[low.ID] || seen[closed.ID] || !seen[ext.ID] {
		t.Errorf("filtering wrong: low %v closed %v extended %v", seen[low.ID], seen[closed.ID], seen[ext.ID])
	}
	if alerts[0].OrganizationID != acme || alerts[0].Severity != provider.SeverityHigh {
		t.Errorf("first alert %+v: want Acme's company id and High", alerts[0])
	}
	// The wire: v1.2, service incidents, status and priority filters.
	var listCalls int
	for _, r := range e.rec.requests() {
		if !strings.Contains(r.Body, "getIncidentsList") {
			continue
		}
		listCalls++
		if r.Path != "/api/v1.2/jsonrpc/incidents" {
			t.Errorf("incidents path %s", r.Path)
		}
		var req struct {
			Params incidentListParams `json:"params"`
		}
		_ = json.Unmarshal([]byte(r.Body), &req)
		if strings.Join(req.Params.Filters.Status, ",") != "open,in_progress" || strings.Join(req.Params.Filters.Priority, ",") != "medium,high,critical" {
			t.Errorf("filters %+v", req.Params.Filters)
		}
	}
	if listCalls != 2 {
		t.Errorf("%d listing calls, want 2 pages", listCalls)
	}

	got, err := e.client.GetAlert(ctx, closed.ID)
	if err != nil || got.Open {
		t.Errorf("closed incident read back as %+v, %v", got, err)
	}
	if _, err := e.client.GetAlert(ctx, "6a1b000000000000deadbeef"); !provider.IsKind(err, provider.KindNotFound) {
		t.Errorf("unknown incident: %v, want NotFound", err)
	}
}

// The PSA ticket number goes into the note without losing what an analyst wrote, once.
func TestIncidentNoteKeepsTheAnalystsText(t *testing.T) {
	e := incidentEnv(t)
	in := e.sim.AddIncident(gzsim.Incident{CompanyID: "5f3a00000000000000000aaa", Type: "extendedIncident"})
	e.sim.SetIncidentNote(in.ID, "Analyst: isolated the host, waiting for the user.")
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if err := e.client.AppendAlertNote(ctx, in.ID, "HaloPSA ticket 1042 (AccountSync)"); err != nil {
			t.Fatal(err)
		}
	}
	want := "Analyst: isolated the host, waiting for the user.\nHaloPSA ticket 1042 (AccountSync)"
	if got := e.sim.Incidents()[0].Note; got != want {
		t.Errorf("note = %q, want %q", got, want)
	}
	for _, r := range e.rec.requests() {
		if strings.Contains(r.Body, "updateIncidentNote") && !strings.Contains(r.Body, `"type":"extendedIncidents"`) {
			t.Errorf("an extended incident's note is updated with type extendedIncidents: %s", r.Body)
		}
	}
}

// Clients accept the note under "notes" too, since the field is not confirmed.
func TestIncidentNoteField(t *testing.T) {
	var in incident
	if err := json.Unmarshal([]byte(`{"incidentId":"x","notes":"old","company":"5f3a","status":3}`), &in); err != nil {
		t.Fatal(err)
	}
	if in.note() != "old" || in.companyID() != "5f3a" || in.open() {
		t.Errorf("decoded %+v: note %q company %q open %v", in, in.note(), in.companyID(), in.open())
	}
}

// 429s and 503s are retried for the listing, the read and the note (an absolute value).
func TestIncidentsUnderFaults(t *testing.T) {
	e := incidentEnv(t)
	for i := 0; i < 30; i++ {
		e.sim.AddIncident(gzsim.Incident{CompanyID: "5f3a00000000000000000aaa", Priority: "high"})
	}
	e.sim.SetFaults(simkit.Faults{ThrottleEvery: 2, ServerErrorEvery: 3})
	ctx := context.Background()
	alerts, err := e.client.ListOpenAlerts(ctx, provider.AlertQuery{MinSeverity: provider.SeverityLow})
	if err != nil || len(alerts) != 30 {
		t.Fatalf("listing under faults: %d, %v", len(alerts), err)
	}
	if err := e.client.AppendAlertNote(ctx, alerts[0].ID, "ConnectWisePSA ticket #7 (AccountSync)"); err != nil {
		t.Fatalf("note under faults: %v", err)
	}
	if got := e.sim.Incidents()[0].Note; got != "ConnectWisePSA ticket #7 (AccountSync)" {
		t.Errorf("note = %q", got)
	}
}
