package controllers

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
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

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/connection"
	"github.com/accountsync/accountsync-operator/internal/provider"
)

const (
	defaultProbeInterval = 5 * time.Minute
	// unreachableRetry bounds how soon an unreachable endpoint is probed again.
	unreachableRetry = time.Minute
	// DefaultRefusedProbeRetry and DefaultRefusedProbeRetryMax bound the back-off of a
	// connection whose probe was refused (401/403/404, or an answer that is not the vendor's
	// API): a vendor outage often answers 403 from a load balancer, so such a connection is
	// probed again, but seldom enough never to lock the vendor account.
	DefaultRefusedProbeRetry    = 30 * time.Second
	DefaultRefusedProbeRetryMax = 10 * time.Minute
	secretRefIndex              = "spec.secretRefs"
)

// IntegrationConnectionReconciler probes each connection and reports Ready.
type IntegrationConnectionReconciler struct {
	client.Client
	Clients  *connection.Cache
	Recorder events.EventRecorder
	// RefusedRetry and RefusedRetryMax override DefaultRefusedProbeRetry(Max) (tests).
	RefusedRetry, RefusedRetryMax time.Duration
	// probed remembers the client each connection was last probed with, so a Secret change (new
	// client) re-probes at once, and when the next probe is due.
	// A sync.Map because reconciles of different connections run in parallel.
	probed sync.Map // types.NamespacedName → probeRecord
}

// probeRecord is a connection's last probe: the client it used and when the next one is due.
type probeRecord struct {
	client provider.Client
	next   time.Time
}

// +kubebuilder:rbac:groups=accountsync.io,resources=integrationconnections,verbs=get;list;watch
// +kubebuilder:rbac:groups=accountsync.io,resources=integrationconnections/status,verbs=get;update;patch
// Secrets: get reads the referenced ones from the API server (never cached); list and watch
// serve the metadata-only watch that re-probes a connection when its Secret changes.
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups="",resources=events,verbs=create;patch

func (r *IntegrationConnectionReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	ctx = log.IntoContext(ctx, log.FromContext(ctx).WithValues("connection", req.Name))
	return requeueOnConflict(r.reconcile(ctx, req))
}

func (r *IntegrationConnectionReconciler) reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	ic := &v1alpha1.IntegrationConnection{}
	if err := r.Get(ctx, req.NamespacedName, ic); err != nil {
		if apierrors.IsNotFound(err) {
			r.Clients.Forget(req.NamespacedName)
			r.probed.Delete(req.NamespacedName)
			forgetConnectionMetrics(req.NamespacedName)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	before := ic.Status.DeepCopy()
	status := &ic.Status
	status.ObservedGeneration = ic.Generation
	status.Side = sideOf(ic.Spec.Provider)
	request, requested := syncRequest(ic, status.LastHandledSyncRequest)
	if requested {
		status.LastHandledSyncRequest = request
	}
	interval, err := ic.Spec.ProbeInterval.Parse(defaultProbeInterval)
	if err != nil || interval <= 0 {
		interval = defaultProbeInterval
	}

	cl, err := r.Clients.Client(ctx, r, ic)
	if err != nil {
		ce, ok := connection.AsConfigError(err)
		if !ok {
			return ctrl.Result{}, fmt.Errorf("client of IntegrationConnection %s: %w", ic.Name, err)
		}
		// Terminal: the Secret watch or a spec edit brings the connection back, not a timer.
		r.setReady(ic, metav1.ConditionFalse, ce.Reason, ce.Message)
		r.probed.Delete(req.NamespacedName)
		return ctrl.Result{}, r.finish(ctx, ic, before)
	}

	ready := meta.FindStatusCondition(status.Conditions, v1alpha1.ConditionReady)
	prev, probedWith := r.lastProbe(req.NamespacedName, cl)
	due := requested || status.LastProbeTime == nil || ready == nil || ready.ObservedGeneration != ic.Generation ||
		!probedWith || !time.Now().Before(prev.next)
	if !due {
		return ctrl.Result{RequeueAfter: time.Until(prev.next)}, r.finish(ctx, ic, before)
	}

	requeue := r.probe(ctx, ic, cl, interval)
	r.probed.Store(req.NamespacedName, probeRecord{client: cl, next: time.Now().Add(requeue)})
	return ctrl.Result{RequeueAfter: requeue}, r.finish(ctx, ic, before)
}

// probe calls the vendor's cheapest authenticated endpoint, sets Ready from the answer and
// returns when to probe again (0: only a spec or Secret change brings the connection back).
func (r *IntegrationConnectionReconciler) probe(ctx context.Context, ic *v1alpha1.IntegrationConnection, cl provider.Client, interval time.Duration) time.Duration {
	result, perr := cl.Probe(ctx)
	t := now()
	ic.Status.LastProbeTime = &t
	ic.Status.Capabilities = provider.Capabilities(cl)
	requeue := interval
	switch kind := provider.KindOf(perr); {
	case perr == nil:
		ic.Status.ServerVersion = result.ServerVersion
		r.setReady(ic, metav1.ConditionTrue, v1alpha1.ReasonConnected, fmt.Sprintf("%s API answered", ic.Spec.Provider))
	case kind == provider.KindAuth:
		// Probed again only after a back-off: re-trying bad credentials often can lock the
		// vendor account, yet a 401/403 may also come from an outage.
		r.setReady(ic, metav1.ConditionFalse, v1alpha1.ReasonAuthenticationFailed, perr.Error())
		requeue = r.refusedBackoff(ic)
	case kind == provider.KindRateLimited:
		requeue = min(interval, unreachableRetry)
		if d, ok := retryAfter(perr); ok {
			requeue = d
		}
		r.setReady(ic, metav1.ConditionFalse, v1alpha1.ReasonRateLimited, rateLimitedMessage(perr, requeue))
	case kind == provider.KindOriginRefused:
		// Terminal: the vendor pointed credentials at a host the spec does not name (a
		// redirect, a discovered auth server). Only a spec change (url, authURL) can allow it.
		r.setReady(ic, metav1.ConditionFalse, v1alpha1.ReasonInvalidSpec,
			fmt.Sprintf("credentials were kept from a host the spec does not name: %v", perr))
		requeue = 0
	case kind == provider.KindInvalid || kind == provider.KindNotFound:
		r.setReady(ic, metav1.ConditionFalse, v1alpha1.ReasonInvalidSpec,
			fmt.Sprintf("the endpoint answered but not as a %s API (check spec.url): %v", ic.Spec.Provider, perr))
		requeue = r.refusedBackoff(ic)
	default:
		r.setReady(ic, metav1.ConditionFalse, v1alpha1.ReasonUnreachable, deadlineMessage(ctx, perr))
		requeue = min(interval, unreachableRetry)
	}
	if perr != nil {
		log.FromContext(ctx).Info("probe failed", "provider", ic.Spec.Provider, "kind", provider.KindOf(perr), "error", perr.Error(), "retryIn", requeue.String())
	}
	return requeue
}

// lastProbe returns the connection's last probe and whether it used cl (no Secret or spec
// change since).
func (r *IntegrationConnectionReconciler) lastProbe(name types.NamespacedName, cl provider.Client) (probeRecord, bool) {
	v, ok := r.probed.Load(name)
	if !ok {
		return probeRecord{}, false
	}
	rec := v.(probeRecord)
	return rec, rec.client == cl
}

// refusedBackoff is the wait before the next probe of a connection whose probe was refused: the
// time it has been failing (since Ready last turned False, kept in status so a restart does not
// reset it), at least RefusedRetry and at most RefusedRetryMax. Probes thus come at 30s, 1m,
// 2m, 4m, 8m and then every 10m.
func (r *IntegrationConnectionReconciler) refusedBackoff(ic *v1alpha1.IntegrationConnection) time.Duration {
	base, ceiling := r.RefusedRetry, r.RefusedRetryMax
	if base <= 0 {
		base = DefaultRefusedProbeRetry
	}
	if ceiling <= 0 {
		ceiling = DefaultRefusedProbeRetryMax
	}
	failing := time.Duration(0)
	if c := meta.FindStatusCondition(ic.Status.Conditions, v1alpha1.ConditionReady); c != nil {
		failing = time.Since(c.LastTransitionTime.Time)
	}
	return min(max(failing, base), ceiling)
}

func (r *IntegrationConnectionReconciler) setReady(ic *v1alpha1.IntegrationConnection, status metav1.ConditionStatus, reason, message string) {
	setConditionWithEvent(r.Recorder, ic, &ic.Status.Conditions, v1alpha1.ConditionReady, status, reason, message, "Probe")
}

func (r *IntegrationConnectionReconciler) finish(ctx context.Context, ic *v1alpha1.IntegrationConnection, before *v1alpha1.IntegrationConnectionStatus) error {
	recordConnectionReady(ic)
	return updateStatus(ctx, r.Client, ic, before, &ic.Status)
}

func sideOf(p v1alpha1.ProviderName) v1alpha1.Side {
	if f, ok := provider.Lookup(provider.Name(p)); ok && f.Side == provider.SidePSA {
		return v1alpha1.SidePSA
	}
	return v1alpha1.SideTool
}

// SetupWithManager watches connections (spec and annotation changes only) and the Secrets they
// reference.
func (r *IntegrationConnectionReconciler) SetupWithManager(mgr ctrl.Manager, opts ControllerOptions) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&v1alpha1.IntegrationConnection{}, builder.WithPredicates(
			predicate.Or(predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}))).
		// Metadata only: a resourceVersion change is all that is needed to re-probe, and the
		// manager then holds no copy of any Secret's data.
		WatchesMetadata(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.connectionsForSecret)).
		WithOptions(opts.controllerOptions()).
		Complete(r)
}

func (r *IntegrationConnectionReconciler) connectionsForSecret(ctx context.Context, obj client.Object) []reconcile.Request {
	return indexedRequests(ctx, r.Client, &v1alpha1.IntegrationConnectionList{}, obj.GetNamespace(), secretRefIndex, obj.GetName())
}
