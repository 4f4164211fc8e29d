package halopsa

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/accountsync/accountsync-operator/internal/provider"
	sim "github.com/accountsync/accountsync-operator/internal/simulator/halopsa"
	"github.com/accountsync/accountsync-operator/internal/simulator/simkit"
)

func ticketEnv(t *testing.T) (*env, provider.TicketSettings, int) {
	t.Helper()
	e := newEnv(t, baseFixture(), nil)
	e.sim.SeedServiceDesk()
	cl := e.sim.AddClient(sim.Client{Name: "Acme Dental"})
	s, err := e.client.ResolveTicketSettings(ctx(t), provider.TicketSettings{Type: "alert", Status: "New", Priority: "High"})
	if err != nil {
		t.Fatal(err)
	}
	return e, s, cl.ID
}

func TestHaloTicketSettings(t *testing.T) {
	e, s, _ := ticketEnv(t)
	if s.Type != "21" || s.Status != "1" || s.Priority != "2" || s.ClosedStatus != "9" {
		t.Fatalf("resolved %+v", s)
	}
	for _, tc := range []struct {
		in      provider.TicketSettings
		setting string
		choice  string
	}{
		{provider.TicketSettings{Type: "Alarm"}, "target.type", "Service Request"},
		{provider.TicketSettings{Type: "Alert", Status: "Open"}, "target.status", "In Progress"},
		{provider.TicketSettings{Type: "Alert", Priority: "Urgent"}, "target.priority", "Critical"},
		{provider.TicketSettings{Board: "Alerts", Type: "Alert"}, "target.board", ""},
	} {
		_, err := e.client.ResolveTicketSettings(ctx(t), tc.in)
		var se *provider.SettingError
		if !errors.As(err, &se) || !strings.Contains(se.Setting, tc.setting) || !strings.Contains(se.Error(), tc.choice) {
			t.Errorf("%+v: got %v, want a SettingError on %s listing %q", tc.in, err, tc.setting, tc.choice)
		}
	}
}

func TestHaloTicketLifecycleWire(t *testing.T) {
	e, s, client := ticketEnv(t)
	c := ctx(t)
	const key = "gz-incident:6a1b00000000000000000042"
	acct := itoa(client)
	if found, err := e.client.FindTicket(c, acct, key); err != nil || len(found) != 0 {
		t.Fatalf("before: %v %v", found, err)
	}
	tk, err := e.client.CreateTicket(c, provider.TicketCreate{AccountID: acct, Key: key, Summary: "PC1: Incident 1042", Details: "ransomware blocked", Settings: s})
	if err != nil {
		t.Fatal(err)
	}
	var post []map[string]any
	for _, r := range e.requests() {
		if r.Method == "POST" && strings.EqualFold(r.Path, "/api/Tickets") {
			_ = json.Unmarshal(r.Body, &post)
		}
	}
	if len(post) != 1 || post[0]["supplier_reference"] != key || post[0]["third_party_id_string"] != key ||
		post[0]["client_id"] != float64(client) || post[0]["tickettype_id"] != float64(21) || post[0]["status_id"] != float64(1) {
		t.Errorf("create body %v", post)
	}
	// A longer key that contains this one is not a match: the search is a like-match.
	if _, err := e.client.CreateTicket(c, provider.TicketCreate{AccountID: acct, Key: key + "0", Summary: "other", Settings: s}); err != nil {
		t.Fatal(err)
	}
	found, err := e.client.FindTicket(c, acct, key)
	if err != nil || len(found) != 1 || found[0].ID != tk.ID {
		t.Fatalf("find: %+v %v", found, err)
	}
	if err := e.client.AddTicketNote(c, tk.ID, "cleared", s); err != nil {
		t.Fatal(err)
	}
	if err := e.client.CloseTicket(c, tk.ID, s); err != nil {
		t.Fatal(err)
	}
	got := e.sim.Tickets()[0]
	if got.StatusID != 9 || len(e.sim.Actions(got.ID)) != 1 || !e.sim.Actions(got.ID)[0].HiddenFromUser {
		t.Errorf("after close: %+v, actions %+v", got, e.sim.Actions(got.ID))
	}
	if found, _ := e.client.FindTicket(c, acct, key); len(found) != 1 || !found[0].Closed {
		t.Errorf("closed ticket still found by key: %+v", found)
	}
}

func TestHaloTicketCreateTimeout(t *testing.T) {
	e, s, client := ticketEnv(t)
	// The client's timeout is 5s: the create commits and answers after 6s.
	e.sim.SetFaults(simkit.Faults{SlowCreates: 1, SlowCreateDelay: 6 * time.Second})
	_, err := e.client.CreateTicket(ctx(t), provider.TicketCreate{AccountID: itoa(client), Key: "k", Summary: "s", Settings: s})
	if !provider.IsKind(err, provider.KindUnknownOutcome) {
		t.Fatalf("timed-out create: %v", err)
	}
	if found, err := e.client.FindTicket(ctx(t), itoa(client), "k"); err != nil || len(found) != 1 {
		t.Fatalf("the create happened: %v %v", found, err)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// 429s and 503s on look-ups and on the close (an upsert by id) are retried.
func TestHaloTicketsUnderFaults(t *testing.T) {
	e, s, client := ticketEnv(t)
	tk, err := e.client.CreateTicket(ctx(t), provider.TicketCreate{AccountID: itoa(client), Key: "k", Summary: "s", Settings: s})
	if err != nil {
		t.Fatal(err)
	}
	e.sim.SetFaults(simkit.Faults{ThrottleEvery: 2, ServerErrorEvery: 3})
	for i := 0; i < 3; i++ {
		if found, err := e.client.FindTicket(ctx(t), itoa(client), "k"); err != nil || len(found) != 1 {
			t.Fatalf("look-up under faults: %v %v", found, err)
		}
	}
	if err := e.client.CloseTicket(ctx(t), tk.ID, s); err != nil {
		t.Fatalf("close under faults: %v", err)
	}
}
