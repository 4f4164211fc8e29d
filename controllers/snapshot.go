package controllers

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/event"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/plan"
	"github.com/accountsync/accountsync-operator/internal/provider"
)

// Snapshot is one sync's view of both sides of a policy. The policy controller takes it; every
// mapping of the policy reads it, so a sync lists each side once however many mappings there are.
type Snapshot struct {
	// Seq increases with every sync of the policy; a mapping does its per-sync work once per Seq.
	Seq              int64
	Taken            time.Time
	PolicyGeneration int64

	ToolOrgs    map[string]provider.Organization
	PSAAccounts map[string]provider.Account
	// ToolAssets by organization id; nil when neither asset sync nor createWhen Referenced
	// needs them.
	ToolAssets map[string][]provider.ToolAsset
	// CreateStatusID / CreateTypeID are the ids of the filter's first status and type, given to
	// accounts the policy creates so they take part in the next sync.
	CreateStatusID string
	CreateTypeID   string
	// CreateSettings are the PSA-specific create values (ids) resolved from the policy, for a
	// PSA that needs them (Kaseya BMS); empty otherwise.
	CreateSettings provider.CreateSettings
	// conflicts are the mappings that lose the one-to-one rule, with the reason; replaced by
	// every plan (also the plans between syncs), read through SnapshotStore.Conflict.
	conflicts map[string]string
	// What the sync that took the snapshot reports in the policy's status.
	syncedAt, nextSync metav1.Time
	duration           string
	// created counts the records mappings created since this snapshot (guarded by the store).
	created  int32
	apiCalls v1alpha1.APICalls
	// rateBudget is set when the sync's interval was stretched to fit a vendor's limit.
	rateBudget *v1alpha1.RateBudget
	// planInput is what the snapshot contributes to plan.Compute; mappings are added per plan.
	planInput plan.Input
	// accepted: the sync that took the snapshot handled an accountsync.io/accept-snapshot
	// request, so its mappings take their listings as the truth however much they shrank.
	accepted bool
	// inventory is the PSA's assets, locations, departments and users and the tool's users
	// under the linked records, read once per sync (psasnapshot.go); nil when the policy syncs
	// neither assets nor users.
	inventory *pairInventory
	// spent counts the creates of each kind (users, assets, locations, departments) the
	// mappings made from this snapshot, against spec.creation.batchSize (guarded by the store).
	spent map[string]int
}

// SnapshotStore keeps the latest snapshot of each policy, in memory: after a restart the first
// sync of each policy takes a new one before its mappings do any vendor work.
type SnapshotStore struct {
	mu        sync.RWMutex
	snapshots map[types.NamespacedName]*Snapshot
	// synced tells the mapping controller that a policy has a new snapshot (a status timestamp
	// has one-second resolution and cannot tell two syncs in one second apart).
	synced    chan event.GenericEvent
	schedules map[types.NamespacedName]schedule
	seq       int64
	// suspect holds the listings of each policy's latest sync that shrank beyond spec.safety;
	// while set, the plans between syncs (on the last good snapshot) keep saying so.
	suspect map[types.NamespacedName][]v1alpha1.ShrunkListing
	// userPlans holds, per dry-run policy and mapping, the user actions the mapping's last run
	// found. Kept across snapshots (not in Snapshot) so a new sync does not empty the plan until
	// every mapping has run again: the plan stays the same from sync to sync.
	userPlans map[types.NamespacedName]map[string][]v1alpha1.PlanItem
	// userPlanned wakes a policy whose mappings' user actions changed, to re-plan.
	userPlanned chan event.GenericEvent
	// billingPlans holds, per dry-run policy and mapping, the quantity change the billing
	// service would make (billing_plan.go); merged into the plan like userPlans.
	billingPlans map[types.NamespacedName]map[string]v1alpha1.PlanItem
	// periods holds each policy's call counters at its last sync start (ratebudget.go).
	periods map[types.NamespacedName]periodCalls
}

// NewSnapshotStore returns an empty store.
func NewSnapshotStore() *SnapshotStore {
	return &SnapshotStore{snapshots: map[types.NamespacedName]*Snapshot{},
		synced: make(chan event.GenericEvent, 1024), userPlanned: make(chan event.GenericEvent, 1024)}
}

// Put stores s as the policy's latest snapshot, assigns its Seq and wakes the policy's mappings.
func (s *SnapshotStore) Put(sp *v1alpha1.SyncPolicy, snap *Snapshot) {
	s.mu.Lock()
	s.seq++
	snap.Seq = s.seq
	s.snapshots[types.NamespacedName{Namespace: sp.Namespace, Name: sp.Name}] = snap
	s.mu.Unlock()
	ev := event.GenericEvent{Object: sp.DeepCopy()}
	select {
	case s.synced <- ev:
	default:
		// The buffer is full: deliver without blocking the policy worker.
		go func() { s.synced <- ev }()
	}
}

// Get returns the policy's latest snapshot, or nil.
func (s *SnapshotStore) Get(policy types.NamespacedName) *Snapshot {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.snapshots[policy]
}

// Delete forgets a deleted policy.
func (s *SnapshotStore) Delete(policy types.NamespacedName) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.snapshots, policy)
	delete(s.schedules, policy)
	delete(s.suspect, policy)
	delete(s.userPlans, policy)
	delete(s.billingPlans, policy)
	delete(s.periods, policy)
}

// SetUserPlan records the user actions a mapping of a dry-run policy would take (nil: none, or
// the policy is not a dry run) and wakes the policy when they changed.
func (s *SnapshotStore) SetUserPlan(policy types.NamespacedName, mapping string, items []v1alpha1.PlanItem) {
	s.mu.Lock()
	old, had := s.userPlans[policy][mapping]
	if equality.Semantic.DeepEqual(old, items) && had == (len(items) > 0) {
		s.mu.Unlock()
		return
	}
	if len(items) == 0 {
		delete(s.userPlans[policy], mapping)
	} else {
		if s.userPlans == nil {
			s.userPlans = map[types.NamespacedName]map[string][]v1alpha1.PlanItem{}
		}
		if s.userPlans[policy] == nil {
			s.userPlans[policy] = map[string][]v1alpha1.PlanItem{}
		}
		s.userPlans[policy][mapping] = items
	}
	s.mu.Unlock()
	ev := event.GenericEvent{Object: &v1alpha1.SyncPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: policy.Namespace, Name: policy.Name}}}
	select {
	case s.userPlanned <- ev:
	default:
		go func() { s.userPlanned <- ev }()
	}
}

// UserPlan returns the user actions the given mappings of the policy reported, in mapping order.
// Mappings not given (deleted, or moved to another policy) are left out.
func (s *SnapshotStore) UserPlan(policy types.NamespacedName, mappings []string) []v1alpha1.PlanItem {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []v1alpha1.PlanItem
	for _, m := range mappings {
		out = append(out, s.userPlans[policy][m]...)
	}
	return out
}

// SetSuspect records the listings of the policy's latest sync that shrank (nil: none did).
func (s *SnapshotStore) SetSuspect(policy types.NamespacedName, shrunk []v1alpha1.ShrunkListing) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(shrunk) == 0 {
		delete(s.suspect, policy)
		return
	}
	if s.suspect == nil {
		s.suspect = map[types.NamespacedName][]v1alpha1.ShrunkListing{}
	}
	s.suspect[policy] = shrunk
}

// Suspect returns the listings of the policy's latest sync that shrank, or nil.
func (s *SnapshotStore) Suspect(policy types.NamespacedName) []v1alpha1.ShrunkListing {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.suspect[policy]
}

// Budget kinds of the creates mappings make, each bounded per sync by spec.creation.batchSize.
const (
	budgetUsers       = "users"
	budgetAssets      = "assets"
	budgetLocations   = "locations"
	budgetDepartments = "departments"
)

// TakeBudget grants up to want creates of kind from the budget of the sync that took the
// policy's snapshot seq; every mapping of the policy draws from the same budget. A mapping
// working on an older snapshot than the latest gets nothing: the next sync plans it again.
func (s *SnapshotStore) TakeBudget(policy types.NamespacedName, seq int64, kind string, want, batch int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	snap := s.snapshots[policy]
	if snap == nil || snap.Seq != seq || want <= 0 {
		return 0
	}
	if snap.spent == nil {
		snap.spent = map[string]int{}
	}
	grant := min(want, max(batch-snap.spent[kind], 0))
	snap.spent[kind] += grant
	return grant
}

// RecordCreatedAccount adds a record created by a mapping to the latest snapshot, so other
// mappings of the same policy see it before the next sync lists it.
func (s *SnapshotStore) RecordCreatedAccount(policy types.NamespacedName, a provider.Account, count bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if snap := s.snapshots[policy]; snap != nil {
		snap.PSAAccounts[a.ID] = a
		snap.inventory.markFresh(a.ID)
		if count {
			snap.created++
		}
	}
}

// RecordCreatedOrganization is RecordCreatedAccount for the tool side.
func (s *SnapshotStore) RecordCreatedOrganization(policy types.NamespacedName, o provider.Organization, count bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if snap := s.snapshots[policy]; snap != nil {
		snap.ToolOrgs[o.ID] = o
		if count {
			snap.created++
		}
	}
}

// Created returns how many records the mappings created since the policy's latest snapshot:
// the creations of the latest sync.
func (s *SnapshotStore) Created(policy types.NamespacedName) int32 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if snap := s.snapshots[policy]; snap != nil {
		return snap.created
	}
	return 0
}

// Account looks an account up in the policy's latest snapshot (records created since included).
func (s *SnapshotStore) Account(policy types.NamespacedName, id string) (provider.Account, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	snap := s.snapshots[policy]
	if snap == nil {
		return provider.Account{}, false
	}
	a, ok := snap.PSAAccounts[id]
	return a, ok
}

// Organization looks an organization up in the policy's latest snapshot.
func (s *SnapshotStore) Organization(policy types.NamespacedName, id string) (provider.Organization, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	snap := s.snapshots[policy]
	if snap == nil {
		return provider.Organization{}, false
	}
	o, ok := snap.ToolOrgs[id]
	return o, ok
}

// SetConflicts replaces the one-to-one losers of the policy's latest plan.
func (s *SnapshotStore) SetConflicts(policy types.NamespacedName, conflicts map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if snap := s.snapshots[policy]; snap != nil {
		snap.conflicts = conflicts
	}
}

// Conflict returns why the mapping lost the one-to-one rule in the latest plan, if it did.
func (s *SnapshotStore) Conflict(policy types.NamespacedName, mapping string) (string, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	snap := s.snapshots[policy]
	if snap == nil {
		return "", false
	}
	msg, ok := snap.conflicts[mapping]
	return msg, ok
}

// schedule is when a policy syncs next. It lives in memory rather than being read back from
// status because the cached policy a reconcile reads may predate the last status write: a
// decision based on it would sync twice.
type schedule struct {
	generation int64
	request    string
	nextDue    time.Time
}

// Schedule records the policy's next sync after one was attempted.
func (s *SnapshotStore) Schedule(policy types.NamespacedName, generation int64, request string, next time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.schedules == nil {
		s.schedules = map[types.NamespacedName]schedule{}
	}
	s.schedules[policy] = schedule{generation: generation, request: request, nextDue: next}
}

// Unschedule makes the next reconcile of the policy sync at once (its connections were not
// ready, so the schedule no longer says anything).
func (s *SnapshotStore) Unschedule(policy types.NamespacedName) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.schedules, policy)
}

// Due reports whether the policy must sync now, and otherwise when it will.
func (s *SnapshotStore) Due(policy types.NamespacedName, generation int64, request string, now time.Time) (bool, time.Time) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sc, ok := s.schedules[policy]
	if !ok || sc.generation != generation || (request != "" && request != sc.request) || !now.Before(sc.nextDue) {
		return true, time.Time{}
	}
	if _, ok := s.snapshots[policy]; !ok {
		return true, time.Time{}
	}
	return false, sc.nextDue
}
