package controllers

import (
	"context"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/connection"
)

// seriesOf counts the series of a metric whose labels include every pair of match.
func seriesOf(t *testing.T, metric string, match map[string]string) int {
	t.Helper()
	families, err := ctrlmetrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range families {
		if f.GetName() != metric {
			continue
		}
		for _, m := range f.GetMetric() {
			if hasLabels(m, match) {
				n++
			}
		}
	}
	return n
}

func hasLabels(m *dto.Metric, match map[string]string) bool {
	found := 0
	for _, l := range m.GetLabel() {
		if v, ok := match[l.GetName()]; ok && v == l.GetValue() {
			found++
		}
	}
	return found == len(match)
}

// What the controllers remember per object, in memory and in metric series, goes when the object
// does: a tenant that churns policies and mappings does not grow the manager without bound.
func TestDeletedObjectsAreForgotten(t *testing.T) {
	ctx := context.Background()
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	if err := v1alpha1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	kube := fake.NewClientBuilder().WithScheme(s).Build() // every object is already deleted
	snapshots := NewSnapshotStore()
	clients := connection.NewCache()

	t.Run("mapping", func(t *testing.T) {
		r := &AccountMappingReconciler{Client: kube, Clients: clients, Snapshots: snapshots}
		name := types.NamespacedName{Namespace: "msp-a", Name: "acme"}
		r.processed.set(name, "uid-1", processedKey{seq: 3, generation: 1})
		r.limited.set(name, "uid-1", time.Now().Add(time.Hour))
		recordMappingState(&v1alpha1.AccountMapping{ObjectMeta: metav1.ObjectMeta{Namespace: name.Namespace, Name: name.Name},
			Spec: v1alpha1.AccountMappingSpec{PolicyRef: v1alpha1.LocalObjectReference{Name: "p"}}})
		if _, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: name}); err != nil {
			t.Fatal(err)
		}
		if r.processed.len() != 0 {
			t.Errorf("processed still holds %d entries", r.processed.len())
		}
		if r.limited.len() != 0 {
			t.Errorf("limited still holds %d entries", r.limited.len())
		}
		if n := seriesOf(t, "accountsync_mapping_state", map[string]string{"namespace": "msp-a", "mapping": "acme"}); n != 0 {
			t.Errorf("%d state series of the deleted mapping", n)
		}
	})

	t.Run("mapping moved to another policy keeps only the new policy's series", func(t *testing.T) {
		am := &v1alpha1.AccountMapping{ObjectMeta: metav1.ObjectMeta{Namespace: "msp-a", Name: "globex"},
			Spec: v1alpha1.AccountMappingSpec{PolicyRef: v1alpha1.LocalObjectReference{Name: "old"}}}
		recordMappingState(am)
		am.Spec.PolicyRef.Name = "new"
		recordMappingState(am)
		if n := seriesOf(t, "accountsync_mapping_state", map[string]string{"mapping": "globex", "policy": "old"}); n != 0 {
			t.Errorf("%d series of the old policy", n)
		}
		if n := seriesOf(t, "accountsync_mapping_state", map[string]string{"mapping": "globex", "policy": "new"}); n != 3 {
			t.Errorf("%d series of the new policy, want one per state", n)
		}
	})

	t.Run("policy", func(t *testing.T) {
		r := &SyncPolicyReconciler{Client: kube, Clients: clients, Snapshots: snapshots}
		name := types.NamespacedName{Namespace: "msp-a", Name: "vsa-to-bms"}
		sp := &v1alpha1.SyncPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: name.Namespace, Name: name.Name}}
		snapshots.Put(sp, &Snapshot{})
		snapshots.Schedule(name, 1, "", time.Now().Add(time.Hour))
		syncDuration.WithLabelValues(name.Namespace, name.Name).Observe(1)
		if _, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: name}); err != nil {
			t.Fatal(err)
		}
		if snapshots.Get(name) != nil || len(snapshots.schedules) != 0 {
			t.Error("the snapshot or schedule of the deleted policy is kept")
		}
		if n := seriesOf(t, "accountsync_policy_sync_duration_seconds", map[string]string{"namespace": "msp-a", "policy": "vsa-to-bms"}); n != 0 {
			t.Errorf("%d duration series of the deleted policy", n)
		}
	})

	t.Run("connection", func(t *testing.T) {
		r := &IntegrationConnectionReconciler{Client: kube, Clients: clients}
		name := types.NamespacedName{Namespace: "msp-a", Name: "bms"}
		r.probed.Store(name, probeRecord{next: time.Now()})
		if _, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: name}); err != nil {
			t.Fatal(err)
		}
		if _, ok := r.probed.Load(name); ok {
			t.Error("the probe record of the deleted connection is kept")
		}
	})
}
