package controllers

import (
	"context"
	"errors"
	"fmt"
	"sort"
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
	"k8s.io/client-go/util/retry"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/connection"
	"github.com/accountsync/accountsync-operator/internal/provider"
	"github.com/accountsync/accountsync-operator/internal/ticketing"
)

const (
	defaultTicketingInterval = 5 * time.Minute
	// ledgerPrefix names the ConfigMap that remembers a policy's tickets.
	ledgerPrefix = "accountsync-tickets-"
	ledgerKey    = "ledger"
)

// TicketingReconciler runs a policy's ticketing service: every spec.services.ticketing.interval
// (and on sync-now) it lists the tool's open alerts once, decides with internal/ticketing, and
// creates and closes PSA tickets for the policy's linked mappings that enable ticketing.
//
// What was ticketed is kept in a ConfigMap per policy (the ledger: alert key → ticket), so a run
// looks up and creates only for alerts it has not seen and survives a restart; every create is
// still preceded by a look-up of the alert key in the PSA and recorded in the ledger before it
// is sent, so a timed-out create is looked for again rather than repeated.
type TicketingReconciler struct {
	client.Client
	// Reader reads the ledger ConfigMaps from the API server: caching every ConfigMap of the
	// cluster for a handful of ledgers would cost more than one read per run.
	Reader   client.Reader
	Clients  *connection.Cache
	Reports  *ServiceReports
	Recorder events.EventRecorder
	// Settle is the settle period of a policy without spec.creation.settlePeriod.
	Settle time.Duration

	mu        sync.Mutex
	schedules map[types.NamespacedName]ticketSchedule
}

// ticketSchedule is when a policy's ticketing runs next, and the sync-now value it handled (its
// own marker: the policy controller owns status.lastHandledSyncRequest).
type ticketSchedule struct {
	generation int64
	request    string
	// links fingerprints the linked mappings that took part, last when the run started.
	links      string
	last, next time.Time
}

// +kubebuilder:rbac:groups="",resources=configmaps,verbs=get;create;update

func (r *TicketingReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	return requeueOnConflict(r.reconcile(ctx, req))
}

func (r *TicketingReconciler) reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	sp := &v1alpha1.SyncPolicy{}
	if err := r.Get(ctx, req.NamespacedName, sp); err != nil {
		if apierrors.IsNotFound(err) {
			r.forget(req.NamespacedName)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	ts := sp.Spec.Services.Ticketing
	if ts == nil || sp.Spec.Suspend {
		r.forget(req.NamespacedName)
		r.Reports.Set(req.NamespacedName, serviceTicketing, sp.Generation, "", nil, nil)
		if sp.Status.Services != nil && sp.Status.Services.Ticketing != nil {
			return ctrl.Result{}, r.writeSummary(ctx, sp, nil)
		}
		return ctrl.Result{}, nil
	}
	interval, err := ts.Interval.Parse(defaultTicketingInterval)
	if err != nil || interval <= 0 {
		interval = defaultTicketingInterval
	}
	request := sp.Annotations[v1alpha1.SyncRequestedAtAnnotation]
	run := &ticketRun{r: r, sp: sp, key: req.NamespacedName, started: time.Now()}
	if err := run.loadMappings(ctx); err != nil {
		return ctrl.Result{}, err
	}
	links := run.linkPrint()
	if due, next := r.due(req.NamespacedName, sp.Generation, request, links, time.Now()); !due {
		return ctrl.Result{RequeueAfter: time.Until(next)}, nil
	}
	retryIn := run.execute(ctx)
	if retryIn == 0 {
		retryIn = interval
	}
	next := time.Now().Add(retryIn)
	if run.terminal {
		// A settings error waits for a spec change (a new generation runs at once).
		next = time.Now().Add(24 * time.Hour)
	}
	r.schedule(req.NamespacedName, ticketSchedule{generation: sp.Generation, request: request, links: links, last: run.started, next: next})
	summary := run.summary(next)
	if err := r.writeSummary(ctx, sp, summary); err != nil {
		return ctrl.Result{}, err
	}
	return ctrl.Result{RequeueAfter: time.Until(next)}, nil
}

// linkSettle spaces the runs that newly linked mappings cause: a first sync links many mappings
// one after the other, and each run lists every open alert.
const linkSettle = 10 * time.Second

// due reports whether the policy's ticketing runs now, and otherwise when it should be looked at
// again: at once on a new generation or sync-now request, soon when the linked mappings taking
// part changed, otherwise at the scheduled time.
func (r *TicketingReconciler) due(key types.NamespacedName, generation int64, request, links string, now time.Time) (bool, time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.schedules[key]
	switch {
	case !ok || s.generation != generation || s.request != request || !now.Before(s.next):
		return true, time.Time{}
	case s.links != links:
		if at := s.last.Add(linkSettle); now.Before(at) {
			return false, at
		}
		return true, time.Time{}
	}
	return false, s.next
}

func (r *TicketingReconciler) schedule(key types.NamespacedName, s ticketSchedule) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.schedules == nil {
		r.schedules = map[types.NamespacedName]ticketSchedule{}
	}
	r.schedules[key] = s
}

func (r *TicketingReconciler) forget(key types.NamespacedName) {
	r.mu.Lock()
	delete(r.schedules, key)
	r.mu.Unlock()
	forgetTicketingMetrics(key)
}

// writeSummary sets status.services.ticketing of the policy (nil removes it), re-reading the
// policy on a conflict: the policy controller writes the rest of the same status.
func (r *TicketingReconciler) writeSummary(ctx context.Context, sp *v1alpha1.SyncPolicy, run *v1alpha1.ServiceRun) error {
	key := client.ObjectKeyFromObject(sp)
	first := true
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cur := sp
		if !first {
			// The write conflicted: the cache may be behind, read the API server.
			cur = &v1alpha1.SyncPolicy{}
			if err := r.Reader.Get(ctx, key, cur); err != nil {
				return err
			}
		}
		first = false
		var old *v1alpha1.ServiceRun
		if cur.Status.Services != nil {
			old = cur.Status.Services.Ticketing
		}
		if equality.Semantic.DeepEqual(old, run) {
			return nil
		}
		if cur.Status.Services == nil {
			cur.Status.Services = &v1alpha1.PolicyServicesStatus{}
		}
		cur.Status.Services.Ticketing = run
		if cur.Status.Services.Billing == nil && run == nil {
			cur.Status.Services = nil
		}
		return writeStatus(ctx, r.Client, cur)
	})
}

// SetupWithManager runs on policy spec and annotation changes, when a mapping's link or
// services change, and on its own schedule.
func (r *TicketingReconciler) SetupWithManager(mgr ctrl.Manager, opts ControllerOptions) error {
	return ctrl.NewControllerManagedBy(mgr).
		Named("ticketing").
		For(&v1alpha1.SyncPolicy{}, builder.WithPredicates(
			predicate.Or(predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{},
				updated(func(o, n *v1alpha1.SyncPolicy) bool {
					// A dry run's links are in its plan.
					return n.Spec.DryRun && o.Status.PlanTotal != n.Status.PlanTotal
				})))).
		Watches(&v1alpha1.AccountMapping{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, obj client.Object) []reconcile.Request {
			am := obj.(*v1alpha1.AccountMapping)
			return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: am.Namespace, Name: am.Spec.PolicyRef.Name}}}
		}), builder.WithPredicates(updated(func(o, n *v1alpha1.AccountMapping) bool {
			return o.Generation != n.Generation || readyReason(o.Status.Conditions) != readyReason(n.Status.Conditions) ||
				!equality.Semantic.DeepEqual(o.Status.PSAAccount, n.Status.PSAAccount) ||
				!equality.Semantic.DeepEqual(o.Status.ToolOrganization, n.Status.ToolOrganization)
		}))).
		WithOptions(opts.controllerOptions()).
		Complete(r)
}

// ticketRun is one ticketing run of one policy.
type ticketRun struct {
	r       *TicketingReconciler
	sp      *v1alpha1.SyncPolicy
	key     types.NamespacedName
	started time.Time

	psa, tool provider.Client
	source    provider.AlertSource
	target    provider.TicketTarget
	settings  provider.TicketSettings

	links    map[string]ticketing.Link // by tool organization id
	mappings map[string]*v1alpha1.AccountMapping
	ledger   ticketing.Ledger
	cm       *corev1.ConfigMap
	dirty    bool

	// per mapping: tickets created, failure message, pending creates
	created  map[string]int
	failures map[string]string
	pending  map[string]int
	changed  int32
	message  string
	terminal bool
	calls    v1alpha1.APICalls
}

// execute runs the service; it returns how soon to run again (0: the interval).
func (run *ticketRun) execute(ctx context.Context) time.Duration {
	r, sp := run.r, run.sp
	psa, tool, reason, msg, err := policyConnections(ctx, r.Client, r.Clients, sp)
	switch {
	case err != nil:
		run.message = err.Error()
		return failedSyncRetry
	case reason != "":
		// The connection's own status says why; tickets wait for it.
		run.message = "connections not ready: " + msg
		return failedSyncRetry
	}
	return run.with(ctx, psa, tool)
}

// with runs the service through the policy's two clients.
func (run *ticketRun) with(ctx context.Context, psa, tool provider.Client) time.Duration {
	logger := log.FromContext(ctx)
	r, sp := run.r, run.sp
	run.created, run.failures, run.pending = map[string]int{}, map[string]string{}, map[string]int{}
	run.psa, run.tool = psa, tool
	if missing := missingCapabilities(&sp.Spec, psa, tool); len(missing) > 0 {
		// The policy controller reports it (Ready=False, InvalidSpec); nothing to run.
		run.message = capabilityMessage(missing)
		run.terminal = true
		r.Reports.Set(run.key, serviceTicketing, sp.Generation, "", nil, nil)
		return 0
	}
	run.source, run.target = tool.(provider.AlertSource), psa.(provider.TicketTarget)
	psaCalls, toolCalls := psa.CallCount(), tool.CallCount()
	defer func() {
		run.calls = v1alpha1.APICalls{PSA: psa.CallCount() - psaCalls, Tool: tool.CallCount() - toolCalls}
	}()

	ts := sp.Spec.Services.Ticketing
	settings, err := run.target.ResolveTicketSettings(ctx, ticketSettingsOf(ts))
	var se *provider.SettingError
	if errors.As(err, &se) {
		run.message = se.Error()
		run.terminal = true
		r.Reports.Set(run.key, serviceTicketing, sp.Generation, se.Error(), nil, nil)
		return 0
	}
	if err != nil {
		run.message = "resolving the ticket target: " + err.Error()
		return run.retryAfter(err)
	}
	run.settings = settings

	alerts, err := run.source.ListOpenAlerts(ctx, provider.AlertQuery{MinSeverity: string(ts.MinSeverity)})
	if err != nil {
		run.message = fmt.Sprintf("listing %s alerts: %v", tool.Provider(), err)
		run.failAll(run.message)
		run.report(ctx, ticketing.Output{})
		return run.retryAfter(err)
	}
	if err := run.loadLedger(ctx); err != nil {
		run.message = err.Error()
		return failedSyncRetry
	}
	if !sp.Spec.DryRun {
		run.settlePending(ctx)
	}
	in := ticketing.Input{Alerts: alerts, Links: run.links, Ledger: run.ledger, MinSeverity: string(ts.MinSeverity),
		MaxNewPerAccount: int(ts.MaxNewTicketsPerSync), CloseWhenResolved: ts.CloseWhenResolved, Cleared: map[string]bool{}}
	for _, key := range ticketing.ToConfirm(in) {
		a, err := run.source.GetAlert(ctx, ticketing.AlertID(key))
		switch {
		case provider.IsKind(err, provider.KindNotFound), err == nil && !a.Open:
			in.Cleared[key] = true
		case err != nil:
			logger.V(1).Info("alert state unknown; its ticket stays open this run", "alert", key, "error", err.Error())
		}
	}
	out := ticketing.Plan(in)
	if sp.Spec.DryRun {
		r.Reports.Set(run.key, serviceTicketing, sp.Generation, "", dryRunItems(out), out.Referenced)
		run.message = fmt.Sprintf("dry run: %d tickets would be created and %d closed; nothing written", len(out.Create), len(out.Close))
		return 0
	}
	r.Reports.Set(run.key, serviceTicketing, sp.Generation, "", nil, out.Referenced)
	for _, key := range out.Forget {
		delete(run.ledger, key)
		run.dirty = true
	}
	run.create(ctx, out.Create)
	run.close(ctx, out.Close)
	if err := run.saveLedger(ctx); err != nil {
		run.message = "saving the ticket ledger: " + err.Error()
		return failedSyncRetry
	}
	for m, n := range out.RolledUp {
		if am := run.mappings[m]; am != nil {
			r.Recorder.Eventf(am, nil, corev1.EventTypeWarning, v1alpha1.ReasonTicketsRolledUp, "CreateTicket",
				"%d new alerts in one run (more than maxNewTicketsPerSync %d): one roll-up ticket lists them", n, ts.MaxNewTicketsPerSync)
		}
	}
	run.report(ctx, out)
	switch {
	case len(run.pending) > 0:
		// A create with an unknown outcome is looked up again once it has had time to show.
		return min(run.settle(), failedSyncRetry)
	case len(run.failures) > 0:
		return failedSyncRetry
	}
	return 0
}

// settle is how long a create with an unknown outcome may take to show in a look-up.
func (run *ticketRun) settle() time.Duration {
	settle := run.r.Settle
	if settle <= 0 {
		settle = defaultSettle
	}
	if d, err := run.sp.Spec.Creation.SettlePeriod.Parse(settle); err == nil && d > 0 {
		settle = d
	}
	return settle
}

// retryAfter is how soon a run that met err runs again: when a rate-limited vendor said.
func (run *ticketRun) retryAfter(err error) time.Duration {
	if d, ok := retryAfter(err); ok {
		return d
	}
	return failedSyncRetry
}

func ticketSettingsOf(ts *v1alpha1.TicketingService) provider.TicketSettings {
	return provider.TicketSettings{Board: ts.Target.Board, Status: ts.Target.Status, Priority: ts.Target.Priority, Type: ts.Target.Type,
		Source: ts.Target.Source, NoteType: ts.Target.NoteType}
}

// loadMappings keeps the policy's linked mappings that enable ticketing.
func (run *ticketRun) loadMappings(ctx context.Context) error {
	list := &v1alpha1.AccountMappingList{}
	if err := run.r.List(ctx, list, client.InNamespace(run.sp.Namespace), client.MatchingFields{policyRefIndex: run.sp.Name}); err != nil {
		return err
	}
	run.links, run.mappings = map[string]ticketing.Link{}, map[string]*v1alpha1.AccountMapping{}
	for i := range list.Items {
		am := &list.Items[i]
		st := &am.Status
		if !am.Spec.Services.Ticketing || am.Spec.Suspend || st.PSAAccount == nil || st.ToolOrganization == nil ||
			!meta.IsStatusConditionTrue(st.Conditions, v1alpha1.ConditionReady) {
			continue
		}
		run.links[st.ToolOrganization.ID] = ticketing.Link{Mapping: am.Name, OrganizationID: st.ToolOrganization.ID,
			AccountID: st.PSAAccount.ID, OrganizationName: st.ToolOrganization.Name}
		run.mappings[am.Name] = am
	}
	if run.sp.Spec.DryRun {
		// A dry run creates no mappings: the links its plan would make stand in for them (the
		// plan's first entries, as status.plan bounds them).
		for _, it := range run.sp.Status.Plan {
			if it.Action != v1alpha1.ActionLink || it.ToolOrganizationID == "" || it.PSAAccountID == "" {
				continue
			}
			if _, ok := run.links[it.ToolOrganizationID]; !ok {
				run.links[it.ToolOrganizationID] = ticketing.Link{Mapping: it.Mapping, OrganizationID: it.ToolOrganizationID,
					AccountID: it.PSAAccountID, OrganizationName: it.Name}
			}
		}
	}
	return nil
}

// linkPrint fingerprints the links taking part, so a newly linked mapping runs soon.
func (run *ticketRun) linkPrint() string {
	parts := make([]string, 0, len(run.links))
	for org, l := range run.links {
		parts = append(parts, org+"="+l.AccountID)
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

func (run *ticketRun) ledgerName() types.NamespacedName {
	return types.NamespacedName{Namespace: run.sp.Namespace, Name: ledgerPrefix + run.sp.Name}
}

func (run *ticketRun) loadLedger(ctx context.Context) error {
	cm := &corev1.ConfigMap{}
	err := run.r.Reader.Get(ctx, run.ledgerName(), cm)
	switch {
	case apierrors.IsNotFound(err):
		run.ledger = ticketing.Ledger{}
		return nil
	case err != nil:
		return fmt.Errorf("reading the ticket ledger: %w", err)
	}
	l, err := ticketing.DecodeLedger(cm.Data[ledgerKey])
	if err != nil {
		// Never run on a half-read memory: a lost entry could mean a second ticket.
		return fmt.Errorf("ConfigMap %s: %w", cm.Name, err)
	}
	run.cm, run.ledger = cm, l
	return nil
}

// saveLedger stores the ledger when it changed. The ConfigMap belongs to the policy, so it goes
// with it.
func (run *ticketRun) saveLedger(ctx context.Context) error {
	if !run.dirty {
		return nil
	}
	data := run.ledger.Encode()
	if run.cm == nil {
		name := run.ledgerName()
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: name.Namespace, Name: name.Name,
			Labels: map[string]string{v1alpha1.PolicyLabel: run.sp.Name}}, Data: map[string]string{ledgerKey: data}}
		t := true
		cm.OwnerReferences = []metav1.OwnerReference{{APIVersion: v1alpha1.GroupVersion.String(), Kind: "SyncPolicy",
			Name: run.sp.Name, UID: run.sp.UID, BlockOwnerDeletion: &t}}
		if err := run.r.Create(ctx, cm); err != nil {
			return err
		}
		run.cm, run.dirty = cm, false
		return nil
	}
	run.cm.Data = map[string]string{ledgerKey: data}
	if err := run.r.Update(ctx, run.cm); err != nil {
		return err
	}
	run.dirty = false
	return nil
}

// accountMapping names the mapping of an account among the run's links.
func (run *ticketRun) accountMapping(accountID string) string {
	for _, l := range run.links {
		if l.AccountID == accountID {
			return l.Mapping
		}
	}
	return ""
}

// settlePending looks up every create whose outcome was unknown: found, it is adopted; not found
// within the settle period, it waits; not found after it, the entry is dropped so the plan
// creates again (the alert is still open) under a key that is now known to be free.
func (run *ticketRun) settlePending(ctx context.Context) {
	settle := run.settle()
	byTicket := map[string][]string{}
	for key, e := range run.ledger {
		if e.State == ticketing.StatePending {
			byTicket[e.TicketKey] = append(byTicket[e.TicketKey], key)
		}
	}
	tickets := make([]string, 0, len(byTicket))
	for tk := range byTicket {
		tickets = append(tickets, tk)
	}
	sort.Strings(tickets)
	for _, tk := range tickets {
		keys := byTicket[tk]
		e := run.ledger[keys[0]]
		mapping := run.accountMapping(e.AccountID)
		found, err := run.target.FindTicket(ctx, e.AccountID, tk)
		if err != nil {
			run.fail(mapping, fmt.Sprintf("looking up ticket %s after an unknown outcome: %v", tk, err))
			run.pending[mapping]++
			continue
		}
		switch d, t := ticketing.Guard(found, &e, settle, time.Now()); d {
		case ticketing.Adopt:
			run.record(keys, tk, t, e.AccountID)
			run.created[mapping]++
			run.ticketEvent(mapping, v1alpha1.ReasonTicketCreated, "ticket %s for %s was created (its answer had been lost)", t.Number, tk)
		case ticketing.Wait:
			run.pending[mapping]++
		case ticketing.Send:
			for _, k := range keys {
				delete(run.ledger, k)
			}
			run.dirty = true
		}
	}
}

// record stores the tickets of keys.
func (run *ticketRun) record(keys []string, ticketKey string, t provider.Ticket, accountID string) {
	state := ticketing.StateOpen
	if t.Closed {
		state = ticketing.StateClosed
	}
	for _, k := range keys {
		run.ledger[k] = ticketing.Entry{TicketKey: ticketKey, TicketID: t.ID, AccountID: accountID, State: state}
	}
	run.dirty = true
}

// create looks each new ticket's key up, records the intents of those not found in one ledger
// write, then sends them. A found ticket (made by an earlier run whose memory was lost, or closed
// by a person) is adopted, never duplicated or reopened.
func (run *ticketRun) create(ctx context.Context, creates []ticketing.NewTicket) {
	var send []ticketing.NewTicket
	stopped := map[string]bool{}
	for _, nt := range creates {
		if stopped[nt.Mapping] {
			continue
		}
		found, err := run.target.FindTicket(ctx, nt.AccountID, nt.Key)
		if err != nil {
			run.fail(nt.Mapping, fmt.Sprintf("looking up ticket %s: %v", nt.Key, err))
			stopped[nt.Mapping] = true
			continue
		}
		if d, t := ticketing.Guard(found, nil, 0, time.Now()); d == ticketing.Adopt {
			run.record(nt.Alerts, nt.Key, t, nt.AccountID)
			continue
		}
		send = append(send, nt)
	}
	if len(send) == 0 {
		return
	}
	now := time.Now().UTC().Truncate(time.Second)
	for _, nt := range send {
		for _, k := range nt.Alerts {
			run.ledger[k] = ticketing.Entry{TicketKey: nt.Key, AccountID: nt.AccountID, State: ticketing.StatePending, Since: now}
		}
	}
	run.dirty = true
	if err := run.saveLedger(ctx); err != nil {
		// Nothing is sent without its intent on record.
		for _, nt := range send {
			for _, k := range nt.Alerts {
				delete(run.ledger, k)
			}
			run.fail(nt.Mapping, "recording the ticket intent: "+err.Error())
		}
		return
	}
	noter, _ := run.source.(provider.AlertNoteWriter)
	for _, nt := range send {
		if stopped[nt.Mapping] {
			run.drop(nt)
			continue
		}
		t, err := run.target.CreateTicket(ctx, provider.TicketCreate{AccountID: nt.AccountID, Key: nt.Key, Summary: nt.Summary,
			Details: nt.Details, Settings: run.settings})
		switch {
		case err == nil:
			run.record(nt.Alerts, nt.Key, t, nt.AccountID)
			run.created[nt.Mapping]++
			run.changed++
			ticketsCreated.WithLabelValues(run.key.Namespace, run.key.Name).Inc()
			run.ticketEvent(nt.Mapping, v1alpha1.ReasonTicketCreated, "created %s ticket %s for %s", run.psa.Provider(), t.Number, nt.Key)
			if noter != nil {
				line := fmt.Sprintf("%s ticket %s (AccountSync)", run.psa.Provider(), t.Number)
				for _, k := range nt.Alerts {
					if err := noter.AppendAlertNote(ctx, ticketing.AlertID(k), line); err != nil {
						run.fail(nt.Mapping, fmt.Sprintf("writing ticket %s into alert %s: %v", t.Number, k, err))
					}
				}
			}
		case provider.IsKind(err, provider.KindUnknownOutcome):
			// Kept pending: the next run looks before it ever sends again.
			run.pending[nt.Mapping]++
			run.fail(nt.Mapping, fmt.Sprintf("the create of ticket %s has an unknown outcome (%v); it is looked up before any retry", nt.Key, err))
		default:
			run.drop(nt)
			run.fail(nt.Mapping, fmt.Sprintf("creating ticket %s: %v", nt.Key, err))
			if provider.IsKind(err, provider.KindRateLimited) || provider.IsKind(err, provider.KindAuth) {
				stopped[nt.Mapping] = true
			}
		}
	}
}

// drop forgets the intent of a create that was definitely not made.
func (run *ticketRun) drop(nt ticketing.NewTicket) {
	for _, k := range nt.Alerts {
		delete(run.ledger, k)
	}
	run.dirty = true
}

// close adds a note and the closed status to each ticket whose alerts cleared.
func (run *ticketRun) close(ctx context.Context, closes []ticketing.CloseTicket) {
	for _, c := range closes {
		note := fmt.Sprintf("The alert cleared in %s (%s); closed by AccountSync.", run.tool.Provider(), strings.Join(c.Alerts, ", "))
		err := run.target.AddTicketNote(ctx, c.TicketID, note, run.settings)
		if err == nil {
			err = run.target.CloseTicket(ctx, c.TicketID, run.settings)
		}
		if err != nil {
			run.fail(c.Mapping, fmt.Sprintf("closing ticket %s: %v", c.TicketID, err))
			continue
		}
		for _, k := range c.Alerts {
			delete(run.ledger, k)
		}
		run.dirty = true
		run.changed++
		ticketsClosed.WithLabelValues(run.key.Namespace, run.key.Name).Inc()
		run.ticketEvent(c.Mapping, v1alpha1.ReasonTicketClosed, "closed %s ticket %s: %s cleared", run.psa.Provider(), c.TicketID, strings.Join(c.Alerts, ", "))
	}
}

func (run *ticketRun) fail(mapping, msg string) {
	if mapping == "" {
		return
	}
	if _, had := run.failures[mapping]; !had {
		run.failures[mapping] = msg
		ticketingFailures.WithLabelValues(run.key.Namespace, run.key.Name).Inc()
	}
}

func (run *ticketRun) failAll(msg string) {
	for m := range run.mappings {
		run.fail(m, msg)
	}
}

func (run *ticketRun) ticketEvent(mapping, reason, format string, args ...any) {
	if am := run.mappings[mapping]; am != nil {
		run.r.Recorder.Eventf(am, nil, corev1.EventTypeNormal, reason, "Ticket", format, args...)
	}
}

// report writes each taking-part mapping's Ticketing condition and status.services.ticketing,
// only where they changed.
func (run *ticketRun) report(ctx context.Context, out ticketing.Output) {
	names := make([]string, 0, len(run.mappings))
	for m := range run.mappings {
		names = append(names, m)
	}
	sort.Strings(names)
	for _, name := range names {
		am := run.mappings[name]
		var reader client.Reader = run.r.Client
		err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
			cur := &v1alpha1.AccountMapping{}
			if err := reader.Get(ctx, client.ObjectKeyFromObject(am), cur); err != nil {
				return err
			}
			// After a conflict the cache may still be behind the write that caused it: read
			// the API server itself.
			reader = run.r.Reader
			before := cur.Status.DeepCopy()
			run.apply(cur, out)
			if equality.Semantic.DeepEqual(before, &cur.Status) {
				return nil
			}
			if err := writeStatus(ctx, run.r.Client, cur); err != nil {
				return err
			}
			recordMappingState(cur)
			return nil
		})
		if err != nil && !apierrors.IsNotFound(err) {
			log.FromContext(ctx).Info("writing a mapping's ticketing status failed", "mapping", name, "error", err.Error())
		}
	}
}

// apply sets the mapping's ticketing status from the run.
func (run *ticketRun) apply(am *v1alpha1.AccountMapping, out ticketing.Output) {
	st := &am.Status
	if st.Services == nil {
		st.Services = &v1alpha1.MappingServicesStatus{}
	}
	prev := st.Services.Ticketing
	next := &v1alpha1.TicketingStatus{}
	if prev != nil {
		*next = *prev
	}
	if st.PSAAccount != nil && run.ledger != nil {
		next.OpenTickets = int32(run.ledger.OpenTickets(st.PSAAccount.ID))
	}
	next.Created += int32(run.created[am.Name])
	if t, ok := out.LastAlert[am.Name]; ok && (next.LastAlertTime == nil || t.After(next.LastAlertTime.Time)) {
		lt := metav1.NewTime(t.Truncate(time.Second))
		next.LastAlertTime = &lt
	}
	msg, failed := run.failures[am.Name]
	next.Message = truncate(msg, 1024)
	st.Services.Ticketing = next
	if failed {
		setCondition(&st.Conditions, am.Generation, v1alpha1.ConditionTicketing, metav1.ConditionFalse, v1alpha1.ReasonTicketingFailed, msg)
	} else {
		setCondition(&st.Conditions, am.Generation, v1alpha1.ConditionTicketing, metav1.ConditionTrue, v1alpha1.ReasonTicketingSynced,
			fmt.Sprintf("%d open tickets", next.OpenTickets))
	}
	st.State = stateWithServices(st)
}

// summary is the policy's status.services.ticketing after the run.
func (run *ticketRun) summary(next time.Time) *v1alpha1.ServiceRun {
	last := metav1.NewTime(run.started.Truncate(time.Second))
	nt := metav1.NewTime(next.Truncate(time.Second))
	s := &v1alpha1.ServiceRun{LastRunTime: &last, NextRunTime: &nt, Mappings: int32(len(run.mappings)),
		Changed: run.changed, Failed: int32(len(run.failures)), APICalls: run.calls, Message: truncate(run.message, 1024)}
	if s.Message == "" && len(run.failures) > 0 {
		s.Message = fmt.Sprintf("%d mappings could not be ticketed; see their Ticketing condition", len(run.failures))
	}
	if run.terminal {
		s.NextRunTime = nil
	}
	return s
}

// dryRunItems lists what a run would do, for the policy's plan.
func dryRunItems(out ticketing.Output) []v1alpha1.PlanItem {
	var items []v1alpha1.PlanItem
	for _, c := range out.Create {
		detail := "alert " + c.Key
		if c.Rollup {
			detail = fmt.Sprintf("roll-up of %d alerts (%s …)", len(c.Alerts), c.Alerts[0])
		}
		items = append(items, v1alpha1.PlanItem{Action: v1alpha1.ActionCreateTicket, PSAAccountID: c.AccountID, Mapping: c.Mapping,
			Name: c.Summary, Detail: truncate(detail, 512)})
	}
	for _, c := range out.Close {
		items = append(items, v1alpha1.PlanItem{Action: v1alpha1.ActionCloseTicket, PSAAccountID: c.AccountID, Mapping: c.Mapping,
			Name: "ticket " + c.TicketID, Detail: truncate("cleared: "+strings.Join(c.Alerts, ", "), 512)})
	}
	return items
}
