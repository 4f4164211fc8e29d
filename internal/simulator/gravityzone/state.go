package gravityzone

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Companies returns every company below the partner, in creation order.
func (s *Server) Companies() []Company {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Company, 0, len(s.companies))
	for _, c := range s.companies {
		out = append(out, *c)
	}
	return out
}

// Partner returns the company the API keys belong to.
func (s *Server) Partner() Company {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.partner
}

// AddCompany seeds a company at run time under the same rules as createCompany (unique name,
// at most 64 characters, an existing partner parent; empty ParentID means the key's partner).
func (s *Server) AddCompany(fc FixtureCompany) (Company, error) {
	if strings.TrimSpace(fc.Name) == "" || utf8.RuneCountInString(fc.Name) > maxNameLength {
		return Company{}, fmt.Errorf("company name %q is empty or longer than %d characters", fc.Name, maxNameLength)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if holder := s.byNameLocked(fc.Name); holder != nil {
		return Company{}, fmt.Errorf("company name %q is already used by %s", fc.Name, holder.ID)
	}
	if fc.ID != "" && (fc.ID == s.partner.ID || s.byIDLocked(fc.ID) != nil) {
		return Company{}, fmt.Errorf("company id %q is already used", fc.ID)
	}
	parent, rerr := s.parentLocked(fc.ParentID)
	if rerr != nil {
		return Company{}, fmt.Errorf("%s", rerr.Data.Details)
	}
	c := s.newCompany(fc, parent.ID)
	s.companies = append(s.companies, c)
	return *c, nil
}

// SetSuspended suspends or re-activates a company; it reports whether the id exists.
func (s *Server) SetSuspended(id string, suspended bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.byIDLocked(id); c != nil {
		c.Suspended = suspended
		return true
	}
	return false
}

// SetAPIKeys replaces the accepted keys, e.g. to revoke a key in the middle of a session.
func (s *Server) SetAPIKeys(keys ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = map[string]bool{}
	for _, k := range keys {
		s.keys[k] = true
	}
}

// SetEnabledAPIs replaces the services the keys may call (general stays callable).
func (s *Server) SetEnabledAPIs(apis ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.enabledList = append([]string{}, apis...)
	s.enabled = map[string]bool{}
	for _, a := range apis {
		s.enabled[strings.ToLower(a)] = true
	}
}
