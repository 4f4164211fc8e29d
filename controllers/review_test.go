package controllers_test

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strconv"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/review"
	cwsim "github.com/accountsync/accountsync-operator/internal/simulator/connectwise"
	vsasim "github.com/accountsync/accountsync-operator/internal/simulator/kaseyavsa"
)

// envtestKubeconfig writes a kubeconfig for the test API server, as a person's kubectl has one.
func envtestKubeconfig() string {
	kc := clientcmdapi.NewConfig()
	kc.Clusters["envtest"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos["admin"] = &clientcmdapi.AuthInfo{ClientCertificateData: cfg.CertData, ClientKeyData: cfg.KeyData, Token: cfg.BearerToken}
	kc.Contexts["envtest"] = &clientcmdapi.Context{Cluster: "envtest", AuthInfo: "admin", Namespace: "default"}
	kc.CurrentContext = "envtest"
	path := filepath.Join(GinkgoT().TempDir(), "kubeconfig")
	Expect(clientcmd.WriteToFile(*kc, path)).To(Succeed())
	return path
}

// plugin runs `kubectl accountsync args...` against the test API server in namespace ns.
func plugin(kubeconfig, ns string, args ...string) (string, error) {
	var out, errOut bytes.Buffer
	cmd := review.NewCommandWith(genericiooptions.IOStreams{In: &bytes.Buffer{}, Out: &out, ErrOut: &errOut},
		func() time.Time { return time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC) })
	cmd.SetArgs(append(args, "--kubeconfig", kubeconfig, "-n", ns))
	err := cmd.ExecuteContext(ctx)
	return out.String(), err
}

var _ = Describe("Review: suggestions, field selectors and the kubectl plugin", func() {
	var (
		ns, kubeconfig string
		cw             *cwsim.Server
		vsa            *vsasim.Server
	)
	orgID := func(name string) string {
		for _, o := range vsa.Orgs() {
			if o.Name == name {
				return o.ID
			}
		}
		Fail("no VSA org " + name)
		return ""
	}

	BeforeEach(func() {
		ns = newNamespace()
		kubeconfig = envtestKubeconfig()
		f := cwFixture([]cwSeedCompany{
			{name: "Acme Corp", status: cwActive, types: []int{cwClient}},
			{name: "Smith & Jones Dental PLLC", status: cwActive, types: []int{cwClient}},
			{name: "Summit Dental Lab", status: cwActive, types: []int{cwClient}},
			{name: "Jonson Plumbing", status: cwActive, types: []int{cwClient}},
		})
		f.Companies[1].Website = "www.jsdental.com"
		cw = cwsim.New(f)
		vf := vsaFixture(0)
		vf.Orgs = []vsasim.Org{
			{Name: "ACME CORP.", Ref: "acme"},
			{Name: "Jones Smith Dental", Ref: "jsd", Website: "https://jsdental.com/"},
			{Name: "Summit Dental", Ref: "summit"},
			{Name: "Johnson Plumbing", Ref: "johnson"},
		}
		vsa = vsasim.New(vf)
		connect(ns, "cw", v1alpha1.ProviderConnectWisePSA, serve(cw), cwCreds)
		connect(ns, "vsa", v1alpha1.ProviderKaseyaVSA, serve(vsa), vsaCreds)
	})

	It("suggests counterparts, selects mappings by field, and links a pair mapped with the plugin at the next sync", func() {
		policy(ns, "cw", "cw", "vsa", func(s *v1alpha1.SyncPolicySpec) {
			s.Mode = v1alpha1.ModeMatchOnly
			s.PSA.Filter = v1alpha1.PSAFilter{Statuses: []string{"Active"}, Types: []string{"Client"}}
		})
		sp := syncedPolicy(ns, "cw", "")
		Expect(sp.Status.Counts.Mapped).To(Equal(int32(1)))
		suggestions := map[string][]v1alpha1.ScoredRecord{}
		for _, u := range sp.Status.Unmatched {
			suggestions[u.Name] = u.Suggestions
		}
		jsd := suggestions["Jones Smith Dental"]
		Expect(jsd).NotTo(BeEmpty())
		Expect(jsd[0].Name).To(Equal("Smith & Jones Dental PLLC"))
		Expect(jsd[0].Signals).To(Equal([]v1alpha1.Signal{v1alpha1.SignalName, v1alpha1.SignalDomain}), "the web sites agree")
		Expect(suggestions["Summit Dental"]).NotTo(BeEmpty())
		Expect(suggestions["Summit Dental"][0].Name).To(Equal("Summit Dental Lab"))
		Expect(suggestions["Summit Dental"][0].Score).To(BeNumerically("<", 80), "a near-miss stays below a match")

		acmeID := cwCompanyID(cw, "Acme Corp")
		Eventually(func(g Gomega) {
			ams := mappings(ns)
			g.Expect(ams).To(HaveLen(1))
			g.Expect(ams[0].Status.State).To(Equal(v1alpha1.StateOK))
		}).Should(Succeed())

		By("selecting mappings by field on the API server")
		count := func(field, value string) int {
			var l v1alpha1.AccountMappingList
			Expect(k8s.List(ctx, &l, client.InNamespace(ns), client.MatchingFields{field: value})).To(Succeed())
			return len(l.Items)
		}
		Expect(count("status.state", "OK")).To(Equal(1))
		Expect(count("status.state", "HasEvents")).To(BeZero())
		Expect(count("spec.policyRef.name", "cw")).To(Equal(1))
		Expect(count("spec.policyRef.name", "other")).To(BeZero())
		Expect(count("status.psaAccount.id", acmeID)).To(Equal(1))
		Expect(count("status.toolOrganization.id", orgID("ACME CORP."))).To(Equal(1))

		By("reviewing with the plugin")
		out, err := plugin(kubeconfig, ns, "review")
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(ContainSubstring("Unmatched (6)"))
		Expect(out).To(MatchRegexp(`cw\s+Tool\s+\d+\s+Summit Dental\s+\d+\s+Summit Dental Lab \(\d+\)\s+Name`))
		Expect(out).To(ContainSubstring("kubectl accountsync map cw --tool"))

		By("printing the manual mapping a person commits")
		summit, lab := orgID("Summit Dental"), cwCompanyID(cw, "Summit Dental Lab")
		out, err = plugin(kubeconfig, ns, "map", "cw", "--tool", summit, "--psa", lab)
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(Equal(fmt.Sprintf(`apiVersion: accountsync.io/v1alpha1
kind: AccountMapping
metadata:
  name: cw-manual-%s
  namespace: %s
spec:
  location:
    mode: Main
  policyRef:
    name: cw
  psa:
    accountID: "%s"
  services:
    billing: true
    ticketing: true
  tool:
    organizationID: "%s"
`, summit, ns, lab, summit)))
		Expect(mappings(ns)).To(HaveLen(1), "map without --apply writes nothing")

		By("applying it; the next sync links it")
		out, err = plugin(kubeconfig, ns, "map", "cw", "--tool", summit, "--psa", lab, "--apply")
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(Equal("accountmapping.accountsync.io/cw-manual-" + summit + " created\n"))
		out, err = plugin(kubeconfig, ns, "sync", "cw")
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(ContainSubstring("syncpolicy.accountsync.io/cw: sync requested (accountsync.io/sync-requested-at=2026-12-05T12:00:00Z)"))
		sp = syncedPolicy(ns, "cw", "2026-12-05T12:00:00Z")
		Expect(sp.Status.Counts.Mapped).To(Equal(int32(2)))
		Eventually(func(g Gomega) {
			var am v1alpha1.AccountMapping
			g.Expect(k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: "cw-manual-" + summit}, &am)).To(Succeed())
			g.Expect(am.Status.State).To(Equal(v1alpha1.StateOK), readyReasonOf(am))
			g.Expect(am.Status.PSAAccount).To(Equal(&v1alpha1.RecordRef{ID: lab, Name: "Summit Dental Lab"}))
		}).Should(Succeed())
		for _, u := range sp.Status.Unmatched {
			Expect(u.Name).NotTo(BeElementOf("Summit Dental", "Summit Dental Lab"), "a linked record is no longer unmatched")
			for _, s := range u.Suggestions {
				Expect(s.ID).NotTo(BeElementOf(summit, lab), "a held record is never suggested")
			}
		}

		By("refusing a pair another mapping holds, naming it")
		_, err = plugin(kubeconfig, ns, "map", "cw", "--tool", orgID("Johnson Plumbing"), "--psa", lab, "--apply")
		Expect(err).To(MatchError(fmt.Sprintf(`PSA account %q is already held by manual AccountMapping "cw-manual-%s"`, lab, summit)))
		_, err = plugin(kubeconfig, ns, "map", "cw", "--tool", orgID("ACME CORP."), "--psa", cwCompanyID(cw, "Jonson Plumbing"))
		Expect(err).To(MatchError(ContainSubstring(`tool organization %q is already held by generated AccountMapping "cw-org-%s"`, orgID("ACME CORP."), orgID("ACME CORP."))))
		Expect(mappings(ns)).To(HaveLen(2))

		By("status and explain read the same objects")
		out, err = plugin(kubeconfig, ns, "status")
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(ContainSubstring("Mappings: 2 total, 2 OK, 0 HasEvents, 0 NotAvailable (1 manual)"))
		out, err = plugin(kubeconfig, ns, "explain", "cw-manual-"+summit)
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(ContainSubstring("(manual (a person's; no controller changes or deletes it))"))
		Expect(out).To(ContainSubstring("State:    OK: linked, and the last sync had no problem"))
		Expect(out).To(ContainSubstring("Ready:    True, reason Linked"))
		out, err = plugin(kubeconfig, ns, "status", "-o", "json")
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(ContainSubstring(`"policies": [`))
	})

	It("links a suggestion at or above matching.autoLinkScore itself, with reason Suggested", func() {
		policy(ns, "auto", "cw", "vsa", func(s *v1alpha1.SyncPolicySpec) {
			s.Mode = v1alpha1.ModeMatchOnly
			s.PSA.Filter = v1alpha1.PSAFilter{Statuses: []string{"Active"}, Types: []string{"Client"}}
			s.Matching.AutoLinkScore = 90
		})
		jsd := orgID("Jones Smith Dental")
		Eventually(func(g Gomega) {
			var am v1alpha1.AccountMapping
			g.Expect(k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: "auto-org-" + jsd}, &am)).To(Succeed())
			c := meta.FindStatusCondition(am.Status.Conditions, v1alpha1.ConditionReady)
			g.Expect(c).NotTo(BeNil())
			g.Expect(c.Reason).To(Equal(v1alpha1.ReasonSuggested), c.Message)
			g.Expect(am.Status.State).To(Equal(v1alpha1.StateOK))
			g.Expect(am.Status.PSAAccount.Name).To(Equal("Smith & Jones Dental PLLC"))
			score, err := strconv.Atoi(am.Annotations[v1alpha1.SuggestedScoreAnnotation])
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(score).To(BeNumerically(">=", 90))
		}).Should(Succeed())
		// Summit Dental / Summit Dental Lab and Johnson / Jonson Plumbing stay for a person.
		Consistently(func() int { return len(mappings(ns)) }, "2s").Should(Equal(2))
	})

	It("marks a generated mapping re-pointed to a suggestion as Suggested, and a name match as Linked", func() {
		exact, err := cw.AddCompany(cwsim.Company{Identifier: "JSD", Name: "Jones Smith Dental",
			Status: &cwsim.Ref{ID: cwActive}, Types: []cwsim.Ref{{ID: cwClient}}})
		Expect(err).NotTo(HaveOccurred())
		sp := policy(ns, "auto", "cw", "vsa", func(s *v1alpha1.SyncPolicySpec) {
			s.Mode = v1alpha1.ModeMatchOnly
			s.PSA.Filter = v1alpha1.PSAFilter{Statuses: []string{"Active"}, Types: []string{"Client"}}
			s.Matching.AutoLinkScore = 90
		})
		key := types.NamespacedName{Namespace: ns, Name: "auto-org-" + orgID("Jones Smith Dental")}
		reasonAndPSA := func(g Gomega) (string, string, string) {
			var am v1alpha1.AccountMapping
			g.Expect(k8s.Get(ctx, key, &am)).To(Succeed())
			c := meta.FindStatusCondition(am.Status.Conditions, v1alpha1.ConditionReady)
			g.Expect(c).NotTo(BeNil())
			g.Expect(am.Status.PSAAccount).NotTo(BeNil())
			return c.Reason, am.Status.PSAAccount.ID, am.Annotations[v1alpha1.SuggestedScoreAnnotation]
		}
		Eventually(func(g Gomega) {
			reason, psa, score := reasonAndPSA(g)
			g.Expect(psa).To(Equal(strconv.Itoa(exact.ID)), "the exact name wins over a suggestion")
			g.Expect(reason).To(Equal(v1alpha1.ReasonLinked))
			g.Expect(score).To(BeEmpty())
		}).Should(Succeed())

		// Excluding the exact match frees the organization; the same mapping now takes the
		// suggestion and says so.
		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(sp), sp)).To(Succeed())
		sp.Spec.Exclude.PSAAccountIDs = []string{strconv.Itoa(exact.ID)}
		Expect(k8s.Update(ctx, sp)).To(Succeed())
		Eventually(func(g Gomega) {
			reason, psa, score := reasonAndPSA(g)
			g.Expect(psa).To(Equal(cwCompanyID(cw, "Smith & Jones Dental PLLC")))
			g.Expect(reason).To(Equal(v1alpha1.ReasonSuggested))
			g.Expect(score).NotTo(BeEmpty())
		}).Should(Succeed())
	})
})
