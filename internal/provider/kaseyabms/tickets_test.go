package kaseyabms

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/accountsync/accountsync-operator/internal/provider"
	sim "github.com/accountsync/accountsync-operator/internal/simulator/kaseyabms"
	"github.com/accountsync/accountsync-operator/internal/simulator/simkit"
)

var bmsTarget = provider.TicketSettings{Board: "monitoring alerts", Status: "New", Priority: "High", Type: "3", Source: "3", NoteType: "1"}

func ticketEnv(t *testing.T) (*sim.Server, *Client, provider.TicketSettings, string) {
	t.Helper()
	s, c := newEnv(t, sim.Fixture{Accounts: []sim.Account{{AccountName: "Acme Corp"}}})
	settings, err := c.ResolveTicketSettings(context.Background(), bmsTarget)
	if err != nil {
		t.Fatal(err)
	}
	return s, c, settings, strconv.FormatInt(s.Accounts()[0].ID, 10)
}

func TestBMSTicketSettings(t *testing.T) {
	_, c, s, _ := ticketEnv(t)
	if s.Board != "2" || s.Status != "1" || s.Priority != "3" || s.ClosedStatus != "4" || s.Type != "3" {
		t.Fatalf("resolved %+v", s)
	}
	for _, tc := range []struct {
		mutate  func(*provider.TicketSettings)
		setting string
		text    string
	}{
		{func(s *provider.TicketSettings) { s.Board = "Alarms" }, "target.board", "Service Desk"},
		{func(s *provider.TicketSettings) { s.Status = "Open" }, "target.status", "Waiting Customer"},
		{func(s *provider.TicketSettings) { s.Priority = "Urgent" }, "target.priority", "Critical"},
		{func(s *provider.TicketSettings) { s.Source = "" }, "target.source", "no look-up"},
		{func(s *provider.TicketSettings) { s.Type = "Alert" }, "target.type", "no look-up"},
	} {
		in := bmsTarget
		tc.mutate(&in)
		_, err := c.ResolveTicketSettings(context.Background(), in)
		var se *provider.SettingError
		if !errors.As(err, &se) || !strings.Contains(se.Setting, tc.setting) || !strings.Contains(se.Error(), tc.text) {
			t.Errorf("%+v: got %v, want a SettingError on %s saying %q", in, err, tc.setting, tc.text)
		}
	}
}

func TestBMSTicketLifecycleWire(t *testing.T) {
	srv, c, s, acct := ticketEnv(t)
	ctx := context.Background()
	const key = "vsa-alarm:90000000000000007"
	tk, err := c.CreateTicket(ctx, provider.TicketCreate{AccountID: acct, Key: key, Summary: "DC01: Disk C: low", Details: "below 5%", Settings: s})
	if err != nil {
		t.Fatal(err)
	}
	got := srv.Tickets()[0]
	if got.Title != "[vsa-alarm:90000000000000007] DC01: Disk C: low" || got.QueueID != 2 || got.TypeID != 3 || got.SourceID != 3 || got.LocationID == 0 {
		t.Errorf("created %+v", got)
	}
	if tk.Number != got.TicketNumber {
		t.Errorf("number %q, want %q", tk.Number, got.TicketNumber)
	}
	// A key that merely contains this one's marker text is not a match.
	if _, err := c.CreateTicket(ctx, provider.TicketCreate{AccountID: acct, Key: key + "1", Summary: "other", Details: "x", Settings: s}); err != nil {
		t.Fatal(err)
	}
	found, err := c.FindTicket(ctx, acct, key)
	if err != nil || len(found) != 1 || found[0].ID != tk.ID {
		t.Fatalf("find: %+v %v", found, err)
	}
	if err := c.AddTicketNote(ctx, tk.ID, "alert cleared", s); err != nil {
		t.Fatal(err)
	}
	if err := c.CloseTicket(ctx, tk.ID, s); err != nil {
		t.Fatal(err)
	}
	if got := srv.Tickets()[0]; !got.IsCompleted || got.StatusName != "Completed" || len(srv.TicketNotes(got.ID)) != 1 {
		t.Errorf("after resolve %+v", got)
	}
	if found, _ := c.FindTicket(ctx, acct, key); len(found) != 1 || !found[0].Closed {
		t.Errorf("a completed ticket is still found by its marker: %+v", found)
	}
}

func TestBMSTicketCreateTimeout(t *testing.T) {
	srv, c, s, acct := ticketEnv(t)
	ctx := context.Background()
	// Learn the main location first, so the slow call is the create.
	if _, err := c.ticketLocation(ctx, "t", mustID(t, acct)); err != nil {
		t.Fatal(err)
	}
	srv.SetFaults(simkit.Faults{SlowCreates: 1, SlowCreateDelay: 3 * time.Second})
	_, err := c.CreateTicket(ctx, provider.TicketCreate{AccountID: acct, Key: "k", Summary: "s", Details: "d", Settings: s})
	if !provider.IsKind(err, provider.KindUnknownOutcome) {
		t.Fatalf("timed-out create: %v", err)
	}
	if found, err := c.FindTicket(ctx, acct, "k"); err != nil || len(found) != 1 {
		t.Fatalf("the create happened: %v %v", found, err)
	}
}

func mustID(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// 429s and 503s on look-ups and on the resolve are retried.
func TestBMSTicketsUnderFaults(t *testing.T) {
	srv, c, s, acct := ticketEnv(t)
	ctx := context.Background()
	tk, err := c.CreateTicket(ctx, provider.TicketCreate{AccountID: acct, Key: "k", Summary: "s", Details: "d", Settings: s})
	if err != nil {
		t.Fatal(err)
	}
	srv.SetFaults(simkit.Faults{ThrottleEvery: 2, ServerErrorEvery: 3})
	for i := 0; i < 3; i++ {
		if found, err := c.FindTicket(ctx, acct, "k"); err != nil || len(found) != 1 {
			t.Fatalf("look-up under faults: %v %v", found, err)
		}
	}
	if err := c.CloseTicket(ctx, tk.ID, s); err != nil {
		t.Fatalf("resolve under faults: %v", err)
	}
}
