package kaseyabms

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Contacts live at /api/crm/contacts (GET list with OData, POST create). The create body is the
// one open-source BMS clients send: {AccountId, LocationId, FirstName, LastName,
// DefaultEmailTypeId, DefaultEmailAddress, DefaultPhoneTypeId, DefaultPhoneNumber}. The
// simulator requires both names and a location of the account, and a type id with each
// default email or phone. Contacts are not unique by name or email.

func (s *Server) listContacts(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	items := make([]wireContact, 0, len(s.contacts))
	for _, c := range s.contacts {
		items = append(items, wireContact(c))
	}
	s.mu.Unlock()
	list(s, w, r, contactSchema, items, wireContact.props)
}

func (s *Server) createContact(w http.ResponseWriter, r *http.Request) {
	var in contactIn
	if !s.readJSON(w, r, &in) {
		return
	}
	switch {
	case strings.TrimSpace(in.DefaultEmailAddress) != "" && (in.DefaultEmailTypeID == nil || *in.DefaultEmailTypeID <= 0):
		s.fail(w, http.StatusBadRequest, "DefaultEmailTypeId is required with DefaultEmailAddress.")
		return
	case strings.TrimSpace(in.DefaultPhoneNumber) != "" && (in.DefaultPhoneTypeID == nil || *in.DefaultPhoneTypeID <= 0):
		s.fail(w, http.StatusBadRequest, "DefaultPhoneTypeId is required with DefaultPhoneNumber.")
		return
	}
	c := Contact{AccountID: in.AccountID, LocationID: in.LocationID, FirstName: in.FirstName, LastName: in.LastName,
		DefaultEmailAddress: in.DefaultEmailAddress, DefaultPhoneNumber: in.DefaultPhoneNumber}
	if c.LocationID == 0 {
		s.fail(w, http.StatusBadRequest, "LocationId is required.")
		return
	}
	s.mu.Lock()
	created, err := s.insertContact(c)
	s.mu.Unlock()
	if err != nil {
		s.fail(w, http.StatusBadRequest, err.Error())
		return
	}
	s.SlowCreate(r)
	ok(w, wireContact(created))
}

// insertContact validates and stores a contact; a zero LocationID means the main location
// (helpers only: the API requires one). The caller holds s.mu.
func (s *Server) insertContact(c Contact) (Contact, error) {
	c.FirstName = strings.TrimSpace(c.FirstName)
	c.LastName = strings.TrimSpace(c.LastName)
	c.DefaultEmailAddress = strings.TrimSpace(c.DefaultEmailAddress)
	c.DefaultPhoneNumber = strings.TrimSpace(c.DefaultPhoneNumber)
	switch {
	case c.AccountID == 0 || s.accountIndex(c.AccountID) < 0:
		return c, fmt.Errorf("Invalid AccountId %d.", c.AccountID)
	case c.FirstName == "":
		return c, errors.New("FirstName is required.")
	case c.LastName == "":
		return c, errors.New("LastName is required.")
	case utf8.RuneCountInString(c.FirstName) > maxNameLen || utf8.RuneCountInString(c.LastName) > maxNameLen:
		return c, fmt.Errorf("FirstName and LastName cannot be longer than %d characters.", maxNameLen)
	case c.DefaultEmailAddress != "" && !strings.Contains(c.DefaultEmailAddress, "@"):
		return c, errors.New("DefaultEmailAddress is not a valid email address.")
	}
	if c.LocationID == 0 {
		c.LocationID = s.mainLocation(c.AccountID)
	} else if i := s.locationIndex(c.LocationID); i < 0 || s.locations[i].AccountID != c.AccountID {
		return c, fmt.Errorf("Invalid LocationId %d for account %d.", c.LocationID, c.AccountID)
	}
	c.ID = s.newID("contact")
	s.contacts = append(s.contacts, c)
	return c, nil
}

// Contacts returns the contacts of an account (every contact when accountID is 0).
func (s *Server) Contacts(accountID int64) []Contact {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Contact
	for _, c := range s.contacts {
		if accountID == 0 || c.AccountID == accountID {
			out = append(out, c)
		}
	}
	return out
}

// AddContact stores a contact with the API's validation; LocationID 0 means the main location.
func (s *Server) AddContact(c Contact) (Contact, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.insertContact(c)
}
