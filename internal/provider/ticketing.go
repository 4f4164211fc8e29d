package provider

import (
	"context"
	"time"
)

// ---- Ticketing: tool alerts become PSA tickets ------------------------------------------------

// Alert severities, lowest first, as the policy's spec.services.ticketing.minSeverity names them.
// A tool without severities (Kaseya VSA alarms) reports "" and every alert qualifies.
const (
	SeverityLow      = "Low"
	SeverityMedium   = "Medium"
	SeverityHigh     = "High"
	SeverityCritical = "Critical"
)

// SeverityRank orders severities (Low 1 … Critical 4); an unknown or empty one ranks 0.
func SeverityRank(s string) int {
	switch s {
	case SeverityLow:
		return 1
	case SeverityMedium:
		return 2
	case SeverityHigh:
		return 3
	case SeverityCritical:
		return 4
	}
	return 0
}

// Alert is one alert of a tool (a Kaseya VSA alarm, a GravityZone incident).
type Alert struct {
	// Key identifies the alert for ever, across tools: "vsa-alarm:<AlarmId>",
	// "gz-incident:<incidentId>". It is stored on the PSA ticket (externalXRef, supplier
	// reference, title marker) so a ticket is found again by it.
	Key string
	// ID is the vendor's own id of the alert.
	ID string
	// OrganizationID is the tool organization the alert belongs to.
	OrganizationID string
	Title          string
	Details        string
	// Severity is one of the Severity* names, or "" when the tool has none.
	Severity string
	Time     time.Time
	// Open is false once the alert cleared (VSA alarm closed; incident closed or false positive).
	Open bool
}

// AlertQuery narrows ListOpenAlerts on the server where the tool can.
type AlertQuery struct {
	// MinSeverity drops alerts below it ("" keeps all); tools without severities ignore it.
	MinSeverity string
}

// AlertSource is a tool whose alerts can become tickets.
type AlertSource interface {
	// ListOpenAlerts lists every open alert of every organization, each with its organization.
	ListOpenAlerts(ctx context.Context, q AlertQuery) ([]Alert, error)
	// GetAlert reads one alert by its vendor id; a deleted alert is a KindNotFound error.
	GetAlert(ctx context.Context, id string) (Alert, error)
}

// AlertNoteWriter is a tool whose alerts carry a note a person reads (GravityZone incidents):
// the ticketing service writes the PSA ticket number there. AppendAlertNote keeps the text
// already in the note and adds line unless the note already contains it.
type AlertNoteWriter interface {
	AppendAlertNote(ctx context.Context, id, line string) error
}

// TicketSettings say where tickets go, by name as the policy writes them
// (spec.services.ticketing.target) or, once resolved, by id. ClosedStatus is found by the
// PSA itself (the board's or tenant's closed status) when it resolves the others.
type TicketSettings struct {
	Board    string // ConnectWise service board; Kaseya BMS queue
	Status   string
	Priority string
	Type     string // HaloPSA ticket type; Kaseya BMS ticket type id (no look-up exists)
	Source   string // Kaseya BMS ticket source id (no look-up exists)
	NoteType string // Kaseya BMS note type id (no look-up exists)
	// ClosedStatus is the status a resolved ticket gets; filled by ResolveTicketSettings.
	ClosedStatus string
}

// Ticket is a PSA ticket made for an alert.
type Ticket struct {
	ID string
	// Number is what a person calls the ticket ("#1042"); the id when the PSA has no other.
	Number    string
	AccountID string
	// Key is the alert key stored on the ticket.
	Key     string
	Summary string
	Closed  bool
}

// TicketCreate is a new ticket. Settings are resolved ids.
type TicketCreate struct {
	AccountID string
	Key       string
	Summary   string
	Details   string
	Settings  TicketSettings
}

// TicketTarget is a PSA that takes tickets. Every verb is idempotent except CreateTicket, which
// the ticketing service guards like every create: FindTicket before, an intent recorded, and
// after an unknown outcome FindTicket again instead of a second create.
type TicketTarget interface {
	// ResolveTicketSettings turns the policy's names into ids (one look-up per list, once per
	// run). A name that is not in the PSA is a *SettingError naming the choices.
	ResolveTicketSettings(ctx context.Context, in TicketSettings) (TicketSettings, error)
	// FindTicket returns the tickets of the account that carry key, open or closed.
	FindTicket(ctx context.Context, accountID, key string) ([]Ticket, error)
	CreateTicket(ctx context.Context, in TicketCreate) (Ticket, error)
	AddTicketNote(ctx context.Context, ticketID, text string, s TicketSettings) error
	// CloseTicket gives the ticket s.ClosedStatus.
	CloseTicket(ctx context.Context, ticketID string, s TicketSettings) error
}
