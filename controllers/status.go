package controllers

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/equality"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
)

// updateStatus is the one writer of status for every kind. It stores obj's status only when it
// differs from before (a deep copy of the status taken when the reconcile read obj), so a quiet
// sync makes no API-server write. The write carries obj's resourceVersion: one based on a stale
// read fails with a conflict and the reconcile is redone (requeueOnConflict) rather than
// overwriting a newer status. A mapping's state always counts its services (stateWithServices),
// whoever changed its conditions.
func updateStatus[S any](ctx context.Context, c client.Client, obj client.Object, before, after *S) error {
	if am, ok := obj.(*v1alpha1.AccountMapping); ok {
		am.Status.State = stateWithServices(&am.Status)
	}
	if equality.Semantic.DeepEqual(before, after) {
		return nil
	}
	if err := writeStatus(ctx, c, obj); err != nil {
		return fmt.Errorf("writing the status of %s %s: %w", kindOf(obj), client.ObjectKeyFromObject(obj), err)
	}
	return nil
}

// writeStatus stores obj's status unconditionally, with a budget of its own: a reconcile that
// ran out of its deadline must still be able to say so in status. Reconcilers use updateStatus.
func writeStatus(ctx context.Context, c client.Client, obj client.Object) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), statusWriteTimeout)
	defer cancel()
	return c.Status().Update(ctx, obj)
}

func kindOf(obj client.Object) string {
	switch obj.(type) {
	case *v1alpha1.AccountMapping:
		return "AccountMapping"
	case *v1alpha1.SyncPolicy:
		return "SyncPolicy"
	case *v1alpha1.IntegrationConnection:
		return "IntegrationConnection"
	}
	return fmt.Sprintf("%T", obj)
}
