package connectwise

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// The service desk (the ticketing target): boards with their statuses, priorities, service
// tickets with externalXRef, notes, and a status PATCH. A ticket's closedFlag follows its
// status's closedStatus, as in CW. Listings take the same conditions as every other list, so
// `externalXRef="vsa-alarm:1" and company/id=250` is evaluated for real.

// Board is a service board.
type Board struct {
	ID       int           `json:"id" yaml:"id"`
	Name     string        `json:"name" yaml:"name"`
	Statuses []BoardStatus `json:"statuses,omitempty" yaml:"statuses,omitempty"`
}

// BoardStatus is a status of one board.
type BoardStatus struct {
	ID           int    `json:"id" yaml:"id"`
	Name         string `json:"name" yaml:"name"`
	Board        *Ref   `json:"board,omitempty" yaml:"-"`
	ClosedStatus bool   `json:"closedStatus" yaml:"closedStatus"`
	Inactive     bool   `json:"inactive" yaml:"inactive"`
}

// Priority is a ticket priority.
type Priority struct {
	ID   int    `json:"id" yaml:"id"`
	Name string `json:"name" yaml:"name"`
}

// Ticket is a service ticket.
type Ticket struct {
	ID                 int    `json:"id"`
	Summary            string `json:"summary"`
	Board              *Ref   `json:"board,omitempty"`
	Status             *Ref   `json:"status,omitempty"`
	Priority           *Ref   `json:"priority,omitempty"`
	Company            *Ref   `json:"company,omitempty"`
	ExternalXRef       string `json:"externalXRef,omitempty"`
	InitialDescription string `json:"initialDescription,omitempty"`
	ClosedFlag         bool   `json:"closedFlag"`
	Info               Info   `json:"_info,omitempty"`
}

// TicketNote is a note on a ticket.
type TicketNote struct {
	ID                    int    `json:"id"`
	TicketID              int    `json:"ticketId"`
	Text                  string `json:"text"`
	DetailDescriptionFlag bool   `json:"detailDescriptionFlag"`
	InternalAnalysisFlag  bool   `json:"internalAnalysisFlag"`
	ResolutionFlag        bool   `json:"resolutionFlag"`
}

type ticketState struct {
	boards     []*Board
	statuses   []*BoardStatus
	priorities []*Priority
	tickets    []*Ticket
	notes      []*TicketNote
}

const (
	maxTicketSummary = 100
	maxExternalXRef  = 100
)

func init() {
	routes = append(routes,
		route{"GET", "service/boards", (*Server).listBoards},
		route{"GET", "service/boards/{id}/statuses", (*Server).listBoardStatuses},
		route{"GET", "service/priorities", (*Server).listPriorities},
		route{"GET", "service/tickets", (*Server).listTickets},
		route{"POST", "service/tickets", (*Server).createTicket},
		route{"GET", "service/tickets/{id}", (*Server).getTicket},
		route{"PATCH", "service/tickets/{id}", (*Server).patchTicket},
		route{"GET", "service/tickets/{id}/notes", (*Server).listTicketNotes},
		route{"POST", "service/tickets/{id}/notes", (*Server).createTicketNote},
	)
}

func (b Board) clone() Board             { b.Statuses = nil; return b }
func (s BoardStatus) clone() BoardStatus { s.Board = cloneRef(s.Board); return s }
func (p Priority) clone() Priority       { return p }
func (n TicketNote) clone() TicketNote   { return n }
func (t Ticket) clone() Ticket {
	t.Board, t.Status, t.Priority, t.Company = cloneRef(t.Board), cloneRef(t.Status), cloneRef(t.Priority), cloneRef(t.Company)
	t.Info = cloneInfo(t.Info)
	return t
}

// AddBoard seeds a board and its statuses (ids 0 take the next free ones).
func (s *Server) AddBoard(b Board) Board {
	s.mu.Lock()
	defer s.mu.Unlock()
	b.ID = s.state.newID("board", b.ID)
	stored := b
	for _, st := range b.Statuses {
		st.ID = s.state.newID("boardStatus", st.ID)
		st.Board = &Ref{ID: b.ID, Name: b.Name}
		cp := st
		s.tix.statuses = append(s.tix.statuses, &cp)
	}
	stored.Statuses = nil
	s.tix.boards = append(s.tix.boards, &stored)
	return b
}

// AddPriority seeds a priority.
func (s *Server) AddPriority(p Priority) Priority {
	s.mu.Lock()
	defer s.mu.Unlock()
	p.ID = s.state.newID("priority", p.ID)
	s.tix.priorities = append(s.tix.priorities, &p)
	return p
}

// Tickets returns a copy of every ticket, in creation order.
func (s *Server) Tickets() []Ticket {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Ticket, len(s.tix.tickets))
	for i, t := range s.tix.tickets {
		out[i] = t.clone()
	}
	return out
}

// TicketNotes returns the notes of one ticket.
func (s *Server) TicketNotes(ticketID int) []TicketNote {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []TicketNote
	for _, n := range s.tix.notes {
		if n.TicketID == ticketID {
			out = append(out, *n)
		}
	}
	return out
}

// SetTicketStatus changes a ticket's status by name, as a technician would in the PSA.
func (s *Server) SetTicketStatus(ticketID int, status string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.ticketLocked(ticketID)
	if t == nil {
		return fmt.Errorf("ticket %d not found", ticketID)
	}
	st := s.boardStatusLocked(t.Board.ID, 0, status)
	if st == nil {
		return fmt.Errorf("status %q not on board %s", status, t.Board.Name)
	}
	t.Status, t.ClosedFlag = &Ref{ID: st.ID, Name: st.Name}, st.ClosedStatus
	return nil
}

func (s *Server) listBoards(w http.ResponseWriter, r *http.Request, _ int) {
	serveList(s, w, r, func(*state) []*Board { return s.tix.boards }, Board.clone)
}

func (s *Server) listBoardStatuses(w http.ResponseWriter, r *http.Request, boardID int) {
	s.mu.Lock()
	found := s.boardLocked(boardID, "") != nil
	s.mu.Unlock()
	if !found {
		writeError(w, http.StatusNotFound, "NotFound", fmt.Sprintf("Board recId %d not found.", boardID))
		return
	}
	serveList(s, w, r, func(*state) []*BoardStatus {
		var out []*BoardStatus
		for _, st := range s.tix.statuses {
			if st.Board.ID == boardID {
				out = append(out, st)
			}
		}
		return out
	}, BoardStatus.clone)
}

func (s *Server) listPriorities(w http.ResponseWriter, r *http.Request, _ int) {
	serveList(s, w, r, func(*state) []*Priority { return s.tix.priorities }, Priority.clone)
}

func (s *Server) listTickets(w http.ResponseWriter, r *http.Request, _ int) {
	serveList(s, w, r, func(*state) []*Ticket {
		var out []*Ticket
		for _, t := range s.tix.tickets {
			if s.Visible(fmt.Sprintf("ticket/%d", t.ID)) {
				out = append(out, t)
			}
		}
		return out
	}, Ticket.clone)
}

func (s *Server) getTicket(w http.ResponseWriter, _ *http.Request, id int) {
	s.mu.Lock()
	t := s.ticketLocked(id)
	var out Ticket
	if t != nil {
		out = t.clone()
	}
	s.mu.Unlock()
	if t == nil {
		writeError(w, http.StatusNotFound, "NotFound", fmt.Sprintf("Ticket recId %d not found.", id))
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) ticketLocked(id int) *Ticket {
	for _, t := range s.tix.tickets {
		if t.ID == id {
			return t
		}
	}
	return nil
}

func (s *Server) boardLocked(id int, name string) *Board {
	for _, b := range s.tix.boards {
		if (id != 0 && b.ID == id) || (id == 0 && name != "" && strings.EqualFold(b.Name, name)) {
			return b
		}
	}
	return nil
}

func (s *Server) boardStatusLocked(boardID, id int, name string) *BoardStatus {
	for _, st := range s.tix.statuses {
		if st.Board.ID == boardID && ((id != 0 && st.ID == id) || (id == 0 && strings.EqualFold(st.Name, name))) {
			return st
		}
	}
	return nil
}

// resolveTicket validates a ticket as CW does and fills the references' names.
func (s *Server) resolveTicket(t *Ticket) []FieldError {
	var errs []FieldError
	switch n := utf8.RuneCountInString(t.Summary); {
	case strings.TrimSpace(t.Summary) == "":
		errs = append(errs, FieldError{Code: "NullValue", Field: "summary", Message: "summary may not be null."})
	case n > maxTicketSummary:
		errs = append(errs, FieldError{Code: "OutOfRange", Field: "summary", Message: fmt.Sprintf("summary exceeds %d characters.", maxTicketSummary)})
	}
	if utf8.RuneCountInString(t.ExternalXRef) > maxExternalXRef {
		errs = append(errs, FieldError{Code: "OutOfRange", Field: "externalXRef", Message: fmt.Sprintf("externalXRef exceeds %d characters.", maxExternalXRef)})
	}
	if t.Company == nil || s.state.byID[t.Company.ID] == nil {
		errs = append(errs, FieldError{Code: "NullValue", Field: "company", Message: "company is required and must exist."})
	} else {
		co := s.state.byID[t.Company.ID]
		t.Company = &Ref{ID: co.ID, Identifier: co.Identifier, Name: co.Name}
	}
	var board *Board
	if t.Board != nil {
		board = s.boardLocked(t.Board.ID, t.Board.Name)
	} else if len(s.tix.boards) > 0 {
		board = s.tix.boards[0]
	}
	if board == nil {
		errs = append(errs, FieldError{Code: "NotFound", Field: "board", Message: "board not found."})
		return errs
	}
	t.Board = &Ref{ID: board.ID, Name: board.Name}
	var st *BoardStatus
	if t.Status != nil {
		st = s.boardStatusLocked(board.ID, t.Status.ID, t.Status.Name)
		if st == nil {
			errs = append(errs, FieldError{Code: "InvalidObject", Field: "status", Message: "status does not belong to board " + board.Name + "."})
		}
	} else {
		for _, cand := range s.tix.statuses {
			if cand.Board.ID == board.ID && !cand.ClosedStatus {
				st = cand
				break
			}
		}
	}
	if st != nil {
		t.Status, t.ClosedFlag = &Ref{ID: st.ID, Name: st.Name}, st.ClosedStatus
	}
	if t.Priority != nil {
		var p *Priority
		for _, cand := range s.tix.priorities {
			if (t.Priority.ID != 0 && cand.ID == t.Priority.ID) || (t.Priority.ID == 0 && strings.EqualFold(cand.Name, t.Priority.Name)) {
				p = cand
			}
		}
		if p == nil {
			errs = append(errs, FieldError{Code: "NotFound", Field: "priority", Message: "priority not found."})
		} else {
			t.Priority = &Ref{ID: p.ID, Name: p.Name}
		}
	}
	return errs
}

func (s *Server) createTicket(w http.ResponseWriter, r *http.Request, _ int) {
	var in Ticket
	if !decodeBody(w, r, &in) {
		return
	}
	in.ID, in.Info, in.ClosedFlag = 0, nil, false
	s.mu.Lock()
	if errs := s.resolveTicket(&in); len(errs) > 0 {
		s.mu.Unlock()
		writeInvalid(w, "ticket", errs)
		return
	}
	in.ID = s.state.newID("ticket", 0)
	in.Info = s.state.stamp(nil)
	stored := in
	s.tix.tickets = append(s.tix.tickets, &stored)
	out := stored.clone()
	s.mu.Unlock()
	s.HideCreated(fmt.Sprintf("ticket/%d", out.ID))
	s.SlowCreate(r)
	writeJSON(w, http.StatusCreated, out)
}

// patchTicket applies a JSON-patch array; a status may be given by id or name and must belong
// to the ticket's board.
func (s *Server) patchTicket(w http.ResponseWriter, r *http.Request, id int) {
	var ops []PatchOp
	if !decodeBody(w, r, &ops) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.ticketLocked(id)
	if t == nil {
		writeError(w, http.StatusNotFound, "NotFound", fmt.Sprintf("Ticket recId %d not found.", id))
		return
	}
	next := t.clone()
	for _, op := range ops {
		path := strings.TrimPrefix(op.Path, "/")
		if op.Op != "replace" && op.Op != "add" {
			writeInvalid(w, "ticket", []FieldError{{Code: "InvalidOperation", Field: path, Message: fmt.Sprintf("op %q is not supported here.", op.Op)}})
			return
		}
		var err error
		switch path {
		case "status":
			var ref Ref
			if err = json.Unmarshal(op.Value, &ref); err == nil {
				next.Status = &ref
			}
		case "summary":
			err = json.Unmarshal(op.Value, &next.Summary)
		case "priority":
			var ref Ref
			if err = json.Unmarshal(op.Value, &ref); err == nil {
				next.Priority = &ref
			}
		default:
			writeInvalid(w, "ticket", []FieldError{{Code: "InvalidPath", Field: op.Path, Message: fmt.Sprintf("%q cannot be patched in the simulator.", op.Path)}})
			return
		}
		if err != nil {
			writeError(w, http.StatusBadRequest, "InvalidObject", "The patch value is not valid: "+err.Error())
			return
		}
	}
	if errs := s.resolveTicket(&next); len(errs) > 0 {
		writeInvalid(w, "ticket", errs)
		return
	}
	next.Info = s.state.stamp(t.Info)
	*t = next
	writeJSON(w, http.StatusOK, t.clone())
}

func (s *Server) listTicketNotes(w http.ResponseWriter, r *http.Request, id int) {
	serveList(s, w, r, func(*state) []*TicketNote {
		var out []*TicketNote
		for _, n := range s.tix.notes {
			if n.TicketID == id {
				out = append(out, n)
			}
		}
		return out
	}, TicketNote.clone)
}

func (s *Server) createTicketNote(w http.ResponseWriter, r *http.Request, id int) {
	var in TicketNote
	if !decodeBody(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ticketLocked(id) == nil {
		writeError(w, http.StatusNotFound, "NotFound", fmt.Sprintf("Ticket recId %d not found.", id))
		return
	}
	if strings.TrimSpace(in.Text) == "" {
		writeInvalid(w, "ticketNote", []FieldError{{Code: "NullValue", Field: "text", Message: "text may not be null."}})
		return
	}
	if !in.DetailDescriptionFlag && !in.InternalAnalysisFlag && !in.ResolutionFlag {
		writeInvalid(w, "ticketNote", []FieldError{{Code: "InvalidObject", Field: "detailDescriptionFlag",
			Message: "one of detailDescriptionFlag, internalAnalysisFlag or resolutionFlag must be true."}})
		return
	}
	in.ID, in.TicketID = s.state.newID("ticketNote", 0), id
	s.tix.notes = append(s.tix.notes, &in)
	writeJSON(w, http.StatusCreated, in)
}

// SeedServiceDesk adds a service desk like a fresh tenant's: boards "Alerts" and "Help Desk"
// (each with New, In Progress and a closed status "Closed"; Help Desk's is ">Closed"), and the
// priorities Low, Medium, High. Tests and the demo use it.
func (s *Server) SeedServiceDesk() {
	s.AddBoard(Board{Name: "Alerts", Statuses: []BoardStatus{{Name: "New"}, {Name: "In Progress"}, {Name: "Closed", ClosedStatus: true}}})
	s.AddBoard(Board{Name: "Help Desk", Statuses: []BoardStatus{{Name: "New"}, {Name: "Waiting"}, {Name: ">Closed", ClosedStatus: true}}})
	for _, p := range []string{"Low", "Medium", "High"} {
		s.AddPriority(Priority{Name: p})
	}
}
