package halopsa

// Fixture is the simulator's starting state: the API application's credentials and the seed
// records. Field names of the records are Halo's wire names, so a fixture reads like a Halo
// response body.
type Fixture struct {
	// ClientID and ClientSecret are the only client-credentials pair the token endpoint accepts.
	ClientID     string `json:"clientId" yaml:"clientId"`
	ClientSecret string `json:"clientSecret" yaml:"clientSecret"`
	// Tenant, when set, is the only value accepted in the token request's tenant query
	// parameter. A request without the parameter is accepted: the host names the tenant.
	Tenant string `json:"tenant,omitempty" yaml:"tenant,omitempty"`
	// AuthURL overrides the auth_url that GET /api/authinfo reports; empty means
	// "{scheme}://{host}/auth" of the request, which is what a hosted Halo instance reports.
	AuthURL string `json:"authURL,omitempty" yaml:"authURL,omitempty"`
	// TokenLifetimeSeconds is the expires_in of issued tokens; zero means 3600 (Halo's usual).
	TokenLifetimeSeconds int `json:"tokenLifetimeSeconds,omitempty" yaml:"tokenLifetimeSeconds,omitempty"`

	// InternalClientID names the MSP's own internal client, which GET /api/Client leaves out
	// when asked with exclude_internal=true. Zero means none.
	InternalClientID int `json:"internalClientId,omitempty" yaml:"internalClientId,omitempty"`

	TopLevels  []TopLevel  `json:"toplevels,omitempty" yaml:"toplevels,omitempty"`
	AssetTypes []AssetType `json:"assettypes,omitempty" yaml:"assettypes,omitempty"`
	Clients    []Client    `json:"clients,omitempty" yaml:"clients,omitempty"`
	Sites      []Site      `json:"sites,omitempty" yaml:"sites,omitempty"`
	Users      []User      `json:"users,omitempty" yaml:"users,omitempty"`
	Assets     []Asset     `json:"assets,omitempty" yaml:"assets,omitempty"`
	// RecurringInvoices are the billing lines (billing.go).
	RecurringInvoices []RecurringInvoice `json:"recurringInvoices,omitempty" yaml:"recurringInvoices,omitempty"`
}

// TopLevel is a Halo top level, the grouping of clients (e.g. "Managed", "Prospects"). The
// swagger's schema (Tree) has no inactive flag.
type TopLevel struct {
	ID   int    `json:"id" yaml:"id"`
	Name string `json:"name" yaml:"name"`
}

// AssetType is a Halo asset type (schema Xtype), e.g. "Workstation"; every asset has one.
type AssetType struct {
	ID   int    `json:"id" yaml:"id"`
	Name string `json:"name" yaml:"name"`
}

// Client is a Halo client (schema Area). toplevel_name, main_site_id and main_site_name are
// maintained by the simulator, as Halo derives them.
type Client struct {
	ID           int    `json:"id" yaml:"id"`
	Name         string `json:"name" yaml:"name"`
	TopLevelID   int    `json:"toplevel_id" yaml:"toplevel_id"`
	TopLevelName string `json:"toplevel_name" yaml:"toplevel_name"`
	Inactive     bool   `json:"inactive" yaml:"inactive"`
	MainSiteID   int    `json:"main_site_id" yaml:"main_site_id"`
	MainSiteName string `json:"main_site_name" yaml:"main_site_name"`
}

// Site is a Halo site (a client's location).
type Site struct {
	ID         int    `json:"id" yaml:"id"`
	Name       string `json:"name" yaml:"name"`
	ClientID   int    `json:"client_id" yaml:"client_id"`
	ClientName string `json:"client_name" yaml:"client_name"`
	Inactive   bool   `json:"inactive" yaml:"inactive"`
}

// User is a Halo end user (schema Users).
type User struct {
	ID           int    `json:"id" yaml:"id"`
	Name         string `json:"name" yaml:"name"`
	FirstName    string `json:"firstname" yaml:"firstname"`
	Surname      string `json:"surname" yaml:"surname"`
	SiteID       int    `json:"site_id" yaml:"site_id"`
	SiteName     string `json:"site_name" yaml:"site_name"`
	ClientID     int    `json:"client_id" yaml:"client_id"`
	ClientName   string `json:"client_name" yaml:"client_name"`
	EmailAddress string `json:"emailaddress" yaml:"emailaddress"`
	PhoneNumber  string `json:"phonenumber" yaml:"phonenumber"`
	MobileNumber string `json:"mobilenumber" yaml:"mobilenumber"`
	Inactive     bool   `json:"inactive" yaml:"inactive"`
}

// Asset is a Halo asset (schema Device). key_field mirrors inventory_number: in Halo it is the
// asset type's display field, which for the default asset type is the asset tag.
type Asset struct {
	ID              int    `json:"id" yaml:"id"`
	InventoryNumber string `json:"inventory_number" yaml:"inventory_number"`
	KeyField        string `json:"key_field" yaml:"key_field"`
	ClientID        int    `json:"client_id" yaml:"client_id"`
	ClientName      string `json:"client_name" yaml:"client_name"`
	SiteID          int    `json:"site_id" yaml:"site_id"`
	SiteName        string `json:"site_name" yaml:"site_name"`
	AssetTypeID     int    `json:"assettype_id" yaml:"assettype_id"`
	AssetTypeName   string `json:"assettype_name" yaml:"assettype_name"`
	Inactive        bool   `json:"inactive" yaml:"inactive"`
	KaseyaID        string `json:"kaseya_id" yaml:"kaseya_id"`
}
