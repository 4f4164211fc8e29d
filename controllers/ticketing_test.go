package controllers_test

import (
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	cwsim "github.com/accountsync/accountsync-operator/internal/simulator/connectwise"
	cqpsim "github.com/accountsync/accountsync-operator/internal/simulator/cyberqp"
	gzsim "github.com/accountsync/accountsync-operator/internal/simulator/gravityzone"
	halosim "github.com/accountsync/accountsync-operator/internal/simulator/halopsa"
	bmssim "github.com/accountsync/accountsync-operator/internal/simulator/kaseyabms"
	vsasim "github.com/accountsync/accountsync-operator/internal/simulator/kaseyavsa"
	"github.com/accountsync/accountsync-operator/internal/simulator/simkit"
)

// ticketingPair is a VSA tool and a ConnectWise PSA whose customers match by name: VSA org
// "Customer 00i" has one agent and is the CW company of the same name (id 300+i).
type ticketingPair struct {
	ns     string
	vsa    *vsasim.Server
	cw     *cwsim.Server
	agents []string // agent id of org i at [i-1]
	orgs   []string
}

func newTicketingPair(customers int) *ticketingPair {
	p := &ticketingPair{ns: newNamespace()}
	p.vsa = vsasim.New(vsaFixture(customers))
	for _, o := range p.vsa.Orgs() {
		p.orgs = append(p.orgs, o.ID)
		p.agents = append(p.agents, p.vsa.AddAgent(vsasim.Agent{ComputerName: strings.ReplaceAll(o.Name, " ", "-") + "-PC1", OrgID: o.ID}).ID)
	}
	f := cwsim.DefaultFixture()
	for i := 1; i <= customers; i++ {
		f.Companies = append(f.Companies, cwsim.Company{ID: 300 + i, Identifier: fmt.Sprintf("Cust%03d", i), Name: fmt.Sprintf("Customer %03d", i),
			Status: &cwsim.Ref{ID: cwsim.StatusActive}, Types: []cwsim.Ref{{ID: cwsim.TypeClient}}})
	}
	p.cw = cwsim.New(f)
	p.cw.SeedServiceDesk()
	connect(p.ns, "vsa", v1alpha1.ProviderKaseyaVSA, serve(p.vsa), vsaCreds)
	connect(p.ns, "cw", v1alpha1.ProviderConnectWisePSA, serve(p.cw), cwCreds)
	return p
}

// alarm raises an alarm on customer i's agent and returns its ticket key.
func (p *ticketingPair) alarm(i int, subject string) (string, string) {
	a := p.vsa.AddAlarm(vsasim.Alarm{AgentID: p.agents[i-1], Subject: subject, Message: subject + " on the agent"})
	return a.ID, "vsa-alarm:" + a.ID
}

func (p *ticketingPair) policy(name string, mutate func(*v1alpha1.SyncPolicySpec)) *v1alpha1.SyncPolicy {
	return policy(p.ns, name, "cw", "vsa", func(s *v1alpha1.SyncPolicySpec) {
		s.Mode = v1alpha1.ModeMatchOnly
		s.MappingDefaults.Services.Ticketing = true
		s.Services.Ticketing = &v1alpha1.TicketingService{
			Source: v1alpha1.SourceAlerts, MinSeverity: v1alpha1.SeverityMedium,
			Target:            v1alpha1.TicketTarget{Board: "Alerts", Status: "New", Priority: "High"},
			CloseWhenResolved: true, MaxNewTicketsPerSync: 20, Interval: "1h",
		}
		if mutate != nil {
			mutate(s)
		}
	})
}

// tickets returns the CW tickets by externalXRef; a duplicate key fails the spec.
func (p *ticketingPair) tickets() map[string]cwsim.Ticket {
	out := map[string]cwsim.Ticket{}
	for _, t := range p.cw.Tickets() {
		ExpectWithOffset(1, out).NotTo(HaveKey(t.ExternalXRef), "a second ticket for %s", t.ExternalXRef)
		out[t.ExternalXRef] = t
	}
	return out
}

// ticketingRun waits for a ticketing run that started at or after since.
func ticketingRun(ns, name string, since time.Time) *v1alpha1.ServiceRun {
	var run *v1alpha1.ServiceRun
	EventuallyWithOffset(1, func(g Gomega) {
		sp := &v1alpha1.SyncPolicy{}
		g.Expect(k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, sp)).To(Succeed())
		g.Expect(sp.Status.Services).NotTo(BeNil())
		run = sp.Status.Services.Ticketing
		g.Expect(run).NotTo(BeNil())
		g.Expect(run.LastRunTime).NotTo(BeNil())
		g.Expect(run.LastRunTime.Time).NotTo(BeTemporally("<", since.Truncate(time.Second)))
	}).Should(Succeed())
	return run
}

// runTicketingNow asks for a sync and waits for the ticketing run it causes.
func runTicketingNow(sp *v1alpha1.SyncPolicy) *v1alpha1.ServiceRun {
	// Run times have one-second resolution: step past the second of the previous run.
	time.Sleep(1100 * time.Millisecond)
	since := time.Now()
	syncNow(sp)
	return ticketingRun(sp.Namespace, sp.Name, since)
}

func mappingOf(ns, policyName, orgID string) v1alpha1.AccountMapping {
	for _, am := range mappings(ns) {
		if am.Spec.PolicyRef.Name == policyName && am.Status.ToolOrganization != nil && am.Status.ToolOrganization.ID == orgID {
			return am
		}
	}
	Fail("no mapping for organization " + orgID)
	return v1alpha1.AccountMapping{}
}

func policyReadyNow(ns, name string) *metav1.Condition {
	sp := &v1alpha1.SyncPolicy{}
	Expect(k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, sp)).To(Succeed())
	return meta.FindStatusCondition(sp.Status.Conditions, v1alpha1.ConditionReady)
}

var _ = Describe("Ticketing: VSA alarms become ConnectWise tickets", func() {
	It("creates one ticket per alarm on the mapped company, never a second, and closes it when the alarm clears", func() {
		p := newTicketingPair(3)
		id1, k1 := p.alarm(1, "Disk C: low")
		_, k2 := p.alarm(1, "Backup failed")
		_, k3 := p.alarm(2, "CPU high")
		// An organization without a CW company: no mapping, no ticket.
		stray := p.vsa.AddOrg(vsasim.Org{Name: "No Such Company", Ref: "nosuch"})
		strayAgent := p.vsa.AddAgent(vsasim.Agent{ComputerName: "STRAY", OrgID: stray.ID})
		p.vsa.AddAlarm(vsasim.Alarm{AgentID: strayAgent.ID, Subject: "ignored"})
		sp := p.policy("vsa-cw", nil)
		syncedPolicy(p.ns, sp.Name, "")

		Eventually(func() int { return len(p.cw.Tickets()) }).Should(Equal(3))
		tickets := p.tickets()
		Expect(tickets).To(HaveKey(k1))
		Expect(tickets[k1].Company.ID).To(Equal(301))
		Expect(tickets[k1].Board.Name).To(Equal("Alerts"))
		Expect(tickets[k1].Status.Name).To(Equal("New"))
		Expect(tickets[k1].Priority.Name).To(Equal("High"))
		Expect(tickets[k1].Summary).To(ContainSubstring("Disk C: low"))
		Expect(tickets[k3].Company.ID).To(Equal(302))

		Eventually(func(g Gomega) {
			am := mappingOf(p.ns, sp.Name, p.orgs[0])
			g.Expect(am.Status.Services).NotTo(BeNil())
			g.Expect(am.Status.Services.Ticketing).NotTo(BeNil())
			g.Expect(am.Status.Services.Ticketing.OpenTickets).To(BeEquivalentTo(2))
			g.Expect(am.Status.Services.Ticketing.Created).To(BeEquivalentTo(2))
			g.Expect(am.Status.Services.Ticketing.LastAlertTime).NotTo(BeNil())
			c := meta.FindStatusCondition(am.Status.Conditions, v1alpha1.ConditionTicketing)
			g.Expect(c).NotTo(BeNil())
			g.Expect(c.Reason).To(Equal(v1alpha1.ReasonTicketingSynced))
			g.Expect(am.Status.State).To(Equal(v1alpha1.StateOK))
		}).Should(Succeed())
		Eventually(func(g Gomega) {
			evs := &corev1.EventList{}
			g.Expect(k8s.List(ctx, evs, client.InNamespace(p.ns))).To(Succeed())
			on := map[string]bool{}
			for _, e := range evs.Items {
				if e.Reason == "TicketCreated" {
					on[e.InvolvedObject.Name] = true
				}
			}
			g.Expect(on).To(HaveLen(2), "each mapping with a new ticket has its event")
		}).Should(Succeed())

		// A second run looks nothing up again for alarms already ticketed, and creates nothing.
		p.cw.ResetCalls()
		run := runTicketingNow(sp)
		Expect(run.Changed).To(BeZero())
		Expect(p.cw.Calls("GET /service/tickets")).To(BeZero(), "no look-up for alarms already ticketed")
		Expect(p.cw.Calls("POST /service/tickets")).To(BeZero())
		Expect(p.tickets()).To(HaveLen(3))

		// The alarm clears in VSA: its ticket gets a note and the board's closed status.
		p.vsa.CloseAlarm(id1)
		// A person closes the ticket of the second alarm, which stays open in VSA.
		Expect(p.cw.SetTicketStatus(tickets[k2].ID, "Closed")).To(Succeed())
		run = runTicketingNow(sp)
		Expect(run.Changed).To(BeEquivalentTo(1))
		closed := p.tickets()[k1]
		Expect(closed.ClosedFlag).To(BeTrue())
		Expect(closed.Status.Name).To(Equal("Closed"))
		notes := p.cw.TicketNotes(closed.ID)
		Expect(notes).To(HaveLen(1))
		Expect(notes[0].Text).To(ContainSubstring("cleared"))
		// The person's close is never undone: no new ticket for the still-open alarm.
		runTicketingNow(sp)
		Expect(p.tickets()).To(HaveLen(3))
		Expect(p.tickets()[k2].ClosedFlag).To(BeTrue())
		Eventually(func() int32 {
			return mappingOf(p.ns, sp.Name, p.orgs[0]).Status.Services.Ticketing.OpenTickets
		}).Should(BeEquivalentTo(1))
	})

	It("rolls an alert storm on one account into one ticket and an event", func() {
		p := newTicketingPair(2)
		for i := 0; i < 30; i++ {
			p.alarm(1, fmt.Sprintf("Service %d stopped", i))
		}
		_, other := p.alarm(2, "Disk full")
		sp := p.policy("storm", func(s *v1alpha1.SyncPolicySpec) { s.Services.Ticketing.MaxNewTicketsPerSync = 10 })
		syncedPolicy(p.ns, sp.Name, "")
		Eventually(func() int { return len(p.cw.Tickets()) }).Should(Equal(2))
		var rollup cwsim.Ticket
		for key, t := range p.tickets() {
			if key != other {
				rollup = t
			}
		}
		Expect(rollup.Summary).To(ContainSubstring("30 alerts for Customer 001"))
		Expect(rollup.InitialDescription).To(ContainSubstring("Service 29 stopped"))
		Eventually(func(g Gomega) {
			evs := &corev1.EventList{}
			g.Expect(k8s.List(ctx, evs, client.InNamespace(p.ns))).To(Succeed())
			g.Expect(evs.Items).To(ContainElement(HaveField("Reason", "TicketsRolledUp")))
		}).Should(Succeed())
		runTicketingNow(sp)
		Expect(p.cw.Tickets()).To(HaveLen(2), "the storm's alerts are remembered as ticketed")
	})

	It("refuses a board name the PSA does not have, naming the choices", func() {
		p := newTicketingPair(1)
		p.alarm(1, "Disk full")
		sp := p.policy("wrong-board", func(s *v1alpha1.SyncPolicySpec) { s.Services.Ticketing.Target.Board = "Alarms" })
		Eventually(func(g Gomega) {
			c := policyReadyNow(p.ns, sp.Name)
			g.Expect(c).NotTo(BeNil())
			g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(c.Reason).To(Equal(v1alpha1.ReasonInvalidSpec))
			g.Expect(c.Message).To(And(ContainSubstring(`"Alarms"`), ContainSubstring("Alerts, Help Desk")))
		}).Should(Succeed())
		Expect(p.cw.Tickets()).To(BeEmpty())
		// Fixing the name makes the policy Ready and the ticket appear.
		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(sp), sp)).To(Succeed())
		sp.Spec.Services.Ticketing.Target.Board = "Alerts"
		Expect(k8s.Update(ctx, sp)).To(Succeed())
		Eventually(func() int { return len(p.cw.Tickets()) }).Should(Equal(1))
		Eventually(func() metav1.ConditionStatus { return policyReadyNow(p.ns, sp.Name).Status }).Should(Equal(metav1.ConditionTrue))
	})

	It("lists CreateTicket and CloseTicket in a dry run's plan and writes nothing", func() {
		p := newTicketingPair(2)
		p.alarm(1, "Disk full")
		p.alarm(2, "CPU high")
		sp := p.policy("dry", func(s *v1alpha1.SyncPolicySpec) { s.DryRun = true })
		Eventually(func(g Gomega) {
			got := &v1alpha1.SyncPolicy{}
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(sp), got)).To(Succeed())
			var creates []v1alpha1.PlanItem
			for _, it := range got.Status.Plan {
				if it.Action == v1alpha1.ActionCreateTicket {
					creates = append(creates, it)
				}
			}
			g.Expect(creates).To(HaveLen(2))
			g.Expect(creates[0].Detail).To(HavePrefix("alert vsa-alarm:"))
		}).Should(Succeed())
		Consistently(func() int { return len(p.cw.Tickets()) }, "2s").Should(BeZero())
		Expect(p.cw.Calls("POST /service/tickets")).To(BeZero())
		cm := &corev1.ConfigMap{}
		Expect(k8s.Get(ctx, types.NamespacedName{Namespace: p.ns, Name: "accountsync-tickets-dry"}, cm)).NotTo(Succeed(), "no ledger written")
	})
})

var _ = Describe("Ticketing: CyberQP", func() {
	It("refuses a ticketing policy on CyberQP, which has no alert API", func() {
		ns := newNamespace()
		cqp := cqpsim.New(cqpsim.Fixture{APIKey: cqpTestKey, Customers: []cqpsim.Customer{{Name: "Customer 001"}}})
		cw := cwsim.New(cwsim.DefaultFixture())
		connect(ns, "cqp", v1alpha1.ProviderCyberQP, serve(cqp), cqpCreds)
		connect(ns, "cw", v1alpha1.ProviderConnectWisePSA, serve(cw), cwCreds)
		sp := policy(ns, "cqp-tickets", "cw", "cqp", func(s *v1alpha1.SyncPolicySpec) {
			s.Mode = v1alpha1.ModeMatchOnly
			s.Services.Ticketing = &v1alpha1.TicketingService{Target: v1alpha1.TicketTarget{Board: "Alerts"}, CloseWhenResolved: true, MaxNewTicketsPerSync: 20}
		})
		Eventually(func(g Gomega) {
			c := policyReadyNow(ns, sp.Name)
			g.Expect(c).NotTo(BeNil())
			g.Expect(c.Reason).To(Equal(v1alpha1.ReasonInvalidSpec))
			g.Expect(c.Message).To(ContainSubstring("spec.services.ticketing needs Alerts, which CyberQP does not offer"))
		}).Should(Succeed())
	})
})

var _ = Describe("Ticketing: one alarm, one ticket, ever", Serial, func() {
	It("never duplicates across a timed-out create and a manager restart with its memory lost", func() {
		p := newTicketingPair(2)
		var keys []string
		for i := 0; i < 4; i++ {
			_, k := p.alarm(1+i%2, fmt.Sprintf("Alarm %d", i))
			keys = append(keys, k)
		}
		// Two creates commit but answer after the client's 2s timeout: unknown outcomes.
		p.cw.SetFaults(simkit.Faults{SlowCreates: 2, SlowCreateDelay: 3 * time.Second, ThrottleEvery: 5})
		sp := p.policy("dedupe", func(s *v1alpha1.SyncPolicySpec) { s.Creation.SettlePeriod = "2s" })
		Eventually(func() int { return len(p.cw.Tickets()) }, 2*time.Minute).Should(Equal(4))
		Eventually(func(g Gomega) {
			am := mappingOf(p.ns, sp.Name, p.orgs[0])
			g.Expect(meta.FindStatusCondition(am.Status.Conditions, v1alpha1.ConditionTicketing)).To(HaveField("Reason", v1alpha1.ReasonTicketingSynced))
		}, time.Minute).Should(Succeed())
		p.cw.SetFaults(simkit.Faults{})

		// A restart with the ledger gone: every alarm is looked up again and found.
		stopManager()
		Expect(k8s.Delete(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: p.ns, Name: "accountsync-tickets-dedupe"}})).To(Succeed())
		_, k5 := p.alarm(2, "New after restart")
		startManager()
		Eventually(func() int { return len(p.cw.Tickets()) }, time.Minute).Should(Equal(5))
		Consistently(func() int { return len(p.cw.Tickets()) }, "3s").Should(Equal(5))
		tickets := p.tickets()
		for _, k := range append(keys, k5) {
			Expect(tickets).To(HaveKey(k))
		}
		// A restart with the ledger kept: nothing is looked up.
		stopManager()
		p.cw.ResetCalls()
		startManager()
		ticketingRun(p.ns, sp.Name, time.Now())
		Expect(p.cw.Calls("GET /service/tickets")).To(BeZero())
		Expect(p.cw.Tickets()).To(HaveLen(5))
	})
})

var _ = Describe("Ticketing: GravityZone incidents become HaloPSA tickets", func() {
	It("tickets incidents at or above minSeverity on the mapped client, writes the ticket number into the incident note, and closes on resolve", func() {
		ns := newNamespace()
		hf := haloFixture()
		hf.Clients = []halosim.Client{{ID: 10, Name: "Initech", TopLevelID: 1}, {ID: 11, Name: "Globex", TopLevelID: 1}}
		halo := halosim.New(hf)
		halo.SeedServiceDesk()
		gz := gzsim.New(gzsim.Fixture{APIKeys: []string{gzTestKey}, EnabledAPIs: append([]string{"incidents"}, gzsim.DefaultEnabledAPIs...),
			Companies: []gzsim.FixtureCompany{{ID: "5f3a000000000000000000a1", Name: "Initech"}, {ID: "5f3a000000000000000000b2", Name: "Globex"}}})
		high := gz.AddIncident(gzsim.Incident{CompanyID: "5f3a000000000000000000a1", Priority: "high", MainAction: "ransomware blocked", ComputerName: "INI-PC7"})
		gz.SetIncidentNote(high.ID, "Analyst: host isolated.")
		gz.AddIncident(gzsim.Incident{CompanyID: "5f3a000000000000000000a1", Priority: "low", MainAction: "adware"})
		crit := gz.AddIncident(gzsim.Incident{CompanyID: "5f3a000000000000000000b2", Priority: "critical", Type: "extendedIncident", Status: "in_progress"})
		connect(ns, "halo", v1alpha1.ProviderHaloPSA, serve(halo), haloCreds)
		connect(ns, "gz", v1alpha1.ProviderGravityZone, serve(gz)+"/api", gzCreds)
		sp := policy(ns, "gz-halo", "halo", "gz", func(s *v1alpha1.SyncPolicySpec) {
			s.Mode = v1alpha1.ModeMatchOnly
			s.MappingDefaults.Services.Ticketing = true
			s.Services.Ticketing = &v1alpha1.TicketingService{Source: v1alpha1.SourceAlerts, MinSeverity: v1alpha1.SeverityMedium,
				Target: v1alpha1.TicketTarget{Type: "Alert", Status: "New", Priority: "High"}, CloseWhenResolved: true, MaxNewTicketsPerSync: 20, Interval: "1h"}
		})
		Eventually(func() int { return len(halo.Tickets()) }).Should(Equal(2))
		byKey := map[string]halosim.Ticket{}
		for _, t := range halo.Tickets() {
			byKey[t.SupplierReference] = t
		}
		Expect(byKey).To(HaveKey("gz-incident:" + high.ID))
		Expect(byKey).To(HaveKey("gz-incident:" + crit.ID))
		Expect(byKey["gz-incident:"+high.ID].ClientID).To(Equal(10))
		Expect(byKey["gz-incident:"+high.ID].TicketTypeID).To(Equal(21))
		Expect(byKey["gz-incident:"+crit.ID].ClientID).To(Equal(11))
		ticket := byKey["gz-incident:"+high.ID]
		Eventually(func() string {
			for _, in := range gz.Incidents() {
				if in.ID == high.ID {
					return in.Note
				}
			}
			return ""
		}).Should(Equal(fmt.Sprintf("Analyst: host isolated.\nHaloPSA ticket %d (AccountSync)", ticket.ID)))

		gz.SetIncidentStatus(high.ID, "closed")
		runTicketingNow(sp)
		Eventually(func() int {
			for _, t := range halo.Tickets() {
				if t.ID == ticket.ID {
					return t.StatusID
				}
			}
			return 0
		}).Should(Equal(9))
		Expect(halo.Actions(ticket.ID)).To(HaveLen(1))
		Expect(halo.Tickets()).To(HaveLen(2))
	})
})

var _ = Describe("Ticketing: VSA alarms become Kaseya BMS tickets", func() {
	It("opens a ticket with the alarm's title marker on the mapped account and resolves it when the alarm clears", func() {
		ns := newNamespace()
		vsa := vsasim.New(vsaFixture(2))
		var agents []string
		for _, o := range vsa.Orgs() {
			agents = append(agents, vsa.AddAgent(vsasim.Agent{ComputerName: "PC-" + o.Ref, OrgID: o.ID}).ID)
		}
		bf := bmsFixture()
		bf.Accounts = []bmssim.Account{{AccountName: "Customer 001"}, {AccountName: "Customer 002"}}
		bms := bmssim.New(bf)
		a1 := vsa.AddAlarm(vsasim.Alarm{AgentID: agents[0], Subject: "Disk C: low"})
		a2 := vsa.AddAlarm(vsasim.Alarm{AgentID: agents[1], Subject: "Agent offline"})
		connect(ns, "vsa", v1alpha1.ProviderKaseyaVSA, serve(vsa), vsaCreds)
		connect(ns, "bms", v1alpha1.ProviderKaseyaBMS, serve(bms), bmsCreds)
		sp := bmsPolicy(ns, "vsa-bms", func(s *v1alpha1.SyncPolicySpec) {
			s.Mode = v1alpha1.ModeMatchOnly
			s.MappingDefaults.Services.Ticketing = true
			s.Services.Ticketing = &v1alpha1.TicketingService{Source: v1alpha1.SourceAlerts, MinSeverity: v1alpha1.SeverityMedium,
				Target:            v1alpha1.TicketTarget{Board: "Monitoring Alerts", Status: "New", Priority: "High", Type: "3", Source: "3", NoteType: "1"},
				CloseWhenResolved: true, MaxNewTicketsPerSync: 20, Interval: "1h"}
		})
		Eventually(func() int { return len(bms.Tickets()) }).Should(Equal(2))
		titles := map[string]bmssim.Ticket{}
		for _, t := range bms.Tickets() {
			titles[t.Title] = t
		}
		first := titles["[vsa-alarm:"+a1.ID+"] PC-cust001: Disk C: low"]
		Expect(first.ID).NotTo(BeZero(), "titles: %v", titles)
		Expect(bms.Accounts()[0].ID).To(Equal(first.AccountID))
		Expect(titles).To(HaveKey("[vsa-alarm:" + a2.ID + "] PC-cust002: Agent offline"))

		vsa.CloseAlarm(a1.ID)
		runTicketingNow(sp)
		Eventually(func() bool {
			for _, t := range bms.Tickets() {
				if t.ID == first.ID {
					return t.IsCompleted
				}
			}
			return false
		}).Should(BeTrue())
		Expect(bms.TicketNotes(first.ID)).To(HaveLen(1))
		Expect(bms.Tickets()).To(HaveLen(2))
	})
})

var _ = Describe("Ticketing: createWhen Referenced", func() {
	It("creates a PSA account for a GravityZone company once one of its incidents references it, and not for a quiet one", func() {
		ns := newNamespace()
		halo := halosim.New(haloFixture())
		halo.SeedServiceDesk()
		gz := gzsim.New(gzsim.Fixture{APIKeys: []string{gzTestKey}, EnabledAPIs: append([]string{"incidents"}, gzsim.DefaultEnabledAPIs...),
			Companies: []gzsim.FixtureCompany{{ID: "5f3a000000000000000000c1", Name: "Newco"}, {ID: "5f3a000000000000000000c2", Name: "Quietco"}}})
		gz.AddIncident(gzsim.Incident{CompanyID: "5f3a000000000000000000c1", Priority: "high", MainAction: "blocked"})
		connect(ns, "halo", v1alpha1.ProviderHaloPSA, serve(halo), haloCreds)
		connect(ns, "gz", v1alpha1.ProviderGravityZone, serve(gz)+"/api", gzCreds)
		sp := policy(ns, "referenced", "halo", "gz", func(s *v1alpha1.SyncPolicySpec) {
			s.Mode = v1alpha1.ModeImport
			s.CreateWhen = v1alpha1.CreateReferenced
			s.PSA.Filter.Types = []string{"Managed"}
			s.MappingDefaults.Services.Ticketing = true
			s.Services.Ticketing = &v1alpha1.TicketingService{Source: v1alpha1.SourceAlerts, MinSeverity: v1alpha1.SeverityMedium,
				Target: v1alpha1.TicketTarget{Type: "Alert"}, CloseWhenResolved: true, MaxNewTicketsPerSync: 20, Interval: "1h"}
		})
		// The first sync runs before any alert was read; the ticketing run reports the reference
		// and the next sync creates the client, whose incident then becomes its ticket.
		ticketingRun(ns, sp.Name, time.Time{})
		req := syncNow(sp)
		syncedPolicy(ns, sp.Name, req)
		Eventually(func() []string {
			var names []string
			for _, c := range halo.Clients() {
				names = append(names, c.Name)
			}
			return names
		}).Should(ConsistOf("Newco"))
		Eventually(func() int { return len(halo.Tickets()) }).Should(Equal(1))
	})
})
