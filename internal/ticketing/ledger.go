package ticketing

import (
	"bufio"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/accountsync/accountsync-operator/internal/provider"
)

// State is what the ledger knows of an alert's ticket.
type State string

const (
	// StatePending: a create was (or is about to be) sent and its outcome is not known yet.
	StatePending State = "p"
	// StateOpen: the ticket exists and this service has not closed it.
	StateOpen State = "o"
	// StateClosed: the ticket is closed (by this service, or found closed by a person).
	StateClosed State = "c"
)

// Entry is what the service remembers of one alert.
type Entry struct {
	// TicketKey is the key stored on the ticket: the alert's own key, or its roll-up's key.
	TicketKey string
	TicketID  string
	AccountID string
	State     State
	// Since is when a pending create was recorded (the intent).
	Since time.Time
}

// Ledger maps alert keys to what was ticketed for them. It is the memory that keeps a run from
// looking up alerts it already ticketed; the PSA look-up by key stays the guard before any create.
type Ledger map[string]Entry

// Encode writes the ledger compactly, one alert per line, sorted:
// alertKey TAB ticketKey("" = alertKey) TAB ticketID TAB accountID TAB state TAB sinceUnix.
func (l Ledger) Encode() string {
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		e := l[k]
		tk := e.TicketKey
		if tk == k {
			tk = ""
		}
		since := ""
		if !e.Since.IsZero() {
			since = strconv.FormatInt(e.Since.Unix(), 10)
		}
		fmt.Fprintf(&b, "%s\t%s\t%s\t%s\t%s\t%s\n", k, tk, e.TicketID, e.AccountID, e.State, since)
	}
	return b.String()
}

// DecodeLedger reads what Encode wrote; a malformed line is an error (the ledger is never
// half-read: a lost entry could mean a second ticket).
func DecodeLedger(s string) (Ledger, error) {
	l := Ledger{}
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if line == "" {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 6 || f[0] == "" {
			return nil, fmt.Errorf("ledger line %d: want 6 tab-separated fields", n)
		}
		e := Entry{TicketKey: f[1], TicketID: f[2], AccountID: f[3], State: State(f[4])}
		if e.TicketKey == "" {
			e.TicketKey = f[0]
		}
		switch e.State {
		case StatePending, StateOpen, StateClosed:
		default:
			return nil, fmt.Errorf("ledger line %d: unknown state %q", n, f[4])
		}
		if f[5] != "" {
			sec, err := strconv.ParseInt(f[5], 10, 64)
			if err != nil {
				return nil, fmt.Errorf("ledger line %d: bad time %q", n, f[5])
			}
			e.Since = time.Unix(sec, 0).UTC()
		}
		l[f[0]] = e
	}
	return l, sc.Err()
}

// OpenTickets counts the distinct open tickets of an account.
func (l Ledger) OpenTickets(accountID string) int {
	seen := map[string]bool{}
	for _, e := range l {
		if e.AccountID == accountID && e.State == StateOpen {
			seen[e.TicketID] = true
		}
	}
	return len(seen)
}

// Decision is what the guard says about a create.
type Decision int

const (
	// Send: nothing found; record the intent and send the create.
	Send Decision = iota
	// Adopt: the ticket exists (an earlier create did happen, or a person made it): use it.
	Adopt
	// Wait: an earlier create's outcome is unknown and the settle period has not passed.
	Wait
)

// Guard decides a create from what FindTicket returned for its key, the entry of an earlier
// attempt (nil when none) and the settle period, like internal/creation does for accounts: a
// create with an unknown outcome is followed by look-ups, and sent again only after settle has
// passed without a trace.
func Guard(found []provider.Ticket, previous *Entry, settle time.Duration, now time.Time) (Decision, provider.Ticket) {
	if len(found) > 0 {
		return Adopt, oldest(found)
	}
	if previous != nil && previous.State == StatePending && now.Sub(previous.Since) < settle {
		return Wait, provider.Ticket{}
	}
	return Send, provider.Ticket{}
}

// oldest picks the first ticket made for a key should a person have copied it: numeric ids in
// numeric order, then text order.
func oldest(ts []provider.Ticket) provider.Ticket {
	best := ts[0]
	for _, t := range ts[1:] {
		if idLess(t.ID, best.ID) {
			best = t
		}
	}
	return best
}

func idLess(a, b string) bool {
	na, ea := strconv.ParseInt(a, 10, 64)
	nb, eb := strconv.ParseInt(b, 10, 64)
	if ea == nil && eb == nil {
		return na < nb
	}
	if (ea == nil) != (eb == nil) {
		return ea == nil
	}
	return a < b
}

// AlertID is the vendor id inside an alert key ("vsa-alarm:123" → "123").
func AlertID(key string) string {
	if i := strings.IndexByte(key, ':'); i >= 0 {
		return key[i+1:]
	}
	return key
}
