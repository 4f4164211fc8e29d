// Package halopsa is an in-memory HaloPSA API: the authinfo discovery call, the client-credentials
// token endpoint, and the Client, Site, Users, Asset, TopLevel and AssetType resources with Halo's list
// wrappers, pageinate/page_size/page_no paging, search and filter parameters, and POST-array
// upserts.
//
// Choices where Halo's behaviour is not documented (see reference/vendor-apis.md, HaloPSA):
//   - page_size is capped at 100: a larger value is clamped and the wrapper reports the page size
//     actually used, so a client that pages by its requested size instead of by record_count
//     and the reported page_size misses rows here too. A page_size below 1 means the default 50.
//     page_no starts at 1; 0, negative or non-numeric paging values are refused with 400.
//   - Without pageinate=true a list answers the same wrapper with every matching row (or the
//     first `count` rows) and no page_no/page_size.
//   - search is a case-insensitive substring match on the record's name (inventory_number for
//     assets); inactive clients, sites, users and assets are hidden unless includeinactive=true.
//     Top levels have no inactive flag (schema Tree) and /TopLevel no includeinactive.
//   - exclude_internal=true leaves the fixture's internal client out of GET /api/Client.
//   - GET /api/AssetType has no paging parameters in the swagger; it answers a bare array.
//     Asset types are read-only here.
//   - Query parameter names and paths are case-insensitive, as ASP.NET routing and binding are.
//   - POST bodies must be a JSON array of objects (Content-Type application/json, otherwise 415).
//     An object whose id names an existing record updates only the fields it carries; any other
//     object creates a record with a new id. One posted object is answered with one object,
//     several with an array, status 200 (the swagger documents only 200 "Success"). Integer
//     references such as client_id and site_id are bound from 12 or 12.0 (the swagger types
//     some of them as double), but not from 12.5.
//   - An asset needs an existing assettype_id on create, as Halo's screens require a type.
//   - Client names are not unique: Halo lets two clients share a name, so callers must look
//     before they create.
//   - A new client gets a main site named newclient_sitename (default "Main") and, when no
//     toplevel_id is given, the top level with the lowest id.
//   - Errors: 400/404 bodies are a JSON string with a message; token endpoint errors use the
//     OAuth shape {"error": "...", "error_description": "..."}; 401 on a resource carries
//     WWW-Authenticate: Bearer error="invalid_token" and an empty body.
package halopsa

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/accountsync/accountsync-operator/internal/simulator/simkit"
)

// Server is the simulated Halo instance. It is safe for concurrent use.
type Server struct {
	simkit.Kit

	mu       sync.Mutex
	fx       Fixture
	lifetime time.Duration
	tokens   map[string]time.Time // access token -> expiry
	tokenSeq int

	toplevels  map[int]*TopLevel
	assettypes map[int]*AssetType
	clients    map[int]*Client
	sites      map[int]*Site
	users      map[int]*User
	assets     map[int]*Asset
	nextID     map[string]int // per resource, so ids are deterministic

	billing billingStore
	// tix is the service desk (tickets.go).
	tix ticketDesk
}

// New builds a server seeded from f. Seed records keep their ids; records with id 0 get the next
// free one. A seeded client without a main site gets one named "Main".
func New(f Fixture) *Server {
	s := &Server{
		fx:         f,
		lifetime:   time.Duration(f.TokenLifetimeSeconds) * time.Second,
		tokens:     map[string]time.Time{},
		toplevels:  map[int]*TopLevel{},
		assettypes: map[int]*AssetType{},
		clients:    map[int]*Client{},
		sites:      map[int]*Site{},
		users:      map[int]*User{},
		assets:     map[int]*Asset{},
		nextID:     map[string]int{},
	}
	if s.lifetime <= 0 {
		s.lifetime = time.Hour
	}
	for _, t := range f.TopLevels {
		s.AddTopLevel(t)
	}
	for _, t := range f.AssetTypes {
		s.AddAssetType(t)
	}
	for _, c := range f.Clients {
		s.addClient(c, false)
	}
	for _, site := range f.Sites {
		s.AddSite(site)
	}
	// Main sites are filled in after every seeded site exists, so a fixture may name a main site
	// that is listed after its client.
	s.mu.Lock()
	for _, c := range s.clients {
		if _, ok := s.sites[c.MainSiteID]; !ok {
			c.MainSiteID = s.createSiteLocked("Main", c.ID).ID
		}
	}
	s.mu.Unlock()
	for _, u := range f.Users {
		s.AddUser(u)
	}
	for _, a := range f.Assets {
		s.AddAsset(a)
	}
	for _, inv := range f.RecurringInvoices {
		s.AddRecurringInvoice(inv)
	}
	return s
}

// resource names as Halo's routes spell them; used for counter keys and list wrapper keys.
type resource struct {
	route    string // canonical path segment, e.g. "Client"
	wrapper  string // list wrapper key, e.g. "clients"; "" for a list answered as a bare array
	readOnly bool   // no POST here (the simulator does not model writing setup data)
}

var resources = map[string]resource{
	"client":    {route: "Client", wrapper: "clients"},
	"site":      {route: "Site", wrapper: "sites"},
	"users":     {route: "Users", wrapper: "users"},
	"asset":     {route: "Asset", wrapper: "assets"},
	"toplevel":  {route: "TopLevel", wrapper: "toplevels"},
	"assettype": {route: "AssetType", readOnly: true},
}

// ServeHTTP routes a request the way Halo does: case-insensitive paths, bearer auth on /api/*
// except the discovery call, then the fault switches, then the resource handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimSuffix(strings.ToLower(r.URL.Path), "/")
	switch path {
	case "/api/authinfo":
		s.Count(r.Method + " /api/authinfo")
		if !allow(w, r, http.MethodGet) {
			return
		}
		if s.Inject(w, r) {
			return
		}
		s.serveAuthInfo(w, r)
		return
	case "/auth/token":
		s.Count(r.Method + " /auth/token")
		if !allow(w, r, http.MethodPost) {
			return
		}
		if s.Inject(w, r) {
			return
		}
		s.serveToken(w, r)
		return
	}
	rest, ok := strings.CutPrefix(path, "/api/")
	if !ok {
		writeMessage(w, http.StatusNotFound, "The requested resource was not found")
		return
	}
	if s.serveBilling(w, r, rest) {
		return
	}
	name, idPart, hasID := strings.Cut(rest, "/")
	if s.serveDesk(w, r, name, idPart, hasID) {
		return
	}
	res, ok := resources[name]
	if !ok || strings.Contains(idPart, "/") {
		writeMessage(w, http.StatusNotFound, "The requested resource was not found")
		return
	}
	key := r.Method + " /api/" + res.route
	if hasID {
		key += "/{id}"
	}
	s.Count(key)
	id := 0
	if hasID {
		n, err := strconv.Atoi(idPart)
		if err != nil || n <= 0 {
			// ASP.NET's {id:int} route constraint: a non-numeric id matches no route.
			writeMessage(w, http.StatusNotFound, "The requested resource was not found")
			return
		}
		id = n
		if !allow(w, r, http.MethodGet) {
			return
		}
	} else if res.readOnly {
		if !allow(w, r, http.MethodGet) {
			return
		}
	} else if !allow(w, r, http.MethodGet, http.MethodPost) {
		return
	}
	if !s.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if s.Inject(w, r) {
		return
	}
	switch {
	case hasID:
		s.serveGet(w, res, id)
	case r.Method == http.MethodGet:
		s.serveList(w, r, res)
	default:
		s.servePost(w, r, res)
	}
}

func allow(w http.ResponseWriter, r *http.Request, methods ...string) bool {
	for _, m := range methods {
		if r.Method == m {
			return true
		}
	}
	w.Header().Set("Allow", strings.Join(methods, ", "))
	writeMessage(w, http.StatusMethodNotAllowed, "The requested method is not allowed")
	return false
}

// ---- read helpers for tests ------------------------------------------------------------------

// TopLevels returns every top level, ordered by id.
func (s *Server) TopLevels() []TopLevel {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sortedByID(s.toplevels, func(t *TopLevel) TopLevel { return *t })
}

// AssetTypes returns every asset type, ordered by id.
func (s *Server) AssetTypes() []AssetType {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sortedByID(s.assettypes, func(t *AssetType) AssetType { return *t })
}

// Clients returns every client (inactive ones included), ordered by id, with derived fields.
func (s *Server) Clients() []Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sortedByID(s.clients, s.clientView)
}

// Sites returns every site, ordered by id.
func (s *Server) Sites() []Site {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sortedByID(s.sites, s.siteView)
}

// Users returns every user, ordered by id.
func (s *Server) Users() []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sortedByID(s.users, s.userView)
}

// Assets returns every asset, ordered by id.
func (s *Server) Assets() []Asset {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sortedByID(s.assets, s.assetView)
}

func sortedByID[T any, V any](m map[int]*T, view func(*T) V) []V {
	ids := make([]int, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	out := make([]V, 0, len(ids))
	for _, id := range ids {
		out = append(out, view(m[id]))
	}
	return out
}
