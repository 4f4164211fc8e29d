package kaseyabms

// Fixture seeds a simulator: the credentials it accepts, its behaviour switches and its records.
// Ids of seeded records are kept; a zero id is assigned. Foreign keys use 0 for "none".
type Fixture struct {
	// Credentials accepted by POST /api/token (all three values compared exactly).
	Credentials []Credential `json:"credentials" yaml:"credentials"`
	// TokenTTLSeconds is the expires_in of issued tokens; zero means 3600.
	TokenTTLSeconds int `json:"tokenTTLSeconds,omitempty" yaml:"tokenTTLSeconds,omitempty"`
	// LogicalErrorsWithHTTP200 answers refused requests (validation, duplicates, unknown ids)
	// with HTTP 200 and a non-zero ResponseCode in the envelope instead of the matching 4xx
	// status. Both forms are reported for BMS; a client must treat either as a failure.
	LogicalErrorsWithHTTP200 bool `json:"logicalErrorsWithHTTP200,omitempty" yaml:"logicalErrorsWithHTTP200,omitempty"`

	// Statuses and Types are the tenant's account statuses and types. When nil the simulator
	// starts with Active(1), Inactive(2, inactive) and Customer(1), Prospect(2), Vendor(3).
	Statuses []Status      `json:"statuses,omitempty" yaml:"statuses,omitempty"`
	Types    []AccountType `json:"types,omitempty" yaml:"types,omitempty"`

	Accounts    []Account    `json:"accounts,omitempty" yaml:"accounts,omitempty"`
	Locations   []Location   `json:"locations,omitempty" yaml:"locations,omitempty"`
	Departments []Department `json:"departments,omitempty" yaml:"departments,omitempty"`
	Assets      []Asset      `json:"assets,omitempty" yaml:"assets,omitempty"`
	Contacts    []Contact    `json:"contacts,omitempty" yaml:"contacts,omitempty"`
}

// Credential is one accepted username / password / tenant (company name) triple.
type Credential struct {
	Username string `json:"username" yaml:"username"`
	Password string `json:"password" yaml:"password"`
	Tenant   string `json:"tenant" yaml:"tenant"`
}

// Status is an account status. Accounts in an inactive status are inactive.
type Status struct {
	ID       int64  `json:"id" yaml:"id"`
	Name     string `json:"name" yaml:"name"`
	Inactive bool   `json:"inactive,omitempty" yaml:"inactive,omitempty"`
}

// AccountType is an account type (Customer, Prospect, ...).
type AccountType struct {
	ID   int64  `json:"id" yaml:"id"`
	Name string `json:"name" yaml:"name"`
}

// Account is a CRM account. A seeded account without locations gets a main location "Main",
// as an account created through the API does.
type Account struct {
	ID            int64  `json:"id" yaml:"id"`
	AccountName   string `json:"accountName" yaml:"accountName"`
	AccountCode   string `json:"accountCode,omitempty" yaml:"accountCode,omitempty"`
	AccountTypeID int64  `json:"accountTypeId,omitempty" yaml:"accountTypeId,omitempty"`
	// StatusID zero means the first active status.
	StatusID int64 `json:"statusId,omitempty" yaml:"statusId,omitempty"`
}

// Address is one postal address of a location.
type Address struct {
	Address1 string `json:"address1" yaml:"address1"`
	Address2 string `json:"address2,omitempty" yaml:"address2,omitempty"`
	City     string `json:"city,omitempty" yaml:"city,omitempty"`
	State    string `json:"state,omitempty" yaml:"state,omitempty"`
	ZipCode  string `json:"zipCode,omitempty" yaml:"zipCode,omitempty"`
	Country  string `json:"country,omitempty" yaml:"country,omitempty"`
}

// Location is an account location; exactly one per account is main.
type Location struct {
	ID           int64     `json:"id" yaml:"id"`
	AccountID    int64     `json:"accountId" yaml:"accountId"`
	LocationName string    `json:"locationName" yaml:"locationName"`
	IsMain       bool      `json:"isMain,omitempty" yaml:"isMain,omitempty"`
	Addresses    []Address `json:"addresses,omitempty" yaml:"addresses,omitempty"`
}

// Department is an informational division of an account.
type Department struct {
	ID             int64  `json:"id" yaml:"id"`
	AccountID      int64  `json:"accountId" yaml:"accountId"`
	DepartmentName string `json:"departmentName" yaml:"departmentName"`
	Inactive       bool   `json:"inactive,omitempty" yaml:"inactive,omitempty"`
}

// Asset is a hardware asset of an account, keyed to the RMM agent it mirrors by RmmAssetID.
type Asset struct {
	ID           int64  `json:"id" yaml:"id"`
	AccountID    int64  `json:"accountId" yaml:"accountId"`
	LocationID   int64  `json:"locationId,omitempty" yaml:"locationId,omitempty"` // 0: the main location
	DepartmentID int64  `json:"departmentId,omitempty" yaml:"departmentId,omitempty"`
	AssetName    string `json:"assetName" yaml:"assetName"`
	SerialNumber string `json:"serialNumber,omitempty" yaml:"serialNumber,omitempty"`
	OS           string `json:"os,omitempty" yaml:"os,omitempty"`
	IPAddress    string `json:"ipAddress,omitempty" yaml:"ipAddress,omitempty"`
	RmmAssetID   string `json:"rmmAssetId,omitempty" yaml:"rmmAssetId,omitempty"`
}

// Contact is a CRM contact (end user) of an account.
type Contact struct {
	ID                  int64  `json:"id" yaml:"id"`
	AccountID           int64  `json:"accountId" yaml:"accountId"`
	LocationID          int64  `json:"locationId,omitempty" yaml:"locationId,omitempty"` // 0: the main location
	FirstName           string `json:"firstName,omitempty" yaml:"firstName,omitempty"`
	LastName            string `json:"lastName,omitempty" yaml:"lastName,omitempty"`
	DefaultEmailAddress string `json:"defaultEmailAddress,omitempty" yaml:"defaultEmailAddress,omitempty"`
	DefaultPhoneNumber  string `json:"defaultPhoneNumber,omitempty" yaml:"defaultPhoneNumber,omitempty"`
}
