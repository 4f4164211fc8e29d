package gravityzone

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/accountsync/accountsync-operator/internal/provider"
	gzsim "github.com/accountsync/accountsync-operator/internal/simulator/gravityzone"
	"github.com/accountsync/accountsync-operator/internal/simulator/simkit"
)

const acmeCompany = "5f1e2d3c4b5a697887960a1b"

func TestMonthlyUsageWire(t *testing.T) {
	e := newEnv(t, gzsim.Fixture{Companies: []gzsim.FixtureCompany{{ID: acmeCompany, Name: "Acme"}}}, testKey, nil, nil)
	e.sim.SetMonthlyUsage(acmeCompany, "03/2026", "endpointMonthlyUsage", 42)
	e.sim.SetMonthlyUsage(acmeCompany, "02/2026", "endpointMonthlyUsage", 39)
	march := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	n, err := e.client.MonthlyUsage(context.Background(), acmeCompany, "endpointMonthlyUsage", march)
	if err != nil || n != 42 {
		t.Fatalf("march: %d %v", n, err)
	}
	reqs := e.rec.requests()
	last := reqs[len(reqs)-1]
	if last.Path != "/api/v1.0/jsonrpc/licensing" {
		t.Fatalf("path %s", last.Path)
	}
	var body struct {
		Method string            `json:"method"`
		Params map[string]string `json:"params"`
	}
	if err := json.Unmarshal([]byte(last.Body), &body); err != nil || body.Method != "getMonthlyUsage" ||
		body.Params["companyId"] != acmeCompany || body.Params["targetMonth"] != "03/2026" || len(body.Params) != 2 {
		t.Fatalf("request %s", last.Body)
	}
	if n, err := e.client.MonthlyUsage(context.Background(), acmeCompany, "endpointMonthlyUsage", march.AddDate(0, -1, 0)); err != nil || n != 39 {
		t.Fatalf("february: %d %v", n, err)
	}
	// A counter the company did not use is 0; one GravityZone does not know is an error.
	if n, err := e.client.MonthlyUsage(context.Background(), acmeCompany, "edrMonthlyUsage", march); err != nil || n != 0 {
		t.Fatalf("edr: %d %v", n, err)
	}
	_, err = e.client.MonthlyUsage(context.Background(), acmeCompany, "endpointMontlyUsage", march)
	wantKind(t, err, provider.KindInvalid)
	if !strings.Contains(err.Error(), "endpointMonthlyUsage") {
		t.Fatalf("the error does not list the counters: %v", err)
	}
	_, err = e.client.MonthlyUsage(context.Background(), "000000000000000000000000", "endpointMonthlyUsage", march)
	wantKind(t, err, provider.KindInvalid)
	// Reads are resent through 429 and 5xx.
	e.sim.SetFaults(simkit.Faults{ThrottleEvery: 2, ServerErrorEvery: 3})
	for i := 0; i < 3; i++ {
		if n, err := e.client.MonthlyUsage(context.Background(), acmeCompany, "endpointMonthlyUsage", march); err != nil || n != 42 {
			t.Fatalf("under faults: %d %v", n, err)
		}
	}
	if !provider.Has(e.client, provider.CapMonthlyUsage) {
		t.Fatal("GravityZone does not offer MonthlyUsage")
	}
}
