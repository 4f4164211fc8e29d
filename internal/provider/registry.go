package provider

import (
	"fmt"
	"sort"
	"sync"
)

// Factory builds a client for one product.
type Factory struct {
	Name         Name
	Side         Side
	RequiredKeys []string
	OptionalKeys []string
	// DefaultRequestsPerMinute and DefaultBurst apply when the connection sets no rateLimit;
	// they follow the vendor's documented limits (see each package doc).
	DefaultRequestsPerMinute int
	DefaultBurst             int
	// Limit is the vendor's documented budget (docs/providers): a policy plans its syncs within
	// it and stretches its interval when a sync's calls do not fit.
	Limit RateLimit
	// New builds the client. Config carries the effective rate limit; creds have been checked.
	New func(cfg Config, creds Credentials) (Client, error)
}

var (
	mu        sync.RWMutex
	factories = map[Name]Factory{}
)

// Register adds a factory; a second registration of the same name is a programming error.
func Register(f Factory) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := factories[f.Name]; dup {
		panic(fmt.Sprintf("provider %q registered twice", f.Name))
	}
	factories[f.Name] = f
}

// Lookup returns the factory for name.
func Lookup(name Name) (Factory, bool) {
	mu.RLock()
	defer mu.RUnlock()
	f, ok := factories[name]
	return f, ok
}

// LimitOf returns the documented rate limit of a provider (zero when it has none).
func LimitOf(name Name) RateLimit {
	f, _ := Lookup(name)
	return f.Limit
}

// Names lists the registered providers, sorted.
func Names() []Name {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]Name, 0, len(factories))
	for n := range factories {
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Build validates the credentials against the factory's keys, applies rate-limit defaults and
// builds the client. A missing key yields *MissingKeyError.
func Build(name Name, cfg Config, creds Credentials) (Client, error) {
	f, ok := Lookup(name)
	if !ok {
		return nil, fmt.Errorf("unknown provider %q", name)
	}
	for _, k := range f.RequiredKeys {
		if len(creds[k]) == 0 {
			return nil, &MissingKeyError{Key: k}
		}
	}
	if cfg.RequestsPerMinute == 0 {
		cfg.RequestsPerMinute = f.DefaultRequestsPerMinute
	}
	if cfg.Burst == 0 {
		cfg.Burst = f.DefaultBurst
	}
	if cfg.URL == nil {
		return nil, fmt.Errorf("provider %q: no URL", name)
	}
	return f.New(cfg, creds)
}

// Capability names, as IntegrationConnection.status.capabilities lists them. Each stands for one
// capability interface (or a pair that is only useful together).
const (
	CapListOrganizations  = "ListOrganizations"
	CapFindOrganizations  = "FindOrganizationsByName"
	CapCreateOrganization = "CreateOrganization"
	CapListMachineGroups  = "ListMachineGroups"
	CapListToolAssets     = "ListToolAssets"
	CapListAccounts       = "ListAccounts"
	CapFindAccounts       = "FindAccountsByName"
	CapStatusesAndTypes   = "ListAccountStatusesAndTypes"
	CapCreateAccount      = "CreateAccount"
	CapLocations          = "Locations"
	CapDepartments        = "Departments"
	CapAssets             = "Assets"
	CapListUsers          = "ListUsers"
	CapCreateUser         = "CreateUser"
	CapAlerts             = "Alerts"
	CapTickets            = "Tickets"
)

func implements[T any](c Client) bool {
	_, ok := c.(T)
	return ok
}

// capabilityTable maps each capability name to its interface, in the order status lists them.
var capabilityTable = []struct {
	name string
	has  func(Client) bool
}{
	{CapListOrganizations, implements[OrganizationLister]},
	{CapFindOrganizations, implements[OrganizationFinder]},
	{CapCreateOrganization, implements[OrganizationCreator]},
	{CapListMachineGroups, implements[MachineGroupLister]},
	{CapListToolAssets, implements[ToolAssetLister]},
	{CapListAccounts, implements[AccountLister]},
	{CapFindAccounts, implements[AccountFinder]},
	{CapStatusesAndTypes, implements[StatusTypeLister]},
	{CapCreateAccount, implements[AccountCreator]},
	{CapLocations, implements[LocationManager]},
	{CapDepartments, implements[DepartmentManager]},
	{CapAssets, implements[AssetManager]},
	{CapListUsers, implements[UserLister]},
	{CapCreateUser, implements[UserCreator]},
	{CapMonthlyUsage, implements[MonthlyUsageReader]},
	{CapBillingLines, implements[BillingLineManager]},
	{CapAlerts, implements[AlertSource]},
	{CapTickets, implements[TicketTarget]},
}

// Capabilities lists which capability interfaces c implements, for status and documentation.
func Capabilities(c Client) []string {
	var out []string
	for _, cap := range capabilityTable {
		if cap.has(c) {
			out = append(out, cap.name)
		}
	}
	return out
}

// Has reports whether c offers the named capability; an unknown name is never offered.
func Has(c Client, capability string) bool {
	for _, cap := range capabilityTable {
		if cap.name == capability {
			return cap.has(c)
		}
	}
	return false
}
