package gravityzone

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Incidents, service "incidents" on API v1.2 (the ticketing source):
//
//   - getIncidentsList {page ≥ 1, perPage 10–10000, filters: {companyId, status: [open |
//     in_progress | false_positive | closed], priority: [unknown | low | medium | high |
//     critical], incidentType: [incident | extendedIncident]}} answers {items, total, page,
//     perPage, pagesCount}. The envelope and the item fields follow getIncident; without
//     filters.companyId every company's incidents are listed (simulator's choice, documented in
//     docs/providers/gravityzone.md).
//   - getIncident {id} answers incidentId, incidentNumber, incidentType, company {id, name},
//     status, priority, mainAction, created, lastUpdated, severityScore, details, and the current
//     note as "note" (the field name is not confirmed by the vendor).
//   - changeIncidentStatus {type: incidents | extendedIncidents, incidentId, status: 1 open |
//     2 investigating | 3 closed | 4 false positive} answers true.
//   - updateIncidentNote {type, incidentId, note} replaces the note and answers true.

// Incident is a security incident of a company.
type Incident struct {
	ID            string    `json:"id,omitempty" yaml:"id,omitempty"`
	Number        int       `json:"number,omitempty" yaml:"number,omitempty"`
	Type          string    `json:"type,omitempty" yaml:"type,omitempty"` // incident | extendedIncident
	CompanyID     string    `json:"companyId" yaml:"companyId"`
	Status        string    `json:"status,omitempty" yaml:"status,omitempty"` // open | in_progress | false_positive | closed
	Priority      string    `json:"priority,omitempty" yaml:"priority,omitempty"`
	SeverityScore int       `json:"severityScore,omitempty" yaml:"severityScore,omitempty"`
	MainAction    string    `json:"mainAction,omitempty" yaml:"mainAction,omitempty"`
	ComputerName  string    `json:"computerName,omitempty" yaml:"computerName,omitempty"`
	Details       string    `json:"details,omitempty" yaml:"details,omitempty"`
	Note          string    `json:"note,omitempty" yaml:"note,omitempty"`
	Created       time.Time `json:"created,omitempty" yaml:"created,omitempty"`
}

var incidentStatuses = map[string]bool{"open": true, "in_progress": true, "false_positive": true, "closed": true}
var incidentPriorities = map[string]bool{"unknown": true, "low": true, "medium": true, "high": true, "critical": true}
var statusByNumber = map[int]string{1: "open", 2: "in_progress", 3: "closed", 4: "false_positive"}

func init() {
	methods["v1.2 incidents getIncidentsList"] = (*Server).getIncidentsList
	methods["v1.2 incidents getIncident"] = (*Server).getIncident
	methods["v1.2 incidents changeIncidentStatus"] = (*Server).changeIncidentStatus
	methods["v1.2 incidents updateIncidentNote"] = (*Server).updateIncidentNote
}

// AddIncident stores an incident (id, number, type, status, priority and time get defaults).
func (s *Server) AddIncident(in Incident) Incident {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	if in.ID == "" {
		in.ID = fmt.Sprintf("6a1b%020x", s.seq)
	}
	if in.Number == 0 {
		in.Number = 1000 + len(s.incidents) + 1
	}
	if in.Type == "" {
		in.Type = "incident"
	}
	if in.Status == "" {
		in.Status = "open"
	}
	if in.Priority == "" {
		in.Priority = "medium"
	}
	if in.Created.IsZero() {
		in.Created = time.Now().UTC().Truncate(time.Second)
	}
	cp := in
	s.incidents = append(s.incidents, &cp)
	return in
}

// SetIncidentStatus changes an incident's status as an analyst would.
func (s *Server) SetIncidentStatus(id, status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if in := s.incidentLocked(id); in != nil {
		in.Status = status
	}
}

// SetIncidentNote writes a note as an analyst would.
func (s *Server) SetIncidentNote(id, note string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if in := s.incidentLocked(id); in != nil {
		in.Note = note
	}
}

// Incidents returns a copy of every incident.
func (s *Server) Incidents() []Incident {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Incident, len(s.incidents))
	for i, in := range s.incidents {
		out[i] = *in
	}
	return out
}

func (s *Server) incidentLocked(id string) *Incident {
	for _, in := range s.incidents {
		if in.ID == id {
			return in
		}
	}
	return nil
}

func (s *Server) incidentObjectLocked(in *Incident) map[string]any {
	company := map[string]any{"id": in.CompanyID}
	if c := s.byIDLocked(in.CompanyID); c != nil {
		company["name"] = c.Name
	}
	return map[string]any{
		"incidentId":     in.ID,
		"incidentNumber": in.Number,
		"incidentType":   in.Type,
		"company":        company,
		"status":         in.Status,
		"priority":       in.Priority,
		"severityScore":  in.SeverityScore,
		"mainAction":     in.MainAction,
		"computerName":   in.ComputerName,
		"created":        in.Created.UTC().Format(time.RFC3339),
		"lastUpdated":    in.Created.UTC().Format(time.RFC3339),
		"details":        in.Details,
		"note":           in.Note,
	}
}

func (p params) strings(name string, allowed map[string]bool) ([]string, *rpcError) {
	if !p.present(name) {
		return nil, nil
	}
	var out []string
	if err := json.Unmarshal(p[name], &out); err != nil {
		return nil, invalidParams("The %s filter must be an array of strings.", name)
	}
	for _, v := range out {
		if allowed != nil && !allowed[v] {
			return nil, invalidParams("The %s filter value %q is not valid.", name, v)
		}
	}
	return out, nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return len(list) == 0
}

func (s *Server) getIncidentsList(_ *http.Request, p params) (any, *rpcError) {
	if err := p.only("page", "perPage", "filters"); err != nil {
		return nil, err
	}
	page, err := p.integer("page")
	if err != nil {
		return nil, err
	}
	perPage, err := p.integer("perPage")
	if err != nil {
		return nil, err
	}
	if page == 0 {
		page = 1
	}
	if perPage == 0 {
		perPage = 30
	}
	if page < 1 || perPage < 10 || perPage > 10000 {
		return nil, invalidParams("page must be at least 1 and perPage between 10 and 10000.")
	}
	f, err := p.object("filters")
	if err != nil {
		return nil, err
	}
	if err := f.only("companyId", "status", "priority", "incidentType"); err != nil {
		return nil, err
	}
	company, err := f.str("companyId")
	if err != nil {
		return nil, err
	}
	statuses, err := f.strings("status", incidentStatuses)
	if err != nil {
		return nil, err
	}
	priorities, err := f.strings("priority", incidentPriorities)
	if err != nil {
		return nil, err
	}
	types, err := f.strings("incidentType", map[string]bool{"incident": true, "extendedIncident": true})
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var sel []*Incident
	for _, in := range s.incidents {
		if (company == "" || in.CompanyID == company) && contains(statuses, in.Status) && contains(priorities, in.Priority) && contains(types, in.Type) {
			sel = append(sel, in)
		}
	}
	pages := (len(sel) + perPage - 1) / perPage
	from := min((page-1)*perPage, len(sel))
	to := min(from+perPage, len(sel))
	items := make([]map[string]any, 0, to-from)
	for _, in := range sel[from:to] {
		items = append(items, s.incidentObjectLocked(in))
	}
	return map[string]any{"items": items, "total": len(sel), "page": page, "perPage": perPage, "pagesCount": pages}, nil
}

func (s *Server) getIncident(_ *http.Request, p params) (any, *rpcError) {
	if err := p.only("id"); err != nil {
		return nil, err
	}
	id, err := p.str("id")
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	in := s.incidentLocked(id)
	if in == nil {
		return nil, invalidParams("Incident not found.")
	}
	return s.incidentObjectLocked(in), nil
}

// incidentTarget reads type and incidentId and finds the incident; callers hold mu after.
func (s *Server) incidentTarget(p params) (*Incident, *rpcError) {
	typ, err := p.str("type")
	if err != nil {
		return nil, err
	}
	id, err := p.str("incidentId")
	if err != nil {
		return nil, err
	}
	in := s.incidentLocked(id)
	if in == nil {
		return nil, invalidParams("Incident not found.")
	}
	want := "incidents"
	if in.Type == "extendedIncident" {
		want = "extendedIncidents"
	}
	if typ != want {
		return nil, invalidParams("The type parameter must be %q for this incident.", want)
	}
	return in, nil
}

func (s *Server) changeIncidentStatus(_ *http.Request, p params) (any, *rpcError) {
	if err := p.only("type", "incidentId", "status"); err != nil {
		return nil, err
	}
	status, err := p.integer("status")
	if err != nil {
		return nil, err
	}
	name, ok := statusByNumber[status]
	if !ok {
		return nil, invalidParams("The status parameter must be 1, 2, 3 or 4.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	in, rerr := s.incidentTarget(p)
	if rerr != nil {
		return nil, rerr
	}
	in.Status = name
	return true, nil
}

func (s *Server) updateIncidentNote(_ *http.Request, p params) (any, *rpcError) {
	if err := p.only("type", "incidentId", "note"); err != nil {
		return nil, err
	}
	note, err := p.str("note")
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	in, rerr := s.incidentTarget(p)
	if rerr != nil {
		return nil, rerr
	}
	in.Note = strings.TrimRight(note, "\x00")
	return true, nil
}
