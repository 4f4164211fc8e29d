package connectwise

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/accountsync/accountsync-operator/internal/provider"
	cwsim "github.com/accountsync/accountsync-operator/internal/simulator/connectwise"
	"github.com/accountsync/accountsync-operator/internal/simulator/simkit"
)

func ticketEnv(t *testing.T) (*env, provider.TicketSettings) {
	t.Helper()
	e := newEnv(t, cwsim.DefaultFixture())
	e.sim.SeedServiceDesk()
	s, err := e.client.ResolveTicketSettings(context.Background(), provider.TicketSettings{Board: "alerts", Status: "New", Priority: "High"})
	if err != nil {
		t.Fatal(err)
	}
	return e, s
}

func TestTicketSettingsResolveByName(t *testing.T) {
	e, s := ticketEnv(t)
	if s.Board == "" || s.Status != "New" || s.Priority == "" || s.ClosedStatus != "Closed" {
		t.Fatalf("resolved %+v", s)
	}
	ctx := context.Background()
	for _, tc := range []struct {
		in      provider.TicketSettings
		setting string
		choice  string
	}{
		{provider.TicketSettings{Board: "Alarms"}, "target.board", "Help Desk"},
		{provider.TicketSettings{Board: "Alerts", Status: "Open"}, "target.status", "In Progress"},
		{provider.TicketSettings{Board: "Alerts", Priority: "Urgent"}, "target.priority", "Medium"},
	} {
		_, err := e.client.ResolveTicketSettings(ctx, tc.in)
		var se *provider.SettingError
		if !errors.As(err, &se) || !strings.Contains(se.Setting, tc.setting) || !strings.Contains(se.Error(), tc.choice) {
			t.Errorf("%+v: got %v, want a SettingError on %s listing %q", tc.in, err, tc.setting, tc.choice)
		}
	}
	// The closed status of another board is that board's own.
	hd, err := e.client.ResolveTicketSettings(ctx, provider.TicketSettings{Board: "Help Desk"})
	if err != nil || hd.ClosedStatus != ">Closed" {
		t.Errorf("help desk closed status = %q, %v", hd.ClosedStatus, err)
	}
}

func TestTicketLifecycleWire(t *testing.T) {
	e, s := ticketEnv(t)
	ctx := context.Background()
	const key = "vsa-alarm:90000000000000123"
	found, err := e.client.FindTicket(ctx, "250", key)
	if err != nil || len(found) != 0 {
		t.Fatalf("before create: %v %v", found, err)
	}
	tk, err := e.client.CreateTicket(ctx, provider.TicketCreate{AccountID: "250", Key: key, Summary: "DC01: Disk C: low", Details: "free space below 5%", Settings: s})
	if err != nil {
		t.Fatal(err)
	}
	post := e.rec.last(t, "POST", "/service/tickets")
	var body map[string]any
	_ = json.Unmarshal(post.Body, &body)
	if body["externalXRef"] != key || body["summary"] != "DC01: Disk C: low" || body["company"].(map[string]any)["id"] != float64(250) ||
		body["status"].(map[string]any)["name"] != "New" || body["board"] == nil || body["priority"] == nil {
		t.Errorf("create body %s", post.Body)
	}
	// Found by key on its company only.
	if found, err := e.client.FindTicket(ctx, "250", key); err != nil || len(found) != 1 || found[0].ID != tk.ID || found[0].Closed {
		t.Fatalf("find after create: %+v %v", found, err)
	}
	get := e.rec.last(t, "GET", "/service/tickets")
	if c := get.Query.Get("conditions"); c != `externalXRef="`+key+`" and company/id=250` {
		t.Errorf("look-up conditions %q", c)
	}
	if found, _ := e.client.FindTicket(ctx, "251", key); len(found) != 0 {
		t.Errorf("another company's look-up found %+v", found)
	}
	if err := e.client.AddTicketNote(ctx, tk.ID, "alert cleared", s); err != nil {
		t.Fatal(err)
	}
	if err := e.client.CloseTicket(ctx, tk.ID, s); err != nil {
		t.Fatal(err)
	}
	patch := e.rec.last(t, "PATCH", "/service/tickets/"+tk.ID)
	if string(patch.Body) != `[{"op":"replace","path":"status","value":{"name":"Closed"}}]` {
		t.Errorf("close patch %s", patch.Body)
	}
	got := e.sim.Tickets()[0]
	if !got.ClosedFlag || got.Status.Name != "Closed" || len(e.sim.TicketNotes(got.ID)) != 1 {
		t.Errorf("ticket after close: %+v", got)
	}
	// A closed ticket is still found by its key: a person's close is never undone by a new ticket.
	if found, _ := e.client.FindTicket(ctx, "250", key); len(found) != 1 || !found[0].Closed {
		t.Errorf("closed ticket look-up: %+v", found)
	}
}

// A create whose answer is lost is an unknown outcome, and the look-up then finds the ticket; a
// 503 before any work is retried by httpx; a 429 too.
func TestTicketCreateFaults(t *testing.T) {
	e, s := ticketEnv(t)
	ctx := context.Background()
	e.sim.SetFaults(simkit.Faults{SlowCreates: 1, SlowCreateDelay: 3 * time.Second})
	_, err := e.client.CreateTicket(ctx, provider.TicketCreate{AccountID: "250", Key: "k1", Summary: "s", Settings: s})
	if !provider.IsKind(err, provider.KindUnknownOutcome) {
		t.Fatalf("timed-out create: %v, want UnknownOutcome", err)
	}
	if found, err := e.client.FindTicket(ctx, "250", "k1"); err != nil || len(found) != 1 {
		t.Fatalf("the timed-out create happened and must be found: %v %v", found, err)
	}
	e.sim.SetFaults(simkit.Faults{ThrottleEvery: 2, ServerErrorEvery: 3})
	for i := 0; i < 4; i++ {
		if _, err := e.client.FindTicket(ctx, "250", "k1"); err != nil {
			t.Fatalf("look-up under 429/503: %v", err)
		}
	}
}
