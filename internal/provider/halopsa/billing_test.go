package halopsa

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/accountsync/accountsync-operator/internal/provider"
	sim "github.com/accountsync/accountsync-operator/internal/simulator/halopsa"
	"github.com/accountsync/accountsync-operator/internal/simulator/simkit"
)

// billingFixture: client 10 has a disabled invoice and an enabled one (id -4, as Halo template
// ids can be) with three lines; client 11 has an invoice without the line; client 12 none.
func billingFixture() sim.Fixture {
	f := baseFixture()
	f.Clients = []sim.Client{{ID: 10, Name: "Acme", TopLevelID: 1}, {ID: 11, Name: "Globex", TopLevelID: 1}, {ID: 12, Name: "Initech", TopLevelID: 1}}
	f.RecurringInvoices = []sim.RecurringInvoice{
		{ID: 3, ClientID: 10, Disabled: true, Lines: []sim.InvoiceLine{{ID: 30, ItemCode: "AV-SEAT", QtyOrder: 99}}},
		{ID: -4, ClientID: 10, Lines: []sim.InvoiceLine{
			{ID: 40, ItemID: 7, ItemCode: "AV-SEAT", ItemShortDescription: "Antivirus seat", QtyOrder: 40, UnitPrice: 3.5},
			{ID: 41, ItemID: 8, ItemCode: "BACKUP", QtyOrder: 2, UnitPrice: 20},
			{ID: 42, ItemID: 9, ItemCode: "SUPPORT", QtyOrder: 1, UnitPrice: 500},
		}},
		{ID: 5, ClientID: 11, Lines: []sim.InvoiceLine{{ID: 50, ItemCode: "BACKUP", QtyOrder: 1}}},
	}
	return f
}

func TestBillingLineWire(t *testing.T) {
	e := newEnv(t, billingFixture(), nil)
	got, err := e.client.FindBillingLine(ctx(t), provider.BillingLineQuery{AccountID: "10", Item: "av-seat"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Line == nil || got.Line.ID != "40" || got.Line.ContainerID != "-4" || got.Line.Quantity != 40 ||
		got.Line.Description != "recurring invoice -4, line 40 (AV-SEAT)" {
		t.Fatalf("line %+v", got.Line)
	}
	var get recorded
	for _, r := range e.requests() {
		if r.Path == "/api/RecurringInvoice" && r.Method == "GET" {
			get = r
		}
	}
	if get.Query.Get("client_id") != "10" || get.Query.Get("includelines") != "true" {
		t.Fatalf("list query %v", get.Query)
	}

	e.resetRequests()
	set, err := e.client.SetBillingQuantity(ctx(t), *got.Line, 42)
	if err != nil {
		t.Fatal(err)
	}
	if set.Quantity != 42 || set.ID != "40" {
		t.Fatalf("after set %+v", set)
	}
	reqs := e.requests()
	post := reqs[len(reqs)-1]
	if post.Method != "POST" || post.Path != "/api/RecurringInvoice" {
		t.Fatalf("last request %s %s", post.Method, post.Path)
	}
	var body []struct {
		ID    int              `json:"id"`
		Lines []map[string]any `json:"lines"`
	}
	if err := json.Unmarshal(post.Body, &body); err != nil || len(body) != 1 || body[0].ID != -4 || len(body[0].Lines) != 3 {
		t.Fatalf("posted %s", post.Body)
	}
	// Every other line is sent back whole, so the replace-all upsert keeps it.
	if l := body[0].Lines[1]; l["id"] != float64(41) || l["qty_order"] != float64(2) || l["unit_price"] != float64(20) || l["_itemid"] != float64(8) {
		t.Fatalf("other line posted as %v", l)
	}
	invs := e.sim.RecurringInvoices()
	for _, inv := range invs {
		if inv.ID == -4 {
			if len(inv.Lines) != 3 || inv.Lines[0].QtyOrder != 42 || inv.Lines[0].UnitPrice != 3.5 || inv.Lines[2].QtyOrder != 1 {
				t.Fatalf("invoice after set %+v", inv.Lines)
			}
		}
		if inv.ID == 3 && inv.Lines[0].QtyOrder != 99 {
			t.Fatalf("the disabled invoice was changed")
		}
	}

	miss, err := e.client.FindBillingLine(ctx(t), provider.BillingLineQuery{AccountID: "11", Item: "AV-SEAT"})
	if err != nil || miss.Line != nil || miss.ContainerID != "5" {
		t.Fatalf("missing %+v %v", miss, err)
	}
	created, err := e.client.CreateBillingLine(ctx(t), provider.BillingLineQuery{AccountID: "11", Item: "AV-SEAT"}, "5", 6)
	if err != nil || created.Quantity != 6 || created.ID == "" {
		t.Fatalf("create %+v %v", created, err)
	}
	again, err := e.client.FindBillingLine(ctx(t), provider.BillingLineQuery{AccountID: "11", Item: "AV-SEAT"})
	if err != nil || again.Line == nil || again.Line.ID != created.ID {
		t.Fatalf("after create %+v %v", again, err)
	}
	for _, inv := range e.sim.RecurringInvoices() {
		if inv.ID == 5 && (len(inv.Lines) != 2 || inv.Lines[0].ItemCode != "BACKUP") {
			t.Fatalf("create dropped a line: %+v", inv.Lines)
		}
	}

	none, err := e.client.FindBillingLine(ctx(t), provider.BillingLineQuery{AccountID: "12", Item: "AV-SEAT"})
	if err != nil || none.Line != nil || none.ContainerID != "" {
		t.Fatalf("no invoice %+v %v", none, err)
	}
}

func TestBillingFaults(t *testing.T) {
	e := newEnv(t, billingFixture(), func(c *provider.Config, _ provider.Credentials) { c.Timeout = 200 * time.Millisecond })
	found, err := e.client.FindBillingLine(ctx(t), provider.BillingLineQuery{AccountID: "10", Item: "AV-SEAT"})
	if err != nil {
		t.Fatal(err)
	}
	e.sim.SetFaults(simkit.Faults{ThrottleEvery: 2})
	if _, err := e.client.SetBillingQuantity(ctx(t), *found.Line, 41); err != nil {
		t.Fatalf("set under 429: %v", err)
	}
	e.sim.SetFaults(simkit.Faults{ServerErrorEvery: 2})
	if _, err := e.client.SetBillingQuantity(ctx(t), *found.Line, 43); err != nil {
		t.Fatalf("set under 503: %v", err)
	}
	e.sim.ResetCalls()
	e.sim.SetFaults(simkit.Faults{SlowCreates: 1, SlowCreateDelay: time.Second})
	_, err = e.client.CreateBillingLine(ctx(t), provider.BillingLineQuery{AccountID: "11", Item: "AV-SEAT"}, "5", 6)
	wantKind(t, err, provider.KindUnknownOutcome)
	e.sim.SetFaults(simkit.Faults{})
	l, err := e.client.FindBillingLine(ctx(t), provider.BillingLineQuery{AccountID: "11", Item: "AV-SEAT"})
	if err != nil || l.Line == nil || l.Line.Quantity != 6 {
		t.Fatalf("the slow create is not found: %+v %v", l, err)
	}
	if n := e.sim.Calls("POST /api/RecurringInvoice"); n != 1 {
		t.Fatalf("%d posts, want the one create that timed out", n)
	}
}
