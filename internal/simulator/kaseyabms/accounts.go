package kaseyabms

import (
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Field limits the simulator enforces on accounts (the real limits are not published; these
// are generous so they only catch clients that send unbounded text).
const (
	maxNameLen = 255
	maxCodeLen = 50
)

// ---- handlers --------------------------------------------------------------------------------

func (s *Server) listAccounts(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	items := make([]wireAccount, 0, len(s.accounts))
	for _, a := range s.accounts {
		if s.Visible(accountKey(a.ID)) {
			items = append(items, s.accountWire(a))
		}
	}
	s.mu.Unlock()
	list(s, w, r, accountSchema, items, wireAccount.props)
}

func (s *Server) getAccount(w http.ResponseWriter, r *http.Request) {
	id, okID := s.pathID(w, r)
	if !okID {
		return
	}
	s.mu.Lock()
	i := s.accountIndex(id)
	var out wireAccount
	if i >= 0 {
		out = s.accountWire(s.accounts[i])
	}
	s.mu.Unlock()
	if i < 0 {
		s.fail(w, http.StatusNotFound, "Account not found.")
		return
	}
	ok(w, out)
}

func (s *Server) listStatuses(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	items := make([]wireStatus, 0, len(s.statuses))
	for _, st := range s.statuses {
		items = append(items, wireStatus{ID: st.ID, Name: st.Name, IsActive: !st.Inactive})
	}
	s.mu.Unlock()
	list(s, w, r, statusSchema, items, wireStatus.props)
}

func (s *Server) listTypes(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	items := make([]wireType, 0, len(s.types))
	for _, t := range s.types {
		items = append(items, wireType{ID: t.ID, Name: t.Name})
	}
	s.mu.Unlock()
	list(s, w, r, typeSchema, items, wireType.props)
}

// createAccount is POST /api/crm/accounts. Account names are unique per tenant
// (case-insensitive, surrounding blanks ignored); a duplicate is refused with 400 and an Error
// text naming the clash. The account gets a main location "Main", as the BMS UI creates one
// from the account's address.
func (s *Server) createAccount(w http.ResponseWriter, r *http.Request) {
	var in accountIn
	if !s.readJSON(w, r, &in) {
		return
	}
	a := Account{AccountName: in.AccountName, AccountCode: in.AccountCode}
	if in.AccountTypeID != nil {
		a.AccountTypeID = *in.AccountTypeID
	}
	if in.StatusID != nil {
		a.StatusID = *in.StatusID
	}
	s.mu.Lock()
	created, err := s.insertAccount(a)
	var out wireAccount
	if err == nil {
		out = s.accountWire(created)
	}
	s.mu.Unlock()
	if err != nil {
		s.fail(w, http.StatusBadRequest, err.Error())
		return
	}
	s.HideCreated(accountKey(created.ID))
	s.SlowCreate(r)
	ok(w, out)
}

// accountKey names an account for the simkit fault switches.
func accountKey(id int64) string { return fmt.Sprintf("account/%d", id) }

// ---- state (callers hold s.mu) ---------------------------------------------------------------

// insertAccount validates and stores a new account with its main location.
func (s *Server) insertAccount(a Account) (Account, error) {
	a.AccountName = strings.TrimSpace(a.AccountName)
	a.AccountCode = strings.TrimSpace(a.AccountCode)
	switch {
	case a.AccountName == "":
		return a, fmt.Errorf("AccountName is required.")
	case utf8.RuneCountInString(a.AccountName) > maxNameLen:
		return a, fmt.Errorf("AccountName cannot be longer than %d characters.", maxNameLen)
	case utf8.RuneCountInString(a.AccountCode) > maxCodeLen:
		return a, fmt.Errorf("AccountCode cannot be longer than %d characters.", maxCodeLen)
	}
	if a.AccountTypeID != 0 && s.typeName(a.AccountTypeID) == nil {
		return a, fmt.Errorf("Invalid AccountTypeId %d.", a.AccountTypeID)
	}
	if a.StatusID == 0 {
		a.StatusID = s.defaultStatus()
	} else if _, found := s.status(a.StatusID); !found {
		return a, fmt.Errorf("Invalid StatusId %d.", a.StatusID)
	}
	for _, other := range s.accounts {
		if strings.EqualFold(other.AccountName, a.AccountName) {
			return a, fmt.Errorf("An account with the name '%s' already exists.", other.AccountName)
		}
	}
	a.ID = s.newID("account")
	s.accounts = append(s.accounts, a)
	s.ensureMain(a.ID)
	return a, nil
}

func (s *Server) accountIndex(id int64) int {
	for i, a := range s.accounts {
		if a.ID == id {
			return i
		}
	}
	return -1
}

func (s *Server) status(id int64) (Status, bool) {
	for _, st := range s.statuses {
		if st.ID == id {
			return st, true
		}
	}
	return Status{}, false
}

func (s *Server) typeName(id int64) *string {
	for _, t := range s.types {
		if t.ID == id {
			name := t.Name
			return &name
		}
	}
	return nil
}

// defaultStatus is the status an account gets when none is given: the first active one.
func (s *Server) defaultStatus() int64 {
	for _, st := range s.statuses {
		if !st.Inactive {
			return st.ID
		}
	}
	return 0
}

// accountWire renders an account with its status and type names; an account is active when its
// status is.
func (s *Server) accountWire(a Account) wireAccount {
	out := wireAccount{ID: a.ID, AccountName: a.AccountName, AccountCode: a.AccountCode, StatusID: a.StatusID,
		IsActive: true}
	if a.AccountTypeID != 0 {
		id := a.AccountTypeID
		out.AccountTypeID = &id
		out.AccountType = s.typeName(id)
	}
	if st, found := s.status(a.StatusID); found {
		out.Status = st.Name
		out.IsActive = !st.Inactive
	}
	return out
}

// ---- test helpers ----------------------------------------------------------------------------

// Accounts returns a copy of every account in id order.
func (s *Server) Accounts() []Account {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Account(nil), s.accounts...)
}

// AddAccount stores an account as a person would in the UI: the same validation and name
// uniqueness as the API, and a main location "Main".
func (s *Server) AddAccount(a Account) (Account, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.insertAccount(a)
}

// SetAccountStatus changes an account's status (e.g. to an inactive one).
func (s *Server) SetAccountStatus(accountID, statusID int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.accountIndex(accountID)
	if i < 0 {
		return fmt.Errorf("account %d not found", accountID)
	}
	if _, found := s.status(statusID); !found {
		return fmt.Errorf("status %d not found", statusID)
	}
	s.accounts[i].StatusID = statusID
	return nil
}

// RenameAccount renames an account as a person would (uniqueness still applies).
func (s *Server) RenameAccount(accountID int64, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.accountIndex(accountID)
	if i < 0 {
		return fmt.Errorf("account %d not found", accountID)
	}
	name = strings.TrimSpace(name)
	for _, other := range s.accounts {
		if other.ID != accountID && strings.EqualFold(other.AccountName, name) {
			return fmt.Errorf("an account with the name '%s' already exists", other.AccountName)
		}
	}
	s.accounts[i].AccountName = name
	return nil
}

// DeleteAccount removes an account and everything under it, as a person deleting it in BMS.
func (s *Server) DeleteAccount(accountID int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.accountIndex(accountID)
	if i < 0 {
		return false
	}
	s.accounts = append(s.accounts[:i], s.accounts[i+1:]...)
	s.locations = without(s.locations, func(l Location) bool { return l.AccountID == accountID })
	s.departments = without(s.departments, func(d Department) bool { return d.AccountID == accountID })
	s.assets = without(s.assets, func(a Asset) bool { return a.AccountID == accountID })
	s.contacts = without(s.contacts, func(c Contact) bool { return c.AccountID == accountID })
	return true
}

func without[T any](items []T, drop func(T) bool) []T {
	out := items[:0]
	for _, it := range items {
		if !drop(it) {
			out = append(out, it)
		}
	}
	return out
}
