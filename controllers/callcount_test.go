package controllers_test

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	bmssim "github.com/accountsync/accountsync-operator/internal/simulator/kaseyabms"
	vsasim "github.com/accountsync/accountsync-operator/internal/simulator/kaseyavsa"
)

// The PSA side of a sync is read once per sync, connection-wide: the calls do not grow with
// the number of mappings, and an unchanged re-sync makes only its listings. A return to
// per-mapping reads (locations/lookup, searchselect?Filter.AccountId, a detail per asset)
// changes these counts.
var _ = Describe("Vendor calls per sync", func() {
	It("reads BMS assets and locations once per sync, whatever the number of mappings, and only lists on an unchanged re-sync", func() {
		ns := newNamespace()
		vsa := vsasim.New(vsaFixture(0))
		bf := bmsFixture()
		for i := 1; i <= 3; i++ {
			org := vsa.AddOrg(vsasim.Org{Name: fmt.Sprintf("Client %d", i), Ref: fmt.Sprintf("c%d", i)})
			g := vsa.AddMachineGroup(vsasim.MachineGroup{Name: "hq", OrgID: org.ID})
			for j := 1; j <= 2; j++ {
				vsa.AddAgent(vsasim.Agent{ComputerName: fmt.Sprintf("c%d-pc%d", i, j), OrgID: org.ID, MachineGroupID: g.ID,
					OperatingSystem: "Windows 11", IPAddress: "10.0.0.1"})
			}
			bf.Accounts = append(bf.Accounts, bmssim.Account{ID: int64(800 + i), AccountName: fmt.Sprintf("Client %d", i), AccountTypeID: 1})
		}
		bms := bmssim.New(bf)
		connect(ns, "vsa", v1alpha1.ProviderKaseyaVSA, serve(vsa), vsaCreds)
		connect(ns, "bms", v1alpha1.ProviderKaseyaBMS, serve(bms), bmsCreds)
		bms.ResetCalls() // the probes (and the login they share with the sync) are not the sync's
		sp := bmsPolicy(ns, "calls", func(s *v1alpha1.SyncPolicySpec) {
			s.Mode = v1alpha1.ModeMatchOnly
			s.Assets.Enabled = true
		})
		syncedPolicy(ns, sp.Name, "")
		Eventually(func() map[v1alpha1.MappingState]int { return stateCounts(mappings(ns)) }).
			Should(HaveKeyWithValue(v1alpha1.StateOK, 3))
		Eventually(func() int { return bms.Calls("POST /servicedesk/hardwareasset") }).Should(Equal(6))
		Consistently(bms.AllCalls, "2s").Should(Equal(map[string]int{
			"GET /system/accounttypes/lookup":             1, // spec.psa.filter.types
			"GET /hr/employees/searchselect":              1, // creation.kaseyaBMS.accountManager
			"GET /crm/accounts/summary":                   1, // the policy's accounts, with their locations
			"GET /servicedesk/hardwareasset/searchselect": 1, // every asset: none yet, one empty page
			"POST /servicedesk/hardwareasset":             6, // the creates, nothing else per mapping
		}), "first sync: listings once, then the creates")

		bms.ResetCalls()
		req := syncNow(sp)
		syncedPolicy(ns, sp.Name, req)
		Consistently(bms.AllCalls, "2s").Should(Equal(map[string]int{
			"GET /system/accounttypes/lookup":             1,
			"GET /hr/employees/searchselect":              1,
			"GET /crm/accounts/summary":                   1,
			"GET /servicedesk/hardwareasset/searchselect": 2, // 6 rows, then the empty page that ends a listing without TotalRecords
		}), "unchanged re-sync: the listings only; no asset detail (all known), no write")
		for i := 1; i <= 3; i++ {
			Expect(bms.Assets(int64(800 + i))).To(HaveLen(2))
		}
	})
})
