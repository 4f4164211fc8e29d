package controllers_test

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	cqpsim "github.com/accountsync/accountsync-operator/internal/simulator/cyberqp"
	halosim "github.com/accountsync/accountsync-operator/internal/simulator/halopsa"
)

const cqpTestKey = "cqp-api-key-31c9e0"

var cqpCreds = map[string]string{"apiKey": cqpTestKey}

// The CyberQP seed: inside a matched customer, end users are matched by e-mail, then phone,
// then name; several matches are left for a person (or the first is taken), none are created in
// Halo, and a deleted Halo user removes the match.
const (
	cqpCustomer = "4f1c2d3e-0000-4000-8000-000000000001"
	haloClientY = 20 // "Initrode", the customer's Halo client
	haloClientZ = 21 // "Umbrella", another client
)

func cqpUsersHalo() *halosim.Server {
	hf := haloFixture()
	hf.Clients = []halosim.Client{
		{ID: haloClientY, Name: "Initrode", TopLevelID: 1},
		{ID: haloClientZ, Name: "Umbrella", TopLevelID: 1},
	}
	hf.Users = []halosim.User{
		{ID: 101, Name: "Alice Anders", ClientID: haloClientY, EmailAddress: "alice.anders@initrode.com"},
		{ID: 102, Name: "Bob Baker", ClientID: haloClientY, EmailAddress: "bob@home.example", PhoneNumber: "+1 (555) 010-2000"},
		{ID: 103, Name: "Carol Chen", ClientID: haloClientY, EmailAddress: "carol.chen@initrode.com"},
		{ID: 104, Name: "Carol Chen", ClientID: haloClientY, EmailAddress: "c.chen@initrode.com"},
		// Same address as the tool's Dan, but a user of another client: never a candidate.
		{ID: 105, Name: "Dan Dorsey", ClientID: haloClientZ, EmailAddress: "dan.dorsey@initrode.com"},
	}
	return halosim.New(hf)
}

func cqpUsersTool() *cqpsim.Server {
	return cqpsim.New(cqpsim.Fixture{
		APIKey:    cqpTestKey,
		Customers: []cqpsim.Customer{{ID: cqpCustomer, Name: "Initrode Global"}},
		Users: []cqpsim.User{
			// E-mail in another case.
			{ID: "qp-alice", CustomerID: cqpCustomer, Email: "ALICE.Anders@Initrode.COM", DisplayName: "Alice A."},
			// Phone only, written differently.
			{ID: "qp-bob", CustomerID: cqpCustomer, Email: "bob.baker@initrode.com", DisplayName: "Robert Baker", PhoneNumber: "555.010.2000"},
			// Name only, and two Halo users have it.
			{ID: "qp-carol", CustomerID: cqpCustomer, Email: "cchen@initrode.com", DisplayName: "Carol Chen"},
			// Nothing in this client.
			{ID: "qp-dan", CustomerID: cqpCustomer, Email: "dan.dorsey@initrode.com", DisplayName: "Dan Dorsey",
				FirstName: "Dan", LastName: "Dorsey", PhoneNumber: "555-777-1234"},
		},
	})
}

// haloUsersOf returns the active users of a Halo client.
func haloUsersOf(halo *halosim.Server, clientID int) []halosim.User {
	var out []halosim.User
	for _, u := range halo.Users() {
		if u.ClientID == clientID && !u.Inactive {
			out = append(out, u)
		}
	}
	return out
}

func haloUsersNamed(halo *halosim.Server, clientID int, name string) []halosim.User {
	var out []halosim.User
	for _, u := range haloUsersOf(halo, clientID) {
		if strings.EqualFold(u.Name, name) {
			out = append(out, u)
		}
	}
	return out
}

func userLinksOf(am *v1alpha1.AccountMapping) map[string]string {
	out := map[string]string{}
	for _, l := range am.Status.UserLinks {
		out[l.ToolUserID] = l.PSAUserID
	}
	return out
}

var _ = Describe("CyberQP seed", func() {
	var (
		ns   string
		halo *halosim.Server
		cqp  *cqpsim.Server
	)
	BeforeEach(func() {
		ns = newNamespace()
		halo = cqpUsersHalo()
		cqp = cqpUsersTool()
		connect(ns, "halo", v1alpha1.ProviderHaloPSA, serve(halo), haloCreds)
		connect(ns, "cqp", v1alpha1.ProviderCyberQP, serve(cqp), cqpCreds)
	})

	// manualMapping is a person's link of the CyberQP customer to the Halo client (kept in Git).
	manualMapping := func(policyName string) *v1alpha1.AccountMapping {
		am := &v1alpha1.AccountMapping{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "initrode"},
			Spec: v1alpha1.AccountMappingSpec{
				PolicyRef: v1alpha1.LocalObjectReference{Name: policyName},
				PSA:       v1alpha1.MappingPSA{AccountID: strconv.Itoa(haloClientY)},
				Tool:      v1alpha1.MappingTool{OrganizationID: cqpCustomer},
				Location:  v1alpha1.LocationMapping{Mode: v1alpha1.LocationMain},
			},
		}
		Expect(k8s.Create(ctx, am)).To(Succeed())
		return am
	}

	getMapping := func(g Gomega, am *v1alpha1.AccountMapping) {
		g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(am), am)).To(Succeed())
	}

	It("matches by e-mail, phone and name, creates the missing user once, takes a person's pick, and unlinks a deleted Halo user", func() {
		sp := policy(ns, "cqp-halo", "halo", "cqp", func(s *v1alpha1.SyncPolicySpec) {
			s.Mode = v1alpha1.ModeMatchOnly
			s.Users = v1alpha1.UserSync{Enabled: true, CreateMissing: true, OnMultipleMatches: v1alpha1.MultipleFlag,
				MatchBy: []v1alpha1.UserMatchKey{v1alpha1.MatchByEmail, v1alpha1.MatchByPhone, v1alpha1.MatchByName}}
		})
		am := manualMapping(sp.Name)
		syncedPolicy(ns, sp.Name, "")
		// The first sync may have run before the mapping reached the policy's cache; the mapping's
		// arrival re-plans it.
		Eventually(func(g Gomega) {
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(sp), sp)).To(Succeed())
			g.Expect(sp.Status.Counts.Mapped).To(Equal(int32(1)), "the manual mapping")
		}).WithTimeout(seedTimeout).Should(Succeed(), seedStuck)

		var dan halosim.User
		Eventually(func(g Gomega) {
			getMapping(g, am)
			g.Expect(am.Status.State).To(Equal(v1alpha1.StateOK), readyReasonOf(*am))
			g.Expect(am.Status.Users).NotTo(BeNil())
			// State: three tool users are linked now (one through the user it created).
			g.Expect(*am.Status.Users).To(Equal(v1alpha1.UserCounts{Matched: 3, Ambiguous: 1, Unmatched: 0, Created: 1}))
			g.Expect(am.Status.AmbiguousUsers).To(Equal([]v1alpha1.AmbiguousUser{{ToolUserID: "qp-carol", Name: "Carol Chen",
				Candidates: []v1alpha1.UserRef{{ID: "103", Name: "Carol Chen", Email: "carol.chen@initrode.com"},
					{ID: "104", Name: "Carol Chen", Email: "c.chen@initrode.com"}}}}), "a person sees whom to choose from")
			created := haloUsersNamed(halo, haloClientY, "Dan Dorsey")
			g.Expect(created).To(HaveLen(1))
			dan = created[0]
		}).WithTimeout(seedTimeout).Should(Succeed(), seedStuck)
		Expect(dan.EmailAddress).To(Equal("dan.dorsey@initrode.com"))
		Expect(dan.ID).NotTo(Equal(105), "the Umbrella user with the same address is not this client's")
		Expect(userLinksOf(am)).To(Equal(map[string]string{
			"qp-alice": "101",                // e-mail, other case
			"qp-bob":   "102",                // phone, other formatting
			"qp-dan":   strconv.Itoa(dan.ID), // created
		}))
		Expect(am.OwnerReferences).To(BeEmpty(), "a manual mapping stays manual")
		Expect(am.Spec.UserOverrides).To(BeEmpty(), "no controller writes a person's spec")
		Expect(haloUsersOf(halo, haloClientY)).To(HaveLen(5))
		Expect(halo.Calls("POST /api/Users")).To(Equal(1))

		// The next sync matches the created user by e-mail: it is not created again, and with
		// nothing new to say the mapping is not written.
		getMapping(Default, am)
		versionBefore := am.ResourceVersion
		listsBefore := halo.Calls("GET /api/Users")
		req := syncNow(sp)
		syncedPolicy(ns, sp.Name, req)
		Eventually(func() int { return halo.Calls("GET /api/Users") }).WithTimeout(seedTimeout).Should(BeNumerically(">", listsBefore),
			"the mapping matched its users again after the sync")
		Eventually(func(g Gomega) {
			getMapping(g, am)
			g.Expect(am.Status.Users).NotTo(BeNil())
			g.Expect(*am.Status.Users).To(Equal(v1alpha1.UserCounts{Matched: 3, Ambiguous: 1, Unmatched: 0, Created: 1}),
				"created counts the mapping's creates over its life")
		}).WithTimeout(seedTimeout).Should(Succeed(), seedStuck)
		Consistently(func() int { return halo.Calls("POST /api/Users") }, time.Second, 100*time.Millisecond).Should(Equal(1))
		getMapping(Default, am)
		Expect(am.ResourceVersion).To(Equal(versionBefore), "an unchanged user re-sync writes no AccountMapping")
		Expect(haloUsersNamed(halo, haloClientY, "Dan Dorsey")).To(HaveLen(1), "no duplicate")
		Expect(userLinksOf(am)).To(HaveKeyWithValue("qp-dan", strconv.Itoa(dan.ID)))

		// A person picks the second Carol.
		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(am), am)).To(Succeed())
		patch := client.MergeFrom(am.DeepCopy())
		am.Spec.UserOverrides = []v1alpha1.UserOverride{{ToolUserID: "qp-carol", PSAUserID: "104"}}
		Expect(k8s.Patch(ctx, am, patch)).To(Succeed())
		Eventually(func(g Gomega) {
			getMapping(g, am)
			g.Expect(am.Status.ObservedGeneration).To(Equal(am.Generation))
			g.Expect(am.Status.Users).NotTo(BeNil())
			g.Expect(*am.Status.Users).To(Equal(v1alpha1.UserCounts{Matched: 4, Ambiguous: 0, Unmatched: 0, Created: 1}))
			g.Expect(userLinksOf(am)).To(HaveKeyWithValue("qp-carol", "104"))
			g.Expect(am.Status.AmbiguousUsers).To(BeEmpty(), "decided by the override")
		}).WithTimeout(seedTimeout).Should(Succeed(), seedStuck)
		Expect(halo.Calls("POST /api/Users")).To(Equal(1))

		// Creation off, then Alice's Halo user is deleted (Halo keeps it as inactive, which hides
		// it from every listing): the next sync unlinks her and, with nothing else matching,
		// reports her unmatched.
		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(sp), sp)).To(Succeed())
		spPatch := client.MergeFrom(sp.DeepCopy())
		sp.Spec.Users.CreateMissing = false
		Expect(k8s.Patch(ctx, sp, spPatch)).To(Succeed())
		syncedPolicy(ns, sp.Name, req)
		alice := haloUsersNamed(halo, haloClientY, "Alice Anders")[0]
		alice.Inactive = true
		halo.AddUser(alice)
		Expect(haloUsersNamed(halo, haloClientY, "Alice Anders")).To(BeEmpty())

		req = syncNow(sp)
		syncedPolicy(ns, sp.Name, req)
		Eventually(func(g Gomega) {
			getMapping(g, am)
			g.Expect(userLinksOf(am)).NotTo(HaveKey("qp-alice"))
			g.Expect(am.Status.Users).NotTo(BeNil())
			g.Expect(*am.Status.Users).To(Equal(v1alpha1.UserCounts{Matched: 3, Ambiguous: 0, Unmatched: 1, Created: 1}))
		}).WithTimeout(seedTimeout).Should(Succeed(), seedStuck)
		Expect(userLinksOf(am)).To(Equal(map[string]string{"qp-bob": "102", "qp-carol": "104", "qp-dan": strconv.Itoa(dan.ID)}))
		Expect(am.Status.State).To(Equal(v1alpha1.StateOK), readyReasonOf(*am))
		Expect(halo.Calls("POST /api/Users")).To(Equal(1), "createMissing is off: Alice is not re-created")
		Eventually(func(g Gomega) {
			evs := &eventsv1.EventList{}
			g.Expect(k8s.List(ctx, evs, client.InNamespace(ns))).To(Succeed())
			var notes []string
			for _, e := range evs.Items {
				if e.Reason == "UserUnlinked" && e.Regarding.Name == am.Name {
					notes = append(notes, e.Note)
				}
			}
			g.Expect(notes).To(ContainElement(And(ContainSubstring("101"), ContainSubstring("qp-alice"))))
		}).WithTimeout(seedTimeout).Should(Succeed(), seedStuck)
		Expect(meta.IsStatusConditionTrue(am.Status.Conditions, v1alpha1.ConditionReady)).To(BeTrue())
	})

	It("lists the users a dry-run policy would link and create in its plan, and writes nothing", func() {
		sp := policy(ns, "cqp-halo-dry", "halo", "cqp", func(s *v1alpha1.SyncPolicySpec) {
			s.Mode = v1alpha1.ModeMatchOnly
			s.DryRun = true
			s.Users = v1alpha1.UserSync{Enabled: true, CreateMissing: true, OnMultipleMatches: v1alpha1.MultipleFlag,
				MatchBy: []v1alpha1.UserMatchKey{v1alpha1.MatchByEmail, v1alpha1.MatchByPhone, v1alpha1.MatchByName}}
		})
		am := manualMapping(sp.Name)
		syncedPolicy(ns, sp.Name, "")
		pair := func(a v1alpha1.PlanAction, toolUser, psaUser, name string) v1alpha1.PlanItem {
			return v1alpha1.PlanItem{Action: a, ToolOrganizationID: cqpCustomer, PSAAccountID: strconv.Itoa(haloClientY),
				ToolUserID: toolUser, PSAUserID: psaUser, Name: name, Mapping: am.Name}
		}
		// Carol is ambiguous: no action, a person decides (the real sync lists her candidates).
		want := []v1alpha1.PlanItem{
			pair(v1alpha1.ActionLinkUser, "qp-alice", "101", "Alice A."),
			pair(v1alpha1.ActionLinkUser, "qp-bob", "102", "Robert Baker"),
			pair(v1alpha1.ActionCreatePSAUser, "qp-dan", "", "Dan Dorsey"),
		}
		userActions := func(sp *v1alpha1.SyncPolicy) []v1alpha1.PlanItem {
			var out []v1alpha1.PlanItem
			for _, p := range sp.Status.Plan {
				if p.Action == v1alpha1.ActionLinkUser || p.Action == v1alpha1.ActionCreatePSAUser {
					out = append(out, p)
				}
			}
			return out
		}
		Eventually(func(g Gomega) {
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(sp), sp)).To(Succeed())
			g.Expect(userActions(sp)).To(Equal(want))
			g.Expect(sp.Status.PlanTotal).To(Equal(int32(len(sp.Status.Plan))), "planTotal counts the user actions")
			g.Expect(meta.FindStatusCondition(sp.Status.Conditions, v1alpha1.ConditionSynced).Message).
				To(ContainSubstring(fmt.Sprintf("%d planned actions", sp.Status.PlanTotal)))
		}).WithTimeout(seedTimeout).Should(Succeed(), seedStuck)
		Expect(halo.Calls("GET /api/Users")).To(BeNumerically(">", 0), "the users were matched")
		Expect(halo.Calls("POST /api/Users")).To(BeZero(), "a dry run creates no user")
		Expect(haloUsersNamed(halo, haloClientY, "Dan Dorsey")).To(BeEmpty())
		getMapping(Default, am)
		Expect(am.Status.State).To(Equal(v1alpha1.StateOK), readyReasonOf(*am))
		Expect(am.Status.Users).To(BeNil(), "a dry run records no user sync in the mapping")
		Expect(am.Status.UserLinks).To(BeEmpty())

		// The next sync finds the same users: the same plan.
		req := syncNow(sp)
		syncedPolicy(ns, sp.Name, req)
		Consistently(func(g Gomega) {
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(sp), sp)).To(Succeed())
			g.Expect(userActions(sp)).To(Equal(want))
		}, time.Second, 100*time.Millisecond).Should(Succeed())
		Expect(halo.Calls("POST /api/Users")).To(BeZero())

		// Users off: the plan drops them.
		spPatch := client.MergeFrom(sp.DeepCopy())
		sp.Spec.Users.Enabled = false
		Expect(k8s.Patch(ctx, sp, spPatch)).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(sp), sp)).To(Succeed())
			g.Expect(userActions(sp)).To(BeEmpty())
			g.Expect(sp.Status.PlanTotal).To(Equal(int32(len(sp.Status.Plan))))
		}).WithTimeout(seedTimeout).Should(Succeed(), seedStuck)
		Expect(halo.Calls("POST /api/Users")).To(BeZero())
	})

	It("links an ambiguous user to the first Halo user with onMultipleMatches First", func() {
		sp := policy(ns, "cqp-halo-first", "halo", "cqp", func(s *v1alpha1.SyncPolicySpec) {
			s.Mode = v1alpha1.ModeMatchOnly
			s.Users = v1alpha1.UserSync{Enabled: true, CreateMissing: false, OnMultipleMatches: v1alpha1.MultipleFirst,
				MatchBy: []v1alpha1.UserMatchKey{v1alpha1.MatchByEmail, v1alpha1.MatchByPhone, v1alpha1.MatchByName}}
		})
		am := manualMapping(sp.Name)
		syncedPolicy(ns, sp.Name, "")
		Eventually(func(g Gomega) {
			getMapping(g, am)
			g.Expect(am.Status.Users).NotTo(BeNil())
			g.Expect(*am.Status.Users).To(Equal(v1alpha1.UserCounts{Matched: 3, Ambiguous: 0, Unmatched: 1, Created: 0}))
		}).WithTimeout(seedTimeout).Should(Succeed(), seedStuck)
		// Halo lists by name, then id: 103 comes first.
		Expect(userLinksOf(am)).To(Equal(map[string]string{"qp-alice": "101", "qp-bob": "102", "qp-carol": "103"}))
		Expect(am.Status.State).To(Equal(v1alpha1.StateOK), readyReasonOf(*am))
		Expect(halo.Calls("POST /api/Users")).To(BeZero())
	})
	It("records a mapping's user sync even when a metadata-only edit makes its status write conflict", func() {
		// A person (kubectl label) or Argo CD edits a mapping's metadata while it reconciles: the
		// edit changes neither generation nor annotations, so it starts no reconcile, but the
		// controller's status write that races it gets a 409 and must be retried with its work.
		var ams []*v1alpha1.AccountMapping
		for i := 0; i < 3; i++ {
			space := ns
			if i > 0 {
				space = newNamespace()
				connect(space, "halo", v1alpha1.ProviderHaloPSA, serve(cqpUsersHalo()), haloCreds)
				connect(space, "cqp", v1alpha1.ProviderCyberQP, serve(cqpUsersTool()), cqpCreds)
			}
			policy(space, "cqp-halo", "halo", "cqp", func(s *v1alpha1.SyncPolicySpec) {
				s.Mode = v1alpha1.ModeMatchOnly
				s.Users = v1alpha1.UserSync{Enabled: true, OnMultipleMatches: v1alpha1.MultipleFlag}
			})
			syncedPolicy(space, "cqp-halo", "")
			am := &v1alpha1.AccountMapping{
				ObjectMeta: metav1.ObjectMeta{Namespace: space, Name: "initrode"},
				Spec: v1alpha1.AccountMappingSpec{
					PolicyRef: v1alpha1.LocalObjectReference{Name: "cqp-halo"},
					PSA:       v1alpha1.MappingPSA{AccountID: strconv.Itoa(haloClientY)},
					Tool:      v1alpha1.MappingTool{OrganizationID: cqpCustomer},
					Location:  v1alpha1.LocationMapping{Mode: v1alpha1.LocationMain},
				},
			}
			Expect(k8s.Create(ctx, am)).To(Succeed())
			for n, until := 0, time.Now().Add(700*time.Millisecond); time.Now().Before(until); n++ {
				label := []byte(fmt.Sprintf(`{"metadata":{"labels":{"team":"t%d"}}}`, n))
				Expect(k8s.Patch(ctx, am.DeepCopy(), client.RawPatch(types.MergePatchType, label))).To(Succeed())
			}
			ams = append(ams, am)
		}
		Eventually(func(g Gomega) {
			for _, am := range ams {
				getMapping(g, am)
				g.Expect(am.Status.State).To(Equal(v1alpha1.StateOK), "%s/%s: %s", am.Namespace, am.Name, readyReasonOf(*am))
				g.Expect(am.Status.Users).NotTo(BeNil(), "%s/%s", am.Namespace, am.Name)
				g.Expect(*am.Status.Users).To(Equal(v1alpha1.UserCounts{Matched: 2, Ambiguous: 1, Unmatched: 1}))
			}
		}).WithTimeout(8*time.Second).Should(Succeed(), seedStuck)
	})
})
