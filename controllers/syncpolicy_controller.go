package controllers

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/connection"
	"github.com/accountsync/accountsync-operator/internal/plan"
	"github.com/accountsync/accountsync-operator/internal/provider"
)

const (
	defaultSyncInterval = 10 * time.Minute
	// failedSyncRetry bounds how soon a failed sync (vendor error) is tried again.
	failedSyncRetry = time.Minute

	policyRefIndex     = "spec.policyRef.name"
	connectionRefIndex = "spec.connectionRefs"
)

// SyncPolicyReconciler takes one snapshot of both sides per sync, plans, and creates, updates or
// removes the generated AccountMappings. Vendor writes are left to the mapping controller.
type SyncPolicyReconciler struct {
	client.Client
	Clients   *connection.Cache
	Snapshots *SnapshotStore
	Recorder  events.EventRecorder
	// Services carries what the service runners report for the policy's status (may be nil).
	Services *ServiceReports
}

// +kubebuilder:rbac:groups=accountsync.io,resources=syncpolicies,verbs=get;list;watch
// +kubebuilder:rbac:groups=accountsync.io,resources=syncpolicies/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=accountsync.io,resources=syncpolicies/finalizers,verbs=update
// +kubebuilder:rbac:groups=accountsync.io,resources=accountmappings,verbs=get;list;watch;create;update;patch;delete

func (r *SyncPolicyReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	ctx = log.IntoContext(ctx, log.FromContext(ctx).WithValues("policy", req.Name))
	return requeueOnConflict(r.reconcile(ctx, req))
}

func (r *SyncPolicyReconciler) reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	sp := &v1alpha1.SyncPolicy{}
	if err := r.Get(ctx, req.NamespacedName, sp); err != nil {
		if apierrors.IsNotFound(err) {
			r.Snapshots.Delete(req.NamespacedName)
			r.Services.Delete(req.NamespacedName)
			forgetPolicyMetrics(req.NamespacedName)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	before := sp.Status.DeepCopy()
	st := &sp.Status
	st.ObservedGeneration = sp.Generation
	request, requested := syncRequest(sp, st.LastHandledSyncRequest)
	if requested {
		st.LastHandledSyncRequest = request
	}
	// An acceptance of a suspect snapshot is a sync-now whose listings are taken as the truth.
	acceptance, accepting := annotationRequest(sp, v1alpha1.AcceptSnapshotAnnotation, st.LastAcceptedSnapshot)
	interval, err := sp.Spec.Interval.Parse(defaultSyncInterval)
	if err != nil || interval <= 0 {
		interval = defaultSyncInterval
	}

	psa, tool, usable, err := r.usable(ctx, sp)
	if err != nil {
		return ctrl.Result{}, err
	}
	if !usable {
		return ctrl.Result{}, r.finish(ctx, sp, before)
	}

	key := req.NamespacedName
	handled := ""
	if requested {
		handled = request
	}
	if accepting {
		handled += "\x00accept=" + acceptance
	}
	due, nextDue := r.Snapshots.Due(key, sp.Generation, handled, time.Now())
	if !due {
		// A mapping changed: re-plan on the last snapshot (no vendor call) so generated mappings
		// converge at once, e.g. a created record's id is written into the spec.
		if err := r.plan(ctx, sp, r.Snapshots.Get(key), false, false); err != nil {
			return ctrl.Result{}, err
		}
		return ctrl.Result{RequeueAfter: time.Until(nextDue)}, r.finish(ctx, sp, before)
	}

	start := time.Now()
	psaCalls, toolCalls := psa.CallCount(), tool.CallCount()
	psaStart, toolStart := markCalls(psa), markCalls(tool)
	period := r.Snapshots.startPeriod(key, psaStart, toolStart)
	snap, err := r.takeSnapshot(ctx, sp, psa, tool)
	st.APICalls = v1alpha1.APICalls{PSA: psa.CallCount() - psaCalls, Tool: tool.CallCount() - toolCalls}
	if err != nil {
		return r.syncFailed(ctx, sp, err, interval, handled), r.finish(ctx, sp, before)
	}
	return r.publish(ctx, sp, before, snap, syncRun{start: start, interval: interval, handled: handled, accepting: accepting, acceptance: acceptance,
		psa: psa, tool: tool, period: period, psaStart: psaStart, toolStart: toolStart})
}

// syncRun is what a sync carries from its start to its publication.
type syncRun struct {
	start      time.Time
	interval   time.Duration
	handled    string
	accepting  bool
	acceptance string
	// psa and tool are the policy's clients; period, psaStart and toolStart their call counters
	// at the start of the last whole period and of this sync (the rate budget).
	psa, tool           provider.Client
	period              periodCalls
	psaStart, toolStart *callMark
}

// publish plans on a fresh snapshot (which stores it unless it is suspect), applies the plan and
// schedules the next sync.
func (r *SyncPolicyReconciler) publish(ctx context.Context, sp *v1alpha1.SyncPolicy, before *v1alpha1.SyncPolicyStatus, snap *Snapshot, run syncRun) (ctrl.Result, error) {
	st, key := &sp.Status, types.NamespacedName{Namespace: sp.Namespace, Name: sp.Name}
	start, interval, handled := run.start, run.interval, run.handled
	// Counted before plan publishes the snapshot: from then on mappings add the records they
	// create to its maps under the store's lock.
	toolOrgCount, psaAccountCount := len(snap.ToolOrgs), len(snap.PSAAccounts)
	// What the sync found is kept with the snapshot, so that every later pass (also one that
	// read a stale cached policy) writes the same status.
	snap.apiCalls = st.APICalls
	snap.syncedAt = now()
	snap.duration = time.Since(start).Round(time.Millisecond).String()
	// The calls of the last whole period (listings and the mappings' writes), or of this sync's
	// listings when there was none, are planned within each vendor's documented limit.
	specInterval := interval
	psa, tool, period, psaStart, toolStart := run.psa, run.tool, run.period, run.psaStart, run.toolStart
	psaLimit, toolLimit := provider.LimitOf(psa.Provider()), provider.LimitOf(tool.Provider())
	psaNow, toolNow := markCalls(psa), markCalls(tool)
	interval, snap.rateBudget = budgetInterval(interval,
		budgetSide{v1alpha1.SidePSA, psa.Provider(), max(spent(psaLimit, period.psa, psaStart), spent(psaLimit, psaStart, psaNow))},
		budgetSide{v1alpha1.SideTool, tool.Provider(), max(spent(toolLimit, period.tool, toolStart), spent(toolLimit, toolStart, toolNow))})
	r.reportBudget(sp, specInterval, snap.rateBudget)
	// Jitter of up to 10% keeps many policies from polling their vendors in lockstep.
	snap.nextSync = metav1.NewTime(time.Now().Add(interval + time.Duration(rand.Int64N(int64(interval)/10+1))))
	if err := r.plan(ctx, sp, snap, true, run.accepting); err != nil {
		if _, ok := connection.AsConfigError(err); ok {
			return r.syncFailed(ctx, sp, err, interval, handled), r.finish(ctx, sp, before)
		}
		return ctrl.Result{}, err
	}
	if run.accepting {
		st.LastAcceptedSnapshot = run.acceptance
	}
	next := snap.nextSync
	if r.Snapshots.Get(key) != snap || snap.inventoryRetry() {
		// A suspect snapshot was not taken, or the assets and users could not be read in
		// time: look again soon, a vendor glitch rarely lasts.
		next = metav1.NewTime(time.Now().Add(min(interval, failedSyncRetry)))
		st.NextSyncTime = &next
		if snap.inventoryRetry() {
			snap.nextSync = next // later passes report the same time
		}
	}
	r.Snapshots.Schedule(key, sp.Generation, handled, next.Time)
	log.FromContext(ctx).V(1).Info("synced", "seq", snap.Seq, "request", handled, "apiCalls", snap.apiCalls,
		"toolOrganizations", toolOrgCount, "psaAccounts", psaAccountCount)
	syncDuration.WithLabelValues(sp.Namespace, sp.Name).Observe(time.Since(start).Seconds())
	return ctrl.Result{RequeueAfter: time.Until(next.Time)}, r.finish(ctx, sp, before)
}

// usable reports whether the policy can sync, and both its clients when it can; otherwise its
// conditions say why (suspended, a connection not Ready, a capability the connections lack).
// Each case is terminal: a spec edit or a connection change brings the policy back.
func (r *SyncPolicyReconciler) usable(ctx context.Context, sp *v1alpha1.SyncPolicy) (psa, tool provider.Client, ok bool, err error) {
	key := types.NamespacedName{Namespace: sp.Namespace, Name: sp.Name}
	if sp.Spec.Suspend {
		// Suspended reads the same on the policy and on its mappings: Ready=False, a Normal event.
		r.setReady(sp, metav1.ConditionFalse, v1alpha1.ReasonSuspended, "spec.suspend is true: the policy does not run")
		r.setSynced(sp, metav1.ConditionFalse, v1alpha1.ReasonSuspended, "spec.suspend is true: no sync runs")
		sp.Status.NextSyncTime = nil
		return nil, nil, false, nil
	}
	psa, tool, reason, msg, err := policyConnections(ctx, r.Client, r.Clients, sp)
	if err != nil {
		return nil, nil, false, err
	}
	if reason != "" {
		r.setReady(sp, metav1.ConditionFalse, reason, msg)
		r.setSynced(sp, metav1.ConditionFalse, v1alpha1.ReasonConnectionNotReady, msg)
		r.Snapshots.Unschedule(key)
		// The connection watch brings the policy back when the connection changes.
		return nil, nil, false, nil
	}
	if missing := missingCapabilities(&sp.Spec, psa, tool); len(missing) > 0 {
		// Refused rather than left to mappings that would wait in Creating forever.
		msg := capabilityMessage(missing)
		r.setReady(sp, metav1.ConditionFalse, v1alpha1.ReasonInvalidSpec, msg)
		r.setSynced(sp, metav1.ConditionFalse, v1alpha1.ReasonSyncFailed, msg)
		r.Snapshots.Unschedule(key)
		sp.Status.NextSyncTime = nil
		return nil, nil, false, nil
	}
	return psa, tool, true, nil
}

// syncFailed reports a sync whose listing failed: a configuration error is terminal; a vendor
// error is tried again after a minute (or interval, if shorter), or when the vendor said.
func (r *SyncPolicyReconciler) syncFailed(ctx context.Context, sp *v1alpha1.SyncPolicy, err error, interval time.Duration, handled string) ctrl.Result {
	if ce, ok := connection.AsConfigError(err); ok {
		r.setReady(sp, metav1.ConditionFalse, ce.Reason, ce.Message)
		r.setSynced(sp, metav1.ConditionFalse, v1alpha1.ReasonSyncFailed, ce.Message)
		return ctrl.Result{}
	}
	log.FromContext(ctx).Info("sync failed", "kind", provider.KindOf(err), "error", err.Error())
	wait := min(interval, failedSyncRetry)
	if provider.IsKind(err, provider.KindRateLimited) {
		// The vendor said when to come back: the policy waits that long, off the worker.
		if d, ok := retryAfter(err); ok {
			wait = d
		}
		r.setSynced(sp, metav1.ConditionFalse, v1alpha1.ReasonRateLimited, rateLimitedMessage(err, wait))
	} else {
		r.setSynced(sp, metav1.ConditionFalse, v1alpha1.ReasonSyncFailed, deadlineMessage(ctx, err))
	}
	next := metav1.NewTime(time.Now().Add(wait))
	sp.Status.NextSyncTime = &next
	key := types.NamespacedName{Namespace: sp.Namespace, Name: sp.Name}
	if r.Snapshots.Get(key) != nil {
		r.Snapshots.Schedule(key, sp.Generation, handled, next.Time)
	}
	return ctrl.Result{RequeueAfter: time.Until(next.Time)}
}

// takeSnapshot lists both sides once: PSA accounts filtered on the server by the resolved status
// and type ids, all tool organizations, and tool assets where the policy needs them.
func (r *SyncPolicyReconciler) takeSnapshot(ctx context.Context, sp *v1alpha1.SyncPolicy, psa, tool provider.Client) (*Snapshot, error) {
	lister, ok := psa.(provider.AccountLister)
	if !ok {
		return nil, &connection.ConfigError{Reason: v1alpha1.ReasonInvalidSpec, Message: fmt.Sprintf("%s cannot list accounts", psa.Provider())}
	}
	orgLister, ok := tool.(provider.OrganizationLister)
	if !ok {
		return nil, &connection.ConfigError{Reason: v1alpha1.ReasonInvalidSpec, Message: fmt.Sprintf("%s cannot list organizations", tool.Provider())}
	}
	snap := &Snapshot{Taken: time.Now(), PolicyGeneration: sp.Generation}
	filter, err := resolveFilter(ctx, sp.Spec.PSA.Filter, psa)
	if err != nil {
		return nil, err
	}
	if len(filter.StatusIDs) > 0 {
		snap.CreateStatusID = filter.StatusIDs[0]
	}
	if len(filter.TypeIDs) > 0 {
		snap.CreateTypeID = filter.TypeIDs[0]
	}
	if snap.CreateSettings, err = resolveCreateSettings(ctx, sp, psa, snap.CreateTypeID); err != nil {
		return nil, err
	}
	accounts, err := lister.ListAccounts(ctx, filter)
	if err != nil {
		return nil, err
	}
	filteredOut := 0
	if counter, ok := psa.(provider.AccountCounter); ok && (len(filter.StatusIDs) > 0 || len(filter.TypeIDs) > 0 || !filter.IncludeInactive) {
		total, err := counter.CountAccounts(ctx, provider.AccountFilter{IncludeInactive: true})
		if err != nil {
			return nil, err
		}
		filteredOut = max(0, total-len(accounts))
	}
	orgs, err := orgLister.ListOrganizations(ctx)
	if err != nil {
		return nil, err
	}
	withAssets, err := readToolAssets(ctx, sp, tool, snap)
	if err != nil {
		return nil, err
	}
	if snap.ToolAssets != nil && sp.Spec.Assets.Enabled {
		category, err := resolveAssetCategory(ctx, sp, psa)
		if err != nil {
			return nil, err
		}
		if category != "" { // PSAs without a category list resolve theirs with the create settings
			snap.CreateSettings.AssetCategory = category
		}
	}
	snap.ToolOrgs = make(map[string]provider.Organization, len(orgs))
	for _, o := range orgs {
		snap.ToolOrgs[o.ID] = o
	}
	snap.PSAAccounts = make(map[string]provider.Account, len(accounts))
	for _, a := range accounts {
		snap.PSAAccounts[a.ID] = a
	}
	snap.planInput = plan.Input{Policy: sp, ToolOrgs: orgs, PSAAccounts: accounts, PSAFilteredOutServer: filteredOut, ToolOrgsWithAssets: withAssets}
	if snap.inventory, err = r.readInventory(ctx, sp, accounts, psa, tool); err != nil { // a Kubernetes error
		return nil, err
	}
	return snap, nil
}

// resolveFilter turns the policy's PSA filter (status and type names) into the ids the PSA
// filters on; a name the PSA does not have is a configuration error naming the choices.
func resolveFilter(ctx context.Context, f v1alpha1.PSAFilter, psa provider.Client) (provider.AccountFilter, error) {
	filter := provider.AccountFilter{IncludeInactive: f.IncludeInactive}
	if len(f.Statuses) == 0 && len(f.Types) == 0 {
		return filter, nil
	}
	st, ok := psa.(provider.StatusTypeLister)
	if !ok {
		return filter, &connection.ConfigError{Reason: v1alpha1.ReasonInvalidSpec,
			Message: fmt.Sprintf("spec.psa.filter: %s has no account statuses or types", psa.Provider())}
	}
	var err error
	if len(f.Statuses) > 0 {
		statuses, lerr := st.ListAccountStatuses(ctx)
		if pe := (*provider.Error)(nil); errors.As(lerr, &pe) && pe.Kind == provider.KindUnsupported {
			return filter, &connection.ConfigError{Reason: v1alpha1.ReasonInvalidSpec,
				Message: fmt.Sprintf("spec.psa.filter.statuses: %s", pe.Message)}
		}
		if lerr != nil {
			return filter, lerr
		}
		if filter.StatusIDs, err = resolveNames("spec.psa.filter.statuses", f.Statuses, statuses); err != nil {
			return filter, err
		}
	}
	if len(f.Types) > 0 {
		types, lerr := st.ListAccountTypes(ctx)
		if lerr != nil {
			return filter, lerr
		}
		if filter.TypeIDs, err = resolveNames("spec.psa.filter.types", f.Types, types); err != nil {
			return filter, err
		}
	}
	return filter, nil
}

// readToolAssets lists the tool's assets into the snapshot where the policy needs them (asset
// sync, createWhen Referenced) and returns the organizations that have some: the references.
func readToolAssets(ctx context.Context, sp *v1alpha1.SyncPolicy, tool provider.Client, snap *Snapshot) (map[string]bool, error) {
	referenced := sp.Spec.CreateWhen == v1alpha1.CreateReferenced
	al, ok := tool.(provider.ToolAssetLister)
	switch {
	case ok && (sp.Spec.Assets.Enabled || referenced):
		assets, err := al.ListToolAssets(ctx, "")
		if err != nil {
			return nil, err
		}
		snap.ToolAssets = map[string][]provider.ToolAsset{}
		withAssets := map[string]bool{}
		for _, a := range assets {
			snap.ToolAssets[a.OrganizationID] = append(snap.ToolAssets[a.OrganizationID], a)
			withAssets[a.OrganizationID] = true
		}
		return withAssets, nil
	case referenced && alertsReference(&sp.Spec, tool):
		// Only the ticketing service's alerts reference organizations (ServiceReports).
		return map[string]bool{}, nil
	case referenced:
		return nil, &connection.ConfigError{Reason: v1alpha1.ReasonInvalidSpec,
			Message: fmt.Sprintf("spec.createWhen Referenced: %s has no assets to reference organizations", tool.Provider())}
	}
	return nil, nil
}

func resolveNames(field string, names []string, refs []provider.NamedRef) ([]string, error) {
	byName := map[string]string{}
	available := make([]string, 0, len(refs))
	for _, r := range refs {
		byName[strings.ToLower(strings.TrimSpace(r.Name))] = r.ID
		available = append(available, r.Name)
	}
	ids := make([]string, 0, len(names))
	for _, n := range names {
		id, ok := byName[strings.ToLower(strings.TrimSpace(n))]
		if !ok {
			sort.Strings(available)
			return nil, &connection.ConfigError{Reason: v1alpha1.ReasonInvalidSpec,
				Message: fmt.Sprintf("%s: %q does not exist in this PSA (available: %s)", field, n, strings.Join(available, ", "))}
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// plan computes the plan from snap and the current mappings, stores the snapshot when it is new,
// applies the mapping changes (unless dry run) and fills status. A fresh snapshot whose
// listings shrank beyond spec.safety (unless accepted) is neither stored nor applied: the
// mappings keep working on the last good one and keep their state.
func (r *SyncPolicyReconciler) plan(ctx context.Context, sp *v1alpha1.SyncPolicy, snap *Snapshot, fresh, accepted bool) error {
	mappings := &v1alpha1.AccountMappingList{}
	if err := r.List(ctx, mappings, client.InNamespace(sp.Namespace), client.MatchingFields{policyRefIndex: sp.Name}); err != nil {
		return fmt.Errorf("listing the mappings of policy %s: %w", sp.Name, err)
	}
	in := snap.planInput
	in.Policy = sp
	in.Mappings = mappings.Items
	key := types.NamespacedName{Namespace: sp.Namespace, Name: sp.Name}
	if sp.Spec.CreateWhen == v1alpha1.CreateReferenced {
		in.ToolOrgsWithAssets = r.Services.WithReferences(key, in.ToolOrgsWithAssets)
	}
	result, err := plan.Compute(in)
	if err != nil {
		return &connection.ConfigError{Reason: v1alpha1.ReasonInvalidSpec, Message: err.Error()}
	}
	st := &sp.Status
	if fresh {
		if shrunk := shrunkListings(sp, result.Counts); len(shrunk) > 0 && !accepted {
			r.suspect(sp, snap, mappings.Items, shrunk)
			return nil
		}
		snap.accepted = accepted
		r.Snapshots.SetSuspect(key, nil)
		r.Snapshots.Put(sp, snap)
		st.LastGoodSnapshot = &v1alpha1.SnapshotCounts{ToolOrganizations: result.Counts.ToolOrganizations,
			PSAAccounts: result.Counts.PSAAccounts, ObservedGeneration: sp.Generation, Time: snap.syncedAt}
	}
	r.Snapshots.SetConflicts(key, result.Conflicts)
	counts := result.Counts
	counts.Created = r.Snapshots.Created(key)
	st.Counts = counts
	if msg := r.Services.Invalid(key, sp.Generation); msg != "" {
		// A service's settings name what the PSA does not have: the link sync goes on, the
		// policy says what to fix.
		r.setReady(sp, metav1.ConditionFalse, v1alpha1.ReasonInvalidSpec, msg)
	} else {
		r.setReady(sp, metav1.ConditionTrue, v1alpha1.ReasonValid, "policy and both connections are usable")
	}
	if fresh || r.Snapshots.Suspect(key) == nil {
		// After a suspect sync the last good snapshot is re-planned, but the times and calls
		// in status stay those of the suspect sync, the latest one.
		snap.reportSync(st)
	}
	st.Ambiguous = boundedAmbiguous(result.Ambiguous)
	st.Unmatched = boundedUnmatched(result.Unmatched)
	if sp.Spec.DryRun {
		// The user actions come from the mappings, which match the users of their pairs.
		names := make([]string, 0, len(mappings.Items))
		for _, am := range mappings.Items {
			names = append(names, am.Name)
		}
		// So do the services' changes: billing quantities (billing_plan.go) and tickets.
		all := plan.WithUserActions(result.Plan, append(append(r.Snapshots.UserPlan(key, names), r.Snapshots.BillingPlan(key, names)...), r.Services.Plan(key)...))
		st.Plan = boundedPlan(all)
		st.PlanTotal = int32(len(all))
		r.setSynced(sp, metav1.ConditionTrue, v1alpha1.ReasonDryRun,
			fmt.Sprintf("dry run: %d planned actions, nothing changed", len(all)))
		return nil
	}
	st.Plan, st.PlanTotal = nil, 0
	if !fresh {
		// Between syncs only existing generated mappings converge (a created id, a superseded
		// mapping); new links and new creations wait for the next sync, so batchSize bounds the
		// creations of one sync rather than refilling as each create completes.
		existing := make(map[string]bool, len(mappings.Items))
		for _, am := range mappings.Items {
			existing[am.Name] = true
		}
		kept := result.Ensure[:0:0]
		for _, ms := range result.Ensure {
			if existing[ms.Name] {
				kept = append(kept, ms)
			}
		}
		result.Ensure = kept
	}
	failures, err := r.applyMappings(ctx, sp, mappings.Items, result)
	if err != nil {
		return err
	}
	shrunk := r.Snapshots.Suspect(key)
	suspectMappings := mappingsWithReason(mappings.Items, v1alpha1.ReasonSuspectSnapshot)
	st.SuspectSnapshot = suspectStatus(st.SuspectSnapshot, shrunk, suspectMappings)
	switch {
	case len(shrunk) > 0:
		// Between syncs, on the last good snapshot, after a suspect sync: still suspect.
		r.setSynced(sp, metav1.ConditionFalse, v1alpha1.ReasonSuspectSnapshot, suspectMessage(sp, shrunk, nil))
	case len(suspectMappings) > 0:
		r.setSynced(sp, metav1.ConditionFalse, v1alpha1.ReasonSuspectSnapshot, suspectMessage(sp, nil, suspectMappings))
	case failures > 0:
		r.setSynced(sp, metav1.ConditionFalse, v1alpha1.ReasonPartialSync, fmt.Sprintf("%d mapping changes failed; see events", failures))
	case counts.Ambiguous > 0 || counts.Conflicts > 0:
		r.setSynced(sp, metav1.ConditionTrue, v1alpha1.ReasonPartialSync,
			fmt.Sprintf("%d mapped, %d ambiguous, %d conflicts need a person", counts.Mapped, counts.Ambiguous, counts.Conflicts))
	case result.RemovalsDeferred > 0:
		r.setSynced(sp, metav1.ConditionTrue, v1alpha1.ReasonPartialSync,
			fmt.Sprintf("%d mapped; %d generated mappings to remove wait for later syncs (at most spec.creation.batchSize = %d per sync)",
				counts.Mapped, result.RemovalsDeferred, len(result.Remove)))
	default:
		r.setSynced(sp, metav1.ConditionTrue, v1alpha1.ReasonSyncSucceeded,
			fmt.Sprintf("%d mapped, %d unmatched, %d pending create", counts.Mapped, counts.Unmatched, counts.PendingCreate))
	}
	return nil
}

// suspect reports a sync whose listings shrank beyond spec.safety; nothing of it is applied.
func (r *SyncPolicyReconciler) suspect(sp *v1alpha1.SyncPolicy, snap *Snapshot, mappings []v1alpha1.AccountMapping, shrunk []v1alpha1.ShrunkListing) {
	st := &sp.Status
	key := types.NamespacedName{Namespace: sp.Namespace, Name: sp.Name}
	r.Snapshots.SetSuspect(key, shrunk)
	for _, l := range shrunk {
		suspectSnapshots.WithLabelValues(sp.Namespace, sp.Name, l.Listing).Inc()
	}
	st.SuspectSnapshot = suspectStatus(st.SuspectSnapshot, shrunk, mappingsWithReason(mappings, v1alpha1.ReasonSuspectSnapshot))
	snap.reportSync(st)
	r.setSynced(sp, metav1.ConditionFalse, v1alpha1.ReasonSuspectSnapshot, suspectMessage(sp, shrunk, nil))
}

// reportSync writes when the snapshot's sync ran, how long it took, its calls and the next sync.
func (snap *Snapshot) reportSync(st *v1alpha1.SyncPolicyStatus) {
	syncedAt, nextSync := snap.syncedAt, snap.nextSync
	st.LastSyncTime, st.NextSyncTime, st.LastSyncDuration = &syncedAt, &nextSync, snap.duration
	st.APICalls = snap.apiCalls
	st.RateBudget = snap.rateBudget
}

// shrunkListings compares the records taking part with the last good sync of the same spec.
func shrunkListings(sp *v1alpha1.SyncPolicy, counts v1alpha1.SyncCounts) []v1alpha1.ShrunkListing {
	last := sp.Status.LastGoodSnapshot
	if last == nil || last.ObservedGeneration != sp.Generation {
		// A new spec (a new filter) may legitimately change the counts: a new baseline.
		return nil
	}
	var out []v1alpha1.ShrunkListing
	for _, c := range []struct {
		listing         string
		previous, count int32
	}{
		{v1alpha1.ListingPSAAccounts, last.PSAAccounts, counts.PSAAccounts},
		{v1alpha1.ListingToolOrganizations, last.ToolOrganizations, counts.ToolOrganizations},
	} {
		if s := plan.Shrunk(sp.Spec.Safety, c.listing, int(c.previous), int(c.count)); s != nil {
			out = append(out, *s)
		}
	}
	return out
}

// suspectStatus is status.suspectSnapshot for the given listings and mappings, keeping the
// start of a run of suspect syncs.
func suspectStatus(cur *v1alpha1.SuspectSnapshot, shrunk []v1alpha1.ShrunkListing, mappings []string) *v1alpha1.SuspectSnapshot {
	if len(shrunk) == 0 && len(mappings) == 0 {
		return nil
	}
	since := now()
	if cur != nil {
		since = cur.Since
	}
	return &v1alpha1.SuspectSnapshot{Since: since, Listings: shrunk, Mappings: firstN(mappings, v1alpha1.MaxStatusListItems)}
}

func suspectMessage(sp *v1alpha1.SyncPolicy, shrunk []v1alpha1.ShrunkListing, mappings []string) string {
	accept := fmt.Sprintf("if this is the new reality, set the annotation %s to a new value", v1alpha1.AcceptSnapshotAnnotation)
	if len(shrunk) > 0 {
		parts := make([]string, 0, len(shrunk))
		for _, l := range shrunk {
			parts = append(parts, fmt.Sprintf("%s %d → %d", l.Listing, l.Previous, l.Current))
		}
		return fmt.Sprintf("suspect snapshot, nothing applied and mappings keep their state: %s (the last good sync had more; spec.safety.maxShrinkPercent %d); %s",
			strings.Join(parts, ", "), effectiveShrink(sp), accept)
	}
	return fmt.Sprintf("%d mappings saw their PSA users or assets shrink beyond spec.safety and wrote nothing for them (%s); %s",
		len(mappings), strings.Join(firstN(mappings, 5), ", "), accept)
}

func effectiveShrink(sp *v1alpha1.SyncPolicy) int32 {
	if sp.Spec.Safety.MaxShrinkPercent > 0 {
		return sp.Spec.Safety.MaxShrinkPercent
	}
	return plan.DefaultMaxShrinkPercent
}

// mappingsWithReason names the mappings whose Ready condition is False with reason.
func mappingsWithReason(ams []v1alpha1.AccountMapping, reason string) []string {
	var out []string
	for i := range ams {
		if c := meta.FindStatusCondition(ams[i].Status.Conditions, v1alpha1.ConditionReady); c != nil &&
			c.Status == metav1.ConditionFalse && c.Reason == reason {
			out = append(out, ams[i].Name)
		}
	}
	sort.Strings(out)
	return out
}

// applyMappings creates, updates and deletes generated mappings. Manual mappings are never
// touched: plan.Compute puts only generated ones in Ensure and Remove.
func (r *SyncPolicyReconciler) applyMappings(ctx context.Context, sp *v1alpha1.SyncPolicy, existing []v1alpha1.AccountMapping, result plan.Result) (int, error) {
	byName := make(map[string]*v1alpha1.AccountMapping, len(existing))
	for i := range existing {
		byName[existing[i].Name] = &existing[i]
	}
	failures := 0
	for _, ms := range result.Ensure {
		desired := desiredMapping(sp, ms)
		cur, ok := byName[ms.Name]
		switch {
		case !ok:
			if err := controllerutil.SetControllerReference(sp, desired, r.Scheme()); err != nil {
				return failures, fmt.Errorf("owning mapping %s: %w", ms.Name, err)
			}
			if err := r.Create(ctx, desired); err != nil && !apierrors.IsAlreadyExists(err) {
				failures++
				emit(r.Recorder, sp, v1alpha1.ReasonMappingCreateFailed, "CreateMapping", "%s: %v", ms.Name, err)
			}
		case !isGeneratedBy(cur, sp):
			// A person's mapping holds this name; it wins and is left alone.
		default:
			// A person's picks on a generated mapping (userOverrides, suspend) are kept; the
			// policy owns the rest.
			desired.Spec.UserOverrides = cur.Spec.UserOverrides
			desired.Spec.Suspend = cur.Spec.Suspend
			if equality.Semantic.DeepEqual(cur.Spec, desired.Spec) && cur.Labels[v1alpha1.PolicyLabel] == sp.Name {
				continue
			}
			if !equality.Semantic.DeepEqual(cur.Spec.Tool, desired.Spec.Tool) || !equality.Semantic.DeepEqual(cur.Spec.PSA, desired.Spec.PSA) {
				// A re-pointed mapping is a new link: it is Suggested only if this plan suggested it.
				setSuggestedScore(cur, desired.Annotations[v1alpha1.SuggestedScoreAnnotation])
			}
			cur.Spec = desired.Spec
			if cur.Labels == nil {
				cur.Labels = map[string]string{}
			}
			cur.Labels[v1alpha1.PolicyLabel] = sp.Name
			if err := r.Update(ctx, cur); err != nil {
				if apierrors.IsConflict(err) {
					return failures, fmt.Errorf("updating mapping %s: %w", ms.Name, err)
				}
				failures++
				emit(r.Recorder, sp, v1alpha1.ReasonMappingUpdateFailed, "UpdateMapping", "%s: %v", ms.Name, err)
			}
		}
	}
	for _, name := range result.Remove {
		cur, ok := byName[name]
		if !ok || !isGeneratedBy(cur, sp) {
			continue
		}
		if err := r.Delete(ctx, cur, client.Preconditions{UID: &cur.UID}); err != nil && !apierrors.IsNotFound(err) {
			failures++
			emit(r.Recorder, sp, v1alpha1.ReasonMappingDeleteFailed, "RemoveMapping", "%s: %v", name, err)
			continue
		}
		emit(r.Recorder, sp, v1alpha1.ReasonMappingRemoved, "RemoveMapping", "removed generated mapping %s", name)
	}
	return failures, nil
}

func desiredMapping(sp *v1alpha1.SyncPolicy, ms plan.MappingSpec) *v1alpha1.AccountMapping {
	am := &v1alpha1.AccountMapping{
		ObjectMeta: metav1.ObjectMeta{
			Name:      ms.Name,
			Namespace: sp.Namespace,
			Labels:    map[string]string{v1alpha1.PolicyLabel: sp.Name},
		},
		Spec: v1alpha1.AccountMappingSpec{
			PolicyRef: v1alpha1.LocalObjectReference{Name: sp.Name},
			PSA:       v1alpha1.MappingPSA{AccountID: ms.PSAAccountID, Create: ms.CreatePSA},
			Tool:      v1alpha1.MappingTool{OrganizationID: ms.ToolOrganizationID, Create: ms.CreateTool},
			Location:  *sp.Spec.MappingDefaults.Location.DeepCopy(),
			Services:  sp.Spec.MappingDefaults.Services,
		},
	}
	if am.Spec.Location.Mode == "" {
		am.Spec.Location.Mode = v1alpha1.LocationMain
	}
	if ms.SuggestedScore > 0 {
		am.Annotations = map[string]string{v1alpha1.SuggestedScoreAnnotation: strconv.Itoa(ms.SuggestedScore)}
	}
	return am
}

// setSuggestedScore sets or (score "") removes the suggested-score annotation.
func setSuggestedScore(am *v1alpha1.AccountMapping, score string) {
	if score == "" {
		delete(am.Annotations, v1alpha1.SuggestedScoreAnnotation)
		return
	}
	if am.Annotations == nil {
		am.Annotations = map[string]string{}
	}
	am.Annotations[v1alpha1.SuggestedScoreAnnotation] = score
}

func isGeneratedBy(am *v1alpha1.AccountMapping, sp *v1alpha1.SyncPolicy) bool {
	ref := metav1.GetControllerOf(am)
	return ref != nil && ref.Kind == "SyncPolicy" && ref.Name == sp.Name && ref.UID == sp.UID
}

func (r *SyncPolicyReconciler) setSynced(sp *v1alpha1.SyncPolicy, status metav1.ConditionStatus, reason, message string) {
	setConditionWithEvent(r.Recorder, sp, &sp.Status.Conditions, v1alpha1.ConditionSynced, status, reason, message, "Sync")
}

// setReady says whether the policy can run.
func (r *SyncPolicyReconciler) setReady(sp *v1alpha1.SyncPolicy, status metav1.ConditionStatus, reason, message string) {
	setConditionWithEvent(r.Recorder, sp, &sp.Status.Conditions, v1alpha1.ConditionReady, status, reason, message, "Validate")
}

func (r *SyncPolicyReconciler) finish(ctx context.Context, sp *v1alpha1.SyncPolicy, before *v1alpha1.SyncPolicyStatus) error {
	recordPolicySynced(sp)
	return updateStatus(ctx, r.Client, sp, before, &sp.Status)
}

func firstN[T any](items []T, n int) []T {
	if len(items) <= n {
		return items
	}
	return items[:n]
}

// SetupWithManager watches policies, every AccountMapping naming a policy (manual ones included,
// since they claim records), and the connections policies use.
func (r *SyncPolicyReconciler) SetupWithManager(mgr ctrl.Manager, opts ControllerOptions) error {
	b := ctrl.NewControllerManagedBy(mgr).
		For(&v1alpha1.SyncPolicy{}, builder.WithPredicates(
			predicate.Or(predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}))).
		Watches(&v1alpha1.AccountMapping{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, obj client.Object) []reconcile.Request {
			am := obj.(*v1alpha1.AccountMapping)
			return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: am.Namespace, Name: am.Spec.PolicyRef.Name}}}
		}), builder.WithPredicates(mappingClaimChanged())).
		Watches(&v1alpha1.IntegrationConnection{}, handler.EnqueueRequestsFromMapFunc(r.policiesForConnection),
			builder.WithPredicates(readyChanged())).
		WatchesRawSource(source.Channel(r.Snapshots.userPlanned, &handler.EnqueueRequestForObject{}))
	if r.Services != nil {
		b = b.WatchesRawSource(source.Channel(r.Services.changed, &handler.EnqueueRequestForObject{}))
	}
	return b.WithOptions(opts.controllerOptions()).Complete(r)
}

func (r *SyncPolicyReconciler) policiesForConnection(ctx context.Context, obj client.Object) []reconcile.Request {
	return indexedRequests(ctx, r.Client, &v1alpha1.SyncPolicyList{}, obj.GetNamespace(), connectionRefIndex, obj.GetName())
}

// mappingClaimChanged passes mapping events that can change a plan: create, delete, a spec edit,
// and a status change of the linked ids or the Ready reason (a created record, a conflict).
func mappingClaimChanged() predicate.Predicate {
	return updated(func(o, n *v1alpha1.AccountMapping) bool {
		return o.Generation != n.Generation || !equality.Semantic.DeepEqual(o.Status.PSAAccount, n.Status.PSAAccount) ||
			!equality.Semantic.DeepEqual(o.Status.ToolOrganization, n.Status.ToolOrganization) ||
			readyReason(o.Status.Conditions) != readyReason(n.Status.Conditions)
	})
}

// readyChanged passes connection events that flip Ready or its reason.
func readyChanged() predicate.Predicate {
	return updated(func(o, n *v1alpha1.IntegrationConnection) bool {
		return readyReason(o.Status.Conditions) != readyReason(n.Status.Conditions)
	})
}

func readyReason(conds []metav1.Condition) string {
	return conditionKey(conds, v1alpha1.ConditionReady)
}

// conditionKey is "status/reason" of a condition, or "" when it is absent.
func conditionKey(conds []metav1.Condition, typ string) string {
	c := meta.FindStatusCondition(conds, typ)
	if c == nil {
		return ""
	}
	return string(c.Status) + "/" + c.Reason
}
