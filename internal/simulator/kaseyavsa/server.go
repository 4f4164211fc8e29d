// Package kaseyavsa simulates the Kaseya VSA 9.x REST API (/api/v1.0) closely enough that the
// KaseyaVSA client can be tested against it without a VSA server:
//
//   - GET /api/v1.0/auth with Basic base64(username:personal access token) returns the session
//     envelope (Result.Token, SessionExpiration in server-local time, OffSetInMinutes); every
//     other call needs "Authorization: Bearer {Token}", and wrong credentials or an unknown or
//     expired token get HTTP 401 with an error envelope. ExpireTokens revokes every session.
//   - Every answer is the VSA envelope {Result, TotalRecords, ResponseCode, Status, Error}.
//     Business-rule failures (a duplicate organization name or reference, a missing field) are
//     answered with HTTP 200 and a non-zero ResponseCode, as the real server does.
//   - Lists take OData $top (clamped to 100, the server's cap), $skip, $orderby and $filter,
//     parsed by a real OData v3 subset parser (see Filter); TotalRecords counts the filtered set.
//   - A path without its trailing slash is answered with a 301 to the slash form, as VSA's IIS
//     front end does.
//
// Organization, machine group and agent ids are large decimal integers above 2^53, so a client
// that decodes them as float64 loses digits and fails the tests.
package kaseyavsa

import (
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/accountsync/accountsync-operator/internal/simulator/simkit"
)

// APIPrefix is where the REST API lives under the server root.
const APIPrefix = "/api/v1.0"

// MaxTop is the largest page the server returns, whatever $top asks for.
const MaxTop = 100

// Fixture seeds a simulator.
type Fixture struct {
	// Username and Token are the accepted credentials (Token is the personal access token).
	Username string `json:"username" yaml:"username"`
	Token    string `json:"token" yaml:"token"`
	// OffsetMinutes is the OffSetInMinutes the server reports: UTC minus server-local time in
	// minutes (420 for a server on UTC-7). SessionExpiration is written in server-local time.
	OffsetMinutes int `json:"offsetMinutes,omitempty" yaml:"offsetMinutes,omitempty"`
	// SessionMinutes is the session lifetime; zero means 30.
	SessionMinutes int            `json:"sessionMinutes,omitempty" yaml:"sessionMinutes,omitempty"`
	Orgs           []Org          `json:"orgs,omitempty" yaml:"orgs,omitempty"`
	MachineGroups  []MachineGroup `json:"machineGroups,omitempty" yaml:"machineGroups,omitempty"`
	Agents         []Agent        `json:"agents,omitempty" yaml:"agents,omitempty"`
	// Alarms are open (or closed) monitoring alarms (alarms.go).
	Alarms []Alarm `json:"alarms,omitempty" yaml:"alarms,omitempty"`
}

// Org is a VSA organization. ID is assigned when empty.
type Org struct {
	ID   string `json:"id,omitempty" yaml:"id,omitempty"`
	Name string `json:"name" yaml:"name"`
	// Ref is VSA's OrgRef, the short unique reference used in dotted machine group names.
	Ref                     string `json:"ref" yaml:"ref"`
	Type                    string `json:"type,omitempty" yaml:"type,omitempty"`
	ParentID                string `json:"parentId,omitempty" yaml:"parentId,omitempty"`
	DefaultDepartmentName   string `json:"defaultDepartmentName,omitempty" yaml:"defaultDepartmentName,omitempty"`
	DefaultMachineGroupName string `json:"defaultMachineGroupName,omitempty" yaml:"defaultMachineGroupName,omitempty"`
	// Website and Contact are what the Org model carries beyond the name; listings return them.
	Website string       `json:"website,omitempty" yaml:"website,omitempty"`
	Contact *ContactInfo `json:"contact,omitempty" yaml:"contact,omitempty"`
}

// ContactInfo is the Org model's ContactInfo object (vendor doc 31707).
type ContactInfo struct {
	PrimaryPhone string `json:"primaryPhone,omitempty" yaml:"primaryPhone,omitempty"`
	PrimaryEmail string `json:"primaryEmail,omitempty" yaml:"primaryEmail,omitempty"`
	Street       string `json:"street,omitempty" yaml:"street,omitempty"`
	City         string `json:"city,omitempty" yaml:"city,omitempty"`
	State        string `json:"state,omitempty" yaml:"state,omitempty"`
	ZipCode      string `json:"zipCode,omitempty" yaml:"zipCode,omitempty"`
	Country      string `json:"country,omitempty" yaml:"country,omitempty"`
}

// MachineGroup is a machine group of an organization. Name is the group's own name (no dots);
// the API reports the dotted full name ("sub.root.acme").
type MachineGroup struct {
	ID       string `json:"id,omitempty" yaml:"id,omitempty"`
	Name     string `json:"name" yaml:"name"`
	OrgID    string `json:"orgId" yaml:"orgId"`
	ParentID string `json:"parentId,omitempty" yaml:"parentId,omitempty"`
}

// Agent is a managed machine. MachineGroupID empty means the organization's default group;
// OrgID is then required, otherwise it is taken from the group.
type Agent struct {
	ID               string `json:"id,omitempty" yaml:"id,omitempty"`
	ComputerName     string `json:"computerName" yaml:"computerName"`
	OrgID            string `json:"orgId,omitempty" yaml:"orgId,omitempty"`
	MachineGroupID   string `json:"machineGroupId,omitempty" yaml:"machineGroupId,omitempty"`
	OSType           string `json:"osType,omitempty" yaml:"osType,omitempty"`
	OSInfo           string `json:"osInfo,omitempty" yaml:"osInfo,omitempty"`
	OperatingSystem  string `json:"operatingSystem,omitempty" yaml:"operatingSystem,omitempty"`
	IPAddress        string `json:"ipAddress,omitempty" yaml:"ipAddress,omitempty"`
	LastLoggedInUser string `json:"lastLoggedInUser,omitempty" yaml:"lastLoggedInUser,omitempty"`
	Online           int    `json:"online,omitempty" yaml:"online,omitempty"`
}

// Server is the simulator; it is an http.Handler.
type Server struct {
	simkit.Kit

	username, token string
	offset          int
	ttl             time.Duration

	mu        sync.Mutex
	orgs      []Org
	groups    []MachineGroup
	agents    []Agent
	sessions  map[string]time.Time // session token -> expiry (UTC)
	nextID    uint64
	nextToken int
	// alarms are the monitoring alarms (alarms.go).
	alarms alarmStore
	// agentRecs caches the agent records between list calls (a 60,000-agent tenant is listed
	// in 600 pages); changed bumps on every org, group or agent change and invalidates it.
	agentRecs        []map[string]any
	agentRecsChanged uint64
	changed          uint64
}

// firstID makes every generated id exceed 2^53.
const firstID = 90000000000000001

// New builds a simulator from f. Records without ids get deterministic ones; every organization
// gets its default machine group when the fixture does not list it.
func New(f Fixture) *Server {
	ttl := time.Duration(f.SessionMinutes) * time.Minute
	if ttl <= 0 {
		ttl = 30 * time.Minute
	}
	s := &Server{
		username: f.Username,
		token:    f.Token,
		offset:   f.OffsetMinutes,
		ttl:      ttl,
		sessions: map[string]time.Time{},
		nextID:   firstID,
	}
	for _, g := range f.MachineGroups {
		s.AddMachineGroup(g)
	}
	for _, o := range f.Orgs {
		s.AddOrg(o)
	}
	for _, a := range f.Agents {
		s.AddAgent(a)
	}
	for _, a := range f.Alarms {
		s.AddAlarm(a)
	}
	return s
}

// ServeHTTP routes a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	if len(path) < len(APIPrefix) || !strings.EqualFold(path[:len(APIPrefix)], APIPrefix) {
		writeEnvelope(w, http.StatusNotFound, failure(404, "No HTTP resource was found that matches the request URI."))
		return
	}
	if !strings.HasSuffix(path, "/") {
		// VSA answers the slash-less form with a redirect; clients that follow it across a
		// POST lose the body, which is why real clients always send the slash.
		target := path + "/"
		if r.URL.RawQuery != "" {
			target += "?" + r.URL.RawQuery
		}
		http.Redirect(w, r, target, http.StatusMovedPermanently)
		return
	}
	segs := strings.Split(strings.Trim(path[len(APIPrefix):], "/"), "/")
	lower := make([]string, len(segs))
	for i, sg := range segs {
		lower[i] = strings.ToLower(sg)
	}
	switch {
	case len(lower) == 1 && lower[0] == "auth":
		s.route(w, r, "/auth", map[string]http.HandlerFunc{http.MethodGet: s.handleAuth}, false)
	case len(lower) == 2 && lower[0] == "system" && lower[1] == "orgs":
		s.route(w, r, "/system/orgs", map[string]http.HandlerFunc{
			http.MethodGet: s.handleListOrgs, http.MethodPost: s.handleCreateOrg}, true)
	case len(lower) == 4 && lower[0] == "system" && lower[1] == "orgs" && lower[3] == "machinegroups":
		orgID := segs[2]
		s.route(w, r, "/system/orgs/{orgId}/machinegroups", map[string]http.HandlerFunc{
			http.MethodGet: func(w http.ResponseWriter, r *http.Request) { s.handleListGroups(w, r, orgID) }}, true)
	case len(lower) == 2 && lower[0] == "assetmgmt" && lower[1] == "agents":
		s.route(w, r, "/assetmgmt/agents", map[string]http.HandlerFunc{http.MethodGet: s.handleListAgents}, true)
	default:
		if s.serveAlarms(w, r, segs, lower) {
			return
		}
		writeEnvelope(w, http.StatusNotFound, failure(404, "No HTTP resource was found that matches the request URI."))
	}
}

// route counts the call, checks the method and (for API calls) the session, applies the fault
// switches and runs the handler.
func (s *Server) route(w http.ResponseWriter, r *http.Request, tmpl string, methods map[string]http.HandlerFunc, session bool) {
	s.Count(r.Method + " " + tmpl)
	h, ok := methods[r.Method]
	if !ok {
		writeEnvelope(w, http.StatusMethodNotAllowed, failure(405, "The requested resource does not support http method '"+r.Method+"'."))
		return
	}
	if session && !s.validSession(r) {
		w.Header().Set("WWW-Authenticate", "Bearer")
		writeEnvelope(w, http.StatusUnauthorized, failure(401, "Session token is invalid or has expired."))
		return
	}
	if !session && !s.validBasic(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="VSA"`)
		writeEnvelope(w, http.StatusUnauthorized, failure(401, "Invalid user name or personal access token."))
		return
	}
	if s.Inject(w, r) {
		return
	}
	h(w, r)
}

func (s *Server) validBasic(r *http.Request) bool {
	v := r.Header.Get("Authorization")
	const prefix = "Basic "
	if len(v) < len(prefix) || !strings.EqualFold(v[:len(prefix)], prefix) {
		return false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v[len(prefix):]))
	if err != nil {
		return false
	}
	user, pat, ok := strings.Cut(string(raw), ":")
	// VSA user names are case-insensitive; the token is compared exactly.
	return ok && s.username != "" && s.token != "" && strings.EqualFold(user, s.username) &&
		subtle.ConstantTimeCompare([]byte(pat), []byte(s.token)) == 1
}

func (s *Server) validSession(r *http.Request) bool {
	v := r.Header.Get("Authorization")
	const prefix = "Bearer "
	if len(v) < len(prefix) || !strings.EqualFold(v[:len(prefix)], prefix) {
		return false
	}
	tok := strings.TrimSpace(v[len(prefix):])
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.sessions[tok]
	return ok && time.Now().Before(exp)
}

func (s *Server) handleAuth(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	s.nextToken++
	tok := fmt.Sprintf("vsa-session-%08d", s.nextToken)
	exp := time.Now().UTC().Add(s.ttl)
	s.sessions[tok] = exp
	s.mu.Unlock()
	// OffSetInMinutes = UTC - local, so local = UTC - offset.
	local := exp.Add(-time.Duration(s.offset) * time.Minute)
	writeEnvelope(w, http.StatusOK, envelope{
		Result: map[string]any{
			"TenantId":          "1",
			"Token":             tok,
			"UserName":          s.username,
			"RoleId":            2,
			"ScopeId":           "2",
			"AdminId":           json.Number("55957651"),
			"MachineId":         nil,
			"MachineGroupName":  nil,
			"SessionExpiration": local.Format("2006-01-02T15:04:05.000"),
			"CultureInfo":       "en-US",
			"TimePref":          "Browser",
			"OffSetInMinutes":   s.offset,
			"ApiToken":          "api-" + tok,
			"Attributes":        nil,
		},
		Status: "OK",
		Error:  "None",
	})
}

// ExpireTokens revokes every session, so the next API call gets 401 and must re-authenticate.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessions = map[string]time.Time{}
}

// Sessions returns how many sessions have been issued so far.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nextToken
}

// ---- envelope ----------------------------------------------------------------------------

type envelope struct {
	Result       any    `json:"Result"`
	TotalRecords *int   `json:"TotalRecords,omitempty"`
	ResponseCode int    `json:"ResponseCode"`
	Status       string `json:"Status"`
	Error        string `json:"Error"`
}

func failure(code int, msg string) envelope {
	return envelope{Result: nil, ResponseCode: code, Status: "Failed", Error: msg}
}

func writeEnvelope(w http.ResponseWriter, status int, e envelope) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(e)
}
