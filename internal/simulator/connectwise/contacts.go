package connectwise

import (
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

const maxContactName = 30

// resolveContact validates a contact and fills reference names; communication item types may
// be given by id or by name (`{"name":"Email"}`), as CW accepts either.
func (st *state) resolveContact(c *Contact) []FieldError {
	var errs []FieldError
	switch {
	case strings.TrimSpace(c.FirstName) == "":
		errs = append(errs, FieldError{Code: "NullValue", Field: "firstName", Message: "firstName may not be null."})
	case utf8.RuneCountInString(c.FirstName) > maxContactName:
		errs = append(errs, FieldError{Code: "OutOfRange", Field: "firstName", Message: fmt.Sprintf("firstName exceeds %d characters.", maxContactName)})
	}
	if utf8.RuneCountInString(c.LastName) > maxContactName {
		errs = append(errs, FieldError{Code: "OutOfRange", Field: "lastName", Message: fmt.Sprintf("lastName exceeds %d characters.", maxContactName)})
	}
	var company *Company
	if c.Company != nil {
		if company = st.byID[c.Company.ID]; company == nil {
			errs = append(errs, FieldError{Code: "NotFound", Field: "company", Message: fmt.Sprintf("company id %d not found.", c.Company.ID)})
		} else {
			c.Company = &Ref{ID: company.ID, Identifier: company.Identifier, Name: company.Name}
		}
	}
	if c.Site != nil {
		found := false
		for _, s := range st.sites {
			if s.ID == c.Site.ID && company != nil && s.Company.ID == company.ID {
				c.Site, found = &Ref{ID: s.ID, Name: s.Name}, true
			}
		}
		if !found {
			errs = append(errs, FieldError{Code: "NotFound", Field: "site", Message: fmt.Sprintf("site id %d not found for this company.", c.Site.ID)})
		}
	}
	for i := range c.CommunicationItems {
		it := &c.CommunicationItems[i]
		if strings.TrimSpace(it.Value) == "" {
			errs = append(errs, FieldError{Code: "NullValue", Field: "communicationItems", Message: "value may not be null."})
			continue
		}
		var ct *CommunicationType
		for j := range st.commTypes {
			t := &st.commTypes[j]
			if it.Type != nil && ((it.Type.ID != 0 && it.Type.ID == t.ID) || (it.Type.ID == 0 && strings.EqualFold(it.Type.Name, t.Name))) {
				ct = t
			}
		}
		if ct == nil {
			errs = append(errs, FieldError{Code: "NotFound", Field: "communicationItems", Message: "communication type not found."})
			continue
		}
		it.Type = &Ref{ID: ct.ID, Name: ct.Name}
		it.CommunicationType = ct.Kind
	}
	return errs
}

func (st *state) addContact(c Contact) (Contact, error) {
	if errs := st.resolveContact(&c); len(errs) > 0 {
		return c, fmt.Errorf("contact %q: %s: %s", c.FirstName, errs[0].Field, errs[0].Message)
	}
	for _, o := range st.contacts {
		if c.ID != 0 && o.ID == c.ID {
			return c, fmt.Errorf("contact id %d used twice", c.ID)
		}
	}
	c.ID = st.newID("contact", c.ID)
	for i := range c.CommunicationItems {
		c.CommunicationItems[i].ID = st.newID("communicationItem", 0)
	}
	c.DefaultPhoneNbr = ""
	for _, it := range c.CommunicationItems {
		if it.CommunicationType == "Phone" && (it.DefaultFlag || c.DefaultPhoneNbr == "") {
			c.DefaultPhoneNbr = it.Value
		}
	}
	c.Info = st.stamp(c.Info)
	st.contacts = append(st.contacts, &c)
	return c.clone(), nil
}

func contactsOf(st *state) []*Contact { return st.contacts }

func (s *Server) listContacts(w http.ResponseWriter, r *http.Request, _ int) {
	serveList(s, w, r, contactsOf, Contact.clone)
}

func (s *Server) createContact(w http.ResponseWriter, r *http.Request, _ int) {
	var in Contact
	if !decodeBody(w, r, &in) {
		return
	}
	in.ID, in.Info = 0, nil
	s.mu.Lock()
	if errs := s.state.resolveContact(&in); len(errs) > 0 {
		s.mu.Unlock()
		writeInvalid(w, "contact", errs)
		return
	}
	out, err := s.state.addContact(in)
	s.mu.Unlock()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "ConnectWiseApi", err.Error())
		return
	}
	s.SlowCreate(r)
	writeJSON(w, http.StatusCreated, out)
}

// AddContact seeds a contact (ID 0 takes the next free id).
func (s *Server) AddContact(c Contact) (Contact, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state.addContact(c)
}

// Contacts returns a copy of every contact in creation order.
func (s *Server) Contacts() []Contact {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Contact, len(s.state.contacts))
	for i, c := range s.state.contacts {
		out[i] = c.clone()
	}
	return out
}
