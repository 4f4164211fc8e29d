package controllers_test

import (
	"strconv"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	bmssim "github.com/accountsync/accountsync-operator/internal/simulator/kaseyabms"
	vsasim "github.com/accountsync/accountsync-operator/internal/simulator/kaseyavsa"
)

// assetPlacement maps each BMS asset (by name) of an account to its location's name.
func assetPlacement(bms *bmssim.Server, accountID int64) map[string]string {
	locs := map[int64]string{}
	for _, l := range bms.Locations(accountID) {
		locs[l.ID] = l.LocationName
	}
	out := map[string]string{}
	for _, a := range bms.Assets(accountID) {
		out[a.Name] = locs[a.LocationID]
	}
	return out
}

func locationNames(bms *bmssim.Server, accountID int64) []string {
	var out []string
	for _, l := range bms.Locations(accountID) {
		out = append(out, l.LocationName)
	}
	return out
}

func mappingNamed(ns, name string) func(Gomega) v1alpha1.AccountMapping {
	return func(g Gomega) v1alpha1.AccountMapping {
		am := &v1alpha1.AccountMapping{}
		g.Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, am)).To(Succeed())
		return *am
	}
}

var _ = Describe("Kaseya BMS seed: asset location mapping", func() {
	It("places assets by Main, Group Id and Custom, reports what v2 cannot do, and never duplicates an asset", func() {
		ns := newNamespace()
		vsa := vsasim.New(vsaFixture(0))
		agents := func(orgName string, groups map[string][]string) string {
			org := vsa.AddOrg(vsasim.Org{Name: orgName, Ref: strconv.Itoa(len(vsa.Orgs()) + 1)})
			for group, machines := range groups {
				g := vsa.AddMachineGroup(vsasim.MachineGroup{Name: group, OrgID: org.ID})
				for _, m := range machines {
					vsa.AddAgent(vsasim.Agent{ComputerName: m, OrgID: org.ID, MachineGroupID: g.ID, OperatingSystem: "Windows 11", IPAddress: "10.0.0.1"})
				}
			}
			return org.ID
		}
		acmeOrg := agents("Acme Corp", map[string][]string{"hq": {"acme-pc1", "acme-pc2"}, "warehouse": {"acme-wh1"}})
		globexOrg := agents("Globex", map[string][]string{"hq": {"globex-pc1"}, "shop": {"globex-till"}})
		initechOrg := agents("Initech", map[string][]string{"floor2": {"initech-1"}})

		bf := bmsFixture()
		bf.Accounts = []bmssim.Account{{ID: 501, AccountName: "Acme Corp"}, {ID: 502, AccountName: "Globex"}, {ID: 503, AccountName: "Initech"}}
		bf.Locations = []bmssim.Location{
			{ID: 601, AccountID: 501, LocationName: "Main", IsMain: true},
			{ID: 605, AccountID: 501, LocationName: "HQ"},
			{ID: 602, AccountID: 502, LocationName: "Main", IsMain: true},
			{ID: 603, AccountID: 502, LocationName: "Headquarters"},
			{ID: 604, AccountID: 503, LocationName: "Main Office", IsMain: true},
		}
		bms := bmssim.New(bf)
		connect(ns, "vsa", v1alpha1.ProviderKaseyaVSA, serve(vsa), vsaCreds)
		connect(ns, "bms", v1alpha1.ProviderKaseyaBMS, serve(bms), bmsCreds)
		sp := bmsPolicy(ns, "assets", func(s *v1alpha1.SyncPolicySpec) {
			s.Mode = v1alpha1.ModeMatchOnly
			s.Assets.Enabled = true
			s.Exclude.ToolOrganizationIDs = []string{acmeOrg, globexOrg, initechOrg} // linked by the manual mappings below
		})
		manual := func(name, org, account string, loc v1alpha1.LocationMapping) {
			Expect(k8s.Create(ctx, &v1alpha1.AccountMapping{
				ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
				Spec: v1alpha1.AccountMappingSpec{
					PolicyRef: v1alpha1.LocalObjectReference{Name: sp.Name},
					PSA:       v1alpha1.MappingPSA{AccountID: account},
					Tool:      v1alpha1.MappingTool{OrganizationID: org},
					Location:  loc,
				},
			})).To(Succeed())
		}
		manual("acme", acmeOrg, "501", v1alpha1.LocationMapping{Mode: v1alpha1.LocationGroupID})
		manual("globex", globexOrg, "502", v1alpha1.LocationMapping{Mode: v1alpha1.LocationCustom, Custom: []v1alpha1.CustomLocation{
			{MachineGroup: "hq", Location: "Headquarters", Department: "Engineering"},
		}})
		manual("initech", initechOrg, "503", v1alpha1.LocationMapping{Mode: v1alpha1.LocationMain})
		syncedPolicy(ns, sp.Name, "")

		Eventually(func() map[string]string { return assetPlacement(bms, 501) }).Should(Equal(map[string]string{
			"acme-pc1": "HQ", "acme-pc2": "HQ",
		}), "Group Id: assets at the existing location named after their machine group")
		Expect(locationNames(bms, 501)).To(ConsistOf("Main", "HQ"), "v2 cannot add a location to an existing account")
		Eventually(func(g Gomega) {
			am := mappingNamed(ns, "acme")(g)
			g.Expect(am.Status.State).To(Equal(v1alpha1.StateHasEvents))
			// State: three assets, one failing now, two matching the tool; two created so far.
			g.Expect(am.Status.Assets).To(Equal(&v1alpha1.AssetCounts{Total: 3, Created: 2, Unchanged: 2, Failed: 1}))
			g.Expect(readyReasonOf(am)).To(And(ContainSubstring(`"warehouse"`), ContainSubstring("only inside an account create")))
		}).Should(Succeed())
		Eventually(func() map[string]string { return assetPlacement(bms, 502) }).Should(Equal(map[string]string{
			"globex-pc1": "Headquarters", "globex-till": "Main",
		}), "Custom: listed group at its location, unlisted group at the main location")
		Eventually(func(g Gomega) {
			g.Expect(readyReasonOf(mappingNamed(ns, "globex")(g))).To(ContainSubstring(`names department "Engineering", but this PSA has no departments`))
		}).Should(Succeed())
		Eventually(func() map[string]string { return assetPlacement(bms, 503) }).Should(Equal(map[string]string{
			"initech-1": "Main Office",
		}), "Main: the account's main location")
		for _, a := range bms.Assets(503) {
			Expect(a.CategoryID).To(Equal(int64(1)), "the policy's asset category (Workstation)")
		}

		// A person adds the missing location in BMS and moves an asset by hand.
		_, err := bms.AddLocation(bmssim.Location{AccountID: 501, LocationName: "Warehouse"})
		Expect(err).NotTo(HaveOccurred())
		for _, a := range bms.Assets(503) {
			Expect(bms.EditAsset(a.ID, func(x *bmssim.Asset) { x.LocationID = 0 })).To(Succeed())
		}
		req := syncNow(sp)
		syncedPolicy(ns, sp.Name, req)
		Eventually(func() map[string]string { return assetPlacement(bms, 501) }).Should(Equal(map[string]string{
			"acme-pc1": "HQ", "acme-pc2": "HQ", "acme-wh1": "Warehouse",
		}))
		Eventually(func(g Gomega) {
			am := mappingNamed(ns, "acme")(g)
			g.Expect(am.Status.State).To(Equal(v1alpha1.StateOK), readyReasonOf(am))
			g.Expect(am.Status.Assets).To(Equal(&v1alpha1.AssetCounts{Total: 3, Created: 3, Unchanged: 3}))
		}).Should(Succeed())
		Eventually(func() map[string]string { return assetPlacement(bms, 503) }).Should(HaveKeyWithValue("initech-1", "Main Office"),
			"the mapping puts a moved asset back")
		// Assets are keyed by the agent id kept in AssetTag: a re-sync creates nothing twice.
		Expect(bms.Assets(501)).To(HaveLen(3))
		Expect(bms.Assets(502)).To(HaveLen(2))
		Expect(bms.Assets(503)).To(HaveLen(1))
	})
})
