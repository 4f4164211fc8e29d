package gravityzone

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// DefaultEnabledAPIs is what getApiKeyDetails reports (and what the key may call) when a fixture
// names no APIs: the services an MSP integration key usually has ticked.
var DefaultEnabledAPIs = []string{"companies", "licensing", "accounts", "network", "packages", "policies", "reports"}

// Fixture is the simulator's starting state.
type Fixture struct {
	// APIKeys are the accepted API keys (HTTP Basic user name, empty password).
	APIKeys []string `json:"apiKeys" yaml:"apiKeys"`
	// EnabledAPIs are the services the keys may call; empty means DefaultEnabledAPIs. The
	// general service (getApiKeyDetails) is always callable, as on the real console.
	EnabledAPIs []string `json:"enabledApis,omitempty" yaml:"enabledApis,omitempty"`
	// KeyCreatedAt is getApiKeyDetails' createdAt (UTC, "2006-01-02T15:04:05"); empty means a fixed date.
	KeyCreatedAt string `json:"keyCreatedAt,omitempty" yaml:"keyCreatedAt,omitempty"`
	// Partner is the company the API keys belong to (the MSP); it is always of partner type.
	Partner FixtureCompany `json:"partner,omitempty" yaml:"partner,omitempty"`
	// Companies are the managed companies. An empty ParentID places one directly under Partner.
	Companies []FixtureCompany `json:"companies,omitempty" yaml:"companies,omitempty"`
	// BasePath is the access URL's path; empty means "/api" (the cloud console's access URL).
	BasePath string `json:"basePath,omitempty" yaml:"basePath,omitempty"`
	// MonthlyUsage seeds licensing.getMonthlyUsage (licensing.go).
	MonthlyUsage []FixtureUsage `json:"monthlyUsage,omitempty" yaml:"monthlyUsage,omitempty"`
}

// FixtureUsage is one company's monthly-usage counter for one month.
type FixtureUsage struct {
	// CompanyID names the company by id, or CompanyName by name (for generated ids).
	CompanyID   string `json:"companyId,omitempty" yaml:"companyId,omitempty"`
	CompanyName string `json:"companyName,omitempty" yaml:"companyName,omitempty"`
	// Month is "mm/yyyy".
	Month   string `json:"month" yaml:"month"`
	Counter string `json:"counter" yaml:"counter"`
	Value   int    `json:"value" yaml:"value"`
}

// FixtureCompany seeds one company.
type FixtureCompany struct {
	// ID is the 24-hex company id; empty means a deterministic generated one.
	ID   string `json:"id,omitempty" yaml:"id,omitempty"`
	Name string `json:"name" yaml:"name"`
	// IsPartner makes the company a partner (type 0) that may hold companies of its own;
	// otherwise it is a customer (type 1).
	IsPartner bool   `json:"isPartner,omitempty" yaml:"isPartner,omitempty"`
	ParentID  string `json:"parentId,omitempty" yaml:"parentId,omitempty"`
	Suspended bool   `json:"suspended,omitempty" yaml:"suspended,omitempty"`
	// LicenseType is matched by getCompaniesList's filters.licenseType (1 trial, 2 license,
	// 3 monthly subscription); zero means 2.
	LicenseType int `json:"licenseType,omitempty" yaml:"licenseType,omitempty"`
}

// Company types as the API numbers them.
const (
	TypePartner  = 0
	TypeCustomer = 1
)

// maxNameLength is createCompany's documented limit on name.
const maxNameLength = 64

// Company is a company as the simulator stores it.
type Company struct {
	ID          string
	Name        string
	Type        int
	ParentID    string
	Suspended   bool
	LicenseType int
	CreatedAt   string // UTC, "2006-01-02T15:04:05", as the API prints it
}

// validate reports fixture mistakes that would make the simulator answer impossibly (two
// companies with one name, a parent that does not exist).
func (f Fixture) validate() error {
	ids := map[string]bool{}
	names := map[string]bool{}
	partners := map[string]bool{}
	if f.Partner.ID != "" {
		ids[f.Partner.ID] = true
		partners[f.Partner.ID] = true
	}
	if f.Partner.Name != "" {
		names[strings.ToLower(f.Partner.Name)] = true
	}
	for i, c := range f.Companies {
		if strings.TrimSpace(c.Name) == "" {
			return fmt.Errorf("companies[%d]: name is empty", i)
		}
		if utf8.RuneCountInString(c.Name) > maxNameLength {
			return fmt.Errorf("companies[%d]: name longer than %d characters", i, maxNameLength)
		}
		key := strings.ToLower(c.Name)
		if names[key] {
			return fmt.Errorf("companies[%d]: name %q is used twice (GravityZone names are unique)", i, c.Name)
		}
		names[key] = true
		if c.ID != "" {
			if ids[c.ID] {
				return fmt.Errorf("companies[%d]: id %q is used twice", i, c.ID)
			}
			ids[c.ID] = true
			if c.IsPartner {
				partners[c.ID] = true
			}
		}
		if c.ParentID != "" && c.ParentID != f.Partner.ID && !partners[c.ParentID] {
			return fmt.Errorf("companies[%d]: parent %q is not the partner nor an earlier partner company", i, c.ParentID)
		}
	}
	for i, u := range f.MonthlyUsage {
		if !targetMonthPattern.MatchString(u.Month) {
			return fmt.Errorf("monthlyUsage[%d]: month %q is not mm/yyyy", i, u.Month)
		}
		if (u.CompanyID == "") == (u.CompanyName == "") {
			return fmt.Errorf("monthlyUsage[%d]: give exactly one of companyId and companyName", i)
		}
		if u.CompanyName != "" && !names[strings.ToLower(u.CompanyName)] {
			return fmt.Errorf("monthlyUsage[%d]: no company named %q", i, u.CompanyName)
		}
	}
	return nil
}
