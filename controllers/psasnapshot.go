package controllers

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/assetsync"
	"github.com/accountsync/accountsync-operator/internal/provider"
)

// pairInventory is what the mappings of a policy need beyond both sides' listings: the PSA's
// assets, locations, departments and users under the linked accounts, and the tool's users
// under the linked organizations. The policy reads it once per sync, connection-wide where the
// vendor can (provider.InventoryLister), so a mapping whose inputs did not change makes no
// vendor call. What the mappings write is added to it, so a mapping that runs again on the
// same snapshot (a retry, a sync-now) does not create anything twice.
type pairInventory struct {
	mu sync.RWMutex
	// wide: the kind was listed connection-wide, so every account the snapshot listed is
	// covered (an account created since is not: fresh).
	assetsWide, locationsWide, departmentsWide, usersWide bool
	hasDepartments                                        bool
	assets                                                map[string][]provider.PSAAsset
	locations                                             map[string][]provider.Location
	departments                                           map[string][]provider.Department
	psaUsers                                              map[string][]provider.User
	toolUsers                                             map[string][]provider.User
	// fresh are accounts created since the listings, which they cannot cover.
	fresh map[string]bool
	// failed is why the listings could not be read; the mappings report it instead of reading
	// per account. A vendor's Retry-After (retryAt) is honoured by the next syncs too.
	failed  error
	retryAt time.Time
}

// failure is the listing error as the mappings report it, with the time left to wait.
func (inv *pairInventory) failure() error {
	if inv == nil || inv.failed == nil {
		return nil
	}
	var pe *provider.Error
	if errors.As(inv.failed, &pe) && pe.RetryAfter > 0 {
		cp := *pe
		cp.RetryAfter = max(time.Until(inv.retryAt), time.Second)
		return &cp
	}
	return inv.failed
}

// inventoryRequest says which records a policy's mappings will read this sync.
func inventoryRequest(sp *v1alpha1.SyncPolicy) provider.InventoryRequest {
	assets := sp.Spec.Assets.Enabled && !sp.Spec.DryRun
	return provider.InventoryRequest{Assets: assets, Locations: assets, Departments: assets, Users: sp.Spec.Users.Enabled}
}

// linkedIDs returns the PSA accounts and tool organizations the mappings link (or will, by
// their spec), for listings a vendor can make only per account or organization.
func linkedIDs(ams []v1alpha1.AccountMapping) (accounts, orgs []string) {
	seenA, seenO := map[string]bool{}, map[string]bool{}
	for _, am := range ams {
		a := am.Spec.PSA.AccountID
		if am.Status.PSAAccount != nil && a == "" {
			a = am.Status.PSAAccount.ID
		}
		o := am.Spec.Tool.OrganizationID
		if am.Status.ToolOrganization != nil && o == "" {
			o = am.Status.ToolOrganization.ID
		}
		if a != "" && !seenA[a] {
			seenA[a] = true
			accounts = append(accounts, a)
		}
		if o != "" && !seenO[o] {
			seenO[o] = true
			orgs = append(orgs, o)
		}
	}
	slices.Sort(accounts)
	slices.Sort(orgs)
	return accounts, orgs
}

// readInventory reads the inventory of the policy's mappings (see takeInventory).
func (r *SyncPolicyReconciler) readInventory(ctx context.Context, sp *v1alpha1.SyncPolicy, accounts []provider.Account, psa, tool provider.Client) (*pairInventory, error) {
	ams := &v1alpha1.AccountMappingList{}
	if err := r.List(ctx, ams, client.InNamespace(sp.Namespace), client.MatchingFields{policyRefIndex: sp.Name}); err != nil {
		return nil, err
	}
	var prev *pairInventory
	if last := r.Snapshots.Get(types.NamespacedName{Namespace: sp.Namespace, Name: sp.Name}); last != nil {
		prev = last.inventory
	}
	// The listings get half of what is left of the reconcile's deadline: a cold start that
	// outlasts it (a BMS tenant reading every asset's detail once) must still leave the sync
	// time to link and create mappings. What was read is kept by the client's cache, and the
	// policy looks again soon (inventoryRetry).
	if dl, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, time.Now().Add(time.Until(dl)/2))
		defer cancel()
	}
	return takeInventory(ctx, sp, ams.Items, accounts, psa, tool, prev), nil
}

// inventoryRetry reports whether the snapshot's inventory failed for a reason other than a
// vendor's Retry-After (a deadline, a transient error): the policy then syncs again soon
// rather than after a whole interval.
func (snap *Snapshot) inventoryRetry() bool {
	inv := snap.inventory
	return inv != nil && inv.failed != nil && inv.retryAt.IsZero()
}

// takeInventory reads the inventory the policy's mappings need. A PSA without InventoryLister
// leaves the PSA part empty: its mappings read per account, as before. A failed listing does
// not fail the sync (the accounts and organizations are still linked): the inventory carries
// the error for the mappings to report, and while the vendor's Retry-After of the previous
// sync (prev) runs, nothing is asked.
func takeInventory(ctx context.Context, sp *v1alpha1.SyncPolicy, ams []v1alpha1.AccountMapping, listed []provider.Account,
	psa, tool provider.Client, prev *pairInventory) *pairInventory {
	req := inventoryRequest(sp)
	if !req.Assets && !req.Users {
		return nil
	}
	inv := &pairInventory{fresh: map[string]bool{}}
	if prev != nil && prev.failed != nil && time.Now().Before(prev.retryAt) {
		inv.failed, inv.retryAt = prev.failed, prev.retryAt
		return inv
	}
	fail := func(err error) *pairInventory {
		inv.failed = err
		if d, ok := retryAfter(err); ok {
			inv.retryAt = time.Now().Add(d)
		}
		return inv
	}
	accounts, orgs := linkedIDs(ams)
	req.AccountIDs, req.Accounts = accounts, listed
	if il, ok := psa.(provider.InventoryLister); ok {
		got, err := il.ListInventory(ctx, req)
		if err != nil {
			return fail(err)
		}
		_, inv.hasDepartments = psa.(provider.DepartmentManager)
		inv.assets, inv.assetsWide = got.Assets, got.Assets != nil
		inv.locations, inv.locationsWide = got.Locations, got.Locations != nil && !got.LocationsOnlyRequested
		inv.departments, inv.departmentsWide = got.Departments, got.Departments != nil
		inv.psaUsers, inv.usersWide = got.Users, got.Users != nil
	}
	if ul, ok := tool.(provider.UserLister); ok && req.Users {
		// No tool lists its users connection-wide (CyberQP: per customer), so the policy reads
		// those of the linked organizations, once per sync rather than once per mapping run.
		inv.toolUsers = make(map[string][]provider.User, len(orgs))
		for _, o := range orgs {
			users, err := ul.ListUsers(ctx, o)
			if err != nil {
				return fail(err)
			}
			inv.toolUsers[o] = users
		}
	}
	return inv
}

// covers reports whether a listing of one kind covers the account: a connection-wide one
// covers every account the snapshot listed, a per-account one those it has an entry for.
func (inv *pairInventory) covers(wide bool, byAccount func(string) bool, accountID string) bool {
	if inv.fresh[accountID] {
		return false
	}
	return wide || byAccount(accountID)
}

// assetInputs returns the account's PSA assets, locations and departments from the inventory,
// each with whether the inventory covers it (a kind it does not cover is read from the PSA).
// Departments are nil, and covered, on a PSA without departments.
func (inv *pairInventory) assetInputs(accountID string) (in assetInputs) {
	if inv == nil {
		return in
	}
	if in.err = inv.failure(); in.err != nil {
		return in
	}
	inv.mu.RLock()
	defer inv.mu.RUnlock()
	if inv.assets != nil && inv.covers(inv.assetsWide, func(string) bool { return false }, accountID) {
		in.assets, in.haveAssets = inv.assets[accountID], true
	}
	if inv.locations != nil && inv.covers(inv.locationsWide, func(id string) bool { _, ok := inv.locations[id]; return ok }, accountID) {
		in.locations, in.haveLocations = inv.locations[accountID], true
	}
	switch {
	case !inv.hasDepartments:
		in.haveDepartments = inv.assets != nil
	case inv.departments != nil && inv.covers(inv.departmentsWide, func(string) bool { return false }, accountID):
		in.departments, in.haveDepartments = append([]provider.Department{}, inv.departments[accountID]...), true
	}
	return in
}

// assetInputs is what assetInputs found.
type assetInputs struct {
	assets                                     []provider.PSAAsset
	locations                                  []provider.Location
	departments                                []provider.Department
	haveAssets, haveLocations, haveDepartments bool
	// err is why the policy could not read them (the mapping reports it, reading nothing).
	err error
}

// users returns the pair's tool and PSA users from the inventory; ok is false when it does
// not cover both; err is why the policy could not read them.
func (inv *pairInventory) users(orgID, accountID string) (tu, pu []provider.User, ok bool, err error) {
	if inv == nil {
		return nil, nil, false, nil
	}
	if err := inv.failure(); err != nil {
		return nil, nil, false, err
	}
	inv.mu.RLock()
	defer inv.mu.RUnlock()
	tu, okTool := inv.toolUsers[orgID]
	if inv.psaUsers == nil || !okTool || !inv.covers(inv.usersWide, func(string) bool { return false }, accountID) {
		return nil, nil, false, nil
	}
	return tu, inv.psaUsers[accountID], true, nil
}

// markFresh records an account created since the listings: its records are read directly.
func (inv *pairInventory) markFresh(accountID string) {
	if inv == nil {
		return
	}
	inv.mu.Lock()
	defer inv.mu.Unlock()
	inv.fresh[accountID] = true
}

// Each write replaces the account's slice (copy on write): mappings of the same account may be
// reading the old one.

func (inv *pairInventory) putAsset(a provider.PSAAsset) {
	if inv == nil || inv.assets == nil {
		return
	}
	inv.mu.Lock()
	defer inv.mu.Unlock()
	cur := inv.assets[a.AccountID]
	next := make([]provider.PSAAsset, 0, len(cur)+1)
	replaced := false
	for _, x := range cur {
		if x.ID == a.ID {
			x, replaced = a, true
		}
		next = append(next, x)
	}
	if !replaced {
		next = append(next, a)
	}
	inv.assets[a.AccountID] = next
}

func (inv *pairInventory) addLocation(accountID string, l provider.Location) {
	if inv == nil || inv.locations == nil {
		return
	}
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if _, listed := inv.locations[accountID]; !listed && !inv.locationsWide {
		return
	}
	inv.locations[accountID] = append(slices.Clip(inv.locations[accountID]), l)
}

func (inv *pairInventory) addDepartment(accountID string, d provider.Department) {
	if inv == nil || inv.departments == nil {
		return
	}
	inv.mu.Lock()
	defer inv.mu.Unlock()
	inv.departments[accountID] = append(slices.Clip(inv.departments[accountID]), d)
}

func (inv *pairInventory) addPSAUser(accountID string, u provider.User) {
	if inv == nil || inv.psaUsers == nil {
		return
	}
	inv.mu.Lock()
	defer inv.mu.Unlock()
	inv.psaUsers[accountID] = append(slices.Clip(inv.psaUsers[accountID]), u)
}

// recordingPSA passes asset-sync writes to the PSA and adds what they created or changed to the
// inventory.
type recordingPSA struct {
	assetsync.Capabilities
	inv *pairInventory
}

func (r recordingPSA) CreateLocation(ctx context.Context, accountID, name string) (provider.Location, error) {
	l, err := r.Capabilities.CreateLocation(ctx, accountID, name)
	if err == nil && l.ID != "" {
		r.inv.addLocation(accountID, l)
	}
	return l, err
}

func (r recordingPSA) CreateAsset(ctx context.Context, in provider.PSAAsset) (provider.PSAAsset, error) {
	a, err := r.Capabilities.CreateAsset(ctx, in)
	if err == nil && a.ID != "" {
		r.inv.putAsset(written(a, in))
	}
	return a, err
}

func (r recordingPSA) UpdateAsset(ctx context.Context, in provider.PSAAsset) (provider.PSAAsset, error) {
	a, err := r.Capabilities.UpdateAsset(ctx, in)
	if err == nil {
		r.inv.putAsset(written(a, in))
	}
	return a, err
}

// CreateDepartment is offered whatever the PSA: assetsync plans departments only for a PSA
// whose listing has them, and this passes the PSA's own refusal on otherwise.
func (r recordingPSA) CreateDepartment(ctx context.Context, accountID, name string) (provider.Department, error) {
	dm, ok := r.Capabilities.(provider.DepartmentManager)
	if !ok {
		return provider.Department{}, provider.Errorf(provider.KindUnsupported, "CreateDepartment", "this PSA has no departments")
	}
	d, err := dm.CreateDepartment(ctx, accountID, name)
	if err == nil && d.ID != "" {
		r.inv.addDepartment(accountID, d)
	}
	return d, err
}

// written is the record as the PSA now holds it: the fields sent, with the id and the fields
// the answer adds (a PSA may answer with less than it stored).
func written(answer, sent provider.PSAAsset) provider.PSAAsset {
	out := sent
	if answer.ID != "" {
		out.ID = answer.ID
	}
	if out.Category == "" {
		out.Category = answer.Category
	}
	if out.ExternalKey == "" {
		out.ExternalKey = answer.ExternalKey
	}
	return out
}

// recordingUsers adds the users a mapping creates to the inventory.
type recordingUsers struct {
	provider.UserCreator
	inv *pairInventory
}

func (r recordingUsers) CreateUser(ctx context.Context, accountID string, in provider.User) (provider.User, error) {
	u, err := r.UserCreator.CreateUser(ctx, accountID, in)
	if err == nil && u.ID != "" {
		r.inv.addPSAUser(accountID, u)
	}
	return u, err
}
