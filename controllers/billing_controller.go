package controllers

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/retry"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/billing"
	"github.com/accountsync/accountsync-operator/internal/connection"
	"github.com/accountsync/accountsync-operator/internal/provider"
)

const (
	defaultBillingInterval = 24 * time.Hour
	// billingRetryBase and billingRetryMax bound the back-off of a mapping whose push failed.
	billingRetryBase = time.Minute
	billingRetryMax  = time.Hour
	// perOrgAgentListing: a run over at most this many pairs lists each organization's agents
	// rather than every agent of the connection (when the policy's snapshot has none).
	perOrgAgentListing = 5
)

// BillingReconciler runs each policy's billing service (spec.services.billing): every interval
// and on sync-now, for each linked mapping that bills, it reads the organization's usage from the
// tool, finds the PSA line and sets its quantity when it differs (internal/billing decides). It
// writes a mapping's status only when its billing result changed, and never unlinks.
type BillingReconciler struct {
	client.Client
	// APIReader re-reads an object after a write conflict (the cache may lag behind).
	APIReader client.Reader
	Clients   *connection.Cache
	Snapshots *SnapshotStore
	Recorder  events.EventRecorder
	// Settle is how long a billing line whose create had an unknown outcome may take to show up
	// before it is created again; defaultSettle when zero (or the policy's creation.settlePeriod).
	Settle time.Duration

	mu   sync.Mutex
	runs map[types.NamespacedName]*billingRun
}

// billingRun is one policy's billing schedule, kept in memory: the handled sync-now request is
// the controller's own (the policy controller keeps status.lastHandledSyncRequest), and after a
// restart every policy bills once at its first reconcile.
type billingRun struct {
	generation int64
	request    string
	nextDue    time.Time
	// done holds the mappings billed in the current cycle; the others (new links, or a run cut
	// short by the reconcile deadline) are billed at the next reconcile.
	done map[string]string
	// retry holds the mappings whose last push failed: tried again at their time, with back-off.
	retry map[string]billingRetry
	// createdAt holds lines whose create had an unknown outcome, by mapping.
	createdAt map[string]time.Time
	// changed and calls add up the cycle's writes and vendor calls for status.
	changed int32
	calls   v1alpha1.APICalls
}

type billingRetry struct {
	attempts int
	at       time.Time
}

// +kubebuilder:rbac:groups=accountsync.io,resources=syncpolicies,verbs=get;list;watch
// +kubebuilder:rbac:groups=accountsync.io,resources=syncpolicies/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=accountsync.io,resources=accountmappings,verbs=get;list;watch
// +kubebuilder:rbac:groups=accountsync.io,resources=accountmappings/status,verbs=get;update;patch

func (r *BillingReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	return requeueOnConflict(r.reconcile(ctx, req))
}

func (r *BillingReconciler) reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	key := req.NamespacedName
	sp := &v1alpha1.SyncPolicy{}
	if err := r.Get(ctx, key, sp); err != nil {
		if apierrors.IsNotFound(err) {
			r.forget(key)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	spec := sp.Spec.Services.Billing
	if spec == nil || sp.Spec.Suspend {
		// Off: no run, no plan, no summary (the mapping controller prunes the mappings' part).
		r.forget(key)
		return ctrl.Result{}, r.writeSummary(ctx, key, nil)
	}
	psa, tool, reason, msg, err := policyConnections(ctx, r.Client, r.Clients, sp)
	if err != nil {
		return ctrl.Result{}, err
	}
	if reason == "" {
		if missing := missingCapabilities(&sp.Spec, psa, tool); len(missing) > 0 {
			// The policy controller refuses the policy (InvalidSpec); billing waits for a fix.
			reason, msg = v1alpha1.ReasonInvalidSpec, capabilityMessage(missing)
		}
	}
	if reason != "" {
		return ctrl.Result{}, r.writeSummary(ctx, key, func(run *v1alpha1.ServiceRun) {
			run.NextRunTime = nil
			run.Message = "billing does not run: " + msg
		})
	}
	interval, err := spec.Interval.Parse(defaultBillingInterval)
	if err != nil || interval <= 0 {
		interval = defaultBillingInterval
	}
	now := time.Now()
	request := sp.Annotations[v1alpha1.SyncRequestedAtAnnotation]
	run := r.runFor(key, sp.Generation, request, interval, now)

	mappings := &v1alpha1.AccountMappingList{}
	if err := r.List(ctx, mappings, client.InNamespace(sp.Namespace), client.MatchingFields{policyRefIndex: sp.Name}); err != nil {
		return ctrl.Result{}, err
	}
	linked := billedMappings(mappings.Items)
	work := r.workSet(key, linked, sp.Spec.DryRun, now)
	if len(work) > 0 {
		r.bill(ctx, sp, psa, tool, key, work, now)
	}
	r.keepPlan(key, sp, linked)

	r.mu.Lock()
	next := run.nextDue
	failed := int32(0)
	for _, rt := range run.retry {
		failed++
		if rt.at.Before(next) {
			next = rt.at
		}
	}
	pending := 0
	for i := range linked {
		if run.done[linked[i].Name] != pairKey(&linked[i]) {
			pending++
		}
	}
	summary := v1alpha1.ServiceRun{Mappings: int32(len(linked)), Changed: run.changed, Failed: failed, APICalls: run.calls}
	nextDue := metav1.NewTime(run.nextDue.Truncate(time.Second))
	r.mu.Unlock()
	if pending > 0 {
		// The deadline cut the run short: the rest is billed at once, in a new reconcile.
		next = now.Add(time.Second)
	}
	err = r.writeSummary(ctx, key, func(cur *v1alpha1.ServiceRun) {
		if len(work) > 0 || cur.LastRunTime == nil {
			t := metav1.NewTime(time.Now().Truncate(time.Second))
			summary.LastRunTime = &t
		} else {
			summary.LastRunTime = cur.LastRunTime
		}
		summary.NextRunTime = &nextDue
		switch {
		case sp.Spec.DryRun:
			summary.Message = "dry run: quantity changes are listed in status.plan, nothing is written"
		case failed > 0:
			summary.Message = fmt.Sprintf("%d mappings failed to bill; they are retried with back-off (see their Billing condition)", failed)
		}
		*cur = summary
	})
	return ctrl.Result{RequeueAfter: max(time.Until(next), time.Second)}, err
}

// runFor returns the policy's schedule, starting a new cycle when one is due: the interval has
// passed, the spec changed, or a new sync-now request came.
func (r *BillingReconciler) runFor(key types.NamespacedName, generation int64, request string, interval time.Duration, now time.Time) *billingRun {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.runs == nil {
		r.runs = map[types.NamespacedName]*billingRun{}
	}
	run := r.runs[key]
	if run == nil {
		run = &billingRun{retry: map[string]billingRetry{}, createdAt: map[string]time.Time{}}
		r.runs[key] = run
	} else if run.generation == generation && run.request == request && now.Before(run.nextDue) {
		return run
	}
	run.generation, run.request = generation, request
	run.nextDue = now.Add(interval)
	run.done = map[string]string{}
	run.changed, run.calls = 0, v1alpha1.APICalls{}
	return run
}

func (r *BillingReconciler) forget(key types.NamespacedName) {
	r.mu.Lock()
	delete(r.runs, key)
	r.mu.Unlock()
	r.Snapshots.SetBillingPlan(key, nil)
	forgetBillingMetrics(key)
}

// billedMappings are the mappings that take part: billing on, not suspended, and linked.
func billedMappings(items []v1alpha1.AccountMapping) []v1alpha1.AccountMapping {
	var out []v1alpha1.AccountMapping
	for _, am := range items {
		if am.Spec.Services.Billing && !am.Spec.Suspend && am.DeletionTimestamp == nil &&
			am.Status.PSAAccount != nil && am.Status.PSAAccount.ID != "" &&
			am.Status.ToolOrganization != nil && am.Status.ToolOrganization.ID != "" {
			out = append(out, am)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// workSet is what this reconcile bills: the linked mappings not billed in the current cycle, and
// the failed ones whose retry time has come.
func (r *BillingReconciler) workSet(key types.NamespacedName, linked []v1alpha1.AccountMapping, dryRun bool, now time.Time) []v1alpha1.AccountMapping {
	r.mu.Lock()
	defer r.mu.Unlock()
	run := r.runs[key]
	names := map[string]bool{}
	var out []v1alpha1.AccountMapping
	for _, am := range linked {
		names[am.Name] = true
		rt, failing := run.retry[am.Name]
		// Billed again before the next cycle: a new or re-pointed link, a status the mapping
		// controller pruned (billing turned off and on), a failure whose retry time has come.
		unbilled := run.done[am.Name] != pairKey(&am) ||
			(!dryRun && meta.FindStatusCondition(am.Status.Conditions, v1alpha1.ConditionBilling) == nil)
		if unbilled || (failing && !now.Before(rt.at)) {
			out = append(out, am)
		}
	}
	for name := range run.retry {
		if !names[name] {
			delete(run.retry, name)
		}
	}
	return out
}

// bill runs the work set: usage first (one agent listing at most), then each pair's line.
func (r *BillingReconciler) bill(ctx context.Context, sp *v1alpha1.SyncPolicy, psa, tool provider.Client,
	key types.NamespacedName, work []v1alpha1.AccountMapping, now time.Time) {
	logger := log.FromContext(ctx)
	spec := *sp.Spec.Services.Billing
	psaCalls, toolCalls := psa.CallCount(), tool.CallCount()
	settle := r.Settle
	if settle == 0 {
		settle = defaultSettle
	}
	if d, err := sp.Spec.Creation.SettlePeriod.Parse(settle); err == nil && d > 0 {
		settle = d
	}
	runner := billing.Runner{Policy: spec, Lines: psa.(provider.BillingLineManager), UsageSource: string(tool.Provider()),
		DryRun: sp.Spec.DryRun, Settle: settle, Now: now}
	agents, agentsErr := r.agentUsage(ctx, sp, tool, work)
	runner.Usage = func(ctx context.Context, org string) (int64, error) {
		return usageOf(ctx, spec, tool, org, agents, agentsErr, now)
	}
	for i := range work {
		if ctx.Err() != nil {
			break // the deadline: the rest stays not done and is billed at the next reconcile
		}
		am := &work[i]
		pair := billing.Pair{Mapping: am.Name, OrganizationID: am.Status.ToolOrganization.ID, AccountID: am.Status.PSAAccount.ID}
		if am.Status.Services != nil {
			pair.Prev = am.Status.Services.Billing
		}
		r.mu.Lock()
		pair.CreateUnknownSince = r.runs[key].createdAt[am.Name]
		r.mu.Unlock()
		res := runner.Run(ctx, pair)
		if ctx.Err() != nil {
			// The call was cut by the deadline, not failed by the vendor: not reported, billed
			// again at the next reconcile.
			break
		}
		r.record(key, am, res, now)
		if sp.Spec.DryRun {
			r.Snapshots.SetBillingPlanItem(key, am.Name, res.Plan)
			continue
		}
		if err := r.report(ctx, sp, am, res); err != nil {
			logger.Info("billing status not written", "mapping", am.Name, "error", err.Error())
		}
	}
	r.mu.Lock()
	if run := r.runs[key]; run != nil {
		run.calls.PSA += psa.CallCount() - psaCalls
		run.calls.Tool += tool.CallCount() - toolCalls
	}
	r.mu.Unlock()
}

// agentUsage counts agents per organization for usage Agents: from the agents the policy's sync
// already listed, else one listing (per organization for a few pairs, connection-wide for more).
func (r *BillingReconciler) agentUsage(ctx context.Context, sp *v1alpha1.SyncPolicy, tool provider.Client, work []v1alpha1.AccountMapping) (map[string]int64, error) {
	if sp.Spec.Services.Billing.Usage != v1alpha1.UsageAgents {
		return nil, nil
	}
	lister := tool.(provider.ToolAssetLister)
	byOrg := map[string][]provider.ToolAsset{}
	if snap := r.Snapshots.Get(types.NamespacedName{Namespace: sp.Namespace, Name: sp.Name}); snap != nil && snap.ToolAssets != nil {
		byOrg = snapshotAssets(r.Snapshots, snap)
	} else if len(work) <= perOrgAgentListing {
		// A few organizations, each of which may really have dropped to no agent: believed.
		for _, am := range work {
			org := am.Status.ToolOrganization.ID
			assets, err := lister.ListToolAssets(ctx, org)
			if err != nil {
				return nil, err
			}
			byOrg[org] = assets
		}
		return billing.AgentUsage(byOrg), nil
	} else {
		assets, err := lister.ListToolAssets(ctx, "")
		if err != nil {
			return nil, err
		}
		for _, a := range assets {
			byOrg[a.OrganizationID] = append(byOrg[a.OrganizationID], a)
		}
	}
	if err := emptyListingGlitch(byOrg, work); err != nil {
		return nil, err
	}
	return billing.AgentUsage(byOrg), nil
}

// emptyListingGlitch refuses a connection-wide agent listing with no agent at all when the
// billed organizations had some at their last billing run: the empty answer a vendor glitch gives would otherwise set
// every customer's quantity to 0. The pairs fail and are retried with back-off.
func emptyListingGlitch(byOrg map[string][]provider.ToolAsset, work []v1alpha1.AccountMapping) error {
	for _, list := range byOrg {
		if len(list) > 0 {
			return nil
		}
	}
	billed := int64(0)
	for _, am := range work {
		if am.Status.Services != nil && am.Status.Services.Billing != nil && am.Status.Services.Billing.Usage != nil {
			billed += *am.Status.Services.Billing.Usage
		}
	}
	if billed == 0 {
		return nil
	}
	return fmt.Errorf("the agent listing came back empty although these organizations had %d agents at their last billing run; not believed (nothing written), listed again at the retry", billed)
}

// snapshotAssets reads the snapshot's agents under the store's lock.
func snapshotAssets(s *SnapshotStore, snap *Snapshot) map[string][]provider.ToolAsset {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make(map[string][]provider.ToolAsset, len(snap.ToolAssets))
	for org, list := range snap.ToolAssets {
		out[org] = list
	}
	return out
}

// usageOf reads one organization's usage as the policy counts it.
func usageOf(ctx context.Context, spec v1alpha1.BillingService, tool provider.Client, org string,
	agents map[string]int64, agentsErr error, now time.Time) (int64, error) {
	switch spec.Usage {
	case v1alpha1.UsageAgents:
		return agents[org], agentsErr
	case v1alpha1.UsageEndpoints:
		counter := spec.Counter
		if counter == "" {
			counter = "endpointMonthlyUsage"
		}
		return tool.(provider.MonthlyUsageReader).MonthlyUsage(ctx, org, counter, billing.UsageMonth(spec.Month, now))
	default:
		users, err := tool.(provider.UserLister).ListUsers(ctx, org)
		return int64(len(users)), err
	}
}

// record updates the cycle's bookkeeping and the metrics for one pair.
func (r *BillingReconciler) record(key types.NamespacedName, am *v1alpha1.AccountMapping, res billing.Result, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	run := r.runs[key]
	run.done[am.Name] = pairKey(am)
	switch {
	case res.LineFound:
		delete(run.createdAt, am.Name) // a lost create has shown up, or was never needed
	case res.CreateUnknown:
		// Looked up again first at every run; sent again only after the settle period.
		run.createdAt[am.Name] = now
	}
	if res.Failed {
		rt := run.retry[am.Name]
		rt.attempts++
		// Back-off, or later when the vendor said when to come back.
		rt.at = now.Add(max(min(billingRetryBase<<min(rt.attempts-1, 10), billingRetryMax), res.RetryAfter))
		run.retry[am.Name] = rt
		billingFailures.WithLabelValues(key.Namespace, key.Name).Inc()
	} else {
		delete(run.retry, am.Name)
	}
	if res.Pushed {
		run.changed++
		billingPushes.WithLabelValues(key.Namespace, key.Name).Inc()
	}
}

// pairKey is the link a mapping was billed for: a re-pointed mapping is billed again at once.
func pairKey(am *v1alpha1.AccountMapping) string {
	return am.Status.ToolOrganization.ID + "|" + am.Status.PSAAccount.ID
}

// report writes one mapping's Billing condition, status.services.billing and state when they
// changed, and emits the events of real transitions.
func (r *BillingReconciler) report(ctx context.Context, sp *v1alpha1.SyncPolicy, cached *v1alpha1.AccountMapping, res billing.Result) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), statusWriteTimeout)
	defer cancel()
	var prevKey string
	var written *v1alpha1.AccountMapping
	attempt := 0
	err := retry.RetryOnConflict(retry.DefaultBackoff, func() error {
		am := &v1alpha1.AccountMapping{}
		var reader client.Reader = r.Client
		if attempt > 0 && r.APIReader != nil {
			reader = r.APIReader
		}
		attempt++
		if err := reader.Get(ctx, client.ObjectKeyFromObject(cached), am); err != nil {
			return err
		}
		if !am.Spec.Services.Billing || am.Spec.PolicyRef.Name != sp.Name {
			return nil // turned off meanwhile: the mapping controller prunes it
		}
		before := am.Status.DeepCopy()
		prevKey = conditionKey(am.Status.Conditions, v1alpha1.ConditionBilling)
		st := &am.Status
		status := metav1.ConditionFalse
		if res.Status.OK {
			status = metav1.ConditionTrue
		}
		setCondition(&st.Conditions, am.Generation, v1alpha1.ConditionBilling, status, res.Status.Reason, res.Status.Message)
		if st.Services == nil {
			st.Services = &v1alpha1.MappingServicesStatus{}
		}
		b := res.Status.Billing
		b.Line = truncate(b.Line, 256)
		b.Message = truncate(b.Message, 1024)
		st.Services.Billing = &b
		if !res.Status.OK {
			addBillingEvent(st, res.Status.Reason, res.Status.Message)
		}
		st.State = stateWithServices(st)
		if equality.Semantic.DeepEqual(before, st) {
			return nil
		}
		if err := writeStatus(ctx, r.Client, am); err != nil {
			return err
		}
		written = am
		return nil
	})
	if err != nil || written == nil {
		return err
	}
	recordMappingState(written)
	d := res.Decision
	switch {
	case res.Pushed && res.Created:
		r.Recorder.Eventf(written, nil, corev1.EventTypeNormal, v1alpha1.ReasonBillingLineCreated, "Billing", "%s: quantity %d", res.Status.Billing.Line, d.New)
	case res.Pushed:
		r.Recorder.Eventf(written, nil, corev1.EventTypeNormal, v1alpha1.ReasonBillingQuantityChanged, "Billing", "%s: %d → %d", res.Status.Billing.Line, d.Old, d.New)
	}
	newKey := conditionKey(written.Status.Conditions, v1alpha1.ConditionBilling)
	switch {
	case newKey == prevKey:
	case !res.Status.OK:
		r.Recorder.Eventf(written, nil, corev1.EventTypeWarning, res.Status.Reason, "Billing", "%s", truncate(res.Status.Message, 512))
	case prevKey != "":
		// Recovered from a failure or a missing line.
		r.Recorder.Eventf(written, nil, corev1.EventTypeNormal, res.Status.Reason, "Billing", "%s", truncate(res.Status.Message, 512))
	}
	return nil
}

// addBillingEvent records a billing problem in status.recentEvents (newest first, bounded)
// unless it repeats the newest entry, so a problem that persists causes no write.
func addBillingEvent(st *v1alpha1.AccountMappingStatus, reason, message string) {
	message = truncate(message, 512)
	if len(st.RecentEvents) > 0 && st.RecentEvents[0].Reason == reason && st.RecentEvents[0].Message == message {
		return
	}
	st.RecentEvents = append([]v1alpha1.MappingEvent{{Time: now(), Reason: reason, Message: message}}, st.RecentEvents...)
	if len(st.RecentEvents) > v1alpha1.MaxRecentEvents {
		st.RecentEvents = st.RecentEvents[:v1alpha1.MaxRecentEvents]
	}
}

// keepPlan drops the dry-run items of mappings that no longer bill, and all of them when the
// policy is not a dry run.
func (r *BillingReconciler) keepPlan(key types.NamespacedName, sp *v1alpha1.SyncPolicy, linked []v1alpha1.AccountMapping) {
	if !sp.Spec.DryRun {
		r.Snapshots.SetBillingPlan(key, nil)
		return
	}
	keep := make(map[string]bool, len(linked))
	for _, am := range linked {
		keep[am.Name] = true
	}
	r.Snapshots.RetainBillingPlan(key, keep)
}

// writeSummary sets the policy's status.services.billing through mutate (nil: removes it),
// writing only when it changed.
func (r *BillingReconciler) writeSummary(ctx context.Context, key types.NamespacedName, mutate func(*v1alpha1.ServiceRun)) error {
	// A budget of its own: a run cut by the reconcile deadline must still report what it did.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), statusWriteTimeout)
	defer cancel()
	attempt := 0
	return retry.RetryOnConflict(retry.DefaultBackoff, func() error {
		sp := &v1alpha1.SyncPolicy{}
		var reader client.Reader = r.Client
		if attempt > 0 && r.APIReader != nil {
			reader = r.APIReader
		}
		attempt++
		if err := reader.Get(ctx, key, sp); err != nil {
			return client.IgnoreNotFound(err)
		}
		before := sp.Status.DeepCopy()
		st := &sp.Status
		if mutate == nil {
			if st.Services == nil || st.Services.Billing == nil {
				return nil
			}
			st.Services.Billing = nil
			if st.Services.Ticketing == nil {
				st.Services = nil
			}
		} else {
			if st.Services == nil {
				st.Services = &v1alpha1.PolicyServicesStatus{}
			}
			run := v1alpha1.ServiceRun{}
			if st.Services.Billing != nil {
				run = *st.Services.Billing.DeepCopy()
			}
			mutate(&run)
			run.Message = truncate(run.Message, 1024)
			st.Services.Billing = &run
		}
		if equality.Semantic.DeepEqual(before, st) {
			return nil
		}
		return writeStatus(ctx, r.Client, sp)
	})
}

// SetupWithManager watches policies (spec and sync-now), the mappings that can join or leave a
// policy's billing, and the connections.
func (r *BillingReconciler) SetupWithManager(mgr ctrl.Manager, opts ControllerOptions) error {
	return ctrl.NewControllerManagedBy(mgr).
		Named("billing").
		For(&v1alpha1.SyncPolicy{}, builder.WithPredicates(
			predicate.Or(predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}))).
		Watches(&v1alpha1.AccountMapping{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, obj client.Object) []reconcile.Request {
			am := obj.(*v1alpha1.AccountMapping)
			return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: am.Namespace, Name: am.Spec.PolicyRef.Name}}}
		}), builder.WithPredicates(billingMembershipChanged())).
		Watches(&v1alpha1.IntegrationConnection{}, handler.EnqueueRequestsFromMapFunc(func(ctx context.Context, obj client.Object) []reconcile.Request {
			return indexedRequests(ctx, r.Client, &v1alpha1.SyncPolicyList{}, obj.GetNamespace(), connectionRefIndex, obj.GetName())
		}), builder.WithPredicates(readyChanged())).
		WithOptions(opts.controllerOptions()).
		Complete(r)
}

// billingMembershipChanged passes mapping events that can add a pair to a policy's billing or
// take one out: create, delete, a spec edit, and a change of the linked ids.
func billingMembershipChanged() predicate.Predicate {
	return updated(func(o, n *v1alpha1.AccountMapping) bool {
		return o.Generation != n.Generation || !equality.Semantic.DeepEqual(o.Status.PSAAccount, n.Status.PSAAccount) ||
			!equality.Semantic.DeepEqual(o.Status.ToolOrganization, n.Status.ToolOrganization)
	})
}
