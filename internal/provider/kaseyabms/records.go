package kaseyabms

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"

	"github.com/accountsync/accountsync-operator/internal/provider"
)

// Record decoders. BMS tenants are not uniform (the open-source clients see Id, AccountId and
// AccountID for the same key, AccountName and Name for the name), and encoding/json already
// matches property names case-insensitively, so each decoder accepts the known spellings and
// takes the first one present. A record without an id is unusable and is an error.

var errNoID = errors.New("record has no Id")

type accountRecord struct {
	ID            flexID     `json:"Id"`
	AccountID     flexID     `json:"AccountId"`
	AccountName   flexString `json:"AccountName"`
	Name          flexString `json:"Name"`
	AccountTypeID flexID     `json:"AccountTypeId"`
	AccountType   flexString `json:"AccountType"`
	StatusID      flexID     `json:"StatusId"`
	Status        flexString `json:"Status"`
	StatusName    flexString `json:"StatusName"`
	IsActive      *bool      `json:"IsActive"`
}

func decodeAccount(raw json.RawMessage) (provider.Account, string, error) {
	var r accountRecord
	if err := json.Unmarshal(raw, &r); err != nil {
		return provider.Account{}, "", err
	}
	id := first(string(r.ID), string(r.AccountID))
	if id == "" {
		return provider.Account{}, "", errNoID
	}
	a := provider.Account{
		ID:       id,
		Name:     first(string(r.AccountName), string(r.Name)),
		Status:   first(string(r.Status), string(r.StatusName)),
		Inactive: r.IsActive != nil && !*r.IsActive,
	}
	if t := strings.TrimSpace(string(r.AccountType)); t != "" {
		a.Types = []string{t}
	}
	return a, id, nil
}

// refRecord is a status or an account type.
type refRecord struct {
	ID              flexID     `json:"Id"`
	Name            flexString `json:"Name"`
	StatusName      flexString `json:"StatusName"`
	TypeName        flexString `json:"TypeName"`
	AccountTypeName flexString `json:"AccountTypeName"`
	Description     flexString `json:"Description"`
	IsActive        *bool      `json:"IsActive"`
}

func decodeRef(raw json.RawMessage) (provider.NamedRef, string, error) {
	var r refRecord
	if err := json.Unmarshal(raw, &r); err != nil {
		return provider.NamedRef{}, "", err
	}
	if r.ID == "" {
		return provider.NamedRef{}, "", errNoID
	}
	return provider.NamedRef{
		ID:       string(r.ID),
		Name:     first(string(r.Name), string(r.StatusName), string(r.TypeName), string(r.AccountTypeName), string(r.Description)),
		Inactive: r.IsActive != nil && !*r.IsActive,
	}, string(r.ID), nil
}

type locationRecord struct {
	ID           flexID     `json:"Id"`
	LocationID   flexID     `json:"LocationId"`
	LocationName flexString `json:"LocationName"`
	Name         flexString `json:"Name"`
	IsMain       *bool      `json:"IsMain"`
}

func decodeLocation(raw json.RawMessage) (provider.Location, string, error) {
	var r locationRecord
	if err := json.Unmarshal(raw, &r); err != nil {
		return provider.Location{}, "", err
	}
	id := first(string(r.ID), string(r.LocationID))
	if id == "" {
		return provider.Location{}, "", errNoID
	}
	return provider.Location{ID: id, Name: first(string(r.LocationName), string(r.Name)),
		IsMain: r.IsMain != nil && *r.IsMain}, id, nil
}

type departmentRecord struct {
	ID             flexID     `json:"Id"`
	DepartmentID   flexID     `json:"DepartmentId"`
	DepartmentName flexString `json:"DepartmentName"`
	Name           flexString `json:"Name"`
}

func decodeDepartment(raw json.RawMessage) (provider.Department, string, error) {
	var r departmentRecord
	if err := json.Unmarshal(raw, &r); err != nil {
		return provider.Department{}, "", err
	}
	id := first(string(r.ID), string(r.DepartmentID))
	if id == "" {
		return provider.Department{}, "", errNoID
	}
	return provider.Department{ID: id, Name: first(string(r.DepartmentName), string(r.Name))}, id, nil
}

type assetRecord struct {
	ID           flexID     `json:"Id"`
	AssetID      flexID     `json:"AssetId"`
	AccountID    flexID     `json:"AccountId"`
	LocationID   flexID     `json:"LocationId"`
	DepartmentID flexID     `json:"DepartmentId"`
	AssetName    flexString `json:"AssetName"`
	Name         flexString `json:"Name"`
	SerialNumber flexString `json:"SerialNumber"`
	OS           flexString `json:"OS"`
	IPAddress    flexString `json:"IPAddress"`
	RmmAssetID   flexString `json:"RmmAssetId"`
}

func decodeAsset(raw json.RawMessage) (provider.PSAAsset, string, error) {
	var r assetRecord
	if err := json.Unmarshal(raw, &r); err != nil {
		return provider.PSAAsset{}, "", err
	}
	id := first(string(r.ID), string(r.AssetID))
	if id == "" {
		return provider.PSAAsset{}, "", errNoID
	}
	return provider.PSAAsset{
		ID:           id,
		AccountID:    string(r.AccountID),
		ExternalKey:  string(r.RmmAssetID),
		Name:         first(string(r.AssetName), string(r.Name)),
		LocationID:   string(r.LocationID),
		DepartmentID: string(r.DepartmentID),
		SerialNumber: string(r.SerialNumber),
		OS:           string(r.OS),
		IPAddress:    string(r.IPAddress),
	}, id, nil
}

type contactRecord struct {
	ID                  flexID     `json:"Id"`
	ContactID           flexID     `json:"ContactId"`
	FirstName           flexString `json:"FirstName"`
	LastName            flexString `json:"LastName"`
	FullName            flexString `json:"FullName"`
	DefaultEmailAddress flexString `json:"DefaultEmailAddress"`
	EmailAddress        flexString `json:"EmailAddress"`
	Email               flexString `json:"Email"`
	DefaultPhoneNumber  flexString `json:"DefaultPhoneNumber"`
	PhoneNumber         flexString `json:"PhoneNumber"`
	Phone               flexString `json:"Phone"`
}

func decodeContact(raw json.RawMessage) (provider.User, string, error) {
	var r contactRecord
	if err := json.Unmarshal(raw, &r); err != nil {
		return provider.User{}, "", err
	}
	id := first(string(r.ID), string(r.ContactID))
	if id == "" {
		return provider.User{}, "", errNoID
	}
	u := provider.User{
		ID:        id,
		FirstName: string(r.FirstName),
		LastName:  string(r.LastName),
		Email:     first(string(r.DefaultEmailAddress), string(r.EmailAddress), string(r.Email)),
		Phone:     first(string(r.DefaultPhoneNumber), string(r.PhoneNumber), string(r.Phone)),
	}
	u.Name = first(string(r.FullName), strings.TrimSpace(u.FirstName+" "+u.LastName))
	return u, id, nil
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
	if err := json.Unmarshal(raw, &id); err != nil || id == "" || id == "0" {
		return zero, errors.New("create answered with an unusable Result")
	}
	return fallback(string(id)), nil
}
