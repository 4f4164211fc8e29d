package kaseyabms

import (
	"bytes"
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/accountsync/accountsync-operator/internal/simulator/simkit"
)

// Id ranges differ per record kind so a test that mixes up an account id and a location id
// fails instead of passing by coincidence.
const (
	accountIDBase  = 1000
	locationIDBase = 2000
	assetIDBase    = 4000
	contactIDBase  = 5000
)

// MaxPageSize is the largest page the simulator serves; the swagger states no limit, so a
// larger PageSize is clamped (a client must not rely on getting what it asked for).
const MaxPageSize = 100

const maxBodyBytes = 1 << 20

// Server simulates one BMS tenant behind the v2 REST API.
type Server struct {
	simkit.Kit

	mux *http.ServeMux

	mu            sync.Mutex
	creds         []Credential
	ttl           time.Duration
	http200       bool
	camel         bool
	tokens        map[string]time.Time // access token -> expiry
	refresh       map[string]string    // refresh token -> access token it belongs to
	issued        int
	types         []AccountType
	businessTypes []int64
	employees     []Employee
	categories    []Category
	accounts      []Account // in id order
	locations     []Location
	assets        []Asset
	contacts      []Contact
	next          map[string]int64
	// desk is the service desk (tickets.go).
	desk serviceDesk
}

// New builds a simulator seeded from f.
func New(f Fixture) *Server {
	s := &Server{
		creds: append([]Credential(nil), f.Credentials...), ttl: time.Hour,
		http200: f.LogicalErrorsWithHTTP200, camel: f.CamelCase,
		tokens: map[string]time.Time{}, refresh: map[string]string{},
		next: map[string]int64{"account": accountIDBase, "location": locationIDBase, "asset": assetIDBase, "contact": contactIDBase},
	}
	if f.TokenTTLSeconds > 0 {
		s.ttl = time.Duration(f.TokenTTLSeconds) * time.Second
	}
	s.types = orDefault(f.Types, []AccountType{{1, "Customer"}, {2, "Prospect"}, {3, "Vendor"}})
	s.businessTypes = orDefault(f.BusinessTypeIDs, []int64{1, 2})
	s.employees = orDefault(f.Employees, []Employee{{ID: 1, FirstName: "Dana", LastName: "Whitfield", Email: "dana@msp.example", Username: "dana"}})
	s.categories = orDefault(f.Categories, []Category{{1, "Workstation"}, {2, "Server"}})
	for _, a := range f.Accounts {
		s.bump("account", a.ID)
	}
	for _, l := range f.Locations {
		s.bump("location", l.ID)
	}
	for _, a := range f.Assets {
		s.bump("asset", a.ID)
	}
	for _, c := range f.Contacts {
		s.bump("contact", c.ID)
	}
	for _, a := range f.Accounts {
		if a.ID == 0 {
			a.ID = s.newID("account")
		}
		if a.AccountTypeID == 0 {
			// Every BMS account has a type (it is required on a create).
			a.AccountTypeID = s.types[0].ID
		}
		s.accounts = append(s.accounts, a)
	}
	for _, l := range f.Locations {
		if l.ID == 0 {
			l.ID = s.newID("location")
		}
		s.locations = append(s.locations, l)
	}
	for _, a := range s.accounts {
		s.ensureMain(a.ID)
	}
	for _, a := range f.Assets {
		if a.ID == 0 {
			a.ID = s.newID("asset")
		}
		if a.LocationID == 0 {
			a.LocationID = s.mainLocation(a.AccountID)
		}
		if a.CategoryID == 0 {
			a.CategoryID = s.categories[0].ID
		}
		s.assets = append(s.assets, a)
	}
	for _, c := range f.Contacts {
		if c.ID == 0 {
			c.ID = s.newID("contact")
		}
		if c.LocationID == 0 {
			c.LocationID = s.mainLocation(c.AccountID)
		}
		s.contacts = append(s.contacts, c)
	}
	sortByID(s.accounts, func(a Account) int64 { return a.ID })
	sortByID(s.locations, func(l Location) int64 { return l.ID })
	sortByID(s.assets, func(a Asset) int64 { return a.ID })
	sortByID(s.contacts, func(c Contact) int64 { return c.ID })
	s.routes()
	return s
}

func orDefault[T any](v, def []T) []T {
	if v == nil {
		return def
	}
	return append([]T(nil), v...)
}

func (s *Server) bump(kind string, id int64) {
	if id >= s.next[kind] {
		s.next[kind] = id
	}
}

func (s *Server) newID(kind string) int64 {
	s.next[kind]++
	return s.next[kind]
}

// ensureMain gives an account without locations a main location "Main", and one with
// locations but none main its first one as main.
func (s *Server) ensureMain(accountID int64) {
	first := -1
	for i, l := range s.locations {
		if l.AccountID != accountID {
			continue
		}
		if l.IsMain {
			return
		}
		if first < 0 {
			first = i
		}
	}
	if first >= 0 {
		s.locations[first].IsMain = true
		return
	}
	s.locations = append(s.locations, Location{ID: s.newID("location"), AccountID: accountID, LocationName: "Main", IsMain: true})
}

func (s *Server) mainLocation(accountID int64) int64 {
	for _, l := range s.locations {
		if l.AccountID == accountID && l.IsMain {
			return l.ID
		}
	}
	return 0
}

// route registers a handler under /v2 with the query parameters the swagger names for it (any
// other parameter is refused, so a misspelt Filter never passes silently). Every request is
// counted under "METHOD /path-template" (relative to /v2), authenticated unless public, then
// offered to the fault switches.
func (s *Server) route(method, path string, public bool, params []string, h func(w http.ResponseWriter, r *http.Request)) {
	key := method + " " + path
	allowed := map[string]bool{}
	for _, p := range params {
		allowed[strings.ToLower(p)] = true
	}
	s.mux.HandleFunc(method+" /v2"+path, func(w http.ResponseWriter, r *http.Request) {
		s.Count(key)
		if !public && !s.authorized(r) {
			w.Header().Set("WWW-Authenticate", "Bearer")
			s.write(w, http.StatusUnauthorized, response{Success: false, Error: &errorInfo{Code: 401, Message: "Unauthorized"}})
			return
		}
		for k := range r.URL.Query() {
			if !allowed[strings.ToLower(k)] {
				s.fail(w, http.StatusBadRequest, fmt.Sprintf("The query parameter '%s' is not supported by %s.", k, key))
				return
			}
		}
		if s.Inject(w, r) {
			return
		}
		h(w, r)
	})
}

var (
	paging        = []string{"Sort", "Exclude", "PageSize", "PageNumber"}
	accountsQuery = append([]string{"Filter.AccountName", "Filter.AccountCode", "Filter.AccountTypeId", "Filter.AccountTypeName",
		"Filter.CreatedOnFrom", "Filter.CreatedOnTo", "Filter.ModifiedOnFrom", "Filter.ModifiedOnTo", "Filter.IsActive"}, paging...)
	lookupQuery   = append([]string{"Filter.Ids", "Filter.Name", "Filter.WithSecurityScope", "Filter.WithInactiveAccounts"}, paging...)
	employeeQuery = append([]string{"Filter.Ids", "Filter.Filter_Text", "Filter.IsActive"}, paging...)
	assetQuery    = append([]string{"Filter.CategoryIds", "Filter.AssetName", "Filter.MachineGroupId", "Filter.LocationName",
		"Filter.SerialNumber", "Filter.Description", "Filter.IPAddress", "Filter.AccountId", "Filter.ContactId",
		"Filter.ContactName", "Filter.ExcludedId", "Filter.IsActive"}, paging...)
	contactQuery = append([]string{"Filter.AccountId", "Filter.AccountName", "Filter.FirstName", "Filter.LastName",
		"Filter.Phone", "Filter.Email", "Filter.CreatedOnFrom", "Filter.CreatedOnTo", "Filter.ModifiedOnFrom",
		"Filter.ModifiedOnTo", "Filter.IsActive"}, paging...)
)

func (s *Server) routes() {
	s.mux = http.NewServeMux()
	s.route(http.MethodPost, "/security/authenticate", true, nil, s.authenticate)
	s.route(http.MethodPost, "/security/refreshtoken", true, nil, s.refreshToken)

	s.route(http.MethodGet, "/crm/accounts/summary", false, accountsQuery, s.accountSummary)
	s.route(http.MethodGet, "/crm/accounts/lookup", false, lookupQuery, s.accountLookup)
	s.route(http.MethodPost, "/crm/accounts", false, nil, s.createAccount)
	s.route(http.MethodGet, "/system/accounttypes/lookup", false, nil, s.accountTypes)
	s.route(http.MethodGet, "/hr/employees/searchselect", false, employeeQuery, s.employeeSearch)
	s.route(http.MethodGet, "/crm/accounts/{accountId}/locations/lookup", false, nil, s.locationLookup)

	s.route(http.MethodGet, "/servicedesk/hardwareasset/searchselect", false, assetQuery, s.assetSearch)
	s.route(http.MethodPost, "/servicedesk/hardwareasset", false, nil, s.createAsset)
	s.route(http.MethodGet, "/servicedesk/hardwareasset/{assetId}", false, nil, s.getAsset)
	s.route(http.MethodPut, "/servicedesk/hardwareasset/{assetId}", false, nil, s.updateAsset)

	s.route(http.MethodGet, "/crm/contacts/summary", false, contactQuery, s.contactSummary)
	s.route(http.MethodPost, "/crm/contacts/summary", false, nil, s.createContact)

	s.deskRoutes()

	// Anything else is a routing miss: an empty 404, as ASP.NET Core answers.
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.Count("UNROUTED")
		w.WriteHeader(http.StatusNotFound)
	})
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// ---- envelope --------------------------------------------------------------------------------

type errorInfo struct {
	Code      int      `json:"Code"`
	Message   string   `json:"Message"`
	Details   *string  `json:"Details"`
	SubErrors []string `json:"SubErrors"`
}

// response is the swagger's *Response / *PagedResponse.
type response struct {
	Success      bool       `json:"Success"`
	Error        *errorInfo `json:"Error"`
	Result       any        `json:"Result"`
	TotalRecords *int       `json:"TotalRecords,omitempty"`
}

func (s *Server) write(w http.ResponseWriter, status int, v any) {
	body, _ := json.Marshal(v)
	if s.camel {
		body = camelKeys(body)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// camelKeys lower-cases the first letter of every property name.
func camelKeys(body []byte) []byte {
	var v any
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if d.Decode(&v) != nil {
		return body
	}
	var walk func(any) any
	walk = func(x any) any {
		switch t := x.(type) {
		case map[string]any:
			out := make(map[string]any, len(t))
			for k, v := range t {
				r := []rune(k)
				r[0] = unicode.ToLower(r[0])
				out[string(r)] = walk(v)
			}
			return out
		case []any:
			for i := range t {
				t[i] = walk(t[i])
			}
		}
		return x
	}
	out, _ := json.Marshal(walk(v))
	return out
}

func (s *Server) ok(w http.ResponseWriter, result any) {
	s.write(w, http.StatusOK, response{Success: true, Result: result})
}

// fail answers a refused request with Success false, as HTTP code or (fixture switch) 200.
func (s *Server) fail(w http.ResponseWriter, code int, msg string) {
	status := code
	if s.http200 && code < 500 {
		status = http.StatusOK
	}
	s.write(w, status, response{Success: false, Error: &errorInfo{Code: code, Message: msg}})
}

// page applies PageSize/PageNumber (1-based; 0 or less is the first page; no PageSize means
// everything up to MaxPageSize) and answers; total adds TotalRecords (paged responses only).
func page[T any](s *Server, w http.ResponseWriter, r *http.Request, items []T, withTotal bool) {
	q := r.URL.Query()
	size, number := MaxPageSize, 1
	if v := q.Get("PageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			s.fail(w, http.StatusBadRequest, "PageSize must be a positive integer.")
			return
		}
		size = min(n, MaxPageSize)
	}
	if v := q.Get("PageNumber"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			s.fail(w, http.StatusBadRequest, "PageNumber must be an integer.")
			return
		}
		number = max(n, 1)
	}
	if s.EmptyListing(r) {
		items = nil
	}
	start := min((number-1)*size, len(items))
	end := min(start+size, len(items))
	res := response{Success: true, Result: append(make([]T, 0, end-start), items[start:end]...)}
	if withTotal {
		total := len(items)
		res.TotalRecords = &total
	}
	s.write(w, http.StatusOK, res)
}

// readJSON decodes a write body: 415 for a non-JSON media type, 400 when it does not bind.
func (s *Server) readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (mt != "application/json" && mt != "text/json" && mt != "application/json-patch+json") {
		w.WriteHeader(http.StatusUnsupportedMediaType)
		return false
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil || len(data) > maxBodyBytes {
		s.fail(w, http.StatusBadRequest, "The request body could not be read.")
		return false
	}
	if err := json.Unmarshal(data, v); err != nil {
		s.fail(w, http.StatusBadRequest, "The request body is not valid JSON for this resource: "+err.Error())
		return false
	}
	return true
}

// pathID parses a numeric path segment; a non-numeric one matches no route ({id:int}).
func pathID(w http.ResponseWriter, r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 32)
	if err != nil || id <= 0 {
		w.WriteHeader(http.StatusNotFound)
		return 0, false
	}
	return id, true
}

func boolParam(q url.Values, name string) (*bool, error) {
	v := q.Get(name)
	if v == "" {
		return nil, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return nil, fmt.Errorf("The value '%s' is not valid for %s.", v, name)
	}
	return &b, nil
}

func intParam(q url.Values, name string) (int64, error) {
	v := q.Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("The value '%s' is not valid for %s.", v, name)
	}
	return n, nil
}

func sortByID[T any](items []T, id func(T) int64) {
	slices.SortStableFunc(items, func(a, b T) int { return cmp.Compare(id(a), id(b)) })
}

// ---- auth ------------------------------------------------------------------------------------

// readForm parses a form body, urlencoded or multipart (the swagger declares multipart; ASP.NET
// [FromForm] binds both, matching field names case-insensitively).
func readForm(r *http.Request) (func(string) string, bool) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/x-www-form-urlencoded":
		if r.ParseForm() != nil {
			return nil, false
		}
	case "multipart/form-data":
		if r.ParseMultipartForm(maxBodyBytes) != nil {
			return nil, false
		}
	default:
		return nil, false
	}
	return func(name string) string {
		for k, v := range r.PostForm {
			if strings.EqualFold(k, name) && len(v) > 0 {
				return v[0]
			}
		}
		return ""
	}, true
}

type tokenOutput struct {
	AccessToken          string    `json:"AccessToken"`
	RefreshToken         string    `json:"RefreshToken"`
	AccessTokenExpireOn  time.Time `json:"AccessTokenExpireOn"`
	RefreshTokenExpireOn time.Time `json:"RefreshTokenExpireOn"`
}

// authenticate is POST /v2/security/authenticate (GrantType=password, UserName, Password,
// Tenant). A refusal is HTTP 400 with Success false.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	get, ok := readForm(r)
	if !ok {
		s.write(w, http.StatusUnsupportedMediaType, response{Error: &errorInfo{Code: 415, Message: "The login must be a form."}})
		return
	}
	if !strings.EqualFold(get("GrantType"), "password") {
		s.write(w, http.StatusBadRequest, response{Error: &errorInfo{Code: 400, Message: "The GrantType field is required."}})
		return
	}
	user, pass, tenant := get("UserName"), get("Password"), get("Tenant")
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.creds {
		if c.Username == user && c.Password == pass && c.Tenant == tenant && user != "" {
			s.ok(w, s.issue())
			return
		}
	}
	s.write(w, http.StatusBadRequest, response{Error: &errorInfo{Code: 400, Message: "Invalid user name, password or tenant."}})
}

// refreshToken is POST /v2/security/refreshtoken (AccessToken, RefreshToken). A refresh token
// is good once.
func (s *Server) refreshToken(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	get, ok := readForm(r)
	if !ok {
		s.write(w, http.StatusUnsupportedMediaType, response{Error: &errorInfo{Code: 415, Message: "The refresh must be a form."}})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rt := get("RefreshToken")
	if access, found := s.refresh[rt]; !found || access != get("AccessToken") {
		s.write(w, http.StatusUnauthorized, response{Error: &errorInfo{Code: 401, Message: "Invalid refresh token."}})
		return
	}
	delete(s.refresh, rt)
	delete(s.tokens, get("AccessToken"))
	s.ok(w, s.issue())
}

// issue makes a session; the caller holds s.mu.
func (s *Server) issue() tokenOutput {
	now := time.Now().UTC()
	out := tokenOutput{AccessToken: newToken(), RefreshToken: newToken(),
		AccessTokenExpireOn: now.Add(s.ttl), RefreshTokenExpireOn: now.Add(24 * time.Hour)}
	s.tokens[out.AccessToken] = out.AccessTokenExpireOn
	s.refresh[out.RefreshToken] = out.AccessToken
	s.issued++
	return out
}

func newToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}

func (s *Server) authorized(r *http.Request) bool {
	scheme, tok, found := strings.Cut(r.Header.Get("Authorization"), " ")
	if !found || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.tokens[tok]
	return ok && time.Now().Before(exp)
}

// ExpireTokens revokes every access token (refresh tokens stay valid).
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens = map[string]time.Time{}
}

// TokensIssued counts logins and refreshes.
func (s *Server) TokensIssued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issued
}
