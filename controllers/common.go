package controllers

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/mapping"
	"github.com/accountsync/accountsync-operator/internal/provider"
)

// setCondition sets a condition carrying the object's generation. meta.SetStatusCondition keeps
// lastTransitionTime when the status did not flip, so an unchanged condition compares equal and
// causes no write.
func setCondition(conds *[]metav1.Condition, generation int64, typ string, status metav1.ConditionStatus, reason, message string) {
	meta.SetStatusCondition(conds, metav1.Condition{
		Type:               typ,
		Status:             status,
		Reason:             reason,
		Message:            truncate(message, 1024),
		ObservedGeneration: generation,
	})
}

// setConditionWithEvent sets a condition as setCondition does and, when its status or reason
// changed, emits the reason's event, of the type the reason table (v1alpha1.Reasons) gives it.
// Every reconciler sets its conditions through it, so one situation reads the same everywhere.
func setConditionWithEvent(rec events.EventRecorder, obj client.Object, conds *[]metav1.Condition, typ string, status metav1.ConditionStatus, reason, message, action string) {
	// Compared as a key: meta.SetStatusCondition updates the existing condition in place.
	prev := conditionKey(*conds, typ)
	setCondition(conds, obj.GetGeneration(), typ, status, reason, message)
	if prev != string(status)+"/"+reason {
		rec.Eventf(obj, nil, v1alpha1.ReasonEventType(reason), reason, action, "%s", truncate(message, 512))
	}
}

// emit records an event whose reason names an action (v1alpha1.ReasonCreated, ...), of the type
// the reason table gives it.
func emit(rec events.EventRecorder, obj client.Object, reason, action, format string, args ...any) {
	rec.Eventf(obj, nil, v1alpha1.ReasonEventType(reason), reason, action, format, args...)
}

// syncRequest returns the sync-now annotation value when it differs from the last handled one.
func syncRequest(obj client.Object, lastHandled string) (string, bool) {
	return annotationRequest(obj, v1alpha1.SyncRequestedAtAnnotation, lastHandled)
}

// annotationRequest returns the value of a request annotation when it differs from the last
// handled one.
func annotationRequest(obj client.Object, annotation, lastHandled string) (string, bool) {
	v, ok := obj.GetAnnotations()[annotation]
	if !ok || v == lastHandled {
		return "", false
	}
	return v, true
}

// retryAfter returns the wait a vendor asked for (Retry-After on a 429, or on a 503), if err
// carries one: httpx returns such an error at once when the wait is beyond its cap or deadline.
func retryAfter(err error) (time.Duration, bool) {
	var pe *provider.Error
	if errors.As(err, &pe) && pe.RetryAfter > 0 {
		return pe.RetryAfter, true
	}
	return 0, false
}

// rateLimitedMessage says until when a rate-limited vendor is left alone.
func rateLimitedMessage(err error, wait time.Duration) string {
	return mapping.RateLimitedMessage(time.Now(), err.Error(), wait)
}

// deadlineMessage names the reconcile deadline when it is what ended the vendor call.
func deadlineMessage(ctx context.Context, err error) string {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Sprintf("the vendor did not answer within the reconcile deadline (--reconcile-timeout): %v", err)
	}
	return err.Error()
}

// truncate shortens s to at most n bytes plus an ellipsis, cutting between runes.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - 1
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// now is swapped in tests that need a fixed clock.
var now = func() metav1.Time { return metav1.NewTime(time.Now().Truncate(time.Second)) }

// indexedRequests lists the objects of list's kind in namespace whose field index holds value,
// as reconcile requests: how a watched object (a Secret, a connection, a policy) finds the
// objects that refer to it.
func indexedRequests(ctx context.Context, c client.Client, list client.ObjectList, namespace, field, value string) []reconcile.Request {
	if err := c.List(ctx, list, client.InNamespace(namespace), client.MatchingFields{field: value}); err != nil {
		return nil
	}
	var out []reconcile.Request
	_ = meta.EachListItem(list, func(o runtime.Object) error {
		if obj, ok := o.(client.Object); ok {
			out = append(out, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: obj.GetNamespace(), Name: obj.GetName()}})
		}
		return nil
	})
	return out
}

// updated is an update predicate comparing the old and new object as their Go type; other
// events pass.
func updated[T client.Object](changed func(before, after T) bool) predicate.Predicate {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		o, ok1 := e.ObjectOld.(T)
		n, ok2 := e.ObjectNew.(T)
		return !ok1 || !ok2 || changed(o, n)
	}}
}

// requeueOnConflict turns a write conflict (the reconcile read a cached object older than the
// API server's) into a quiet requeue: it is routine, not an error worth a stack trace.
func requeueOnConflict(res reconcile.Result, err error) (reconcile.Result, error) {
	if err != nil && apierrors.IsConflict(err) {
		return reconcile.Result{RequeueAfter: time.Second}, nil
	}
	return res, err
}
