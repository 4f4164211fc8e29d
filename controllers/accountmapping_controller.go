package controllers

import (
	"context"
	"fmt"
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
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/connection"
	"github.com/accountsync/accountsync-operator/internal/creation"
	"github.com/accountsync/accountsync-operator/internal/mapping"
	"github.com/accountsync/accountsync-operator/internal/provider"
)

// defaultSettle is how long a create with an unknown outcome may take to show up in a look-up
// before it is sent again.
const defaultSettle = 5 * time.Minute

// AccountMappingReconciler links one organization and one account. Each reconcile observes (the
// mapping, its policy, the policy's snapshot), lets internal/mapping decide, acts on the
// decision (a create through the creation guard, the pair's asset and user sync) and reports.
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

	// processed remembers the snapshot and generation each mapping last did its vendor work for,
	// so unrelated events make no vendor call.
	processed objectMemory[processedKey]
	// limited remembers until when a vendor asked (Retry-After) to be left alone by a mapping's
	// work, so that no event (a new snapshot, a policy status change) sends it back sooner.
	limited objectMemory[time.Time]
	// unrecorded keeps the vendor writes whose status write failed (a conflict with a newer
	// version of the mapping): the redo finds those assets in place, and status.assets.created
	// must count them all the same.
	unrecorded objectMemory[mapping.Writes]
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
	ctx = log.IntoContext(ctx, log.FromContext(ctx).WithValues("mapping", req.Name))
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
	ctx = log.IntoContext(ctx, log.FromContext(ctx).WithValues("policy", am.Spec.PolicyRef.Name))
	m := &mappingRun{r: r, am: am, before: am.Status.DeepCopy(), pending: r.unrecorded.get(req.NamespacedName, am.UID)}
	result, err := m.run(ctx)
	if err == nil && !m.keepsUserPlan {
		// Only a linked mapping of a dry-run policy with users enabled has user actions.
		r.Snapshots.SetUserPlan(m.policy, am.Name, nil)
	}
	werr := m.finish(ctx)
	if werr != nil && err == nil {
		err = werr
	}
	if w := mapping.Unrecorded(m.pending, m.written, werr == nil, m.assetsRecomputed, m.usersRecomputed); w != (mapping.Writes{}) {
		r.unrecorded.set(req.NamespacedName, am.UID, w)
	} else {
		r.unrecorded.forget(req.NamespacedName)
	}
	if werr == nil && m.seen != nil {
		// Only once the status that records this sync's work is stored: a retry after a
		// failed write must do the work again rather than skip it.
		r.processed.set(req.NamespacedName, am.UID, *m.seen)
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
	// psa and tool are the policy's clients, snap its latest snapshot (set once observed).
	psa, tool provider.Client
	snap      *Snapshot
	// key is the snapshot/generation this run works for; seen is set to it once the work is done.
	key  processedKey
	seen *processedKey
	// suspect says which of the pair's listings shrank beyond the policy's spec.safety.
	suspect []string
	// deferred says which creates wait for the next sync (spec.creation.batchSize): by design,
	// not a problem.
	deferred []string
	// wait is the longest Retry-After a vendor answered this run's calls with.
	wait time.Duration
	// inv is the policy's inventory this run reads the pair's assets and users from; nil when a
	// person asked for a sync of this mapping, which reads them from the vendors.
	inv *pairInventory
	// keepsUserPlan: the dry-run user actions the policy's plan lists for the mapping stand.
	keepsUserPlan bool
	// pending are earlier reconciles' writes no stored status counts yet; written this run's.
	// assetsRecomputed and usersRecomputed say which lifetime counts this run recomputed.
	pending, written                  mapping.Writes
	assetsRecomputed, usersRecomputed bool
}

// run observes, decides, acts on the decision and reports it in status.
func (m *mappingRun) run(ctx context.Context) (ctrl.Result, error) {
	in, err := m.observe(ctx)
	if err != nil {
		return ctrl.Result{}, err
	}
	d := mapping.Decide(in)
	if d.Next == mapping.Create {
		m.applyRefs(d)
		in.Create = m.create(ctx, d.CreateSide, d.CreateFrom)
		d = mapping.Decide(in)
		if d.Created != nil {
			// At once, before the pair's sync: other mappings of the policy may name the record.
			m.recordCreated(*d.Created)
		}
	}
	if d.Next == mapping.Sync {
		in.Sync = m.syncPair(ctx, d.ToolOrganization.ID, d.PSAAccount.ID)
		d = mapping.Decide(in)
	}
	log.FromContext(ctx).V(1).Info("decided", "ready", d.Ready, "state", d.State, "requeue", d.Requeue, "waitOut", d.WaitOut)
	return m.report(d), nil
}

// report writes a decision into status (stored by finish) and tells the controller when to
// come back.
func (m *mappingRun) report(d mapping.Decision) ctrl.Result {
	st := &m.am.Status
	m.applyRefs(d)
	if d.ClearPendingCreate {
		st.PendingCreate = nil
	}
	if d.Problem != nil {
		m.addEvent(d.Problem.Reason, d.Problem.Message)
	}
	if d.Ready != nil {
		status := metav1.ConditionFalse
		if d.Ready.Ready {
			status = metav1.ConditionTrue
		}
		m.setReady(status, d.Ready.Reason, d.Ready.Message, d.State)
	}
	m.keepsUserPlan = d.KeepUserPlan
	if d.Done {
		m.seen = &m.key
	}
	if d.WaitOut > 0 {
		m.r.limited.set(types.NamespacedName{Namespace: m.am.Namespace, Name: m.am.Name}, m.am.UID, time.Now().Add(d.WaitOut))
		return ctrl.Result{RequeueAfter: d.WaitOut}
	}
	return ctrl.Result{RequeueAfter: d.Requeue}
}

// applyRefs shows the records the decision resolved: at once, so that a mapping waiting to
// create the other side says what it is for.
func (m *mappingRun) applyRefs(d mapping.Decision) {
	if d.ToolOrganization != nil {
		m.am.Status.ToolOrganization = d.ToolOrganization
	}
	if d.PSAAccount != nil {
		m.am.Status.PSAAccount = d.PSAAccount
	}
}

// recordCreated announces a record the creation guard created or adopted and adds it to the
// policy's snapshot, so other mappings of the policy see it before the next sync lists it.
func (m *mappingRun) recordCreated(c mapping.CreatedRecord) {
	verb := "created"
	switch {
	case c.Adopted && c.CreatedBy != "":
		verb = fmt.Sprintf("linked what AccountMapping %s created moments ago under the same name:", c.CreatedBy)
	case c.Adopted:
		verb = "found its earlier create of"
	}
	emit(m.r.Recorder, m.am, v1alpha1.ReasonCreated, "Create", "%s %s record %q (id %s)", verb, c.Side, c.Record.Name, c.Record.ID)
	// An adopted record was counted when it was created (an adoption also follows a read of
	// this mapping that predates its own last status write).
	if c.Side == v1alpha1.SidePSA {
		m.r.Snapshots.RecordCreatedAccount(m.policy, provider.Account{ID: c.Record.ID, Name: c.Record.Name}, !c.Adopted)
	} else {
		m.r.Snapshots.RecordCreatedOrganization(m.policy, provider.Organization{ID: c.Record.ID, Name: c.Record.Name}, !c.Adopted)
	}
}

// setReady sets Ready and the state, emitting an Event only on a real transition.
func (m *mappingRun) setReady(status metav1.ConditionStatus, reason, message string, state v1alpha1.MappingState) {
	am := m.am
	setConditionWithEvent(m.r.Recorder, am, &am.Status.Conditions, v1alpha1.ConditionReady, status, reason, message, "Link")
	if state != "" {
		am.Status.State = state
	}
	am.Status.State = stateWithServices(&am.Status)
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
	err := updateStatus(ctx, m.r.Client, m.am, m.before, &m.am.Status)
	recordMappingState(m.am)
	return err
}

// forget drops what is remembered of a deleted mapping.
func (r *AccountMappingReconciler) forget(name types.NamespacedName) {
	r.processed.forget(name)
	r.limited.forget(name)
	r.unrecorded.forget(name)
}

// policyConnections returns both clients of a policy, or why it cannot use them. No vendor call
// goes through a connection that is not Ready.
func policyConnections(ctx context.Context, kube client.Client, clients *connection.Cache, sp *v1alpha1.SyncPolicy) (psa, tool provider.Client, reason, msg string, err error) {
	if psa, reason, msg, err = sideConnection(ctx, kube, clients, sp, sp.Spec.PSA.ConnectionRef.Name, v1alpha1.SidePSA); err != nil || reason != "" {
		return
	}
	tool, reason, msg, err = sideConnection(ctx, kube, clients, sp, sp.Spec.Tool.ConnectionRef.Name, v1alpha1.SideTool)
	return
}

// sideConnection is the client of one side of a policy, or why it cannot be used.
func sideConnection(ctx context.Context, kube client.Client, clients *connection.Cache, sp *v1alpha1.SyncPolicy, ref string, want v1alpha1.Side) (provider.Client, string, string, error) {
	ic := &v1alpha1.IntegrationConnection{}
	if err := kube.Get(ctx, types.NamespacedName{Namespace: sp.Namespace, Name: ref}, ic); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, v1alpha1.ReasonConnectionNotReady, fmt.Sprintf("IntegrationConnection %q not found", ref), nil
		}
		return nil, "", "", fmt.Errorf("reading IntegrationConnection %s: %w", ref, err)
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
		return nil, "", "", fmt.Errorf("client of IntegrationConnection %s: %w", ref, err)
	}
	return cl, "", "", nil
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
