package kaseyabms

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// mainLocationName is the name of the location an account gets when it is created.
const mainLocationName = "Main"

func (s *Server) listAccountLocations(w http.ResponseWriter, r *http.Request) {
	id, okID := s.pathID(w, r)
	if !okID {
		return
	}
	s.mu.Lock()
	found := s.accountIndex(id) >= 0
	var items []wireLocation
	for _, l := range s.locations {
		if l.AccountID == id {
			items = append(items, locationWire(l))
		}
	}
	s.mu.Unlock()
	if !found {
		s.fail(w, http.StatusNotFound, "Account not found.")
		return
	}
	list(s, w, r, locationSchema, items, wireLocation.props)
}

func (s *Server) listLocations(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	items := make([]wireLocation, 0, len(s.locations))
	for _, l := range s.locations {
		items = append(items, locationWire(l))
	}
	s.mu.Unlock()
	list(s, w, r, locationSchema, items, wireLocation.props)
}

func (s *Server) getLocation(w http.ResponseWriter, r *http.Request) {
	id, okID := s.pathID(w, r)
	if !okID {
		return
	}
	s.mu.Lock()
	i := s.locationIndex(id)
	var out wireLocation
	if i >= 0 {
		out = locationWire(s.locations[i])
	}
	s.mu.Unlock()
	if i < 0 {
		s.fail(w, http.StatusNotFound, "Location not found.")
		return
	}
	ok(w, out)
}

// createLocation is POST /api/crm/locations {AccountId, LocationName, Addresses}. Location names
// are unique within an account (case-insensitive); the first location of an account is main.
func (s *Server) createLocation(w http.ResponseWriter, r *http.Request) {
	var in locationIn
	if !s.readJSON(w, r, &in) {
		return
	}
	l := Location{AccountID: in.AccountID, LocationName: in.LocationName}
	for _, a := range in.Addresses {
		l.Addresses = append(l.Addresses, Address(a))
	}
	s.mu.Lock()
	created, err := s.insertLocation(l)
	s.mu.Unlock()
	if err != nil {
		s.fail(w, http.StatusBadRequest, err.Error())
		return
	}
	s.SlowCreate(r)
	ok(w, locationWire(created))
}

func locationWire(l Location) wireLocation {
	out := wireLocation{ID: l.ID, AccountID: l.AccountID, LocationName: l.LocationName, IsMain: l.IsMain,
		Addresses: []wireAddress{}}
	for _, a := range l.Addresses {
		out.Addresses = append(out.Addresses, wireAddress(a))
	}
	return out
}

// ---- state (callers hold s.mu) ---------------------------------------------------------------

func (s *Server) insertLocation(l Location) (Location, error) {
	l.LocationName = strings.TrimSpace(l.LocationName)
	switch {
	case l.AccountID == 0 || s.accountIndex(l.AccountID) < 0:
		return l, fmt.Errorf("Invalid AccountId %d.", l.AccountID)
	case l.LocationName == "":
		return l, errors.New("LocationName is required.")
	case utf8.RuneCountInString(l.LocationName) > maxNameLen:
		return l, fmt.Errorf("LocationName cannot be longer than %d characters.", maxNameLen)
	}
	if other := s.locationByName(l.AccountID, l.LocationName, 0); other != nil {
		return l, fmt.Errorf("A location with the name '%s' already exists for this account.", other.LocationName)
	}
	l.ID = s.newID("location")
	l.IsMain = s.mainLocation(l.AccountID) == 0
	s.locations = append(s.locations, l)
	return l, nil
}

func (s *Server) locationIndex(id int64) int {
	for i, l := range s.locations {
		if l.ID == id {
			return i
		}
	}
	return -1
}

// locationByName finds a location of an account by name, case-insensitively, ignoring except.
func (s *Server) locationByName(accountID int64, name string, except int64) *Location {
	for i, l := range s.locations {
		if l.AccountID == accountID && l.ID != except && strings.EqualFold(l.LocationName, name) {
			return &s.locations[i]
		}
	}
	return nil
}

// mainLocation is the id of an account's main location, or 0.
func (s *Server) mainLocation(accountID int64) int64 {
	for _, l := range s.locations {
		if l.AccountID == accountID && l.IsMain {
			return l.ID
		}
	}
	return 0
}

// ensureMain gives an account a main location: its first location, or a new "Main".
func (s *Server) ensureMain(accountID int64) {
	if s.mainLocation(accountID) != 0 {
		return
	}
	for i, l := range s.locations {
		if l.AccountID == accountID {
			s.locations[i].IsMain = true
			return
		}
	}
	s.locations = append(s.locations, Location{ID: s.newID("location"), AccountID: accountID,
		LocationName: mainLocationName, IsMain: true})
}

// ---- test helpers ----------------------------------------------------------------------------

// Locations returns the locations of an account (every location when accountID is 0).
func (s *Server) Locations(accountID int64) []Location {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Location
	for _, l := range s.locations {
		if accountID == 0 || l.AccountID == accountID {
			out = append(out, l)
		}
	}
	return out
}

// AddLocation stores a location with the API's validation.
func (s *Server) AddLocation(l Location) (Location, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.insertLocation(l)
}

// RenameLocation renames a location as a person editing it in CRM would; a sync that looks for
// the old name then finds it missing (the Group Id seed: it is re-created at the next sync).
func (s *Server) RenameLocation(locationID int64, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.locationIndex(locationID)
	if i < 0 {
		return fmt.Errorf("location %d not found", locationID)
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return errors.New("location name is required")
	}
	if other := s.locationByName(s.locations[i].AccountID, name, locationID); other != nil {
		return fmt.Errorf("a location with the name '%s' already exists for this account", other.LocationName)
	}
	s.locations[i].LocationName = name
	return nil
}

// SetMainLocation makes a location its account's main one ("Convert to Main" in the UI).
func (s *Server) SetMainLocation(locationID int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.locationIndex(locationID)
	if i < 0 {
		return fmt.Errorf("location %d not found", locationID)
	}
	account := s.locations[i].AccountID
	for j := range s.locations {
		if s.locations[j].AccountID == account {
			s.locations[j].IsMain = j == i
		}
	}
	return nil
}
