package controllers_test

import (
	"slices"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	halosim "github.com/accountsync/accountsync-operator/internal/simulator/halopsa"
	vsasim "github.com/accountsync/accountsync-operator/internal/simulator/kaseyavsa"
)

// haloPlacement maps each Halo asset of a client (by name) to its site's name.
func haloPlacement(halo *halosim.Server, clientID int) map[string]string {
	sites := map[int]string{}
	for _, s := range halo.SitesOf(clientID) {
		sites[s.ID] = s.Name
	}
	out := map[string]string{}
	for _, a := range halo.Assets() {
		if a.ClientID == clientID {
			out[a.InventoryNumber] = sites[a.SiteID]
		}
	}
	return out
}

// The policy reads the PSA once per sync and hands it to the mappings: changes on either side
// are still seen and repaired at the next sync.
var _ = Describe("Repairs with the policy's per-sync reading", func() {
	It("follows a renamed agent into its new group and re-creates a Group Id site someone deleted", func() {
		ns := newNamespace()
		vsa := vsasim.New(vsaFixture(0))
		org := vsa.AddOrg(vsasim.Org{Name: "Acme Corp", Ref: "acme"})
		hq := vsa.AddMachineGroup(vsasim.MachineGroup{Name: "hq", OrgID: org.ID})
		lab := vsa.AddMachineGroup(vsasim.MachineGroup{Name: "lab", OrgID: org.ID})
		pc1 := vsa.AddAgent(vsasim.Agent{ComputerName: "acme-pc1", OrgID: org.ID, MachineGroupID: hq.ID, OperatingSystem: "Windows 11"})
		vsa.AddAgent(vsasim.Agent{ComputerName: "acme-pc2", OrgID: org.ID, MachineGroupID: hq.ID, OperatingSystem: "Windows 11"})
		vsa.AddAgent(vsasim.Agent{ComputerName: "acme-lab1", OrgID: org.ID, MachineGroupID: lab.ID, OperatingSystem: "Windows 11"})
		hf := haloFixture()
		hf.AssetTypes = []halosim.AssetType{{ID: 7, Name: "Workstation"}}
		hf.Clients = []halosim.Client{{ID: 10, Name: "Acme Corp", TopLevelID: 1, MainSiteID: 100}}
		hf.Sites = []halosim.Site{{ID: 100, Name: "Main", ClientID: 10}}
		halo := halosim.New(hf)
		connect(ns, "vsa", v1alpha1.ProviderKaseyaVSA, serve(vsa), vsaCreds)
		connect(ns, "halo", v1alpha1.ProviderHaloPSA, serve(halo), haloCreds)
		sp := policy(ns, "repairs", "halo", "vsa", func(s *v1alpha1.SyncPolicySpec) {
			s.Mode = v1alpha1.ModeMatchOnly
			s.Assets.Enabled = true
			s.Creation.HaloPSA = &v1alpha1.HaloPSACreation{AssetType: "Workstation"}
			s.MappingDefaults.Location = v1alpha1.LocationMapping{Mode: v1alpha1.LocationGroupID}
		})
		syncedPolicy(ns, sp.Name, "")
		Eventually(func() map[string]string { return haloPlacement(halo, 10) }).Should(Equal(map[string]string{
			"acme-pc1": "hq", "acme-pc2": "hq", "acme-lab1": "lab"}))
		Eventually(func() map[v1alpha1.MappingState]int { return stateCounts(mappings(ns)) }).
			Should(Equal(map[v1alpha1.MappingState]int{v1alpha1.StateOK: 1}))

		// A technician renames pc1 and moves it to the lab; someone deletes the hq site in Halo
		// (its assets fall back to the main site).
		Expect(vsa.EditAgent(pc1.ID, func(a *vsasim.Agent) { a.ComputerName = "acme-pc1b"; a.MachineGroupID = lab.ID })).To(Succeed())
		for _, s := range halo.SitesOf(10) {
			if s.Name == "hq" {
				Expect(halo.DeleteSite(s.ID)).To(Succeed())
			}
		}
		Expect(haloPlacement(halo, 10)).To(HaveKeyWithValue("acme-pc2", "Main"))
		req := syncNow(sp)
		syncedPolicy(ns, sp.Name, req)
		Eventually(func() map[string]string { return haloPlacement(halo, 10) }).Should(Equal(map[string]string{
			"acme-pc1b": "lab", "acme-pc2": "hq", "acme-lab1": "lab"}), "renamed and moved; hq re-created for pc2")
		Expect(halo.Assets()).To(HaveLen(3), "nothing created twice")
		var names []string
		for _, s := range halo.SitesOf(10) {
			names = append(names, s.Name)
		}
		slices.Sort(names)
		Expect(names).To(Equal([]string{"Main", "hq", "lab"}))
		Eventually(func(g Gomega) {
			am := mappings(ns)[0]
			g.Expect(am.Status.Assets).NotTo(BeNil())
			// State, not the last sync's deltas: 3 created by the first sync, 2 updated by the
			// repair, all 3 matching the tool now.
			g.Expect(*am.Status.Assets).To(Equal(v1alpha1.AssetCounts{Total: 3, Created: 3, Updated: 2, Unchanged: 3}))
			g.Expect(readyReasonOf(am)).To(ContainSubstring("Linked"))
		}).Should(Succeed())
	})
})
