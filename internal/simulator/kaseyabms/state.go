package kaseyabms

import (
	"fmt"
	"slices"
)

// Accessors for tests and cmd/vendorsim: they read and change the tenant as a person working in
// the BMS screens would.

// Accounts returns every account in id order.
func (s *Server) Accounts() []Account {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.accounts)
}

// AddAccount adds an account (with a main location "Main").
func (s *Server) AddAccount(a Account) Account {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a.ID == 0 {
		a.ID = s.newID("account")
	} else {
		s.bump("account", a.ID)
	}
	s.accounts = append(s.accounts, a)
	sortByID(s.accounts, func(a Account) int64 { return a.ID })
	s.ensureMain(a.ID)
	return a
}

// SetAccountActive activates or deactivates an account.
func (s *Server) SetAccountActive(accountID int64, active bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.accounts {
		if s.accounts[i].ID == accountID {
			s.accounts[i].Inactive = !active
			return nil
		}
	}
	return fmt.Errorf("no account %d", accountID)
}

// RenameAccount renames an account.
func (s *Server) RenameAccount(accountID int64, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.accounts {
		if s.accounts[i].ID == accountID {
			s.accounts[i].AccountName = name
			return nil
		}
	}
	return fmt.Errorf("no account %d", accountID)
}

// Locations returns an account's locations in id order.
func (s *Server) Locations(accountID int64) []Location {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Location
	for _, l := range s.locations {
		if l.AccountID == accountID {
			out = append(out, l)
		}
	}
	return out
}

// AddLocation adds a location to an account, as a person does in CRM > Accounts > Locations.
func (s *Server) AddLocation(l Location) (Location, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.hasAccount(l.AccountID) {
		return Location{}, fmt.Errorf("no account %d", l.AccountID)
	}
	l.ID = s.newID("location")
	if l.IsMain {
		for i := range s.locations {
			if s.locations[i].AccountID == l.AccountID {
				s.locations[i].IsMain = false
			}
		}
	}
	s.locations = append(s.locations, l)
	return l, nil
}

// RenameLocation renames a location.
func (s *Server) RenameLocation(locationID int64, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.locations {
		if s.locations[i].ID == locationID {
			s.locations[i].LocationName = name
			return nil
		}
	}
	return fmt.Errorf("no location %d", locationID)
}

// Assets returns an account's hardware assets in id order.
func (s *Server) Assets(accountID int64) []Asset {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Asset
	for _, a := range s.assets {
		if a.AccountID == accountID {
			out = append(out, a)
		}
	}
	return out
}

// AddAsset adds an asset, e.g. one BMS's own RMM integration imported (with AgentID).
func (s *Server) AddAsset(a Asset) Asset {
	s.mu.Lock()
	defer s.mu.Unlock()
	a.ID = s.newID("asset")
	if a.LocationID == 0 {
		a.LocationID = s.mainLocation(a.AccountID)
	}
	if a.CategoryID == 0 {
		a.CategoryID = s.categories[0].ID
	}
	s.assets = append(s.assets, a)
	return a
}

// EditAsset changes an asset in place.
func (s *Server) EditAsset(assetID int64, edit func(*Asset)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.assets {
		if s.assets[i].ID == assetID {
			edit(&s.assets[i])
			s.assets[i].ID = assetID
			return nil
		}
	}
	return fmt.Errorf("no asset %d", assetID)
}

// Contacts returns an account's contacts in id order.
func (s *Server) Contacts(accountID int64) []Contact {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Contact
	for _, c := range s.contacts {
		if c.AccountID == accountID {
			out = append(out, c)
		}
	}
	return out
}

// AddContact adds a contact at the account's main location unless one is given.
func (s *Server) AddContact(c Contact) Contact {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.ID = s.newID("contact")
	if c.LocationID == 0 {
		c.LocationID = s.mainLocation(c.AccountID)
	}
	s.contacts = append(s.contacts, c)
	return c
}
