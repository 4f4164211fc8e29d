package gravityzone

import (
	"net/http"
	"strings"
	"unicode/utf8"
)

// Documented bounds of findCompaniesByName's maxResults.
const (
	findDefaultResults = 25
	findMaxResults     = 100
)

// MatchesNameFilter is findCompaniesByName's matching rule: a case-insensitive prefix match, or
// a match anywhere in the name when nameFilter starts with "*" (only that first "*" is special).
// Case-insensitivity is this simulator's reading of the documentation, which does not say.
func MatchesNameFilter(nameFilter, name string) bool {
	name = strings.ToLower(name)
	if rest, anywhere := strings.CutPrefix(nameFilter, "*"); anywhere {
		return strings.Contains(name, strings.ToLower(rest))
	}
	return strings.HasPrefix(name, strings.ToLower(nameFilter))
}

// companyObject is the company shape of findCompaniesByName and getCompanyDetails.
func companyObject(c *Company) map[string]any {
	return map[string]any{
		"type":                c.Type,
		"name":                c.Name,
		"id":                  c.ID,
		"address":             "",
		"phone":               "",
		"canBeManagedByAbove": true,
		"enforce2FA":          false,
		"skip2FAPeriod":       0,
		"isSuspended":         c.Suspended,
		"createdAt":           c.CreatedAt,
		"country":             "N/A",
		"state":               "N/A",
		"industry":            0,
		"contactPerson":       map[string]any{"fullName": "", "email": "", "phoneNumber": ""},
	}
}

func (s *Server) getAPIKeyDetails(_ *http.Request, p params) (any, *rpcError) {
	if err := p.only(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return map[string]any{"enabledApis": append([]string(nil), s.enabledList...), "createdAt": s.keyCreatedAt}, nil
}

func (s *Server) getCompaniesList(_ *http.Request, p params) (any, *rpcError) {
	if err := p.only("parentId", "filters"); err != nil {
		return nil, err
	}
	parentID, err := p.str("parentId")
	if err != nil {
		return nil, err
	}
	filters, err := p.object("filters")
	if err != nil {
		return nil, err
	}
	if err := filters.only("companyType", "licenseType"); err != nil {
		return nil, err
	}
	companyType, err := filters.integer("companyType")
	if err != nil {
		return nil, err
	}
	if filters.present("companyType") && companyType != TypePartner && companyType != TypeCustomer {
		return nil, invalidParams("The companyType filter must be 0 or 1.")
	}
	licenseType, err := filters.integer("licenseType")
	if err != nil {
		return nil, err
	}
	if filters.present("licenseType") && (licenseType < 1 || licenseType > 3) {
		return nil, invalidParams("The licenseType filter must be 1, 2 or 3.")
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	parent, rerr := s.parentLocked(parentID)
	if rerr != nil {
		return nil, rerr
	}
	out := []map[string]string{}
	for _, c := range s.companies {
		if c.ParentID != parent.ID {
			continue
		}
		if filters.present("companyType") && c.Type != companyType {
			continue
		}
		if filters.present("licenseType") && c.LicenseType != licenseType {
			continue
		}
		out = append(out, map[string]string{"id": c.ID, "name": c.Name})
	}
	return out, nil
}

func (s *Server) findCompaniesByName(_ *http.Request, p params) (any, *rpcError) {
	if err := p.only("nameFilter", "maxResults"); err != nil {
		return nil, err
	}
	filter, err := p.str("nameFilter")
	if err != nil {
		return nil, err
	}
	if filter == "" {
		return nil, invalidParams("The nameFilter parameter is required.")
	}
	limit := findDefaultResults
	if p.present("maxResults") {
		if limit, err = p.integer("maxResults"); err != nil {
			return nil, err
		}
		if limit < 1 || limit > findMaxResults {
			return nil, invalidParams("The maxResults parameter must be between 1 and %d.", findMaxResults)
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	out := []map[string]any{}
	for _, c := range s.companies {
		if len(out) == limit {
			break
		}
		if MatchesNameFilter(filter, c.Name) {
			out = append(out, companyObject(c))
		}
	}
	return out, nil
}

func (s *Server) getCompanyDetails(_ *http.Request, p params) (any, *rpcError) {
	if err := p.only("companyId"); err != nil {
		return nil, err
	}
	id, err := p.str("companyId")
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if id == "" || id == s.partner.ID {
		return companyObject(s.partner), nil
	}
	if c := s.byIDLocked(id); c != nil {
		return companyObject(c), nil
	}
	return nil, invalidParams("The company with ID %q was not found.", id)
}

// createParams are createCompany's documented parameters; the ones the simulator does not model
// are type-checked where their type is documented and otherwise accepted.
var createParams = []string{
	"type", "name", "parentId", "address", "country", "state", "phone", "industry",
	"canBeManagedByAbove", "enforce2FA", "skip2FAPeriod", "emailAddress", "fullName",
	"licenseSubscription",
}

func (s *Server) createCompany(r *http.Request, p params) (any, *rpcError) {
	if err := p.only(createParams...); err != nil {
		return nil, err
	}
	if !p.present("type") {
		return nil, invalidParams("The type parameter is required.")
	}
	typ, err := p.integer("type")
	if err != nil {
		return nil, err
	}
	if typ != TypePartner && typ != TypeCustomer {
		return nil, invalidParams("The type parameter must be 0 (partner) or 1 (customer).")
	}
	name, err := p.str("name")
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(name) == "" {
		return nil, invalidParams("The name parameter is required.")
	}
	if utf8.RuneCountInString(name) > maxNameLength {
		return nil, invalidParams("The company name must have at most %d characters.", maxNameLength)
	}
	parentID, err := p.str("parentId")
	if err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name  string
		limit int // 0: no documented limit
	}{{"address", 128}, {"phone", 32}, {"country", 0}, {"state", 0}, {"emailAddress", 0}, {"fullName", 0}} {
		v, err := p.str(f.name)
		if err != nil {
			return nil, err
		}
		if f.limit > 0 && utf8.RuneCountInString(v) > f.limit {
			return nil, invalidParams("The %s parameter must have at most %d characters.", f.name, f.limit)
		}
	}
	for _, field := range []string{"canBeManagedByAbove", "enforce2FA"} {
		if err := p.boolean(field); err != nil {
			return nil, err
		}
	}
	if skip, err := p.integer("skip2FAPeriod"); err != nil {
		return nil, err
	} else if p.present("skip2FAPeriod") && !oneOf(skip, 0, 1, 3, 7, 14, 30, 90) {
		return nil, invalidParams("The skip2FAPeriod parameter must be one of 0, 1, 3, 7, 14, 30, 90.")
	}
	if _, err := p.object("licenseSubscription"); err != nil {
		return nil, err
	}

	s.mu.Lock()
	parent, rerr := s.parentLocked(parentID)
	if rerr != nil {
		s.mu.Unlock()
		return nil, rerr
	}
	if holder := s.byNameLocked(name); holder != nil {
		s.mu.Unlock()
		return nil, invalidParams("A company with the name %q already exists.", holder.Name)
	}
	c := s.newCompany(FixtureCompany{Name: name, IsPartner: typ == TypePartner}, parent.ID)
	s.companies = append(s.companies, c)
	s.mu.Unlock()

	s.SlowCreate(r)
	return c.ID, nil
}

// parentLocked resolves a parentId parameter: empty means the key's partner; otherwise it must
// be the partner or a partner company below it.
func (s *Server) parentLocked(id string) (*Company, *rpcError) {
	if id == "" || id == s.partner.ID {
		return s.partner, nil
	}
	c := s.byIDLocked(id)
	if c == nil {
		return nil, invalidParams("The company with ID %q was not found.", id)
	}
	if c.Type != TypePartner {
		return nil, invalidParams("The company with ID %q is not a partner company.", id)
	}
	return c, nil
}

func (s *Server) byIDLocked(id string) *Company {
	for _, c := range s.companies {
		if c.ID == id {
			return c
		}
	}
	return nil
}

// byNameLocked finds the holder of name among all companies, the partner included; GravityZone
// names are unique, which the simulator reads as case-insensitively unique.
func (s *Server) byNameLocked(name string) *Company {
	if strings.EqualFold(s.partner.Name, name) {
		return s.partner
	}
	for _, c := range s.companies {
		if strings.EqualFold(c.Name, name) {
			return c
		}
	}
	return nil
}

func oneOf(v int, allowed ...int) bool {
	for _, a := range allowed {
		if v == a {
			return true
		}
	}
	return false
}
