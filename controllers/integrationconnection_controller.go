package controllers

import (
	"context"
	"errors"
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
	secretRefIndex   = "spec.secretRefs"
)

// IntegrationConnectionReconciler probes each connection and reports Ready.
type IntegrationConnectionReconciler struct {
	client.Client
	Clients  *connection.Cache
	Recorder events.EventRecorder
	// probed remembers the client each connection was last probed with, so a Secret change (new
	// client) re-probes at once.
	// A sync.Map because reconciles of different connections run in parallel.
	probed sync.Map // types.NamespacedName → provider.Client
}

// +kubebuilder:rbac:groups=accountsync.io,resources=integrationconnections,verbs=get;list;watch
// +kubebuilder:rbac:groups=accountsync.io,resources=integrationconnections/status,verbs=get;update;patch
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups="",resources=events,verbs=create;patch

func (r *IntegrationConnectionReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	return requeueOnConflict(r.reconcile(ctx, req))
}

func (r *IntegrationConnectionReconciler) reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	logger := log.FromContext(ctx)
	ic := &v1alpha1.IntegrationConnection{}
	if err := r.Get(ctx, req.NamespacedName, ic); err != nil {
		if apierrors.IsNotFound(err) {
			r.Clients.Forget(req.NamespacedName)
			r.probed.Delete(req.NamespacedName)
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
			return ctrl.Result{}, err
		}
		// Terminal: the Secret watch or a spec edit brings the connection back, not a timer.
		r.setReady(ic, metav1.ConditionFalse, ce.Reason, ce.Message)
		r.probed.Delete(req.NamespacedName)
		return ctrl.Result{}, r.finish(ctx, ic, before)
	}

	last := status.LastProbeTime
	ready := meta.FindStatusCondition(status.Conditions, v1alpha1.ConditionReady)
	due := requested || last == nil || ready == nil || ready.ObservedGeneration != ic.Generation ||
		!r.probedWith(req.NamespacedName, cl) || time.Since(last.Time) >= interval
	if !due {
		return ctrl.Result{RequeueAfter: interval - time.Since(last.Time)}, r.finish(ctx, ic, before)
	}

	probeCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	result, perr := cl.Probe(probeCtx)
	t := now()
	status.LastProbeTime = &t
	status.Capabilities = provider.Capabilities(cl)
	r.probed.Store(req.NamespacedName, cl)
	requeue := interval
	switch kind := provider.KindOf(perr); {
	case perr == nil:
		status.ServerVersion = result.ServerVersion
		r.setReady(ic, metav1.ConditionTrue, v1alpha1.ReasonConnected, fmt.Sprintf("%s API answered", ic.Spec.Provider))
	case kind == provider.KindAuth:
		// Terminal until the Secret or spec changes: re-trying bad credentials can lock the
		// vendor account.
		r.setReady(ic, metav1.ConditionFalse, v1alpha1.ReasonAuthenticationFailed, perr.Error())
		requeue = 0
	case kind == provider.KindRateLimited:
		r.setReady(ic, metav1.ConditionFalse, v1alpha1.ReasonRateLimited, perr.Error())
		var pe *provider.Error
		if errors.As(perr, &pe) && pe.RetryAfter > 0 && pe.RetryAfter < requeue {
			requeue = pe.RetryAfter
		}
	case kind == provider.KindOriginRefused:
		// Terminal: the vendor pointed credentials at a host the spec does not name (a
		// redirect, a discovered auth server). Only a spec change (url, authURL) can allow it.
		r.setReady(ic, metav1.ConditionFalse, v1alpha1.ReasonInvalidSpec,
			fmt.Sprintf("credentials were kept from a host the spec does not name: %v", perr))
		requeue = 0
	case kind == provider.KindInvalid || kind == provider.KindNotFound:
		r.setReady(ic, metav1.ConditionFalse, v1alpha1.ReasonInvalidSpec,
			fmt.Sprintf("the endpoint answered but not as a %s API (check spec.url): %v", ic.Spec.Provider, perr))
		requeue = 0
	default:
		r.setReady(ic, metav1.ConditionFalse, v1alpha1.ReasonUnreachable, perr.Error())
		requeue = min(interval, unreachableRetry)
	}
	if perr != nil {
		logger.Info("probe failed", "reason", provider.KindOf(perr), "error", perr.Error())
	}
	return ctrl.Result{RequeueAfter: requeue}, r.finish(ctx, ic, before)
}

// probedWith reports whether the connection's last probe used cl (no Secret change since).
func (r *IntegrationConnectionReconciler) probedWith(name types.NamespacedName, cl provider.Client) bool {
	prev, ok := r.probed.Load(name)
	return ok && prev == cl
}

func (r *IntegrationConnectionReconciler) setReady(ic *v1alpha1.IntegrationConnection, status metav1.ConditionStatus, reason, message string) {
	prev := meta.FindStatusCondition(ic.Status.Conditions, v1alpha1.ConditionReady)
	setCondition(&ic.Status.Conditions, ic.Generation, v1alpha1.ConditionReady, status, reason, message)
	if prev == nil || prev.Status != status || prev.Reason != reason {
		eventType := corev1.EventTypeNormal
		if status != metav1.ConditionTrue {
			eventType = corev1.EventTypeWarning
		}
		r.Recorder.Eventf(ic, nil, eventType, reason, "Probe", "%s", truncate(message, 512))
	}
}

func (r *IntegrationConnectionReconciler) finish(ctx context.Context, ic *v1alpha1.IntegrationConnection, before *v1alpha1.IntegrationConnectionStatus) error {
	return patchStatusIfChanged(ctx, r.Client, ic, before, &ic.Status)
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
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.connectionsForSecret)).
		WithOptions(opts.controllerOptions()).
		Complete(r)
}

func (r *IntegrationConnectionReconciler) connectionsForSecret(ctx context.Context, obj client.Object) []reconcile.Request {
	return indexedRequests(ctx, r.Client, &v1alpha1.IntegrationConnectionList{}, obj.GetNamespace(), secretRefIndex, obj.GetName())
}
