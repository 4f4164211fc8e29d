package connectwise

// Fixture is the simulator's starting state: the credentials it accepts and the seed records.
// Records with ID 0 get the next free id; references (status, types, company, site, type) need
// only their id and get their names filled in.
type Fixture struct {
	// CompanyID, PublicKey and PrivateKey form the Basic credentials
	// "companyId+publicKey:privateKey"; the company id is compared case-insensitively.
	CompanyID  string `json:"companyId" yaml:"companyId"`
	PublicKey  string `json:"publicKey" yaml:"publicKey"`
	PrivateKey string `json:"privateKey" yaml:"privateKey"`
	// ClientID is the integration's clientId; the header is always required, and when ClientID
	// is set its value must match (case-insensitively, it is a GUID).
	ClientID string `json:"clientId" yaml:"clientId"`
	// CompanyName is reported by /login/companyinfo; defaults to CompanyID.
	CompanyName string `json:"companyName,omitempty" yaml:"companyName,omitempty"`
	// Codebase is the path prefix the API lives under; default "v4_6_release/".
	Codebase string `json:"codebase,omitempty" yaml:"codebase,omitempty"`
	// Version is reported by /system/info; default "v2025.1.10432".
	Version string `json:"version,omitempty" yaml:"version,omitempty"`

	Statuses           []CompanyStatus     `json:"statuses,omitempty" yaml:"statuses,omitempty"`
	Types              []CompanyType       `json:"types,omitempty" yaml:"types,omitempty"`
	Companies          []Company           `json:"companies,omitempty" yaml:"companies,omitempty"`
	Sites              []Site              `json:"sites,omitempty" yaml:"sites,omitempty"`
	ConfigurationTypes []ConfigurationType `json:"configurationTypes,omitempty" yaml:"configurationTypes,omitempty"`
	Configurations     []Configuration     `json:"configurations,omitempty" yaml:"configurations,omitempty"`
	// CommunicationTypes defaults to Email, Direct, Cell and Fax when empty.
	CommunicationTypes []CommunicationType `json:"communicationTypes,omitempty" yaml:"communicationTypes,omitempty"`
	Contacts           []Contact           `json:"contacts,omitempty" yaml:"contacts,omitempty"`
	// Agreements and Additions are the recurring billing lines (billing.go).
	Agreements []Agreement `json:"agreements,omitempty" yaml:"agreements,omitempty"`
	Additions  []Addition  `json:"additions,omitempty" yaml:"additions,omitempty"`
	// Boards (with their statuses) and Priorities make the service desk (tickets.go).
	Boards     []Board    `json:"boards,omitempty" yaml:"boards,omitempty"`
	Priorities []Priority `json:"priorities,omitempty" yaml:"priorities,omitempty"`
}

// Ids of DefaultFixture's setup records. They deliberately differ from a fresh CW install's
// (where Active is 1) because statuses and types are customisable per environment: a client
// that assumes an id instead of resolving names fails against this fixture.
const (
	StatusActive     = 17
	StatusInactive   = 23
	StatusCreditHold = 31
	StatusNotActive  = 38
	TypeClient       = 42
	TypeProspect     = 7
	TypeVendor       = 9
	TypePartner      = 11
	ConfigTypeServer = 61
	ConfigTypeWS     = 62
)

// DefaultFixture is a small tenant: four statuses (two inactive), four types, a few companies
// across them with main sites, and the usual communication and configuration types.
func DefaultFixture() Fixture {
	return Fixture{
		CompanyID:   "acmemsp",
		PublicKey:   "pubKey7Hq2",
		PrivateKey:  "privKey9Zx4",
		ClientID:    "6d1c2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f",
		CompanyName: "Acme MSP",
		Statuses: []CompanyStatus{
			{ID: StatusActive, Name: "Active", DefaultFlag: true},
			{ID: StatusInactive, Name: "Inactive", InactiveFlag: true},
			{ID: StatusCreditHold, Name: "Credit Hold"},
			{ID: StatusNotActive, Name: "Not Approved", InactiveFlag: true},
		},
		Types: []CompanyType{
			{ID: TypeProspect, Name: "Prospect"},
			{ID: TypeVendor, Name: "Vendor", VendorFlag: true},
			{ID: TypePartner, Name: "Partner"},
			{ID: TypeClient, Name: "Client", DefaultFlag: true},
		},
		Companies: []Company{
			{ID: 250, Identifier: "AcmeCorp", Name: "Acme Corp", Status: &Ref{ID: StatusActive}, Types: []Ref{{ID: TypeClient}}, City: "Tampa"},
			{ID: 251, Identifier: "Globex", Name: "Globex", Status: &Ref{ID: StatusActive}, Types: []Ref{{ID: TypeProspect}}, City: "Springfield"},
			{ID: 252, Identifier: "Initech", Name: "Initech", Status: &Ref{ID: StatusInactive}, Types: []Ref{{ID: TypeClient}}, City: "Austin"},
			{ID: 253, Identifier: "Umbrella", Name: "Umbrella Corporation", Status: &Ref{ID: StatusCreditHold}, Types: []Ref{{ID: TypeClient}, {ID: TypePartner}}, City: "Raccoon City"},
		},
		Sites: []Site{
			{ID: 1001, Name: "Main", Company: &Ref{ID: 250}, PrimaryAddressFlag: true, DefaultBillingFlag: true, DefaultShippingFlag: true, DefaultMailingFlag: true},
			{ID: 1002, Name: "Warehouse", Company: &Ref{ID: 250}},
			{ID: 1003, Name: "Main", Company: &Ref{ID: 251}, PrimaryAddressFlag: true},
		},
		ConfigurationTypes: []ConfigurationType{
			{ID: ConfigTypeServer, Name: "Managed Server"},
			{ID: ConfigTypeWS, Name: "Managed Workstation"},
		},
	}
}

// defaultCommunicationTypes mirrors a fresh CW setup table.
func defaultCommunicationTypes() []CommunicationType {
	return []CommunicationType{
		{ID: 1, Name: "Email", Kind: "Email"},
		{ID: 2, Name: "Direct", Kind: "Phone"},
		{ID: 3, Name: "Fax", Kind: "Fax"},
		{ID: 4, Name: "Cell", Kind: "Phone"},
	}
}

// Validate reports whether New would accept f (duplicate names, dangling references, ...).
func (f Fixture) Validate() error {
	_, err := build(f)
	return err
}
