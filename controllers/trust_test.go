package controllers_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/controllers"
	cqpsim "github.com/accountsync/accountsync-operator/internal/simulator/cyberqp"
	halosim "github.com/accountsync/accountsync-operator/internal/simulator/halopsa"
	bmssim "github.com/accountsync/accountsync-operator/internal/simulator/kaseyabms"
	vsasim "github.com/accountsync/accountsync-operator/internal/simulator/kaseyavsa"
	"github.com/accountsync/accountsync-operator/internal/simulator/simkit"
)

// conditionOf returns the condition typ of obj as "Status/Reason: message", read through the
// uncached client.
func conditionOf(obj client.Object, typ string) string {
	Expect(k8s.Get(ctx, client.ObjectKeyFromObject(obj), obj)).To(Succeed())
	var conds []metav1.Condition
	switch o := obj.(type) {
	case *v1alpha1.IntegrationConnection:
		conds = o.Status.Conditions
	case *v1alpha1.SyncPolicy:
		conds = o.Status.Conditions
	case *v1alpha1.AccountMapping:
		conds = o.Status.Conditions
	}
	c := meta.FindStatusCondition(conds, typ)
	if c == nil {
		return ""
	}
	return fmt.Sprintf("%s/%s: %s", c.Status, c.Reason, c.Message)
}

// refusing wraps a simulator so that, while refuse is set, every request is answered 403, as a
// vendor's load balancer does during an outage.
func refusing(h http.Handler, refuse *atomic.Bool, refused *atomic.Int32) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if refuse.Load() {
			refused.Add(1)
			http.Error(w, `{"message":"Forbidden"}`, http.StatusForbidden)
			return
		}
		h.ServeHTTP(w, r)
	})
}

var _ = Describe("One slow vendor never stalls the rest", Serial, func() {
	It("keeps a healthy policy syncing on schedule while another connection's vendor hangs", func() {
		// The manager's default worker count, and a short deadline so the spec runs in seconds.
		restartManagerWith(func(o *controllers.Options) {
			o.MaxConcurrentReconciles = 0
			o.ReconcileTimeout = 3 * time.Second
		})
		ns := newNamespace()
		vsa := vsasim.New(vsaFixture(3))
		bms := bmssim.New(bmsFixture())
		hanging := bmssim.New(bmsFixture())
		connect(ns, "vsa", v1alpha1.ProviderKaseyaVSA, serve(vsa), vsaCreds)
		connect(ns, "bms", v1alpha1.ProviderKaseyaBMS, serve(bms), bmsCreds)
		slow := connect(ns, "slow", v1alpha1.ProviderKaseyaBMS, serve(hanging), bmsCreds)
		// The vendor now answers after ten minutes, and the connection waits that long for it.
		slow.Spec.Timeout = "15m"
		Expect(k8s.Update(ctx, slow)).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(slow), slow)).To(Succeed())
			c := meta.FindStatusCondition(slow.Status.Conditions, v1alpha1.ConditionReady)
			g.Expect(c).NotTo(BeNil())
			g.Expect(c.ObservedGeneration).To(Equal(slow.Generation))
			g.Expect(c.Status).To(Equal(metav1.ConditionTrue))
		}).Should(Succeed())
		hanging.SetFaults(simkit.Faults{Latency: 10 * time.Minute})

		// More stuck policies than the manager has workers.
		for i := 0; i < controllers.DefaultMaxConcurrentReconciles+2; i++ {
			policy(ns, fmt.Sprintf("stuck-%d", i), "slow", "vsa", func(s *v1alpha1.SyncPolicySpec) { s.Mode = v1alpha1.ModeMatchOnly })
		}
		healthy := policy(ns, "healthy", "bms", "vsa", func(s *v1alpha1.SyncPolicySpec) {
			s.Mode = v1alpha1.ModeMatchOnly
			s.Interval = "2s"
		})

		syncTimes := map[string]bool{}
		Eventually(func() int {
			got := &v1alpha1.SyncPolicy{}
			Expect(k8s.Get(ctx, client.ObjectKeyFromObject(healthy), got)).To(Succeed())
			if got.Status.LastSyncTime != nil {
				syncTimes[got.Status.LastSyncTime.String()] = true
			}
			return len(syncTimes)
		}, 30*time.Second, 100*time.Millisecond).Should(BeNumerically(">=", 3), "the healthy policy syncs every 2s")

		stuck := &v1alpha1.SyncPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "stuck-0"}}
		Eventually(func() string { return conditionOf(stuck, v1alpha1.ConditionSynced) }).
			Should(And(HavePrefix("False/"+v1alpha1.ReasonSyncFailed), ContainSubstring("--reconcile-timeout")))
	})
})

var _ = Describe("Rate limits and refused probes", Serial, func() {
	It("waits out a vendor's Retry-After off the worker and says until when", func() {
		ns := newNamespace()
		vsa := vsasim.New(vsaFixture(3))
		bms := bmssim.New(bmsFixture())
		connect(ns, "vsa", v1alpha1.ProviderKaseyaVSA, serve(vsa), vsaCreds)
		connect(ns, "bms", v1alpha1.ProviderKaseyaBMS, serve(bms), bmsCreds)
		bms.SetFaults(simkit.Faults{ThrottleEvery: 1, RetryAfterSeconds: 1})
		sp := policy(ns, "throttled", "bms", "vsa", func(s *v1alpha1.SyncPolicySpec) { s.Mode = v1alpha1.ModeMatchOnly })

		Eventually(func() string { return conditionOf(sp, v1alpha1.ConditionSynced) }).
			Should(And(HavePrefix("False/"+v1alpha1.ReasonRateLimited), MatchRegexp(`until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ`)))
		// The policy comes back when the vendor said, not a failed sync's minute later.
		bms.SetFaults(simkit.Faults{})
		Eventually(func() string { return conditionOf(sp, v1alpha1.ConditionSynced) }, 20*time.Second).Should(HavePrefix("True/"))
	})

	It("probes a connection refused with 403 again, backing off, until the vendor accepts it", func() {
		restartManagerWith(func(o *controllers.Options) {
			o.RefusedProbeRetry = time.Second
			o.RefusedProbeRetryMax = 2 * time.Second
		})
		ns := newNamespace()
		var refuse atomic.Bool
		var refused atomic.Int32
		refuse.Store(true)
		// CyberQP: an API key on every request, so each probe reaches the vendor (the Kaseya BMS
		// client also remembers a refused login for a minute).
		url := serve(refusing(cqpUsersTool(), &refuse, &refused))
		createSecret(ns, "cqp-creds", cqpCreds)
		ic := &v1alpha1.IntegrationConnection{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "cqp"},
			Spec: v1alpha1.IntegrationConnectionSpec{Provider: v1alpha1.ProviderCyberQP, URL: url,
				CredentialsSecretRef: v1alpha1.LocalObjectReference{Name: "cqp-creds"}, Timeout: "2s"}}
		Expect(k8s.Create(ctx, ic)).To(Succeed())
		Eventually(func() string { return conditionOf(ic, v1alpha1.ConditionReady) }).
			Should(HavePrefix("False/" + v1alpha1.ReasonAuthenticationFailed))

		start := refused.Load()
		Eventually(func() int32 { return refused.Load() - start }, 30*time.Second).
			Should(BeNumerically(">=", 2), "refused probes are retried")
		// The back-off has reached its 2s cap: about two probes in 5s, not a loop.
		windowStart := refused.Load()
		time.Sleep(5 * time.Second)
		Expect(refused.Load()-windowStart).To(BeNumerically("<=", 4), "with a back-off, not in a loop")

		// The outage ends; neither the Secret nor the spec changed.
		refuse.Store(false)
		Eventually(func() string { return conditionOf(ic, v1alpha1.ConditionReady) }, 10*time.Second).
			Should(HavePrefix("True/" + v1alpha1.ReasonConnected))
	})
})

var _ = Describe("Least privilege", func() {
	It("watches Secrets metadata-only and reads a referenced Secret from the API server once per change", func() {
		ns := newNamespace()
		bms := bmssim.New(bmsFixture())
		ic := connect(ns, "bms", v1alpha1.ProviderKaseyaBMS, serve(bms), bmsCreds)
		secretPath := "/api/v1/namespaces/" + ns + "/secrets/bms-creds"
		reads := func() int {
			n := 0
			for _, r := range secretRequests.all() {
				if r.Method == http.MethodGet && r.Path == secretPath {
					n++
				}
			}
			return n
		}
		Expect(reads()).To(BeNumerically(">=", 1), "the Secret's data is read from the API server")
		for _, r := range secretRequests.all() {
			if r.Method != http.MethodGet || strings.HasPrefix(r.Path, "/api/v1/namespaces/") && strings.Count(r.Path, "/") == 6 {
				continue // a read of one named Secret
			}
			Expect(r.Accept).To(ContainSubstring("as=PartialObjectMetadata"),
				"a list or watch of Secrets that is not metadata-only: %+v", r)
		}

		// A re-probe with an unchanged Secret reads no Secret data.
		before := reads()
		req := syncNow(ic)
		Eventually(func() string {
			got := &v1alpha1.IntegrationConnection{}
			Expect(k8s.Get(ctx, client.ObjectKeyFromObject(ic), got)).To(Succeed())
			return got.Status.LastHandledSyncRequest
		}).Should(Equal(req))
		Expect(reads()).To(Equal(before))

		// A changed Secret is read again, through the metadata watch.
		rotated := map[string]string{"rotated": "yes"}
		for k, v := range bmsCreds {
			rotated[k] = v
		}
		updateSecret(ns, "bms-creds", rotated)
		Eventually(reads).Should(BeNumerically(">", before))
	})

	It("refuses insecureSkipVerify unless the manager runs with --allow-insecure-tls", func() {
		ns := newNamespace()
		bms := bmssim.New(bmsFixture())
		createSecret(ns, "bms-creds", bmsCreds)
		ic := &v1alpha1.IntegrationConnection{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "bms"},
			Spec: v1alpha1.IntegrationConnectionSpec{Provider: v1alpha1.ProviderKaseyaBMS, URL: serve(bms),
				CredentialsSecretRef: v1alpha1.LocalObjectReference{Name: "bms-creds"}, Timeout: "2s",
				TLS: &v1alpha1.TLSConfig{InsecureSkipVerify: true}}}
		Expect(k8s.Create(ctx, ic)).To(Succeed())
		Eventually(func() string { return conditionOf(ic, v1alpha1.ConditionReady) }).
			Should(And(HavePrefix("False/"+v1alpha1.ReasonInvalidSpec), ContainSubstring("--allow-insecure-tls")))
		Expect(bms.AllCalls()).To(BeEmpty(), "nothing was sent without verification")
	})
})

var _ = Describe("Bounded status", func() {
	It("stores the worst case of ambiguous candidates within the caps and reads it back", func() {
		ns := newNamespace()
		vf := vsaFixture(0)
		for i := 0; i < 60; i++ {
			vf.Orgs = append(vf.Orgs, vsasim.Org{Name: "Acme", Ref: fmt.Sprintf("acme%02d", i)})
		}
		bf := bmsFixture()
		for i := 0; i < 3000; i++ {
			bf.Accounts = append(bf.Accounts, bmssim.Account{AccountName: "Acme"})
		}
		connect(ns, "vsa", v1alpha1.ProviderKaseyaVSA, serve(vsasim.New(vf)), vsaCreds)
		connect(ns, "bms", v1alpha1.ProviderKaseyaBMS, serve(bmssim.New(bf)), bmsCreds)
		sp := policy(ns, "lookalikes", "bms", "vsa", func(s *v1alpha1.SyncPolicySpec) { s.Mode = v1alpha1.ModeMatchOnly })

		got := syncedPolicy(ns, sp.Name, "")
		Expect(got.Status.Counts.Ambiguous).To(BeNumerically(">", v1alpha1.MaxStatusListItems), "the counts tell the whole number")
		Expect(got.Status.Ambiguous).To(HaveLen(v1alpha1.MaxStatusListItems))
		for _, a := range got.Status.Ambiguous {
			Expect(a.Candidates).To(HaveLen(v1alpha1.MaxAmbiguousCandidates))
		}
	})

	It("stores the user links of thousands of users within the cap and counts them all", func() {
		const users = 3000
		ns := newNamespace()
		hf := haloFixture()
		hf.Clients = []halosim.Client{{ID: haloClientY, Name: "Initrode", TopLevelID: 1}}
		cf := cqpsim.Fixture{APIKey: cqpTestKey, Customers: []cqpsim.Customer{{ID: cqpCustomer, Name: "Initrode Global"}}}
		// Long tool ids (the schema allows 128 bytes). TestWorstCaseStatusFitsInOneObject in
		// api/v1alpha1 sizes the worst case the caps allow.
		pad := strings.Repeat("x", 110)
		for i := 1; i <= users; i++ {
			email := fmt.Sprintf("user%05d@initrode.com", i)
			hf.Users = append(hf.Users, halosim.User{ID: 1000 + i, Name: fmt.Sprintf("User %05d", i), ClientID: haloClientY, EmailAddress: email})
			cf.Users = append(cf.Users, cqpsim.User{ID: fmt.Sprintf("qp-%05d-%s", i, pad), CustomerID: cqpCustomer, Email: email})
		}
		connect(ns, "halo", v1alpha1.ProviderHaloPSA, serve(halosim.New(hf)), haloCreds)
		connect(ns, "cqp", v1alpha1.ProviderCyberQP, serve(cqpsim.New(cf)), cqpCreds)
		sp := policy(ns, "many-users", "halo", "cqp", func(s *v1alpha1.SyncPolicySpec) {
			s.Mode = v1alpha1.ModeMatchOnly
			s.Users = v1alpha1.UserSync{Enabled: true, OnMultipleMatches: v1alpha1.MultipleFlag,
				MatchBy: []v1alpha1.UserMatchKey{v1alpha1.MatchByEmail}}
		})
		am := &v1alpha1.AccountMapping{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "initrode"},
			Spec: v1alpha1.AccountMappingSpec{
				PolicyRef: v1alpha1.LocalObjectReference{Name: sp.Name},
				PSA:       v1alpha1.MappingPSA{AccountID: strconv.Itoa(haloClientY)},
				Tool:      v1alpha1.MappingTool{OrganizationID: cqpCustomer},
				Location:  v1alpha1.LocationMapping{Mode: v1alpha1.LocationMain},
			},
		}
		Expect(k8s.Create(ctx, am)).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(am), am)).To(Succeed())
			g.Expect(am.Status.Users).NotTo(BeNil(), readyReasonOf(*am))
			g.Expect(am.Status.Users.Matched).To(Equal(int32(users)))
		}, 2*time.Minute).Should(Succeed())
		Expect(am.Status.UserLinks).To(HaveLen(v1alpha1.MaxUserLinks))
		Expect(am.Status.UserLinks[0].ToolUserID).To(HavePrefix("qp-00001-"), "the first links by tool user id")
	})
})

var _ = Describe("Refuse what cannot work", func() {
	It("refuses an Export policy whose tool cannot create organizations, and generates no mapping", func() {
		ns := newNamespace()
		hf := haloFixture()
		hf.Clients = []halosim.Client{{ID: haloClientY, Name: "Initrode", TopLevelID: 1}}
		connect(ns, "halo", v1alpha1.ProviderHaloPSA, serve(halosim.New(hf)), haloCreds)
		connect(ns, "cqp", v1alpha1.ProviderCyberQP, serve(cqpUsersTool()), cqpCreds)
		sp := policy(ns, "export-to-cqp", "halo", "cqp", func(s *v1alpha1.SyncPolicySpec) { s.Mode = v1alpha1.ModeExport })

		Eventually(func() string { return conditionOf(sp, v1alpha1.ConditionReady) }).
			Should(And(HavePrefix("False/"+v1alpha1.ReasonInvalidSpec), ContainSubstring("CreateOrganization"), ContainSubstring("CyberQP")))
		Consistently(func() []v1alpha1.AccountMapping { return mappings(ns) }, "2s").Should(BeEmpty())

		// Fixed in the spec, the policy syncs.
		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(sp), sp)).To(Succeed())
		sp.Spec.Mode = v1alpha1.ModeMatchOnly
		Expect(k8s.Update(ctx, sp)).To(Succeed())
		Eventually(func() string { return conditionOf(sp, v1alpha1.ConditionReady) }).Should(HavePrefix("True/"))
	})
})
