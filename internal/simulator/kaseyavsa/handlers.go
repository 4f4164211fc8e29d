package kaseyavsa

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Logical error codes carried in ResponseCode with HTTP 200 (the real server's numbering is
// not public; these only need to be non-zero and stable).
const (
	codeValidation    = 1000
	codeDuplicateName = 1001
	codeDuplicateRef  = 1002
	codeNoParent      = 1003
)

func (s *Server) handleListOrgs(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	recs := make([]map[string]any, len(s.orgs))
	for i, o := range s.orgs {
		recs[i] = s.orgRecordLocked(o)
	}
	fields := keys(s.orgRecordLocked(Org{}))
	s.mu.Unlock()
	serveList(w, r, recs, fields)
}

func (s *Server) handleListGroups(w http.ResponseWriter, r *http.Request, orgID string) {
	s.mu.Lock()
	if s.orgLocked(orgID) == nil {
		s.mu.Unlock()
		writeEnvelope(w, http.StatusNotFound, failure(404, fmt.Sprintf("Organization '%s' was not found.", orgID)))
		return
	}
	var recs []map[string]any
	for _, g := range s.groups {
		if g.OrgID == orgID {
			recs = append(recs, s.groupRecordLocked(g))
		}
	}
	fields := keys(s.groupRecordLocked(MachineGroup{}))
	s.mu.Unlock()
	serveList(w, r, recs, fields)
}

func (s *Server) handleListAgents(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.agentRecs == nil || s.agentRecsChanged != s.changed {
		// Built once per change rather than per page; listing never writes to a record.
		s.agentRecs = make([]map[string]any, len(s.agents))
		for i, a := range s.agents {
			s.agentRecs[i] = s.agentRecordLocked(a)
		}
		s.agentRecsChanged = s.changed
	}
	recs := s.agentRecs
	fields := keys(s.agentRecordLocked(Agent{}))
	s.mu.Unlock()
	serveList(w, r, recs, fields)
}

// orgCreate is the part of the Org model the simulator acts on; other model fields are accepted
// and ignored, OrgId included: the server assigns its own.
type orgCreate struct {
	OrgName                 string          `json:"OrgName"`
	OrgRef                  string          `json:"OrgRef"`
	OrgType                 string          `json:"OrgType"`
	ParentOrgID             json.RawMessage `json:"ParentOrgId"`
	DefaultDepartmentName   string          `json:"DefaultDepartmentName"`
	DefaultMachineGroupName string          `json:"DefaultMachineGroupName"`
}

func (s *Server) handleCreateOrg(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var in orgCreate
	if err == nil {
		err = json.Unmarshal(body, &in)
	}
	if err != nil {
		writeEnvelope(w, http.StatusBadRequest, failure(400, "The request is invalid: the body is not a valid organization object."))
		return
	}
	parent, err := idFromRaw(in.ParentOrgID)
	if err != nil {
		writeEnvelope(w, http.StatusBadRequest, failure(400, "The request is invalid: ParentOrgId is not a number."))
		return
	}
	o := Org{
		Name:                    strings.TrimSpace(in.OrgName),
		Ref:                     strings.TrimSpace(in.OrgRef),
		Type:                    in.OrgType,
		ParentID:                parent,
		DefaultDepartmentName:   strings.TrimSpace(in.DefaultDepartmentName),
		DefaultMachineGroupName: strings.TrimSpace(in.DefaultMachineGroupName),
	}
	s.mu.Lock()
	code, msg := s.validateOrgLocked(o)
	if code != 0 {
		s.mu.Unlock()
		writeEnvelope(w, http.StatusOK, failure(code, msg))
		return
	}
	o = s.addOrgLocked(o)
	s.mu.Unlock()
	s.SlowCreate(r)
	writeEnvelope(w, http.StatusOK, envelope{Result: json.Number(o.ID), Status: "OK", Error: "None"})
}

// validateOrgLocked applies VSA's rules for a new organization: name and reference required and
// unique (case-insensitively, as SQL Server compares them), no dots or blanks in the reference
// or group name (they build the dotted machine group names), and an existing parent.
func (s *Server) validateOrgLocked(o Org) (int, string) {
	switch {
	case o.Name == "":
		return codeValidation, "OrgName is required."
	case o.Ref == "":
		return codeValidation, "OrgRef is required."
	case strings.ContainsAny(o.Ref, ". \t\r\n"):
		return codeValidation, "OrgRef may not contain periods or spaces."
	case strings.Contains(o.DefaultMachineGroupName, "."):
		return codeValidation, "DefaultMachineGroupName may not contain periods."
	}
	for _, x := range s.orgs {
		if strings.EqualFold(x.Name, o.Name) {
			return codeDuplicateName, fmt.Sprintf("An organization with the name '%s' already exists.", o.Name)
		}
	}
	for _, x := range s.orgs {
		if strings.EqualFold(x.Ref, o.Ref) {
			return codeDuplicateRef, fmt.Sprintf("The organization reference '%s' is already in use.", o.Ref)
		}
	}
	if o.ParentID != "" && s.orgLocked(o.ParentID) == nil {
		return codeNoParent, fmt.Sprintf("Parent organization '%s' was not found.", o.ParentID)
	}
	return 0, ""
}

// idFromRaw accepts a JSON number, a decimal string or null.
func idFromRaw(raw json.RawMessage) (string, error) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return "", nil
	}
	if strings.HasPrefix(s, `"`) {
		var str string
		if err := json.Unmarshal(raw, &str); err != nil {
			return "", err
		}
		s = str
	}
	if s == "" || s == "0" {
		return "", nil
	}
	if !isDecimal(s) {
		return "", fmt.Errorf("not a decimal id: %q", s)
	}
	return s, nil
}
