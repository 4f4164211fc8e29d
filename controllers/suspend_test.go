package controllers_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	bmssim "github.com/accountsync/accountsync-operator/internal/simulator/kaseyabms"
	vsasim "github.com/accountsync/accountsync-operator/internal/simulator/kaseyavsa"
)

var _ = Describe("Suspend", func() {
	It("makes a policy and its mappings say the same: Ready=False reason Suspended, state kept, Normal events", func() {
		ns := newNamespace()
		vsa := vsasim.New(vsaFixture(1))
		bf := bmsFixture()
		bf.Accounts = []bmssim.Account{{AccountName: "Customer 001"}}
		bms := bmssim.New(bf)
		connect(ns, "vsa", v1alpha1.ProviderKaseyaVSA, serve(vsa), vsaCreds)
		connect(ns, "bms", v1alpha1.ProviderKaseyaBMS, serve(bms), bmsCreds)
		sp := bmsPolicy(ns, "suspend", func(s *v1alpha1.SyncPolicySpec) { s.Mode = v1alpha1.ModeMatchOnly })
		syncedPolicy(ns, sp.Name, "")
		Eventually(func() map[v1alpha1.MappingState]int { return stateCounts(mappings(ns)) }).Should(Equal(map[v1alpha1.MappingState]int{v1alpha1.StateOK: 1}))

		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(sp), sp)).To(Succeed())
		patch := client.MergeFrom(sp.DeepCopy())
		sp.Spec.Suspend = true
		Expect(k8s.Patch(ctx, sp, patch)).To(Succeed())

		condition := func(conds []metav1.Condition, typ string) string {
			c := meta.FindStatusCondition(conds, typ)
			if c == nil {
				return ""
			}
			return string(c.Status) + "/" + c.Reason
		}
		Eventually(func(g Gomega) {
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(sp), sp)).To(Succeed())
			g.Expect(condition(sp.Status.Conditions, v1alpha1.ConditionReady)).To(Equal("False/Suspended"))
			g.Expect(condition(sp.Status.Conditions, v1alpha1.ConditionSynced)).To(Equal("False/Suspended"))
			for _, am := range mappings(ns) {
				g.Expect(condition(am.Status.Conditions, v1alpha1.ConditionReady)).To(Equal("False/Suspended"), am.Name)
				g.Expect(am.Status.State).To(Equal(v1alpha1.StateOK), "%s keeps its state", am.Name)
			}
		}).Should(Succeed())
		Eventually(func(g Gomega) map[string]string {
			evs := &eventsv1.EventList{}
			g.Expect(k8s.List(ctx, evs, client.InNamespace(ns))).To(Succeed())
			types := map[string]string{} // kind → type of its Suspended events
			for _, e := range evs.Items {
				if e.Reason == v1alpha1.ReasonSuspended {
					if prev, seen := types[e.Regarding.Kind]; seen && prev != e.Type {
						types[e.Regarding.Kind] = "mixed"
						continue
					}
					types[e.Regarding.Kind] = e.Type
				}
			}
			return types
		}).Should(Equal(map[string]string{"SyncPolicy": "Normal", "AccountMapping": "Normal"}))
	})
})
