package controllers_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
)

var nsSeq atomic.Int32

// newNamespace isolates each spec; the API server has no namespace controller, so nothing is
// deleted, which is fine for a test run.
func newNamespace() string {
	name := fmt.Sprintf("tenant-%d", nsSeq.Add(1))
	Expect(k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})).To(Succeed())
	return name
}

// serve starts a simulator on loopback and stops it after the spec.
func serve(h http.Handler) string {
	srv := httptest.NewServer(h)
	DeferCleanup(srv.Close)
	return srv.URL
}

// connect creates a Secret and an IntegrationConnection and waits until it is Ready.
func connect(ns, name string, p v1alpha1.ProviderName, url string, creds map[string]string) *v1alpha1.IntegrationConnection {
	Expect(k8s.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name + "-creds"}, StringData: creds})).To(Succeed())
	ic := &v1alpha1.IntegrationConnection{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1alpha1.IntegrationConnectionSpec{
			Provider:             p,
			URL:                  url,
			CredentialsSecretRef: v1alpha1.LocalObjectReference{Name: name + "-creds"},
			Timeout:              "2s",
			RateLimit:            &v1alpha1.RateLimit{RequestsPerMinute: 60000, Burst: 100},
		},
	}
	Expect(k8s.Create(ctx, ic)).To(Succeed())
	Eventually(func(g Gomega) {
		g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(ic), ic)).To(Succeed())
		c := meta.FindStatusCondition(ic.Status.Conditions, v1alpha1.ConditionReady)
		g.Expect(c).NotTo(BeNil())
		g.Expect(c.Status).To(Equal(metav1.ConditionTrue), "%s: %s", c.Reason, c.Message)
	}).Should(Succeed())
	return ic
}

func policy(ns, name, psa, tool string, mutate func(*v1alpha1.SyncPolicySpec)) *v1alpha1.SyncPolicy {
	sp := &v1alpha1.SyncPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1alpha1.SyncPolicySpec{
			PSA:  v1alpha1.PSASide{ConnectionRef: v1alpha1.LocalObjectReference{Name: psa}},
			Tool: v1alpha1.ToolSide{ConnectionRef: v1alpha1.LocalObjectReference{Name: tool}},
			Mode: v1alpha1.ModeImport,
			// A long interval: every sync in these tests is one the test asked for.
			Interval: "1h",
		},
	}
	if mutate != nil {
		mutate(&sp.Spec)
	}
	Expect(k8s.Create(ctx, sp)).To(Succeed())
	return sp
}

// syncedPolicy waits for a completed sync whose lastHandledSyncRequest is want ("" for the first).
func syncedPolicy(ns, name, want string) *v1alpha1.SyncPolicy {
	sp := &v1alpha1.SyncPolicy{}
	Eventually(func(g Gomega) {
		g.Expect(k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, sp)).To(Succeed())
		g.Expect(sp.Status.LastSyncTime).NotTo(BeNil())
		g.Expect(sp.Status.LastHandledSyncRequest).To(Equal(want))
		c := meta.FindStatusCondition(sp.Status.Conditions, v1alpha1.ConditionSynced)
		g.Expect(c).NotTo(BeNil())
		g.Expect(c.ObservedGeneration).To(Equal(sp.Generation))
	}).Should(Succeed())
	return sp
}

var syncSeq atomic.Int64

// syncNow stamps the sync-now annotation and returns the value to wait for.
func syncNow(obj client.Object) string {
	v := fmt.Sprintf("t%d-%d", time.Now().UnixNano(), syncSeq.Add(1))
	patch := []byte(fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}}}`, v1alpha1.SyncRequestedAtAnnotation, v))
	Expect(k8s.Patch(ctx, obj, client.RawPatch(types.MergePatchType, patch))).To(Succeed())
	return v
}

func mappings(ns string) []v1alpha1.AccountMapping {
	list := &v1alpha1.AccountMappingList{}
	Expect(k8s.List(ctx, list, client.InNamespace(ns))).To(Succeed())
	return list.Items
}

func stateCounts(ams []v1alpha1.AccountMapping) map[v1alpha1.MappingState]int {
	out := map[v1alpha1.MappingState]int{}
	for _, am := range ams {
		out[am.Status.State]++
	}
	return out
}

func readyReasonOf(am v1alpha1.AccountMapping) string {
	c := meta.FindStatusCondition(am.Status.Conditions, v1alpha1.ConditionReady)
	if c == nil {
		return ""
	}
	return c.Reason + ": " + c.Message
}

// duplicates returns the names that occur more than once, case-insensitively.
func duplicates(names []string) []string {
	seen := map[string]int{}
	var dup []string
	for _, n := range names {
		k := strings.ToLower(strings.TrimSpace(n))
		seen[k]++
		if seen[k] == 2 {
			dup = append(dup, n)
		}
	}
	return dup
}

func createSecret(ns, name string, data map[string]string) {
	Expect(k8s.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, StringData: data})).To(Succeed())
}

func updateSecret(ns, name string, data map[string]string) {
	s := &corev1.Secret{}
	Expect(k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, s)).To(Succeed())
	s.Data = nil
	s.StringData = data
	Expect(k8s.Update(ctx, s)).To(Succeed())
}
