package kaseyabms

import (
	"cmp"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/accountsync/accountsync-operator/internal/simulator/simkit"
)

// Id ranges differ per record kind so a test that mixes up an account id and a location id
// fails instead of passing by coincidence.
const (
	accountIDBase    = 1000
	locationIDBase   = 2000
	departmentIDBase = 3000
	assetIDBase      = 4000
	contactIDBase    = 5000
)

// maxBodyBytes bounds a request body, as IIS does.
const maxBodyBytes = 1 << 20

// Server simulates one BMS tenant behind the V1 REST API.
type Server struct {
	simkit.Kit

	mux *http.ServeMux

	mu          sync.Mutex
	creds       []Credential
	ttl         time.Duration
	http200     bool
	tokens      map[string]time.Time // access token -> expiry
	issued      int
	statuses    []Status
	types       []AccountType
	accounts    []Account // in id order
	locations   []Location
	departments []Department
	assets      []Asset
	contacts    []Contact
	next        map[string]int64 // next id per record kind
}

// New builds a simulator seeded from f.
func New(f Fixture) *Server {
	s := &Server{
		creds:   append([]Credential(nil), f.Credentials...),
		ttl:     time.Hour,
		http200: f.LogicalErrorsWithHTTP200,
		tokens:  map[string]time.Time{},
		next: map[string]int64{
			"account": accountIDBase, "location": locationIDBase, "department": departmentIDBase,
			"asset": assetIDBase, "contact": contactIDBase,
		},
	}
	if f.TokenTTLSeconds > 0 {
		s.ttl = time.Duration(f.TokenTTLSeconds) * time.Second
	}
	s.statuses = append([]Status(nil), f.Statuses...)
	if f.Statuses == nil {
		s.statuses = []Status{{ID: 1, Name: "Active"}, {ID: 2, Name: "Inactive", Inactive: true}}
	}
	s.types = append([]AccountType(nil), f.Types...)
	if f.Types == nil {
		s.types = []AccountType{{ID: 1, Name: "Customer"}, {ID: 2, Name: "Prospect"}, {ID: 3, Name: "Vendor"}}
	}
	// Seed ids first so assigned ids never collide with seeded ones.
	for _, a := range f.Accounts {
		s.bump("account", a.ID)
	}
	for _, l := range f.Locations {
		s.bump("location", l.ID)
	}
	for _, d := range f.Departments {
		s.bump("department", d.ID)
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
		if a.StatusID == 0 {
			a.StatusID = s.defaultStatus()
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
	for _, d := range f.Departments {
		if d.ID == 0 {
			d.ID = s.newID("department")
		}
		s.departments = append(s.departments, d)
	}
	for _, a := range f.Assets {
		if a.ID == 0 {
			a.ID = s.newID("asset")
		}
		if a.LocationID == 0 {
			a.LocationID = s.mainLocation(a.AccountID)
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
	sortByID(s.departments, func(d Department) int64 { return d.ID })
	sortByID(s.assets, func(a Asset) int64 { return a.ID })
	sortByID(s.contacts, func(c Contact) int64 { return c.ID })
	s.routes()
	return s
}

func (s *Server) bump(kind string, id int64) {
	if id >= s.next[kind] {
		s.next[kind] = id
	}
}

// newID returns the next id of a kind; the caller holds s.mu (or is New).
func (s *Server) newID(kind string) int64 {
	s.next[kind]++
	return s.next[kind]
}

// route registers a handler under the V1 base path. Every request is counted under
// "METHOD /path-template" (relative to /api, e.g. "GET /crm/accounts/{id}/locations"), then
// authenticated unless it is the token endpoint, then offered to the fault switches.
func (s *Server) route(method, path string, public bool, h func(w http.ResponseWriter, r *http.Request)) {
	key := method + " " + path
	s.mux.HandleFunc(method+" /api"+path, func(w http.ResponseWriter, r *http.Request) {
		s.Count(key)
		if !public && !s.authorized(r) {
			w.Header().Set("WWW-Authenticate", "Bearer")
			writeJSON(w, http.StatusUnauthorized, map[string]string{"Message": "Authorization has been denied for this request."})
			return
		}
		if s.Inject(w, r) {
			return
		}
		h(w, r)
	})
}

func (s *Server) routes() {
	s.mux = http.NewServeMux()
	s.route(http.MethodPost, "/token", true, s.handleToken)

	s.route(http.MethodGet, "/crm/accounts", false, s.listAccounts)
	s.route(http.MethodPost, "/crm/accounts", false, s.createAccount)
	s.route(http.MethodGet, "/crm/accounts/{id}", false, s.getAccount)
	s.route(http.MethodGet, "/crm/accounts/statuses", false, s.listStatuses)
	s.route(http.MethodGet, "/crm/accounts/types", false, s.listTypes)

	s.route(http.MethodGet, "/crm/accounts/{id}/locations", false, s.listAccountLocations)
	s.route(http.MethodGet, "/crm/locations", false, s.listLocations)
	s.route(http.MethodPost, "/crm/locations", false, s.createLocation)
	s.route(http.MethodGet, "/crm/locations/{id}", false, s.getLocation)

	s.route(http.MethodGet, "/crm/accounts/{id}/departments", false, s.listDepartments)
	s.route(http.MethodPost, "/crm/accounts/{id}/departments", false, s.createDepartment)

	s.route(http.MethodGet, "/servicedesk/assets", false, s.listAssets)
	s.route(http.MethodPost, "/servicedesk/assets", false, s.createAsset)
	s.route(http.MethodGet, "/servicedesk/assets/{id}", false, s.getAsset)
	s.route(http.MethodPut, "/servicedesk/assets/{id}", false, s.updateAsset)

	s.route(http.MethodGet, "/crm/contacts", false, s.listContacts)
	s.route(http.MethodPost, "/crm/contacts", false, s.createContact)

	// Anything else gets ASP.NET Web API's routing miss.
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.Count("UNROUTED")
		writeJSON(w, http.StatusNotFound, map[string]string{
			"Message": "No HTTP resource was found that matches the request URI '" + r.URL.String() + "'.",
		})
	})
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// ---- envelope --------------------------------------------------------------------------------

// envelope is the V1 response wrapper (shared with Kaseya VSA).
type envelope struct {
	Result       any    `json:"Result"`
	TotalRecords *int   `json:"TotalRecords,omitempty"`
	ResponseCode int    `json:"ResponseCode"`
	Status       string `json:"Status"`
	Error        string `json:"Error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func ok(w http.ResponseWriter, result any) {
	writeJSON(w, http.StatusOK, envelope{Result: result, Status: "OK", Error: "None"})
}

func okList[T any](w http.ResponseWriter, page []T, total int) {
	writeJSON(w, http.StatusOK, envelope{Result: page, TotalRecords: &total, Status: "OK", Error: "None"})
}

// fail answers a refused request in the envelope, with the code as HTTP status too unless the
// fixture asked for logical errors on HTTP 200.
func (s *Server) fail(w http.ResponseWriter, code int, msg string) {
	httpStatus := code
	if s.http200 && code < 500 { // http200 is fixed at New, so no lock is needed
		httpStatus = http.StatusOK
	}
	writeJSON(w, httpStatus, envelope{
		ResponseCode: code,
		Status:       strings.ReplaceAll(http.StatusText(code), " ", ""),
		Error:        msg,
	})
}

// readJSON decodes a write body; it answers 415 for a non-JSON media type and 400 for a body
// that does not bind, and reports whether the handler may go on.
func (s *Server) readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (mt != "application/json" && mt != "text/json") {
		writeJSON(w, http.StatusUnsupportedMediaType, map[string]string{
			"Message": "The request entity's media type '" + r.Header.Get("Content-Type") + "' is not supported for this resource.",
		})
		return false
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil || len(data) > maxBodyBytes {
		s.fail(w, http.StatusBadRequest, "The request body could not be read.")
		return false
	}
	if err := json.Unmarshal(data, v); err != nil {
		s.fail(w, http.StatusBadRequest, "The request is invalid: the body could not be parsed as JSON.")
		return false
	}
	return true
}

// pathID parses a numeric {id} path segment; a non-numeric one matches no route on the real
// server (int route constraint), so it is a 404.
func (s *Server) pathID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		writeJSON(w, http.StatusNotFound, map[string]string{
			"Message": "No HTTP resource was found that matches the request URI '" + r.URL.String() + "'.",
		})
		return 0, false
	}
	return id, true
}

// list runs the OData options of r over items and writes the page; props gives each item's
// filterable values.
func list[T any](s *Server, w http.ResponseWriter, r *http.Request, sch schema, items []T, props func(T) record) {
	lq, err := parseListQuery(r.URL.Query(), sch)
	if err != nil {
		s.fail(w, http.StatusBadRequest, err.Error())
		return
	}
	if s.EmptyListing(r) {
		okList(w, []T{}, 0)
		return
	}
	page, total := apply(lq, items, props)
	okList(w, page, total)
}

// sortByID puts seeded records in id order, the order the list endpoints return.
func sortByID[T any](items []T, id func(T) int64) {
	slices.SortStableFunc(items, func(a, b T) int { return cmp.Compare(id(a), id(b)) })
}
