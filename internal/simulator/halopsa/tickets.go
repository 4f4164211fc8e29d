package halopsa

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// The service desk (the ticketing target):
//
//   - GET /api/TicketType, /api/Status, /api/Priority: bare arrays of {id, name} (Status adds
//     type: "closed" for closed statuses). Halo's own shapes vary by version; these are the
//     simulator's (docs/providers/halopsa.md).
//   - POST /api/Tickets [{summary, details, client_id, site_id?, tickettype_id, status_id,
//     priority_id, third_party_id_string?, supplier_reference?}] creates; an object with id
//     updates (a close is [{id, status_id}]).
//   - GET /api/Tickets?client_id=&open_only=&search_summary=&search_supplier_reference= answers
//     {record_count, tickets}; the searches are case-insensitive substring matches.
//   - GET /api/Tickets/{id}.
//   - POST /api/Actions [{ticket_id, note, outcome_id?, hiddenfromuser}] adds a note.

// NamedID is a ticket type, status or priority.
type NamedID struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
	// Type is "closed" for a status that closes a ticket.
	Type string `json:"type,omitempty"`
}

// Ticket is a Halo ticket.
type Ticket struct {
	ID                 int    `json:"id"`
	Summary            string `json:"summary"`
	Details            string `json:"details,omitempty"`
	ClientID           int    `json:"client_id"`
	SiteID             int    `json:"site_id,omitempty"`
	TicketTypeID       int    `json:"tickettype_id"`
	StatusID           int    `json:"status_id"`
	PriorityID         int    `json:"priority_id,omitempty"`
	ThirdPartyIDString string `json:"third_party_id_string,omitempty"`
	SupplierReference  string `json:"supplier_reference,omitempty"`
}

// Action is a note on a ticket.
type Action struct {
	ID             int    `json:"id"`
	TicketID       int    `json:"ticket_id"`
	Note           string `json:"note"`
	OutcomeID      int    `json:"outcome_id,omitempty"`
	HiddenFromUser bool   `json:"hiddenfromuser"`
}

type ticketDesk struct {
	types, statuses, priorities []NamedID
	tickets                     []*Ticket
	actions                     []*Action
}

// SeedServiceDesk adds a fresh tenant's lists: ticket types Incident, Service Request, Alert;
// statuses New (1), In Progress (2), Closed (9, closed); priorities Low, Medium, High, Critical.
func (s *Server) SeedServiceDesk() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tix.types = []NamedID{{ID: 1, Name: "Incident"}, {ID: 3, Name: "Service Request"}, {ID: 21, Name: "Alert"}}
	s.tix.statuses = []NamedID{{ID: 1, Name: "New"}, {ID: 2, Name: "In Progress"}, {ID: 9, Name: "Closed", Type: "closed"}}
	s.tix.priorities = []NamedID{{ID: 1, Name: "Critical"}, {ID: 2, Name: "High"}, {ID: 3, Name: "Medium"}, {ID: 4, Name: "Low"}}
}

// Tickets returns a copy of every ticket in creation order.
func (s *Server) Tickets() []Ticket {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Ticket, len(s.tix.tickets))
	for i, t := range s.tix.tickets {
		out[i] = *t
	}
	return out
}

// Actions returns the actions (notes) of a ticket.
func (s *Server) Actions(ticketID int) []Action {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Action
	for _, a := range s.tix.actions {
		if a.TicketID == ticketID {
			out = append(out, *a)
		}
	}
	return out
}

// SetTicketStatus sets a ticket's status as an agent would.
func (s *Server) SetTicketStatus(ticketID, statusID int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tix.tickets {
		if t.ID == ticketID {
			t.StatusID = statusID
		}
	}
}

func (s *Server) closedStatusLocked(id int) bool {
	for _, st := range s.tix.statuses {
		if st.ID == id {
			return st.Type == "closed"
		}
	}
	return false
}

// serveDesk answers the service-desk paths; false for any other.
func (s *Server) serveDesk(w http.ResponseWriter, r *http.Request, name, idPart string, hasID bool) bool {
	var route string
	switch name {
	case "tickettype":
		route = "TicketType"
	case "status":
		route = "Status"
	case "priority":
		route = "Priority"
	case "tickets":
		route = "Tickets"
	case "actions":
		route = "Actions"
	default:
		return false
	}
	key := r.Method + " /api/" + route
	if hasID {
		key += "/{id}"
	}
	s.Count(key)
	id := 0
	if hasID {
		n, err := strconv.Atoi(idPart)
		if err != nil || n <= 0 || route != "Tickets" {
			writeMessage(w, http.StatusNotFound, "The requested resource was not found")
			return true
		}
		id = n
	}
	methods := []string{http.MethodGet}
	if (route == "Tickets" && !hasID) || route == "Actions" {
		methods = append(methods, http.MethodPost)
	}
	if !allow(w, r, methods...) {
		return true
	}
	if !s.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		w.WriteHeader(http.StatusUnauthorized)
		return true
	}
	if s.Inject(w, r) {
		return true
	}
	s.mu.Lock()
	lists := map[string][]NamedID{"TicketType": s.tix.types, "Status": s.tix.statuses, "Priority": s.tix.priorities}
	s.mu.Unlock()
	switch {
	case route == "Tickets" && hasID:
		s.getTicket(w, id)
	case route == "Tickets" && r.Method == http.MethodGet:
		s.listTickets(w, r)
	case route == "Tickets":
		s.postTickets(w, r)
	case route == "Actions" && r.Method == http.MethodPost:
		s.postActions(w, r)
	case route == "Actions":
		writeJSON(w, http.StatusOK, map[string]any{"record_count": 0, "actions": []Action{}})
	default:
		writeJSON(w, http.StatusOK, append([]NamedID{}, lists[route]...))
	}
	return true
}

func (s *Server) getTicket(w http.ResponseWriter, id int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tix.tickets {
		if t.ID == id {
			writeJSON(w, http.StatusOK, *t)
			return
		}
	}
	writeMessage(w, http.StatusNotFound, fmt.Sprintf("Ticket %d not found", id))
}

func (s *Server) listTickets(w http.ResponseWriter, r *http.Request) {
	q := map[string]string{}
	for k, v := range r.URL.Query() {
		if len(v) > 0 {
			q[strings.ToLower(k)] = v[0]
		}
	}
	clientID := 0
	if v, ok := q["client_id"]; ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			writeMessage(w, http.StatusBadRequest, fmt.Sprintf("The value '%s' is not valid for client_id.", v))
			return
		}
		clientID = n
	}
	openOnly, _ := strconv.ParseBool(q["open_only"])
	contains := func(field, search string) bool {
		return search == "" || strings.Contains(strings.ToLower(field), strings.ToLower(search))
	}
	s.mu.Lock()
	rows := []Ticket{}
	for _, t := range s.tix.tickets {
		if (clientID == 0 || t.ClientID == clientID) && (!openOnly || !s.closedStatusLocked(t.StatusID)) &&
			contains(t.Summary, q["search_summary"]) && contains(t.SupplierReference, q["search_supplier_reference"]) &&
			s.Visible(fmt.Sprintf("ticket/%d", t.ID)) {
			rows = append(rows, *t)
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"record_count": len(rows), "tickets": rows})
}

func (s *Server) postTickets(w http.ResponseWriter, r *http.Request) {
	items, ok := readUpsertBody(w, r)
	if !ok {
		return
	}
	var err error
	var out []Ticket
	var created []int
	s.mu.Lock()
	for _, f := range items {
		t, isNew, uerr := s.upsertTicketLocked(f)
		if uerr != nil {
			err = uerr
			break
		}
		out = append(out, t)
		if isNew {
			created = append(created, t.ID)
		}
	}
	s.mu.Unlock()
	if err != nil {
		writeMessage(w, http.StatusBadRequest, err.Error())
		return
	}
	if len(created) > 0 {
		for _, id := range created {
			s.HideCreated(fmt.Sprintf("ticket/%d", id))
		}
		s.SlowCreate(r)
	}
	if len(out) == 1 {
		writeJSON(w, http.StatusOK, out[0])
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) inList(list []NamedID, id int) bool {
	for _, n := range list {
		if n.ID == id {
			return true
		}
	}
	return false
}

// upsertTicketLocked creates a ticket, or updates the one f's id names.
func (s *Server) upsertTicketLocked(f fields) (Ticket, bool, error) {
	rd := &reader{f: f}
	var id int
	rd.int("id", &id)
	var t *Ticket
	if id > 0 {
		for _, cur := range s.tix.tickets {
			if cur.ID == id {
				t = cur
			}
		}
		if t == nil {
			return Ticket{}, false, fmt.Errorf("Ticket %d not found", id)
		}
	} else {
		t = &Ticket{}
	}
	next := *t
	rd.str("summary", &next.Summary)
	rd.str("details", &next.Details)
	rd.int("client_id", &next.ClientID)
	rd.int("site_id", &next.SiteID)
	rd.int("tickettype_id", &next.TicketTypeID)
	rd.int("status_id", &next.StatusID)
	rd.int("priority_id", &next.PriorityID)
	rd.str("third_party_id_string", &next.ThirdPartyIDString)
	rd.str("supplier_reference", &next.SupplierReference)
	if rd.err != nil {
		return Ticket{}, false, rd.err
	}
	if strings.TrimSpace(next.Summary) == "" {
		return Ticket{}, false, fmt.Errorf("A summary is required.")
	}
	if s.clients[next.ClientID] == nil {
		return Ticket{}, false, fmt.Errorf("Client %d does not exist.", next.ClientID)
	}
	if next.TicketTypeID != 0 && !s.inList(s.tix.types, next.TicketTypeID) {
		return Ticket{}, false, fmt.Errorf("Ticket type %d does not exist.", next.TicketTypeID)
	}
	if next.StatusID == 0 && len(s.tix.statuses) > 0 {
		next.StatusID = s.tix.statuses[0].ID
	}
	if next.StatusID != 0 && !s.inList(s.tix.statuses, next.StatusID) {
		return Ticket{}, false, fmt.Errorf("Status %d does not exist.", next.StatusID)
	}
	if next.PriorityID != 0 && !s.inList(s.tix.priorities, next.PriorityID) {
		return Ticket{}, false, fmt.Errorf("Priority %d does not exist.", next.PriorityID)
	}
	if id == 0 {
		next.ID = s.claimID("ticket", 0)
		stored := next
		s.tix.tickets = append(s.tix.tickets, &stored)
		sort.SliceStable(s.tix.tickets, func(i, j int) bool { return s.tix.tickets[i].ID < s.tix.tickets[j].ID })
		return stored, true, nil
	}
	*t = next
	return next, false, nil
}

func (s *Server) postActions(w http.ResponseWriter, r *http.Request) {
	items, ok := readUpsertBody(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Action
	for _, f := range items {
		rd := &reader{f: f}
		var a Action
		rd.int("ticket_id", &a.TicketID)
		rd.str("note", &a.Note)
		rd.int("outcome_id", &a.OutcomeID)
		rd.get("hiddenfromuser", &a.HiddenFromUser)
		if rd.err != nil {
			writeMessage(w, http.StatusBadRequest, rd.err.Error())
			return
		}
		found := false
		for _, t := range s.tix.tickets {
			found = found || t.ID == a.TicketID
		}
		if !found {
			writeMessage(w, http.StatusBadRequest, fmt.Sprintf("Ticket %d does not exist.", a.TicketID))
			return
		}
		a.ID = s.claimID("action", 0)
		s.tix.actions = append(s.tix.actions, &a)
		out = append(out, a)
	}
	if len(out) == 1 {
		writeJSON(w, http.StatusOK, out[0])
		return
	}
	writeJSON(w, http.StatusOK, out)
}
