package controllers_test

import (
	"regexp"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	bmssim "github.com/accountsync/accountsync-operator/internal/simulator/kaseyabms"
	vsasim "github.com/accountsync/accountsync-operator/internal/simulator/kaseyavsa"
	"github.com/accountsync/accountsync-operator/internal/simulator/simkit"
)

var untilTime = regexp.MustCompile(`rate limited by the vendor until (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)`)

// rateLimitedUntil returns the time a mapping's RateLimited condition names.
func rateLimitedUntil(g Gomega, am v1alpha1.AccountMapping) time.Time {
	msg := readyReasonOf(am)
	g.Expect(msg).To(HavePrefix(v1alpha1.ReasonRateLimited+": "), msg)
	m := untilTime.FindStringSubmatch(msg)
	g.Expect(m).To(HaveLen(2), msg)
	until, err := time.Parse(time.RFC3339, m[1])
	g.Expect(err).NotTo(HaveOccurred())
	return until
}

// An hour's Retry-After: far beyond the client's 5-minute cap, so httpx returns it at once.
const hourRetryAfter = 3600

var _ = Describe("A mapping rate limited by its vendor", func() {
	It("waits out the Retry-After of its asset sync, linked and HasEvents, and says until when", func() {
		ns := newNamespace()
		vsa := vsasim.New(vsaFixture(0))
		org := vsa.AddOrg(vsasim.Org{Name: "Acme Corp", Ref: "acme"})
		group := vsa.AddMachineGroup(vsasim.MachineGroup{Name: "hq", OrgID: org.ID})
		vsa.AddAgent(vsasim.Agent{ComputerName: "acme-pc1", OrgID: org.ID, MachineGroupID: group.ID, OperatingSystem: "Windows 11", IPAddress: "10.0.0.1"})
		bf := bmsFixture()
		bf.Accounts = []bmssim.Account{{ID: 501, AccountName: "Acme Corp"}}
		bf.Locations = []bmssim.Location{{ID: 601, AccountID: 501, LocationName: "Main", IsMain: true}}
		bms := bmssim.New(bf)
		connect(ns, "vsa", v1alpha1.ProviderKaseyaVSA, serve(vsa), vsaCreds)
		connect(ns, "bms", v1alpha1.ProviderKaseyaBMS, serve(bms), bmsCreds)
		// Only the asset API throttles; accounts, locations and the tool answer.
		bms.SetFaults(simkit.Faults{ThrottleEvery: 1, RetryAfterSeconds: hourRetryAfter, ThrottlePath: "/v2/servicedesk/hardwareasset"})
		sp := bmsPolicy(ns, "assets", func(s *v1alpha1.SyncPolicySpec) {
			s.Mode = v1alpha1.ModeMatchOnly
			s.Assets.Enabled = true
		})
		syncedPolicy(ns, sp.Name, "")

		const assetSearch = "GET /servicedesk/hardwareasset/searchselect"
		Eventually(func(g Gomega) {
			ams := mappings(ns)
			g.Expect(ams).To(HaveLen(1))
			am := ams[0]
			until := rateLimitedUntil(g, am)
			g.Expect(until).To(BeTemporally("~", time.Now().Add(hourRetryAfter*time.Second), 2*time.Minute))
			g.Expect(am.Status.State).To(Equal(v1alpha1.StateHasEvents), "a linked mapping whose asset sync failed")
			g.Expect(am.Status.PSAAccount).To(HaveField("ID", "501"), "the link is kept")
			g.Expect(am.Status.RecentEvents).To(ContainElement(HaveField("Reason", v1alpha1.ReasonRateLimited)))
		}).Should(Succeed())
		throttled := bms.Calls(assetSearch)
		Expect(throttled).To(BeNumerically(">=", 1))

		// A new snapshot wakes the mapping; the vendor said an hour, so its asset API is left alone.
		req := syncNow(sp)
		syncedPolicy(ns, sp.Name, req)
		Consistently(func() int { return bms.Calls(assetSearch) }, "3s").Should(Equal(throttled))
		Expect(bms.Calls("POST /servicedesk/hardwareasset")).To(BeZero())
	})

	It("waits out the Retry-After of a create, not yet linked and NotAvailable, and says until when", func() {
		ns := newNamespace()
		vsa := vsasim.New(vsaFixture(1))
		bms := bmssim.New(bmsFixture())
		connect(ns, "vsa", v1alpha1.ProviderKaseyaVSA, serve(vsa), vsaCreds)
		connect(ns, "bms", v1alpha1.ProviderKaseyaBMS, serve(bms), bmsCreds)
		// Only the account create throttles; the listings and the look-up by name answer.
		bms.SetFaults(simkit.Faults{ThrottleEvery: 1, RetryAfterSeconds: hourRetryAfter, ThrottlePath: "/v2/crm/accounts", ThrottleMethod: "POST"})
		sp := bmsPolicy(ns, "import", nil)
		syncedPolicy(ns, sp.Name, "")

		const create = "POST /crm/accounts"
		var name string
		Eventually(func(g Gomega) {
			ams := mappings(ns)
			g.Expect(ams).To(HaveLen(1))
			am := ams[0]
			name = am.Name
			until := rateLimitedUntil(g, am)
			g.Expect(until).To(BeTemporally("~", time.Now().Add(hourRetryAfter*time.Second), 2*time.Minute))
			g.Expect(readyReasonOf(am)).To(ContainSubstring(`creating PSA record "Customer 001" failed`))
			g.Expect(am.Status.State).To(Equal(v1alpha1.StateNotAvailable), "not linked yet")
			g.Expect(am.Status.PendingCreate).To(BeNil(), "a 429 created nothing")
		}).Should(Succeed())
		creates := bms.Calls(create)
		Expect(creates).To(BeNumerically(">=", 1))
		Expect(bms.Accounts()).To(BeEmpty())

		// Neither a new snapshot nor the fixed minute of a failed create sends it sooner.
		req := syncNow(sp)
		syncedPolicy(ns, sp.Name, req)
		Consistently(func() int { return bms.Calls(create) }, "3s").Should(Equal(creates))
		am := mappingNamed(ns, name)(Default)
		Expect(am.Status.Conditions).To(ContainElement(And(
			HaveField("Type", v1alpha1.ConditionReady), HaveField("Status", metav1.ConditionFalse), HaveField("Reason", v1alpha1.ReasonRateLimited))))
	})
})
