package controllers

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
)

// statusClient is a fake API server holding am, counting status writes.
func statusClient(t *testing.T, am *v1alpha1.AccountMapping, writes *int) client.Client {
	t.Helper()
	scheme := runtime.NewScheme()
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	return fake.NewClientBuilder().WithScheme(scheme).WithObjects(am).WithStatusSubresource(am).
		WithInterceptorFuncs(interceptor.Funcs{SubResourceUpdate: func(ctx context.Context, c client.Client, sub string, obj client.Object, opts ...client.SubResourceUpdateOption) error {
			*writes++
			return c.SubResource(sub).Update(ctx, obj, opts...)
		}}).Build()
}

func TestUpdateStatusWritesOnlyAChange(t *testing.T) {
	ctx := context.Background()
	am := &v1alpha1.AccountMapping{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "acme", Generation: 1}}
	writes := 0
	c := statusClient(t, am, &writes)
	cur := &v1alpha1.AccountMapping{}
	if err := c.Get(ctx, client.ObjectKeyFromObject(am), cur); err != nil {
		t.Fatal(err)
	}
	before := cur.Status.DeepCopy()
	if err := updateStatus(ctx, c, cur, before, &cur.Status); err != nil || writes != 0 {
		t.Fatalf("unchanged status: err %v, %d writes", err, writes)
	}
	cur.Status.ObservedGeneration = 1
	if err := updateStatus(ctx, c, cur, before, &cur.Status); err != nil || writes != 1 {
		t.Fatalf("changed status: err %v, %d writes", err, writes)
	}

	// A write based on a stale read is refused, recognisably, through the wrapping.
	stale := cur.DeepCopy()
	stale.ResourceVersion = "1"
	staleBefore := stale.Status.DeepCopy()
	stale.Status.ObservedGeneration = 2
	err := updateStatus(ctx, c, stale, staleBefore, &stale.Status)
	if !apierrors.IsConflict(err) {
		t.Fatalf("stale write: %v, want a conflict", err)
	}
	if res, rerr := requeueOnConflict(reconcile.Result{}, err); rerr != nil || res.RequeueAfter == 0 {
		t.Fatalf("a conflict is a quiet requeue: %v %v", res, rerr)
	}
}

func TestUpdateStatusCountsAMappingsServices(t *testing.T) {
	ctx := context.Background()
	am := &v1alpha1.AccountMapping{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "acme"}}
	writes := 0
	c := statusClient(t, am, &writes)
	cur := &v1alpha1.AccountMapping{}
	if err := c.Get(ctx, client.ObjectKeyFromObject(am), cur); err != nil {
		t.Fatal(err)
	}
	before := cur.Status.DeepCopy()
	// A service sets its condition and leaves the state: the writer counts it.
	meta.SetStatusCondition(&cur.Status.Conditions, metav1.Condition{Type: v1alpha1.ConditionReady, Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonLinked})
	meta.SetStatusCondition(&cur.Status.Conditions, metav1.Condition{Type: v1alpha1.ConditionBilling, Status: metav1.ConditionFalse, Reason: v1alpha1.ReasonBillingFailed})
	cur.Status.State = v1alpha1.StateOK
	if err := updateStatus(ctx, c, cur, before, &cur.Status); err != nil {
		t.Fatal(err)
	}
	stored := &v1alpha1.AccountMapping{}
	if err := c.Get(ctx, client.ObjectKeyFromObject(am), stored); err != nil {
		t.Fatal(err)
	}
	if stored.Status.State != v1alpha1.StateHasEvents {
		t.Fatalf("stored state %q: a failing service makes a linked mapping HasEvents", stored.Status.State)
	}
}

// The reason table's event types are Kubernetes' own.
func TestReasonEventTypesAreKubernetes(t *testing.T) {
	if v1alpha1.EventNormal != corev1.EventTypeNormal || v1alpha1.EventWarning != corev1.EventTypeWarning {
		t.Fatalf("event types %q/%q", v1alpha1.EventNormal, v1alpha1.EventWarning)
	}
}
