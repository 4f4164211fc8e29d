package connectwise

import (
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Field limits from the CW company model (identifier: 25 in the 2022.1 model this client pins).
const (
	maxCompanyName       = 50
	maxCompanyIdentifier = 25
	maxSiteName          = 50
)

func (st *state) addStatus(s CompanyStatus) (CompanyStatus, error) {
	if s.Name == "" {
		return s, fmt.Errorf("status %d has no name", s.ID)
	}
	for _, o := range st.statuses {
		if o.ID == s.ID && s.ID != 0 {
			return s, fmt.Errorf("status id %d used twice", s.ID)
		}
	}
	s.ID = st.newID("status", s.ID)
	if s.Info == nil {
		s.Info = st.stamp(nil)
	}
	st.statuses = append(st.statuses, s)
	return s, nil
}

func (st *state) addType(t CompanyType) (CompanyType, error) {
	if t.Name == "" {
		return t, fmt.Errorf("type %d has no name", t.ID)
	}
	for _, o := range st.types {
		if o.ID == t.ID && t.ID != 0 {
			return t, fmt.Errorf("type id %d used twice", t.ID)
		}
	}
	t.ID = st.newID("type", t.ID)
	if t.Info == nil {
		t.Info = st.stamp(nil)
	}
	st.types = append(st.types, t)
	return t, nil
}

func (st *state) status(id int) (CompanyStatus, bool) {
	for _, s := range st.statuses {
		if s.ID == id {
			return s, true
		}
	}
	return CompanyStatus{}, false
}

func (st *state) companyType(id int) (CompanyType, bool) {
	for _, t := range st.types {
		if t.ID == id {
			return t, true
		}
	}
	return CompanyType{}, false
}

// companyProblems validates a company about to be stored (create or seed).
func (st *state) companyProblems(c *Company) []FieldError {
	var errs []FieldError
	name := strings.TrimSpace(c.Name)
	switch {
	case name == "":
		errs = append(errs, FieldError{Code: "NullValue", Field: "name", Message: "name may not be null."})
	case utf8.RuneCountInString(c.Name) > maxCompanyName:
		errs = append(errs, FieldError{Code: "OutOfRange", Field: "name", Message: fmt.Sprintf("name exceeds %d characters.", maxCompanyName)})
	}
	switch {
	case c.Identifier == "":
		errs = append(errs, FieldError{Code: "NullValue", Field: "identifier", Message: "identifier may not be null."})
	case utf8.RuneCountInString(c.Identifier) > maxCompanyIdentifier:
		errs = append(errs, FieldError{Code: "OutOfRange", Field: "identifier", Message: fmt.Sprintf("identifier exceeds %d characters.", maxCompanyIdentifier)})
	case strings.IndexFunc(c.Identifier, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		errs = append(errs, FieldError{Code: "InvalidCharacters", Field: "identifier", Message: "identifier may not contain spaces."})
	}
	if c.Status != nil {
		if _, ok := st.status(c.Status.ID); !ok {
			errs = append(errs, FieldError{Code: "NotFound", Field: "status", Message: fmt.Sprintf("status id %d not found.", c.Status.ID)})
		}
	}
	for _, t := range c.Types {
		if _, ok := st.companyType(t.ID); !ok {
			errs = append(errs, FieldError{Code: "NotFound", Field: "types", Message: fmt.Sprintf("type id %d not found.", t.ID)})
		}
	}
	if name != "" {
		if _, dup := st.names[foldName(c.Name)]; dup {
			errs = append(errs, FieldError{Code: "ObjectExists", Field: "name", Message: "The company name already exists."})
		}
	}
	if c.Identifier != "" {
		if _, dup := st.idents[foldName(c.Identifier)]; dup {
			errs = append(errs, FieldError{Code: "ObjectExists", Field: "identifier", Message: "The company identifier already exists."})
		}
	}
	return errs
}

// storeCompany resolves reference names, assigns the id and indexes the company.
func (st *state) storeCompany(c Company) *Company {
	c.ID = st.newID("company", c.ID)
	if c.Status != nil {
		s, _ := st.status(c.Status.ID)
		c.Status = &Ref{ID: s.ID, Name: s.Name, Info: Info{"status_href": "company/companies/statuses/" + strconv.Itoa(s.ID)}}
	}
	types := make([]Ref, 0, len(c.Types))
	for _, t := range c.Types {
		ct, _ := st.companyType(t.ID)
		types = append(types, Ref{ID: ct.ID, Name: ct.Name, Info: Info{"type_href": "company/companies/types/" + strconv.Itoa(ct.ID)}})
	}
	c.Types = types
	if len(types) == 0 {
		c.Types = nil
	}
	c.Info = st.stamp(c.Info)
	p := &c
	// Keep ascending id order so default listings are stable even when seeds come unsorted.
	i := len(st.companies)
	for i > 0 && st.companies[i-1].ID > c.ID {
		i--
	}
	st.companies = append(st.companies, nil)
	copy(st.companies[i+1:], st.companies[i:])
	st.companies[i] = p
	st.byID[c.ID] = p
	st.names[foldName(c.Name)] = c.ID
	st.idents[foldName(c.Identifier)] = c.ID
	return p
}

func (st *state) addCompany(c Company) (Company, error) {
	if c.ID != 0 {
		if _, dup := st.byID[c.ID]; dup {
			return c, fmt.Errorf("company id %d used twice", c.ID)
		}
	}
	if errs := st.companyProblems(&c); len(errs) > 0 {
		return c, fmt.Errorf("company %q: %s: %s", c.Name, errs[0].Field, errs[0].Message)
	}
	return st.storeCompany(c).clone(), nil
}

func companiesOf(st *state) []*Company { return st.companies }

func (s *Server) listCompanies(w http.ResponseWriter, r *http.Request, _ int) {
	serveList(s, w, r, companiesOf, Company.clone)
}

func (s *Server) countCompanies(w http.ResponseWriter, r *http.Request, _ int) {
	lq, msg := parseListQuery(r, reflect.TypeOf(Company{}))
	if msg != "" {
		writeError(w, http.StatusBadRequest, "InvalidObject", msg)
		return
	}
	s.mu.Lock()
	n := len(selectRecords(s.state.companies, lq))
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]int{"count": n})
}

func (s *Server) getCompany(w http.ResponseWriter, _ *http.Request, id int) {
	s.mu.Lock()
	c, ok := s.state.byID[id]
	var out Company
	if ok {
		out = c.clone()
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "NotFound", fmt.Sprintf("Company recId %d not found.", id))
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// companyCreate is the accepted POST body; site carries the name of the primary site that CW
// creates together with the company.
type companyCreate struct {
	Company
	Site *struct {
		Name string `json:"name"`
	} `json:"site"`
}

func (s *Server) createCompany(w http.ResponseWriter, r *http.Request, _ int) {
	var in companyCreate
	if !decodeBody(w, r, &in) {
		return
	}
	c := in.Company
	c.ID, c.Info, c.Site, c.DeletedFlag = 0, nil, nil, false
	s.mu.Lock()
	st := s.state
	errs := st.companyProblems(&c)
	if c.AddressLine1 == "" && c.AddressLine2 == "" && c.City == "" && c.State == "" && c.Zip == "" {
		errs = append(errs, FieldError{Code: "NullValue", Field: "addressLine1", Message: "At least one address field is required."})
	}
	siteName := "Main"
	if in.Site != nil && strings.TrimSpace(in.Site.Name) != "" {
		siteName = in.Site.Name
	}
	if utf8.RuneCountInString(siteName) > maxSiteName {
		errs = append(errs, FieldError{Code: "OutOfRange", Field: "site", Message: fmt.Sprintf("site name exceeds %d characters.", maxSiteName)})
	}
	if len(errs) > 0 {
		s.mu.Unlock()
		writeInvalid(w, "company", errs)
		return
	}
	// CW fills the status and types a request leaves out from the setup tables' defaults.
	if c.Status == nil {
		for _, cs := range st.statuses {
			if cs.DefaultFlag {
				c.Status = &Ref{ID: cs.ID}
			}
		}
	}
	if len(c.Types) == 0 {
		for _, t := range st.types {
			if t.DefaultFlag {
				c.Types = []Ref{{ID: t.ID}}
			}
		}
	}
	stored := st.storeCompany(c)
	site, _ := st.addSite(stored.ID, Site{
		Name: siteName, AddressLine1: c.AddressLine1, AddressLine2: c.AddressLine2, City: c.City, Zip: c.Zip,
		PrimaryAddressFlag: true, DefaultBillingFlag: true, DefaultShippingFlag: true, DefaultMailingFlag: true,
	})
	stored.Site = &Ref{ID: site.ID, Name: site.Name}
	out := stored.clone()
	s.mu.Unlock()
	s.SlowCreate(r)
	writeJSON(w, http.StatusCreated, out)
}

func statusesOf(st *state) []*CompanyStatus {
	out := make([]*CompanyStatus, len(st.statuses))
	for i := range st.statuses {
		out[i] = &st.statuses[i]
	}
	return out
}

func typesOf(st *state) []*CompanyType {
	out := make([]*CompanyType, len(st.types))
	for i := range st.types {
		out[i] = &st.types[i]
	}
	return out
}

func (s CompanyStatus) clone() CompanyStatus { s.Info = cloneInfo(s.Info); return s }
func (t CompanyType) clone() CompanyType     { t.Info = cloneInfo(t.Info); return t }

func (s *Server) listStatuses(w http.ResponseWriter, r *http.Request, _ int) {
	serveList(s, w, r, statusesOf, CompanyStatus.clone)
}

func (s *Server) listTypes(w http.ResponseWriter, r *http.Request, _ int) {
	serveList(s, w, r, typesOf, CompanyType.clone)
}

// ---- exported helpers for tests and cmd/vendorsim ----------------------------------------------

// AddStatus adds a company status at run time (ID 0 takes the next free id).
func (s *Server) AddStatus(st CompanyStatus) (CompanyStatus, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state.addStatus(st)
}

// AddType adds a company type at run time (ID 0 takes the next free id).
func (s *Server) AddType(t CompanyType) (CompanyType, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state.addType(t)
}

// AddCompany seeds a company with the same validation and uniqueness rules as a POST, except
// that no address is required and no site is created (use AddSite).
func (s *Server) AddCompany(c Company) (Company, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state.addCompany(c)
}

// Companies returns a copy of every company in id order.
func (s *Server) Companies() []Company {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Company, len(s.state.companies))
	for i, c := range s.state.companies {
		out[i] = c.clone()
	}
	return out
}

// Statuses returns a copy of the company statuses.
func (s *Server) Statuses() []CompanyStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]CompanyStatus(nil), s.state.statuses...)
}

// Types returns a copy of the company types.
func (s *Server) Types() []CompanyType {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]CompanyType(nil), s.state.types...)
}

// SetKeys replaces the accepted API key pair, as when a member's keys are revoked or rotated.
func (s *Server) SetKeys(publicKey, privateKey string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state.publicKey, s.state.privateKey = publicKey, privateKey
}

// APIPrefix is the path the API lives under, e.g. "/v4_6_release/apis/3.0".
func (s *Server) APIPrefix() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return "/" + s.state.codebase + "apis/3.0"
}
