// Package cyberqp simulates the CyberQP (formerly Quickpass) dashboard API that community
// scripts call (reference/vendor-apis.md §6), under the portal root:
//
//   - GET /api/customer?page=&rowsPerPage=&searchText= answers
//     {"maxCount": n, "clients": [{"id", "name", "integrations"}]};
//   - GET /api/customer/{id}/users?page=&rowsPerPage=&searchText= answers
//     {"maxCount": n, "users": [{"qpID", "email", "displayName", "userPrincipalName",
//     "samAccountName", "userType", "integrations", "firstName", "lastName", "phoneNumber"}]},
//     404 for an unknown customer. The script filters (status, accountStatus, userAppType,
//     type, qpStatus; adStatus, localStatus, o365Status, filterUpdated) are accepted and ignored.
//
// Choices no public source shows (the provider's docs list them as assumptions):
//   - every call needs "Authorization: Bearer {apiKey}" (the scripts log in with a dashboard
//     session instead); a missing or wrong key gets HTTP 401 with {"statusCode", "message",
//     "error"}, the error body of every failure;
//   - the contact fields firstName, lastName and phoneNumber;
//   - page is 1-based, rowsPerPage is capped at 50 (larger values are clamped) and defaults to
//     10; a page or rowsPerPage that is not a positive integer is a 400; searchText is a
//     case-insensitive substring match (customer name; user email, display name, UPN).
package cyberqp

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/accountsync/accountsync-operator/internal/simulator/simkit"
)

// APIPrefix is where the API lives under the portal root.
const APIPrefix = "/api"

// MaxRowsPerPage is the page-size cap; DefaultRowsPerPage applies when rowsPerPage is absent.
const (
	MaxRowsPerPage     = 50
	DefaultRowsPerPage = 10
)

// Fixture seeds a simulator.
type Fixture struct {
	// APIKey is the accepted key.
	APIKey    string     `json:"apiKey" yaml:"apiKey"`
	Customers []Customer `json:"customers,omitempty" yaml:"customers,omitempty"`
	Users     []User     `json:"users,omitempty" yaml:"users,omitempty"`
}

// Customer is a CyberQP customer. ID is assigned when empty.
type Customer struct {
	ID   string `json:"id,omitempty" yaml:"id,omitempty"`
	Name string `json:"name" yaml:"name"`
}

// User is an end user of a customer. ID (the qpID) is assigned when empty.
type User struct {
	ID                string `json:"qpID,omitempty" yaml:"qpID,omitempty"`
	CustomerID        string `json:"customerId" yaml:"customerId"`
	Email             string `json:"email,omitempty" yaml:"email,omitempty"`
	DisplayName       string `json:"displayName,omitempty" yaml:"displayName,omitempty"`
	FirstName         string `json:"firstName,omitempty" yaml:"firstName,omitempty"`
	LastName          string `json:"lastName,omitempty" yaml:"lastName,omitempty"`
	PhoneNumber       string `json:"phoneNumber,omitempty" yaml:"phoneNumber,omitempty"`
	UserPrincipalName string `json:"userPrincipalName,omitempty" yaml:"userPrincipalName,omitempty"`
	SamAccountName    string `json:"samAccountName,omitempty" yaml:"samAccountName,omitempty"`
	// UserType is "AD" or "OFFICE"; empty means "AD".
	UserType string `json:"userType,omitempty" yaml:"userType,omitempty"`
}

// Server is the simulator; it is an http.Handler.
type Server struct {
	simkit.Kit

	apiKey string

	mu        sync.Mutex
	customers []Customer
	users     []User
	nextCust  int
	nextUser  int
}

// New builds a simulator from f.
func New(f Fixture) *Server {
	s := &Server{apiKey: f.APIKey}
	for _, c := range f.Customers {
		s.AddCustomer(c)
	}
	for _, u := range f.Users {
		s.AddUser(u)
	}
	return s
}

// AddCustomer stores c (with a deterministic GUID when c.ID is empty or taken) and returns it.
func (s *Server) AddCustomer(c Customer) Customer {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.ID == "" || s.customerLocked(c.ID) != nil {
		for {
			s.nextCust++
			c.ID = fmt.Sprintf("c0000000-0000-4000-8000-%012d", s.nextCust)
			if s.customerLocked(c.ID) == nil {
				break
			}
		}
	}
	s.customers = append(s.customers, c)
	return c
}

// AddUser stores u (with a deterministic qpID when u.ID is empty or taken) and returns it.
func (s *Server) AddUser(u User) User {
	s.mu.Lock()
	defer s.mu.Unlock()
	taken := func(id string) bool {
		for _, x := range s.users {
			if x.ID == id {
				return true
			}
		}
		return false
	}
	if u.ID == "" || taken(u.ID) {
		for {
			s.nextUser++
			u.ID = fmt.Sprintf("a0000000-0000-4000-8000-%012d", s.nextUser)
			if !taken(u.ID) {
				break
			}
		}
	}
	if u.UserType == "" {
		u.UserType = "AD"
	}
	s.users = append(s.users, u)
	return u
}

// Customers returns a copy of every customer, in creation order.
func (s *Server) Customers() []Customer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Customer(nil), s.customers...)
}

// Users returns a copy of every user, in creation order.
func (s *Server) Users() []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]User(nil), s.users...)
}

func (s *Server) customerLocked(id string) *Customer {
	for i := range s.customers {
		if s.customers[i].ID == id {
			return &s.customers[i]
		}
	}
	return nil
}

// ServeHTTP routes a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	if !strings.HasPrefix(path, APIPrefix+"/") {
		writeError(w, http.StatusNotFound, "Cannot "+r.Method+" "+path)
		return
	}
	segs := strings.Split(strings.Trim(strings.TrimPrefix(path, APIPrefix), "/"), "/")
	switch {
	case len(segs) == 1 && segs[0] == "customer":
		s.route(w, r, "/customer", s.handleCustomers)
	case len(segs) == 3 && segs[0] == "customer" && segs[2] == "users":
		id, err := url.PathUnescape(segs[1])
		if err != nil {
			writeError(w, http.StatusBadRequest, "Invalid customer id")
			return
		}
		s.route(w, r, "/customer/{id}/users", func(w http.ResponseWriter, r *http.Request) { s.handleUsers(w, r, id) })
	default:
		writeError(w, http.StatusNotFound, "Cannot "+r.Method+" "+path)
	}
}

func (s *Server) route(w http.ResponseWriter, r *http.Request, tmpl string, h http.HandlerFunc) {
	s.Count(r.Method + " " + tmpl)
	if r.Method != http.MethodGet {
		writeError(w, http.StatusMethodNotAllowed, "Method "+r.Method+" is not allowed")
		return
	}
	if !s.authorized(r) {
		w.Header().Set("WWW-Authenticate", "Bearer")
		writeError(w, http.StatusUnauthorized, "Invalid or missing API key")
		return
	}
	if s.Inject(w, r) {
		return
	}
	h(w, r)
}

func (s *Server) authorized(r *http.Request) bool {
	v := r.Header.Get("Authorization")
	const prefix = "Bearer "
	if s.apiKey == "" || len(v) < len(prefix) || !strings.EqualFold(v[:len(prefix)], prefix) {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(strings.TrimSpace(v[len(prefix):])), []byte(s.apiKey)) == 1
}

// paging reads page (1-based) and rowsPerPage (clamped to MaxRowsPerPage).
func paging(q url.Values) (page, rows int, err error) {
	page, rows = 1, DefaultRowsPerPage
	if v := q.Get("page"); v != "" {
		if page, err = strconv.Atoi(v); err != nil || page < 1 {
			return 0, 0, fmt.Errorf("page must be a positive integer")
		}
	}
	if v := q.Get("rowsPerPage"); v != "" {
		if rows, err = strconv.Atoi(v); err != nil || rows < 1 {
			return 0, 0, fmt.Errorf("rowsPerPage must be a positive integer")
		}
	}
	return page, min(rows, MaxRowsPerPage), nil
}

func window[T any](all []T, page, rows int) []T {
	start := min((page-1)*rows, len(all))
	end := min(start+rows, len(all))
	return all[start:end]
}

func contains(hay, needle string) bool {
	return strings.Contains(strings.ToLower(hay), strings.ToLower(needle))
}

// integrations is the per-record integration block the scripts see; the simulator reports
// every integration inactive.
type integration struct {
	Active bool `json:"active"`
}

type customerWire struct {
	ID           string                 `json:"id"`
	Name         string                 `json:"name"`
	Integrations map[string]integration `json:"integrations"`
}

func (s *Server) handleCustomers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page, rows, err := paging(q)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	search := strings.TrimSpace(q.Get("searchText"))
	s.mu.Lock()
	var matched []customerWire
	for _, c := range s.customers {
		if search == "" || contains(c.Name, search) {
			matched = append(matched, customerWire{ID: c.ID, Name: c.Name,
				Integrations: map[string]integration{"itglue": {}, "dattoAutoTask": {}}})
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"maxCount": len(matched), "clients": nonNil(window(matched, page, rows))})
}

type userWire struct {
	QpID              string                 `json:"qpID"`
	Email             string                 `json:"email"`
	DisplayName       string                 `json:"displayName"`
	FirstName         string                 `json:"firstName"`
	LastName          string                 `json:"lastName"`
	PhoneNumber       string                 `json:"phoneNumber"`
	UserPrincipalName string                 `json:"userPrincipalName"`
	SamAccountName    string                 `json:"samAccountName"`
	UserType          string                 `json:"userType"`
	Integrations      map[string]integration `json:"integrations"`
}

func (s *Server) handleUsers(w http.ResponseWriter, r *http.Request, customerID string) {
	q := r.URL.Query()
	page, rows, err := paging(q)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	search := strings.TrimSpace(q.Get("searchText"))
	s.mu.Lock()
	if s.customerLocked(customerID) == nil {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, "Customer not found")
		return
	}
	var matched []userWire
	for _, u := range s.users {
		if u.CustomerID != customerID {
			continue
		}
		if search != "" && !contains(u.Email, search) && !contains(u.DisplayName, search) && !contains(u.UserPrincipalName, search) {
			continue
		}
		matched = append(matched, userWire{QpID: u.ID, Email: u.Email, DisplayName: u.DisplayName, FirstName: u.FirstName,
			LastName: u.LastName, PhoneNumber: u.PhoneNumber, UserPrincipalName: u.UserPrincipalName,
			SamAccountName: u.SamAccountName, UserType: u.UserType,
			Integrations: map[string]integration{"activeDirectory": {Active: u.UserType == "AD"}, "office365": {Active: u.UserType == "OFFICE"}}})
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"maxCount": len(matched), "users": nonNil(window(matched, page, rows))})
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

var statusText = map[int]string{400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed"}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"statusCode": status, "message": msg, "error": statusText[status]})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
