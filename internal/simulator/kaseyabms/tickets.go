package kaseyabms

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The service desk (the ticketing target), v2:
//
//   - GET /v2/system/statuses/lookup, /v2/system/priorities/lookup, /v2/system/queues/lookup:
//     [{Id, Name}]. There is no look-up of ticket types, sources or note types: their ids are
//     fixed here (types 1 Incident, 2 Problem, 3 Alert; sources 1 Phone, 2 Email, 3 Monitoring;
//     note types 1 Internal, 2 Resolution).
//   - POST /v2/servicedesk/tickets {Title, Details, AccountId, LocationId, StatusId, PriorityId,
//     TypeId, SourceId, OpenDate, QueueId | AssigneeId}: all required (a queue or an assignee);
//     answers {Id, TicketNumber}.
//   - GET /v2/servicedesk/tickets?Filter.Title=&Filter.AccountIds=&Filter.ExcludeCompleted=
//     pages tickets; Filter.Title is a case-insensitive "contains" (the vendor does not say
//     whether it is exact: a client must compare itself), Filter.AccountIds a comma list.
//   - POST /v2/servicedesk/tickets/{ticketId}/notes {Details, IsInternal, TypeId, NoteDate}.
//   - POST /v2/servicedesk/tickets/{ticketId}/resolve {Comment, StatusId}: the status must be
//     a completed one (here: "Completed").

// Ticket is a service desk ticket.
type Ticket struct {
	ID           int64     `json:"Id"`
	TicketNumber string    `json:"TicketNumber"`
	Title        string    `json:"Title"`
	Details      string    `json:"Details"`
	AccountID    int64     `json:"AccountId"`
	LocationID   int64     `json:"LocationId"`
	StatusID     int64     `json:"StatusId"`
	StatusName   string    `json:"StatusName"`
	PriorityID   int64     `json:"PriorityId"`
	TypeID       int64     `json:"TypeId"`
	SourceID     int64     `json:"SourceId"`
	QueueID      int64     `json:"QueueId,omitempty"`
	OpenDate     time.Time `json:"OpenDate"`
	IsCompleted  bool      `json:"IsCompleted"`
	Resolution   string    `json:"-"`
}

// TicketNote is a note on a ticket.
type TicketNote struct {
	ID         int64  `json:"Id"`
	TicketID   int64  `json:"TicketId"`
	Details    string `json:"Details"`
	IsInternal bool   `json:"IsInternal"`
	TypeID     int64  `json:"TypeId"`
}

type deskStatus struct {
	ID        int64
	Name      string
	Completed bool
}

type serviceDesk struct {
	statuses   []deskStatus
	priorities []lookupRow
	queues     []lookupRow
	tickets    []*Ticket
	notes      []TicketNote
	seeded     bool
}

type lookupRow struct {
	ID   int64  `json:"Id"`
	Name string `json:"Name"`
}

// Ids of the lists v2 cannot look up.
var (
	ticketTypeIDs = map[int64]bool{1: true, 2: true, 3: true}
	sourceIDs     = map[int64]bool{1: true, 2: true, 3: true}
	noteTypeIDs   = map[int64]bool{1: true, 2: true}
)

func (s *Server) deskLocked() *serviceDesk {
	d := &s.desk
	if !d.seeded {
		d.seeded = true
		d.statuses = []deskStatus{{1, "New", false}, {2, "In Progress", false}, {3, "Waiting Customer", false}, {4, "Completed", true}}
		d.priorities = []lookupRow{{1, "Low"}, {2, "Medium"}, {3, "High"}, {4, "Critical"}}
		d.queues = []lookupRow{{1, "Service Desk"}, {2, "Monitoring Alerts"}}
	}
	return d
}

func (s *Server) deskRoutes() {
	lookup := func(rows func(*serviceDesk) []lookupRow) func(http.ResponseWriter, *http.Request) {
		return func(w http.ResponseWriter, _ *http.Request) {
			s.mu.Lock()
			out := rows(s.deskLocked())
			s.mu.Unlock()
			s.ok(w, out)
		}
	}
	s.route(http.MethodGet, "/system/statuses/lookup", false, nil, lookup(func(d *serviceDesk) []lookupRow {
		out := make([]lookupRow, len(d.statuses))
		for i, st := range d.statuses {
			out[i] = lookupRow{st.ID, st.Name}
		}
		return out
	}))
	s.route(http.MethodGet, "/system/priorities/lookup", false, nil, lookup(func(d *serviceDesk) []lookupRow { return append([]lookupRow{}, d.priorities...) }))
	s.route(http.MethodGet, "/system/queues/lookup", false, nil, lookup(func(d *serviceDesk) []lookupRow { return append([]lookupRow{}, d.queues...) }))
	s.route(http.MethodGet, "/servicedesk/tickets", false,
		append([]string{"Filter.Title", "Filter.AccountIds", "Filter.ExcludeCompleted"}, paging...), s.searchTickets)
	s.route(http.MethodPost, "/servicedesk/tickets", false, nil, s.createTicket)
	s.route(http.MethodPost, "/servicedesk/tickets/{ticketId}/notes", false, nil, s.createTicketNote)
	s.route(http.MethodPost, "/servicedesk/tickets/{ticketId}/resolve", false, nil, s.resolveTicket)
}

// Tickets returns a copy of every ticket.
func (s *Server) Tickets() []Ticket {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Ticket, 0, len(s.desk.tickets))
	for _, t := range s.desk.tickets {
		out = append(out, *t)
	}
	return out
}

// TicketNotes returns the notes of a ticket.
func (s *Server) TicketNotes(ticketID int64) []TicketNote {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []TicketNote
	for _, n := range s.desk.notes {
		if n.TicketID == ticketID {
			out = append(out, n)
		}
	}
	return out
}

func (s *Server) searchTickets(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	exclude, err := boolParam(q, "Filter.ExcludeCompleted")
	if err != nil {
		s.fail(w, http.StatusBadRequest, err.Error())
		return
	}
	accounts := map[int64]bool{}
	if v := q.Get("Filter.AccountIds"); v != "" {
		for _, part := range strings.Split(v, ",") {
			n, err := strconv.ParseInt(strings.TrimSpace(part), 10, 32)
			if err != nil {
				s.fail(w, http.StatusBadRequest, fmt.Sprintf("The value '%s' is not valid for Filter.AccountIds.", v))
				return
			}
			accounts[n] = true
		}
	}
	title := q.Get("Filter.Title")
	s.mu.Lock()
	var out []Ticket
	for _, t := range s.deskLocked().tickets {
		if (len(accounts) == 0 || accounts[t.AccountID]) && (exclude == nil || !*exclude || !t.IsCompleted) &&
			(title == "" || containsFold(t.Title, title)) && s.Visible(ticketKey(t.ID)) {
			out = append(out, *t)
		}
	}
	s.mu.Unlock()
	page(s, w, r, out, true)
}

func ticketKey(id int64) string { return fmt.Sprintf("ticket/%d", id) }

type ticketIn struct {
	Title      *string    `json:"Title"`
	Details    *string    `json:"Details"`
	AccountID  *int64     `json:"AccountId"`
	LocationID *int64     `json:"LocationId"`
	StatusID   *int64     `json:"StatusId"`
	PriorityID *int64     `json:"PriorityId"`
	TypeID     *int64     `json:"TypeId"`
	SourceID   *int64     `json:"SourceId"`
	QueueID    *int64     `json:"QueueId"`
	AssigneeID *int64     `json:"AssigneeId"`
	OpenDate   *time.Time `json:"OpenDate"`
}

func inRows(rows []lookupRow, id int64) bool {
	for _, r := range rows {
		if r.ID == id {
			return true
		}
	}
	return false
}

func (s *Server) createTicket(w http.ResponseWriter, r *http.Request) {
	var in ticketIn
	if !s.readJSON(w, r, &in) {
		return
	}
	s.mu.Lock()
	d := s.deskLocked()
	var missing []string
	for name, present := range map[string]bool{"Title": in.Title != nil && strings.TrimSpace(*in.Title) != "", "Details": in.Details != nil,
		"AccountId": in.AccountID != nil, "LocationId": in.LocationID != nil, "StatusId": in.StatusID != nil, "PriorityId": in.PriorityID != nil,
		"TypeId": in.TypeID != nil, "SourceId": in.SourceID != nil, "OpenDate": in.OpenDate != nil, "QueueId or AssigneeId": in.QueueID != nil || in.AssigneeID != nil} {
		if !present {
			missing = append(missing, name)
		}
	}
	var problem string
	switch {
	case len(missing) > 0:
		problem = "Required fields are missing: " + strings.Join(missing, ", ") + "."
	case !s.hasAccount(*in.AccountID):
		problem = fmt.Sprintf("Account %d was not found.", *in.AccountID)
	case !s.locationBelongs(*in.AccountID, *in.LocationID):
		problem = fmt.Sprintf("Location %d does not belong to account %d.", *in.LocationID, *in.AccountID)
	case !d.statusExists(*in.StatusID):
		problem = fmt.Sprintf("Status %d was not found.", *in.StatusID)
	case !inRows(d.priorities, *in.PriorityID):
		problem = fmt.Sprintf("Priority %d was not found.", *in.PriorityID)
	case !ticketTypeIDs[*in.TypeID]:
		problem = fmt.Sprintf("Ticket type %d was not found.", *in.TypeID)
	case !sourceIDs[*in.SourceID]:
		problem = fmt.Sprintf("Source %d was not found.", *in.SourceID)
	case in.QueueID != nil && !inRows(d.queues, *in.QueueID):
		problem = fmt.Sprintf("Queue %d was not found.", *in.QueueID)
	}
	if problem != "" {
		s.mu.Unlock()
		s.fail(w, http.StatusBadRequest, problem)
		return
	}
	t := &Ticket{ID: s.newID("ticket"), Title: *in.Title, Details: *in.Details, AccountID: *in.AccountID, LocationID: *in.LocationID,
		StatusID: *in.StatusID, PriorityID: *in.PriorityID, TypeID: *in.TypeID, SourceID: *in.SourceID, OpenDate: *in.OpenDate}
	if in.QueueID != nil {
		t.QueueID = *in.QueueID
	}
	t.TicketNumber = fmt.Sprintf("T%s.%04d", t.OpenDate.UTC().Format("20060102"), t.ID%10000)
	t.StatusName, t.IsCompleted = d.status(t.StatusID)
	d.tickets = append(d.tickets, t)
	out := map[string]any{"Id": t.ID, "TicketNumber": t.TicketNumber}
	s.mu.Unlock()
	s.HideCreated(ticketKey(t.ID))
	s.SlowCreate(r)
	s.ok(w, out)
}

func (s *Server) locationBelongs(accountID, locationID int64) bool {
	_, ok := s.locationOf(accountID, locationID)
	return ok
}

func (d *serviceDesk) statusExists(id int64) bool {
	for _, st := range d.statuses {
		if st.ID == id {
			return true
		}
	}
	return false
}

func (d *serviceDesk) status(id int64) (string, bool) {
	for _, st := range d.statuses {
		if st.ID == id {
			return st.Name, st.Completed
		}
	}
	return "", false
}

func (d *serviceDesk) ticket(id int64) *Ticket {
	for _, t := range d.tickets {
		if t.ID == id {
			return t
		}
	}
	return nil
}

func (s *Server) createTicketNote(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "ticketId")
	if !ok {
		return
	}
	var in struct {
		Details    *string    `json:"Details"`
		IsInternal *bool      `json:"IsInternal"`
		TypeID     *int64     `json:"TypeId"`
		NoteDate   *time.Time `json:"NoteDate"`
	}
	if !s.readJSON(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.deskLocked()
	switch {
	case d.ticket(id) == nil:
		s.fail(w, http.StatusNotFound, fmt.Sprintf("Ticket %d was not found.", id))
	case in.Details == nil || strings.TrimSpace(*in.Details) == "" || in.TypeID == nil || in.NoteDate == nil || in.IsInternal == nil:
		s.fail(w, http.StatusBadRequest, "Details, IsInternal, TypeId and NoteDate are required.")
	case !noteTypeIDs[*in.TypeID]:
		s.fail(w, http.StatusBadRequest, fmt.Sprintf("Note type %d was not found.", *in.TypeID))
	default:
		n := TicketNote{ID: s.newID("note"), TicketID: id, Details: *in.Details, IsInternal: *in.IsInternal, TypeID: *in.TypeID}
		d.notes = append(d.notes, n)
		s.ok(w, map[string]any{"Id": n.ID})
	}
}

func (s *Server) resolveTicket(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "ticketId")
	if !ok {
		return
	}
	var in struct {
		Comment  *string `json:"Comment"`
		StatusID *int64  `json:"StatusId"`
	}
	if !s.readJSON(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.deskLocked()
	t := d.ticket(id)
	switch {
	case t == nil:
		s.fail(w, http.StatusNotFound, fmt.Sprintf("Ticket %d was not found.", id))
		return
	case in.StatusID == nil:
		s.fail(w, http.StatusBadRequest, "StatusId is required.")
		return
	}
	name, completed := d.status(*in.StatusID)
	if !completed {
		s.fail(w, http.StatusBadRequest, fmt.Sprintf("Status %d is not a completed status.", *in.StatusID))
		return
	}
	t.StatusID, t.StatusName, t.IsCompleted = *in.StatusID, name, true
	if in.Comment != nil {
		t.Resolution = *in.Comment
	}
	s.ok(w, true)
}
