package controllers

import (
	"time"

	"golang.org/x/time/rate"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

const (
	// DefaultMaxConcurrentReconciles is the number of workers of each controller: enough that
	// one slow vendor holding a worker up to the reconcile deadline leaves others for the rest.
	DefaultMaxConcurrentReconciles = 4
	// DefaultReconcileTimeout bounds one reconcile, vendor calls included.
	DefaultReconcileTimeout = 2 * time.Minute
	// statusWriteTimeout bounds the status write that reports a reconcile which ran out of
	// time: the write uses its own budget so the report of a timeout is not lost to it.
	statusWriteTimeout = 15 * time.Second
)

// ControllerOptions tune every reconciler.
type ControllerOptions struct {
	// MaxConcurrentReconciles is the number of workers per controller; 0 means
	// DefaultMaxConcurrentReconciles.
	MaxConcurrentReconciles int
	// ReconcileTimeout is the deadline of one reconcile; 0 means DefaultReconcileTimeout.
	ReconcileTimeout time.Duration
	// SkipNameValidation lets a process start a second manager with the same controllers
	// (tests that restart the manager).
	SkipNameValidation bool
}

// reconcileTimeout is the effective deadline of one reconcile.
func (o ControllerOptions) reconcileTimeout() time.Duration {
	if o.ReconcileTimeout > 0 {
		return o.ReconcileTimeout
	}
	return DefaultReconcileTimeout
}

// controllerOptions bounds per-item back-off (1s..5m) and the overall retry rate, so a failing
// vendor never turns into a hot loop (the default limiter starts at 5ms), and gives every
// reconcile a deadline, so a vendor that answers after minutes holds one worker for at most that
// long (controller-runtime also counts such timeouts in controller_runtime_reconcile_timeouts_total).
func (o ControllerOptions) controllerOptions() controller.Options {
	n := o.MaxConcurrentReconciles
	if n <= 0 {
		n = DefaultMaxConcurrentReconciles
	}
	skip := o.SkipNameValidation
	return controller.Options{
		SkipNameValidation:      &skip,
		MaxConcurrentReconciles: n,
		ReconciliationTimeout:   o.reconcileTimeout(),
		RateLimiter: workqueue.NewTypedMaxOfRateLimiter(
			workqueue.NewTypedItemExponentialFailureRateLimiter[reconcile.Request](time.Second, 5*time.Minute),
			&workqueue.TypedBucketRateLimiter[reconcile.Request]{Limiter: rate.NewLimiter(rate.Limit(10), 100)},
		),
	}
}

// ClientOptions are the manager client options the controllers need: Secrets are never served
// from the informer cache, so the manager holds no copy of the cluster's Secret data. The
// controllers read the Secrets a connection references straight from the API server, and watch
// Secrets metadata-only to notice a change.
func ClientOptions() client.Options {
	return client.Options{Cache: &client.CacheOptions{DisableFor: []client.Object{&corev1.Secret{}}}}
}
