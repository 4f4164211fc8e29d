package connectwise

// Wire records, named and shaped as the ConnectWise PSA REST API 3.0 sends them (JSON property
// names from the official OpenAPI via pyconnectwise). The same structs are walked by the
// conditions evaluator, so a field is filterable exactly when it appears here under its JSON name.
// Empty strings are omitted on the wire, as CW omits null fields; the evaluator treats "" as null.

// Info is the `_info` metadata object: string values such as lastUpdated or *_href.
type Info map[string]string

// Ref is a reference to another record: {id, name} plus identifier for companies.
type Ref struct {
	ID         int    `json:"id" yaml:"id"`
	Identifier string `json:"identifier,omitempty" yaml:"identifier,omitempty"`
	Name       string `json:"name,omitempty" yaml:"name,omitempty"`
	Info       Info   `json:"_info,omitempty" yaml:"_info,omitempty"`
}

// CompanyStatus is a company status (setup table; customisable per environment).
type CompanyStatus struct {
	ID                   int    `json:"id" yaml:"id"`
	Name                 string `json:"name" yaml:"name"`
	DefaultFlag          bool   `json:"defaultFlag" yaml:"defaultFlag"`
	InactiveFlag         bool   `json:"inactiveFlag" yaml:"inactiveFlag"`
	NotifyFlag           bool   `json:"notifyFlag" yaml:"notifyFlag"`
	DisallowSavingFlag   bool   `json:"disallowSavingFlag" yaml:"disallowSavingFlag"`
	NotificationMessage  string `json:"notificationMessage,omitempty" yaml:"notificationMessage,omitempty"`
	CustomNoteFlag       bool   `json:"customNoteFlag" yaml:"customNoteFlag"`
	CancelOpenTracksFlag bool   `json:"cancelOpenTracksFlag" yaml:"cancelOpenTracksFlag"`
	Info                 Info   `json:"_info,omitempty" yaml:"_info,omitempty"`
}

// CompanyType is a company type (setup table; customisable per environment).
type CompanyType struct {
	ID                  int    `json:"id" yaml:"id"`
	Name                string `json:"name" yaml:"name"`
	DefaultFlag         bool   `json:"defaultFlag" yaml:"defaultFlag"`
	VendorFlag          bool   `json:"vendorFlag" yaml:"vendorFlag"`
	ServiceAlertFlag    bool   `json:"serviceAlertFlag" yaml:"serviceAlertFlag"`
	ServiceAlertMessage string `json:"serviceAlertMessage,omitempty" yaml:"serviceAlertMessage,omitempty"`
	Info                Info   `json:"_info,omitempty" yaml:"_info,omitempty"`
}

// Company is a PSA company (the account).
type Company struct {
	ID              int    `json:"id" yaml:"id"`
	Identifier      string `json:"identifier" yaml:"identifier"`
	Name            string `json:"name" yaml:"name"`
	Status          *Ref   `json:"status,omitempty" yaml:"status,omitempty"`
	Types           []Ref  `json:"types,omitempty" yaml:"types,omitempty"`
	AddressLine1    string `json:"addressLine1,omitempty" yaml:"addressLine1,omitempty"`
	AddressLine2    string `json:"addressLine2,omitempty" yaml:"addressLine2,omitempty"`
	City            string `json:"city,omitempty" yaml:"city,omitempty"`
	State           string `json:"state,omitempty" yaml:"state,omitempty"`
	Zip             string `json:"zip,omitempty" yaml:"zip,omitempty"`
	Country         *Ref   `json:"country,omitempty" yaml:"country,omitempty"`
	PhoneNumber     string `json:"phoneNumber,omitempty" yaml:"phoneNumber,omitempty"`
	FaxNumber       string `json:"faxNumber,omitempty" yaml:"faxNumber,omitempty"`
	Website         string `json:"website,omitempty" yaml:"website,omitempty"`
	AccountNumber   string `json:"accountNumber,omitempty" yaml:"accountNumber,omitempty"`
	Site            *Ref   `json:"site,omitempty" yaml:"site,omitempty"`
	ParentCompany   *Ref   `json:"parentCompany,omitempty" yaml:"parentCompany,omitempty"`
	DateAcquired    string `json:"dateAcquired,omitempty" yaml:"dateAcquired,omitempty"`
	LeadFlag        bool   `json:"leadFlag" yaml:"leadFlag"`
	UnsubscribeFlag bool   `json:"unsubscribeFlag" yaml:"unsubscribeFlag"`
	IsVendorFlag    bool   `json:"isVendorFlag" yaml:"isVendorFlag"`
	DeletedFlag     bool   `json:"deletedFlag" yaml:"deletedFlag"`
	DateDeleted     string `json:"dateDeleted,omitempty" yaml:"dateDeleted,omitempty"`
	DeletedBy       string `json:"deletedBy,omitempty" yaml:"deletedBy,omitempty"`
	Info            Info   `json:"_info,omitempty" yaml:"_info,omitempty"`
}

// Site is a company site (a location).
type Site struct {
	ID                  int    `json:"id" yaml:"id"`
	Name                string `json:"name" yaml:"name"`
	AddressLine1        string `json:"addressLine1,omitempty" yaml:"addressLine1,omitempty"`
	AddressLine2        string `json:"addressLine2,omitempty" yaml:"addressLine2,omitempty"`
	City                string `json:"city,omitempty" yaml:"city,omitempty"`
	Zip                 string `json:"zip,omitempty" yaml:"zip,omitempty"`
	PhoneNumber         string `json:"phoneNumber,omitempty" yaml:"phoneNumber,omitempty"`
	Company             *Ref   `json:"company,omitempty" yaml:"company,omitempty"`
	PrimaryAddressFlag  bool   `json:"primaryAddressFlag" yaml:"primaryAddressFlag"`
	DefaultShippingFlag bool   `json:"defaultShippingFlag" yaml:"defaultShippingFlag"`
	DefaultBillingFlag  bool   `json:"defaultBillingFlag" yaml:"defaultBillingFlag"`
	DefaultMailingFlag  bool   `json:"defaultMailingFlag" yaml:"defaultMailingFlag"`
	InactiveFlag        bool   `json:"inactiveFlag" yaml:"inactiveFlag"`
	Info                Info   `json:"_info,omitempty" yaml:"_info,omitempty"`
}

// ConfigurationType is a configuration (asset) type.
type ConfigurationType struct {
	ID           int    `json:"id" yaml:"id"`
	Name         string `json:"name" yaml:"name"`
	InactiveFlag bool   `json:"inactiveFlag" yaml:"inactiveFlag"`
	SystemFlag   bool   `json:"systemFlag" yaml:"systemFlag"`
	Info         Info   `json:"_info,omitempty" yaml:"_info,omitempty"`
}

// Configuration is a configuration item (an asset).
type Configuration struct {
	ID               int    `json:"id" yaml:"id"`
	Name             string `json:"name" yaml:"name"`
	Type             *Ref   `json:"type,omitempty" yaml:"type,omitempty"`
	Status           *Ref   `json:"status,omitempty" yaml:"status,omitempty"`
	Company          *Ref   `json:"company,omitempty" yaml:"company,omitempty"`
	Contact          *Ref   `json:"contact,omitempty" yaml:"contact,omitempty"`
	Site             *Ref   `json:"site,omitempty" yaml:"site,omitempty"`
	SerialNumber     string `json:"serialNumber,omitempty" yaml:"serialNumber,omitempty"`
	TagNumber        string `json:"tagNumber,omitempty" yaml:"tagNumber,omitempty"`
	ModelNumber      string `json:"modelNumber,omitempty" yaml:"modelNumber,omitempty"`
	IPAddress        string `json:"ipAddress,omitempty" yaml:"ipAddress,omitempty"`
	MacAddress       string `json:"macAddress,omitempty" yaml:"macAddress,omitempty"`
	OSType           string `json:"osType,omitempty" yaml:"osType,omitempty"`
	OSInfo           string `json:"osInfo,omitempty" yaml:"osInfo,omitempty"`
	ActiveFlag       bool   `json:"activeFlag" yaml:"activeFlag"`
	DeviceIdentifier string `json:"deviceIdentifier,omitempty" yaml:"deviceIdentifier,omitempty"`
	LastLoginName    string `json:"lastLoginName,omitempty" yaml:"lastLoginName,omitempty"`
	Info             Info   `json:"_info,omitempty" yaml:"_info,omitempty"`
}

// CommunicationType is an entry of the communication types setup table ("Email", "Direct", ...).
// Kind is what CW reports as communicationType on a contact's item: Email, Phone or Fax.
type CommunicationType struct {
	ID   int    `json:"id" yaml:"id"`
	Name string `json:"name" yaml:"name"`
	Kind string `json:"kind" yaml:"kind"`
}

// CommunicationItem is one e-mail address or phone number of a contact.
type CommunicationItem struct {
	ID                int    `json:"id" yaml:"id"`
	Type              *Ref   `json:"type,omitempty" yaml:"type,omitempty"`
	Value             string `json:"value" yaml:"value"`
	Extension         string `json:"extension,omitempty" yaml:"extension,omitempty"`
	DefaultFlag       bool   `json:"defaultFlag" yaml:"defaultFlag"`
	CommunicationType string `json:"communicationType,omitempty" yaml:"communicationType,omitempty"`
}

// Contact is a company contact (an end user).
type Contact struct {
	ID                 int                 `json:"id" yaml:"id"`
	FirstName          string              `json:"firstName" yaml:"firstName"`
	LastName           string              `json:"lastName,omitempty" yaml:"lastName,omitempty"`
	Company            *Ref                `json:"company,omitempty" yaml:"company,omitempty"`
	Site               *Ref                `json:"site,omitempty" yaml:"site,omitempty"`
	Title              string              `json:"title,omitempty" yaml:"title,omitempty"`
	InactiveFlag       bool                `json:"inactiveFlag" yaml:"inactiveFlag"`
	DefaultFlag        bool                `json:"defaultFlag" yaml:"defaultFlag"`
	CommunicationItems []CommunicationItem `json:"communicationItems,omitempty" yaml:"communicationItems,omitempty"`
	DefaultPhoneNbr    string              `json:"defaultPhoneNbr,omitempty" yaml:"defaultPhoneNbr,omitempty"`
	Info               Info                `json:"_info,omitempty" yaml:"_info,omitempty"`
}

// SystemInfo is the body of GET /system/info.
type SystemInfo struct {
	Version        string `json:"version"`
	IsCloud        bool   `json:"isCloud"`
	ServerTimeZone string `json:"serverTimeZone"`
	CloudRegion    string `json:"cloudRegion,omitempty"`
}

// CompanyInfo is the body of the unauthenticated GET /login/companyinfo/{companyId}. Field names
// are PascalCase and IsCloud is a string, as in the CW developer guide's example.
type CompanyInfo struct {
	CompanyName   string `json:"CompanyName"`
	Codebase      string `json:"Codebase"`
	VersionCode   string `json:"VersionCode"`
	VersionNumber string `json:"VersionNumber"`
	CompanyID     string `json:"CompanyID"`
	IsCloud       string `json:"IsCloud"`
	SiteURL       string `json:"SiteUrl"`
}

func cloneInfo(in Info) Info {
	if in == nil {
		return nil
	}
	out := make(Info, len(in))
	for k, v := range in {
		out[k] = v
	}
	return out
}

func cloneRef(r *Ref) *Ref {
	if r == nil {
		return nil
	}
	c := *r
	c.Info = cloneInfo(r.Info)
	return &c
}

func (c Company) clone() Company {
	out := c
	out.Status = cloneRef(c.Status)
	out.Country = cloneRef(c.Country)
	out.Site = cloneRef(c.Site)
	out.ParentCompany = cloneRef(c.ParentCompany)
	out.Types = make([]Ref, len(c.Types))
	for i, t := range c.Types {
		out.Types[i] = *cloneRef(&t)
	}
	if len(c.Types) == 0 {
		out.Types = nil
	}
	out.Info = cloneInfo(c.Info)
	return out
}

func (s Site) clone() Site {
	out := s
	out.Company = cloneRef(s.Company)
	out.Info = cloneInfo(s.Info)
	return out
}

func (c Configuration) clone() Configuration {
	out := c
	out.Type = cloneRef(c.Type)
	out.Status = cloneRef(c.Status)
	out.Company = cloneRef(c.Company)
	out.Contact = cloneRef(c.Contact)
	out.Site = cloneRef(c.Site)
	out.Info = cloneInfo(c.Info)
	return out
}

func (c Contact) clone() Contact {
	out := c
	out.Company = cloneRef(c.Company)
	out.Site = cloneRef(c.Site)
	if c.CommunicationItems != nil {
		out.CommunicationItems = make([]CommunicationItem, len(c.CommunicationItems))
		for i, it := range c.CommunicationItems {
			it.Type = cloneRef(it.Type)
			out.CommunicationItems[i] = it
		}
	}
	out.Info = cloneInfo(c.Info)
	return out
}
