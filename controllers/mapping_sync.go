package controllers

import (
	"context"
	"fmt"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/assetsync"
	"github.com/accountsync/accountsync-operator/internal/mapping"
	"github.com/accountsync/accountsync-operator/internal/match"
	"github.com/accountsync/accountsync-operator/internal/plan"
	"github.com/accountsync/accountsync-operator/internal/provider"
)

// syncPair syncs the assets and end users of the linked pair. A dry run writes nothing: it
// matches the pair's users (reads only) for the policy's plan.
func (m *mappingRun) syncPair(ctx context.Context, orgID, accountID string) *mapping.SyncResult {
	st, spec := &m.am.Status, m.sp.Spec
	res := &mapping.SyncResult{}
	if spec.DryRun {
		if spec.Users.Enabled {
			res.UserPlanProblem = m.planUsers(ctx, orgID, accountID)
		}
		return res
	}
	if spec.Assets.Enabled {
		res.AssetProblems = m.syncAssets(ctx, orgID, accountID)
	} else {
		st.Assets, m.assetsRecomputed = nil, true
	}
	if spec.Users.Enabled {
		res.UserProblems = m.syncUsers(ctx, orgID, accountID)
	} else {
		st.Users, st.UserLinks, st.AmbiguousUsers = nil, nil, nil
		m.usersRecomputed = true
	}
	res.Suspect, res.Deferred, res.Wait = m.suspect, m.deferred, m.wait
	return res
}

// syncAssets mirrors the organization's tool assets into the account, placed by the location mode.
func (m *mappingRun) syncAssets(ctx context.Context, orgID, accountID string) []string {
	st := &m.am.Status
	caps, ok := m.psa.(assetsync.Capabilities)
	if !ok || m.snap.ToolAssets == nil {
		st.Assets = nil
		return []string{fmt.Sprintf("%s cannot receive assets from this tool", m.psa.Provider())}
	}
	in := assetsync.Input{Location: m.am.Spec.Location, AccountID: accountID, ToolAssets: m.snap.ToolAssets[orgID]}
	if problem := m.observePSAAssets(ctx, caps, &in); problem != "" {
		return []string{problem}
	}
	if m.assetsShrunk(accountID, len(in.PSAAssets)) {
		return nil
	}
	planned, err := assetsync.Plan(in)
	if err != nil {
		return []string{err.Error()}
	}
	batch := batchSize(m.sp)
	planned = assetsync.Limit(planned, m.budget(budgetLocations, len(planned.CreateLocations)),
		m.budget(budgetDepartments, len(planned.CreateDepartments)), m.budget(budgetAssets, len(planned.Creates)))
	for i := range planned.Creates {
		planned.Creates[i].Category = m.snap.CreateSettings.AssetCategory
	}
	// The writes go into the policy's inventory too, so a second run on this snapshot sees them.
	counts, problems := assetsync.Apply(ctx, recordingPSA{caps, m.snap.inventory}, in, planned)
	m.reportAssetWrites(counts)
	m.written.AssetsCreated, m.written.AssetsUpdated = counts.Created, counts.Updated
	// Writes of earlier reconciles whose status was not stored count as this sync's.
	counts.Created += m.pending.AssetsCreated
	counts.Updated += m.pending.AssetsUpdated
	st.Assets, m.assetsRecomputed = mapping.AssetState(st.Assets, counts), true
	out := make([]string, 0, len(problems))
	deferred := 0
	for _, p := range problems {
		m.rateLimited(p.Err)
		if p.Reason == assetsync.ReasonCreateDeferred {
			deferred++
			continue
		}
		out = append(out, p.Message)
	}
	if deferred > 0 {
		m.deferred = append(m.deferred, fmt.Sprintf("%d asset writes deferred to the next sync (spec.creation.batchSize %d per sync; counted as failed until then)", deferred, batch))
	}
	return out
}

// budget grants up to want creates of kind from the policy's per-sync budget.
func (m *mappingRun) budget(kind string, want int) int {
	return m.r.Snapshots.TakeBudget(m.policy, m.snap.Seq, kind, want, batchSize(m.sp))
}

// assetsShrunk reports (and notes as suspect) a PSA asset listing that shrank beyond the
// policy's spec.safety against the assets the last sync left: believed, it would have every
// asset created again.
func (m *mappingRun) assetsShrunk(accountID string, listed int) bool {
	prev := m.am.Status.Assets
	if prev == nil || m.snap.accepted {
		return false
	}
	s := plan.Shrunk(m.sp.Spec.Safety, v1alpha1.ListingPSAAssets, mapping.AssetsInPSA(prev), listed)
	if s == nil {
		return false
	}
	m.suspect = append(m.suspect, fmt.Sprintf("the PSA lists %d assets for account %s, the last sync left %d", s.Current, accountID, s.Previous))
	suspectSnapshots.WithLabelValues(m.policy.Namespace, m.policy.Name, s.Listing).Inc()
	return true
}

// syncUsers matches end users of the pair and, when asked, creates the unmatched ones in the PSA.
func (m *mappingRun) syncUsers(ctx context.Context, orgID, accountID string) []string {
	st := &m.am.Status
	tu, pu, problem := m.observePairUsers(ctx, orgID, accountID)
	if problem != "" {
		return []string{problem}
	}
	if m.usersShrunk(accountID, pu) {
		return nil
	}
	spec := m.sp.Spec.Users
	res := match.Users(tu, pu, spec.MatchBy, spec.OnMultipleMatches, m.am.Spec.UserOverrides, st.UserLinks)
	for _, gone := range res.Unlinked {
		emit(m.r.Recorder, m.am, v1alpha1.ReasonUserUnlinked, "SyncUsers",
			"PSA user %s linked to tool user %s no longer exists: unlinked", gone.PSAUserID, gone.ToolUserID)
	}
	links, unmatched := res.Links, res.Unmatched
	var problems []string
	created, failed := 0, 0
	if spec.CreateMissing && len(unmatched) > 0 {
		var made []v1alpha1.UserOverride
		made, unmatched, problems = m.createUsers(ctx, accountID, unmatched)
		links, created, failed = append(links, made...), len(made), len(problems)
	}
	sortLinks(links)
	st.UserLinks = boundedUserLinks(links)
	m.written.UsersCreated = int32(created)
	st.Users = mapping.UserState(st.Users, mapping.UserRun{Linked: len(links), Ambiguous: len(res.Ambiguous),
		Unmatched: len(unmatched), Created: created + int(m.pending.UsersCreated)})
	m.usersRecomputed = true
	st.AmbiguousUsers = ambiguousUsers(res.Ambiguous)
	m.reportUserCreates(created, failed)
	return problems
}

// usersShrunk reports (and notes as suspect) a PSA user listing missing more of the linked users
// than the policy's spec.safety allows: believed, they would be unlinked and created again.
func (m *mappingRun) usersShrunk(accountID string, pu []provider.User) bool {
	if m.snap.accepted {
		return false
	}
	listed := make(map[string]bool, len(pu))
	for _, u := range pu {
		listed[u.ID] = true
	}
	links := m.am.Status.UserLinks
	present := 0
	for _, l := range links {
		if listed[l.PSAUserID] {
			present++
		}
	}
	s := plan.Shrunk(m.sp.Spec.Safety, v1alpha1.ListingPSAUsers, len(links), present)
	if s == nil {
		return false
	}
	m.suspect = append(m.suspect, fmt.Sprintf("the PSA lists %d of the %d users linked in account %s (%d users listed)", s.Current, s.Previous, accountID, len(pu)))
	suspectSnapshots.WithLabelValues(m.policy.Namespace, m.policy.Name, s.Listing).Inc()
	return true
}

// createUsers creates unmatched tool users in the PSA, within the policy's per-sync budget. It
// returns the new links, the users still unmatched, and the problems.
func (m *mappingRun) createUsers(ctx context.Context, accountID string, unmatched []provider.User) (made []v1alpha1.UserOverride, still []provider.User, problems []string) {
	c, ok := m.psa.(provider.UserCreator)
	if !ok {
		return nil, unmatched, []string{fmt.Sprintf("%s cannot create users", m.psa.Provider())}
	}
	creator := recordingUsers{c, m.snap.inventory}
	grant := m.budget(budgetUsers, len(unmatched))
	if deferred := len(unmatched) - grant; deferred > 0 {
		m.deferred = append(m.deferred, fmt.Sprintf("%d user creates deferred to the next sync (spec.creation.batchSize %d per sync)", deferred, batchSize(m.sp)))
		still = append(still, unmatched[grant:]...)
	}
	for _, u := range unmatched[:grant] {
		nu, err := creator.CreateUser(ctx, accountID, u)
		if err != nil {
			m.rateLimited(err)
			// An unknown outcome is safe: the next sync matches the user by email first.
			problems = append(problems, fmt.Sprintf("creating user %q: %v", u.Email+u.Name, err))
			still = append(still, u)
			continue
		}
		made = append(made, v1alpha1.UserOverride{ToolUserID: u.ID, PSAUserID: nu.ID})
	}
	return made, still, problems
}

// planUsers matches the end users of the pair of a dry-run policy as syncUsers would, writing
// nothing, and reports the user actions a real sync would take to the policy's plan. It returns
// why the users could not be matched, or "".
func (m *mappingRun) planUsers(ctx context.Context, orgID, accountID string) string {
	// On a failed listing the actions of the last run stay in the plan: a vendor glitch does not
	// make the plan flap. A pair without users on both sides has none to plan.
	tu, pu, problem := m.observePairUsers(ctx, orgID, accountID)
	_, toolHasUsers := m.tool.(provider.UserLister)
	_, psaHasUsers := m.psa.(provider.UserLister)
	if !toolHasUsers || !psaHasUsers {
		m.r.Snapshots.SetUserPlan(m.policy, m.am.Name, nil)
	}
	if problem != "" {
		return problem
	}
	spec, st := m.sp.Spec.Users, &m.am.Status
	res := match.Users(tu, pu, spec.MatchBy, spec.OnMultipleMatches, m.am.Spec.UserOverrides, st.UserLinks)
	m.r.Snapshots.SetUserPlan(m.policy, m.am.Name, plan.UserActions(m.am.Name, orgID, accountID, tu, res, st.UserLinks, spec.CreateMissing))
	return ""
}

// reportAssetWrites puts what this sync did to the assets where per-sync numbers belong: an
// event when it wrote something, and the metrics. Status keeps only the state.
func (m *mappingRun) reportAssetWrites(run v1alpha1.AssetCounts) {
	countMappingWrites(m.policy, "asset", "created", int(run.Created))
	countMappingWrites(m.policy, "asset", "updated", int(run.Updated))
	countMappingWrites(m.policy, "asset", "failed", int(run.Failed))
	if run.Created+run.Updated > 0 {
		emit(m.r.Recorder, m.am, v1alpha1.ReasonAssetsSynced, "SyncAssets",
			"created %d, updated %d of %d assets (%d failed)", run.Created, run.Updated, run.Total, run.Failed)
	}
}

// reportUserCreates is reportAssetWrites for the PSA users a sync created.
func (m *mappingRun) reportUserCreates(created, failed int) {
	countMappingWrites(m.policy, "user", "created", created)
	countMappingWrites(m.policy, "user", "failed", failed)
	if created > 0 {
		emit(m.r.Recorder, m.am, v1alpha1.ReasonUsersCreated, "SyncUsers", "created %d PSA users", created)
	}
}

// batchSize is the policy's per-sync budget of each kind of create.
func batchSize(sp *v1alpha1.SyncPolicy) int {
	if sp.Spec.Creation.BatchSize > 0 {
		return int(sp.Spec.Creation.BatchSize)
	}
	return plan.DefaultBatchSize
}

// ambiguousUsers lists the first ambiguous tool users with their first candidates, so a person
// can write spec.userOverrides without opening either product.
func ambiguousUsers(in []match.AmbiguousUser) []v1alpha1.AmbiguousUser {
	if len(in) == 0 {
		return nil
	}
	out := make([]v1alpha1.AmbiguousUser, 0, min(len(in), v1alpha1.MaxAmbiguousUsers))
	for _, a := range in[:min(len(in), v1alpha1.MaxAmbiguousUsers)] {
		u := v1alpha1.AmbiguousUser{ToolUserID: a.ToolUser.ID, Name: a.ToolUser.Name}
		for _, c := range a.Candidates[:min(len(a.Candidates), v1alpha1.MaxUserCandidates)] {
			u.Candidates = append(u.Candidates, v1alpha1.UserRef{ID: c.ID, Name: c.Name, Email: c.Email})
		}
		out = append(out, u)
	}
	return out
}

func sortLinks(links []v1alpha1.UserOverride) {
	for i := 1; i < len(links); i++ {
		for j := i; j > 0 && links[j].ToolUserID < links[j-1].ToolUserID; j-- {
			links[j], links[j-1] = links[j-1], links[j]
		}
	}
}
