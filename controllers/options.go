package controllers

import (
	"time"

	"golang.org/x/time/rate"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// ControllerOptions tune every reconciler.
type ControllerOptions struct {
	MaxConcurrentReconciles int
	// SkipNameValidation lets a process start a second manager with the same controllers
	// (tests that restart the manager).
	SkipNameValidation bool
}

// controllerOptions bounds per-item back-off (1s..5m) and the overall retry rate, so a failing
// vendor never turns into a hot loop (the default limiter starts at 5ms).
func (o ControllerOptions) controllerOptions() controller.Options {
	n := o.MaxConcurrentReconciles
	if n <= 0 {
		n = 1
	}
	skip := o.SkipNameValidation
	return controller.Options{
		SkipNameValidation:      &skip,
		MaxConcurrentReconciles: n,
		RateLimiter: workqueue.NewTypedMaxOfRateLimiter(
			workqueue.NewTypedItemExponentialFailureRateLimiter[reconcile.Request](time.Second, 5*time.Minute),
			&workqueue.TypedBucketRateLimiter[reconcile.Request]{Limiter: rate.NewLimiter(rate.Limit(10), 100)},
		),
	}
}
