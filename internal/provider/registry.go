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

// Capabilities lists which capability interfaces c implements, for status and documentation.
func Capabilities(c Client) []string {
	var out []string
	add := func(ok bool, name string) {
		if ok {
			out = append(out, name)
		}
	}
	_, ok := c.(OrganizationLister)
	add(ok, "ListOrganizations")
	_, ok = c.(OrganizationFinder)
	add(ok, "FindOrganizationsByName")
	_, ok = c.(OrganizationCreator)
	add(ok, "CreateOrganization")
	_, ok = c.(MachineGroupLister)
	add(ok, "ListMachineGroups")
	_, ok = c.(ToolAssetLister)
	add(ok, "ListToolAssets")
	_, ok = c.(AccountLister)
	add(ok, "ListAccounts")
	_, ok = c.(AccountFinder)
	add(ok, "FindAccountsByName")
	_, ok = c.(StatusTypeLister)
	add(ok, "ListAccountStatusesAndTypes")
	_, ok = c.(AccountCreator)
	add(ok, "CreateAccount")
	_, ok = c.(LocationManager)
	add(ok, "Locations")
	_, ok = c.(DepartmentManager)
	add(ok, "Departments")
	_, ok = c.(AssetManager)
	add(ok, "Assets")
	_, ok = c.(UserLister)
	add(ok, "ListUsers")
	_, ok = c.(UserCreator)
	add(ok, "CreateUser")
	return out
}
