package v1alpha1_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
)

var nsCounter int

// newNamespace gives each spec its own namespace so names never collide.
func newNamespace() string {
	nsCounter++
	name := fmt.Sprintf("validation-%d", nsCounter)
	Expect(k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})).To(Succeed())
	return name
}

func parse(doc string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	Expect(yaml.Unmarshal([]byte(doc), &u.Object)).To(Succeed())
	return u
}

func create(ns, doc string) error {
	u := parse(doc)
	u.SetNamespace(ns)
	return k8s.Create(ctx, u)
}

const icBase = `
apiVersion: accountsync.io/v1alpha1
kind: IntegrationConnection
metadata: {name: ic}
spec:
  provider: ConnectWisePSA
  url: %s
  credentialsSecretRef: {name: cw}
%s`

const spBase = `
apiVersion: accountsync.io/v1alpha1
kind: SyncPolicy
metadata: {name: sp}
spec:
  psa: {connectionRef: {name: psa}%s}
  tool: {connectionRef: {name: tool}}
%s`

const amBase = `
apiVersion: accountsync.io/v1alpha1
kind: AccountMapping
metadata: {name: am}
spec:
  policyRef: {name: sp}
%s`

var _ = Describe("IntegrationConnection validation", func() {
	DescribeTable("rejects an invalid spec with a message naming the field",
		func(url, extra, wantField, wantMsg string) {
			err := create(newNamespace(), fmt.Sprintf(icBase, url, extra))
			Expect(err).To(HaveOccurred())
			Expect(err.Error()).To(ContainSubstring(wantField))
			Expect(err.Error()).To(ContainSubstring(wantMsg))
		},
		Entry("plain http to a public host", "http://api-na.myconnectwise.net", "", "spec.url", "must be an https URL"),
		Entry("http to a private address", "http://10.0.0.5:8080", "", "spec.url", "must be an https URL"),
		Entry("not a URL", "api-na.myconnectwise.net", "", "spec.url", "must be an https URL"),
		Entry("ftp scheme", "ftp://example.com", "", "spec.url", "must be an https URL"),
		Entry("timeout not a duration", "https://x.example.com", "  timeout: 10 minutes", "spec.timeout", "should match"),
		Entry("probeInterval without unit", "https://x.example.com", "  probeInterval: \"300\"", "spec.probeInterval", "should match"),
		Entry("rate limit of zero", "https://x.example.com", "  rateLimit: {requestsPerMinute: 0}", "spec.rateLimit.requestsPerMinute", "greater than or equal to 1"),
		Entry("CA bundle and insecure together", "https://x.example.com",
			"  tls: {caBundleSecretRef: {name: ca, key: ca.crt}, insecureSkipVerify: true}", "spec.tls", "mutually exclusive"),
	)

	DescribeTable("admits spec.authURL only for HaloPSA, as https or loopback http",
		func(provider, authURL, wantMsg string) {
			doc := strings.Replace(fmt.Sprintf(icBase, "https://acme.halopsa.com", "  authURL: "+authURL), "ConnectWisePSA", provider, 1)
			err := create(newNamespace(), doc)
			if wantMsg == "" {
				Expect(err).NotTo(HaveOccurred())
				return
			}
			Expect(err).To(HaveOccurred())
			Expect(err.Error()).To(ContainSubstring(wantMsg))
		},
		Entry("https for HaloPSA", "HaloPSA", "https://auth.example.com/auth", ""),
		Entry("loopback http for HaloPSA", "HaloPSA", "http://127.0.0.1:8080/auth", ""),
		Entry("plain http to a public host", "HaloPSA", "http://auth.example.com/auth", "spec.authURL must be an https URL"),
		Entry("another provider", "KaseyaBMS", "https://auth.example.com/auth", "spec.authURL applies to HaloPSA only"),
	)

	It("rejects an unknown provider", func() {
		doc := strings.Replace(fmt.Sprintf(icBase, "https://x.example.com", ""), "ConnectWisePSA", "Autotask", 1)
		err := create(newNamespace(), doc)
		Expect(err).To(HaveOccurred())
		Expect(err.Error()).To(ContainSubstring("spec.provider"))
		Expect(err.Error()).To(ContainSubstring("Unsupported value"))
	})

	It("requires credentialsSecretRef.name", func() {
		doc := strings.Replace(fmt.Sprintf(icBase, "https://x.example.com", ""), "{name: cw}", "{}", 1)
		err := create(newNamespace(), doc)
		Expect(err).To(HaveOccurred())
		Expect(err.Error()).To(ContainSubstring("spec.credentialsSecretRef.name"))
		Expect(err.Error()).To(ContainSubstring("Required value"))
	})

	DescribeTable("accepts loopback http for tests and the demo",
		func(url string) {
			Expect(create(newNamespace(), fmt.Sprintf(icBase, url, ""))).To(Succeed())
		},
		Entry("localhost", "http://localhost:18080"),
		Entry("127.0.0.1", "http://127.0.0.1:18080"),
		Entry("127.x.y.z", "http://127.1.2.3"),
		Entry("IPv6 loopback", "http://[::1]:8080"),
		Entry("https anywhere", "https://api-na.myconnectwise.net"),
	)

	It("keeps spec.provider immutable", func() {
		ns := newNamespace()
		Expect(create(ns, fmt.Sprintf(icBase, "https://x.example.com", ""))).To(Succeed())
		ic := &v1alpha1.IntegrationConnection{}
		Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "ic"}, ic)).To(Succeed())
		ic.Spec.Provider = v1alpha1.ProviderHaloPSA
		err := k8s.Update(ctx, ic)
		Expect(err).To(HaveOccurred())
		Expect(err.Error()).To(ContainSubstring("spec.provider is immutable"))
	})

	It("stores durations exactly as written and fills defaults", func() {
		ns := newNamespace()
		Expect(create(ns, fmt.Sprintf(icBase, "https://x.example.com", "  timeout: 90s\n  rateLimit: {requestsPerMinute: 60}"))).To(Succeed())
		ic := &v1alpha1.IntegrationConnection{}
		Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "ic"}, ic)).To(Succeed())
		Expect(ic.Spec.Timeout).To(Equal(v1alpha1.Duration("90s")))
		Expect(ic.Spec.ProbeInterval).To(Equal(v1alpha1.Duration("5m")))
		Expect(ic.Spec.RateLimit.Burst).To(Equal(int32(10)))

		Expect(create(ns, strings.Replace(fmt.Sprintf(icBase, "https://x.example.com", "  timeout: 1h30m\n  probeInterval: 1h"), "name: ic}", "name: ic2}", 1))).To(Succeed())
		Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "ic2"}, ic)).To(Succeed())
		Expect(ic.Spec.Timeout).To(Equal(v1alpha1.Duration("1h30m")))
		Expect(ic.Spec.ProbeInterval).To(Equal(v1alpha1.Duration("1h")))
	})
})

var _ = Describe("SyncPolicy validation", func() {
	DescribeTable("rejects an invalid spec with a message naming the field",
		func(psaExtra, extra, wantField, wantMsg string) {
			err := create(newNamespace(), fmt.Sprintf(spBase, psaExtra, extra))
			Expect(err).To(HaveOccurred())
			Expect(err.Error()).To(ContainSubstring(wantField))
			Expect(err.Error()).To(ContainSubstring(wantMsg))
		},
		Entry("unknown mode", "", "  mode: Mirror", "spec.mode", "Unsupported value"),
		Entry("createWhen Referenced with Export", "", "  mode: Export\n  createWhen: Referenced", "spec.createWhen", "requires spec.mode Import or Bidirectional"),
		Entry("createWhen Referenced with MatchOnly", "", "  createWhen: Referenced", "spec.createWhen", "requires spec.mode Import or Bidirectional"),
		Entry("batchSize 0", "", "  creation: {batchSize: 0}", "spec.creation.batchSize", "greater than or equal to 1"),
		Entry("batchSize 1001", "", "  creation: {batchSize: 1001}", "spec.creation.batchSize", "less than or equal to 1000"),
		Entry("Prefix without a prefix", "", "  creation: {onNameConflict: Prefix}", "spec.creation.namePrefix", "required when onNameConflict is Prefix"),
		Entry("unknown name matching", "", "  matching: {name: Fuzzy}", "spec.matching.name", "Unsupported value"),
		Entry("unknown onMultipleMatches", "", "  matching: {onMultipleMatches: Random}", "spec.matching.onMultipleMatches", "Unsupported value"),
		Entry("autoLinkScore above 100", "", "  matching: {autoLinkScore: 101}", "spec.matching.autoLinkScore", "less than or equal to 100"),
		Entry("negative autoLinkScore", "", "  matching: {autoLinkScore: -1}", "spec.matching.autoLinkScore", "greater than or equal to 0"),
		Entry("regex too long", ", filter: {namePattern: \""+strings.Repeat("a", 1025)+"\"}", "", "spec.psa.filter.namePattern", "Too long"),
		Entry("exclude regex too long on the tool side", "", "  tool: {connectionRef: {name: tool}, filter: {excludeNamePattern: \""+strings.Repeat("b", 1025)+"\"}}", "spec.tool.filter.excludeNamePattern", "Too long"),
		Entry("duplicate matchBy", "", "  users: {enabled: true, matchBy: [Email, Phone, Email]}", "spec.users.matchBy", "must be unique"),
		Entry("unknown matchBy key", "", "  users: {matchBy: [Email, Fax]}", "spec.users.matchBy", "Unsupported value"),
		Entry("empty status name", ", filter: {statuses: [\"\"]}", "", "spec.psa.filter.statuses[0]", "at least 1 chars long"),
		Entry("interval not a duration", "", "  interval: every hour", "spec.interval", "should match"),
		Entry("settlePeriod not a duration", "", "  creation: {settlePeriod: soon}", "spec.creation.settlePeriod", "should match"),
		Entry("maxShrinkPercent 0", "", "  safety: {maxShrinkPercent: 0}", "spec.safety.maxShrinkPercent", "greater than or equal to 1"),
		Entry("maxShrinkPercent 101", "", "  safety: {maxShrinkPercent: 101}", "spec.safety.maxShrinkPercent", "less than or equal to 100"),
		Entry("minRecords 0", "", "  safety: {minRecords: 0}", "spec.safety.minRecords", "greater than or equal to 1"),
		Entry("mapping defaults Custom without entries", "", "  mappingDefaults: {location: {mode: Custom}}", "spec.mappingDefaults.location", "custom is required when mode is Custom"),
	)

	It("rejects a policy whose two sides name the same connection", func() {
		doc := strings.Replace(fmt.Sprintf(spBase, "", ""), "{name: tool}", "{name: psa}", 1)
		err := create(newNamespace(), doc)
		Expect(err).To(HaveOccurred())
		Expect(err.Error()).To(ContainSubstring("spec.psa.connectionRef and spec.tool.connectionRef must name different connections"))
	})

	It("rejects a name that cannot be the value of the accountsync.io/policy label", func() {
		ns := newNamespace()
		named := func(name string) string {
			return strings.Replace(fmt.Sprintf(spBase, "", ""), "name: sp}", "name: "+name+"}", 1)
		}
		err := create(ns, named(strings.Repeat("p", 64)))
		Expect(err).To(HaveOccurred())
		Expect(err.Error()).To(ContainSubstring("metadata.name must be at most 63 characters"))
		Expect(err.Error()).To(ContainSubstring(v1alpha1.PolicyLabel))
		// 63 characters is a valid label value: the policy is accepted and can label its mappings.
		longest := strings.Repeat("p", 63)
		Expect(create(ns, named(longest))).To(Succeed())
		am := parse(fmt.Sprintf(amBase, "  psa: {accountID: \"250\"}\n  tool: {organizationID: \"9001\"}"))
		am.SetNamespace(ns)
		am.SetLabels(map[string]string{v1alpha1.PolicyLabel: longest})
		Expect(k8s.Create(ctx, am)).To(Succeed())
	})

	It("fills every default and reads back what was applied", func() {
		ns := newNamespace()
		Expect(create(ns, fmt.Sprintf(spBase, "", ""))).To(Succeed())
		sp := &v1alpha1.SyncPolicy{}
		Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "sp"}, sp)).To(Succeed())
		Expect(sp.Spec.Mode).To(Equal(v1alpha1.ModeMatchOnly))
		Expect(sp.Spec.CreateWhen).To(Equal(v1alpha1.CreateAlways))
		Expect(sp.Spec.Interval).To(Equal(v1alpha1.Duration("10m")))
		Expect(sp.Spec.Matching).To(Equal(v1alpha1.Matching{Name: v1alpha1.MatchNormalized, OnMultipleMatches: v1alpha1.MultipleFlag}))
		Expect(sp.Spec.Creation).To(Equal(v1alpha1.Creation{NamePrefix: "", OnNameConflict: v1alpha1.ConflictFail, BatchSize: 100, SettlePeriod: "5m"}))
		Expect(sp.Spec.Safety).To(Equal(v1alpha1.Safety{MaxShrinkPercent: 50, MinRecords: 10}))
		Expect(sp.Spec.MappingDefaults.Location.Mode).To(Equal(v1alpha1.LocationMain))
		Expect(sp.Spec.MappingDefaults.Services).To(Equal(v1alpha1.Services{Billing: true, Ticketing: true}))
		Expect(sp.Spec.Users.MatchBy).To(Equal([]v1alpha1.UserMatchKey{v1alpha1.MatchByEmail, v1alpha1.MatchByPhone, v1alpha1.MatchByName}))
		Expect(sp.Spec.Users.OnMultipleMatches).To(Equal(v1alpha1.MultipleFlag))
		Expect(sp.Spec.Users.Enabled).To(BeFalse())
		Expect(sp.Spec.Assets.Enabled).To(BeFalse())
	})

	It("keeps an interval exactly as written", func() {
		ns := newNamespace()
		Expect(create(ns, fmt.Sprintf(spBase, "", "  interval: 1h0m\n  mode: Import\n  createWhen: Referenced"))).To(Succeed())
		sp := &v1alpha1.SyncPolicy{}
		Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "sp"}, sp)).To(Succeed())
		Expect(sp.Spec.Interval).To(Equal(v1alpha1.Duration("1h0m")))
		Expect(sp.Spec.CreateWhen).To(Equal(v1alpha1.CreateReferenced))

		Expect(create(ns, strings.Replace(fmt.Sprintf(spBase, "", "  creation: {settlePeriod: 90s}"), "{name: sp}", "{name: sp2}", 1))).To(Succeed())
		Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "sp2"}, sp)).To(Succeed())
		Expect(sp.Spec.Creation.SettlePeriod).To(Equal(v1alpha1.Duration("90s")))
	})
})

var _ = Describe("AccountMapping validation", func() {
	DescribeTable("rejects an invalid spec with a message naming the field",
		func(body, wantField, wantMsg string) {
			err := create(newNamespace(), fmt.Sprintf(amBase, body))
			Expect(err).To(HaveOccurred())
			Expect(err.Error()).To(ContainSubstring(wantField))
			Expect(err.Error()).To(ContainSubstring(wantMsg))
		},
		Entry("PSA side names nothing", "  psa: {}\n  tool: {organizationID: \"9001\"}", "spec.psa", "set exactly one of accountID and create"),
		Entry("PSA side names both", "  psa: {accountID: \"250\", create: true}\n  tool: {organizationID: \"9001\"}", "spec.psa", "set exactly one of accountID and create"),
		Entry("PSA create false and no id", "  psa: {create: false}\n  tool: {organizationID: \"9001\"}", "spec.psa", "set exactly one of accountID and create"),
		Entry("tool side names nothing", "  psa: {accountID: \"250\"}\n  tool: {}", "spec.tool", "set exactly one of organizationID and create"),
		Entry("tool side names both", "  psa: {accountID: \"250\"}\n  tool: {organizationID: \"1\", create: true}", "spec.tool", "set exactly one of organizationID and create"),
		Entry("create on both sides", "  psa: {create: true}\n  tool: {create: true}", "spec", "spec.psa.create and spec.tool.create cannot both be true"),
		Entry("Custom without entries", "  psa: {accountID: \"250\"}\n  tool: {organizationID: \"9001\"}\n  location: {mode: Custom}", "spec.location", "custom is required when mode is Custom and forbidden otherwise"),
		Entry("entries with Main", "  psa: {accountID: \"250\"}\n  tool: {organizationID: \"9001\"}\n  location: {mode: Main, custom: [{machineGroup: hq, location: HQ}]}", "spec.location", "custom is required when mode is Custom and forbidden otherwise"),
		Entry("entries with GroupID", "  psa: {accountID: \"250\"}\n  tool: {organizationID: \"9001\"}\n  location: {mode: GroupID, custom: [{machineGroup: hq, location: HQ}]}", "spec.location", "forbidden otherwise"),
		Entry("duplicate machine group", "  psa: {accountID: \"250\"}\n  tool: {organizationID: \"9001\"}\n  location: {mode: Custom, custom: [{machineGroup: hq, location: HQ}, {machineGroup: hq, location: Other}]}", "spec.location.custom[1]", "Duplicate value"),
		Entry("custom entry without location", "  psa: {accountID: \"250\"}\n  tool: {organizationID: \"9001\"}\n  location: {mode: Custom, custom: [{machineGroup: hq}]}", "spec.location.custom[0].location", "Required value"),
		Entry("unknown location mode", "  psa: {accountID: \"250\"}\n  tool: {organizationID: \"9001\"}\n  location: {mode: Site}", "spec.location.mode", "Unsupported value"),
		Entry("empty account id", "  psa: {accountID: \"\"}\n  tool: {organizationID: \"9001\"}", "spec.psa.accountID", "at least 1 chars long"),
		Entry("duplicate user override", "  psa: {accountID: \"250\"}\n  tool: {organizationID: \"9001\"}\n  userOverrides: [{toolUserID: u1, psaUserID: \"1\"}, {toolUserID: u1, psaUserID: \"2\"}]", "spec.userOverrides[1]", "Duplicate value"),
		Entry("missing policyRef", "  policyRef: null\n  psa: {accountID: \"250\"}\n  tool: {organizationID: \"9001\"}", "spec.policyRef", "Required value"),
	)

	It("fills the location and services defaults", func() {
		ns := newNamespace()
		Expect(create(ns, fmt.Sprintf(amBase, "  psa: {accountID: \"250\"}\n  tool: {create: true}"))).To(Succeed())
		am := &v1alpha1.AccountMapping{}
		Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "am"}, am)).To(Succeed())
		Expect(am.Spec.Location.Mode).To(Equal(v1alpha1.LocationMain))
		Expect(am.Spec.Services).To(Equal(v1alpha1.Services{Billing: true, Ticketing: true}))
		Expect(am.Spec.Tool.Create).To(BeTrue())
	})
})

var _ = Describe("config/samples", func() {
	It("are all accepted by the API server", func() {
		files, err := filepath.Glob(filepath.Join("..", "..", "config", "samples", "*.yaml"))
		Expect(err).NotTo(HaveOccurred())
		Expect(files).NotTo(BeEmpty())
		ns := newNamespace()
		kinds := map[string]int{}
		for _, f := range files {
			if filepath.Base(f) == "kustomization.yaml" {
				continue
			}
			data, err := os.ReadFile(f)
			Expect(err).NotTo(HaveOccurred())
			dec := utilyaml.NewYAMLOrJSONDecoder(strings.NewReader(string(data)), 4096)
			for {
				u := &unstructured.Unstructured{}
				if err := dec.Decode(&u.Object); err != nil {
					break
				}
				if len(u.Object) == 0 {
					continue
				}
				u.SetNamespace(ns)
				Expect(k8s.Create(ctx, u)).To(Succeed(), "sample %s (%s %s)", f, u.GetKind(), u.GetName())
				kinds[u.GetKind()]++
			}
		}
		Expect(kinds["IntegrationConnection"]).To(Equal(6), "one connection sample per provider")
		Expect(kinds["SyncPolicy"]).To(BeNumerically(">=", 4))
		Expect(kinds["AccountMapping"]).To(BeNumerically(">=", 3))
	})
})
