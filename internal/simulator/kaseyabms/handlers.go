package kaseyabms

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// ---- output DTOs (swagger names) -------------------------------------------------------------

type accountSummaryOut struct {
	ID               int64  `json:"Id"`
	AccountCode      string `json:"AccountCode"`
	AccountTypeID    *int64 `json:"AccountTypeId"`
	AccountType      string `json:"AccountType"`
	AccountName      string `json:"AccountName"`
	BusinessTypeID   *int64 `json:"BusinessTypeId"`
	AccountManagerID *int64 `json:"AccountManagerId"`
	IsActive         bool   `json:"IsActive"`
	Locations        []struct {
		ID           int64  `json:"Id"`
		LocationName string `json:"LocationName"`
		IsMain       bool   `json:"IsMain"`
		IsActive     bool   `json:"IsActive"`
	} `json:"Locations"`
}

type lookupOut struct {
	ID       int64  `json:"Id"`
	Name     string `json:"Name"`
	IsActive bool   `json:"IsActive"`
}

func nz(v int64) *int64 {
	if v == 0 {
		return nil
	}
	return &v
}

// summary renders an account; the caller holds s.mu.
func (s *Server) summary(a Account) accountSummaryOut {
	out := accountSummaryOut{ID: a.ID, AccountCode: a.AccountCode, AccountTypeID: nz(a.AccountTypeID), AccountName: a.AccountName,
		BusinessTypeID: nz(a.BusinessTypeID), AccountManagerID: nz(a.AccountManagerID), IsActive: !a.Inactive}
	for _, t := range s.types {
		if t.ID == a.AccountTypeID {
			out.AccountType = t.Name
		}
	}
	for _, l := range s.locations {
		if l.AccountID == a.ID {
			out.Locations = append(out.Locations, struct {
				ID           int64  `json:"Id"`
				LocationName string `json:"LocationName"`
				IsMain       bool   `json:"IsMain"`
				IsActive     bool   `json:"IsActive"`
			}{l.ID, l.LocationName, l.IsMain, true})
		}
	}
	return out
}

func containsFold(s, sub string) bool {
	if sub == "" {
		return true
	}
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

// ---- accounts --------------------------------------------------------------------------------

// accountSummary is GET /v2/crm/accounts/summary. Filter.AccountName and Filter.AccountCode
// match as "contains", case-insensitively (an assumption; the swagger does not say).
func (s *Server) accountSummary(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	typeID, err := intParam(q, "Filter.AccountTypeId")
	if err != nil {
		s.fail(w, http.StatusBadRequest, err.Error())
		return
	}
	active, err := boolParam(q, "Filter.IsActive")
	if err != nil {
		s.fail(w, http.StatusBadRequest, err.Error())
		return
	}
	s.mu.Lock()
	var out []accountSummaryOut
	for _, a := range s.accounts {
		if !s.Visible(accountKey(a.ID)) {
			continue
		}
		if (typeID != 0 && a.AccountTypeID != typeID) || (active != nil && *active == a.Inactive) ||
			!containsFold(a.AccountName, q.Get("Filter.AccountName")) || !containsFold(a.AccountCode, q.Get("Filter.AccountCode")) {
			continue
		}
		out = append(out, s.summary(a))
	}
	s.mu.Unlock()
	page(s, w, r, out, true)
}

// accountLookup is GET /v2/crm/accounts/lookup: active accounts unless
// Filter.WithInactiveAccounts=true; Filter.Name matches as "contains".
func (s *Server) accountLookup(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	inactive, err := boolParam(q, "Filter.WithInactiveAccounts")
	if err != nil {
		s.fail(w, http.StatusBadRequest, err.Error())
		return
	}
	ids := map[int64]bool{}
	for _, v := range q["Filter.Ids"] {
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil {
			s.fail(w, http.StatusBadRequest, "The value '"+v+"' is not valid for Filter.Ids.")
			return
		}
		ids[n] = true
	}
	s.mu.Lock()
	var out []lookupOut
	for _, a := range s.accounts {
		if !s.Visible(accountKey(a.ID)) {
			continue
		}
		if (a.Inactive && (inactive == nil || !*inactive)) || !containsFold(a.AccountName, q.Get("Filter.Name")) ||
			(len(ids) > 0 && !ids[a.ID]) {
			continue
		}
		out = append(out, lookupOut{ID: a.ID, Name: a.AccountName, IsActive: !a.Inactive})
	}
	s.mu.Unlock()
	page(s, w, r, out, false)
}

type accountIn struct {
	AccountCode      *string `json:"AccountCode"`
	AccountTypeID    *int64  `json:"AccountTypeId"`
	AccountName      *string `json:"AccountName"`
	BusinessTypeID   *int64  `json:"BusinessTypeId"`
	AccountManagerID *int64  `json:"AccountManagerId"`
	IsActive         *bool   `json:"IsActive"`
	Locations        []struct {
		LocationName *string `json:"LocationName"`
		IsMain       bool    `json:"IsMain"`
		IsActive     bool    `json:"IsActive"`
		Addresses    []struct {
			Address1 *string `json:"Address1"`
			IsMain   bool    `json:"IsMain"`
		} `json:"Addresses"`
	} `json:"Locations"`
}

// createAccount is POST /v2/crm/accounts (AccountPostInputDto): AccountName, AccountTypeId,
// BusinessTypeId, AccountManagerId and Locations[{LocationName, Addresses}] are required; the
// ids must exist; names are unique per tenant (case-insensitive).
func (s *Server) createAccount(w http.ResponseWriter, r *http.Request) {
	var in accountIn
	if !s.readJSON(w, r, &in) {
		return
	}
	s.mu.Lock()
	a, err := s.validateAccount(in)
	if err != nil {
		s.mu.Unlock()
		s.fail(w, http.StatusBadRequest, err.Error())
		return
	}
	a.ID = s.newID("account")
	s.accounts = append(s.accounts, a)
	mainSeen := false
	for _, l := range in.Locations {
		isMain := l.IsMain && !mainSeen
		mainSeen = mainSeen || isMain
		s.locations = append(s.locations, Location{ID: s.newID("location"), AccountID: a.ID, LocationName: strings.TrimSpace(*l.LocationName), IsMain: isMain})
	}
	s.ensureMain(a.ID)
	out := s.summary(a)
	s.mu.Unlock()
	s.HideCreated(accountKey(a.ID))
	s.SlowCreate(r)
	s.ok(w, out)
}

// accountKey names an account for the simkit fault switches (hidden creates).
func accountKey(id int64) string { return fmt.Sprintf("account/%d", id) }

// validateAccount checks a create body; the caller holds s.mu.
func (s *Server) validateAccount(in accountIn) (Account, error) {
	var missing []string
	if in.AccountName == nil || strings.TrimSpace(*in.AccountName) == "" {
		missing = append(missing, "AccountName")
	}
	if in.AccountTypeID == nil {
		missing = append(missing, "AccountTypeId")
	}
	if in.BusinessTypeID == nil {
		missing = append(missing, "BusinessTypeId")
	}
	if in.AccountManagerID == nil {
		missing = append(missing, "AccountManagerId")
	}
	if len(in.Locations) == 0 {
		missing = append(missing, "Locations")
	}
	for i, l := range in.Locations {
		if l.LocationName == nil || strings.TrimSpace(*l.LocationName) == "" {
			missing = append(missing, fmt.Sprintf("Locations[%d].LocationName", i))
		}
		if l.Addresses == nil {
			missing = append(missing, fmt.Sprintf("Locations[%d].Addresses", i))
		}
	}
	if len(missing) > 0 {
		return Account{}, fmt.Errorf("The fields %s are required.", strings.Join(missing, ", "))
	}
	name := strings.TrimSpace(*in.AccountName)
	if !slices.ContainsFunc(s.types, func(t AccountType) bool { return t.ID == *in.AccountTypeID }) {
		return Account{}, fmt.Errorf("AccountTypeId %d does not exist.", *in.AccountTypeID)
	}
	if !slices.Contains(s.businessTypes, *in.BusinessTypeID) {
		return Account{}, fmt.Errorf("BusinessTypeId %d does not exist.", *in.BusinessTypeID)
	}
	if !slices.ContainsFunc(s.employees, func(e Employee) bool { return e.ID == *in.AccountManagerID && !e.Inactive }) {
		return Account{}, fmt.Errorf("AccountManagerId %d is not an active employee.", *in.AccountManagerID)
	}
	for _, a := range s.accounts {
		if strings.EqualFold(a.AccountName, name) {
			return Account{}, fmt.Errorf("An account with the name '%s' already exists.", name)
		}
	}
	a := Account{AccountName: name, AccountTypeID: *in.AccountTypeID, BusinessTypeID: *in.BusinessTypeID,
		AccountManagerID: *in.AccountManagerID, Inactive: in.IsActive != nil && !*in.IsActive}
	if in.AccountCode != nil {
		a.AccountCode = *in.AccountCode
	}
	return a, nil
}

// accountTypes is GET /v2/system/accounttypes/lookup.
func (s *Server) accountTypes(w http.ResponseWriter, _ *http.Request) {
	type typeOut struct {
		ID       int64  `json:"Id"`
		Name     string `json:"Name"`
		IsActive bool   `json:"IsActive"`
		IsClient bool   `json:"IsClient"`
		IsVendor bool   `json:"IsVendor"`
	}
	s.mu.Lock()
	out := make([]typeOut, 0, len(s.types))
	for _, t := range s.types {
		out = append(out, typeOut{ID: t.ID, Name: t.Name, IsActive: true, IsClient: !strings.EqualFold(t.Name, "Vendor"), IsVendor: strings.EqualFold(t.Name, "Vendor")})
	}
	s.mu.Unlock()
	s.ok(w, out)
}

// employeeSearch is GET /v2/hr/employees/searchselect (paged, TotalRecords). Filter_Text
// matches first name, last name, e-mail or user name as "contains".
func (s *Server) employeeSearch(w http.ResponseWriter, r *http.Request) {
	type employeeOut struct {
		ID           int64  `json:"Id"`
		FirstName    string `json:"FirstName"`
		LastName     string `json:"LastName"`
		EmailAddress string `json:"EmailAddress"`
		Username     string `json:"Username"`
		JobTitle     string `json:"JobTitle"`
		IsActive     bool   `json:"IsActive"`
	}
	q := r.URL.Query()
	active, err := boolParam(q, "Filter.IsActive")
	if err != nil {
		s.fail(w, http.StatusBadRequest, err.Error())
		return
	}
	text := q.Get("Filter.Filter_Text")
	s.mu.Lock()
	var out []employeeOut
	for _, e := range s.employees {
		if active != nil && *active == e.Inactive {
			continue
		}
		if text != "" && !containsFold(e.FirstName, text) && !containsFold(e.LastName, text) && !containsFold(e.Email, text) && !containsFold(e.Username, text) {
			continue
		}
		out = append(out, employeeOut{ID: e.ID, FirstName: e.FirstName, LastName: e.LastName, EmailAddress: e.Email, Username: e.Username, IsActive: !e.Inactive})
	}
	s.mu.Unlock()
	page(s, w, r, out, true)
}

// ---- locations -------------------------------------------------------------------------------

// locationLookup is GET /v2/crm/accounts/{accountId}/locations/lookup.
func (s *Server) locationLookup(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "accountId")
	if !ok {
		return
	}
	type locationOut struct {
		ID        int64  `json:"Id"`
		Name      string `json:"Name"`
		AccountID int64  `json:"AccountId"`
		IsMain    bool   `json:"IsMain"`
	}
	s.mu.Lock()
	if !s.hasAccount(id) {
		s.mu.Unlock()
		s.fail(w, http.StatusNotFound, fmt.Sprintf("Account %d was not found.", id))
		return
	}
	out := []locationOut{}
	for _, l := range s.locations {
		if l.AccountID == id {
			out = append(out, locationOut{ID: l.ID, Name: l.LocationName, AccountID: l.AccountID, IsMain: l.IsMain})
		}
	}
	s.mu.Unlock()
	s.ok(w, out)
}

func (s *Server) hasAccount(id int64) bool {
	return slices.ContainsFunc(s.accounts, func(a Account) bool { return a.ID == id })
}

func (s *Server) locationOf(accountID, locationID int64) (Location, bool) {
	for _, l := range s.locations {
		if l.ID == locationID && l.AccountID == accountID {
			return l, true
		}
	}
	return Location{}, false
}

// ---- hardware assets -------------------------------------------------------------------------

type assetRowOut struct {
	ID             int64  `json:"Id"`
	CategoryName   string `json:"CategoryName"`
	CategoryID     int64  `json:"CategoryId"`
	LocationName   string `json:"LocationName"`
	AssetName      string `json:"AssetName"`
	SerialNumber   string `json:"SerialNumber"`
	MachineGroupID string `json:"MachineGroupId"`
	IPAddress      string `json:"IPAddress"`
	ContactID      int64  `json:"ContactId"`
	ContactName    string `json:"ContactName"`
	AccountID      int64  `json:"AccountId"`
	AccountName    string `json:"AccountName"`
	IsActive       bool   `json:"IsActive"`
}

type assetOut struct {
	ID                *int64  `json:"Id"`
	Name              string  `json:"Name"`
	AccountID         *int64  `json:"AccountId"`
	AccountName       string  `json:"AccountName"`
	AccountLocationID *int64  `json:"AccountLocationId"`
	AccountLocation   string  `json:"AccountLocation"`
	CategoryID        *int64  `json:"CategoryId"`
	Category          string  `json:"Category"`
	SerialNumber      string  `json:"SerialNumber"`
	AssetTag          string  `json:"AssetTag"`
	IsActive          bool    `json:"IsActive"`
	IPAddress         string  `json:"IpAddress"`
	OsType            string  `json:"OsType"`
	OsInfo            string  `json:"OsInfo"`
	AgentID           *string `json:"AgentId"`
	IntegrationTypeID *int64  `json:"IntegrationTypeId"`
}

// detail renders an asset; the caller holds s.mu.
func (s *Server) detail(a Asset) assetOut {
	out := assetOut{ID: nz(a.ID), Name: a.Name, AccountID: nz(a.AccountID), AccountLocationID: nz(a.LocationID),
		CategoryID: nz(a.CategoryID), SerialNumber: a.SerialNumber, AssetTag: a.AssetTag, IsActive: true,
		IPAddress: a.IPAddress, OsType: a.OsType, OsInfo: a.OsInfo}
	if a.AgentID != "" {
		agent := a.AgentID
		out.AgentID = &agent
	}
	out.AccountName = s.accountName(a.AccountID)
	if l, ok := s.locationOf(a.AccountID, a.LocationID); ok {
		out.AccountLocation = l.LocationName
	}
	out.Category = s.categoryName(a.CategoryID)
	return out
}

func (s *Server) accountName(id int64) string {
	for _, a := range s.accounts {
		if a.ID == id {
			return a.AccountName
		}
	}
	return ""
}

func (s *Server) categoryName(id int64) string {
	for _, c := range s.categories {
		if c.ID == id {
			return c.Name
		}
	}
	return ""
}

// assetSearch is GET /v2/servicedesk/hardwareasset/searchselect: rows without location id, OS,
// asset tag or agent id, and no TotalRecords (an IEnumerableResponse in the swagger).
func (s *Server) assetSearch(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	accountID, err := intParam(q, "Filter.AccountId")
	if err != nil {
		s.fail(w, http.StatusBadRequest, err.Error())
		return
	}
	s.mu.Lock()
	// Names are looked up once per request, so a tenant with tens of thousands of assets
	// pages in linear time.
	accountNames := make(map[int64]string, len(s.accounts))
	for _, a := range s.accounts {
		accountNames[a.ID] = a.AccountName
	}
	locations := make(map[int64]Location, len(s.locations))
	for _, l := range s.locations {
		locations[l.ID] = l
	}
	var out []assetRowOut
	for _, a := range s.assets {
		if accountID != 0 && a.AccountID != accountID {
			continue
		}
		if !containsFold(a.Name, q.Get("Filter.AssetName")) {
			continue
		}
		row := assetRowOut{ID: a.ID, CategoryID: a.CategoryID, CategoryName: s.categoryName(a.CategoryID), AssetName: a.Name,
			SerialNumber: a.SerialNumber, IPAddress: a.IPAddress, AccountID: a.AccountID, AccountName: accountNames[a.AccountID], IsActive: true}
		if l, ok := locations[a.LocationID]; ok && l.AccountID == a.AccountID {
			row.LocationName = l.LocationName
		}
		out = append(out, row)
	}
	s.mu.Unlock()
	page(s, w, r, out, false)
}

type assetIn struct {
	Name              *string `json:"Name"`
	AccountID         *int64  `json:"AccountId"`
	AccountLocationID *int64  `json:"AccountLocationId"`
	CategoryID        *int64  `json:"CategoryId"`
	SerialNumber      *string `json:"SerialNumber"`
	AssetTag          *string `json:"AssetTag"`
	IPAddress         *string `json:"IpAddress"`
	OsType            *string `json:"OsType"`
	OsInfo            *string `json:"OsInfo"`
	// AgentID is not part of HardwareAssetInputDto; a body that sends it is refused so a
	// client cannot believe it stored its key there.
	AgentID *string `json:"AgentId"`
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return strings.TrimSpace(*p)
}

// toAsset validates HardwareAssetInputDto (required Name, AccountId, AccountLocationId,
// CategoryId; the location must be the account's, the category must exist); the caller holds
// s.mu.
func (s *Server) toAsset(in assetIn) (Asset, error) {
	var missing []string
	if str(in.Name) == "" {
		missing = append(missing, "Name")
	}
	if in.AccountID == nil {
		missing = append(missing, "AccountId")
	}
	if in.AccountLocationID == nil {
		missing = append(missing, "AccountLocationId")
	}
	if in.CategoryID == nil {
		missing = append(missing, "CategoryId")
	}
	if len(missing) > 0 {
		return Asset{}, fmt.Errorf("The fields %s are required.", strings.Join(missing, ", "))
	}
	if in.AgentID != nil {
		return Asset{}, errors.New("AgentId is not a field of HardwareAssetInputDto.")
	}
	if !s.hasAccount(*in.AccountID) {
		return Asset{}, fmt.Errorf("Account %d was not found.", *in.AccountID)
	}
	if _, ok := s.locationOf(*in.AccountID, *in.AccountLocationID); !ok {
		return Asset{}, fmt.Errorf("Location %d is not a location of account %d.", *in.AccountLocationID, *in.AccountID)
	}
	if s.categoryName(*in.CategoryID) == "" {
		return Asset{}, fmt.Errorf("CategoryId %d does not exist.", *in.CategoryID)
	}
	return Asset{AccountID: *in.AccountID, LocationID: *in.AccountLocationID, CategoryID: *in.CategoryID, Name: str(in.Name),
		SerialNumber: str(in.SerialNumber), AssetTag: str(in.AssetTag), IPAddress: str(in.IPAddress),
		OsType: str(in.OsType), OsInfo: str(in.OsInfo)}, nil
}

// createAsset is POST /v2/servicedesk/hardwareasset.
func (s *Server) createAsset(w http.ResponseWriter, r *http.Request) {
	var in assetIn
	if !s.readJSON(w, r, &in) {
		return
	}
	s.mu.Lock()
	a, err := s.toAsset(in)
	if err != nil {
		s.mu.Unlock()
		s.fail(w, http.StatusBadRequest, err.Error())
		return
	}
	a.ID = s.newID("asset")
	s.assets = append(s.assets, a)
	out := s.detail(a)
	s.mu.Unlock()
	s.SlowCreate(r)
	s.ok(w, out)
}

// getAsset is GET /v2/servicedesk/hardwareasset/{assetId}.
func (s *Server) getAsset(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "assetId")
	if !ok {
		return
	}
	s.mu.Lock()
	i := slices.IndexFunc(s.assets, func(a Asset) bool { return a.ID == id })
	if i < 0 {
		s.mu.Unlock()
		s.fail(w, http.StatusNotFound, fmt.Sprintf("Hardware asset %d was not found.", id))
		return
	}
	out := s.detail(s.assets[i])
	s.mu.Unlock()
	s.ok(w, out)
}

// updateAsset is PUT /v2/servicedesk/hardwareasset/{assetId}: the body replaces the asset;
// the agent id, which the body cannot carry, stays.
func (s *Server) updateAsset(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "assetId")
	if !ok {
		return
	}
	var in assetIn
	if !s.readJSON(w, r, &in) {
		return
	}
	s.mu.Lock()
	i := slices.IndexFunc(s.assets, func(a Asset) bool { return a.ID == id })
	if i < 0 {
		s.mu.Unlock()
		s.fail(w, http.StatusNotFound, fmt.Sprintf("Hardware asset %d was not found.", id))
		return
	}
	a, err := s.toAsset(in)
	if err != nil {
		s.mu.Unlock()
		s.fail(w, http.StatusBadRequest, err.Error())
		return
	}
	a.ID, a.AgentID = id, s.assets[i].AgentID
	s.assets[i] = a
	out := s.detail(a)
	s.mu.Unlock()
	s.ok(w, out)
}

// ---- contacts --------------------------------------------------------------------------------

type emailOut struct {
	ID           int64  `json:"Id"`
	EmailAddress string `json:"EmailAddress"`
	EmailTypeID  int64  `json:"EmailTypeId"`
	IsDefault    bool   `json:"IsDefault"`
}

type phoneOut struct {
	ID          int64  `json:"Id"`
	Phone       string `json:"Phone"`
	PhoneTypeID int64  `json:"PhoneTypeId"`
	IsDefault   bool   `json:"IsDefault"`
}

// contactSummary is GET /v2/crm/contacts/summary (paged, TotalRecords) with nested
// Emails[{EmailAddress, IsDefault}] and Phones[{Phone, IsDefault}].
func (s *Server) contactSummary(w http.ResponseWriter, r *http.Request) {
	type contactOut struct {
		ID           int64      `json:"Id"`
		AccountID    int64      `json:"AccountId"`
		AccountName  string     `json:"AccountName"`
		LocationID   *int64     `json:"LocationId"`
		LocationName string     `json:"LocationName"`
		FirstName    string     `json:"FirstName"`
		LastName     string     `json:"LastName"`
		IsActive     bool       `json:"IsActive"`
		Emails       []emailOut `json:"Emails"`
		Phones       []phoneOut `json:"Phones"`
	}
	accountID, err := intParam(r.URL.Query(), "Filter.AccountId")
	if err != nil {
		s.fail(w, http.StatusBadRequest, err.Error())
		return
	}
	s.mu.Lock()
	var out []contactOut
	for _, c := range s.contacts {
		if accountID != 0 && c.AccountID != accountID {
			continue
		}
		o := contactOut{ID: c.ID, AccountID: c.AccountID, AccountName: s.accountName(c.AccountID), LocationID: nz(c.LocationID),
			FirstName: c.FirstName, LastName: c.LastName, IsActive: true, Emails: []emailOut{}, Phones: []phoneOut{}}
		if l, ok := s.locationOf(c.AccountID, c.LocationID); ok {
			o.LocationName = l.LocationName
		}
		if c.Email != "" {
			o.Emails = append(o.Emails, emailOut{ID: c.ID, EmailAddress: c.Email, EmailTypeID: 1, IsDefault: true})
		}
		if c.Phone != "" {
			o.Phones = append(o.Phones, phoneOut{ID: c.ID, Phone: c.Phone, PhoneTypeID: 1, IsDefault: true})
		}
		out = append(out, o)
	}
	s.mu.Unlock()
	page(s, w, r, out, true)
}

// createContact is POST /v2/crm/contacts/summary (ContactInputDto); the answer is the flat
// ContactSummaryOutputDto.
func (s *Server) createContact(w http.ResponseWriter, r *http.Request) {
	var in struct {
		FirstName  *string `json:"FirstName"`
		LastName   *string `json:"LastName"`
		AccountID  int64   `json:"AccountId"`
		LocationID int64   `json:"LocationId"`
		Phones     []struct {
			PhoneNumber string `json:"PhoneNumber"`
			PhoneTypeID int64  `json:"PhoneTypeId"`
			IsDefault   bool   `json:"IsDefault"`
		} `json:"Phones"`
		Emails []struct {
			EmailAddress string `json:"EmailAddress"`
			EmailTypeID  int64  `json:"EmailTypeId"`
			IsDefault    bool   `json:"IsDefault"`
		} `json:"Emails"`
	}
	if !s.readJSON(w, r, &in) {
		return
	}
	s.mu.Lock()
	l, ok := s.locationOf(in.AccountID, in.LocationID)
	if !ok || str(in.FirstName) == "" || str(in.LastName) == "" {
		s.mu.Unlock()
		s.fail(w, http.StatusBadRequest, "FirstName, LastName, AccountId and a LocationId of that account are required.")
		return
	}
	c := Contact{ID: s.newID("contact"), AccountID: in.AccountID, LocationID: l.ID, FirstName: str(in.FirstName), LastName: str(in.LastName)}
	for _, e := range in.Emails {
		if e.EmailTypeID <= 0 {
			s.mu.Unlock()
			s.fail(w, http.StatusBadRequest, "EmailTypeId is required.")
			return
		}
		if e.IsDefault || c.Email == "" {
			c.Email = strings.TrimSpace(e.EmailAddress)
		}
	}
	for _, p := range in.Phones {
		if p.PhoneTypeID <= 0 {
			s.mu.Unlock()
			s.fail(w, http.StatusBadRequest, "PhoneTypeId is required.")
			return
		}
		if p.IsDefault || c.Phone == "" {
			c.Phone = strings.TrimSpace(p.PhoneNumber)
		}
	}
	s.contacts = append(s.contacts, c)
	out := map[string]any{"Id": c.ID, "FirstName": c.FirstName, "LastName": c.LastName, "AccountId": c.AccountID,
		"AccountName": s.accountName(c.AccountID), "LocationId": c.LocationID, "LocationName": l.LocationName,
		"PhoneNumber": c.Phone, "EmailAddress": c.Email}
	s.mu.Unlock()
	s.SlowCreate(r)
	s.ok(w, out)
}
