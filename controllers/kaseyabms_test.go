package controllers_test

import (
	"strconv"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	bmssim "github.com/accountsync/accountsync-operator/internal/simulator/kaseyabms"
	vsasim "github.com/accountsync/accountsync-operator/internal/simulator/kaseyavsa"
)

// policyReady waits for the policy's Ready condition with the given status and reason.
func policyReady(sp *v1alpha1.SyncPolicy, status metav1.ConditionStatus, reason string) metav1.Condition {
	var out metav1.Condition
	Eventually(func(g Gomega) {
		g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(sp), sp)).To(Succeed())
		c := meta.FindStatusCondition(sp.Status.Conditions, v1alpha1.ConditionReady)
		g.Expect(c).NotTo(BeNil())
		g.Expect(c.Status).To(Equal(status), c.Message)
		g.Expect(c.Reason).To(Equal(reason), c.Message)
		g.Expect(c.ObservedGeneration).To(Equal(sp.Generation))
		out = *c
	}).Should(Succeed())
	return out
}

var _ = Describe("Kaseya BMS seed: export and what a BMS policy must say", func() {
	It("exports BMS accounts of the filtered type to VSA once", func() {
		ns := newNamespace()
		vsa := vsasim.New(vsaFixture(1))
		bf := bmsFixture()
		bf.Accounts = []bmssim.Account{
			{AccountName: "Customer 001"}, // already in VSA: linked, not exported
			{AccountName: "Northwind Traders"}, {AccountName: "Contoso Dental"},
			{AccountName: "Fabrikam Prospect", AccountTypeID: 2},
			{AccountName: "Old Client", Inactive: true},
		}
		bms := bmssim.New(bf)
		connect(ns, "vsa", v1alpha1.ProviderKaseyaVSA, serve(vsa), vsaCreds)
		connect(ns, "bms", v1alpha1.ProviderKaseyaBMS, serve(bms), bmsCreds)
		sp := bmsPolicy(ns, "bms-to-vsa", func(s *v1alpha1.SyncPolicySpec) { s.Mode = v1alpha1.ModeExport })
		first := syncedPolicy(ns, sp.Name, "")
		Expect(first.Status.Counts.PSAAccounts).To(Equal(int32(3)), "Customers only, active only")
		orgNames := func() []string {
			var out []string
			for _, o := range vsa.Orgs() {
				out = append(out, o.Name)
			}
			return out
		}
		Eventually(orgNames).Should(ConsistOf("Customer 001", "Northwind Traders", "Contoso Dental"))
		Eventually(func() map[v1alpha1.MappingState]int { return stateCounts(mappings(ns)) }).
			Should(HaveKeyWithValue(v1alpha1.StateOK, 3))
		req := syncNow(sp)
		syncedPolicy(ns, sp.Name, req)
		Consistently(orgNames, "2s").Should(HaveLen(3), "a re-sync exports nothing twice")
		Expect(bms.Calls("POST /crm/accounts")).To(BeZero())
	})

	It("refuses account statuses and unresolvable create settings as InvalidSpec, naming the value and the choices", func() {
		ns := newNamespace()
		vsa := vsasim.New(vsaFixture(2))
		bms := bmssim.New(bmsFixture())
		connect(ns, "vsa", v1alpha1.ProviderKaseyaVSA, serve(vsa), vsaCreds)
		connect(ns, "bms", v1alpha1.ProviderKaseyaBMS, serve(bms), bmsCreds)

		statuses := bmsPolicy(ns, "statuses", func(s *v1alpha1.SyncPolicySpec) { s.PSA.Filter.Statuses = []string{"Active"} })
		c := policyReady(statuses, metav1.ConditionFalse, v1alpha1.ReasonInvalidSpec)
		Expect(c.Message).To(And(ContainSubstring("spec.psa.filter.statuses"), ContainSubstring("filter with spec.psa.filter.types and includeInactive")))

		manager := bmsPolicy(ns, "manager", func(s *v1alpha1.SyncPolicySpec) { s.Creation.KaseyaBMS.AccountManager = "Pat Nobody" })
		c = policyReady(manager, metav1.ConditionFalse, v1alpha1.ReasonInvalidSpec)
		Expect(c.Message).To(And(ContainSubstring(`spec.creation.kaseyaBMS.accountManager: "Pat Nobody"`),
			ContainSubstring("Dana Whitfield <dana@msp.example> (1)")))

		noType := bmsPolicy(ns, "no-type", func(s *v1alpha1.SyncPolicySpec) { s.PSA.Filter.Types = nil })
		c = policyReady(noType, metav1.ConditionFalse, v1alpha1.ReasonInvalidSpec)
		Expect(c.Message).To(ContainSubstring("spec.psa.filter.types"))

		// A policy that creates nothing in BMS needs none of them.
		matchOnly := policy(ns, "match-only", "bms", "vsa", func(s *v1alpha1.SyncPolicySpec) { s.Mode = v1alpha1.ModeMatchOnly })
		policyReady(matchOnly, metav1.ConditionTrue, "Valid")
		Expect(bms.Calls("POST /crm/accounts")).To(BeZero())
	})

	It("matches CyberQP end users to BMS contacts and creates the missing ones once", func() {
		ns := newNamespace()
		cqp := cqpUsersTool()
		bf := bmsFixture()
		bf.Accounts = []bmssim.Account{{ID: 701, AccountName: "Initrode"}}
		bf.Contacts = []bmssim.Contact{
			{AccountID: 701, FirstName: "Alice", LastName: "Anders", Email: "alice.anders@initrode.com"},
			{AccountID: 701, FirstName: "Bob", LastName: "Baker", Email: "bob@home.example", Phone: "+1 (555) 010-2000"},
		}
		bms := bmssim.New(bf)
		connect(ns, "cqp", v1alpha1.ProviderCyberQP, serve(cqp), cqpCreds)
		connect(ns, "bms", v1alpha1.ProviderKaseyaBMS, serve(bms), bmsCreds)
		sp := policy(ns, "cqp-bms", "bms", "cqp", func(s *v1alpha1.SyncPolicySpec) {
			s.Mode = v1alpha1.ModeMatchOnly
			s.Users = v1alpha1.UserSync{Enabled: true, CreateMissing: true, OnMultipleMatches: v1alpha1.MultipleFlag,
				MatchBy: []v1alpha1.UserMatchKey{v1alpha1.MatchByEmail, v1alpha1.MatchByPhone, v1alpha1.MatchByName}}
		})
		am := &v1alpha1.AccountMapping{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "initrode"},
			Spec: v1alpha1.AccountMappingSpec{
				PolicyRef: v1alpha1.LocalObjectReference{Name: sp.Name},
				PSA:       v1alpha1.MappingPSA{AccountID: "701"},
				Tool:      v1alpha1.MappingTool{OrganizationID: cqpCustomer},
				Location:  v1alpha1.LocationMapping{Mode: v1alpha1.LocationMain},
			},
		}
		Expect(k8s.Create(ctx, am)).To(Succeed())
		syncedPolicy(ns, sp.Name, "")
		Eventually(func(g Gomega) {
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(am), am)).To(Succeed())
			g.Expect(am.Status.Users).NotTo(BeNil(), readyReasonOf(*am))
			g.Expect(*am.Status.Users).To(Equal(v1alpha1.UserCounts{Matched: 4, Created: 2}), readyReasonOf(*am))
		}).Should(Succeed())
		contacts := bms.Contacts(701)
		Expect(contacts).To(HaveLen(4))
		byEmail := map[string]bmssim.Contact{}
		for _, c := range contacts {
			byEmail[c.Email] = c
		}
		Expect(byEmail["dan.dorsey@initrode.com"]).To(And(
			HaveField("FirstName", "Dan"), HaveField("LastName", "Dorsey"), HaveField("Phone", "555-777-1234"),
			HaveField("LocationID", bms.Locations(701)[0].ID)))
		Expect(byEmail).To(HaveKey("cchen@initrode.com"))
		links := map[string]string{}
		for _, l := range am.Status.UserLinks {
			links[l.ToolUserID] = l.PSAUserID
		}
		Expect(links).To(HaveKeyWithValue("qp-dan", strconv.FormatInt(byEmail["dan.dorsey@initrode.com"].ID, 10)))

		req := syncNow(sp)
		syncedPolicy(ns, sp.Name, req)
		Eventually(func(g Gomega) {
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(am), am)).To(Succeed())
			g.Expect(*am.Status.Users).To(Equal(v1alpha1.UserCounts{Matched: 4, Created: 2}))
		}).Should(Succeed())
		Expect(bms.Contacts(701)).To(HaveLen(4), "the created contacts are matched, not created again")
		Expect(bms.Calls("POST /crm/contacts/summary")).To(Equal(2))
	})
})
