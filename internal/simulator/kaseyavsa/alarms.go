package kaseyavsa

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Alarms (the ticketing source), as the VSA 9 REST API documents them:
//
//   - GET /assetmgmt/alarms/{returnAllRecords}: "true" lists every open alarm; "false" lists
//     only the open alarms this API user has not fetched before (then marks them fetched).
//     There is no bare /assetmgmt/alarms. Paged and filtered with OData like other lists.
//   - GET /assetmgmt/alarms/{alarmId}: one alarm, open or closed.
//   - PUT /assetmgmt/alarms/{alarmId}/close with body [{"key":"notes","value":"..."}] closes it.
//
// Alarm fields: AlarmId, AgentId, MachineName, AlarmState ("Open"/"Closed"), Message, AlarmType,
// AlarmTime (server-local time without zone, like the session expiry), AlarmSubject. The
// organization is the agent's OrgId. Field names beyond those the reference lists are the
// simulator's choice (docs/providers/kaseyavsa.md).

// Alarm is a monitoring alarm raised on an agent.
type Alarm struct {
	ID      string `json:"id,omitempty" yaml:"id,omitempty"`
	AgentID string `json:"agentId,omitempty" yaml:"agentId,omitempty"`
	// Machine names the agent by computer name when AgentID is empty (fixtures whose agent ids
	// are generated).
	Machine string    `json:"machine,omitempty" yaml:"machine,omitempty"`
	Subject string    `json:"subject,omitempty" yaml:"subject,omitempty"`
	Message string    `json:"message,omitempty" yaml:"message,omitempty"`
	Type    string    `json:"type,omitempty" yaml:"type,omitempty"`
	Time    time.Time `json:"time,omitempty" yaml:"time,omitempty"`
	Closed  bool      `json:"closed,omitempty" yaml:"closed,omitempty"`
	// Notes is what the close call wrote.
	Notes string `json:"notes,omitempty" yaml:"notes,omitempty"`
}

type alarmStore struct {
	list    []*Alarm
	fetched map[string]bool
}

// AddAlarm raises an alarm (assigning an id when needed) and returns it.
func (s *Server) AddAlarm(a Alarm) Alarm {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !isDecimal(a.ID) || s.idUsedLocked(a.ID) {
		a.ID = s.newIDLocked()
	}
	if a.AgentID == "" {
		for _, ag := range s.agents {
			if strings.EqualFold(ag.ComputerName, a.Machine) {
				a.AgentID = ag.ID
			}
		}
	}
	if a.Time.IsZero() {
		a.Time = time.Now().UTC().Truncate(time.Second)
	}
	if a.Type == "" {
		a.Type = "Monitor"
	}
	s.alarms.list = append(s.alarms.list, &a)
	return a
}

// CloseAlarm closes an alarm as a technician would in VSA; it reports whether it existed.
func (s *Server) CloseAlarm(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.alarmLocked(id); a != nil {
		a.Closed = true
		return true
	}
	return false
}

// Alarms returns a copy of every alarm, in creation order.
func (s *Server) Alarms() []Alarm {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Alarm, len(s.alarms.list))
	for i, a := range s.alarms.list {
		out[i] = *a
	}
	return out
}

func (s *Server) alarmLocked(id string) *Alarm {
	for _, a := range s.alarms.list {
		if a.ID == id {
			return a
		}
	}
	return nil
}

// alarmRecordLocked renders an alarm; machines maps agent ids to names (nil: look it up).
func (s *Server) alarmRecordLocked(a Alarm, machines map[string]string) map[string]any {
	if machines == nil {
		machines = map[string]string{}
		for _, ag := range s.agents {
			if ag.ID == a.AgentID {
				machines[ag.ID] = ag.ComputerName
			}
		}
	}
	machine := machines[a.AgentID]
	state := "Open"
	if a.Closed {
		state = "Closed"
	}
	local := a.Time.UTC().Add(-time.Duration(s.offset) * time.Minute)
	return map[string]any{
		"AlarmId":      json.Number(a.ID),
		"AgentId":      numberOrNil(a.AgentID),
		"MachineName":  machine,
		"AlarmState":   state,
		"AlarmSubject": a.Subject,
		"Message":      a.Message,
		"AlarmType":    a.Type,
		"AlarmTime":    local.Format("2006-01-02T15:04:05"),
	}
}

// serveAlarms answers the alarm paths; it reports false for any other path.
func (s *Server) serveAlarms(w http.ResponseWriter, r *http.Request, segs, lower []string) bool {
	if len(lower) < 3 || lower[0] != "assetmgmt" || lower[1] != "alarms" {
		return false
	}
	switch {
	case len(lower) == 3 && (lower[2] == "true" || lower[2] == "false"):
		all := lower[2] == "true"
		s.route(w, r, "/assetmgmt/alarms/{returnAllRecords}", map[string]http.HandlerFunc{
			http.MethodGet: func(w http.ResponseWriter, r *http.Request) { s.handleListAlarms(w, r, all) }}, true)
	case len(lower) == 3 && isDecimal(segs[2]):
		id := segs[2]
		s.route(w, r, "/assetmgmt/alarms/{alarmId}", map[string]http.HandlerFunc{
			http.MethodGet: func(w http.ResponseWriter, r *http.Request) { s.handleGetAlarm(w, r, id) }}, true)
	case len(lower) == 4 && isDecimal(segs[2]) && lower[3] == "close":
		id := segs[2]
		s.route(w, r, "/assetmgmt/alarms/{alarmId}/close", map[string]http.HandlerFunc{
			http.MethodPut: func(w http.ResponseWriter, r *http.Request) { s.handleCloseAlarm(w, r, id) }}, true)
	default:
		return false
	}
	return true
}

func (s *Server) handleListAlarms(w http.ResponseWriter, r *http.Request, all bool) {
	s.mu.Lock()
	if s.alarms.fetched == nil {
		s.alarms.fetched = map[string]bool{}
	}
	machines := make(map[string]string, len(s.agents))
	for _, ag := range s.agents {
		machines[ag.ID] = ag.ComputerName
	}
	var recs []map[string]any
	for _, a := range s.alarms.list {
		if a.Closed || (!all && s.alarms.fetched[a.ID]) {
			continue
		}
		recs = append(recs, s.alarmRecordLocked(*a, machines))
		if !all {
			s.alarms.fetched[a.ID] = true
		}
	}
	fields := keys(s.alarmRecordLocked(Alarm{}, machines))
	s.mu.Unlock()
	serveList(w, r, recs, fields)
}

func (s *Server) handleGetAlarm(w http.ResponseWriter, _ *http.Request, id string) {
	s.mu.Lock()
	a := s.alarmLocked(id)
	var rec map[string]any
	if a != nil {
		rec = s.alarmRecordLocked(*a, nil)
	}
	s.mu.Unlock()
	if a == nil {
		writeEnvelope(w, http.StatusNotFound, failure(404, fmt.Sprintf("Alarm '%s' was not found.", id)))
		return
	}
	writeEnvelope(w, http.StatusOK, envelope{Result: rec, Status: "OK", Error: "None"})
}

type keyValue struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

func (s *Server) handleCloseAlarm(w http.ResponseWriter, r *http.Request, id string) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var in []keyValue
	if err == nil {
		err = json.Unmarshal(body, &in)
	}
	if err != nil {
		writeEnvelope(w, http.StatusBadRequest, failure(400, `The request is invalid: the body must be [{"key":"notes","value":"..."}].`))
		return
	}
	notes := ""
	for _, kv := range in {
		if strings.EqualFold(kv.Key, "notes") {
			notes = kv.Value
		}
	}
	s.mu.Lock()
	a := s.alarmLocked(id)
	if a != nil {
		a.Closed, a.Notes = true, notes
	}
	s.mu.Unlock()
	if a == nil {
		writeEnvelope(w, http.StatusNotFound, failure(404, fmt.Sprintf("Alarm '%s' was not found.", id)))
		return
	}
	writeEnvelope(w, http.StatusOK, envelope{Result: true, Status: "OK", Error: "None"})
}
