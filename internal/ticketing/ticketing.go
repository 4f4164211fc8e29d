// Package ticketing is the pure decision of the ticketing service: given a tool's open alerts,
// what was already ticketed (the ledger), the policy's linked mappings and its settings, which
// tickets to create (one per alert, or one roll-up per account beyond the flood gate), which to
// close, which ledger entries to forget and which unmapped organizations the alerts reference.
// It knows nothing of Kubernetes or of any vendor's wire; the ticketing controller fetches,
// calls Plan, applies and reports.
package ticketing

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/accountsync/accountsync-operator/internal/provider"
)

// Link is a linked mapping that takes part in ticketing.
type Link struct {
	Mapping        string
	OrganizationID string
	AccountID      string
	// OrganizationName labels roll-up tickets.
	OrganizationName string
}

// Input is everything one run decides on.
type Input struct {
	// Alerts are the tool's open alerts (any organization).
	Alerts []provider.Alert
	// Links by tool organization id.
	Links  map[string]Link
	Ledger Ledger
	// MinSeverity drops alerts below it; alerts without a severity always qualify.
	MinSeverity       string
	MaxNewPerAccount  int
	CloseWhenResolved bool
	// Cleared are the alert keys of open-ticket entries whose alert the tool confirmed cleared
	// (see ToConfirm); the others are still open for all we know.
	Cleared map[string]bool
}

// NewTicket is a ticket to create.
type NewTicket struct {
	// Key is stored on the ticket: the alert's key, or a roll-up key.
	Key       string
	Mapping   string
	AccountID string
	Summary   string
	Details   string
	// Alerts are the keys of the alerts the ticket stands for (one, or the roll-up's members).
	Alerts []string
	Rollup bool
}

// CloseTicket is a ticket whose every alert cleared.
type CloseTicket struct {
	TicketID  string
	TicketKey string
	Mapping   string
	AccountID string
	Alerts    []string
}

// Output is the decision of one run.
type Output struct {
	Create []NewTicket
	Close  []CloseTicket
	// Forget are ledger keys that need no memory any more: the alert is gone and its ticket is
	// closed, or is left to a person (closeWhenResolved false), or the mapping is gone.
	Forget []string
	// Referenced are unmapped organizations that have open alerts (createWhen Referenced).
	Referenced []string
	// LastAlert is the newest qualifying alert time per mapping.
	LastAlert map[string]time.Time
	// RolledUp counts, per mapping, the alerts a roll-up ticket of this run stands for.
	RolledUp map[string]int
}

// qualifies reports whether an alert's severity is at or above floor.
func qualifies(a provider.Alert, floor string) bool {
	if a.Severity == "" || floor == "" {
		return true
	}
	return provider.SeverityRank(a.Severity) >= provider.SeverityRank(floor)
}

// openByKey indexes the qualifying open alerts by key (a paging duplicate counts once).
func openByKey(alerts []provider.Alert, floor string) map[string]provider.Alert {
	out := make(map[string]provider.Alert, len(alerts))
	for _, a := range alerts {
		if a.Key != "" && a.Open && qualifies(a, floor) {
			out[a.Key] = a
		}
	}
	return out
}

// ToConfirm lists the ledger keys whose ticket this service would close if their alert cleared
// but whose alert is no longer in the open listing: the controller asks the tool about each
// (one call per alert that changed, never per alert that is still open).
func ToConfirm(in Input) []string {
	if !in.CloseWhenResolved {
		return nil
	}
	open := openByKey(in.Alerts, "")
	var out []string
	for key, e := range in.Ledger {
		if e.State == StateOpen && e.TicketID != "" {
			if _, still := open[key]; !still {
				out = append(out, key)
			}
		}
	}
	sort.Strings(out)
	return out
}

// Plan decides one run. Pending entries (a create whose outcome is not known yet) are neither
// created again nor closed here: the controller settles them with Settle first.
func Plan(in Input) Output {
	out := Output{LastAlert: map[string]time.Time{}, RolledUp: map[string]int{}}
	open := openByKey(in.Alerts, in.MinSeverity)
	accounts := map[string]Link{}
	for _, l := range in.Links {
		accounts[l.AccountID] = l
	}

	// New alerts per mapping, in a stable order (time, then key).
	fresh := map[string][]provider.Alert{}
	referenced := map[string]bool{}
	for key, a := range open {
		link, linked := in.Links[a.OrganizationID]
		if !linked {
			referenced[a.OrganizationID] = true
			continue
		}
		if a.Time.After(out.LastAlert[link.Mapping]) {
			out.LastAlert[link.Mapping] = a.Time
		}
		if _, known := in.Ledger[key]; known {
			// Ticketed (or being ticketed) already: never a second ticket, and a ticket a
			// person closed stays closed.
			continue
		}
		fresh[link.Mapping] = append(fresh[link.Mapping], a)
	}
	for org := range referenced {
		if org != "" {
			out.Referenced = append(out.Referenced, org)
		}
	}
	sort.Strings(out.Referenced)

	maxNew := in.MaxNewPerAccount
	if maxNew <= 0 {
		maxNew = 20
	}
	mappings := make([]string, 0, len(fresh))
	for m := range fresh {
		mappings = append(mappings, m)
	}
	sort.Strings(mappings)
	linkOf := map[string]Link{}
	for _, l := range in.Links {
		linkOf[l.Mapping] = l
	}
	for _, m := range mappings {
		alerts := fresh[m]
		sort.Slice(alerts, func(i, j int) bool {
			if !alerts[i].Time.Equal(alerts[j].Time) {
				return alerts[i].Time.Before(alerts[j].Time)
			}
			return alerts[i].Key < alerts[j].Key
		})
		link := linkOf[m]
		if len(alerts) > maxNew {
			out.Create = append(out.Create, rollup(link, alerts))
			out.RolledUp[m] = len(alerts)
			continue
		}
		for _, a := range alerts {
			out.Create = append(out.Create, NewTicket{Key: a.Key, Mapping: m, AccountID: link.AccountID,
				Summary: Summary(a.Title), Details: details(a), Alerts: []string{a.Key}})
		}
	}

	// Tickets to close: every alert of the ticket cleared. Entries to forget: the alert is gone
	// and nothing remains to do for its ticket.
	byTicket := map[string][]string{}
	for key, e := range in.Ledger {
		if _, still := open[key]; still || e.State == StatePending {
			// Still open: remembered so it is never ticketed again. Pending: settled by the
			// controller's guard first.
			continue
		}
		_, mapped := accounts[e.AccountID]
		switch {
		case !mapped, e.State == StateClosed, !in.CloseWhenResolved:
			// The alert is gone and its ticket is closed, or is a person's to close (the
			// mapping no longer takes part, or the policy does not close tickets).
			out.Forget = append(out.Forget, key)
		case in.Cleared[key]:
			byTicket[e.TicketID] = append(byTicket[e.TicketID], key)
		}
	}
	// A roll-up closes only when all its members cleared.
	members := map[string]int{}
	for _, e := range in.Ledger {
		if e.State == StateOpen {
			members[e.TicketID]++
		}
	}
	tickets := make([]string, 0, len(byTicket))
	for id := range byTicket {
		tickets = append(tickets, id)
	}
	sort.Strings(tickets)
	for _, id := range tickets {
		keys := byTicket[id]
		if len(keys) < members[id] {
			continue
		}
		sort.Strings(keys)
		e := in.Ledger[keys[0]]
		link := accounts[e.AccountID]
		out.Close = append(out.Close, CloseTicket{TicketID: id, TicketKey: e.TicketKey, Mapping: link.Mapping,
			AccountID: e.AccountID, Alerts: keys})
	}
	sort.Strings(out.Forget)
	return out
}

// maxSummary is the shortest summary limit of the PSAs (ConnectWise: 100 characters).
const maxSummary = 100

// Summary bounds a ticket title to what every PSA accepts.
func Summary(title string) string {
	title = strings.Join(strings.Fields(title), " ")
	if title == "" {
		title = "Alert"
	}
	r := []rune(title)
	if len(r) > maxSummary {
		return string(r[:maxSummary-1]) + "…"
	}
	return title
}

func details(a provider.Alert) string {
	var b strings.Builder
	b.WriteString(a.Details)
	if b.Len() > 0 {
		b.WriteString("\n\n")
	}
	fmt.Fprintf(&b, "Alert %s", a.Key)
	if a.Severity != "" {
		fmt.Fprintf(&b, ", severity %s", a.Severity)
	}
	if !a.Time.IsZero() {
		fmt.Fprintf(&b, ", raised %s", a.Time.UTC().Format(time.RFC3339))
	}
	b.WriteString(". Created by AccountSync; it is closed when the alert clears.")
	return b.String()
}

// maxRollupLines bounds the alerts a roll-up ticket lists one by one.
const maxRollupLines = 100

func rollup(link Link, alerts []provider.Alert) NewTicket {
	keys := make([]string, len(alerts))
	var b strings.Builder
	fmt.Fprintf(&b, "%d new alerts in one sync, more than spec.services.ticketing.maxNewTicketsPerSync: one ticket stands for all of them.\n\n", len(alerts))
	for i, a := range alerts {
		keys[i] = a.Key
		if i < maxRollupLines {
			fmt.Fprintf(&b, "- %s: %s\n", a.Key, strings.Join(strings.Fields(a.Title), " "))
		}
	}
	if len(alerts) > maxRollupLines {
		fmt.Fprintf(&b, "- … and %d more\n", len(alerts)-maxRollupLines)
	}
	who := link.OrganizationName
	if who == "" {
		who = "organization " + link.OrganizationID
	}
	return NewTicket{
		Key:     RollupKey(keys),
		Mapping: link.Mapping, AccountID: link.AccountID,
		Summary: Summary(fmt.Sprintf("%d alerts for %s", len(alerts), who)),
		Details: b.String(), Alerts: keys, Rollup: true,
	}
}

// RollupKey is the key a roll-up ticket carries: its first member's key and how many more it
// stands for. It is recorded with the intent, so a retried roll-up looks up the same key.
func RollupKey(members []string) string {
	return members[0] + "+" + strconv.Itoa(len(members)-1)
}
