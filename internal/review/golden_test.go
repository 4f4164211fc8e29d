package review

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var now = time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)

func before(d time.Duration) metav1.Time { return metav1.NewTime(now.Add(-d)) }

func ready(status metav1.ConditionStatus, reason, msg string) []metav1.Condition {
	return []metav1.Condition{{Type: v1alpha1.ConditionReady, Status: status, Reason: reason, Message: msg,
		LastTransitionTime: before(2 * time.Hour), ObservedGeneration: 1}}
}

func generated(am v1alpha1.AccountMapping) v1alpha1.AccountMapping {
	am.OwnerReferences = []metav1.OwnerReference{{APIVersion: "accountsync.io/v1alpha1", Kind: "SyncPolicy",
		Name: am.Spec.PolicyRef.Name, UID: "uid", Controller: ptr.To(true)}}
	return am
}

// fixture is a namespace after a sync: one linked pair, one conflict, one asset failure, an
// ambiguous and two unmatched records with suggestions, and a dry-run policy.
func fixture() *World {
	linked := generated(v1alpha1.AccountMapping{
		ObjectMeta: metav1.ObjectMeta{Name: "vsa-cw-org-1", Generation: 1},
		Spec: v1alpha1.AccountMappingSpec{PolicyRef: v1alpha1.LocalObjectReference{Name: "vsa-cw"},
			Tool: v1alpha1.MappingTool{OrganizationID: "1"}, PSA: v1alpha1.MappingPSA{AccountID: "250"},
			Location: v1alpha1.LocationMapping{Mode: v1alpha1.LocationMain}},
		Status: v1alpha1.AccountMappingStatus{State: v1alpha1.StateOK,
			Conditions:       ready(metav1.ConditionTrue, v1alpha1.ReasonLinked, `KaseyaVSA "ACME CORP." ↔ ConnectWisePSA "Acme Corp"`),
			ToolOrganization: &v1alpha1.RecordRef{ID: "1", Name: "ACME CORP."}, PSAAccount: &v1alpha1.RecordRef{ID: "250", Name: "Acme Corp"},
			Assets:   &v1alpha1.AssetCounts{Total: 12, Unchanged: 12},
			Services: &v1alpha1.MappingServicesStatus{Billing: &v1alpha1.BillingStatus{Usage: ptr.To(int64(12)), Quantity: ptr.To(int64(12))}}},
	})
	failing := generated(v1alpha1.AccountMapping{
		ObjectMeta: metav1.ObjectMeta{Name: "vsa-cw-org-2", Generation: 1},
		Spec: v1alpha1.AccountMappingSpec{PolicyRef: v1alpha1.LocalObjectReference{Name: "vsa-cw"},
			Tool: v1alpha1.MappingTool{OrganizationID: "2"}, PSA: v1alpha1.MappingPSA{AccountID: "251"},
			Location: v1alpha1.LocationMapping{Mode: v1alpha1.LocationGroupID}},
		Status: v1alpha1.AccountMappingStatus{State: v1alpha1.StateHasEvents,
			Conditions:       ready(metav1.ConditionFalse, v1alpha1.ReasonAssetSyncFailed, "asset srv-01: 400 serialNumber too long"),
			ToolOrganization: &v1alpha1.RecordRef{ID: "2", Name: "Globex"}, PSAAccount: &v1alpha1.RecordRef{ID: "251", Name: "Globex Corporation"},
			Assets: &v1alpha1.AssetCounts{Total: 3, Unchanged: 2, Failed: 1},
			AmbiguousUsers: []v1alpha1.AmbiguousUser{{ToolUserID: "qp-carol", Name: "Carol Chen", Candidates: []v1alpha1.UserRef{
				{ID: "103", Name: "Carol Chen", Email: "carol.chen@globex.com"}, {ID: "104", Name: "Carol Chen", Email: "c.chen@globex.com"}}}},
			RecentEvents: []v1alpha1.MappingEvent{{Time: before(10 * time.Minute), Reason: v1alpha1.ReasonAssetSyncFailed,
				Message: "asset srv-01: 400 serialNumber too long"}}},
	})
	conflict := v1alpha1.AccountMapping{
		ObjectMeta: metav1.ObjectMeta{Name: "initech-by-hand", Generation: 1},
		Spec: v1alpha1.AccountMappingSpec{PolicyRef: v1alpha1.LocalObjectReference{Name: "vsa-cw"},
			Tool: v1alpha1.MappingTool{OrganizationID: "3"}, PSA: v1alpha1.MappingPSA{AccountID: "250"},
			Location: v1alpha1.LocationMapping{Mode: v1alpha1.LocationMain}},
		Status: v1alpha1.AccountMappingStatus{State: v1alpha1.StateHasEvents,
			Conditions:       ready(metav1.ConditionFalse, v1alpha1.ReasonConflict, `PSA account "250" is already linked by AccountMapping "vsa-cw-org-1"`),
			ToolOrganization: &v1alpha1.RecordRef{ID: "3", Name: "Initech"}},
	}
	synced := []metav1.Condition{{Type: v1alpha1.ConditionSynced, Status: metav1.ConditionTrue, Reason: "SyncSucceeded"}}
	return &World{
		Connections: []v1alpha1.IntegrationConnection{
			{ObjectMeta: metav1.ObjectMeta{Name: "cw"}, Spec: v1alpha1.IntegrationConnectionSpec{Provider: v1alpha1.ProviderConnectWisePSA, URL: "https://api-na.myconnectwise.net"},
				Status: v1alpha1.IntegrationConnectionStatus{Side: v1alpha1.SidePSA, ServerVersion: "2025.1",
					Conditions: []metav1.Condition{{Type: v1alpha1.ConditionReady, Status: metav1.ConditionTrue, Reason: "Connected"}}}},
			{ObjectMeta: metav1.ObjectMeta{Name: "vsa"}, Spec: v1alpha1.IntegrationConnectionSpec{Provider: v1alpha1.ProviderKaseyaVSA, URL: "https://vsa.example.com"},
				Status: v1alpha1.IntegrationConnectionStatus{Side: v1alpha1.SideTool,
					Conditions: []metav1.Condition{{Type: v1alpha1.ConditionReady, Status: metav1.ConditionTrue, Reason: "Connected"}}}},
		},
		Policies: []v1alpha1.SyncPolicy{
			{ObjectMeta: metav1.ObjectMeta{Name: "vsa-cw"}, Spec: v1alpha1.SyncPolicySpec{Mode: v1alpha1.ModeMatchOnly},
				Status: v1alpha1.SyncPolicyStatus{Conditions: synced, LastSyncDuration: "1.2s",
					Counts:   v1alpha1.SyncCounts{ToolOrganizations: 6, PSAAccounts: 5, Mapped: 2, Ambiguous: 1, Unmatched: 2, Conflicts: 1},
					APICalls: v1alpha1.APICalls{PSA: 4, Tool: 1},
					Ambiguous: []v1alpha1.AmbiguousRecord{{Side: v1alpha1.SideTool, ID: "4", Name: "Umbrella", Candidates: []v1alpha1.ScoredRecord{
						{ID: "260", Name: "Umbrella Corp", Score: 100, Signals: []v1alpha1.Signal{v1alpha1.SignalName, v1alpha1.SignalPhone}},
						{ID: "261", Name: "UMBRELLA", Score: 100, Signals: []v1alpha1.Signal{v1alpha1.SignalName}}}}},
					Unmatched: []v1alpha1.UnmatchedRecord{
						{Side: v1alpha1.SideTool, ID: "5", Name: "Jones Smith Dental", Suggestions: []v1alpha1.ScoredRecord{
							{ID: "270", Name: "Smith & Jones Dental PLLC", Score: 97, Signals: []v1alpha1.Signal{v1alpha1.SignalName, v1alpha1.SignalDomain}},
							{ID: "271", Name: "Jones Dental", Score: 67, Signals: []v1alpha1.Signal{v1alpha1.SignalName}}}},
						{Side: v1alpha1.SidePSA, ID: "280", Name: "Hooli"},
					}}},
			{ObjectMeta: metav1.ObjectMeta{Name: "vsa-cw-preview"}, Spec: v1alpha1.SyncPolicySpec{Mode: v1alpha1.ModeImport, DryRun: true},
				Status: v1alpha1.SyncPolicyStatus{Conditions: []metav1.Condition{{Type: v1alpha1.ConditionSynced, Status: metav1.ConditionTrue, Reason: "DryRun"}},
					PlanTotal: 4, Plan: []v1alpha1.PlanItem{
						{Action: v1alpha1.ActionLink, ToolOrganizationID: "1", PSAAccountID: "250", Name: "ACME CORP.", Mapping: "vsa-cw-preview-org-1"},
						{Action: v1alpha1.ActionCreatePSAAccount, ToolOrganizationID: "6", Name: "Pied Piper", Mapping: "vsa-cw-preview-org-6"},
						{Action: v1alpha1.ActionLinkUser, ToolOrganizationID: "3", PSAAccountID: "252", ToolUserID: "u-17", PSAUserID: "88", Name: "Peter Gibbons", Mapping: "initech-by-hand"},
						{Action: v1alpha1.ActionCreatePSAUser, ToolOrganizationID: "3", PSAAccountID: "252", ToolUserID: "u-18", Name: "Milton Waddams", Mapping: "initech-by-hand"}}}},
		},
		Mappings: []v1alpha1.AccountMapping{linked, failing, conflict},
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/review -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestGoldenStatus(t *testing.T) {
	var b bytes.Buffer
	PrintStatus(&b, fixture())
	golden(t, "status.txt", b.Bytes())
}

func TestGoldenReview(t *testing.T) {
	var b bytes.Buffer
	PrintWorklist(&b, BuildWorklist(fixture(), ""))
	golden(t, "review.txt", b.Bytes())

	b.Reset()
	PrintWorklist(&b, BuildWorklist(fixture(), "no-such-policy"))
	if b.String() != "Nothing needs a person.\n" {
		t.Errorf("empty worklist printed %q", b.String())
	}
}

func TestGoldenExplain(t *testing.T) {
	w := fixture()
	events := []corev1.Event{
		{Type: corev1.EventTypeWarning, Reason: v1alpha1.ReasonAssetSyncFailed, Message: "asset srv-01: 400 serialNumber too long", LastTimestamp: before(10 * time.Minute)},
		{Type: corev1.EventTypeNormal, Reason: v1alpha1.ReasonLinked, Message: "linked", EventTime: metav1.NewMicroTime(now.Add(-3 * time.Hour))},
	}
	var b bytes.Buffer
	Explain(&b, &w.Mappings[1], events, now)
	golden(t, "explain.txt", b.Bytes())
}

func TestGoldenPlan(t *testing.T) {
	var b bytes.Buffer
	PrintPlan(&b, &fixture().Policies[1], 0)
	golden(t, "plan.txt", b.Bytes())
}

func TestCheckFree(t *testing.T) {
	w := fixture()
	cases := []struct {
		tool, psa, name string
		replace         bool
		want            string
	}{
		{"9", "999", "", false, ""},
		{"1", "999", "", false, `tool organization "1" is already held by generated AccountMapping "vsa-cw-org-1" (--replace-generated writes the manual mapping anyway; manual wins and the policy removes its own at the next sync)`},
		{"1", "999", "", true, ""},
		{"3", "999", "", true, `tool organization "3" is already held by manual AccountMapping "initech-by-hand"`},
		{"3", "999", "initech-by-hand", false, ""}, // rewriting the same mapping
		{"9", "251", "", false, `PSA account "251" is already held by generated AccountMapping "vsa-cw-org-2" (--replace-generated writes the manual mapping anyway; manual wins and the policy removes its own at the next sync)`},
	}
	for _, c := range cases {
		err := CheckFree(w.Mappings, "vsa-cw", c.tool, c.psa, c.name, c.replace)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("CheckFree(%s, %s, %q, %v) = %q, want %q", c.tool, c.psa, c.name, c.replace, got, c.want)
		}
	}
	// Another policy's mappings do not hold records for this one.
	if err := CheckFree(w.Mappings, "other", "1", "250", "", false); err != nil {
		t.Errorf("other policy: %v", err)
	}
}
