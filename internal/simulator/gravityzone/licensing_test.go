package gravityzone

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestGetMonthlyUsageWire(t *testing.T) {
	f := Fixture{Companies: []FixtureCompany{{ID: "5f1e2d3c4b5a697887960a1b", Name: "Acme"}, {Name: "Globex"}},
		MonthlyUsage: []FixtureUsage{
			{CompanyID: "5f1e2d3c4b5a697887960a1b", Month: "03/2026", Counter: "endpointMonthlyUsage", Value: 42},
			{CompanyName: "Globex", Month: "03/2026", Counter: "edrMonthlyUsage", Value: 7},
		}}
	sim, srv := newTestServer(t, f)
	rpc := func(params string) answer {
		return send(t, srv, "POST", "/api/v1.0/jsonrpc/licensing", basic(testKey), "application/json",
			`{"jsonrpc":"2.0","id":"1","method":"getMonthlyUsage","params":`+params+`}`)
	}
	a := rpc(`{"companyId":"5f1e2d3c4b5a697887960a1b","targetMonth":"03/2026"}`)
	var counters map[string]int
	if a.Error != nil || json.Unmarshal(a.Result, &counters) != nil || counters["endpointMonthlyUsage"] != 42 ||
		len(counters) != len(MonthlyUsageCounters) || counters["edrMonthlyUsage"] != 0 {
		t.Fatalf("usage: %s", a.raw)
	}
	globex := ""
	for _, c := range sim.Companies() {
		if c.Name == "Globex" {
			globex = c.ID
		}
	}
	a = rpc(`{"companyId":"` + globex + `","targetMonth":"03/2026"}`)
	if json.Unmarshal(a.Result, &counters) != nil || counters["edrMonthlyUsage"] != 7 {
		t.Fatalf("seeded by name: %s", a.raw)
	}
	// Another month is all zero; the wrong month format, an unknown company or parameter are
	// Invalid params.
	a = rpc(`{"companyId":"5f1e2d3c4b5a697887960a1b","targetMonth":"04/2026"}`)
	if json.Unmarshal(a.Result, &counters) != nil || counters["endpointMonthlyUsage"] != 0 {
		t.Fatalf("april: %s", a.raw)
	}
	for _, params := range []string{
		`{"companyId":"5f1e2d3c4b5a697887960a1b","targetMonth":"2026-03"}`,
		`{"companyId":"5f1e2d3c4b5a697887960a1b","targetMonth":"3/2026"}`,
		`{"companyId":"000000000000000000000000","targetMonth":"03/2026"}`,
		`{"companyId":"5f1e2d3c4b5a697887960a1b","targetMonth":"03/2026","perProductType":true}`,
	} {
		if a := rpc(params); a.Error == nil || a.Error.Code != CodeInvalidParams {
			t.Errorf("%s: %s", params, a.raw)
		}
	}
	if n := sim.Calls("POST /api/v1.0/jsonrpc/licensing#getMonthlyUsage"); n != 7 {
		t.Errorf("counted %d calls", n)
	}
	if err := (Fixture{MonthlyUsage: []FixtureUsage{{CompanyName: "Nobody", Month: "03/2026", Counter: "x"}}}).validate(); err == nil ||
		!strings.Contains(err.Error(), "Nobody") {
		t.Errorf("a usage for an unknown company is accepted: %v", err)
	}
}
