package ticketing

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/accountsync/accountsync-operator/internal/provider"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func alert(key, org, sev string, minute int) provider.Alert {
	return provider.Alert{Key: key, ID: key, OrganizationID: org, Title: "alert " + key, Severity: sev,
		Time: t0.Add(time.Duration(minute) * time.Minute), Open: true}
}

var links = map[string]Link{
	"org-a": {Mapping: "map-a", OrganizationID: "org-a", AccountID: "250", OrganizationName: "Acme"},
	"org-b": {Mapping: "map-b", OrganizationID: "org-b", AccountID: "251"},
}

func keysOf(ts []NewTicket) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Key)
	}
	return out
}

func TestPlan(t *testing.T) {
	tests := []struct {
		name        string
		in          Input
		wantCreate  []string
		wantClose   []string // ticket ids
		wantForget  []string
		wantRef     []string
		wantRolled  map[string]int
		wantConfirm []string
	}{
		{
			name:       "one ticket per new alert of a linked organization",
			in:         Input{Alerts: []provider.Alert{alert("a1", "org-a", "", 1), alert("b1", "org-b", "", 2)}, Links: links},
			wantCreate: []string{"a1", "b1"},
		},
		{
			name: "dedupe: an alert already in the ledger gets no second ticket, whatever its state",
			in: Input{Alerts: []provider.Alert{alert("a1", "org-a", "", 1), alert("a2", "org-a", "", 2), alert("a3", "org-a", "", 3)},
				Links: links, Ledger: Ledger{
					"a1": {TicketKey: "a1", TicketID: "7", AccountID: "250", State: StateOpen},
					"a2": {TicketKey: "a2", AccountID: "250", State: StatePending, Since: t0},
				}},
			wantCreate: []string{"a3"},
		},
		{
			name:       "a paging duplicate is one alert",
			in:         Input{Alerts: []provider.Alert{alert("a1", "org-a", "", 1), alert("a1", "org-a", "", 1)}, Links: links},
			wantCreate: []string{"a1"},
		},
		{
			name: "reopen never: a ticket a person closed stays closed while its alert is open",
			in: Input{Alerts: []provider.Alert{alert("a1", "org-a", "", 1)}, Links: links, CloseWhenResolved: true,
				Ledger: Ledger{"a1": {TicketKey: "a1", TicketID: "7", AccountID: "250", State: StateClosed}}},
		},
		{
			name: "min severity drops lower alerts; alerts without severity qualify",
			in: Input{Alerts: []provider.Alert{alert("low", "org-a", provider.SeverityLow, 1), alert("med", "org-a", provider.SeverityMedium, 2),
				alert("crit", "org-a", provider.SeverityCritical, 3), alert("none", "org-a", "", 4)},
				Links: links, MinSeverity: provider.SeverityMedium},
			wantCreate: []string{"med", "crit", "none"},
		},
		{
			name: "flood gate: beyond the limit one roll-up per account; other accounts unaffected",
			in: Input{Alerts: []provider.Alert{alert("a1", "org-a", "", 1), alert("a2", "org-a", "", 2), alert("a3", "org-a", "", 3),
				alert("b1", "org-b", "", 1)}, Links: links, MaxNewPerAccount: 2},
			wantCreate: []string{"a1+2", "b1"},
			wantRolled: map[string]int{"map-a": 3},
		},
		{
			name: "at the limit each alert gets its own ticket",
			in: Input{Alerts: []provider.Alert{alert("a1", "org-a", "", 1), alert("a2", "org-a", "", 2)},
				Links: links, MaxNewPerAccount: 2},
			wantCreate: []string{"a1", "a2"},
		},
		{
			name: "close on resolve: a confirmed cleared alert closes its ticket",
			in: Input{Links: links, CloseWhenResolved: true, Cleared: map[string]bool{"a1": true},
				Ledger: Ledger{"a1": {TicketKey: "a1", TicketID: "7", AccountID: "250", State: StateOpen}}},
			wantClose:   []string{"7"},
			wantConfirm: []string{"a1"},
		},
		{
			name: "an unconfirmed absence closes nothing",
			in: Input{Links: links, CloseWhenResolved: true,
				Ledger: Ledger{"a1": {TicketKey: "a1", TicketID: "7", AccountID: "250", State: StateOpen}}},
			wantConfirm: []string{"a1"},
		},
		{
			name: "a roll-up closes only when every member cleared",
			in: Input{Alerts: []provider.Alert{alert("a2", "org-a", "", 2)}, Links: links, CloseWhenResolved: true,
				Cleared: map[string]bool{"a1": true},
				Ledger: Ledger{
					"a1": {TicketKey: "a1+1", TicketID: "9", AccountID: "250", State: StateOpen},
					"a2": {TicketKey: "a1+1", TicketID: "9", AccountID: "250", State: StateOpen},
				}},
			wantConfirm: []string{"a1"},
		},
		{
			name: "closeWhenResolved false: a cleared alert's entry is forgotten, its ticket left to a person",
			in: Input{Links: links,
				Ledger: Ledger{"a1": {TicketKey: "a1", TicketID: "7", AccountID: "250", State: StateOpen}}},
			wantForget: []string{"a1"},
		},
		{
			name: "closed tickets of cleared alerts and unmapped accounts are forgotten",
			in: Input{Links: links, CloseWhenResolved: true,
				Ledger: Ledger{
					"a1": {TicketKey: "a1", TicketID: "7", AccountID: "250", State: StateClosed},
					"x1": {TicketKey: "x1", TicketID: "8", AccountID: "999", State: StateOpen},
				}},
			wantForget:  []string{"a1", "x1"},
			wantConfirm: []string{"x1"},
		},
		{
			name:       "createWhen Referenced: alerts of unmapped organizations are references",
			in:         Input{Alerts: []provider.Alert{alert("z1", "org-z", "", 1), alert("a1", "org-a", "", 1)}, Links: links},
			wantCreate: []string{"a1"},
			wantRef:    []string{"org-z"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := Plan(tc.in)
			if got := keysOf(out.Create); !reflect.DeepEqual(got, tc.wantCreate) {
				t.Errorf("create = %v, want %v", got, tc.wantCreate)
			}
			var closed []string
			for _, c := range out.Close {
				closed = append(closed, c.TicketID)
			}
			if !reflect.DeepEqual(closed, tc.wantClose) {
				t.Errorf("close = %v, want %v", closed, tc.wantClose)
			}
			if !reflect.DeepEqual(out.Forget, tc.wantForget) {
				t.Errorf("forget = %v, want %v", out.Forget, tc.wantForget)
			}
			if !reflect.DeepEqual(out.Referenced, tc.wantRef) {
				t.Errorf("referenced = %v, want %v", out.Referenced, tc.wantRef)
			}
			rolled := tc.wantRolled
			if rolled == nil {
				rolled = map[string]int{}
			}
			if !reflect.DeepEqual(out.RolledUp, rolled) {
				t.Errorf("rolled up = %v, want %v", out.RolledUp, rolled)
			}
			if got := ToConfirm(tc.in); !reflect.DeepEqual(got, tc.wantConfirm) {
				t.Errorf("to confirm = %v, want %v", got, tc.wantConfirm)
			}
		})
	}
}

func TestRollupListsItsAlerts(t *testing.T) {
	var alerts []provider.Alert
	for i := 0; i < 150; i++ {
		alerts = append(alerts, alert("a"+string(rune('A'+i%26))+strings.Repeat("x", i/26), "org-a", "", i))
	}
	out := Plan(Input{Alerts: alerts, Links: links, MaxNewPerAccount: 20})
	if len(out.Create) != 1 || !out.Create[0].Rollup || len(out.Create[0].Alerts) != 150 {
		t.Fatalf("want one roll-up of 150 alerts, got %+v", keysOf(out.Create))
	}
	r := out.Create[0]
	if !strings.Contains(r.Summary, "150 alerts for Acme") || !strings.Contains(r.Details, "and 50 more") {
		t.Errorf("roll-up summary %q / details do not list the alerts", r.Summary)
	}
	if len(r.Summary) > 100 {
		t.Errorf("summary longer than 100: %q", r.Summary)
	}
}

func TestSummaryBounded(t *testing.T) {
	s := Summary(strings.Repeat("é", 300))
	if n := len([]rune(s)); n != 100 {
		t.Errorf("summary has %d runes, want 100", n)
	}
	if Summary("  disk\n full  ") != "disk full" {
		t.Errorf("whitespace not folded: %q", Summary("  disk\n full  "))
	}
}

func TestLedgerRoundTrip(t *testing.T) {
	l := Ledger{
		"vsa-alarm:1":   {TicketKey: "vsa-alarm:1", TicketID: "7", AccountID: "250", State: StateOpen},
		"vsa-alarm:2":   {TicketKey: "vsa-alarm:2+1", TicketID: "8", AccountID: "250", State: StateClosed},
		"gz-incident:x": {TicketKey: "gz-incident:x", AccountID: "12", State: StatePending, Since: t0},
	}
	got, err := DecodeLedger(l.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, l) {
		t.Errorf("round trip = %+v, want %+v", got, l)
	}
	if n := l.OpenTickets("250"); n != 1 {
		t.Errorf("open tickets = %d, want 1", n)
	}
	if _, err := DecodeLedger("a\tb\n"); err == nil {
		t.Error("a malformed line must fail the whole ledger")
	}
	if _, err := DecodeLedger("a\t\t1\t2\tz\t\n"); err == nil {
		t.Error("an unknown state must fail")
	}
}

func TestGuard(t *testing.T) {
	pending := &Entry{State: StatePending, Since: t0}
	settle := time.Minute
	if d, tk := Guard([]provider.Ticket{{ID: "12"}, {ID: "9"}}, pending, settle, t0); d != Adopt || tk.ID != "9" {
		t.Errorf("found tickets: got %v %v, want Adopt of the oldest", d, tk.ID)
	}
	if d, _ := Guard(nil, pending, settle, t0.Add(30*time.Second)); d != Wait {
		t.Errorf("unknown outcome within settle: got %v, want Wait", d)
	}
	if d, _ := Guard(nil, pending, settle, t0.Add(2*time.Minute)); d != Send {
		t.Errorf("nothing after settle: got %v, want Send", d)
	}
	if d, _ := Guard(nil, nil, settle, t0); d != Send {
		t.Errorf("first attempt: got %v, want Send", d)
	}
}
