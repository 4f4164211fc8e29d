package controllers_test

import (
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	bmssim "github.com/accountsync/accountsync-operator/internal/simulator/kaseyabms"
	vsasim "github.com/accountsync/accountsync-operator/internal/simulator/kaseyavsa"
	"github.com/accountsync/accountsync-operator/internal/simulator/simkit"
)

func bmsNames(bms *bmssim.Server) []string {
	var names []string
	for _, a := range bms.Accounts() {
		names = append(names, a.AccountName)
	}
	return names
}

var _ = Describe("Faults", Serial, func() {
	It("reaches the right end state under 429s, 5xx and creates that time out but succeed, with no duplicate", func() {
		ns := newNamespace()
		vsa := vsasim.New(vsaFixture(40))
		bms := bmssim.New(bmsFixture())
		vsaURL, bmsURL := serve(vsa), serve(bms)
		connect(ns, "vsa", v1alpha1.ProviderKaseyaVSA, vsaURL, vsaCreds)
		connect(ns, "bms", v1alpha1.ProviderKaseyaBMS, bmsURL, bmsCreds)
		// Faults start after the connections are Ready: 1 call in 4 throttled, 1 in 7 a 503, and
		// five creates that commit but answer after the client's 2s timeout.
		vsa.SetFaults(simkit.Faults{ThrottleEvery: 4})
		bms.SetFaults(simkit.Faults{ThrottleEvery: 3, ServerErrorEvery: 7, SlowCreates: 5, SlowCreateDelay: 3 * time.Second})
		// 503s on creates are unknown outcomes that never committed: a short settle period
		// lets them be resent within the test.
		sp := bmsPolicy(ns, "faulty", func(s *v1alpha1.SyncPolicySpec) { s.Creation.SettlePeriod = "2s" })
		syncedPolicy(ns, sp.Name, "")

		Eventually(func() []string { return bmsNames(bms) }, 3*time.Minute).Should(HaveLen(40))
		Eventually(func() map[v1alpha1.MappingState]int { return stateCounts(mappings(ns)) }, 2*time.Minute).
			Should(HaveKeyWithValue(v1alpha1.StateOK, 40))
		Expect(duplicates(bmsNames(bms))).To(BeEmpty())
		Expect(bms.Calls("POST /crm/accounts")).To(BeNumerically(">=", 40), "the faults did hit creates")
		// One more sync with the faults still on changes nothing.
		req := syncNow(sp)
		syncedPolicy(ns, sp.Name, req)
		Consistently(func() []string { return bmsNames(bms) }, "3s").Should(HaveLen(40))
	})

	It("creates no duplicate when the manager restarts in the middle of an import", func() {
		ns := newNamespace()
		vsa := vsasim.New(vsaFixture(60))
		bms := bmssim.New(bmsFixture())
		connect(ns, "vsa", v1alpha1.ProviderKaseyaVSA, serve(vsa), vsaCreds)
		connect(ns, "bms", v1alpha1.ProviderKaseyaBMS, serve(bms), bmsCreds)
		// Slow every create so the restart lands while creates are in flight.
		bms.SetFaults(simkit.Faults{Latency: 50 * time.Millisecond, SlowCreates: 3, SlowCreateDelay: 1500 * time.Millisecond})
		sp := bmsPolicy(ns, "restart", func(s *v1alpha1.SyncPolicySpec) { s.Creation.SettlePeriod = "2s" })
		Eventually(func() int { return len(bms.Accounts()) }).Should(BeNumerically(">=", 3))
		stopManager()
		stoppedAt := len(bms.Accounts())
		Expect(stoppedAt).To(BeNumerically("<", 60), "the restart happened mid-import")
		bms.SetFaults(simkit.Faults{})
		startManager()

		Eventually(func() []string { return bmsNames(bms) }, 2*time.Minute).Should(HaveLen(60))
		Eventually(func() map[v1alpha1.MappingState]int { return stateCounts(mappings(ns)) }, time.Minute).
			Should(HaveKeyWithValue(v1alpha1.StateOK, 60))
		Expect(duplicates(bmsNames(bms))).To(BeEmpty())
		_ = sp
	})
})

var _ = Describe("Quiet steady state", func() {
	It("makes no AccountMapping write and only the snapshot's reads when nothing changed", func() {
		ns := newNamespace()
		vsa := vsasim.New(vsaFixture(12))
		bf := bmsFixture()
		for i := 1; i <= 12; i++ {
			bf.Accounts = append(bf.Accounts, bmssim.Account{AccountName: fmt.Sprintf("Customer %03d", i)})
		}
		bms := bmssim.New(bf)
		connect(ns, "vsa", v1alpha1.ProviderKaseyaVSA, serve(vsa), vsaCreds)
		connect(ns, "bms", v1alpha1.ProviderKaseyaBMS, serve(bms), bmsCreds)
		sp := bmsPolicy(ns, "quiet", nil)
		syncedPolicy(ns, sp.Name, "")
		Eventually(func() map[v1alpha1.MappingState]int { return stateCounts(mappings(ns)) }).Should(HaveKeyWithValue(v1alpha1.StateOK, 12))
		// Let the converging writes (created ids, states) settle.
		Eventually(func() []v1alpha1.AccountMapping { return mappings(ns) }).Should(HaveEach(HaveField("Status.ObservedGeneration", BeNumerically(">", 0))))
		versions := func() map[string]string {
			out := map[string]string{}
			for _, am := range mappings(ns) {
				out[am.Name] = am.ResourceVersion
			}
			return out
		}
		Consistently(versions, "2s").Should(Equal(versions()))
		before := versions()
		bms.ResetCalls()
		vsa.ResetCalls()

		var last *v1alpha1.SyncPolicy
		for i := 0; i < 2; i++ {
			req := syncNow(sp)
			last = syncedPolicy(ns, sp.Name, req)
		}
		Consistently(versions, "3s").Should(Equal(before), "no AccountMapping was written")
		psaReads, toolReads := 0, 0
		for key, n := range bms.AllCalls() {
			Expect(key).To(HavePrefix("GET "), "only reads: %s", key)
			psaReads += n
		}
		for key, n := range vsa.AllCalls() {
			Expect(key).To(HavePrefix("GET "), "only reads: %s", key)
			if !strings.HasSuffix(key, "/auth") {
				toolReads += n
			}
		}
		Expect(psaReads).To(Equal(int(2 * last.Status.APICalls.PSA)))
		Expect(int64(toolReads)).To(BeNumerically("<=", 2*last.Status.APICalls.Tool))
	})
})

var _ = Describe("Quiet re-sync of a mapping with assets", func() {
	It("makes no AccountMapping write when the asset sync finds every asset in place", func() {
		ns := newNamespace()
		vsa := vsasim.New(vsaFixture(0))
		org := vsa.AddOrg(vsasim.Org{Name: "Acme Corp", Ref: "acme"})
		hq := vsa.AddMachineGroup(vsasim.MachineGroup{Name: "hq", OrgID: org.ID})
		for _, m := range []string{"acme-pc1", "acme-pc2"} {
			vsa.AddAgent(vsasim.Agent{ComputerName: m, OrgID: org.ID, MachineGroupID: hq.ID, OperatingSystem: "Windows 11"})
		}
		bf := bmsFixture()
		bf.Accounts = []bmssim.Account{{ID: 501, AccountName: "Acme Corp"}}
		bf.Locations = []bmssim.Location{{ID: 601, AccountID: 501, LocationName: "Main", IsMain: true}}
		bms := bmssim.New(bf)
		connect(ns, "vsa", v1alpha1.ProviderKaseyaVSA, serve(vsa), vsaCreds)
		connect(ns, "bms", v1alpha1.ProviderKaseyaBMS, serve(bms), bmsCreds)
		sp := bmsPolicy(ns, "quiet-assets", func(s *v1alpha1.SyncPolicySpec) {
			s.Mode = v1alpha1.ModeMatchOnly
			s.Assets.Enabled = true
			s.Exclude.ToolOrganizationIDs = []string{org.ID} // linked by the manual mapping below
		})
		am := &v1alpha1.AccountMapping{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "acme"},
			Spec: v1alpha1.AccountMappingSpec{
				PolicyRef: v1alpha1.LocalObjectReference{Name: sp.Name},
				PSA:       v1alpha1.MappingPSA{AccountID: "501"},
				Tool:      v1alpha1.MappingTool{OrganizationID: org.ID},
				Location:  v1alpha1.LocationMapping{Mode: v1alpha1.LocationMain},
			},
		}
		Expect(k8s.Create(ctx, am)).To(Succeed())
		Eventually(func() []bmssim.Asset { return bms.Assets(501) }).WithTimeout(seedTimeout).Should(HaveLen(2), seedStuck)
		Eventually(func(g Gomega) {
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(am), am)).To(Succeed())
			g.Expect(am.Status.State).To(Equal(v1alpha1.StateOK), readyReasonOf(*am))
			g.Expect(am.Status.Assets).To(Equal(&v1alpha1.AssetCounts{Total: 2, Created: 2, Unchanged: 2}))
		}).WithTimeout(seedTimeout).Should(Succeed(), seedStuck)
		version := func() string {
			got := &v1alpha1.AccountMapping{}
			Expect(k8s.Get(ctx, client.ObjectKeyFromObject(am), got)).To(Succeed())
			return got.ResourceVersion
		}
		before := version()

		const assetListing = "GET /servicedesk/hardwareasset/searchselect"
		for i := 0; i < 2; i++ {
			listed := bms.Calls(assetListing)
			req := syncNow(sp)
			syncedPolicy(ns, sp.Name, req)
			Eventually(func() int { return bms.Calls(assetListing) }).Should(BeNumerically(">", listed),
				"the mapping listed its assets again after sync %d", i+1)
		}
		Consistently(version, "2s").Should(Equal(before), "an unchanged re-sync writes no AccountMapping")
		Expect(bms.Assets(501)).To(HaveLen(2))
		Expect(bms.Calls("POST /servicedesk/hardwareasset")).To(Equal(2), "nothing created twice")
	})
})

var _ = Describe("IntegrationConnection", func() {
	It("reports Secret problems and bad credentials, stays quiet on them, and re-probes when the Secret changes", func() {
		ns := newNamespace()
		bms := bmssim.New(bmsFixture())
		url := serve(bms)
		ic := &v1alpha1.IntegrationConnection{}
		ic.Namespace, ic.Name = ns, "bms"
		ic.Spec = v1alpha1.IntegrationConnectionSpec{Provider: v1alpha1.ProviderKaseyaBMS, URL: url,
			CredentialsSecretRef: v1alpha1.LocalObjectReference{Name: "bms-creds"}, Timeout: "2s"}
		Expect(k8s.Create(ctx, ic)).To(Succeed())
		reason := func() string {
			got := &v1alpha1.IntegrationConnection{}
			Expect(k8s.Get(ctx, client.ObjectKeyFromObject(ic), got)).To(Succeed())
			for _, c := range got.Status.Conditions {
				if c.Type == v1alpha1.ConditionReady {
					return c.Reason + ": " + c.Message
				}
			}
			return ""
		}
		Eventually(reason).Should(HavePrefix(v1alpha1.ReasonSecretNotFound))

		secret := map[string]string{"username": "api@msp", "password": "wrong-password-value"}
		createSecret(ns, "bms-creds", secret)
		Eventually(reason).Should(And(HavePrefix(v1alpha1.ReasonSecretKeyMissing), ContainSubstring(`"tenant"`)))

		secret["tenant"] = "MSP"
		updateSecret(ns, "bms-creds", secret)
		Eventually(reason).Should(HavePrefix(v1alpha1.ReasonAuthenticationFailed))
		Expect(reason()).NotTo(ContainSubstring("wrong-password-value"), "credentials never appear in status")
		calls := bms.Calls("POST /token")
		Consistently(func() int { return bms.Calls("POST /token") }, "3s").Should(Equal(calls), "bad credentials are not retried")

		secret["password"] = "bms-password-secret"
		updateSecret(ns, "bms-creds", secret)
		Eventually(reason).Should(HavePrefix(v1alpha1.ReasonConnected))
		got := &v1alpha1.IntegrationConnection{}
		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(ic), got)).To(Succeed())
		Expect(got.Status.Side).To(Equal(v1alpha1.SidePSA))
		Expect(got.Status.Capabilities).To(ContainElements("ListAccounts", "CreateAccount", "Locations", "Assets", "ListUsers"))
		Expect(got.Status.Capabilities).NotTo(ContainElement("Departments"), "Kaseya BMS has no per-account departments")
		Expect(got.Status.ObservedGeneration).To(Equal(got.Generation))
	})

	It("keeps a policy from calling through a connection that is not Ready", func() {
		ns := newNamespace()
		vsa := vsasim.New(vsaFixture(3))
		bms := bmssim.New(bmsFixture())
		connect(ns, "vsa", v1alpha1.ProviderKaseyaVSA, serve(vsa), vsaCreds)
		bad := map[string]string{"username": "api@msp", "password": "nope-nope", "tenant": "MSP"}
		createSecret(ns, "bms-creds", bad)
		ic := &v1alpha1.IntegrationConnection{}
		ic.Namespace, ic.Name = ns, "bms"
		ic.Spec = v1alpha1.IntegrationConnectionSpec{Provider: v1alpha1.ProviderKaseyaBMS, URL: serve(bms),
			CredentialsSecretRef: v1alpha1.LocalObjectReference{Name: "bms-creds"}, Timeout: "2s"}
		Expect(k8s.Create(ctx, ic)).To(Succeed())
		vsa.ResetCalls()
		sp := bmsPolicy(ns, "blocked", nil)
		Eventually(func(g Gomega) {
			got := &v1alpha1.SyncPolicy{}
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(sp), got)).To(Succeed())
			g.Expect(got.Status.Conditions).To(ContainElement(And(
				HaveField("Type", v1alpha1.ConditionSynced), HaveField("Reason", v1alpha1.ReasonConnectionNotReady))))
		}).Should(Succeed())
		Consistently(func() map[string]int { return vsa.AllCalls() }, "2s").Should(BeEmpty())
		// Fixing the credentials lets the policy sync on its own.
		updateSecret(ns, "bms-creds", bmsCreds)
		syncedPolicy(ns, sp.Name, "")
	})
})
