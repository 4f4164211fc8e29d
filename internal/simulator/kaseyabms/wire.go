package kaseyabms

// Wire shapes: what the V1 API sends (PascalCase, as the BMS clients read it) and what its
// write endpoints accept. Each listable shape has a schema (its filterable scalar properties) and
// a props method producing the values $filter and $orderby see; a test keeps the two in step
// with the JSON encoding.

type wireStatus struct {
	ID       int64  `json:"Id"`
	Name     string `json:"Name"`
	IsActive bool   `json:"IsActive"`
}

var statusSchema = schema{"Id": kindInt, "Name": kindString, "IsActive": kindBool}

func (s wireStatus) props() record {
	return record{"Id": num(s.ID), "Name": str(s.Name), "IsActive": boolean(s.IsActive)}
}

type wireType struct {
	ID   int64  `json:"Id"`
	Name string `json:"Name"`
}

var typeSchema = schema{"Id": kindInt, "Name": kindString}

func (t wireType) props() record { return record{"Id": num(t.ID), "Name": str(t.Name)} }

type wireAccount struct {
	ID            int64   `json:"Id"`
	AccountName   string  `json:"AccountName"`
	AccountCode   string  `json:"AccountCode"`
	AccountTypeID *int64  `json:"AccountTypeId"`
	AccountType   *string `json:"AccountType"`
	StatusID      int64   `json:"StatusId"`
	Status        string  `json:"Status"`
	IsActive      bool    `json:"IsActive"`
}

var accountSchema = schema{
	"Id": kindInt, "AccountName": kindString, "AccountCode": kindString, "AccountTypeId": kindInt,
	"AccountType": kindString, "StatusId": kindInt, "Status": kindString, "IsActive": kindBool,
}

func (a wireAccount) props() record {
	r := record{
		"Id": num(a.ID), "AccountName": str(a.AccountName), "AccountCode": str(a.AccountCode),
		"StatusId": num(a.StatusID), "Status": str(a.Status), "IsActive": boolean(a.IsActive),
		"AccountTypeId": null, "AccountType": null,
	}
	if a.AccountTypeID != nil {
		r["AccountTypeId"] = num(*a.AccountTypeID)
	}
	if a.AccountType != nil {
		r["AccountType"] = str(*a.AccountType)
	}
	return r
}

type wireAddress struct {
	Address1 string `json:"Address1"`
	Address2 string `json:"Address2"`
	City     string `json:"City"`
	State    string `json:"State"`
	ZipCode  string `json:"ZipCode"`
	Country  string `json:"Country"`
}

type wireLocation struct {
	ID           int64         `json:"Id"`
	AccountID    int64         `json:"AccountId"`
	LocationName string        `json:"LocationName"`
	IsMain       bool          `json:"IsMain"`
	Addresses    []wireAddress `json:"Addresses"`
}

var locationSchema = schema{"Id": kindInt, "AccountId": kindInt, "LocationName": kindString, "IsMain": kindBool}

func (l wireLocation) props() record {
	return record{"Id": num(l.ID), "AccountId": num(l.AccountID), "LocationName": str(l.LocationName),
		"IsMain": boolean(l.IsMain)}
}

type wireDepartment struct {
	ID             int64  `json:"Id"`
	AccountID      int64  `json:"AccountId"`
	DepartmentName string `json:"DepartmentName"`
	IsActive       bool   `json:"IsActive"`
}

var departmentSchema = schema{"Id": kindInt, "AccountId": kindInt, "DepartmentName": kindString, "IsActive": kindBool}

func (d wireDepartment) props() record {
	return record{"Id": num(d.ID), "AccountId": num(d.AccountID), "DepartmentName": str(d.DepartmentName),
		"IsActive": boolean(d.IsActive)}
}

type wireAsset struct {
	ID           int64  `json:"Id"`
	AccountID    int64  `json:"AccountId"`
	LocationID   int64  `json:"LocationId"`
	DepartmentID *int64 `json:"DepartmentId"`
	AssetName    string `json:"AssetName"`
	SerialNumber string `json:"SerialNumber"`
	OS           string `json:"OS"`
	IPAddress    string `json:"IPAddress"`
	RmmAssetID   string `json:"RmmAssetId"`
}

var assetSchema = schema{
	"Id": kindInt, "AccountId": kindInt, "LocationId": kindInt, "DepartmentId": kindInt,
	"AssetName": kindString, "SerialNumber": kindString, "OS": kindString, "IPAddress": kindString,
	"RmmAssetId": kindString,
}

func (a wireAsset) props() record {
	r := record{
		"Id": num(a.ID), "AccountId": num(a.AccountID), "LocationId": num(a.LocationID), "DepartmentId": null,
		"AssetName": str(a.AssetName), "SerialNumber": str(a.SerialNumber), "OS": str(a.OS),
		"IPAddress": str(a.IPAddress), "RmmAssetId": str(a.RmmAssetID),
	}
	if a.DepartmentID != nil {
		r["DepartmentId"] = num(*a.DepartmentID)
	}
	return r
}

type wireContact struct {
	ID                  int64  `json:"Id"`
	AccountID           int64  `json:"AccountId"`
	LocationID          int64  `json:"LocationId"`
	FirstName           string `json:"FirstName"`
	LastName            string `json:"LastName"`
	DefaultEmailAddress string `json:"DefaultEmailAddress"`
	DefaultPhoneNumber  string `json:"DefaultPhoneNumber"`
}

var contactSchema = schema{
	"Id": kindInt, "AccountId": kindInt, "LocationId": kindInt, "FirstName": kindString,
	"LastName": kindString, "DefaultEmailAddress": kindString, "DefaultPhoneNumber": kindString,
}

func (c wireContact) props() record {
	return record{"Id": num(c.ID), "AccountId": num(c.AccountID), "LocationId": num(c.LocationID),
		"FirstName": str(c.FirstName), "LastName": str(c.LastName),
		"DefaultEmailAddress": str(c.DefaultEmailAddress), "DefaultPhoneNumber": str(c.DefaultPhoneNumber)}
}

// ---- request bodies (Json.NET binds property names case-insensitively, as encoding/json does) --

type accountIn struct {
	AccountName   string `json:"AccountName"`
	AccountCode   string `json:"AccountCode"`
	AccountTypeID *int64 `json:"AccountTypeId"`
	StatusID      *int64 `json:"StatusId"`
}

type locationIn struct {
	AccountID    int64         `json:"AccountId"`
	LocationName string        `json:"LocationName"`
	Addresses    []wireAddress `json:"Addresses"`
}

type departmentIn struct {
	DepartmentName string `json:"DepartmentName"`
}

type assetIn struct {
	ID           int64  `json:"Id"`
	AccountID    int64  `json:"AccountId"`
	LocationID   *int64 `json:"LocationId"`
	DepartmentID *int64 `json:"DepartmentId"`
	AssetName    string `json:"AssetName"`
	SerialNumber string `json:"SerialNumber"`
	OS           string `json:"OS"`
	IPAddress    string `json:"IPAddress"`
	RmmAssetID   string `json:"RmmAssetId"`
}

type contactIn struct {
	AccountID           int64  `json:"AccountId"`
	LocationID          int64  `json:"LocationId"`
	FirstName           string `json:"FirstName"`
	LastName            string `json:"LastName"`
	DefaultEmailTypeID  *int64 `json:"DefaultEmailTypeId"`
	DefaultEmailAddress string `json:"DefaultEmailAddress"`
	DefaultPhoneTypeID  *int64 `json:"DefaultPhoneTypeId"`
	DefaultPhoneNumber  string `json:"DefaultPhoneNumber"`
}
