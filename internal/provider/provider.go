// Package provider defines what AccountSync needs from a vendor API, split into small capability
// interfaces so a controller asks for exactly what it uses and a product declares exactly what it
// offers. One package per vendor lives beneath this one; each registers a Factory in init().
//
// Every verb is idempotent from the caller's point of view except the Create* verbs, which the
// mapping controller guards with a look-up before and after (see internal/creation).
package provider

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Side says whether a product is the system of record (PSA) or a tool that maps to it.
type Side string

const (
	SidePSA  Side = "PSA"
	SideTool Side = "Tool"
)

// Name is the value of IntegrationConnection.spec.provider.
type Name string

const (
	KaseyaVSA      Name = "KaseyaVSA"
	GravityZone    Name = "GravityZone"
	CyberQP        Name = "CyberQP"
	KaseyaBMS      Name = "KaseyaBMS"
	ConnectWisePSA Name = "ConnectWisePSA"
	HaloPSA        Name = "HaloPSA"
)

// Config is everything a client needs except credentials.
type Config struct {
	// URL is the address the user copied from the vendor portal (see API.md); clients add paths.
	URL *url.URL
	// Timeout bounds one HTTP request (not a whole paged listing).
	Timeout time.Duration
	// RequestsPerMinute and Burst size the connection's token bucket; zero means provider default.
	RequestsPerMinute int
	Burst             int
	// TLS is applied to the transport; nil means system roots.
	TLS *tls.Config
	// Transport overrides the base round tripper (tests); nil means a clone of http.DefaultTransport.
	Transport http.RoundTripper
	// MaxRetries bounds retries of one request on 429/5xx/network errors; zero means default (5).
	MaxRetries int
	// Backoff is the base of the jittered exponential back-off; zero means 500ms.
	Backoff time.Duration
	// MaxRetryAfter caps how long one request waits for a server's Retry-After; a longer (or
	// deadline-passing) delay is returned at once as an error carrying it. Zero means 5 minutes.
	MaxRetryAfter time.Duration
	// AuthURL is an authorisation server the user named in the spec (HaloPSA spec.authURL):
	// besides URL's own origin, the only origin that may receive credentials. Nil means none.
	AuthURL *url.URL
}

// Credentials are the Secret's data keys.
type Credentials map[string][]byte

// Client is what every provider returns. Capabilities are discovered by type assertion on the
// capability interfaces below; Capabilities() lists them for status and docs.
type Client interface {
	Prober
	Provider() Name
	Side() Side
	// CallCount is the number of outbound HTTP requests this client has made (retries included);
	// controllers diff it around a sync to report status.apiCalls.
	CallCount() int64
}

// ProbeResult is what the cheapest authenticated call tells about the server.
type ProbeResult struct {
	ServerVersion string
}

// Prober checks that the endpoint is reachable and the credentials are accepted.
type Prober interface {
	Probe(ctx context.Context) (ProbeResult, error)
}

// ---- Tool side -------------------------------------------------------------------------------

// Organization is a tool's customer record (VSA org, GravityZone company, CyberQP customer).
type Organization struct {
	ID   string
	Name string
	// Profile is what the listing already returned beyond the name (never fetched per record).
	Profile Profile
}

// Profile is what a vendor's listing tells about a customer beyond its name: the signals the
// suggester compares (internal/suggest). Every field is optional; a client fills only what the
// listing it already makes returns, and never makes an extra call per record for it.
type Profile struct {
	Website    string // web address as stored ("www.acme.com", "https://acme.com/")
	Email      string // an e-mail address of the customer (its domain is compared)
	Phone      string
	Street     string // first address line
	City       string
	PostalCode string
}

// OrganizationLister lists every organization of the tool.
type OrganizationLister interface {
	ListOrganizations(ctx context.Context) ([]Organization, error)
}

// OrganizationFinder returns organizations whose name equals name, case-insensitively.
type OrganizationFinder interface {
	FindOrganizationsByName(ctx context.Context, name string) ([]Organization, error)
}

// OrganizationCreator creates an organization; a duplicate name yields ErrNameConflict.
type OrganizationCreator interface {
	CreateOrganization(ctx context.Context, name string) (Organization, error)
}

// MachineGroup is a VSA machine group (the unit of Group Id / Custom location mapping).
type MachineGroup struct {
	ID             string
	Name           string
	OrganizationID string
}

// MachineGroupLister lists machine groups of one organization.
type MachineGroupLister interface {
	ListMachineGroups(ctx context.Context, organizationID string) ([]MachineGroup, error)
}

// ToolAsset is a managed machine in a tool (a VSA agent).
type ToolAsset struct {
	ID             string // stable key: becomes the PSA asset's external key
	Name           string
	OrganizationID string
	MachineGroup   string // group name (not the full dotted path)
	SerialNumber   string
	OS             string
	IPAddress      string
	LastUser       string
	// Dormant: the agent is suspended or has never checked in (VSA Online 198 / 199). It is
	// still an asset, but the billing service does not count it.
	Dormant bool
}

// ToolAssetLister lists a tool's assets. An empty organizationID lists all.
type ToolAssetLister interface {
	ListToolAssets(ctx context.Context, organizationID string) ([]ToolAsset, error)
}

// ---- PSA side --------------------------------------------------------------------------------

// Account is a PSA customer record (BMS account, ConnectWise company, Halo client).
type Account struct {
	ID       string
	Name     string
	Status   string   // status name, where the PSA has statuses
	Types    []string // type names, where the PSA has types
	Inactive bool
	// Profile is what the listing already returned beyond the name (never fetched per record).
	Profile Profile
	// Locations are the account's locations where the account listing carries them (the
	// Kaseya BMS summary rows): non-nil then, even when empty; nil when it does not.
	Locations []Location
}

// NamedRef is an id/name pair such as a ConnectWise company status or type.
type NamedRef struct {
	ID       string
	Name     string
	Inactive bool // for statuses: the status marks a company inactive
}

// AccountFilter narrows a listing on the server. Empty slices mean "no constraint".
type AccountFilter struct {
	StatusIDs       []string
	TypeIDs         []string // an account qualifies if it has any of them
	IncludeInactive bool
}

// AccountLister lists accounts with a server-side filter.
type AccountLister interface {
	ListAccounts(ctx context.Context, filter AccountFilter) ([]Account, error)
}

// AccountCounter counts accounts matching a filter without listing them (ConnectWise's
// /count endpoints), so a policy can report how many accounts its filter leaves out.
type AccountCounter interface {
	CountAccounts(ctx context.Context, filter AccountFilter) (int, error)
}

// AccountFinder returns every account whose name equals name case-insensitively, whatever its
// status, type or activity: the creation guard must see records the sync filter leaves out.
type AccountFinder interface {
	FindAccountsByName(ctx context.Context, name string) ([]Account, error)
}

// StatusTypeLister lists the PSA's account statuses and types, which are customisable per
// environment (the ConnectWise seed): names are resolved to ids by API, never assumed.
type StatusTypeLister interface {
	ListAccountStatuses(ctx context.Context) ([]NamedRef, error)
	ListAccountTypes(ctx context.Context) ([]NamedRef, error)
}

// AccountCreate describes a new account.
type AccountCreate struct {
	Name     string
	StatusID string // optional
	TypeID   string // optional
	// ManagerID and BusinessTypeID are ids a PSA may require on a create (Kaseya BMS), as
	// CreateSettingsResolver resolved them from the policy; empty where the PSA needs none.
	ManagerID      string
	BusinessTypeID string
}

// CreateSettings are the values beyond a name that a PSA requires to create an account or an
// asset (the policy's spec.creation.kaseyaBMS): as the policy writes them (a name, an e-mail
// or an id), or as ids once resolved.
type CreateSettings struct {
	AccountType    string // the id of the type a new account gets (the first filter type)
	AccountManager string
	BusinessType   string
	AssetCategory  string
	// ForAccounts and ForAssets say which creates the policy makes, so only the settings they
	// need are required; a value that is given is resolved either way.
	ForAccounts, ForAssets bool
}

// CreateSettingsResolver is implemented by PSAs whose creates need CreateSettings. Resolve
// returns them as ids; a value that names nothing in the PSA is a *SettingError, which the
// policy reports as InvalidSpec. Empty values stay empty (the create then fails, naming what
// is missing).
type CreateSettingsResolver interface {
	ResolveCreateSettings(ctx context.Context, in CreateSettings) (CreateSettings, error)
}

// SettingError is a create setting that does not resolve in the PSA.
type SettingError struct {
	Setting string   // accountType, accountManager, businessType or assetCategory
	Value   string   // as written in the policy
	Choices []string // what the PSA offers ("Name (id)"), when it can list them
	Reason  string   // why, when there are no choices to list
}

func (e *SettingError) Error() string { return e.Setting + ": " + e.Detail() }

// Detail is the message without the setting's name, for a caller that names the field itself.
func (e *SettingError) Detail() string {
	var msg string
	if e.Value != "" {
		msg = fmt.Sprintf("%q does not exist in this PSA", e.Value)
	}
	if e.Reason != "" {
		if msg != "" {
			msg += ": "
		}
		msg += e.Reason
	}
	if len(e.Choices) > 0 {
		msg += " (available: " + strings.Join(e.Choices, ", ") + ")"
	}
	return msg
}

// AccountCreator creates an account; a duplicate name yields ErrNameConflict where the PSA
// enforces uniqueness.
type AccountCreator interface {
	CreateAccount(ctx context.Context, in AccountCreate) (Account, error)
}

// Location is an account's site / location.
type Location struct {
	ID     string
	Name   string
	IsMain bool
}

// LocationManager lists and creates an account's locations.
type LocationManager interface {
	ListLocations(ctx context.Context, accountID string) ([]Location, error)
	CreateLocation(ctx context.Context, accountID, name string) (Location, error)
}

// Department is an informational division of an account, where a PSA has them.
type Department struct {
	ID   string
	Name string
}

// DepartmentManager lists and creates an account's departments.
type DepartmentManager interface {
	ListDepartments(ctx context.Context, accountID string) ([]Department, error)
	CreateDepartment(ctx context.Context, accountID, name string) (Department, error)
}

// PSAAsset is an asset / configuration in the PSA, keyed by the tool asset it came from.
type PSAAsset struct {
	ID           string
	AccountID    string
	ExternalKey  string // the ToolAsset.ID it mirrors
	Name         string
	LocationID   string
	DepartmentID string
	SerialNumber string
	OS           string
	IPAddress    string
	// Category is the PSA's asset category or type (a name or an id, as the PSA takes it): set
	// on a create from the policy, read back from the PSA on a listing so an update keeps it.
	Category string
}

// AssetCategoryLister is implemented by PSAs whose assets need a category / type chosen from a
// per-tenant list, so a policy's setting can be checked by name before any asset is written.
type AssetCategoryLister interface {
	ListAssetCategories(ctx context.Context) ([]NamedRef, error)
}

// AssetManager lists an account's assets and creates or updates one. UpdateAsset replaces the
// fields above on the record with the given ID.
type AssetManager interface {
	ListAssets(ctx context.Context, accountID string) ([]PSAAsset, error)
	CreateAsset(ctx context.Context, in PSAAsset) (PSAAsset, error)
	UpdateAsset(ctx context.Context, in PSAAsset) (PSAAsset, error)
}

// AssetFields says which optional PSAAsset fields a PSA stores.
type AssetFields struct {
	SerialNumber bool
	OS           bool
	IPAddress    bool
}

// AssetFieldReporter is implemented by PSAs that keep only some optional asset fields (HaloPSA
// keeps them in tenant-specific asset-type fields). Change detection compares only what is kept,
// so a field the PSA cannot store does not cause an update on every sync. A PSA that does not
// implement it stores all of them.
type AssetFieldReporter interface {
	StoredAssetFields() AssetFields
}

// ---- Users (both sides) ----------------------------------------------------------------------

// User is an end user / contact.
type User struct {
	ID        string
	FirstName string
	LastName  string
	Name      string // display name; FirstName+LastName when the product has no display name
	Email     string
	Phone     string
}

// UserLister lists the users of one organization (tool) or account (PSA).
type UserLister interface {
	ListUsers(ctx context.Context, ownerID string) ([]User, error)
}

// UserCreator creates a user under an account (PSA).
type UserCreator interface {
	CreateUser(ctx context.Context, accountID string, in User) (User, error)
}
