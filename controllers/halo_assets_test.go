package controllers_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	halosim "github.com/accountsync/accountsync-operator/internal/simulator/halopsa"
	vsasim "github.com/accountsync/accountsync-operator/internal/simulator/kaseyavsa"
)

var _ = Describe("HaloPSA assets", func() {
	It("needs a known asset type from the policy, files assets under it and reuses an inactive site of the same name", func() {
		ns := newNamespace()
		vsa := vsasim.New(vsaFixture(0))
		org := vsa.AddOrg(vsasim.Org{Name: "Acme Corp", Ref: "acme"})
		hq := vsa.AddMachineGroup(vsasim.MachineGroup{Name: "hq", OrgID: org.ID})
		for _, m := range []string{"acme-pc1", "acme-pc2"} {
			vsa.AddAgent(vsasim.Agent{ComputerName: m, OrgID: org.ID, MachineGroupID: hq.ID, OperatingSystem: "Windows 11"})
		}
		hf := haloFixture()
		hf.AssetTypes = []halosim.AssetType{{ID: 7, Name: "Workstation"}, {ID: 8, Name: "Server"}}
		hf.Clients = []halosim.Client{{ID: 10, Name: "Acme Corp", TopLevelID: 1, MainSiteID: 100}}
		// Someone deactivated the "hq" site; Halo allows a second one of that name, which must
		// not be made.
		hf.Sites = []halosim.Site{{ID: 100, Name: "Main", ClientID: 10}, {ID: 101, Name: "hq", ClientID: 10, Inactive: true}}
		halo := halosim.New(hf)
		connect(ns, "vsa", v1alpha1.ProviderKaseyaVSA, serve(vsa), vsaCreds)
		connect(ns, "halo", v1alpha1.ProviderHaloPSA, serve(halo), haloCreds)
		sp := policy(ns, "halo-assets", "halo", "vsa", func(s *v1alpha1.SyncPolicySpec) {
			s.Mode = v1alpha1.ModeMatchOnly
			s.Assets.Enabled = true
			s.Exclude.ToolOrganizationIDs = []string{org.ID} // linked by the manual mapping below
		})
		Expect(k8s.Create(ctx, &v1alpha1.AccountMapping{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "acme"},
			Spec: v1alpha1.AccountMappingSpec{
				PolicyRef: v1alpha1.LocalObjectReference{Name: sp.Name},
				PSA:       v1alpha1.MappingPSA{AccountID: "10"},
				Tool:      v1alpha1.MappingTool{OrganizationID: org.ID},
				Location:  v1alpha1.LocationMapping{Mode: v1alpha1.LocationGroupID},
			},
		})).To(Succeed())

		readyMessage := func(g Gomega) string {
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(sp), sp)).To(Succeed())
			c := meta.FindStatusCondition(sp.Status.Conditions, v1alpha1.ConditionReady)
			g.Expect(c).NotTo(BeNil())
			g.Expect(c.ObservedGeneration).To(Equal(sp.Generation))
			if c.Status == metav1.ConditionTrue {
				return ""
			}
			g.Expect(c.Reason).To(Equal(v1alpha1.ReasonInvalidSpec))
			return c.Message
		}
		setAssetType := func(v string) {
			Expect(k8s.Get(ctx, client.ObjectKeyFromObject(sp), sp)).To(Succeed())
			patch := client.MergeFrom(sp.DeepCopy())
			sp.Spec.Creation.HaloPSA = &v1alpha1.HaloPSACreation{AssetType: v}
			Expect(k8s.Patch(ctx, sp, patch)).To(Succeed())
		}

		// No asset type: Halo would refuse every asset, so the policy is not valid.
		Eventually(readyMessage).Should(And(ContainSubstring("spec.creation.haloPSA.assetType is required"),
			ContainSubstring("available: Server, Workstation")))
		setAssetType("Laptop")
		Eventually(readyMessage).Should(And(ContainSubstring(`"Laptop" does not exist`),
			ContainSubstring("available: Server, Workstation")))
		Expect(halo.Calls("POST /api/Asset")).To(BeZero())

		setAssetType("workstation")
		Eventually(readyMessage).Should(BeEmpty())
		Eventually(func(g Gomega) {
			am := &v1alpha1.AccountMapping{}
			g.Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "acme"}, am)).To(Succeed())
			g.Expect(am.Status.State).To(Equal(v1alpha1.StateOK), readyReasonOf(*am))
			g.Expect(am.Status.Assets).To(Equal(&v1alpha1.AssetCounts{Total: 2, Created: 2, Unchanged: 2}))
		}).WithTimeout(seedTimeout).Should(Succeed(), seedStuck)
		assets := halo.Assets()
		Expect(assets).To(HaveLen(2))
		for _, a := range assets {
			Expect(a.AssetTypeID).To(Equal(7), a.InventoryNumber)
			Expect(a.SiteID).To(Equal(101), "%s: the inactive namesake site is found, not created again", a.InventoryNumber)
		}
		Expect(halo.Calls("POST /api/Site")).To(BeZero())

		// The next sync finds both assets by their agent id: nothing is created again.
		listsBefore := halo.Calls("GET /api/Asset")
		req := syncNow(sp)
		syncedPolicy(ns, sp.Name, req)
		Eventually(func() int { return halo.Calls("GET /api/Asset") }).WithTimeout(seedTimeout).Should(BeNumerically(">", listsBefore),
			"the mapping listed its assets again after the sync")
		Consistently(func() int { return halo.Calls("POST /api/Asset") }, time.Second, 100*time.Millisecond).Should(Equal(2))
		am := &v1alpha1.AccountMapping{}
		Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "acme"}, am)).To(Succeed())
		Expect(am.Status.Assets).To(Equal(&v1alpha1.AssetCounts{Total: 2, Created: 2, Unchanged: 2}), "state, not the last sync's deltas")
		Expect(halo.Assets()).To(HaveLen(2))
	})
})
