// Package gravityzone simulates the Bitdefender GravityZone Public API (JSON-RPC 2.0 over HTTPS)
// for the parts AccountSync uses: general/getApiKeyDetails and the companies service's
// getCompaniesList, findCompaniesByName and createCompany.
//
// Wire behaviour, strict on purpose so a client that works here works on a console:
//   - one route per service, POST {BasePath}/v1.0/jsonrpc/{service}; any other HTTP method is 405,
//     an unknown service 404; the JSON-RPC method in the body selects the handler.
//   - HTTP Basic with the API key as user name and an empty password; anything else is HTTP 401.
//     A service the key has not enabled is HTTP 403 (general is always allowed).
//   - Content-Type must be application/json; a non-JSON body is -32700, a malformed envelope
//     (no "2.0", no method, no string/number id, a batch) -32600, an unknown method -32601,
//     unknown or mistyped params -32602. Errors are {code, message, data: {details}} with HTTP 200.
//   - findCompaniesByName: nameFilter is a case-insensitive prefix, or "contains" when it starts
//     with "*"; maxResults 1–100, default 25; it searches every company below the key's partner.
//   - getCompaniesList returns [{id, name}] of the direct children of parentId (default: the
//     key's partner), not paged, honouring filters.companyType and filters.licenseType.
//   - createCompany needs type 0|1 and a name of at most 64 characters, unique among all
//     companies (case-insensitively); a duplicate is -32602 whose details name it. The result is
//     the new company's id.
//
// Call counter keys are "POST {path}#{method}", e.g. "POST /api/v1.0/jsonrpc/companies#createCompany".
package gravityzone

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/accountsync/accountsync-operator/internal/simulator/simkit"
)

// knownServices are the API names the console exposes (vendor-apis.md); a path naming another
// one is 404. Sub-services such as network/computers route under their first segment.
var knownServices = map[string]bool{
	"companies": true, "network": true, "licensing": true, "accounts": true, "packages": true,
	"policies": true, "reports": true, "incidents": true, "quarantine": true, "general": true,
	"push": true, "integrations": true,
}

// maxBodyBytes bounds a request body; JSON-RPC calls here are a few hundred bytes.
const maxBodyBytes = 1 << 20

// handler answers one JSON-RPC method.
type handler func(s *Server, r *http.Request, p params) (any, *rpcError)

// methods maps "version service method" to its handler.
var methods = map[string]handler{
	"v1.0 general getApiKeyDetails":      (*Server).getAPIKeyDetails,
	"v1.0 companies getCompaniesList":    (*Server).getCompaniesList,
	"v1.0 companies findCompaniesByName": (*Server).findCompaniesByName,
	"v1.0 companies createCompany":       (*Server).createCompany,
	"v1.0 companies getCompanyDetails":   (*Server).getCompanyDetails,
}

// Server is the simulated console. It is safe for concurrent use.
type Server struct {
	simkit.Kit

	basePath string

	mu           sync.Mutex
	keys         map[string]bool
	enabled      map[string]bool
	enabledList  []string
	keyCreatedAt string
	partner      *Company
	companies    []*Company // every company below the partner, in creation order
	seq          int
	// usage holds licensing.getMonthlyUsage figures by "companyId|mm/yyyy|counter".
	usage map[string]int
	// incidents are the security incidents (incidents.go).
	incidents []*Incident
}

// New builds a simulator from f. An inconsistent fixture (duplicate names or ids, a parent
// that does not exist) is a programming error and panics.
func New(f Fixture) *Server {
	if err := f.validate(); err != nil {
		panic("gravityzone simulator fixture: " + err.Error())
	}
	s := &Server{
		basePath:     "/" + strings.Trim(f.BasePath, "/"),
		keys:         map[string]bool{},
		enabled:      map[string]bool{},
		keyCreatedAt: f.KeyCreatedAt,
	}
	if f.BasePath == "" {
		s.basePath = "/api"
	}
	if s.keyCreatedAt == "" {
		s.keyCreatedAt = "2024-01-15T09:30:00"
	}
	for _, k := range f.APIKeys {
		s.keys[k] = true
	}
	s.enabledList = f.EnabledAPIs
	if len(s.enabledList) == 0 {
		s.enabledList = DefaultEnabledAPIs
	}
	for _, a := range s.enabledList {
		s.enabled[strings.ToLower(a)] = true
	}
	partner := f.Partner
	if partner.Name == "" {
		partner.Name = "Simulated MSP Partner"
	}
	partner.IsPartner = true
	s.partner = s.newCompany(partner, "")
	for _, c := range f.Companies {
		s.companies = append(s.companies, s.newCompany(c, s.partner.ID))
	}
	s.seedUsage(f.MonthlyUsage)
	return s
}

// newCompany assigns the deterministic id and creation time; callers hold mu or own s.
func (s *Server) newCompany(fc FixtureCompany, defaultParent string) *Company {
	s.seq++
	c := &Company{
		ID:          fc.ID,
		Name:        fc.Name,
		Type:        TypeCustomer,
		ParentID:    fc.ParentID,
		Suspended:   fc.Suspended,
		LicenseType: fc.LicenseType,
		CreatedAt:   time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(s.seq) * time.Hour).Format("2006-01-02T15:04:05"),
	}
	if c.ID == "" {
		c.ID = fmt.Sprintf("5f3a%020x", s.seq)
	}
	if fc.IsPartner {
		c.Type = TypePartner
	}
	if c.ParentID == "" {
		c.ParentID = defaultParent
	}
	if c.LicenseType == 0 {
		c.LicenseType = 2
	}
	return c
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	version, service, ok := s.route(r.URL.Path)
	if !ok {
		s.Count(r.Method + " " + r.URL.Path)
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		s.Count(r.Method + " " + r.URL.Path)
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		return // the client went away mid-body; there is nobody to answer
	}
	req, perr := parseRequest(body)
	s.Count("POST " + r.URL.Path + "#" + req.Method)

	if !s.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="GravityZone API"`)
		http.Error(w, "Unauthorized", http.StatusUnauthorized)
		return
	}
	if !s.serviceEnabled(service) {
		http.Error(w, "Forbidden: the API key does not have access to the "+service+" API", http.StatusForbidden)
		return
	}
	if s.Inject(w, r) {
		return
	}
	if len(body) > maxBodyBytes {
		writeError(w, nullID, newError(CodeInvalidRequest, "The request body is too large."))
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		writeError(w, req.ID, newError(CodeInvalidRequest, "The Content-Type header must be application/json."))
		return
	}
	if perr != nil {
		writeError(w, req.ID, perr)
		return
	}
	h := methods[version+" "+service+" "+req.Method]
	if h == nil {
		writeError(w, req.ID, newError(CodeMethodNotFound, "Method %q is not available in the %s API.", req.Method, service))
		return
	}
	result, rerr := h(s, r, req.Params)
	if rerr != nil {
		writeError(w, req.ID, rerr)
		return
	}
	writeResult(w, req.ID, result)
}

// route splits {basePath}/{version}/jsonrpc/{service}[/{sub}].
func (s *Server) route(path string) (version, service string, ok bool) {
	rest, found := strings.CutPrefix(path, s.basePath+"/")
	if !found {
		return "", "", false
	}
	version, rest, found = strings.Cut(rest, "/jsonrpc/")
	if !found || (version != "v1.0" && version != "v1.1" && version != "v1.2") {
		return "", "", false
	}
	first, _, _ := strings.Cut(rest, "/")
	if !knownServices[first] {
		return "", "", false
	}
	return version, rest, true
}

// authorized accepts exactly "Basic base64(apiKey + ":")" for a known key.
func (s *Server) authorized(r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	if !ok || pass != "" {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keys[user]
}

func (s *Server) serviceEnabled(service string) bool {
	first, _, _ := strings.Cut(service, "/")
	if first == "general" {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.enabled[first]
}
