// Package connectwise simulates the parts of the ConnectWise PSA (Manage) REST API 3.0 that
// AccountSync uses, on the same wire protocol as the real service:
//
//   - GET /login/companyinfo/{companyId} (unauthenticated) reports the Codebase; the API lives
//     under /{codebase}apis/3.0/ and nowhere else.
//   - Every API call needs Basic "companyId+publicKey:privateKey" and a clientId header; a wrong
//     or missing one is a 401 {"code":"Unauthorized",...}.
//   - Lists are bare JSON arrays paged with page (1-based) and pageSize (default 25, at most
//     1000). A pageSize above 1000 is refused with a 400 in CW's error shape rather than clamped:
//     a client that asks for more than the documented hard limit has a bug worth surfacing.
//     Navigable paging only: a Link header carries first/prev/next/last, next and prev only when
//     such a page exists (RFC 5988, as in the CW guide).
//   - conditions / childConditions are parsed with the real grammar (see conditions.go) and
//     bound to the record fields; orderBy is honoured. fields, columns, customFieldConditions and
//     forward-only paging are not simulated and are refused with a 400 instead of ignored.
//   - Company names and identifiers are unique case-insensitively; a clash is a 400
//     {"code":"InvalidObject","errors":[{"code":"ObjectExists","field":"name"|"identifier"}]}.
//     Site names are unique within a company.
//   - Creates answer 201 with the record; PATCH takes a JSON-patch array on top-level fields.
//
// Error codes inside errors[] other than ObjectExists (NullValue, OutOfRange, NotFound,
// InvalidCharacters) are this simulator's choice: the real set is not documented.
package connectwise

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/accountsync/accountsync-operator/internal/simulator/simkit"
)

// Server is the simulator; it is an http.Handler.
type Server struct {
	simkit.Kit

	mu    sync.Mutex
	state *state
	// tix is the service desk (tickets.go), guarded by mu.
	tix ticketState
}

// state is everything behind Server.mu.
type state struct {
	companyID, publicKey, privateKey, clientID string
	companyName, codebase, version             string

	statuses  []CompanyStatus
	types     []CompanyType
	companies []*Company // ascending id
	byID      map[int]*Company
	names     map[string]int // folded name -> company id
	idents    map[string]int // folded identifier -> company id
	sites     []*Site
	cfgTypes  []ConfigurationType
	configs   []*Configuration
	commTypes []CommunicationType
	contacts  []*Contact

	nextID map[string]int
	clock  time.Time

	billing billingState
}

// New builds a simulator from f. It panics when f is inconsistent; call f.Validate first when
// the fixture comes from a user.
func New(f Fixture) *Server {
	st, err := build(f)
	if err != nil {
		panic(fmt.Sprintf("connectwise simulator: invalid fixture: %v", err))
	}
	s := &Server{state: st}
	for _, b := range f.Boards {
		s.AddBoard(b)
	}
	for _, p := range f.Priorities {
		s.AddPriority(p)
	}
	return s
}

func build(f Fixture) (*state, error) {
	st := &state{
		companyID:   f.CompanyID,
		publicKey:   f.PublicKey,
		privateKey:  f.PrivateKey,
		clientID:    f.ClientID,
		companyName: f.CompanyName,
		codebase:    f.Codebase,
		version:     f.Version,
		byID:        map[int]*Company{},
		names:       map[string]int{},
		idents:      map[string]int{},
		nextID:      map[string]int{},
		// A fixed clock keeps _info timestamps deterministic; each write advances it a second.
		clock: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	if st.companyName == "" {
		st.companyName = f.CompanyID
	}
	if st.codebase == "" {
		st.codebase = "v4_6_release/"
	}
	if !strings.HasSuffix(st.codebase, "/") {
		st.codebase += "/"
	}
	if !codebasePattern.MatchString(st.codebase) {
		return nil, fmt.Errorf("codebase %q must look like v4_6_release/", f.Codebase)
	}
	if st.version == "" {
		st.version = "v2025.1.10432"
	}
	for _, s := range f.Statuses {
		if _, err := st.addStatus(s); err != nil {
			return nil, err
		}
	}
	for _, t := range f.Types {
		if _, err := st.addType(t); err != nil {
			return nil, err
		}
	}
	for _, c := range f.Companies {
		if _, err := st.addCompany(c); err != nil {
			return nil, err
		}
	}
	for _, s := range f.Sites {
		if s.Company == nil {
			return nil, fmt.Errorf("site %q has no company", s.Name)
		}
		if _, err := st.addSite(s.Company.ID, s); err != nil {
			return nil, err
		}
	}
	for _, t := range f.ConfigurationTypes {
		if t.ID == 0 {
			t.ID = st.newID("configurationType", 0)
		} else {
			st.newID("configurationType", t.ID)
		}
		st.cfgTypes = append(st.cfgTypes, t)
	}
	st.commTypes = f.CommunicationTypes
	if len(st.commTypes) == 0 {
		st.commTypes = defaultCommunicationTypes()
	}
	for _, c := range f.Configurations {
		if _, err := st.addConfiguration(c); err != nil {
			return nil, err
		}
	}
	for _, c := range f.Contacts {
		if _, err := st.addContact(c); err != nil {
			return nil, err
		}
	}
	if err := st.seedBilling(f); err != nil {
		return nil, err
	}
	return st, nil
}

var codebasePattern = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]*/$`)

// newID returns the next id of a resource kind; with a non-zero want it records want as used.
func (st *state) newID(kind string, want int) int {
	if want != 0 {
		if want >= st.nextID[kind] {
			st.nextID[kind] = want + 1
		}
		return want
	}
	if st.nextID[kind] == 0 {
		st.nextID[kind] = 1
	}
	id := st.nextID[kind]
	st.nextID[kind]++
	return id
}

// stamp returns fresh _info metadata for a write.
func (st *state) stamp(prev Info) Info {
	st.clock = st.clock.Add(time.Second)
	now := st.clock.Format(time.RFC3339)
	info := Info{"lastUpdated": now, "updatedBy": "api"}
	if prev != nil && prev["dateEntered"] != "" {
		info["dateEntered"], info["enteredBy"] = prev["dateEntered"], prev["enteredBy"]
	} else {
		info["dateEntered"], info["enteredBy"] = now, "api"
	}
	return info
}

// ---- routing -----------------------------------------------------------------------------------

type handlerFunc func(s *Server, w http.ResponseWriter, r *http.Request, id int)

type route struct {
	method   string
	template string // below /{codebase}apis/3.0/, "{id}" matches a positive integer
	handle   handlerFunc
}

var routes = []route{
	{"GET", "system/info", (*Server).systemInfo},
	{"GET", "company/companies", (*Server).listCompanies},
	{"POST", "company/companies", (*Server).createCompany},
	{"GET", "company/companies/count", (*Server).countCompanies},
	{"GET", "company/companies/statuses", (*Server).listStatuses},
	{"GET", "company/companies/types", (*Server).listTypes},
	{"GET", "company/companies/{id}", (*Server).getCompany},
	{"GET", "company/companies/{id}/sites", (*Server).listSites},
	{"POST", "company/companies/{id}/sites", (*Server).createSite},
	{"GET", "company/configurations", (*Server).listConfigurations},
	{"POST", "company/configurations", (*Server).createConfiguration},
	{"GET", "company/configurations/types", (*Server).listConfigurationTypes},
	{"GET", "company/configurations/{id}", (*Server).getConfiguration},
	{"PATCH", "company/configurations/{id}", (*Server).patchConfiguration},
	{"GET", "company/contacts", (*Server).listContacts},
	{"POST", "company/contacts", (*Server).createContact},
}

// match finds the routes whose template fits path; id is the {id} segment when there is one.
func match(path string) (found []route, id int) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for _, rt := range routes {
		tsegs := strings.Split(rt.template, "/")
		if len(tsegs) != len(segs) {
			continue
		}
		ok, rid := true, 0
		for i, ts := range tsegs {
			if ts == "{id}" {
				n, err := strconv.Atoi(segs[i])
				if err != nil || n <= 0 || segs[i][0] == '+' {
					ok = false
					break
				}
				rid = n
				continue
			}
			if !strings.EqualFold(ts, segs[i]) {
				ok = false
				break
			}
		}
		if ok {
			found = append(found, rt)
			id = rid
		}
	}
	return found, id
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if rest, ok := strings.CutPrefix(r.URL.Path, "/login/companyinfo/"); ok {
		s.Count(r.Method + " /login/companyinfo/{companyId}")
		if r.Method != http.MethodGet {
			w.Header().Set("Allow", http.MethodGet)
			writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "The requested resource does not support http method '"+r.Method+"'.")
			return
		}
		if s.Inject(w, r) {
			return
		}
		s.companyInfo(w, r, rest)
		return
	}

	s.mu.Lock()
	prefix := "/" + s.state.codebase + "apis/3.0/"
	version := s.state.version
	s.mu.Unlock()
	rest, ok := strings.CutPrefix(r.URL.Path, prefix)
	if !ok {
		s.Count(r.Method + " " + r.URL.Path)
		writeError(w, http.StatusNotFound, "NotFound", "No resource at "+r.URL.Path)
		return
	}
	found, id := match(rest)
	var rt *route
	for i := range found {
		if found[i].method == r.Method {
			rt = &found[i]
		}
	}
	if rt == nil {
		if len(found) > 0 {
			s.Count(r.Method + " /" + found[0].template)
			var allow []string
			for _, f := range found {
				allow = append(allow, f.method)
			}
			w.Header().Set("Allow", strings.Join(allow, ", "))
			writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "The requested resource does not support http method '"+r.Method+"'.")
			return
		}
		s.Count(r.Method + " /" + rest)
		writeError(w, http.StatusNotFound, "NotFound", "No resource at "+r.URL.Path)
		return
	}
	s.Count(rt.method + " /" + rt.template)
	if msg := s.authenticate(r); msg != "" {
		writeError(w, http.StatusUnauthorized, "Unauthorized", msg)
		return
	}
	if msg := checkAccept(r.Header.Get("Accept")); msg != "" {
		writeError(w, http.StatusBadRequest, "InvalidObject", msg)
		return
	}
	w.Header().Set("api-current-version", apiVersion(version))
	if s.Inject(w, r) {
		return
	}
	rt.handle(s, w, r, id)
}

// authenticate returns "" when the Basic credentials and clientId are accepted, otherwise the
// message of the 401.
func (s *Server) authenticate(r *http.Request) string {
	clientID := strings.TrimSpace(r.Header.Get("clientId"))
	if clientID == "" {
		return "A clientId header is required; see developer.connectwise.com/ClientID."
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.state
	if st.clientID != "" && !strings.EqualFold(clientID, st.clientID) {
		return "The clientId is not valid."
	}
	scheme, encoded, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Basic") {
		return "Authentication failed."
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(encoded))
	if err != nil {
		return "Authentication failed."
	}
	user, pass, ok := strings.Cut(string(raw), ":")
	if !ok {
		return "Authentication failed."
	}
	company, public, ok := strings.Cut(user, "+")
	if !ok || !strings.EqualFold(company, st.companyID) || public != st.publicKey || pass != st.privateKey {
		return "Authentication failed."
	}
	return ""
}

var versionParam = regexp.MustCompile(`^\d{4}\.\d{1,2}$`)

// checkAccept refuses a malformed version in a CW Accept header; no Accept, */* or plain JSON
// get the server default, as on the real API.
func checkAccept(accept string) string {
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil || !strings.EqualFold(mt, "application/vnd.connectwise.com+json") {
			continue
		}
		if v, ok := params["version"]; ok && !versionParam.MatchString(v) {
			return fmt.Sprintf("Unsupported API version %q.", v)
		}
	}
	return ""
}

// apiVersion turns "v2025.1.10432" into "2025.1" for the api-current-version header.
func apiVersion(v string) string {
	parts := strings.SplitN(strings.TrimPrefix(v, "v"), ".", 3)
	if len(parts) >= 2 {
		return parts[0] + "." + parts[1]
	}
	return strings.TrimPrefix(v, "v")
}

// buildNumber is the third part of "v2025.1.10432", or "0".
func buildNumber(v string) string {
	parts := strings.SplitN(strings.TrimPrefix(v, "v"), ".", 3)
	if len(parts) == 3 {
		return parts[2]
	}
	return "0"
}

func (s *Server) companyInfo(w http.ResponseWriter, r *http.Request, companyID string) {
	s.mu.Lock()
	st := s.state
	info := CompanyInfo{
		CompanyName:   st.companyName,
		Codebase:      st.codebase,
		VersionCode:   "v" + apiVersion(st.version),
		VersionNumber: "v4.6." + buildNumber(st.version),
		CompanyID:     st.companyID,
		IsCloud:       "True",
		SiteURL:       r.Host,
	}
	known := strings.EqualFold(strings.Trim(companyID, "/"), st.companyID)
	s.mu.Unlock()
	if !known {
		writeError(w, http.StatusNotFound, "NotFound", "Company not found.")
		return
	}
	writeJSON(w, http.StatusOK, info)
}

func (s *Server) systemInfo(w http.ResponseWriter, _ *http.Request, _ int) {
	s.mu.Lock()
	v := s.state.version
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, SystemInfo{Version: v, IsCloud: true, ServerTimeZone: "Eastern Standard Time", CloudRegion: "NA"})
}

// ---- errors and bodies -------------------------------------------------------------------------

// APIError is CW's error body.
type APIError struct {
	Code    string       `json:"code"`
	Message string       `json:"message"`
	Errors  []FieldError `json:"errors,omitempty"`
}

// FieldError is one entry of APIError.Errors.
type FieldError struct {
	Code     string `json:"code"`
	Message  string `json:"message"`
	Resource string `json:"resource,omitempty"`
	Field    string `json:"field,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"code":"ConnectWiseApi","message":"encoding failed"}`)
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, APIError{Code: code, Message: message})
}

// writeInvalid answers a 400 for a rejected object, listing every field problem.
func writeInvalid(w http.ResponseWriter, resource string, errs []FieldError) {
	for i := range errs {
		errs[i].Resource = resource
	}
	writeJSON(w, http.StatusBadRequest, APIError{Code: "InvalidObject", Message: resource + " object is invalid", Errors: errs})
}

// decodeBody reads a JSON body into v; it answers the 400 itself and reports false on failure.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "InvalidObject", "The request body is not valid JSON: "+err.Error())
		return false
	}
	return true
}

func foldName(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
