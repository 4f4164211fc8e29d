package provider

import (
	"context"
	"fmt"
	"time"
)

// InventoryRequest says which records under PSA accounts one sync needs.
type InventoryRequest struct {
	// AccountIDs are the accounts the policy's mappings link. A PSA whose API lists a kind
	// connection-wide ignores them for that kind; one that can only list per account (the
	// ConnectWise sites) reads just these.
	AccountIDs []string
	// Accounts are the accounts the policy listed this sync. A PSA whose account listing
	// carries the locations (Account.Locations) takes them from here instead of listing again.
	Accounts                              []Account
	Assets, Locations, Departments, Users bool
}

// Inventory is what a PSA holds under its accounts, keyed by account id, as read once per sync
// for every mapping of a policy. A kind that was not requested is nil; an account without
// records of a requested kind is simply absent from its map.
type Inventory struct {
	Assets    map[string][]PSAAsset
	Locations map[string][]Location
	// Departments stays nil on a PSA without departments, even when requested.
	Departments map[string][]Department
	Users       map[string][]User
	// LocationsOnlyRequested: Locations holds only req.AccountIDs (each with an entry, empty
	// when the account has none), because the PSA cannot list locations connection-wide.
	LocationsOnlyRequested bool
}

// InventoryLister is implemented by PSAs that read assets, locations, departments and users
// for many accounts at once, in the largest pages the vendor serves, instead of one listing
// per account and kind. The records match what the per-account calls (AssetManager.ListAssets,
// LocationManager.ListLocations, DepartmentManager.ListDepartments, UserLister.ListUsers) return.
type InventoryLister interface {
	ListInventory(ctx context.Context, req InventoryRequest) (Inventory, error)
}

// RateLimit is a vendor's documented request budget: Requests per Per, for the whole API key
// or, with PerEndpoint, for each endpoint on its own (Kaseya BMS v2). A zero Requests means the
// vendor publishes none and the connection's token bucket is the only bound.
type RateLimit struct {
	Requests    int
	Per         time.Duration
	PerEndpoint bool
	// WarmUp are operations whose calls a client cache absorbs after its first listing (Kaseya
	// BMS: GetAsset, one per asset after a manager start). A sync period's cost leaves them
	// out, so a cold start does not stretch the interval of every later sync.
	WarmUp []string
	// Source says where the figure comes from (a vendor page, or "assumption: ...").
	Source string
}

// PerHour is the budget in calls per hour (0 when there is none).
func (l RateLimit) PerHour() float64 {
	if l.Requests <= 0 || l.Per <= 0 {
		return 0
	}
	return float64(l.Requests) * float64(time.Hour) / float64(l.Per)
}

// String reads like "1500 calls/hour per endpoint".
func (l RateLimit) String() string {
	if l.Requests <= 0 || l.Per <= 0 {
		return "no published limit"
	}
	unit := l.Per.String()
	switch l.Per {
	case time.Second:
		unit = "second"
	case time.Minute:
		unit = "minute"
	case time.Hour:
		unit = "hour"
	}
	s := fmt.Sprintf("%d calls/%s", l.Requests, unit)
	if l.PerEndpoint {
		s += " per endpoint"
	}
	return s
}

// OperationCounter is implemented by clients that count their outbound requests per operation
// (one operation is one endpoint), so a per-endpoint budget can be checked.
type OperationCounter interface {
	CallsByOperation() map[string]int64
}
