package controllers

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/connection"
)

// gaugeValue returns the value of the one series of metric matching match, failing unless
// there is exactly one.
func gaugeValue(t *testing.T, metric string, match map[string]string) float64 {
	t.Helper()
	if n := seriesOf(t, metric, match); n != 1 {
		t.Fatalf("%d series of %s%v, want 1", n, metric, match)
	}
	families, err := ctrlmetrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != metric {
			continue
		}
		for _, m := range f.GetMetric() {
			if hasLabels(m, match) {
				return m.GetGauge().GetValue()
			}
		}
	}
	return 0
}

// The Ready and Synced conditions the reconcilers write are mirrored into one series per
// object, whose reason follows the condition: the PrometheusRule alerts on them.
func TestConditionGauges(t *testing.T) {
	ctx := context.Background()
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	if err := v1alpha1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	ic := &v1alpha1.IntegrationConnection{
		ObjectMeta: metav1.ObjectMeta{Namespace: "msp-m", Name: "bms", Generation: 1},
		Spec: v1alpha1.IntegrationConnectionSpec{Provider: "KaseyaBMS", URL: "https://bms.example.test",
			CredentialsSecretRef: v1alpha1.LocalObjectReference{Name: "missing"}},
	}
	sp := &v1alpha1.SyncPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: "msp-m", Name: "vsa-to-bms", Generation: 1},
		Spec:       v1alpha1.SyncPolicySpec{Suspend: true},
	}
	kube := fake.NewClientBuilder().WithScheme(s).WithObjects(ic, sp).
		WithStatusSubresource(&v1alpha1.IntegrationConnection{}, &v1alpha1.SyncPolicy{}).Build()
	recorder := events.NewFakeRecorder(10)

	t.Run("connection", func(t *testing.T) {
		r := &IntegrationConnectionReconciler{Client: kube, Clients: connection.NewCache(), Recorder: recorder}
		name := types.NamespacedName{Namespace: ic.Namespace, Name: ic.Name}
		if _, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: name}); err != nil {
			t.Fatal(err)
		}
		if v := gaugeValue(t, "accountsync_connection_ready", map[string]string{"namespace": "msp-m", "connection": "bms",
			"provider": "KaseyaBMS", "reason": v1alpha1.ReasonSecretNotFound}); v != 0 {
			t.Errorf("connection without its Secret: ready=%v, want 0", v)
		}
		// A later Ready=True replaces the series instead of adding one.
		cur := &v1alpha1.IntegrationConnection{}
		if err := kube.Get(ctx, name, cur); err != nil {
			t.Fatal(err)
		}
		setCondition(&cur.Status.Conditions, cur.Generation, v1alpha1.ConditionReady, metav1.ConditionTrue, v1alpha1.ReasonConnected, "ok")
		recordConnectionReady(cur)
		if v := gaugeValue(t, "accountsync_connection_ready", map[string]string{"namespace": "msp-m", "connection": "bms"}); v != 1 {
			t.Errorf("connected: ready=%v, want 1", v)
		}
		if err := kube.Delete(ctx, cur); err != nil {
			t.Fatal(err)
		}
		if _, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: name}); err != nil {
			t.Fatal(err)
		}
		if n := seriesOf(t, "accountsync_connection_ready", map[string]string{"namespace": "msp-m", "connection": "bms"}); n != 0 {
			t.Errorf("%d series of the deleted connection", n)
		}
	})

	t.Run("policy", func(t *testing.T) {
		r := &SyncPolicyReconciler{Client: kube, Clients: connection.NewCache(), Snapshots: NewSnapshotStore(), Recorder: recorder}
		name := types.NamespacedName{Namespace: sp.Namespace, Name: sp.Name}
		if _, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: name}); err != nil {
			t.Fatal(err)
		}
		if v := gaugeValue(t, "accountsync_policy_synced", map[string]string{"namespace": "msp-m", "policy": "vsa-to-bms",
			"reason": v1alpha1.ReasonSuspended}); v != 0 {
			t.Errorf("suspended policy: synced=%v, want 0", v)
		}
		if err := kube.Delete(ctx, sp); err != nil {
			t.Fatal(err)
		}
		if _, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: name}); err != nil {
			t.Fatal(err)
		}
		if n := seriesOf(t, "accountsync_policy_synced", map[string]string{"namespace": "msp-m", "policy": "vsa-to-bms"}); n != 0 {
			t.Errorf("%d series of the deleted policy", n)
		}
	})
}
