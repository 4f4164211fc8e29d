package connectwise

import (
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// siteProblems validates a site about to be stored under company companyID.
func (st *state) siteProblems(companyID int, s *Site) []FieldError {
	var errs []FieldError
	switch {
	case strings.TrimSpace(s.Name) == "":
		errs = append(errs, FieldError{Code: "NullValue", Field: "name", Message: "name may not be null."})
	case utf8.RuneCountInString(s.Name) > maxSiteName:
		errs = append(errs, FieldError{Code: "OutOfRange", Field: "name", Message: fmt.Sprintf("name exceeds %d characters.", maxSiteName)})
	default:
		for _, o := range st.sites {
			if o.Company.ID == companyID && foldName(o.Name) == foldName(s.Name) {
				errs = append(errs, FieldError{Code: "ObjectExists", Field: "name", Message: "The site name already exists for this company."})
				break
			}
		}
	}
	return errs
}

func (st *state) addSite(companyID int, s Site) (Site, error) {
	c, ok := st.byID[companyID]
	if !ok {
		return s, fmt.Errorf("site %q: company %d not found", s.Name, companyID)
	}
	if errs := st.siteProblems(companyID, &s); len(errs) > 0 {
		return s, fmt.Errorf("site %q: %s", s.Name, errs[0].Message)
	}
	for _, o := range st.sites {
		if s.ID != 0 && o.ID == s.ID {
			return s, fmt.Errorf("site id %d used twice", s.ID)
		}
	}
	s.ID = st.newID("site", s.ID)
	s.Company = &Ref{ID: c.ID, Identifier: c.Identifier, Name: c.Name}
	s.Info = st.stamp(s.Info)
	st.sites = append(st.sites, &s)
	if s.PrimaryAddressFlag && c.Site == nil {
		c.Site = &Ref{ID: s.ID, Name: s.Name}
	}
	return s.clone(), nil
}

func (s *Server) listSites(w http.ResponseWriter, r *http.Request, companyID int) {
	s.mu.Lock()
	_, ok := s.state.byID[companyID]
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "NotFound", fmt.Sprintf("Company recId %d not found.", companyID))
		return
	}
	serveList(s, w, r, func(st *state) []*Site {
		var out []*Site
		for _, site := range st.sites {
			if site.Company.ID == companyID {
				out = append(out, site)
			}
		}
		return out
	}, Site.clone)
}

func (s *Server) createSite(w http.ResponseWriter, r *http.Request, companyID int) {
	var in Site
	if !decodeBody(w, r, &in) {
		return
	}
	in.ID, in.Info, in.Company = 0, nil, nil
	s.mu.Lock()
	st := s.state
	if _, ok := st.byID[companyID]; !ok {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, "NotFound", fmt.Sprintf("Company recId %d not found.", companyID))
		return
	}
	if errs := st.siteProblems(companyID, &in); len(errs) > 0 {
		s.mu.Unlock()
		writeInvalid(w, "site", errs)
		return
	}
	site, err := st.addSite(companyID, in)
	s.mu.Unlock()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "ConnectWiseApi", err.Error())
		return
	}
	s.SlowCreate(r)
	writeJSON(w, http.StatusCreated, site)
}

// AddSite seeds a site of a company (ID 0 takes the next free id).
func (s *Server) AddSite(companyID int, site Site) (Site, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state.addSite(companyID, site)
}

// Sites returns a copy of a company's sites in creation order.
func (s *Server) Sites(companyID int) []Site {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Site
	for _, site := range s.state.sites {
		if site.Company.ID == companyID {
			out = append(out, site.clone())
		}
	}
	return out
}
