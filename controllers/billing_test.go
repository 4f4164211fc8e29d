package controllers_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	cwsim "github.com/accountsync/accountsync-operator/internal/simulator/connectwise"
	gzsim "github.com/accountsync/accountsync-operator/internal/simulator/gravityzone"
	halosim "github.com/accountsync/accountsync-operator/internal/simulator/halopsa"
	bmssim "github.com/accountsync/accountsync-operator/internal/simulator/kaseyabms"
	vsasim "github.com/accountsync/accountsync-operator/internal/simulator/kaseyavsa"
	"github.com/accountsync/accountsync-operator/internal/simulator/simkit"
)

// billingMapping returns the mapping of the PSA account, once it is linked.
func billingMapping(ns, accountID string) v1alpha1.AccountMapping {
	var out v1alpha1.AccountMapping
	Eventually(func(g Gomega) {
		found := false
		for _, am := range mappings(ns) {
			if am.Status.PSAAccount != nil && am.Status.PSAAccount.ID == accountID {
				out, found = am, true
			}
		}
		g.Expect(found).To(BeTrue(), "no mapping linked to account %s", accountID)
	}).Should(Succeed())
	return out
}

// billed waits until the mapping of the account has a Billing condition with reason, and
// returns it.
func billed(ns, accountID, reason string) v1alpha1.AccountMapping {
	var out v1alpha1.AccountMapping
	Eventually(func(g Gomega) {
		out = billingMapping(ns, accountID)
		c := meta.FindStatusCondition(out.Status.Conditions, v1alpha1.ConditionBilling)
		g.Expect(c).NotTo(BeNil(), "%s has no Billing condition", out.Name)
		g.Expect(c.Reason).To(Equal(reason), c.Message)
		g.Expect(c.ObservedGeneration).To(Equal(out.Generation))
	}).Should(Succeed())
	return out
}

func billingSpec(usage v1alpha1.BillingUsage, whenMissing v1alpha1.LineMissingPolicy) *v1alpha1.BillingService {
	return &v1alpha1.BillingService{Usage: usage, PSAItem: "AV-SEAT", WhenLineMissing: whenMissing, Interval: "1h",
		Counter: "endpointMonthlyUsage", Month: v1alpha1.MonthCurrent}
}

// additionQuantity is the quantity of the agreement's addition of item (0 when none).
func additionQuantity(cw *cwsim.Server, agreementID int, item string) float64 {
	qty, _ := additions(cw, agreementID, item)
	return qty
}

// additions returns the quantity of the agreement's last addition of item and how many there are.
func additions(cw *cwsim.Server, agreementID int, item string) (qty float64, n int) {
	for _, a := range cw.Additions() {
		if a.AgreementID == agreementID && a.Product != nil && a.Product.Identifier == item {
			qty, n = a.Quantity, n+1
		}
	}
	return qty, n
}

// additionCount is the number of AV-SEAT additions of the agreement.
func additionCount(cw *cwsim.Server, agreementID int) int {
	_, n := additions(cw, agreementID, "AV-SEAT")
	return n
}

// vsaBillingWorld: three VSA organizations with agents (suspended and never-seen ones among
// them) and three ConnectWise companies of the same names, each with an active agreement:
// Acme's holds AV-SEAT at 1 (usage 3), Globex's at 2 (usage 2), Initech's has no AV-SEAT line.
func vsaBillingWorld(ns string) (*vsasim.Server, *cwsim.Server) {
	vsa := vsasim.New(vsaFixture(0))
	orgs := map[string]string{}
	for _, name := range []string{"Acme", "Globex", "Initech"} {
		orgs[name] = vsa.AddOrg(vsasim.Org{Name: name, Ref: strings.ToLower(name)}).ID
	}
	agents := map[string][]int{"Acme": {1, 0, 12, 198, 199}, "Globex": {1, 1}, "Initech": {1, 0, 1, 1}}
	for org, states := range agents {
		for i, online := range states {
			vsa.AddAgent(vsasim.Agent{ComputerName: fmt.Sprintf("%s-%02d", org, i), OrgID: orgs[org], Online: online})
		}
	}
	f := cwFixture([]cwSeedCompany{{name: "Acme", status: cwActive, types: []int{cwClient}},
		{name: "Globex", status: cwActive, types: []int{cwClient}}, {name: "Initech", status: cwActive, types: []int{cwClient}}})
	f.Agreements = []cwsim.Agreement{
		{ID: 17, Name: "Acme MSA", Company: &cwsim.Ref{ID: 300}},
		{ID: 18, Name: "Globex MSA", Company: &cwsim.Ref{ID: 301}},
		{ID: 19, Name: "Initech MSA", Company: &cwsim.Ref{ID: 302}},
	}
	f.Additions = []cwsim.Addition{
		{ID: 301, AgreementID: 17, Product: &cwsim.Ref{Identifier: "AV-SEAT"}, Quantity: 1},
		{ID: 302, AgreementID: 18, Product: &cwsim.Ref{Identifier: "AV-SEAT"}, Quantity: 2},
	}
	cw := cwsim.New(f)
	connect(ns, "vsa", v1alpha1.ProviderKaseyaVSA, serve(vsa), vsaCreds)
	connect(ns, "cw", v1alpha1.ProviderConnectWisePSA, serve(cw), cwCreds)
	return vsa, cw
}

var _ = Describe("Billing service", func() {
	It("pushes VSA agent counts to ConnectWise agreement additions, quietly once they agree, and adds a missing line once", func() {
		ns := newNamespace()
		_, cw := vsaBillingWorld(ns)
		sp := policy(ns, "vsa-cw", "cw", "vsa", func(s *v1alpha1.SyncPolicySpec) {
			s.Mode = v1alpha1.ModeMatchOnly
			s.Services.Billing = billingSpec(v1alpha1.UsageAgents, v1alpha1.LineMissingReport)
			s.MappingDefaults.Services = v1alpha1.Services{Billing: true}
		})

		acme := billed(ns, "300", v1alpha1.ReasonBillingSynced)
		Expect(acme.Status.State).To(Equal(v1alpha1.StateOK))
		b := acme.Status.Services.Billing
		Expect(*b.Usage).To(Equal(int64(3)), "suspended and never-checked-in agents are not counted")
		Expect(*b.Quantity).To(Equal(int64(3)))
		Expect(b.Line).To(Equal("agreement 17, addition 301 (AV-SEAT)"))
		Expect(b.LastPushTime).NotTo(BeNil())
		Expect(additionQuantity(cw, 17, "AV-SEAT")).To(Equal(float64(3)))

		globex := billed(ns, "301", v1alpha1.ReasonBillingSynced)
		Expect(globex.Status.Services.Billing.LastPushTime).To(BeNil(), "an equal quantity is not written")
		Expect(cw.Calls("PATCH /finance/agreements/{id}/additions/{id}")).To(Equal(1), "only Acme's quantity differed")

		initech := billed(ns, "302", v1alpha1.ReasonBillingLineMissing)
		Expect(initech.Status.State).To(Equal(v1alpha1.StateHasEvents))
		Expect(initech.Status.Services.Billing.Message).To(ContainSubstring(`product identifier "AV-SEAT"`))
		Expect(initech.Status.PSAAccount).NotTo(BeNil(), "a missing line keeps the link")
		Expect(initech.Status.RecentEvents).NotTo(BeEmpty())
		Expect(initech.Status.RecentEvents[0].Reason).To(Equal(v1alpha1.ReasonBillingLineMissing))

		Eventually(func(g Gomega) {
			g.Expect(k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: sp.Name}, sp)).To(Succeed())
			g.Expect(sp.Status.Services).NotTo(BeNil())
			run := sp.Status.Services.Billing
			g.Expect(run).NotTo(BeNil())
			g.Expect(run.Mappings).To(Equal(int32(3)))
			g.Expect(run.Changed).To(Equal(int32(1)))
			g.Expect(run.NextRunTime).NotTo(BeNil())
		}).Should(Succeed())

		// Sync-now with nothing changed: the vendors are read again, nothing is written.
		versions := map[string]string{}
		for _, am := range mappings(ns) {
			versions[am.Name] = am.ResourceVersion
		}
		reads := cw.Calls("GET /finance/agreements")
		syncNow(sp)
		Eventually(func() int { return cw.Calls("GET /finance/agreements") }).Should(BeNumerically(">=", reads+3))
		Consistently(func(g Gomega) {
			g.Expect(cw.Calls("PATCH /finance/agreements/{id}/additions/{id}")).To(Equal(1))
			g.Expect(cw.Calls("POST /finance/agreements/{id}/additions")).To(BeZero())
			for _, am := range mappings(ns) {
				g.Expect(am.ResourceVersion).To(Equal(versions[am.Name]), "%s was written", am.Name)
			}
		}, "2s", "200ms").Should(Succeed())

		// whenLineMissing Create: Initech's line is added once, with its usage.
		Expect(k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: sp.Name}, sp)).To(Succeed())
		sp.Spec.Services.Billing.WhenLineMissing = v1alpha1.LineMissingCreate
		Expect(k8s.Update(ctx, sp)).To(Succeed())
		initech = billed(ns, "302", v1alpha1.ReasonBillingSynced)
		Expect(initech.Status.State).To(Equal(v1alpha1.StateOK))
		Expect(*initech.Status.Services.Billing.Quantity).To(Equal(int64(4)), "offline agents count")
		qty, n := additions(cw, 19, "AV-SEAT")
		Expect(n).To(Equal(1))
		Expect(qty).To(Equal(float64(4)))
		for _, a := range cw.Additions() {
			if a.AgreementID == 19 {
				Expect(a.BillCustomer).To(Equal("Billable"))
			}
		}
		reads = cw.Calls("GET /finance/agreements")
		syncNow(sp)
		Eventually(func() int { return cw.Calls("GET /finance/agreements") }).Should(BeNumerically(">", reads))
		Consistently(func() int {
			_, n := additions(cw, 19, "AV-SEAT")
			return n
		}, "1s", "200ms").Should(Equal(1), "the line is created once")
		Expect(cw.Calls("POST /finance/agreements/{id}/additions")).To(Equal(1))
	})

	It("pushes GravityZone monthly usage to HaloPSA recurring-invoice lines, keeping the other lines, and recovers from a vendor failure", func() {
		ns := newNamespace()
		hf := haloFixture()
		hf.Clients = []halosim.Client{{ID: 10, Name: "Acme", TopLevelID: 1}, {ID: 11, Name: "Globex", TopLevelID: 1}}
		hf.RecurringInvoices = []halosim.RecurringInvoice{
			{ID: 4, ClientID: 10, Lines: []halosim.InvoiceLine{
				{ID: 40, ItemCode: "AV-SEAT", QtyOrder: 5, UnitPrice: 3},
				{ID: 41, ItemCode: "SUPPORT", QtyOrder: 1, UnitPrice: 500},
			}},
			{ID: 5, ClientID: 11, Lines: []halosim.InvoiceLine{{ID: 50, ItemCode: "AV-SEAT", QtyOrder: 9}}},
		}
		halo := halosim.New(hf)
		var refuse atomic.Bool
		haloURL := serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if refuse.Load() && r.Method == http.MethodPost && strings.EqualFold(r.URL.Path, "/api/RecurringInvoice") {
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte(`"The invoice is locked for editing"`))
				return
			}
			halo.ServeHTTP(w, r)
		}))
		gz := gzsim.New(gzsim.Fixture{APIKeys: []string{gzTestKey}, Companies: []gzsim.FixtureCompany{{Name: "Acme"}, {Name: "Globex"}}})
		month := time.Now().UTC().Format("01/2006")
		acmeID, globexID := gzCompaniesNamed(gz, "Acme")[0].ID, gzCompaniesNamed(gz, "Globex")[0].ID
		gz.SetMonthlyUsage(acmeID, month, "endpointMonthlyUsage", 12)
		gz.SetMonthlyUsage(globexID, month, "endpointMonthlyUsage", 9)
		connect(ns, "halo", v1alpha1.ProviderHaloPSA, haloURL, haloCreds)
		connect(ns, "gz", v1alpha1.ProviderGravityZone, serve(gz)+"/api", gzCreds)
		sp := policy(ns, "gz-halo", "halo", "gz", func(s *v1alpha1.SyncPolicySpec) {
			s.Mode = v1alpha1.ModeMatchOnly
			s.Services.Billing = billingSpec(v1alpha1.UsageEndpoints, v1alpha1.LineMissingReport)
			s.MappingDefaults.Services = v1alpha1.Services{Billing: true}
		})

		acme := billed(ns, "10", v1alpha1.ReasonBillingSynced)
		Expect(*acme.Status.Services.Billing.Usage).To(Equal(int64(12)))
		Expect(acme.Status.Services.Billing.Line).To(Equal("recurring invoice 4, line 40 (AV-SEAT)"))
		billed(ns, "11", v1alpha1.ReasonBillingSynced)
		invoice := func(id int) []halosim.InvoiceLine {
			for _, inv := range halo.RecurringInvoices() {
				if inv.ID == id {
					return inv.Lines
				}
			}
			return nil
		}
		Expect(invoice(4)).To(Equal([]halosim.InvoiceLine{
			{ID: 40, IHID: 4, ItemCode: "AV-SEAT", QtyOrder: 12, UnitPrice: 3},
			{ID: 41, IHID: 4, ItemCode: "SUPPORT", QtyOrder: 1, UnitPrice: 500},
		}), "the other line is kept as it was")
		Expect(halo.Calls("POST /api/RecurringInvoice")).To(Equal(1), "Globex's line already held 9")

		// Halo refuses the next write: the mapping has events and keeps its link.
		refuse.Store(true)
		gz.SetMonthlyUsage(acmeID, month, "endpointMonthlyUsage", 14)
		syncNow(sp)
		acme = billed(ns, "10", v1alpha1.ReasonBillingFailed)
		Expect(acme.Status.State).To(Equal(v1alpha1.StateHasEvents))
		Expect(acme.Status.PSAAccount).NotTo(BeNil())
		Expect(acme.Status.Services.Billing.Message).To(ContainSubstring("locked for editing"))
		Expect(*acme.Status.Services.Billing.Quantity).To(Equal(int64(12)), "the PSA still holds the last pushed quantity")
		Eventually(func(g Gomega) {
			g.Expect(k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: sp.Name}, sp)).To(Succeed())
			g.Expect(sp.Status.Services.Billing.Failed).To(Equal(int32(1)))
		}).Should(Succeed())

		// The vendor recovers: the next run pushes and the mapping is OK again.
		refuse.Store(false)
		syncNow(sp)
		acme = billed(ns, "10", v1alpha1.ReasonBillingSynced)
		Expect(acme.Status.State).To(Equal(v1alpha1.StateOK))
		Expect(invoice(4)[0].QtyOrder).To(Equal(float64(14)))
	})

	It("adds a missing line once when the create's answer is lost", func() {
		ns := newNamespace()
		_, cw := vsaBillingWorld(ns)
		// Only line creates are slow: the addition is committed, the answer comes after the
		// connection's 2s timeout.
		cw.SetFaults(simkit.Faults{SlowCreates: 1, SlowCreateDelay: 4 * time.Second})
		sp := policy(ns, "vsa-cw-lost", "cw", "vsa", func(s *v1alpha1.SyncPolicySpec) {
			s.Mode = v1alpha1.ModeMatchOnly
			s.Services.Billing = billingSpec(v1alpha1.UsageAgents, v1alpha1.LineMissingCreate)
			s.MappingDefaults.Services = v1alpha1.Services{Billing: true}
		})
		initech := billed(ns, "302", v1alpha1.ReasonBillingFailed)
		Expect(initech.Status.Services.Billing.Message).To(ContainSubstring("UnknownOutcome"))
		Expect(initech.Status.PSAAccount).NotTo(BeNil())
		// The next run looks first, finds the line the lost create made, and creates nothing.
		syncNow(sp)
		initech = billed(ns, "302", v1alpha1.ReasonBillingSynced)
		Expect(*initech.Status.Services.Billing.Quantity).To(Equal(int64(4)))
		Expect(additionCount(cw, 19)).To(Equal(1))
		Expect(cw.Calls("POST /finance/agreements/{id}/additions")).To(Equal(1))
	})

	It("bills CyberQP end users onto a HaloPSA recurring-invoice line", func() {
		ns := newNamespace()
		hf := haloFixture()
		hf.Clients = []halosim.Client{{ID: haloClientY, Name: "Initrode", TopLevelID: 1}}
		hf.RecurringInvoices = []halosim.RecurringInvoice{{ID: 8, ClientID: haloClientY,
			Lines: []halosim.InvoiceLine{{ID: 80, ItemCode: "AV-SEAT", QtyOrder: 1}}}}
		halo := halosim.New(hf)
		connect(ns, "halo", v1alpha1.ProviderHaloPSA, serve(halo), haloCreds)
		connect(ns, "cqp", v1alpha1.ProviderCyberQP, serve(cqpUsersTool()), cqpCreds)
		sp := policy(ns, "cqp-halo", "halo", "cqp", func(s *v1alpha1.SyncPolicySpec) {
			s.Mode = v1alpha1.ModeMatchOnly
			s.Services.Billing = billingSpec(v1alpha1.UsageUsers, v1alpha1.LineMissingReport)
		})
		// The names differ ("Initrode Global" / "Initrode"): a person's mapping links them.
		Expect(k8s.Create(ctx, &v1alpha1.AccountMapping{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "initrode"},
			Spec: v1alpha1.AccountMappingSpec{PolicyRef: v1alpha1.LocalObjectReference{Name: sp.Name},
				PSA: v1alpha1.MappingPSA{AccountID: fmt.Sprint(haloClientY)}, Tool: v1alpha1.MappingTool{OrganizationID: cqpCustomer},
				Location: v1alpha1.LocationMapping{Mode: v1alpha1.LocationMain}, Services: v1alpha1.Services{Billing: true}},
		})).To(Succeed())
		am := billed(ns, fmt.Sprint(haloClientY), v1alpha1.ReasonBillingSynced)
		Expect(*am.Status.Services.Billing.Usage).To(Equal(int64(4)), "the customer's four end users")
		Expect(halo.RecurringInvoices()[0].Lines[0].QtyOrder).To(Equal(float64(4)))
	})

	It("refuses a billing policy against Kaseya BMS, naming why", func() {
		ns := newNamespace()
		connect(ns, "vsa", v1alpha1.ProviderKaseyaVSA, serve(vsasim.New(vsaFixture(2))), vsaCreds)
		connect(ns, "bms", v1alpha1.ProviderKaseyaBMS, serve(bmssim.New(bmsFixture())), bmsCreds)
		sp := bmsPolicy(ns, "vsa-bms", func(s *v1alpha1.SyncPolicySpec) {
			s.Services.Billing = billingSpec(v1alpha1.UsageAgents, v1alpha1.LineMissingReport)
		})
		Eventually(func(g Gomega) {
			g.Expect(k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: sp.Name}, sp)).To(Succeed())
			c := meta.FindStatusCondition(sp.Status.Conditions, v1alpha1.ConditionReady)
			g.Expect(c).NotTo(BeNil())
			g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(c.Reason).To(Equal(v1alpha1.ReasonInvalidSpec))
			g.Expect(c.Message).To(ContainSubstring("spec.services.billing needs BillingLines, which KaseyaBMS does not offer"))
			g.Expect(c.Message).To(ContainSubstring("changes their Units"))
			g.Expect(sp.Status.Services).NotTo(BeNil())
			g.Expect(sp.Status.Services.Billing.Message).To(HavePrefix("billing does not run"))
		}).Should(Succeed())
	})

	It("lists the quantity changes of a dry run in the policy's plan and writes nothing", func() {
		ns := newNamespace()
		vsa, cw := vsaBillingWorld(ns)
		sp := policy(ns, "vsa-cw-dry", "cw", "vsa", func(s *v1alpha1.SyncPolicySpec) {
			s.Mode = v1alpha1.ModeMatchOnly
			s.DryRun = true
			s.Services.Billing = billingSpec(v1alpha1.UsageAgents, v1alpha1.LineMissingCreate)
		})
		// Dry runs create no mappings: a person's mappings are linked, reading only.
		for _, name := range []string{"Acme", "Initech"} {
			org := ""
			for _, o := range vsa.Orgs() {
				if o.Name == name {
					org = o.ID
				}
			}
			Expect(k8s.Create(ctx, &v1alpha1.AccountMapping{
				ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: strings.ToLower(name)},
				Spec: v1alpha1.AccountMappingSpec{PolicyRef: v1alpha1.LocalObjectReference{Name: sp.Name},
					PSA: v1alpha1.MappingPSA{AccountID: cwCompanyID(cw, name)}, Tool: v1alpha1.MappingTool{OrganizationID: org},
					Location: v1alpha1.LocationMapping{Mode: v1alpha1.LocationMain}, Services: v1alpha1.Services{Billing: true}},
			})).To(Succeed())
		}
		Eventually(func(g Gomega) {
			g.Expect(k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: sp.Name}, sp)).To(Succeed())
			var details []string
			for _, it := range sp.Status.Plan {
				if it.Action == v1alpha1.ActionSetBillingQuantity {
					details = append(details, it.Mapping+": "+it.Detail)
				}
			}
			g.Expect(details).To(ConsistOf("acme: agreement 17, addition 301 (AV-SEAT): 1 → 3",
				"initech: new line AV-SEAT in agreement 19: 0 → 4"))
		}).Should(Succeed())
		Consistently(func(g Gomega) {
			g.Expect(cw.Calls("PATCH /finance/agreements/{id}/additions/{id}")).To(BeZero())
			g.Expect(cw.Calls("POST /finance/agreements/{id}/additions")).To(BeZero())
			for _, am := range mappings(ns) {
				g.Expect(meta.FindStatusCondition(am.Status.Conditions, v1alpha1.ConditionBilling)).To(BeNil())
				g.Expect(am.Status.Services).To(BeNil())
			}
		}, "1s", "200ms").Should(Succeed())
		Expect(additionQuantity(cw, 17, "AV-SEAT")).To(Equal(float64(1)))
	})
})
