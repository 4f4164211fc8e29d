package kaseyabms

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/accountsync/accountsync-operator/internal/provider"
	"github.com/accountsync/accountsync-operator/internal/provider/httpx"
)

var _ provider.TicketTarget = (*Client)(nil)

// Service desk tickets (the ticketing target). BMS has no external-reference field on a ticket,
// so the alert key is a marker at the start of the title, "[vsa-alarm:123] …", searched with
// Filter.Title and compared exactly here (whether the filter is exact is not documented). The
// queue, status and priority are resolved by name with the v2 look-ups; ticket type, source and
// note type have no look-up and are ids from the policy. A resolved alert closes its ticket
// with POST …/resolve and the tenant's status named Completed (or Closed, or Resolved).

const ticketsPath = "v2/servicedesk/tickets"

// maxTitle bounds a ticket title (BMS's limit is not documented; 255 is the usual column size).
const maxTitle = 255

// closedStatusNames are the status names that complete a ticket, in order of preference.
var closedStatusNames = []string{"Completed", "Closed", "Resolved"}

type lookupEntry struct {
	ID   flexID     `json:"Id"`
	Name flexString `json:"Name"`
}

func decodeLookup(raw json.RawMessage) (lookupEntry, string, error) {
	var r lookupEntry
	if err := json.Unmarshal(raw, &r); err != nil {
		return r, "", err
	}
	if r.ID == "" {
		return r, "", errNoID
	}
	return r, string(r.ID), nil
}

type ticketRow struct {
	ID           flexID     `json:"Id"`
	TicketNumber flexString `json:"TicketNumber"`
	Title        flexString `json:"Title"`
	AccountID    flexID     `json:"AccountId"`
	IsCompleted  *bool      `json:"IsCompleted"`
}

func decodeTicket(raw json.RawMessage) (ticketRow, string, error) {
	var r ticketRow
	if err := json.Unmarshal(raw, &r); err != nil {
		return r, "", err
	}
	if r.ID == "" {
		return r, "", errNoID
	}
	return r, string(r.ID), nil
}

// TitleMarker is what a ticket's title starts with for an alert key.
func TitleMarker(key string) string { return "[" + key + "]" }

func pickLookup(setting, name string, rows []lookupEntry) (string, error) {
	choices := make([]string, 0, len(rows))
	for _, r := range rows {
		if strings.EqualFold(strings.TrimSpace(string(r.Name)), strings.TrimSpace(name)) {
			return string(r.ID), nil
		}
		choices = append(choices, string(r.Name))
	}
	sort.Strings(choices)
	return "", &provider.SettingError{Setting: setting, Value: name, Choices: choices}
}

// ResolveTicketSettings resolves queue (board), status and priority by name, checks the ids of
// type, source and note type, and finds the completed status.
func (c *Client) ResolveTicketSettings(ctx context.Context, in provider.TicketSettings) (provider.TicketSettings, error) {
	const op = "ResolveTicketSettings"
	out := in
	for _, f := range []struct{ setting, value string }{
		{"spec.services.ticketing.target.board", in.Board}, {"spec.services.ticketing.target.status", in.Status},
		{"spec.services.ticketing.target.priority", in.Priority},
	} {
		if strings.TrimSpace(f.value) == "" {
			return in, &provider.SettingError{Setting: f.setting, Reason: "Kaseya BMS requires it on every ticket (a name)"}
		}
	}
	for _, f := range []struct{ setting, value string }{
		{"spec.services.ticketing.target.type", in.Type}, {"spec.services.ticketing.target.source", in.Source},
		{"spec.services.ticketing.target.noteType", in.NoteType},
	} {
		if _, err := parseID(op, f.setting, f.value); err != nil {
			return in, &provider.SettingError{Setting: f.setting, Value: f.value,
				Reason: "Kaseya BMS offers no look-up of it: give its id, as shown in BMS's admin settings"}
		}
	}
	queues, err := getList(ctx, c, op, "v2/system/queues/lookup", nil, decodeLookup)
	if err != nil {
		return in, err
	}
	if out.Board, err = pickLookup("spec.services.ticketing.target.board", in.Board, queues); err != nil {
		return in, err
	}
	statuses, err := getList(ctx, c, op, "v2/system/statuses/lookup", nil, decodeLookup)
	if err != nil {
		return in, err
	}
	if out.Status, err = pickLookup("spec.services.ticketing.target.status", in.Status, statuses); err != nil {
		return in, err
	}
	out.ClosedStatus = ""
	for _, want := range closedStatusNames {
		for _, s := range statuses {
			if out.ClosedStatus == "" && strings.EqualFold(string(s.Name), want) {
				out.ClosedStatus = string(s.ID)
			}
		}
	}
	if out.ClosedStatus == "" {
		return in, &provider.SettingError{Setting: "spec.services.ticketing.closeWhenResolved",
			Reason: "Kaseya BMS has no status named Completed, Closed or Resolved to resolve tickets with"}
	}
	prios, err := getList(ctx, c, op, "v2/system/priorities/lookup", nil, decodeLookup)
	if err != nil {
		return in, err
	}
	if out.Priority, err = pickLookup("spec.services.ticketing.target.priority", in.Priority, prios); err != nil {
		return in, err
	}
	return out, nil
}

// FindTicket searches the account's tickets (completed ones too) for the title marker.
func (c *Client) FindTicket(ctx context.Context, accountID, key string) ([]provider.Ticket, error) {
	const op = "FindTicket"
	id, err := parseID(op, "accountID", accountID)
	if err != nil {
		return nil, err
	}
	marker := TitleMarker(key)
	rows, err := listAll(ctx, c, op, ticketsPath, url.Values{"Filter.Title": {marker}, "Filter.AccountIds": {strconv.FormatInt(id, 10)}}, decodeTicket)
	if err != nil {
		return nil, err
	}
	var out []provider.Ticket
	for _, r := range rows {
		if strings.HasPrefix(string(r.Title), marker) {
			out = append(out, provider.Ticket{ID: string(r.ID), Number: first(string(r.TicketNumber), string(r.ID)), AccountID: string(r.AccountID),
				Key: key, Summary: string(r.Title), Closed: r.IsCompleted != nil && *r.IsCompleted})
		}
	}
	return out, nil
}

type ticketBody struct {
	Title      string `json:"Title"`
	Details    string `json:"Details"`
	AccountID  int64  `json:"AccountId"`
	LocationID int64  `json:"LocationId"`
	StatusID   int64  `json:"StatusId"`
	PriorityID int64  `json:"PriorityId"`
	TypeID     int64  `json:"TypeId"`
	SourceID   int64  `json:"SourceId"`
	QueueID    int64  `json:"QueueId"`
	OpenDate   string `json:"OpenDate"`
}

// locationCache keeps each account's main location for the client's life: a ticket needs one
// and an account's main location rarely moves (a wrong one fails the create, which is retried).
type locationCache struct {
	mu   sync.Mutex
	main map[int64]int64
}

func (c *Client) ticketLocation(ctx context.Context, op string, accountID int64) (int64, error) {
	lc := &c.ticketLocations
	lc.mu.Lock()
	id, ok := lc.main[accountID]
	lc.mu.Unlock()
	if ok {
		return id, nil
	}
	id, err := c.mainLocationID(ctx, op, accountID)
	if err != nil {
		return 0, err
	}
	lc.mu.Lock()
	if lc.main == nil {
		lc.main = map[int64]int64{}
	}
	lc.main[accountID] = id
	lc.mu.Unlock()
	return id, nil
}

// CreateTicket posts a ticket whose title starts with the key's marker.
func (c *Client) CreateTicket(ctx context.Context, in provider.TicketCreate) (provider.Ticket, error) {
	const op = "CreateTicket"
	acct, err := parseID(op, "accountID", in.AccountID)
	if err != nil {
		return provider.Ticket{}, err
	}
	body := ticketBody{Details: in.Details, AccountID: acct, OpenDate: time.Now().UTC().Format("2006-01-02T15:04:05Z")}
	for _, f := range []struct {
		name, value string
		dst         *int64
	}{
		{"status", in.Settings.Status, &body.StatusID}, {"priority", in.Settings.Priority, &body.PriorityID},
		{"ticket type", in.Settings.Type, &body.TypeID}, {"source", in.Settings.Source, &body.SourceID},
		{"queue", in.Settings.Board, &body.QueueID},
	} {
		if *f.dst, err = parseID(op, f.name, f.value); err != nil {
			return provider.Ticket{}, err
		}
	}
	if body.LocationID, err = c.ticketLocation(ctx, op, acct); err != nil {
		return provider.Ticket{}, err
	}
	title := []rune(TitleMarker(in.Key) + " " + in.Summary)
	if len(title) > maxTitle {
		title = title[:maxTitle]
	}
	body.Title = string(title)
	env, status, err := c.create(ctx, op, ticketsPath, httpx.JSON(body))
	if err != nil {
		return provider.Ticket{}, err
	}
	var res struct {
		ID           flexID     `json:"Id"`
		TicketNumber flexString `json:"TicketNumber"`
	}
	if json.Unmarshal(env.Result, &res) != nil || res.ID == "" {
		return provider.Ticket{}, c.hc.Errorf(provider.KindUnknownOutcome, op, status, "the ticket answer names no Id; look it up by its title marker")
	}
	return provider.Ticket{ID: string(res.ID), Number: first(string(res.TicketNumber), string(res.ID)), AccountID: in.AccountID,
		Key: in.Key, Summary: body.Title}, nil
}

// AddTicketNote adds an internal note of the policy's note type.
func (c *Client) AddTicketNote(ctx context.Context, ticketID, text string, s provider.TicketSettings) error {
	const op = "AddTicketNote"
	id, err := parseID(op, "ticketID", ticketID)
	if err != nil {
		return err
	}
	noteType, err := parseID(op, "note type", s.NoteType)
	if err != nil {
		return err
	}
	body := map[string]any{"Details": text, "IsInternal": true, "TypeId": noteType, "NoteDate": time.Now().UTC().Format("2006-01-02T15:04:05Z")}
	_, _, err = c.create(ctx, op, ticketsPath+"/"+strconv.FormatInt(id, 10)+"/notes", httpx.JSON(body))
	return err
}

// CloseTicket resolves the ticket with the completed status. Resolving twice is harmless, so
// the call is resent on a server error like any absolute update.
func (c *Client) CloseTicket(ctx context.Context, ticketID string, s provider.TicketSettings) error {
	const op = "CloseTicket"
	id, err := parseID(op, "ticketID", ticketID)
	if err != nil {
		return err
	}
	status, err := parseID(op, "closed status", s.ClosedStatus)
	if err != nil {
		return err
	}
	if err := c.login(ctx); err != nil {
		return err
	}
	resp, err := c.hc.Do(ctx, httpx.Request{Operation: op, Method: http.MethodPost, Idempotent: true,
		Path: ticketsPath + "/" + strconv.FormatInt(id, 10) + "/resolve",
		Body: httpx.JSON(map[string]any{"Comment": "The alert cleared; resolved by AccountSync.", "StatusId": status})})
	if err != nil {
		return err
	}
	_, err = c.check(op, resp, updateCall)
	return err
}
