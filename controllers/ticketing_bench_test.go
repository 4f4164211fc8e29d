package controllers

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/provider"
	"github.com/accountsync/accountsync-operator/internal/provider/kaseyavsa"
	vsasim "github.com/accountsync/accountsync-operator/internal/simulator/kaseyavsa"
	"github.com/accountsync/accountsync-operator/internal/ticketing"
)

// countingDesk is a PSA ticket desk in memory that counts its calls, one per verb (each verb is
// one request on ConnectWise: a look-up is one page of `externalXRef=…` conditions, a create
// one POST). The real clients' wire is covered by their own tests; here only the number of
// calls a run makes matters, at a scale the simulators' condition evaluator would make slow.
type countingDesk struct {
	mu      sync.Mutex
	calls   atomic.Int64
	lookups atomic.Int64
	creates atomic.Int64
	byKey   map[string]provider.Ticket
	next    int
}

func (d *countingDesk) Provider() provider.Name { return provider.ConnectWisePSA }
func (d *countingDesk) Side() provider.Side     { return provider.SidePSA }
func (d *countingDesk) CallCount() int64        { return d.calls.Load() }
func (d *countingDesk) Probe(context.Context) (provider.ProbeResult, error) {
	return provider.ProbeResult{}, nil
}
func (d *countingDesk) ListAccounts(context.Context, provider.AccountFilter) ([]provider.Account, error) {
	return nil, nil
}

func (d *countingDesk) ResolveTicketSettings(_ context.Context, in provider.TicketSettings) (provider.TicketSettings, error) {
	d.calls.Add(3) // boards, the board's statuses, priorities
	in.ClosedStatus = "Closed"
	return in, nil
}

func (d *countingDesk) FindTicket(_ context.Context, accountID, key string) ([]provider.Ticket, error) {
	d.calls.Add(1)
	d.lookups.Add(1)
	d.mu.Lock()
	defer d.mu.Unlock()
	if t, ok := d.byKey[accountID+"/"+key]; ok {
		return []provider.Ticket{t}, nil
	}
	return nil, nil
}

func (d *countingDesk) CreateTicket(_ context.Context, in provider.TicketCreate) (provider.Ticket, error) {
	d.calls.Add(1)
	d.creates.Add(1)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.next++
	t := provider.Ticket{ID: strconv.Itoa(d.next), Number: "#" + strconv.Itoa(d.next), AccountID: in.AccountID, Key: in.Key}
	d.byKey[in.AccountID+"/"+in.Key] = t
	return t, nil
}

func (d *countingDesk) AddTicketNote(context.Context, string, string, provider.TicketSettings) error {
	d.calls.Add(1)
	return nil
}

func (d *countingDesk) CloseTicket(context.Context, string, provider.TicketSettings) error {
	d.calls.Add(1)
	return nil
}

// BenchmarkTicketing10kAlerts1500Accounts runs the ticketing service for one policy over 1,500
// linked mappings and 10,000 open VSA alarms (the real VSA client against the simulator), and
// reports the vendor calls of the first run and of each later run against their lower bounds.
// A later run must look nothing up: every alarm is already in the ledger.
func BenchmarkTicketing10kAlerts1500Accounts(b *testing.B) {
	const accounts, alarms = 1500, 10000
	logf.SetLogger(logr.Discard())
	ctx := context.Background()
	sim := vsasim.New(vsasim.Fixture{Username: "sync", Token: "pat"})
	var agents []string
	for i := 0; i < accounts; i++ {
		o := sim.AddOrg(vsasim.Org{Name: fmt.Sprintf("Customer %04d", i), Ref: fmt.Sprintf("c%04d", i)})
		agents = append(agents, sim.AddAgent(vsasim.Agent{ComputerName: fmt.Sprintf("PC%04d", i), OrgID: o.ID}).ID)
	}
	for i := 0; i < alarms; i++ {
		sim.AddAlarm(vsasim.Alarm{AgentID: agents[i%accounts], Subject: fmt.Sprintf("Monitor %d", i)})
	}
	srv := httptest.NewServer(sim)
	b.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	tool, err := kaseyavsa.New(provider.Config{URL: u, Timeout: 30 * time.Second, RequestsPerMinute: 6000000, Burst: 100000},
		provider.Credentials{"username": []byte("sync"), "token": []byte("pat")})
	if err != nil {
		b.Fatal(err)
	}
	desk := &countingDesk{byKey: map[string]provider.Ticket{}}

	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	_ = v1alpha1.AddToScheme(scheme)
	sp := &v1alpha1.SyncPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "tenant", Name: "bench", UID: "u-1", Generation: 1},
		Spec: v1alpha1.SyncPolicySpec{Mode: v1alpha1.ModeMatchOnly, Services: v1alpha1.PolicyServices{Ticketing: &v1alpha1.TicketingService{
			Target: v1alpha1.TicketTarget{Board: "Alerts"}, CloseWhenResolved: true, MaxNewTicketsPerSync: 20, MinSeverity: v1alpha1.SeverityMedium}}}}
	objs := []client.Object{sp}
	orgs := sim.Orgs()
	for i := 0; i < accounts; i++ {
		am := &v1alpha1.AccountMapping{ObjectMeta: metav1.ObjectMeta{Namespace: "tenant", Name: fmt.Sprintf("m-%04d", i)},
			Spec: v1alpha1.AccountMappingSpec{PolicyRef: v1alpha1.LocalObjectReference{Name: "bench"}, Services: v1alpha1.Services{Ticketing: true}}}
		am.Status.PSAAccount = &v1alpha1.RecordRef{ID: strconv.Itoa(1000 + i)}
		am.Status.ToolOrganization = &v1alpha1.RecordRef{ID: orgs[i].ID, Name: orgs[i].Name}
		am.Status.Conditions = []metav1.Condition{{Type: v1alpha1.ConditionReady, Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonLinked, LastTransitionTime: metav1.Now()}}
		am.Status.State = v1alpha1.StateOK
		objs = append(objs, am)
	}
	kube := fake.NewClientBuilder().WithScheme(scheme).WithObjects(objs...).
		WithStatusSubresource(&v1alpha1.AccountMapping{}, &v1alpha1.SyncPolicy{}).
		WithIndex(&v1alpha1.AccountMapping{}, policyRefIndex, func(o client.Object) []string {
			return []string{o.(*v1alpha1.AccountMapping).Spec.PolicyRef.Name}
		}).Build()
	r := &TicketingReconciler{Client: kube, Reader: kube, Reports: NewServiceReports(), Recorder: &events.FakeRecorder{}}
	key := types.NamespacedName{Namespace: "tenant", Name: "bench"}

	run := func() (psa, toolCalls int64) {
		p0, t0 := desk.CallCount(), tool.CallCount()
		tr := &ticketRun{r: r, sp: sp, key: key, started: time.Now()}
		if err := tr.loadMappings(ctx); err != nil {
			b.Fatal(err)
		}
		tr.with(ctx, desk, tool)
		if tr.message != "" || len(tr.failures) > 0 {
			b.Fatalf("run failed: %s %v", tr.message, tr.failures)
		}
		return desk.CallCount() - p0, tool.CallCount() - t0
	}
	// Lower bounds: the tool's listings (alarms and agents, 100 a page) every run; on the first
	// run one create per alarm (20 or fewer per account: no roll-up) plus the three look-ups of
	// board, statuses and priorities that every run makes.
	toolBound := int64((alarms+99)/100 + (accounts+99)/100)
	firstPSA, firstTool := run()
	if desk.creates.Load() != alarms {
		b.Fatalf("first run created %d tickets, want %d", desk.creates.Load(), alarms)
	}
	cm := &corev1.ConfigMap{}
	if err := kube.Get(ctx, types.NamespacedName{Namespace: "tenant", Name: ledgerPrefix + "bench"}, cm); err != nil {
		b.Fatal(err)
	}
	ledger, err := ticketing.DecodeLedger(cm.Data[ledgerKey])
	if err != nil || len(ledger) != alarms {
		b.Fatalf("ledger holds %d alarms (%v), want %d", len(ledger), err, alarms)
	}
	lookups := desk.lookups.Load()
	b.ResetTimer()
	var psa, toolCalls int64
	for i := 0; i < b.N; i++ {
		psa, toolCalls = run()
	}
	b.StopTimer()
	if again := desk.lookups.Load() - lookups; again != 0 {
		b.Fatalf("later runs looked up %d alarms already ticketed", again)
	}
	if desk.creates.Load() != alarms {
		b.Fatalf("later runs created %d more tickets", desk.creates.Load()-alarms)
	}
	// Reported after the loop: ResetTimer drops metrics reported before it.
	b.ReportMetric(float64(firstPSA), "psa-calls/first-run")
	b.ReportMetric(float64(alarms+3), "psa-lower-bound/first-run")
	b.ReportMetric(float64(firstTool), "tool-calls/first-run")
	b.ReportMetric(float64(len(cm.Data[ledgerKey])), "ledger-bytes")
	b.ReportMetric(float64(psa), "psa-calls/run")
	b.ReportMetric(float64(toolCalls), "tool-calls/run")
	b.ReportMetric(float64(toolBound), "tool-lower-bound/run")
}
