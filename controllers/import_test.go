package controllers_test

import (
	"fmt"
	"strconv"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	bmssim "github.com/accountsync/accountsync-operator/internal/simulator/kaseyabms"
	vsasim "github.com/accountsync/accountsync-operator/internal/simulator/kaseyavsa"
)

func vsaFixture(orgs int) vsasim.Fixture {
	f := vsasim.Fixture{Username: "sync", Token: "vsa-pat-secret"}
	for i := 1; i <= orgs; i++ {
		f.Orgs = append(f.Orgs, vsasim.Org{Name: fmt.Sprintf("Customer %03d", i), Ref: fmt.Sprintf("cust%03d", i)})
	}
	return f
}

func bmsFixture() bmssim.Fixture {
	return bmssim.Fixture{Credentials: []bmssim.Credential{{Username: "api@msp", Password: "bms-password-secret", Tenant: "MSP"}}}
}

// bmsPolicy is policy() for a Kaseya BMS PSA: what a BMS create needs (the account type is the
// first filter type), then mutate.
func bmsPolicy(ns, name string, mutate func(*v1alpha1.SyncPolicySpec)) *v1alpha1.SyncPolicy {
	return policy(ns, name, "bms", "vsa", withBMSCreation(mutate))
}

// withBMSCreation gives a policy what a Kaseya BMS create needs (an account type, the
// creation.kaseyaBMS settings of the fixture), then applies mutate.
func withBMSCreation(mutate func(*v1alpha1.SyncPolicySpec)) func(*v1alpha1.SyncPolicySpec) {
	return func(s *v1alpha1.SyncPolicySpec) {
		s.PSA.Filter.Types = []string{"Customer"}
		s.Creation.KaseyaBMS = &v1alpha1.KaseyaBMSCreation{AccountManager: "Dana Whitfield", BusinessType: "1", AssetCategory: "1"}
		if mutate != nil {
			mutate(s)
		}
	}
}

var vsaCreds = map[string]string{"username": "sync", "token": "vsa-pat-secret"}
var bmsCreds = map[string]string{"username": "api@msp", "password": "bms-password-secret", "tenant": "MSP"}

var _ = Describe("Kaseya BMS seed: VSA organizations imported as BMS accounts", func() {
	It("matches by normalised name, creates the rest at most 100 per sync, and never duplicates", func() {
		ns := newNamespace()
		vf := vsaFixture(150)
		vf.Orgs[0].Name = "ACME CORP."
		vsa := vsasim.New(vf)
		bf := bmsFixture()
		bf.Accounts = []bmssim.Account{{AccountName: "Acme Corp"}, {AccountName: "Unrelated Prospect LLC"}}
		bms := bmssim.New(bf)
		connect(ns, "vsa", v1alpha1.ProviderKaseyaVSA, serve(vsa), vsaCreds)
		connect(ns, "bms", v1alpha1.ProviderKaseyaBMS, serve(bms), bmsCreds)
		sp := bmsPolicy(ns, "vsa-to-bms", func(s *v1alpha1.SyncPolicySpec) {
			s.Creation.BatchSize = 100
		})

		first := syncedPolicy(ns, sp.Name, "")
		Expect(first.Status.Counts.ToolOrganizations).To(Equal(int32(150)))
		Expect(first.Status.Counts.PSAAccounts).To(Equal(int32(2)))
		Expect(first.Status.Counts.Mapped).To(Equal(int32(1)), "ACME CORP. ~ Acme Corp")
		Expect(first.Status.Counts.PendingCreate).To(Equal(int32(149)))
		ams := mappings(ns)
		Expect(ams).To(HaveLen(101), "one link and exactly one batch of 100 creations")
		acmeID := strconv.FormatInt(bf.Accounts[0].ID, 10)
		if acmeID == "0" {
			acmeID = strconv.FormatInt(bms.Accounts()[0].ID, 10)
		}
		creates := 0
		for _, am := range ams {
			// A create mapping may already have converged to the id it created.
			if am.Spec.PSA.AccountID != acmeID {
				creates++
			}
		}
		Expect(creates).To(Equal(100))

		// The mapping controller creates the 100 accounts.
		Eventually(func() int { return len(bms.Accounts()) }).Should(Equal(102))
		Eventually(func() map[v1alpha1.MappingState]int { return stateCounts(mappings(ns)) }).
			Should(HaveKeyWithValue(v1alpha1.StateOK, 101))

		// The next sync hands out the remaining 49.
		Eventually(func() int32 { return syncedPolicy(ns, sp.Name, "").Status.Counts.Created }).Should(Equal(int32(100)),
			"the records created by the first sync")
		req := syncNow(sp)
		syncedPolicy(ns, sp.Name, req)
		Eventually(func() int { return len(bms.Accounts()) }).Should(Equal(151))
		Eventually(func() int32 { return syncedPolicy(ns, sp.Name, req).Status.Counts.Created }).Should(Equal(int32(49)),
			"the records created by the second sync")
		Eventually(func() map[v1alpha1.MappingState]int { return stateCounts(mappings(ns)) }).
			Should(HaveKeyWithValue(v1alpha1.StateOK, 150))

		var names []string
		for _, a := range bms.Accounts() {
			names = append(names, a.AccountName)
		}
		Expect(duplicates(names)).To(BeEmpty())
		// Generated mappings converge to the created ids.
		Eventually(func(g Gomega) {
			for _, am := range mappings(ns) {
				g.Expect(am.Spec.PSA.Create).To(BeFalse(), am.Name)
				_, err := strconv.Atoi(am.Spec.PSA.AccountID)
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(am.Labels).To(HaveKeyWithValue(v1alpha1.PolicyLabel, sp.Name))
			}
		}).Should(Succeed())
		req = syncNow(sp)
		third := syncedPolicy(ns, sp.Name, req)
		Expect(third.Status.Counts.Mapped).To(Equal(int32(150)))
		Expect(third.Status.Counts.PendingCreate).To(BeZero())
	})
})
