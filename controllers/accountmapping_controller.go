package controllers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/assetsync"
	"github.com/accountsync/accountsync-operator/internal/connection"
	"github.com/accountsync/accountsync-operator/internal/creation"
	"github.com/accountsync/accountsync-operator/internal/mapping"
	"github.com/accountsync/accountsync-operator/internal/match"
	"github.com/accountsync/accountsync-operator/internal/plan"
	"github.com/accountsync/accountsync-operator/internal/provider"
)

const (
	// defaultSettle is how long a create with an unknown outcome may take to show up in a look-up
	// before it is sent again.
	defaultSettle = 5 * time.Minute
	pendingRetry  = 10 * time.Second
)

// AccountMappingReconciler links one organization and one account: it resolves both sides from
// the policy's snapshot, creates a missing counterpart through the creation guard, and syncs
// assets and end users of the pair.
type AccountMappingReconciler struct {
	client.Client
	Clients   *connection.Cache
	Snapshots *SnapshotStore
	Recorder  events.EventRecorder
	// Settle is the settle period of a policy that has no spec.creation.settlePeriod (one
	// stored before the field existed); defaultSettle when zero.
	Settle time.Duration
	// creates serialises the creates of one name in one connection across all policies.
	creates creation.Registry

	mu sync.Mutex
	// processed remembers the snapshot and generation each mapping last did its vendor work for,
	// so unrelated events make no vendor call. Keyed by name (so a deleted mapping's entry can
	// be dropped) and tied to the UID (so a new mapping of the same name starts afresh).
	processed map[types.NamespacedName]processedEntry
	// limited remembers until when a vendor asked (Retry-After) to be left alone by a mapping's
	// work, so that no event (a new snapshot, a policy status change) sends it back sooner.
	limited map[types.NamespacedName]limitEntry
}

type limitEntry struct {
	uid   types.UID
	until time.Time
}

type processedEntry struct {
	uid types.UID
	key processedKey
}

type processedKey struct {
	seq        int64
	generation int64
}

// +kubebuilder:rbac:groups=accountsync.io,resources=accountmappings,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=accountsync.io,resources=accountmappings/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=accountsync.io,resources=integrationconnections,verbs=get;list;watch
// +kubebuilder:rbac:groups=accountsync.io,resources=syncpolicies,verbs=get;list;watch

func (r *AccountMappingReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	return requeueOnConflict(r.reconcile(ctx, req))
}

func (r *AccountMappingReconciler) reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	am := &v1alpha1.AccountMapping{}
	if err := r.Get(ctx, req.NamespacedName, am); err != nil {
		if apierrors.IsNotFound(err) {
			forgetMappingMetrics(req.NamespacedName)
			r.forget(req.NamespacedName)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	m := &mappingRun{r: r, am: am, before: am.Status.DeepCopy()}
	result, err := m.run(ctx)
	if err == nil && !m.keepsUserPlan {
		// Only a linked mapping of a dry-run policy with users enabled has user actions.
		r.Snapshots.SetUserPlan(m.policy, am.Name, nil)
	}
	werr := m.finish(ctx)
	if werr != nil && err == nil {
		err = werr
	}
	if werr == nil && m.seen != nil {
		// Only once the status that records this sync's work is stored: a retry after a
		// failed write must do the work again rather than skip it.
		r.markSeen(req.NamespacedName, am.UID, *m.seen)
	}
	return result, err
}

// mappingRun is the state of one reconcile of one mapping.
type mappingRun struct {
	r      *AccountMappingReconciler
	am     *v1alpha1.AccountMapping
	before *v1alpha1.AccountMappingStatus
	sp     *v1alpha1.SyncPolicy
	policy types.NamespacedName
	// seen is the snapshot/generation this run did its vendor work for.
	seen *processedKey
	// suspect says which of the pair's listings shrank beyond the policy's spec.safety.
	suspect []string
	// deferred says which creates wait for the next sync (spec.creation.batchSize): by design,
	// not a problem.
	deferred []string
	// wait is the longest Retry-After a vendor answered this run's calls with.
	wait time.Duration
	// keepsUserPlan: this run reported the pair's dry-run user actions, or had no work to do, so
	// the actions the policy's plan lists for the mapping stand.
	keepsUserPlan bool
}

func (m *mappingRun) run(ctx context.Context) (ctrl.Result, error) {
	am, st := m.am, &m.am.Status
	st.ObservedGeneration = am.Generation
	request, requested := syncRequest(am, st.LastHandledSyncRequest)
	if requested {
		st.LastHandledSyncRequest = request
	}
	m.policy = types.NamespacedName{Namespace: am.Namespace, Name: am.Spec.PolicyRef.Name}
	m.sp = &v1alpha1.SyncPolicy{}
	if err := m.r.Get(ctx, m.policy, m.sp); err != nil {
		if !apierrors.IsNotFound(err) {
			return ctrl.Result{}, err
		}
		m.setReady(metav1.ConditionFalse, v1alpha1.ReasonPolicyNotFound, fmt.Sprintf("SyncPolicy %q not found", m.policy.Name), v1alpha1.StateNotAvailable)
		return ctrl.Result{}, nil
	}
	pruneServices(st, m.sp, am)
	if am.Spec.Suspend {
		m.setReady(metav1.ConditionFalse, v1alpha1.ReasonSuspended, "spec.suspend is true", st.State)
		return ctrl.Result{}, nil
	}
	if m.sp.Spec.Suspend {
		m.setReady(metav1.ConditionFalse, v1alpha1.ReasonSuspended, fmt.Sprintf("policy %s is suspended", m.policy.Name), st.State)
		return ctrl.Result{}, nil
	}
	psa, tool, reason, msg, err := policyConnections(ctx, m.r.Client, m.r.Clients, m.sp)
	if err != nil {
		return ctrl.Result{}, err
	}
	if reason != "" {
		m.setReady(metav1.ConditionFalse, v1alpha1.ReasonConnectionNotReady, msg, v1alpha1.StateNotAvailable)
		return ctrl.Result{}, nil
	}
	snap := m.r.Snapshots.Get(m.policy)
	if snap == nil {
		// The policy's first sync (after a restart too) takes the snapshot, then wakes us.
		return ctrl.Result{}, nil
	}
	if why, lost := m.r.Snapshots.Conflict(m.policy, am.Name); lost {
		m.addEvent(v1alpha1.ReasonConflict, why)
		m.setReady(metav1.ConditionFalse, v1alpha1.ReasonConflict, why, v1alpha1.StateHasEvents)
		return ctrl.Result{}, nil
	}
	name := types.NamespacedName{Namespace: am.Namespace, Name: am.Name}
	if until := m.r.limitedUntil(name, am.UID); !requested && time.Now().Before(until) {
		// The vendor said when to come back; only a person's sync-now on the mapping overrides it.
		return ctrl.Result{RequeueAfter: time.Until(until)}, nil
	}
	key := processedKey{seq: snap.Seq, generation: am.Generation}
	if !requested && st.PendingCreate == nil && m.r.seen(name, am.UID) == key && readyReason(st.Conditions) != "False/"+v1alpha1.ReasonConflict {
		m.keepsUserPlan = true
		return ctrl.Result{}, nil
	}

	toolOrg, psaAcc, res, done, err := m.resolve(ctx, psa, tool, snap)
	if done || err != nil {
		if err == nil && res.RequeueAfter == 0 {
			// A result with a requeue (a create waiting for its look-ups) must do its work again
			// then, within the same snapshot.
			m.seen = &key
		}
		return res, err
	}
	st.ToolOrganization = &v1alpha1.RecordRef{ID: toolOrg.ID, Name: toolOrg.Name}
	st.PSAAccount = &v1alpha1.RecordRef{ID: psaAcc.ID, Name: psaAcc.Name}

	if m.sp.Spec.DryRun {
		// A dry run changes nothing in any vendor system: no asset or user sync either. Its
		// users are matched (reads only) and what a real sync would do goes to the policy's plan.
		msg := fmt.Sprintf("%s %q ↔ %s %q (policy %s is a dry run: assets and users are not synced)", tool.Provider(), toolOrg.Name, psa.Provider(), psaAcc.Name, m.policy.Name)
		if m.sp.Spec.Users.Enabled {
			m.keepsUserPlan = true
			if problem := m.planUsers(ctx, psa, tool, toolOrg.ID, psaAcc.ID); problem != "" {
				msg += "; its users are not in the plan: " + problem
			}
		}
		m.seen = &key
		m.setReady(metav1.ConditionTrue, linkedReason(m.am), msg, v1alpha1.StateOK)
		return ctrl.Result{}, nil
	}
	var problems []string
	reasonOnProblem := ""
	if m.sp.Spec.Assets.Enabled {
		if p := m.syncAssets(ctx, psa, snap, toolOrg.ID, psaAcc.ID); len(p) > 0 {
			problems, reasonOnProblem = append(problems, p...), v1alpha1.ReasonAssetSyncFailed
		}
	} else {
		st.Assets = nil
	}
	if m.sp.Spec.Users.Enabled {
		if p := m.syncUsers(ctx, psa, tool, snap, toolOrg.ID, psaAcc.ID); len(p) > 0 {
			problems = append(problems, p...)
			if reasonOnProblem == "" {
				reasonOnProblem = v1alpha1.ReasonUserSyncFailed
			}
		}
	} else {
		st.Users, st.UserLinks, st.AmbiguousUsers = nil, nil, nil
	}
	if m.wait > 0 {
		// Linked, so HasEvents like any failed asset or user sync. Not marked seen: the work is
		// done again when the vendor said, within the same snapshot.
		msg := rateLimitedMessage(errors.New(strings.Join(append(problems, m.suspect...), "; ")), m.wait)
		m.addEvent(v1alpha1.ReasonRateLimited, msg)
		m.setReady(metav1.ConditionFalse, v1alpha1.ReasonRateLimited, msg, v1alpha1.StateHasEvents)
		return m.waitOut(), nil
	}
	m.seen = &key
	if len(m.suspect) > 0 {
		// The mapping keeps its state: the listing is not believed, so nothing it would cause
		// (unlinks, creates) was done.
		msg := fmt.Sprintf("suspect snapshot, nothing written for it: %s; if this is the new reality, set the annotation %s on policy %s to a new value",
			strings.Join(m.suspect, "; "), v1alpha1.AcceptSnapshotAnnotation, m.policy.Name)
		m.addEvent(v1alpha1.ReasonSuspectSnapshot, msg)
		m.setReady(metav1.ConditionFalse, v1alpha1.ReasonSuspectSnapshot, msg, st.State)
		return ctrl.Result{}, nil
	}
	if len(problems) > 0 {
		msg := strings.Join(problems, "; ")
		m.addEvent(reasonOnProblem, msg)
		m.setReady(metav1.ConditionFalse, reasonOnProblem, msg, v1alpha1.StateHasEvents)
		return ctrl.Result{}, nil
	}
	linked := fmt.Sprintf("%s %q ↔ %s %q", tool.Provider(), toolOrg.Name, psa.Provider(), psaAcc.Name)
	if len(m.deferred) > 0 {
		linked += "; " + strings.Join(m.deferred, "; ")
	}
	m.setReady(metav1.ConditionTrue, linkedReason(m.am), linked, v1alpha1.StateOK)
	return ctrl.Result{}, nil
}

// linkedReason is Suggested for a mapping its policy generated from a suggestion
// (matching.autoLinkScore), so a person can tell such links from name matches; Linked otherwise.
func linkedReason(am *v1alpha1.AccountMapping) string {
	if am.Annotations[v1alpha1.SuggestedScoreAnnotation] != "" && metav1.GetControllerOfNoCopy(am) != nil {
		return v1alpha1.ReasonSuggested
	}
	return v1alpha1.ReasonLinked
}

// resolve finds both records, creating the missing one. done means the reconcile ends here with
// the status already set (a side missing, a conflict, a create in flight).
func (m *mappingRun) resolve(ctx context.Context, psa, tool provider.Client, snap *Snapshot) (provider.Organization, provider.Account, ctrl.Result, bool, error) {
	am, st := m.am, &m.am.Status
	var toolOrg provider.Organization
	var psaAcc provider.Account
	toolID := am.Spec.Tool.OrganizationID
	if am.Spec.Tool.Create && st.ToolOrganization != nil {
		toolID = st.ToolOrganization.ID
	}
	psaID := am.Spec.PSA.AccountID
	if am.Spec.PSA.Create && st.PSAAccount != nil {
		psaID = st.PSAAccount.ID
	}
	if toolID != "" {
		o, ok := m.r.Snapshots.Organization(m.policy, toolID)
		if !ok {
			st.ToolOrganization = &v1alpha1.RecordRef{ID: toolID, Name: nameOf(st.ToolOrganization, toolID)}
			msg := fmt.Sprintf("%s organization %s is missing (deleted, or left out by the policy's tool filter)", tool.Provider(), toolID)
			m.addEvent(v1alpha1.ReasonToolOrganizationMissing, msg)
			m.setReady(metav1.ConditionFalse, v1alpha1.ReasonToolOrganizationMissing, msg, v1alpha1.StateNotAvailable)
			return toolOrg, psaAcc, ctrl.Result{}, true, nil
		}
		toolOrg = o
		// Shown at once, so a mapping waiting to create the other side says what it is for.
		st.ToolOrganization = &v1alpha1.RecordRef{ID: o.ID, Name: o.Name}
	}
	if psaID != "" {
		a, ok := m.r.Snapshots.Account(m.policy, psaID)
		if !ok {
			st.PSAAccount = &v1alpha1.RecordRef{ID: psaID, Name: nameOf(st.PSAAccount, psaID)}
			msg := fmt.Sprintf("%s account %s is missing (deleted, or left out by spec.psa.filter of policy %s)", psa.Provider(), psaID, m.policy.Name)
			m.addEvent(v1alpha1.ReasonPSAAccountMissing, msg)
			m.setReady(metav1.ConditionFalse, v1alpha1.ReasonPSAAccountMissing, msg, v1alpha1.StateNotAvailable)
			return toolOrg, psaAcc, ctrl.Result{}, true, nil
		}
		psaAcc = a
		st.PSAAccount = &v1alpha1.RecordRef{ID: a.ID, Name: a.Name}
	}
	if toolID != "" && psaID != "" {
		st.PendingCreate = nil
		return toolOrg, psaAcc, ctrl.Result{}, false, nil
	}
	if m.sp.Spec.DryRun {
		m.setReady(metav1.ConditionFalse, v1alpha1.ReasonCreating, fmt.Sprintf("policy %s is a dry run: nothing is created", m.policy.Name), v1alpha1.StateNotAvailable)
		return toolOrg, psaAcc, ctrl.Result{}, true, nil
	}

	// Exactly one side is to be created (CEL forbids both), named like the other side.
	side, source := v1alpha1.SidePSA, toolOrg.Name
	verbs, err := m.psaVerbs(psa, snap)
	if psaID != "" {
		side, source = v1alpha1.SideTool, psaAcc.Name
		verbs, err = m.toolVerbs(tool)
	}
	if err != nil {
		msg := err.Error()
		m.addEvent(v1alpha1.ReasonCreating, msg)
		m.setReady(metav1.ConditionFalse, v1alpha1.ReasonCreating, msg, v1alpha1.StateNotAvailable)
		return toolOrg, psaAcc, ctrl.Result{}, true, nil
	}
	verbs.RecordIntent = func(ctx context.Context, in creation.Intent) error {
		st.PendingCreate = &v1alpha1.CreateIntent{Side: side, Name: in.Name, Since: metav1.NewTime(in.Since)}
		m.setReady(metav1.ConditionFalse, v1alpha1.ReasonCreating, fmt.Sprintf("creating %s record %q", side, in.Name), v1alpha1.StateNotAvailable)
		if err := m.r.Status().Update(ctx, m.am); err != nil {
			return err
		}
		m.before = m.am.Status.DeepCopy()
		return nil
	}
	var previous *creation.Intent
	if p := st.PendingCreate; p != nil && p.Side == side {
		previous = &creation.Intent{Name: p.Name, Since: p.Since.Time}
	}
	settle := m.r.Settle
	if settle == 0 {
		settle = defaultSettle
	}
	if d, err := m.sp.Spec.Creation.SettlePeriod.Parse(settle); err == nil && d > 0 {
		settle = d
	}
	target := m.sp.Spec.PSA.ConnectionRef.Name
	if side == v1alpha1.SideTool {
		target = m.sp.Spec.Tool.ConnectionRef.Name
	}
	opts := creation.Options{
		Prefix:    m.sp.Spec.Creation.NamePrefix,
		UsePrefix: m.sp.Spec.Creation.OnNameConflict == v1alpha1.ConflictPrefix,
		Settle:    settle,
		Registry:  &m.r.creates,
		Target:    am.Namespace + "/" + target + "/" + string(side),
		Owner:     am.Namespace + "/" + am.Name,
	}
	out, err := creation.Ensure(ctx, source, previous, opts, verbs, time.Now())
	switch {
	case err != nil:
		if out.Intent == nil {
			// A definite failure: nothing was created, so the next attempt need not wait for a
			// record to appear.
			st.PendingCreate = nil
		}
		msg := fmt.Sprintf("creating %s record %q failed: %v", side, source, err)
		if m.rateLimited(err) {
			// Not linked yet, so NotAvailable; neither look-up nor create before the vendor's time.
			msg = rateLimitedMessage(errors.New(msg), m.wait)
			m.addEvent(v1alpha1.ReasonRateLimited, msg)
			m.setReady(metav1.ConditionFalse, v1alpha1.ReasonRateLimited, msg, v1alpha1.StateNotAvailable)
			return toolOrg, psaAcc, m.waitOut(), true, nil
		}
		m.addEvent(v1alpha1.ReasonCreating, msg)
		m.setReady(metav1.ConditionFalse, v1alpha1.ReasonCreating, msg, v1alpha1.StateNotAvailable)
		return toolOrg, psaAcc, ctrl.Result{RequeueAfter: time.Minute}, true, nil
	case out.Pending:
		name, whose := source, "the"
		if out.Intent != nil {
			name = out.Intent.Name
		}
		if out.CreatedBy != "" {
			whose = fmt.Sprintf("AccountMapping %s's", out.CreatedBy)
		}
		retryAt := out.RetryAt.UTC().Truncate(time.Second)
		m.setReady(metav1.ConditionFalse, v1alpha1.ReasonCreating,
			fmt.Sprintf("%s create of %s record %q has no answer yet; looking it up every %s, and only if nothing is found by %s (spec.creation.settlePeriod %s) is it sent again",
				whose, side, name, pendingRetry, retryAt.Format(time.RFC3339), settle), v1alpha1.StateNotAvailable)
		// Look again soon, and exactly when the settle period ends.
		wait := min(pendingRetry, time.Until(out.RetryAt))
		return toolOrg, psaAcc, ctrl.Result{RequeueAfter: max(wait, 100*time.Millisecond)}, true, nil
	case out.Conflict != nil:
		st.PendingCreate = nil
		holder := fmt.Sprintf("id %s", out.Conflict.ID)
		if out.Conflict.Detail != "" {
			holder += ", " + out.Conflict.Detail
		}
		msg := fmt.Sprintf("a %s record named %q already exists (%s); link it with spec.%s, rename it, or set spec.creation.onNameConflict: Prefix on policy %s",
			side, out.Conflict.Name, holder, sideField(side), m.policy.Name)
		m.addEvent(v1alpha1.ReasonNameConflict, msg)
		m.setReady(metav1.ConditionFalse, v1alpha1.ReasonNameConflict, msg, v1alpha1.StateNotAvailable)
		return toolOrg, psaAcc, ctrl.Result{}, true, nil
	}
	st.PendingCreate = nil
	rec := *out.Record
	verb := "created"
	switch {
	case out.Adopted && out.CreatedBy != "":
		verb = fmt.Sprintf("linked what AccountMapping %s created moments ago under the same name:", out.CreatedBy)
	case out.Adopted:
		verb = "found its earlier create of"
	}
	m.r.Recorder.Eventf(m.am, nil, corev1.EventTypeNormal, "Created", "Create", "%s %s record %q (id %s)", verb, side, rec.Name, rec.ID)
	// An adopted record was counted when it was created (an adoption also follows a read of
	// this mapping that predates its own last status write).
	if side == v1alpha1.SidePSA {
		psaAcc = provider.Account{ID: rec.ID, Name: rec.Name}
		m.r.Snapshots.RecordCreatedAccount(m.policy, psaAcc, !out.Adopted)
	} else {
		toolOrg = provider.Organization{ID: rec.ID, Name: rec.Name}
		m.r.Snapshots.RecordCreatedOrganization(m.policy, toolOrg, !out.Adopted)
	}
	return toolOrg, psaAcc, ctrl.Result{}, false, nil
}

func sideField(side v1alpha1.Side) string {
	if side == v1alpha1.SidePSA {
		return "psa.accountID"
	}
	return "tool.organizationID"
}

func nameOf(ref *v1alpha1.RecordRef, id string) string {
	if ref != nil && ref.ID == id {
		return ref.Name
	}
	return ""
}

func (m *mappingRun) psaVerbs(psa provider.Client, snap *Snapshot) (creation.Verbs, error) {
	finder, ok1 := psa.(provider.AccountFinder)
	creator, ok2 := psa.(provider.AccountCreator)
	if !ok1 || !ok2 {
		return creation.Verbs{}, fmt.Errorf("%s cannot create accounts", psa.Provider())
	}
	return creation.Verbs{
		Find: func(ctx context.Context, name string) ([]creation.Record, error) {
			found, err := finder.FindAccountsByName(ctx, name)
			if err != nil {
				return nil, err
			}
			out := make([]creation.Record, 0, len(found))
			for _, a := range found {
				if creation.SameName(a.Name, name) {
					out = append(out, creation.Record{ID: a.ID, Name: a.Name, Detail: accountDetail(a)})
				}
			}
			return out, nil
		},
		Create: func(ctx context.Context, name string) (creation.Record, error) {
			a, err := creator.CreateAccount(ctx, provider.AccountCreate{Name: name, StatusID: snap.CreateStatusID, TypeID: snap.CreateTypeID,
				ManagerID: snap.CreateSettings.AccountManager, BusinessTypeID: snap.CreateSettings.BusinessType})
			return creation.Record{ID: a.ID, Name: a.Name}, err
		},
	}, nil
}

func accountDetail(a provider.Account) string {
	var parts []string
	if a.Status != "" {
		parts = append(parts, "status "+a.Status)
	}
	if len(a.Types) > 0 {
		parts = append(parts, "types "+strings.Join(a.Types, ", "))
	}
	if a.Inactive {
		parts = append(parts, "inactive")
	}
	return strings.Join(parts, ", ")
}

func (m *mappingRun) toolVerbs(tool provider.Client) (creation.Verbs, error) {
	finder, ok1 := tool.(provider.OrganizationFinder)
	creator, ok2 := tool.(provider.OrganizationCreator)
	if !ok1 || !ok2 {
		return creation.Verbs{}, fmt.Errorf("%s cannot create organizations", tool.Provider())
	}
	return creation.Verbs{
		Find: func(ctx context.Context, name string) ([]creation.Record, error) {
			found, err := finder.FindOrganizationsByName(ctx, name)
			if err != nil {
				return nil, err
			}
			out := make([]creation.Record, 0, len(found))
			for _, o := range found {
				if creation.SameName(o.Name, name) {
					out = append(out, creation.Record{ID: o.ID, Name: o.Name})
				}
			}
			return out, nil
		},
		Create: func(ctx context.Context, name string) (creation.Record, error) {
			o, err := creator.CreateOrganization(ctx, name)
			return creation.Record{ID: o.ID, Name: o.Name}, err
		},
	}, nil
}

// syncAssets mirrors the organization's tool assets into the account, placed by the location mode.
func (m *mappingRun) syncAssets(ctx context.Context, psa provider.Client, snap *Snapshot, orgID, accountID string) []string {
	st := &m.am.Status
	caps, ok := psa.(assetsync.Capabilities)
	if !ok || snap.ToolAssets == nil {
		st.Assets = nil
		return []string{fmt.Sprintf("%s cannot receive assets from this tool", psa.Provider())}
	}
	in := assetsync.Input{Location: m.am.Spec.Location, AccountID: accountID, ToolAssets: snap.ToolAssets[orgID]}
	var err error
	if in.PSAAssets, err = caps.ListAssets(ctx, accountID); err != nil {
		m.rateLimited(err)
		return []string{"listing PSA assets: " + err.Error()}
	}
	if in.Locations, err = caps.ListLocations(ctx, accountID); err != nil {
		m.rateLimited(err)
		return []string{"listing PSA locations: " + err.Error()}
	}
	if dm, ok := psa.(provider.DepartmentManager); ok {
		if in.Departments, err = dm.ListDepartments(ctx, accountID); err != nil {
			m.rateLimited(err)
			return []string{"listing PSA departments: " + err.Error()}
		}
	}
	if fr, ok := psa.(provider.AssetFieldReporter); ok {
		stored := fr.StoredAssetFields()
		in.Stored = &stored
	}
	if prev := st.Assets; prev != nil && !snap.accepted {
		// The PSA assets the last sync left in the account; an empty or shrunken listing of
		// them would have every asset created again.
		inPSA := mapping.AssetsInPSA(prev)
		if s := plan.Shrunk(m.sp.Spec.Safety, v1alpha1.ListingPSAAssets, inPSA, len(in.PSAAssets)); s != nil {
			m.suspect = append(m.suspect, fmt.Sprintf("the PSA lists %d assets for account %s, the last sync left %d", s.Current, accountID, s.Previous))
			suspectSnapshots.WithLabelValues(m.policy.Namespace, m.policy.Name, s.Listing).Inc()
			return nil
		}
	}
	planned, err := assetsync.Plan(in)
	if err != nil {
		return []string{err.Error()}
	}
	batch := batchSize(m.sp)
	planned = assetsync.Limit(planned,
		m.r.Snapshots.TakeBudget(m.policy, snap.Seq, budgetLocations, len(planned.CreateLocations), batch),
		m.r.Snapshots.TakeBudget(m.policy, snap.Seq, budgetDepartments, len(planned.CreateDepartments), batch),
		m.r.Snapshots.TakeBudget(m.policy, snap.Seq, budgetAssets, len(planned.Creates), batch))
	for i := range planned.Creates {
		planned.Creates[i].Category = snap.CreateSettings.AssetCategory
	}
	counts, problems := assetsync.Apply(ctx, caps, in, planned)
	st.Assets = mapping.AssetState(st.Assets, counts)
	m.reportAssetWrites(counts)
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

// syncUsers matches end users of the pair and, when asked, creates the unmatched ones in the PSA.
func (m *mappingRun) syncUsers(ctx context.Context, psa, tool provider.Client, snap *Snapshot, orgID, accountID string) []string {
	st := &m.am.Status
	tu, pu, problem := m.listPairUsers(ctx, psa, tool, orgID, accountID)
	if problem != "" {
		return []string{problem}
	}
	if !snap.accepted {
		// Linked PSA users missing from the listing would be unlinked and their tool users
		// created again: believe that only within spec.safety.
		listed := make(map[string]bool, len(pu))
		for _, u := range pu {
			listed[u.ID] = true
		}
		present := 0
		for _, l := range st.UserLinks {
			if listed[l.PSAUserID] {
				present++
			}
		}
		if s := plan.Shrunk(m.sp.Spec.Safety, v1alpha1.ListingPSAUsers, len(st.UserLinks), present); s != nil {
			m.suspect = append(m.suspect, fmt.Sprintf("the PSA lists %d of the %d users linked in account %s (%d users listed)", s.Current, s.Previous, accountID, len(pu)))
			suspectSnapshots.WithLabelValues(m.policy.Namespace, m.policy.Name, s.Listing).Inc()
			return nil
		}
	}
	spec := m.sp.Spec.Users
	res := match.Users(tu, pu, spec.MatchBy, spec.OnMultipleMatches, m.am.Spec.UserOverrides, st.UserLinks)
	var problems []string
	for _, gone := range res.Unlinked {
		m.r.Recorder.Eventf(m.am, nil, corev1.EventTypeNormal, "UserUnlinked", "SyncUsers",
			"PSA user %s linked to tool user %s no longer exists: unlinked", gone.PSAUserID, gone.ToolUserID)
	}
	links := res.Links
	created, failedCreates := int32(0), 0
	unmatched := res.Unmatched
	if spec.CreateMissing && len(unmatched) > 0 {
		creator, ok := psa.(provider.UserCreator)
		if !ok {
			problems = append(problems, fmt.Sprintf("%s cannot create users", psa.Provider()))
		} else {
			var still []provider.User
			grant := m.r.Snapshots.TakeBudget(m.policy, snap.Seq, budgetUsers, len(unmatched), batchSize(m.sp))
			if deferred := len(unmatched) - grant; deferred > 0 {
				m.deferred = append(m.deferred, fmt.Sprintf("%d user creates deferred to the next sync (spec.creation.batchSize %d per sync)", deferred, batchSize(m.sp)))
				still = append(still, unmatched[grant:]...)
				unmatched = unmatched[:grant]
			}
			for _, u := range unmatched {
				nu, err := creator.CreateUser(ctx, accountID, u)
				if err != nil {
					m.rateLimited(err)
					// An unknown outcome is safe: the next sync matches the user by email first.
					problems = append(problems, fmt.Sprintf("creating user %q: %v", u.Email+u.Name, err))
					failedCreates++
					still = append(still, u)
					continue
				}
				created++
				links = append(links, v1alpha1.UserOverride{ToolUserID: u.ID, PSAUserID: nu.ID})
			}
			unmatched = still
		}
	}
	sortLinks(links)
	st.UserLinks = boundedUserLinks(links)
	st.Users = mapping.UserState(st.Users, mapping.UserRun{Linked: len(links), Ambiguous: len(res.Ambiguous),
		Unmatched: len(unmatched), Created: int(created)})
	m.reportUserCreates(int(created), failedCreates)
	st.AmbiguousUsers = ambiguousUsers(res.Ambiguous)
	return problems
}

// reportAssetWrites puts what this sync did to the assets where per-sync numbers belong: an
// event when it wrote something, and the metrics. Status keeps only the state.
func (m *mappingRun) reportAssetWrites(run v1alpha1.AssetCounts) {
	countMappingWrites(m.policy, "asset", "created", int(run.Created))
	countMappingWrites(m.policy, "asset", "updated", int(run.Updated))
	countMappingWrites(m.policy, "asset", "failed", int(run.Failed))
	if run.Created+run.Updated > 0 {
		m.r.Recorder.Eventf(m.am, nil, corev1.EventTypeNormal, "AssetsSynced", "SyncAssets",
			"created %d, updated %d of %d assets (%d failed)", run.Created, run.Updated, run.Total, run.Failed)
	}
}

// reportUserCreates is reportAssetWrites for the PSA users a sync created.
func (m *mappingRun) reportUserCreates(created, failed int) {
	countMappingWrites(m.policy, "user", "created", created)
	countMappingWrites(m.policy, "user", "failed", failed)
	if created > 0 {
		m.r.Recorder.Eventf(m.am, nil, corev1.EventTypeNormal, "UsersCreated", "SyncUsers", "created %d PSA users", created)
	}
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

// waitOut remembers until when the vendor asked this mapping to wait, and requeues it then.
func (m *mappingRun) waitOut() ctrl.Result {
	m.r.limit(types.NamespacedName{Namespace: m.am.Namespace, Name: m.am.Name}, m.am.UID, time.Now().Add(m.wait))
	return ctrl.Result{RequeueAfter: m.wait}
}

// listPairUsers lists the end users of both sides of the pair (the real sync and the dry run
// read them alike); problem says why it could not, and a vendor's Retry-After is noted.
func (m *mappingRun) listPairUsers(ctx context.Context, psa, tool provider.Client, orgID, accountID string) (tu, pu []provider.User, problem string) {
	toolUsers, ok1 := tool.(provider.UserLister)
	psaUsers, ok2 := psa.(provider.UserLister)
	if !ok1 || !ok2 {
		return nil, nil, fmt.Sprintf("end-user matching needs users on both sides (%s, %s)", tool.Provider(), psa.Provider())
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

// planUsers matches the end users of the pair of a dry-run policy as syncUsers would, writing
// nothing, and reports the user actions a real sync would take to the policy's plan. It returns
// why the users could not be matched, or "".
func (m *mappingRun) planUsers(ctx context.Context, psa, tool provider.Client, orgID, accountID string) string {
	// On a failed listing the actions of the last run stay in the plan: a vendor glitch does not
	// make the plan flap. A pair without users on both sides has none to plan.
	tu, pu, problem := m.listPairUsers(ctx, psa, tool, orgID, accountID)
	_, toolHasUsers := tool.(provider.UserLister)
	_, psaHasUsers := psa.(provider.UserLister)
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

// setReady sets Ready and the state, emitting an Event only on a real transition.
func (m *mappingRun) setReady(status metav1.ConditionStatus, reason, message string, state v1alpha1.MappingState) {
	am := m.am
	// Compared as a copy: meta.SetStatusCondition updates the existing condition in place.
	prev := readyReason(am.Status.Conditions)
	setCondition(&am.Status.Conditions, am.Generation, v1alpha1.ConditionReady, status, reason, message)
	if state != "" {
		am.Status.State = state
	}
	am.Status.State = stateWithServices(&am.Status)
	if prev != string(status)+"/"+reason {
		eventType := corev1.EventTypeNormal
		if status != metav1.ConditionTrue {
			eventType = corev1.EventTypeWarning
		}
		m.r.Recorder.Eventf(am, nil, eventType, reason, "Link", "%s", truncate(message, 512))
	}
}

// addEvent records a problem in status.recentEvents unless it repeats the newest one, so a
// problem that persists across syncs causes no write.
func (m *mappingRun) addEvent(reason, message string) {
	st := &m.am.Status
	message = truncate(message, 512)
	if len(st.RecentEvents) > 0 && st.RecentEvents[0].Reason == reason && st.RecentEvents[0].Message == message {
		return
	}
	st.RecentEvents = append([]v1alpha1.MappingEvent{{Time: now(), Reason: reason, Message: message}}, st.RecentEvents...)
	if len(st.RecentEvents) > v1alpha1.MaxRecentEvents {
		st.RecentEvents = st.RecentEvents[:v1alpha1.MaxRecentEvents]
	}
}

func (m *mappingRun) finish(ctx context.Context) error {
	am := m.am
	recordMappingState(am)
	if equality.Semantic.DeepEqual(m.before, &am.Status) {
		return nil
	}
	return writeStatus(ctx, m.r.Client, am)
}

func (r *AccountMappingReconciler) seen(name types.NamespacedName, uid types.UID) processedKey {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e, ok := r.processed[name]; ok && e.uid == uid {
		return e.key
	}
	return processedKey{}
}

func (r *AccountMappingReconciler) markSeen(name types.NamespacedName, uid types.UID, k processedKey) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.processed == nil {
		r.processed = map[types.NamespacedName]processedEntry{}
	}
	r.processed[name] = processedEntry{uid: uid, key: k}
}

func (r *AccountMappingReconciler) limitedUntil(name types.NamespacedName, uid types.UID) time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e, ok := r.limited[name]; ok && e.uid == uid {
		return e.until
	}
	return time.Time{}
}

func (r *AccountMappingReconciler) limit(name types.NamespacedName, uid types.UID, until time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.limited == nil {
		r.limited = map[types.NamespacedName]limitEntry{}
	}
	r.limited[name] = limitEntry{uid: uid, until: until}
}

// forget drops what is remembered of a deleted mapping.
func (r *AccountMappingReconciler) forget(name types.NamespacedName) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.processed, name)
	delete(r.limited, name)
}

// policyConnections returns both clients of a policy, or why it cannot use them. No vendor call
// goes through a connection that is not Ready.
func policyConnections(ctx context.Context, kube client.Client, clients *connection.Cache, sp *v1alpha1.SyncPolicy) (psa, tool provider.Client, reason, msg string, err error) {
	get := func(ref string, want v1alpha1.Side) (provider.Client, string, string, error) {
		ic := &v1alpha1.IntegrationConnection{}
		if err := kube.Get(ctx, types.NamespacedName{Namespace: sp.Namespace, Name: ref}, ic); err != nil {
			if apierrors.IsNotFound(err) {
				return nil, v1alpha1.ReasonConnectionNotReady, fmt.Sprintf("IntegrationConnection %q not found", ref), nil
			}
			return nil, "", "", err
		}
		if side := sideOf(ic.Spec.Provider); side != want {
			return nil, v1alpha1.ReasonInvalidSpec, fmt.Sprintf("IntegrationConnection %q is a %s connection (%s); this side needs a %s", ref, side, ic.Spec.Provider, want), nil
		}
		if !meta.IsStatusConditionTrue(ic.Status.Conditions, v1alpha1.ConditionReady) {
			why := "not probed yet"
			if c := meta.FindStatusCondition(ic.Status.Conditions, v1alpha1.ConditionReady); c != nil {
				why = c.Reason
			}
			return nil, v1alpha1.ReasonConnectionNotReady, fmt.Sprintf("IntegrationConnection %q is not Ready (%s)", ref, why), nil
		}
		cl, err := clients.Client(ctx, kube, ic)
		if err != nil {
			if ce, ok := connection.AsConfigError(err); ok {
				return nil, v1alpha1.ReasonConnectionNotReady, fmt.Sprintf("IntegrationConnection %q: %s", ref, ce.Message), nil
			}
			return nil, "", "", err
		}
		return cl, "", "", nil
	}
	if psa, reason, msg, err = get(sp.Spec.PSA.ConnectionRef.Name, v1alpha1.SidePSA); err != nil || reason != "" {
		return
	}
	tool, reason, msg, err = get(sp.Spec.Tool.ConnectionRef.Name, v1alpha1.SideTool)
	return
}

// SetupWithManager watches mappings (spec and annotation changes) and their policies (a new sync,
// a new plan, a connection change).
func (r *AccountMappingReconciler) SetupWithManager(mgr ctrl.Manager, opts ControllerOptions) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&v1alpha1.AccountMapping{}, builder.WithPredicates(
			predicate.Or(predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}))).
		Watches(&v1alpha1.SyncPolicy{}, handler.EnqueueRequestsFromMapFunc(r.mappingsForPolicy),
			builder.WithPredicates(policyProgressed())).
		WatchesRawSource(source.Channel(r.Snapshots.synced, handler.EnqueueRequestsFromMapFunc(r.mappingsForPolicy))).
		WithOptions(opts.controllerOptions()).
		Complete(r)
}

func (r *AccountMappingReconciler) mappingsForPolicy(ctx context.Context, obj client.Object) []reconcile.Request {
	return indexedRequests(ctx, r.Client, &v1alpha1.AccountMappingList{}, obj.GetNamespace(), policyRefIndex, obj.GetName())
}

// policyProgressed passes policy updates after which mappings have work: a sync finished, the
// spec changed, the conditions or counts (a new plan, a conflict) changed.
func policyProgressed() predicate.Predicate {
	return updated(func(o, n *v1alpha1.SyncPolicy) bool {
		return o.Generation != n.Generation || !equality.Semantic.DeepEqual(o.Status.LastSyncTime, n.Status.LastSyncTime) ||
			!equality.Semantic.DeepEqual(o.Status.Conditions, n.Status.Conditions) || o.Status.Counts != n.Status.Counts
	})
}
