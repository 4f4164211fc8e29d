package kaseyabms

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"

	"github.com/accountsync/accountsync-operator/internal/provider"
)

// Record decoders, one per swagger output DTO. The swagger spells properties in PascalCase
// while the public PowerQuery client reads the live API's answers in camelCase (result,
// accessToken); encoding/json matches names case-insensitively, so both decode. A record
// without an id is unusable and is an error.

var errNoID = errors.New("record has no Id")

// accountRecord is AccountSummaryOutputDto (summary) or AccountLookupOutputDto (lookup: Name).
type accountRecord struct {
	ID          flexID     `json:"Id"`
	AccountName flexString `json:"AccountName"`
	Name        flexString `json:"Name"`
	AccountType flexString `json:"AccountType"`
	IsActive    *bool      `json:"IsActive"`
	// Locations come with the summary rows only (nil on a lookup row).
	Locations []locationRecord `json:"Locations"`
}

func decodeAccount(raw json.RawMessage) (provider.Account, string, error) {
	var r accountRecord
	if err := json.Unmarshal(raw, &r); err != nil {
		return provider.Account{}, "", err
	}
	if r.ID == "" {
		return provider.Account{}, "", errNoID
	}
	a := provider.Account{
		ID:       string(r.ID),
		Name:     first(string(r.AccountName), string(r.Name)),
		Inactive: r.IsActive != nil && !*r.IsActive,
	}
	if t := strings.TrimSpace(string(r.AccountType)); t != "" {
		a.Types = []string{t}
	}
	if r.Locations != nil {
		a.Locations = make([]provider.Location, 0, len(r.Locations))
		for _, l := range r.Locations {
			if l.ID != "" {
				a.Locations = append(a.Locations, provider.Location{ID: string(l.ID), Name: first(string(l.Name), string(l.LocationName)),
					IsMain: l.IsMain != nil && *l.IsMain})
			}
		}
	}
	return a, a.ID, nil
}

// refRecord is AccountTypeLookupOutputDto or EmployeeLookupOutputDto ({Id, Name, IsActive}).
type refRecord struct {
	ID       flexID     `json:"Id"`
	Name     flexString `json:"Name"`
	IsActive *bool      `json:"IsActive"`
}

func decodeRef(raw json.RawMessage) (provider.NamedRef, string, error) {
	var r refRecord
	if err := json.Unmarshal(raw, &r); err != nil {
		return provider.NamedRef{}, "", err
	}
	if r.ID == "" {
		return provider.NamedRef{}, "", errNoID
	}
	return provider.NamedRef{ID: string(r.ID), Name: string(r.Name), Inactive: r.IsActive != nil && !*r.IsActive},
		string(r.ID), nil
}

// employee is EmployeesListSearchSelectOutputDto.
type employee struct {
	ID        flexID     `json:"Id"`
	FirstName flexString `json:"FirstName"`
	LastName  flexString `json:"LastName"`
	Email     flexString `json:"EmailAddress"`
	Username  flexString `json:"Username"`
	IsActive  *bool      `json:"IsActive"`
}

func (e employee) fullName() string {
	return strings.TrimSpace(strings.TrimSpace(string(e.FirstName)) + " " + strings.TrimSpace(string(e.LastName)))
}

func decodeEmployee(raw json.RawMessage) (employee, string, error) {
	var e employee
	if err := json.Unmarshal(raw, &e); err != nil {
		return employee{}, "", err
	}
	if e.ID == "" {
		return employee{}, "", errNoID
	}
	return e, string(e.ID), nil
}

// locationRecord is AccountLocationLookupOutputDto (Name) or AccountLocationOutputDto
// (LocationName).
type locationRecord struct {
	ID           flexID     `json:"Id"`
	Name         flexString `json:"Name"`
	LocationName flexString `json:"LocationName"`
	IsMain       *bool      `json:"IsMain"`
}

func decodeLocation(raw json.RawMessage) (provider.Location, string, error) {
	var r locationRecord
	if err := json.Unmarshal(raw, &r); err != nil {
		return provider.Location{}, "", err
	}
	if r.ID == "" {
		return provider.Location{}, "", errNoID
	}
	return provider.Location{ID: string(r.ID), Name: first(string(r.Name), string(r.LocationName)),
		IsMain: r.IsMain != nil && *r.IsMain}, string(r.ID), nil
}

// assetDetail is HardwareAssetOutputDto.
type assetDetail struct {
	ID                flexID     `json:"Id"`
	Name              flexString `json:"Name"`
	AccountID         flexID     `json:"AccountId"`
	AccountLocationID flexID     `json:"AccountLocationId"`
	CategoryID        flexID     `json:"CategoryId"`
	SerialNumber      flexString `json:"SerialNumber"`
	AssetTag          flexString `json:"AssetTag"`
	IPAddress         flexString `json:"IpAddress"`
	OsType            flexString `json:"OsType"`
	OsInfo            flexString `json:"OsInfo"`
	AgentID           flexString `json:"AgentId"`
}

// decodeAsset reads an asset's detail. The external key is the RMM agent id BMS's own RMM
// integration writes (AgentId, read-only through this API) or, for assets this operator
// created, the AssetTag it wrote the tool asset's id into.
func decodeAsset(raw json.RawMessage) (provider.PSAAsset, string, error) {
	var r assetDetail
	if err := json.Unmarshal(raw, &r); err != nil {
		return provider.PSAAsset{}, "", err
	}
	if r.ID == "" {
		return provider.PSAAsset{}, "", errNoID
	}
	return provider.PSAAsset{
		ID:           string(r.ID),
		AccountID:    string(r.AccountID),
		ExternalKey:  strings.TrimSpace(first(string(r.AgentID), string(r.AssetTag))),
		Name:         string(r.Name),
		LocationID:   string(r.AccountLocationID),
		SerialNumber: string(r.SerialNumber),
		OS:           first(string(r.OsInfo), string(r.OsType)),
		IPAddress:    string(r.IPAddress),
		Category:     string(r.CategoryID),
	}, string(r.ID), nil
}

// contactRecord is ContactsSummaryOutputDto (nested Emails[]/Phones[]) or the create answer
// ContactSummaryOutputDto (flat EmailAddress/PhoneNumber).
type contactRecord struct {
	ID           flexID     `json:"Id"`
	FirstName    flexString `json:"FirstName"`
	LastName     flexString `json:"LastName"`
	EmailAddress flexString `json:"EmailAddress"`
	PhoneNumber  flexString `json:"PhoneNumber"`
	Emails       []struct {
		EmailAddress flexString `json:"EmailAddress"`
		IsDefault    bool       `json:"IsDefault"`
	} `json:"Emails"`
	Phones []struct {
		Phone       flexString `json:"Phone"`
		PhoneNumber flexString `json:"PhoneNumber"`
		IsDefault   bool       `json:"IsDefault"`
	} `json:"Phones"`
}

func decodeContact(raw json.RawMessage) (provider.User, string, error) {
	var r contactRecord
	if err := json.Unmarshal(raw, &r); err != nil {
		return provider.User{}, "", err
	}
	if r.ID == "" {
		return provider.User{}, "", errNoID
	}
	u := provider.User{ID: string(r.ID), FirstName: string(r.FirstName), LastName: string(r.LastName),
		Email: string(r.EmailAddress), Phone: string(r.PhoneNumber)}
	// The default address and number win; otherwise the first one listed.
	for i, e := range r.Emails {
		if e.IsDefault || (i == 0 && u.Email == "") {
			u.Email = string(e.EmailAddress)
		}
	}
	for i, p := range r.Phones {
		if p.IsDefault || (i == 0 && u.Phone == "") {
			u.Phone = first(string(p.Phone), string(p.PhoneNumber))
		}
	}
	u.Name = strings.TrimSpace(u.FirstName + " " + u.LastName)
	return u, u.ID, nil
}

// createdResult reads a create's Result: the new record (decoded by decode), or just its id as
// a number or string, in which case fallback builds the record from what was sent.
func createdResult[T any](env envelope, decode func(json.RawMessage) (T, string, error), fallback func(id string) T) (T, error) {
	var zero T
	raw := bytes.TrimSpace(env.Result)
	if len(raw) == 0 || string(raw) == "null" {
		return zero, errors.New("create answered without a Result")
	}
	if raw[0] == '{' {
		v, _, err := decode(raw)
		return v, err
	}
	var id flexID
	if err := json.Unmarshal(raw, &id); err != nil {
		return zero, errors.New("create answered with an unusable Result")
	}
	if _, err := parseID("", "", string(id)); err != nil {
		return zero, errors.New("create answered with an unusable Result")
	}
	return fallback(string(id)), nil
}
