package controllers

import (
	"context"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/billing"
	"github.com/accountsync/accountsync-operator/internal/provider"
)

// fakeTool lists agents and users, counting the listings.
type fakeTool struct {
	provider.Client
	assets   []provider.ToolAsset
	listings []string // the organization of each agent listing ("" = all)
	users    map[string]int
}

func (f *fakeTool) ListToolAssets(_ context.Context, org string) ([]provider.ToolAsset, error) {
	f.listings = append(f.listings, org)
	var out []provider.ToolAsset
	for _, a := range f.assets {
		if org == "" || a.OrganizationID == org {
			out = append(out, a)
		}
	}
	return out, nil
}

func (f *fakeTool) ListUsers(_ context.Context, org string) ([]provider.User, error) {
	return make([]provider.User, f.users[org]), nil
}

func linkedMappings(orgs ...string) []v1alpha1.AccountMapping {
	var out []v1alpha1.AccountMapping
	for _, o := range orgs {
		out = append(out, v1alpha1.AccountMapping{ObjectMeta: metav1.ObjectMeta{Name: "m" + o},
			Spec:   v1alpha1.AccountMappingSpec{Services: v1alpha1.Services{Billing: true}},
			Status: v1alpha1.AccountMappingStatus{ToolOrganization: &v1alpha1.RecordRef{ID: o}, PSAAccount: &v1alpha1.RecordRef{ID: "a" + o}}})
	}
	return out
}

// Agent usage comes from the sync's listing when there is one, else from one listing per run:
// per organization for a few pairs, connection-wide for more.
func TestAgentUsageListsOnce(t *testing.T) {
	assets := []provider.ToolAsset{{ID: "1", OrganizationID: "o1"}, {ID: "2", OrganizationID: "o1", Dormant: true}, {ID: "3", OrganizationID: "o2"}}
	sp := &v1alpha1.SyncPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p"},
		Spec: v1alpha1.SyncPolicySpec{Services: v1alpha1.PolicyServices{Billing: &v1alpha1.BillingService{Usage: v1alpha1.UsageAgents}}}}

	store := NewSnapshotStore()
	tool := &fakeTool{assets: assets}
	r := &BillingReconciler{Snapshots: store}
	usage, err := r.agentUsage(context.Background(), sp, tool, linkedMappings("o1", "o2"))
	if err != nil || usage["o1"] != 1 || usage["o2"] != 1 || len(tool.listings) != 2 || tool.listings[0] != "o1" {
		t.Fatalf("few pairs: usage %v, listings %q, %v", usage, tool.listings, err)
	}

	tool.listings = nil
	usage, _ = r.agentUsage(context.Background(), sp, tool, linkedMappings("o1", "o2", "o3", "o4", "o5", "o6"))
	if len(tool.listings) != 1 || tool.listings[0] != "" || usage["o1"] != 1 {
		t.Fatalf("many pairs: listings %q, usage %v", tool.listings, usage)
	}

	tool.listings = nil
	snap := &Snapshot{ToolAssets: map[string][]provider.ToolAsset{"o1": assets[:2], "o2": assets[2:]}}
	store.Put(sp, snap)
	usage, _ = r.agentUsage(context.Background(), sp, tool, linkedMappings("o1", "o2", "o3", "o4", "o5", "o6"))
	if len(tool.listings) != 0 || usage["o1"] != 1 || usage["o2"] != 1 {
		t.Fatalf("from the snapshot: listings %q, usage %v", tool.listings, usage)
	}
}

func TestUsersUsage(t *testing.T) {
	tool := &fakeTool{users: map[string]int{"c1": 7}}
	n, err := usageOf(context.Background(), v1alpha1.BillingService{Usage: v1alpha1.UsageUsers}, tool, "c1", nil, nil, time.Now())
	if err != nil || n != 7 {
		t.Fatalf("users: %d %v", n, err)
	}
}

// A failed pair is retried after 1, 2, 4 ... minutes, at most an hour; success clears it.
func TestBillingRetryBackOff(t *testing.T) {
	key := types.NamespacedName{Namespace: "ns", Name: "p"}
	r := &BillingReconciler{Snapshots: NewSnapshotStore()}
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	r.runFor(key, 1, "", time.Hour*24, now)
	am := &linkedMappings("o1")[0]
	failed := billing.Result{Failed: true}
	want := []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 16 * time.Minute, 32 * time.Minute, time.Hour, time.Hour}
	for i, w := range want {
		r.record(key, am, failed, now)
		if got := r.runs[key].retry[am.Name].at.Sub(now); got != w {
			t.Fatalf("failure %d: retry after %s, want %s", i+1, got, w)
		}
	}
	// Due only once its time has come.
	if work := r.workSet(key, []v1alpha1.AccountMapping{*am}, true, now.Add(30*time.Minute)); len(work) != 0 {
		t.Fatalf("retried before its time: %d", len(work))
	}
	if work := r.workSet(key, []v1alpha1.AccountMapping{*am}, true, now.Add(time.Hour)); len(work) != 1 {
		t.Fatalf("not retried at its time")
	}
	// A vendor's Retry-After beyond the back-off is honoured.
	r.record(key, am, billing.Result{Failed: true, RetryAfter: 3 * time.Hour}, now)
	if got := r.runs[key].retry[am.Name].at.Sub(now); got != 3*time.Hour {
		t.Fatalf("Retry-After: retry after %s", got)
	}
	r.record(key, am, billing.Result{}, now)
	if _, ok := r.runs[key].retry[am.Name]; ok {
		t.Fatal("a success did not clear the retry")
	}
	// A re-pointed link is billed again at once.
	am.Status.PSAAccount.ID = "other"
	if work := r.workSet(key, []v1alpha1.AccountMapping{*am}, true, now); len(work) != 1 {
		t.Fatal("a re-pointed mapping waits for the next cycle")
	}
}

// An empty agent listing for organizations that had agents is a glitch, not a zero usage.
func TestEmptyAgentListingIsNotBilled(t *testing.T) {
	sp := &v1alpha1.SyncPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p"},
		Spec: v1alpha1.SyncPolicySpec{Services: v1alpha1.PolicyServices{Billing: &v1alpha1.BillingService{Usage: v1alpha1.UsageAgents}}}}
	r := &BillingReconciler{Snapshots: NewSnapshotStore()}
	work := linkedMappings("o1", "o2", "o3", "o4", "o5", "o6") // more than listed one by one
	// Never billed: an empty listing is believed (new customers without agents).
	if usage, err := r.agentUsage(context.Background(), sp, &fakeTool{}, work); err != nil || usage["o1"] != 0 {
		t.Fatalf("first run: %v %v", usage, err)
	}
	five := int64(5)
	work[1].Status.Services = &v1alpha1.MappingServicesStatus{Billing: &v1alpha1.BillingStatus{Usage: &five}}
	if _, err := r.agentUsage(context.Background(), sp, &fakeTool{}, work); err == nil {
		t.Fatal("an empty listing set a billed customer to 0")
	}
	// One organization with agents makes the listing believable.
	tool := &fakeTool{assets: []provider.ToolAsset{{ID: "1", OrganizationID: "o1"}}}
	if usage, err := r.agentUsage(context.Background(), sp, tool, work); err != nil || usage["o1"] != 1 || usage["o2"] != 0 {
		t.Fatalf("a real drop to 0: %v %v", usage, err)
	}
	// Listed one by one, an organization that lost its agents is believed.
	if usage, err := r.agentUsage(context.Background(), sp, &fakeTool{}, work[1:2]); err != nil || usage["o2"] != 0 {
		t.Fatalf("one organization without agents: %v %v", usage, err)
	}
}

func TestAddBillingEventOnce(t *testing.T) {
	st := &v1alpha1.AccountMappingStatus{}
	addBillingEvent(st, v1alpha1.ReasonBillingFailed, "503")
	addBillingEvent(st, v1alpha1.ReasonBillingFailed, "503")
	if len(st.RecentEvents) != 1 {
		t.Fatalf("a repeated problem was recorded twice: %+v", st.RecentEvents)
	}
	for i := 0; i < 20; i++ {
		addBillingEvent(st, v1alpha1.ReasonBillingFailed, string(rune('a'+i)))
	}
	if len(st.RecentEvents) != v1alpha1.MaxRecentEvents || st.RecentEvents[0].Message != "t" {
		t.Fatalf("not bounded newest first: %d, %q", len(st.RecentEvents), st.RecentEvents[0].Message)
	}
}
