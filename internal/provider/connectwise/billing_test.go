package connectwise

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/accountsync/accountsync-operator/internal/provider"
	cwsim "github.com/accountsync/accountsync-operator/internal/simulator/connectwise"
	"github.com/accountsync/accountsync-operator/internal/simulator/simkit"
)

// billingFixture: Acme (250) has an active Managed Services agreement holding AV-SEAT and a
// cancelled agreement; Globex (251) has an active agreement without the line; Initech none.
func billingFixture() cwsim.Fixture {
	f := cwsim.DefaultFixture()
	f.Agreements = []cwsim.Agreement{
		{ID: 17, Name: "Acme MSA", Company: &cwsim.Ref{ID: 250}, Type: &cwsim.Ref{ID: 3, Name: "Managed Services"}},
		{ID: 16, Name: "Acme old", Company: &cwsim.Ref{ID: 250}, AgreementStatus: "Cancelled"},
		{ID: 18, Name: "Globex MSA", Company: &cwsim.Ref{ID: 251}},
	}
	f.Additions = []cwsim.Addition{
		{ID: 301, AgreementID: 17, Product: &cwsim.Ref{Identifier: "AV-SEAT"}, Quantity: 40},
		{ID: 302, AgreementID: 17, Product: &cwsim.Ref{Identifier: "BACKUP"}, Quantity: 3},
		{ID: 290, AgreementID: 16, Product: &cwsim.Ref{Identifier: "AV-SEAT"}, Quantity: 99},
	}
	return f
}

func TestBillingLineWire(t *testing.T) {
	e := newEnv(t, billingFixture())
	got, err := e.client.FindBillingLine(ctx, provider.BillingLineQuery{AccountID: "250", Item: "AV-SEAT"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Line == nil || got.Line.ID != "301" || got.Line.ContainerID != "17" || got.Line.Quantity != 40 ||
		got.Line.Description != "agreement 17, addition 301 (AV-SEAT)" {
		t.Fatalf("line %+v", got.Line)
	}
	agr := e.rec.last(t, "GET", "/finance/agreements")
	if c := agr.Query.Get("conditions"); c != `company/id=250 and agreementStatus="Active"` {
		t.Fatalf("agreement conditions %q", c)
	}
	adds := e.rec.last(t, "GET", "/finance/agreements/17/additions")
	if c := adds.Query.Get("conditions"); c != `product/identifier="AV-SEAT"` {
		t.Fatalf("addition conditions %q", c)
	}

	// agreementType narrows the agreements on the server.
	if _, err := e.client.FindBillingLine(ctx, provider.BillingLineQuery{AccountID: "250", Item: "AV-SEAT", AgreementType: "Managed Services"}); err != nil {
		t.Fatal(err)
	}
	if c := e.rec.last(t, "GET", "/finance/agreements").Query.Get("conditions"); c != `company/id=250 and agreementStatus="Active" and type/name="Managed Services"` {
		t.Fatalf("typed agreement conditions %q", c)
	}

	// The quantity is a JSON Patch of the absolute value, path without a leading slash.
	set, err := e.client.SetBillingQuantity(ctx, *got.Line, 42)
	if err != nil {
		t.Fatal(err)
	}
	patch := e.rec.last(t, "PATCH", "/finance/agreements/17/additions/301")
	var ops []map[string]any
	if err := json.Unmarshal(patch.Body, &ops); err != nil || len(ops) != 1 || ops[0]["op"] != "replace" || ops[0]["path"] != "quantity" || ops[0]["value"] != float64(42) {
		t.Fatalf("patch body %s", patch.Body)
	}
	if set.Quantity != 42 {
		t.Fatalf("after set: %+v", set)
	}
	for _, a := range e.sim.Additions() {
		if a.ID == 302 && a.Quantity != 3 || a.ID == 290 && a.Quantity != 99 || a.ID == 301 && a.Quantity != 42 {
			t.Fatalf("addition %d now %v", a.ID, a.Quantity)
		}
	}

	// Globex: an agreement without the line; the line goes to that agreement, billed.
	miss, err := e.client.FindBillingLine(ctx, provider.BillingLineQuery{AccountID: "251", Item: "AV-SEAT"})
	if err != nil || miss.Line != nil || miss.ContainerID != "18" || miss.Searched == "" {
		t.Fatalf("missing line: %+v %v", miss, err)
	}
	created, err := e.client.CreateBillingLine(ctx, provider.BillingLineQuery{AccountID: "251", Item: "AV-SEAT"}, miss.ContainerID, 7)
	if err != nil {
		t.Fatal(err)
	}
	post := e.rec.last(t, "POST", "/finance/agreements/18/additions")
	var body map[string]any
	_ = json.Unmarshal(post.Body, &body)
	if body["billCustomer"] != "Billable" || body["quantity"] != float64(7) || body["product"].(map[string]any)["identifier"] != "AV-SEAT" {
		t.Fatalf("create body %s", post.Body)
	}
	if _, ok := body["product"].(map[string]any)["id"]; ok {
		t.Fatalf("create names product id 0: %s", post.Body)
	}
	again, err := e.client.FindBillingLine(ctx, provider.BillingLineQuery{AccountID: "251", Item: "AV-SEAT"})
	if err != nil || again.Line == nil || again.Line.ID != created.ID || again.Line.Quantity != 7 {
		t.Fatalf("created line not found: %+v %v", again, err)
	}

	// Initech: no agreement at all, nothing to add a line to.
	none, err := e.client.FindBillingLine(ctx, provider.BillingLineQuery{AccountID: "252", Item: "AV-SEAT"})
	if err != nil || none.Line != nil || none.ContainerID != "" {
		t.Fatalf("no agreement: %+v %v", none, err)
	}
}

func TestBillingFaults(t *testing.T) {
	e := newEnv(t, billingFixture(), func(c *provider.Config) { c.Timeout = 150 * time.Millisecond })
	found, err := e.client.FindBillingLine(ctx, provider.BillingLineQuery{AccountID: "250", Item: "AV-SEAT"})
	if err != nil {
		t.Fatal(err)
	}
	// 429 then success: the look-up and the idempotent PATCH are resent.
	e.sim.SetFaults(simkit.Faults{ThrottleEvery: 2})
	if _, err := e.client.FindBillingLine(ctx, provider.BillingLineQuery{AccountID: "250", Item: "AV-SEAT"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.SetBillingQuantity(ctx, *found.Line, 41); err != nil {
		t.Fatal(err)
	}
	// A 503 on the PATCH is retried (absolute value); a 503 on the create is an unknown outcome.
	e.sim.SetFaults(simkit.Faults{ServerErrorEvery: 2})
	if _, err := e.client.SetBillingQuantity(ctx, *found.Line, 43); err != nil {
		t.Fatalf("patch after 503: %v", err)
	}
	e.sim.SetFaults(simkit.Faults{ServerErrorEvery: 1})
	if _, err := e.client.CreateBillingLine(ctx, provider.BillingLineQuery{Item: "EDR"}, "17", 1); !provider.IsKind(err, provider.KindUnknownOutcome) {
		t.Fatalf("create on 503: %v, want UnknownOutcome", err)
	}
	// A create that commits but answers after the timeout: unknown outcome, exactly one line.
	e.sim.SetFaults(simkit.Faults{SlowCreates: 1, SlowCreateDelay: time.Second})
	if _, err := e.client.CreateBillingLine(ctx, provider.BillingLineQuery{Item: "EDR"}, "17", 1); !provider.IsKind(err, provider.KindUnknownOutcome) {
		t.Fatalf("slow create: %v, want UnknownOutcome", err)
	}
	e.sim.SetFaults(simkit.Faults{})
	l, err := e.client.FindBillingLine(ctx, provider.BillingLineQuery{AccountID: "250", Item: "EDR"})
	if err != nil || l.Line == nil {
		t.Fatalf("the slow create is not found: %+v %v", l, err)
	}
	if n := e.sim.Calls("POST /finance/agreements/{id}/additions"); n != 2 {
		t.Fatalf("%d posts, want the two attempts only", n)
	}
}
