package controllers_test

import (
	"fmt"
	"strconv"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	bmssim "github.com/accountsync/accountsync-operator/internal/simulator/kaseyabms"
	vsasim "github.com/accountsync/accountsync-operator/internal/simulator/kaseyavsa"
)

// vsaOrgID returns the simulator id of the organization named name.
func vsaOrgID(vsa *vsasim.Server, name string) string {
	for _, o := range vsa.Orgs() {
		if o.Name == name {
			return o.ID
		}
	}
	Fail("no VSA org " + name)
	return ""
}

func bmsAccountID(bms *bmssim.Server, name string) string {
	for _, a := range bms.Accounts() {
		if a.AccountName == name {
			return strconv.FormatInt(a.ID, 10)
		}
	}
	Fail("no BMS account " + name)
	return ""
}

var _ = Describe("Rules users rely on", func() {
	var (
		ns  string
		vsa *vsasim.Server
		bms *bmssim.Server
	)
	BeforeEach(func() {
		ns = newNamespace()
		vf := vsaFixture(0)
		for _, n := range []string{"Acme Corp", "Globex", "Initech", "Umbrella"} {
			vf.Orgs = append(vf.Orgs, vsasim.Org{Name: n, Ref: fmt.Sprintf("ref%d", len(vf.Orgs))})
		}
		vsa = vsasim.New(vf)
		bf := bmsFixture()
		bf.Accounts = []bmssim.Account{{AccountName: "Acme Corp"}, {AccountName: "Globex"}, {AccountName: "Initech"}, {AccountName: "Umbrella"}, {AccountName: "Acme Corp Holdings"}}
		bms = bmssim.New(bf)
		connect(ns, "vsa", v1alpha1.ProviderKaseyaVSA, serve(vsa), vsaCreds)
		connect(ns, "bms", v1alpha1.ProviderKaseyaBMS, serve(bms), bmsCreds)
	})

	It("lets a manual mapping win over a generated one, and never touches the manual one", func() {
		sp := bmsPolicy(ns, "p", func(s *v1alpha1.SyncPolicySpec) { s.Mode = v1alpha1.ModeMatchOnly })
		syncedPolicy(ns, sp.Name, "")
		Eventually(func() map[v1alpha1.MappingState]int { return stateCounts(mappings(ns)) }).Should(HaveKeyWithValue(v1alpha1.StateOK, 4))

		// A person maps Acme to the Holdings account in Git.
		manual := &v1alpha1.AccountMapping{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "acme-manual"},
			Spec: v1alpha1.AccountMappingSpec{
				PolicyRef: v1alpha1.LocalObjectReference{Name: sp.Name},
				PSA:       v1alpha1.MappingPSA{AccountID: bmsAccountID(bms, "Acme Corp Holdings")},
				Tool:      v1alpha1.MappingTool{OrganizationID: vsaOrgID(vsa, "Acme Corp")},
				Location:  v1alpha1.LocationMapping{Mode: v1alpha1.LocationMain},
				Services:  v1alpha1.Services{Billing: true},
			},
		}
		Expect(k8s.Create(ctx, manual)).To(Succeed())
		generatedAcme := "p-org-" + vsaOrgID(vsa, "Acme Corp")
		Eventually(func() bool {
			err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: generatedAcme}, &v1alpha1.AccountMapping{})
			return client.IgnoreNotFound(err) == nil && err != nil
		}).Should(BeTrue(), "the generated mapping claiming the same organization is removed")
		Eventually(func(g Gomega) {
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(manual), manual)).To(Succeed())
			g.Expect(manual.Status.State).To(Equal(v1alpha1.StateOK), readyReasonOf(*manual))
			g.Expect(manual.Status.PSAAccount.Name).To(Equal("Acme Corp Holdings"))
		}).Should(Succeed())
		gen := manual.Generation
		req := syncNow(sp)
		syncedPolicy(ns, sp.Name, req)
		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(manual), manual)).To(Succeed())
		Expect(manual.Generation).To(Equal(gen), "no controller writes a manual mapping's spec")
		Expect(manual.OwnerReferences).To(BeEmpty())

		// A second manual mapping claiming the same account is the younger claimant: Conflict.
		second := manual.DeepCopy()
		second.ObjectMeta = metav1.ObjectMeta{Namespace: ns, Name: "acme-second"}
		second.Status = v1alpha1.AccountMappingStatus{}
		second.Spec.Tool.OrganizationID = vsaOrgID(vsa, "Umbrella")
		Expect(k8s.Create(ctx, second)).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(second), second)).To(Succeed())
			g.Expect(second.Status.State).To(Equal(v1alpha1.StateHasEvents))
			g.Expect(readyReasonOf(*second)).To(HavePrefix(v1alpha1.ReasonConflict))
		}).Should(Succeed())
		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(manual), manual)).To(Succeed())
		Expect(manual.Status.State).To(Equal(v1alpha1.StateOK), "the oldest mapping keeps the link")
	})

	It("brings a deleted generated mapping back at the next sync unless its ids are excluded", func() {
		sp := bmsPolicy(ns, "p", func(s *v1alpha1.SyncPolicySpec) { s.Mode = v1alpha1.ModeMatchOnly })
		syncedPolicy(ns, sp.Name, "")
		globex := "p-org-" + vsaOrgID(vsa, "Globex")
		initech := "p-org-" + vsaOrgID(vsa, "Initech")
		Eventually(func() int { return len(mappings(ns)) }).Should(Equal(4))
		for _, name := range []string{globex, initech} {
			Expect(k8s.Delete(ctx, &v1alpha1.AccountMapping{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}})).To(Succeed())
		}
		// Exclude Initech before the next sync.
		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(sp), sp)).To(Succeed())
		sp.Spec.Exclude.ToolOrganizationIDs = []string{vsaOrgID(vsa, "Initech")}
		Expect(k8s.Update(ctx, sp)).To(Succeed())
		Eventually(func(g Gomega) {
			latest := &v1alpha1.SyncPolicy{}
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(sp), latest)).To(Succeed())
			g.Expect(latest.Status.ObservedGeneration).To(Equal(latest.Generation))
			g.Expect(latest.Status.Counts.Excluded).To(Equal(int32(1)))
			names := map[string]bool{}
			for _, am := range mappings(ns) {
				names[am.Name] = true
			}
			g.Expect(names).To(HaveKey(globex), "re-created")
			g.Expect(names).NotTo(HaveKey(initech), "excluded")
		}).Should(Succeed())
		// Nothing is ever deleted in a vendor system.
		Expect(bms.Accounts()).To(HaveLen(5))
		Expect(vsa.Orgs()).To(HaveLen(4))
	})

	It("makes zero vendor writes and zero mappings in a dry run, and lists the plan", func() {
		vsa.AddOrg(vsasim.Org{Name: "Brand New Customer", Ref: "bnc"})
		bms.ResetCalls()
		vsa.ResetCalls()
		sp := bmsPolicy(ns, "preview", func(s *v1alpha1.SyncPolicySpec) {
			s.Mode = v1alpha1.ModeImport
			s.DryRun = true
		})
		got := syncedPolicy(ns, sp.Name, "")
		Expect(got.Status.Conditions).To(ContainElement(And(
			HaveField("Type", v1alpha1.ConditionSynced), HaveField("Reason", v1alpha1.ReasonDryRun))))
		Expect(got.Status.PlanTotal).To(Equal(int32(6)), "4 links, 1 account to create, 1 unmatched PSA account")
		Expect(got.Status.Plan).To(ContainElement(And(
			HaveField("Action", v1alpha1.ActionCreatePSAAccount), HaveField("Name", "Brand New Customer"))))
		Consistently(func() int { return len(mappings(ns)) }, "2s").Should(BeZero())
		for key, n := range bms.AllCalls() {
			Expect(key).To(Or(HavePrefix("GET "), HavePrefix("POST /security/")), "BMS call %s x%d", key, n)
		}
		for key := range vsa.AllCalls() {
			Expect(key).To(HavePrefix("GET "))
		}
		Expect(bms.Accounts()).To(HaveLen(5))
	})
})
