package controllers

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/assetsync"
	"github.com/accountsync/accountsync-operator/internal/mapping"
	"github.com/accountsync/accountsync-operator/internal/provider"
)

// observe gathers what the decision needs: the mapping, its policy and connections, and the
// policy's snapshot with both records of the pair. It calls no vendor.
func (m *mappingRun) observe(ctx context.Context) (mapping.Input, error) {
	am, st := m.am, &m.am.Status
	st.ObservedGeneration = am.Generation
	request, requested := syncRequest(am, st.LastHandledSyncRequest)
	if requested {
		st.LastHandledSyncRequest = request
	}
	in := mapping.Input{Now: time.Now(), Policy: am.Spec.PolicyRef.Name, Requested: requested, Suspended: am.Spec.Suspend,
		Suggested: suggested(am)}
	m.policy = types.NamespacedName{Namespace: am.Namespace, Name: am.Spec.PolicyRef.Name}
	m.sp = &v1alpha1.SyncPolicy{}
	if err := m.r.Get(ctx, m.policy, m.sp); err != nil {
		if !apierrors.IsNotFound(err) {
			return in, fmt.Errorf("reading SyncPolicy %s: %w", m.policy.Name, err)
		}
		return in, nil
	}
	in.PolicyFound = true
	pruneServices(st, m.sp, am)
	in.PolicySuspended, in.DryRun, in.UsersEnabled = m.sp.Spec.Suspend, m.sp.Spec.DryRun, m.sp.Spec.Users.Enabled
	if in.Suspended || in.PolicySuspended {
		return in, nil
	}
	psa, tool, reason, msg, err := policyConnections(ctx, m.r.Client, m.r.Clients, m.sp)
	if err != nil {
		return in, err
	}
	if reason != "" {
		in.ConnectionProblem = msg
		return in, nil
	}
	m.psa, m.tool = psa, tool
	in.PSAProvider, in.ToolProvider = string(psa.Provider()), string(tool.Provider())
	return m.observeSnapshot(in), nil
}

// observeSnapshot reads the policy's latest snapshot: the verdict of its plan on this mapping,
// and both records of the pair.
func (m *mappingRun) observeSnapshot(in mapping.Input) mapping.Input {
	am, st := m.am, &m.am.Status
	if m.snap = m.r.Snapshots.Get(m.policy); m.snap == nil {
		return in
	}
	in.HasSnapshot = true
	if !in.Requested {
		m.inv = m.snap.inventory
	}
	if why, lost := m.r.Snapshots.Conflict(m.policy, am.Name); lost {
		in.Conflict = why
	}
	name := types.NamespacedName{Namespace: am.Namespace, Name: am.Name}
	in.RetryAfter = max(time.Until(m.r.limited.get(name, am.UID)), 0)
	m.key = processedKey{seq: m.snap.Seq, generation: am.Generation}
	in.AlreadyDone = m.r.processed.get(name, am.UID) == m.key
	in.PendingCreate = st.PendingCreate != nil
	in.WasConflict = readyReason(st.Conditions) == string(metav1.ConditionFalse)+"/"+v1alpha1.ReasonConflict
	toolID, psaID := mapping.TargetIDs(am.Spec, *st)
	in.Tool = mapping.Side{ID: toolID, Status: st.ToolOrganization}
	if o, ok := m.r.Snapshots.Organization(m.policy, toolID); ok && toolID != "" {
		in.Tool.Record = &mapping.Record{ID: o.ID, Name: o.Name}
	}
	in.PSA = mapping.Side{ID: psaID, Status: st.PSAAccount}
	if a, ok := m.r.Snapshots.Account(m.policy, psaID); ok && psaID != "" {
		in.PSA.Record = &mapping.Record{ID: a.ID, Name: a.Name}
	}
	return in
}

// suggested: the policy generated this mapping from a suggestion (matching.autoLinkScore), so
// its link says Suggested rather than Linked.
func suggested(am *v1alpha1.AccountMapping) bool {
	return am.Annotations[v1alpha1.SuggestedScoreAnnotation] != "" && metav1.GetControllerOfNoCopy(am) != nil
}

// observePSAAssets reads the PSA side of an account's asset sync: its assets, locations and
// departments, and which asset fields the PSA stores. The policy's inventory has them (read once
// per sync for all mappings), except where a vendor lists per account and the account is new to
// the policy, or a person asked for this mapping's sync. problem says which read failed.
func (m *mappingRun) observePSAAssets(ctx context.Context, caps assetsync.Capabilities, in *assetsync.Input) (problem string) {
	cached := m.inv.assetInputs(in.AccountID)
	if cached.err != nil {
		m.rateLimited(cached.err)
		return "listing PSA assets: " + cached.err.Error()
	}
	in.PSAAssets, in.Locations, in.Departments = cached.assets, cached.locations, cached.departments
	var err error
	if !cached.haveAssets {
		if in.PSAAssets, err = caps.ListAssets(ctx, in.AccountID); err != nil {
			m.rateLimited(err)
			return "listing PSA assets: " + err.Error()
		}
	}
	if !cached.haveLocations {
		if in.Locations, err = caps.ListLocations(ctx, in.AccountID); err != nil {
			m.rateLimited(err)
			return "listing PSA locations: " + err.Error()
		}
	}
	if dm, ok := caps.(provider.DepartmentManager); ok && !cached.haveDepartments {
		if in.Departments, err = dm.ListDepartments(ctx, in.AccountID); err != nil {
			m.rateLimited(err)
			return "listing PSA departments: " + err.Error()
		}
	}
	if fr, ok := caps.(provider.AssetFieldReporter); ok {
		stored := fr.StoredAssetFields()
		in.Stored = &stored
	}
	return ""
}

// observePairUsers lists the end users of both sides of the pair (the real sync and the dry run
// read them alike); problem says why it could not, and a vendor's Retry-After is noted.
func (m *mappingRun) observePairUsers(ctx context.Context, orgID, accountID string) (tu, pu []provider.User, problem string) {
	toolUsers, ok1 := m.tool.(provider.UserLister)
	psaUsers, ok2 := m.psa.(provider.UserLister)
	if !ok1 || !ok2 {
		return nil, nil, fmt.Sprintf("end-user matching needs users on both sides (%s, %s)", m.tool.Provider(), m.psa.Provider())
	}
	if tu, pu, ok, err := m.inv.users(orgID, accountID); err != nil {
		m.rateLimited(err)
		return nil, nil, "listing users: " + err.Error()
	} else if ok {
		return tu, pu, ""
	}
	tu, err := toolUsers.ListUsers(ctx, orgID)
	if err != nil {
		m.rateLimited(err)
		return nil, nil, "listing tool users: " + err.Error()
	}
	pu, err = psaUsers.ListUsers(ctx, accountID)
	if err != nil {
		m.rateLimited(err)
		return nil, nil, "listing PSA users: " + err.Error()
	}
	return tu, pu, ""
}

// rateLimited notes the vendor's Retry-After that err carries, if any, and reports whether it
// carried one.
func (m *mappingRun) rateLimited(err error) bool {
	d, ok := retryAfter(err)
	if ok && d > m.wait {
		m.wait = d
	}
	return ok
}
