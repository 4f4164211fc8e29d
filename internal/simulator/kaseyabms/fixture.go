package kaseyabms

// Fixture seeds a simulator: the credentials it accepts, its behaviour switches and its records.
// Ids of seeded records are kept; a zero id is assigned. Foreign keys use 0 for "none".
type Fixture struct {
	// Credentials accepted by POST /v2/security/authenticate (all three compared exactly).
	Credentials []Credential `json:"credentials" yaml:"credentials"`
	// TokenTTLSeconds is the access token's life; zero means 3600. Refresh tokens live a day.
	TokenTTLSeconds int `json:"tokenTTLSeconds,omitempty" yaml:"tokenTTLSeconds,omitempty"`
	// LogicalErrorsWithHTTP200 answers refused requests (validation, duplicates, unknown ids)
	// with HTTP 200 and Success false instead of the matching 4xx status; a client must treat
	// either as a failure.
	LogicalErrorsWithHTTP200 bool `json:"logicalErrorsWithHTTP200,omitempty" yaml:"logicalErrorsWithHTTP200,omitempty"`
	// CamelCase answers with camelCase property names (result, accessToken), as the public
	// PowerQuery client reads the live API, instead of the swagger's PascalCase.
	CamelCase bool `json:"camelCase,omitempty" yaml:"camelCase,omitempty"`

	// Types are the account types; nil means Customer(1), Prospect(2), Vendor(3).
	Types []AccountType `json:"types,omitempty" yaml:"types,omitempty"`
	// BusinessTypeIDs are the valid BusinessTypeId values; nil means 1 and 2.
	BusinessTypeIDs []int64 `json:"businessTypeIds,omitempty" yaml:"businessTypeIds,omitempty"`
	// Employees are the MSP's staff (account managers); nil means one, Dana Whitfield (1).
	Employees []Employee `json:"employees,omitempty" yaml:"employees,omitempty"`
	// Categories are the hardware-asset categories; nil means Workstation(1), Server(2).
	Categories []Category `json:"categories,omitempty" yaml:"categories,omitempty"`

	Accounts  []Account  `json:"accounts,omitempty" yaml:"accounts,omitempty"`
	Locations []Location `json:"locations,omitempty" yaml:"locations,omitempty"`
	Assets    []Asset    `json:"assets,omitempty" yaml:"assets,omitempty"`
	Contacts  []Contact  `json:"contacts,omitempty" yaml:"contacts,omitempty"`
}

// Credential is one accepted UserName / Password / Tenant triple.
type Credential struct {
	Username string `json:"username" yaml:"username"`
	Password string `json:"password" yaml:"password"`
	Tenant   string `json:"tenant" yaml:"tenant"`
}

// AccountType is an account type (Customer, Prospect, ...).
type AccountType struct {
	ID   int64  `json:"id" yaml:"id"`
	Name string `json:"name" yaml:"name"`
}

// Employee is a member of the MSP's staff.
type Employee struct {
	ID        int64  `json:"id" yaml:"id"`
	FirstName string `json:"firstName" yaml:"firstName"`
	LastName  string `json:"lastName" yaml:"lastName"`
	Email     string `json:"email,omitempty" yaml:"email,omitempty"`
	Username  string `json:"username,omitempty" yaml:"username,omitempty"`
	Inactive  bool   `json:"inactive,omitempty" yaml:"inactive,omitempty"`
}

// Category is a hardware-asset category.
type Category struct {
	ID   int64  `json:"id" yaml:"id"`
	Name string `json:"name" yaml:"name"`
}

// Account is a CRM account. A seeded account without locations gets a main location "Main",
// as every account created through the API has one; AccountTypeID zero means the first type.
type Account struct {
	ID               int64  `json:"id" yaml:"id"`
	AccountName      string `json:"accountName" yaml:"accountName"`
	AccountCode      string `json:"accountCode,omitempty" yaml:"accountCode,omitempty"`
	AccountTypeID    int64  `json:"accountTypeId,omitempty" yaml:"accountTypeId,omitempty"`
	BusinessTypeID   int64  `json:"businessTypeId,omitempty" yaml:"businessTypeId,omitempty"`
	AccountManagerID int64  `json:"accountManagerId,omitempty" yaml:"accountManagerId,omitempty"`
	Inactive         bool   `json:"inactive,omitempty" yaml:"inactive,omitempty"`
}

// Location is an account location; exactly one per account is main.
type Location struct {
	ID           int64  `json:"id" yaml:"id"`
	AccountID    int64  `json:"accountId" yaml:"accountId"`
	LocationName string `json:"locationName" yaml:"locationName"`
	IsMain       bool   `json:"isMain,omitempty" yaml:"isMain,omitempty"`
}

// Asset is a hardware asset. AgentID is the RMM agent id BMS's own RMM integration sets; it
// cannot be written through /v2/servicedesk/hardwareasset.
type Asset struct {
	ID           int64  `json:"id" yaml:"id"`
	AccountID    int64  `json:"accountId" yaml:"accountId"`
	LocationID   int64  `json:"locationId,omitempty" yaml:"locationId,omitempty"` // 0: the main location
	CategoryID   int64  `json:"categoryId,omitempty" yaml:"categoryId,omitempty"` // 0: the first category
	Name         string `json:"name" yaml:"name"`
	SerialNumber string `json:"serialNumber,omitempty" yaml:"serialNumber,omitempty"`
	AssetTag     string `json:"assetTag,omitempty" yaml:"assetTag,omitempty"`
	IPAddress    string `json:"ipAddress,omitempty" yaml:"ipAddress,omitempty"`
	OsType       string `json:"osType,omitempty" yaml:"osType,omitempty"`
	OsInfo       string `json:"osInfo,omitempty" yaml:"osInfo,omitempty"`
	AgentID      string `json:"agentId,omitempty" yaml:"agentId,omitempty"`
}

// Contact is a CRM contact of an account.
type Contact struct {
	ID         int64  `json:"id" yaml:"id"`
	AccountID  int64  `json:"accountId" yaml:"accountId"`
	LocationID int64  `json:"locationId,omitempty" yaml:"locationId,omitempty"` // 0: the main location
	FirstName  string `json:"firstName,omitempty" yaml:"firstName,omitempty"`
	LastName   string `json:"lastName,omitempty" yaml:"lastName,omitempty"`
	Email      string `json:"email,omitempty" yaml:"email,omitempty"`
	Phone      string `json:"phone,omitempty" yaml:"phone,omitempty"`
}
