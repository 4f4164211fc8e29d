package controllers_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	cwsim "github.com/accountsync/accountsync-operator/internal/simulator/connectwise"
	vsasim "github.com/accountsync/accountsync-operator/internal/simulator/kaseyavsa"
)

// The ConnectWise seed: statuses and types are customisable, so their ids differ between
// environments and must be resolved by name; only Active clients take part, filtered on the
// server rather than by listing every company.
const (
	cwActive     = 17
	cwInactive   = 18
	cwCreditHold = 19
	cwClient     = 42
	cwProspect   = 43
	cwVendor     = 44
)

// cwListCall is one company listing as the simulator answered it.
type cwListCall struct {
	conditions, childConditions string
	ids                         []int
}

// cwRecorder sits in front of the simulator and keeps the query and the returned ids of every
// GET /company/companies (the list itself: not /count, /statuses, /types or /{id}).
type cwRecorder struct {
	next  http.Handler
	mu    sync.Mutex
	calls []cwListCall
}

type cwTee struct {
	http.ResponseWriter
	buf bytes.Buffer
}

func (t *cwTee) Write(b []byte) (int, error) {
	t.buf.Write(b)
	return t.ResponseWriter.Write(b)
}

func (r *cwRecorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodGet || !strings.HasSuffix(strings.ToLower(strings.TrimSuffix(req.URL.Path, "/")), "/company/companies") {
		r.next.ServeHTTP(w, req)
		return
	}
	tee := &cwTee{ResponseWriter: w}
	r.next.ServeHTTP(tee, req)
	var rows []struct {
		ID int `json:"id"`
	}
	_ = json.Unmarshal(tee.buf.Bytes(), &rows)
	call := cwListCall{conditions: req.URL.Query().Get("conditions"), childConditions: req.URL.Query().Get("childConditions")}
	for _, row := range rows {
		call.ids = append(call.ids, row.ID)
	}
	r.mu.Lock()
	r.calls = append(r.calls, call)
	r.mu.Unlock()
}

// filterListings are the listings made for a sync (not the creation guard's name look-ups).
func (r *cwRecorder) filterListings() []cwListCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []cwListCall
	for _, c := range r.calls {
		if !strings.Contains(c.conditions, "name=") && !strings.Contains(c.conditions, "name =") {
			out = append(out, c)
		}
	}
	return out
}

// seedTimeout bounds the waits of the seed specs: every step here settles in a second or two.
const seedTimeout = 15 * time.Second

// seedStuck is added to a timed-out wait: the usual reason a mapping never shows a sync's
// result is the status-write race described in it.
const seedStuck = "if an AccountMapping never recorded this sync's work: accountmapping_controller.go calls " +
	"markSeen (snapshot seq + generation) inside run(), before finish() writes status; when that Status().Update " +
	"fails (409 after a stale cache read, or a metadata-only edit), the requeued reconcile sees the key as " +
	"processed and skips, so the result is lost until the policy's next sync"

var cwCreds = map[string]string{
	"companyId":  "acmemsp",
	"publicKey":  "pubKey7Hq2",
	"privateKey": "privKey9Zx4",
	"clientId":   "6d1c2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f",
}

// cwSeedCompany is one company of the seed tenant.
type cwSeedCompany struct {
	name    string
	status  int
	types   []int
	deleted bool
}

// cwSeedCompanies returns 60 companies: 28 Active clients (two of them also vendors), 12 Active
// prospects, 8 inactive clients, 5 clients on credit hold, 5 Active vendors, one Active company
// with no type and one deleted Active client.
func cwSeedCompanies() []cwSeedCompany {
	var out []cwSeedCompany
	add := func(name string, status int, deleted bool, ts ...int) {
		out = append(out, cwSeedCompany{name: name, status: status, types: ts, deleted: deleted})
	}
	// Active clients whose names the VSA spells differently.
	add("Acme, Inc.", cwActive, false, cwClient)
	add("Initech LLC", cwActive, false, cwClient)
	add("Wayne Enterprises Ltd.", cwActive, false, cwClient)
	add("Stark Industries", cwActive, false, cwClient)
	add("Smith & Jones", cwActive, false, cwClient, cwVendor)
	add("Client Co 01", cwActive, false, cwClient)
	add("Client Co 02", cwActive, false, cwVendor, cwClient)
	add("Client Co 03", cwActive, false, cwClient)
	for i := 4; i <= 23; i++ {
		add(fmt.Sprintf("Client Co %02d", i), cwActive, false, cwClient)
	}
	// Prospects; "Hooli" has a VSA organization of the same name.
	add("Hooli", cwActive, false, cwProspect)
	for i := 1; i <= 11; i++ {
		add(fmt.Sprintf("Prospect %02d", i), cwActive, false, cwProspect)
	}
	// Former clients; "Vandelay Industries" has a VSA organization of the same name.
	add("Vandelay Industries", cwInactive, false, cwClient)
	for i := 1; i <= 7; i++ {
		add(fmt.Sprintf("Former Client %02d", i), cwInactive, false, cwClient)
	}
	for i := 1; i <= 5; i++ {
		add(fmt.Sprintf("Slow Payer %02d", i), cwCreditHold, false, cwClient)
	}
	for i := 1; i <= 5; i++ {
		add(fmt.Sprintf("Supplier %02d", i), cwActive, false, cwVendor)
	}
	add("Untyped Company", cwActive, false)
	add("Oceanic Airlines", cwActive, true, cwClient)
	return out
}

func (c cwSeedCompany) qualifies() bool {
	return !c.deleted && c.status == cwActive && slices.Contains(c.types, cwClient)
}

func cwFixture(companies []cwSeedCompany) cwsim.Fixture {
	f := cwsim.Fixture{
		CompanyID: cwCreds["companyId"], PublicKey: cwCreds["publicKey"], PrivateKey: cwCreds["privateKey"],
		ClientID: cwCreds["clientId"], CompanyName: "Acme MSP",
		Statuses: []cwsim.CompanyStatus{
			{ID: cwActive, Name: "Active", DefaultFlag: true},
			{ID: cwInactive, Name: "Inactive", InactiveFlag: true},
			{ID: cwCreditHold, Name: "Credit Hold"},
		},
		// The default type is deliberately not Client: a create that leaves the type out would
		// get Prospect and drop out of the filter.
		Types: []cwsim.CompanyType{
			{ID: cwProspect, Name: "Prospect", DefaultFlag: true},
			{ID: cwClient, Name: "Client"},
			{ID: cwVendor, Name: "Vendor", VendorFlag: true},
		},
	}
	for i, c := range companies {
		co := cwsim.Company{ID: 300 + i, Identifier: fmt.Sprintf("C%03d", 300+i), Name: c.name,
			Status: &cwsim.Ref{ID: c.status}, DeletedFlag: c.deleted}
		for _, t := range c.types {
			co.Types = append(co.Types, cwsim.Ref{ID: t})
		}
		f.Companies = append(f.Companies, co)
	}
	return f
}

func cwCompanyID(cw *cwsim.Server, name string) string {
	for _, c := range cw.Companies() {
		if c.Name == name {
			return strconv.Itoa(c.ID)
		}
	}
	Fail("no ConnectWise company " + name)
	return ""
}

func cwCompaniesNamed(cw *cwsim.Server, name string) []cwsim.Company {
	var out []cwsim.Company
	for _, c := range cw.Companies() {
		if strings.EqualFold(c.Name, name) {
			out = append(out, c)
		}
	}
	return out
}

func seedVSAOrgID(vsa *vsasim.Server, name string) string {
	for _, o := range vsa.Orgs() {
		if o.Name == name {
			return o.ID
		}
	}
	Fail("no VSA org " + name)
	return ""
}

func seedUnmatchedKeys(list []v1alpha1.UnmatchedRecord) []string {
	out := make([]string, 0, len(list))
	for _, u := range list {
		out = append(out, string(u.Side)+"/"+u.ID+"/"+u.Name)
	}
	return out
}

func seedReadyCond(conds []metav1.Condition) *metav1.Condition {
	return meta.FindStatusCondition(conds, v1alpha1.ConditionReady)
}

var _ = Describe("ConnectWise seed", func() {
	var (
		ns        string
		cw        *cwsim.Server
		rec       *cwRecorder
		vsa       *vsasim.Server
		companies []cwSeedCompany
	)

	// VSA organizations: five Active clients spelled differently, three spelled the same, one
	// named like a prospect, one like a former client, and two with no company at all.
	linkedPairs := map[string]string{ // VSA org -> CW company
		"ACME INC":           "Acme, Inc.",
		"initech":            "Initech LLC",
		"WAYNE ENTERPRISES":  "Wayne Enterprises Ltd.",
		"Stark  Industries.": "Stark Industries",
		"Smith and Jones":    "Smith & Jones",
		"CLIENT CO 01":       "Client Co 01",
		"Client Co 02":       "Client Co 02",
		"client co 03":       "Client Co 03",
	}
	filteredOutNames := []string{"Hooli", "Vandelay Industries"}
	newOrgNames := []string{"Dunder Mifflin", "Pied Piper"}

	BeforeEach(func() {
		ns = newNamespace()
		companies = cwSeedCompanies()
		Expect(companies).To(HaveLen(60))
		cw = cwsim.New(cwFixture(companies))
		rec = &cwRecorder{next: cw}
		vf := vsaFixture(0)
		var orgNames []string
		for org := range linkedPairs {
			orgNames = append(orgNames, org)
		}
		slices.Sort(orgNames)
		orgNames = append(orgNames, filteredOutNames...)
		orgNames = append(orgNames, newOrgNames...)
		for i, n := range orgNames {
			vf.Orgs = append(vf.Orgs, vsasim.Org{Name: n, Ref: fmt.Sprintf("cw%02d", i)})
		}
		vsa = vsasim.New(vf)
		connect(ns, "cw", v1alpha1.ProviderConnectWisePSA, serve(rec), cwCreds)
		connect(ns, "vsa", v1alpha1.ProviderKaseyaVSA, serve(vsa), vsaCreds)
	})

	It("links only Active clients, filtered on the server by resolved ids, then imports the rest with the filter's first status and type", func() {
		start := time.Now()
		sp := policy(ns, "cw", "cw", "vsa", func(s *v1alpha1.SyncPolicySpec) {
			s.Mode = v1alpha1.ModeMatchOnly
			s.PSA.Filter = v1alpha1.PSAFilter{Statuses: []string{"Active"}, Types: []string{"Client"}}
		})

		qualifying, nonDeleted := map[int]string{}, 0
		for i, c := range companies {
			if c.qualifies() {
				qualifying[300+i] = c.name
			}
			if !c.deleted {
				nonDeleted++
			}
		}
		Expect(qualifying).To(HaveLen(28))

		first := syncedPolicy(ns, sp.Name, "")
		c := first.Status.Counts
		Expect(c.PSAAccounts).To(Equal(int32(28)), "Active companies of type Client, the deleted one not included")
		// A deleted company is not an account: the count CW answers leaves it out too.
		Expect(c.PSAAccountsFilteredOut).To(Equal(int32(nonDeleted-28)), "59 companies exist, 28 qualify")
		Expect(c.ToolOrganizations).To(Equal(int32(12)))
		Expect(c.Mapped).To(Equal(int32(8)))
		Expect(c.Ambiguous).To(BeZero())
		Expect(c.PendingCreate).To(BeZero(), "MatchOnly creates nothing")
		Expect(c.Unmatched).To(Equal(int32(4 + 20)))
		Expect(meta.IsStatusConditionTrue(first.Status.Conditions, v1alpha1.ConditionReady)).To(BeTrue())

		// status.unmatched: the four organizations without a qualifying company (Hooli is a
		// prospect and Vandelay a former client: their companies are filtered out, not linked),
		// and the 20 Active clients without an organization.
		var want []string
		for _, n := range append(append([]string{}, filteredOutNames...), newOrgNames...) {
			want = append(want, "Tool/"+seedVSAOrgID(vsa, n)+"/"+n)
		}
		linkedCompanies := map[string]bool{}
		for _, co := range linkedPairs {
			linkedCompanies[co] = true
		}
		for id, n := range qualifying {
			if !linkedCompanies[n] {
				want = append(want, "PSA/"+strconv.Itoa(id)+"/"+n)
			}
		}
		Expect(seedUnmatchedKeys(first.Status.Unmatched)).To(ConsistOf(want))

		// The listing asked CW for the resolved ids (17 and 42, not a fresh install's 1 and 1)
		// and received only qualifying companies: one page, since 28 < 1000.
		listings := rec.filterListings()
		Expect(listings).To(HaveLen(1), "one page of at most 1000 companies per sync")
		Expect(cw.Calls("GET /company/companies")).To(Equal(1))
		Expect(listings[0].conditions).To(ContainSubstring("status/id in (17)"))
		Expect(listings[0].conditions).To(ContainSubstring("deletedFlag=false"))
		Expect(listings[0].childConditions).To(ContainSubstring("types/id in (42)"))
		var returned []int
		for id := range qualifying {
			returned = append(returned, id)
		}
		Expect(listings[0].ids).To(ConsistOf(returned), "no company outside the filter is ever returned")
		Expect(cw.Calls("GET /company/companies/count")).To(Equal(1), "filtered-out comes from a count, not a listing")

		// Eight links, each to the company the VSA spells differently.
		Eventually(func(g Gomega) {
			ams := mappings(ns)
			g.Expect(ams).To(HaveLen(8))
			for _, am := range ams {
				g.Expect(am.Status.State).To(Equal(v1alpha1.StateOK), "%s: %s", am.Name, readyReasonOf(am))
				g.Expect(am.Labels).To(HaveKeyWithValue(v1alpha1.PolicyLabel, sp.Name))
			}
		}).WithTimeout(seedTimeout).Should(Succeed(), seedStuck)
		for org, company := range linkedPairs {
			am := &v1alpha1.AccountMapping{}
			Expect(k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: "cw-org-" + seedVSAOrgID(vsa, org)}, am)).To(Succeed())
			Expect(am.Spec.PSA.AccountID).To(Equal(cwCompanyID(cw, company)), org)
			Expect(am.Status.PSAAccount).NotTo(BeNil())
			Expect(am.Status.PSAAccount.Name).To(Equal(company))
		}
		Expect(cw.Calls("POST /company/companies")).To(BeZero())

		// Import: the four unmatched organizations get accounts. Two names are taken by
		// companies the filter leaves out, so those are name conflicts naming the holder.
		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(sp), sp)).To(Succeed())
		patch := client.MergeFrom(sp.DeepCopy())
		sp.Spec.Mode = v1alpha1.ModeImport
		Expect(k8s.Patch(ctx, sp, patch)).To(Succeed())

		Eventually(func(g Gomega) {
			for _, n := range newOrgNames {
				g.Expect(cwCompaniesNamed(cw, n)).To(HaveLen(1), n)
			}
		}).WithTimeout(seedTimeout).Should(Succeed(), seedStuck)
		for _, n := range newOrgNames {
			created := cwCompaniesNamed(cw, n)[0]
			Expect(created.Status).NotTo(BeNil())
			Expect(created.Status.ID).To(Equal(cwActive), "the filter's first status")
			var typeIDs []int
			for _, t := range created.Types {
				typeIDs = append(typeIDs, t.ID)
			}
			Expect(typeIDs).To(Equal([]int{cwClient}), "the filter's first type, not CW's default type")
		}
		for _, n := range filteredOutNames {
			Expect(cwCompaniesNamed(cw, n)).To(HaveLen(1), "%s is never created a second time", n)
		}

		hooli := "cw-org-" + seedVSAOrgID(vsa, "Hooli")
		vandelay := "cw-org-" + seedVSAOrgID(vsa, "Vandelay Industries")
		Eventually(func(g Gomega) {
			for name, holder := range map[string]string{hooli: "Hooli", vandelay: "Vandelay Industries"} {
				am := &v1alpha1.AccountMapping{}
				g.Expect(k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, am)).To(Succeed())
				g.Expect(am.Status.State).To(Equal(v1alpha1.StateNotAvailable))
				rc := seedReadyCond(am.Status.Conditions)
				g.Expect(rc).NotTo(BeNil())
				g.Expect(rc.Reason).To(Equal(v1alpha1.ReasonNameConflict), readyReasonOf(*am))
				g.Expect(rc.Message).To(ContainSubstring("id " + cwCompanyID(cw, holder)))
			}
		}).WithTimeout(seedTimeout).Should(Succeed(), seedStuck)
		am := &v1alpha1.AccountMapping{}
		Expect(k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: hooli}, am)).To(Succeed())
		Expect(seedReadyCond(am.Status.Conditions).Message).To(And(ContainSubstring("Active"), ContainSubstring("Prospect")),
			"the holder's status and type are named")
		Expect(k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: vandelay}, am)).To(Succeed())
		Expect(seedReadyCond(am.Status.Conditions).Message).To(ContainSubstring("Inactive"))

		// status.counts.created: the records the latest sync's creations produced.
		Eventually(func() int32 { return syncedPolicy(ns, sp.Name, "").Status.Counts.Created }).
			WithTimeout(seedTimeout).Should(Equal(int32(2)), "the Import sync created two companies")

		// The next sync lists the created companies: they qualify, so they link.
		req := syncNow(sp)
		next := syncedPolicy(ns, sp.Name, req)
		c = next.Status.Counts
		Expect(c.PSAAccounts).To(Equal(int32(30)), "the two created companies now take part")
		Expect(c.PSAAccountsFilteredOut).To(Equal(int32(nonDeleted - 28)))
		Expect(c.Mapped).To(Equal(int32(10)))
		Expect(c.Created).To(BeZero(), "this sync had nothing left to create")
		Expect(c.PendingCreate).To(BeZero(), "name conflicts wait for a person, not for the batch")
		Expect(c.Conflicts).To(Equal(int32(2)))
		for _, u := range next.Status.Unmatched {
			Expect(u.Side).To(Equal(v1alpha1.SidePSA), "every organization is linked or in a mapping: %v", u)
		}
		for _, n := range newOrgNames {
			id := cwCompaniesNamed(cw, n)[0].ID
			Eventually(func(g Gomega) {
				am := &v1alpha1.AccountMapping{}
				g.Expect(k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: "cw-org-" + seedVSAOrgID(vsa, n)}, am)).To(Succeed())
				g.Expect(am.Spec.PSA.Create).To(BeFalse())
				g.Expect(am.Spec.PSA.AccountID).To(Equal(strconv.Itoa(id)))
				g.Expect(am.Status.State).To(Equal(v1alpha1.StateOK), readyReasonOf(*am))
			}).WithTimeout(seedTimeout).Should(Succeed(), seedStuck)
		}

		// Every listing made for a sync asked for the resolved ids and got only qualifying
		// companies; the newest one includes the two created companies.
		listings = rec.filterListings()
		Expect(len(listings)).To(BeNumerically(">=", 3), "MatchOnly, Import and the sync-now each list once")
		qualifyingNow := map[int]bool{}
		for _, co := range cw.Companies() {
			if co.DeletedFlag || co.Status == nil || co.Status.ID != cwActive {
				continue
			}
			for _, t := range co.Types {
				if t.ID == cwClient {
					qualifyingNow[co.ID] = true
				}
			}
		}
		Expect(qualifyingNow).To(HaveLen(30))
		for _, l := range listings {
			Expect(l.conditions).To(ContainSubstring("status/id in (17)"))
			Expect(l.childConditions).To(ContainSubstring("types/id in (42)"))
			for _, id := range l.ids {
				Expect(qualifyingNow).To(HaveKey(id), "company %d was returned by a filtered listing", id)
			}
		}
		Expect(listings[len(listings)-1].ids).To(HaveLen(30))
		Expect(cw.Calls("POST /company/companies")).To(Equal(2), "two creates, no retries or duplicates")
		GinkgoWriter.Printf("ConnectWise seed import spec took %s\n", time.Since(start))
	})

	It("refuses a status that does not exist in this environment, listing the available ones, and stops", func() {
		sp := policy(ns, "cw-bad", "cw", "vsa", func(s *v1alpha1.SyncPolicySpec) {
			s.Mode = v1alpha1.ModeMatchOnly
			s.PSA.Filter = v1alpha1.PSAFilter{Statuses: []string{"Active", "Archived"}, Types: []string{"Client"}}
		})
		Eventually(func(g Gomega) {
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(sp), sp)).To(Succeed())
			rc := seedReadyCond(sp.Status.Conditions)
			g.Expect(rc).NotTo(BeNil())
			g.Expect(rc.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(rc.Reason).To(Equal(v1alpha1.ReasonInvalidSpec))
			g.Expect(rc.ObservedGeneration).To(Equal(sp.Generation))
		}).WithTimeout(seedTimeout).Should(Succeed(), seedStuck)
		rc := seedReadyCond(sp.Status.Conditions)
		Expect(rc.Message).To(ContainSubstring(`"Archived"`))
		Expect(rc.Message).To(ContainSubstring("Active, Credit Hold, Inactive"), "the available statuses are listed")
		synced := meta.FindStatusCondition(sp.Status.Conditions, v1alpha1.ConditionSynced)
		Expect(synced).NotTo(BeNil())
		Expect(synced.Status).To(Equal(metav1.ConditionFalse))
		Expect(sp.Status.LastSyncTime).To(BeNil())
		Expect(mappings(ns)).To(BeEmpty())

		// Terminal: no company is ever listed, and nothing is retried until the spec changes.
		Expect(cw.Calls("GET /company/companies")).To(BeZero())
		statuses := cw.Calls("GET /company/companies/statuses")
		Expect(statuses).To(BeNumerically(">=", 1))
		all := cw.AllCalls()
		Consistently(func() map[string]int { return cw.AllCalls() }, 3*time.Second, 250*time.Millisecond).Should(Equal(all))
		Expect(cw.Calls("GET /company/companies")).To(BeZero())

		// Fixing the name makes it sync.
		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(sp), sp)).To(Succeed())
		patch := client.MergeFrom(sp.DeepCopy())
		sp.Spec.PSA.Filter.Statuses = []string{"Active", "Credit Hold"}
		Expect(k8s.Patch(ctx, sp, patch)).To(Succeed())
		fixed := syncedPolicy(ns, sp.Name, "")
		Expect(meta.IsStatusConditionTrue(fixed.Status.Conditions, v1alpha1.ConditionReady)).To(BeTrue())
		Expect(fixed.Status.Counts.PSAAccounts).To(Equal(int32(28+5)), "Active and Credit Hold clients")
		Expect(rec.filterListings()).To(HaveLen(1))
		Expect(rec.filterListings()[0].conditions).To(ContainSubstring("status/id in (17,19)"))
	})
})
