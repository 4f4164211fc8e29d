package controllers_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	gzsim "github.com/accountsync/accountsync-operator/internal/simulator/gravityzone"
	halosim "github.com/accountsync/accountsync-operator/internal/simulator/halopsa"
)

const gzTestKey = "gz-api-key-5b1e77"

var gzCreds = map[string]string{"apiKey": gzTestKey}
var haloCreds = map[string]string{"clientId": "accountsync-halo", "clientSecret": "halo-client-secret-9d2f"}

func haloFixture() halosim.Fixture {
	return halosim.Fixture{
		ClientID: haloCreds["clientId"], ClientSecret: haloCreds["clientSecret"],
		TopLevels: []halosim.TopLevel{{ID: 1, Name: "Managed"}},
	}
}

func gzCompaniesNamed(gz *gzsim.Server, name string) []gzsim.Company {
	var out []gzsim.Company
	for _, c := range gz.Companies() {
		if strings.EqualFold(c.Name, name) {
			out = append(out, c)
		}
	}
	return out
}

var _ = Describe("GravityZone seed", func() {
	It("exports Halo clients as GravityZone companies, prefixing a taken name, and leaves a Fail policy's conflict to a person", func() {
		ns := newNamespace()
		hf := haloFixture()
		hf.Clients = []halosim.Client{
			{ID: 10, Name: "Bitdefender", TopLevelID: 1},
			{ID: 11, Name: "Initech", TopLevelID: 1},
			{ID: 12, Name: "Globex", TopLevelID: 1},
		}
		halo := halosim.New(hf)
		gz := gzsim.New(gzsim.Fixture{APIKeys: []string{gzTestKey}, Companies: []gzsim.FixtureCompany{{Name: "Bitdefender"}}})
		holder := gzCompaniesNamed(gz, "Bitdefender")[0].ID
		connect(ns, "halo", v1alpha1.ProviderHaloPSA, serve(halo), haloCreds)
		connect(ns, "gz", v1alpha1.ProviderGravityZone, serve(gz)+"/api", gzCreds)

		// The existing "Bitdefender" company is excluded, so it is not linked: the Halo client of
		// that name is unmatched, and its create finds the name taken.
		sp := policy(ns, "halo-gz", "halo", "gz", func(s *v1alpha1.SyncPolicySpec) {
			s.Mode = v1alpha1.ModeExport
			s.Creation = v1alpha1.Creation{NamePrefix: "SanFrancisco_", OnNameConflict: v1alpha1.ConflictPrefix, BatchSize: 100}
			s.Exclude.ToolOrganizationIDs = []string{holder}
			s.MappingDefaults = v1alpha1.MappingDefaults{
				Location: v1alpha1.LocationMapping{Mode: v1alpha1.LocationMain},
				Services: v1alpha1.Services{Billing: true, Ticketing: false},
			}
		})
		first := syncedPolicy(ns, sp.Name, "")
		Expect(first.Status.Counts.PSAAccounts).To(Equal(int32(3)))
		Expect(first.Status.Counts.ToolOrganizations).To(BeZero(), "the only company is excluded")
		Expect(first.Status.Counts.Excluded).To(Equal(int32(1)))
		// Between syncs the policy re-plans on its snapshot as mappings report their creates, so
		// a create may already show as mapped here.
		Expect(first.Status.Counts.Mapped + first.Status.Counts.PendingCreate).To(Equal(int32(3)))

		createKey := "POST /api/v1.0/jsonrpc/companies#createCompany"
		wantName := map[string]string{"10": "SanFrancisco_Bitdefender", "11": "Initech", "12": "Globex"}
		Eventually(func(g Gomega) {
			ams := mappings(ns)
			g.Expect(ams).To(HaveLen(3))
			for _, am := range ams {
				g.Expect(am.Status.State).To(Equal(v1alpha1.StateOK), "%s: %s", am.Name, readyReasonOf(am))
				g.Expect(am.Status.ToolOrganization).NotTo(BeNil())
				g.Expect(am.Status.ToolOrganization.Name).To(Equal(wantName[am.Spec.PSA.AccountID]))
				// The generated spec converges to the created id.
				g.Expect(am.Spec.Tool.Create).To(BeFalse(), am.Name)
				g.Expect(am.Spec.Tool.OrganizationID).To(Equal(am.Status.ToolOrganization.ID))
				rc := meta.FindStatusCondition(am.Status.Conditions, v1alpha1.ConditionReady)
				g.Expect(rc).NotTo(BeNil())
				g.Expect(rc.ObservedGeneration).To(Equal(am.Generation), "%s: the converged spec is reconciled", am.Name)
			}
		}).WithTimeout(seedTimeout).Should(Succeed(), seedStuck)
		for _, am := range mappings(ns) {
			Expect(am.Name).To(Equal("halo-gz-acct-" + am.Spec.PSA.AccountID))
			Expect(am.Spec.Services).To(Equal(v1alpha1.Services{Billing: true, Ticketing: false}), "copied from mappingDefaults")
			Expect(am.Spec.Location.Mode).To(Equal(v1alpha1.LocationMain))
			Expect(am.Status.PSAAccount).NotTo(BeNil())
			Expect(am.Status.PSAAccount.Name).To(Equal(map[string]string{"10": "Bitdefender", "11": "Initech", "12": "Globex"}[am.Spec.PSA.AccountID]))
			Expect(am.OwnerReferences).To(HaveLen(1))
			c := meta.FindStatusCondition(am.Status.Conditions, v1alpha1.ConditionReady)
			Expect(c.Reason).To(Equal(v1alpha1.ReasonLinked))
			Expect(c.ObservedGeneration).To(Equal(am.Generation))
		}

		// GravityZone holds each name exactly once: the existing company was not touched, the
		// Halo client "Bitdefender" became SanFrancisco_Bitdefender.
		for _, n := range []string{"Bitdefender", "SanFrancisco_Bitdefender", "Initech", "Globex"} {
			Expect(gzCompaniesNamed(gz, n)).To(HaveLen(1), n)
		}
		Expect(gz.Companies()).To(HaveLen(4))
		Expect(gzCompaniesNamed(gz, "Bitdefender")[0].ID).To(Equal(holder))
		Expect(gz.Calls(createKey)).To(Equal(3), "one create per client, none refused")

		Eventually(func() int32 { return syncedPolicy(ns, sp.Name, "").Status.Counts.Created }).
			WithTimeout(seedTimeout).Should(Equal(int32(3)), "the first sync created three companies")

		req := syncNow(sp)
		next := syncedPolicy(ns, sp.Name, req)
		c := next.Status.Counts
		Expect(c.ToolOrganizations).To(Equal(int32(3)))
		Expect(c.Excluded).To(Equal(int32(1)))
		Expect(c.Mapped).To(Equal(int32(3)))
		Expect(c.Created).To(BeZero(), "this sync had nothing to create")
		Expect(c.PendingCreate).To(BeZero())
		Expect(c.Unmatched).To(BeZero())
		Expect(c.Conflicts).To(BeZero())
		Expect(meta.FindStatusCondition(next.Status.Conditions, v1alpha1.ConditionSynced).Reason).To(Equal(v1alpha1.ReasonSyncSucceeded))
		Expect(gz.Companies()).To(HaveLen(4))
		Expect(gz.Calls(createKey)).To(Equal(3))

		// A second policy that fails on a taken name: the create is not sent, the mapping waits
		// for a person and names the holder.
		fail := policy(ns, "halo-gz-fail", "halo", "gz", func(s *v1alpha1.SyncPolicySpec) {
			s.Mode = v1alpha1.ModeExport
			s.Creation = v1alpha1.Creation{OnNameConflict: v1alpha1.ConflictFail, BatchSize: 100}
			s.PSA.Filter.NamePattern = "^Bitdefender$"
			s.Tool.Filter.NamePattern = "^Bitdefender$"
			s.Exclude.ToolOrganizationIDs = []string{holder}
			s.MappingDefaults = v1alpha1.MappingDefaults{
				Location: v1alpha1.LocationMapping{Mode: v1alpha1.LocationMain},
				Services: v1alpha1.Services{Billing: true, Ticketing: true},
			}
		})
		failed := syncedPolicy(ns, fail.Name, "")
		Expect(failed.Status.Counts.PSAAccounts).To(Equal(int32(1)))
		Expect(failed.Status.Counts.Excluded).To(Equal(int32(1)))
		name := "halo-gz-fail-acct-10"
		am := &v1alpha1.AccountMapping{}
		Eventually(func(g Gomega) {
			g.Expect(k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, am)).To(Succeed())
			g.Expect(am.Status.State).To(Equal(v1alpha1.StateNotAvailable))
			rc := meta.FindStatusCondition(am.Status.Conditions, v1alpha1.ConditionReady)
			g.Expect(rc).NotTo(BeNil())
			g.Expect(rc.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(rc.Reason).To(Equal(v1alpha1.ReasonNameConflict), readyReasonOf(*am))
		}).WithTimeout(seedTimeout).Should(Succeed(), seedStuck)
		rc := meta.FindStatusCondition(am.Status.Conditions, v1alpha1.ConditionReady)
		Expect(rc.Message).To(ContainSubstring(holder), "the message names the holder's id")
		Expect(rc.Message).To(ContainSubstring(`"Bitdefender"`))
		Expect(am.Spec.Tool.Create).To(BeTrue(), "nothing was created, so the spec still asks for a create")
		Expect(am.Status.RecentEvents).NotTo(BeEmpty())
		Expect(am.Status.RecentEvents[0].Reason).To(Equal(v1alpha1.ReasonNameConflict))
		Expect(gz.Companies()).To(HaveLen(4))
		Expect(gz.Calls(createKey)).To(Equal(3), "a Fail policy sends no create for a taken name")

		req = syncNow(fail)
		again := syncedPolicy(ns, fail.Name, req)
		Expect(again.Status.Counts.Conflicts).To(Equal(int32(1)))
		Expect(again.Status.Counts.PendingCreate).To(BeZero(), "a name conflict waits for a person, not for the batch")
		Expect(again.Status.Counts.Mapped).To(BeZero())
		Expect(gz.Calls(createKey)).To(Equal(3))
		Expect(gzCompaniesNamed(gz, "Bitdefender")).To(HaveLen(1))

		// The Prefix policy's mappings are untouched by the second policy.
		for _, m := range mappings(ns) {
			if m.Spec.PolicyRef.Name == sp.Name {
				Expect(m.Status.State).To(Equal(v1alpha1.StateOK), m.Name)
			}
		}
	})
})
