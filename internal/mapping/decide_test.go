package mapping

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/creation"
)

var clock = time.Date(2026, 12, 5, 16, 0, 0, 0, time.UTC)

// linkedPair is a mapping of a usable policy whose both records are in the snapshot.
func linkedPair() Input {
	return Input{
		Now: clock, Policy: "p", PolicyFound: true, HasSnapshot: true,
		ToolProvider: "KaseyaVSA", PSAProvider: "KaseyaBMS",
		Tool: Side{ID: "9001", Record: &Record{ID: "9001", Name: "ACME CORP."}},
		PSA:  Side{ID: "250", Record: &Record{ID: "250", Name: "Acme Corp"}},
	}
}

// creatingPSA is a mapping whose PSA account is to be created.
func creatingPSA() Input {
	in := linkedPair()
	in.PSA = Side{}
	return in
}

type want struct {
	next    Next
	ready   string // "True/Reason" or "False/Reason"; "" for no Ready change
	state   v1alpha1.MappingState
	problem bool
	message string // a part of the Ready message
	done    bool
	requeue time.Duration
	waitOut time.Duration
}

func readyKey(c *Condition) string {
	if c == nil {
		return ""
	}
	if c.Ready {
		return "True/" + c.Reason
	}
	return "False/" + c.Reason
}

func TestDecide(t *testing.T) {
	cases := []struct {
		name string
		in   func() Input
		want want
	}{
		{"policy missing", func() Input { in := linkedPair(); in.PolicyFound = false; return in },
			want{next: Report, ready: "False/PolicyNotFound", state: v1alpha1.StateNotAvailable, message: `SyncPolicy "p" not found`}},
		{"mapping suspended keeps its state", func() Input { in := linkedPair(); in.Suspended = true; return in },
			want{next: Report, ready: "False/Suspended", message: "spec.suspend is true"}},
		{"policy suspended keeps the state", func() Input { in := linkedPair(); in.PolicySuspended = true; return in },
			want{next: Report, ready: "False/Suspended", message: "policy p is suspended"}},
		{"connection not ready", func() Input {
			in := linkedPair()
			in.ConnectionProblem = `IntegrationConnection "bms" is not Ready (Unreachable)`
			return in
		},
			want{next: Report, ready: "False/ConnectionNotReady", state: v1alpha1.StateNotAvailable, message: "not Ready"}},
		{"no snapshot yet: wait for the policy's first sync", func() Input { in := linkedPair(); in.HasSnapshot = false; return in },
			want{next: Skip}},
		{"lost the one-to-one rule", func() Input {
			in := linkedPair()
			in.Conflict = "AccountMapping older links organization 9001"
			return in
		},
			want{next: Report, ready: "False/Conflict", state: v1alpha1.StateHasEvents, problem: true, message: "older"}},
		{"a vendor asked to wait", func() Input { in := linkedPair(); in.RetryAfter = 30 * time.Second; return in },
			want{next: Skip, requeue: 30 * time.Second}},
		{"a sync-now overrides the vendor's wait", func() Input {
			in := linkedPair()
			in.RetryAfter, in.Requested = 30*time.Second, true
			return in
		}, want{next: Sync}},
		{"this snapshot was handled", func() Input { in := linkedPair(); in.AlreadyDone = true; return in },
			want{next: Skip}},
		{"handled, but a create is pending", func() Input { in := creatingPSA(); in.AlreadyDone, in.PendingCreate = true, true; return in },
			want{next: Create}},
		{"handled while in conflict: redo once resolved", func() Input { in := linkedPair(); in.AlreadyDone, in.WasConflict = true, true; return in },
			want{next: Sync}},
		{"tool organization missing", func() Input {
			in := linkedPair()
			in.Tool = Side{ID: "9001", Status: &v1alpha1.RecordRef{ID: "9001", Name: "ACME CORP."}}
			return in
		}, want{next: Report, ready: "False/ToolOrganizationMissing", state: v1alpha1.StateNotAvailable, problem: true, done: true,
			message: "KaseyaVSA organization 9001 is missing"}},
		{"PSA account missing", func() Input { in := linkedPair(); in.PSA = Side{ID: "250"}; return in },
			want{next: Report, ready: "False/PSAAccountMissing", state: v1alpha1.StateNotAvailable, problem: true, done: true,
				message: "spec.psa.filter of policy p"}},
		{"both records found: sync the pair", linkedPair, want{next: Sync}},
		{"a side to create", creatingPSA, want{next: Create}},
		{"a dry run creates nothing", func() Input { in := creatingPSA(); in.DryRun = true; return in },
			want{next: Report, ready: "False/Creating", state: v1alpha1.StateNotAvailable, done: true, message: "is a dry run: nothing is created"}},
		{"the client cannot create", func() Input {
			in := creatingPSA()
			in.Create = &CreateResult{Unsupported: "CyberQP cannot create organizations"}
			return in
		}, want{next: Report, ready: "False/Creating", state: v1alpha1.StateNotAvailable, problem: true, done: true, message: "cannot create"}},
		{"a refused create is retried after a minute", func() Input {
			in := creatingPSA()
			in.Create = &CreateResult{Err: "400 name required"}
			return in
		}, want{next: Report, ready: "False/Creating", state: v1alpha1.StateNotAvailable, problem: true, requeue: CreateRetry,
			message: `creating PSA record "ACME CORP." failed: 400 name required`}},
		{"a rate-limited create waits for the vendor", func() Input {
			in := creatingPSA()
			in.Create = &CreateResult{Err: "429", Wait: 2 * time.Minute}
			return in
		}, want{next: Report, ready: "False/RateLimited", state: v1alpha1.StateNotAvailable, problem: true, waitOut: 2 * time.Minute,
			message: "rate limited by the vendor until 2026-12-05T16:02:00Z"}},
		{"a create with no answer yet is looked up again", func() Input {
			in := creatingPSA()
			in.Create = &CreateResult{Result: creation.Result{Pending: true, Intent: &creation.Intent{Name: "ACME CORP."}, RetryAt: clock.Add(time.Minute)},
				Settle: 5 * time.Minute}
			return in
		}, want{next: Report, ready: "False/Creating", state: v1alpha1.StateNotAvailable, requeue: PendingLookup,
			message: "has no answer yet; looking it up every 10s, and only if nothing is found by 2026-12-05T16:01:00Z"}},
		{"the name is taken", func() Input {
			in := creatingPSA()
			in.Create = &CreateResult{Result: creation.Result{Conflict: &creation.Record{ID: "77", Name: "Acme Corp.", Detail: "inactive"}}}
			return in
		}, want{next: Report, ready: "False/NameConflict", state: v1alpha1.StateNotAvailable, problem: true, done: true,
			message: "(id 77, inactive); link it with spec.psa.accountID"}},
		{"a created record links the pair", func() Input {
			in := creatingPSA()
			in.Create = &CreateResult{Result: creation.Result{Record: &creation.Record{ID: "251", Name: "ACME CORP."}}}
			return in
		}, want{next: Sync}},
		{"linked", func() Input { in := linkedPair(); in.Sync = &SyncResult{}; return in },
			want{next: Report, ready: "True/Linked", state: v1alpha1.StateOK, done: true, message: `KaseyaVSA "ACME CORP." ↔ KaseyaBMS "Acme Corp"`}},
		{"linked from a suggestion", func() Input { in := linkedPair(); in.Suggested, in.Sync = true, &SyncResult{}; return in },
			want{next: Report, ready: "True/Suggested", state: v1alpha1.StateOK, done: true}},
		{"linked, creates deferred by the batch size", func() Input {
			in := linkedPair()
			in.Sync = &SyncResult{Deferred: []string{"3 user creates deferred to the next sync"}}
			return in
		}, want{next: Report, ready: "True/Linked", state: v1alpha1.StateOK, done: true, message: "; 3 user creates deferred"}},
		{"a dry run matches users for the plan only", func() Input {
			in := linkedPair()
			in.DryRun, in.UsersEnabled, in.Sync = true, true, &SyncResult{UserPlanProblem: "listing PSA users: 500"}
			return in
		}, want{next: Report, ready: "True/Linked", state: v1alpha1.StateOK, done: true, message: "its users are not in the plan: listing PSA users: 500"}},
		{"asset problems", func() Input {
			in := linkedPair()
			in.Sync = &SyncResult{AssetProblems: []string{"NoMainLocation"}, UserProblems: []string{"listing tool users: 500"}}
			return in
		}, want{next: Report, ready: "False/AssetSyncFailed", state: v1alpha1.StateHasEvents, problem: true, done: true,
			message: "NoMainLocation; listing tool users: 500"}},
		{"user problems", func() Input {
			in := linkedPair()
			in.Sync = &SyncResult{UserProblems: []string{"HaloPSA cannot create users"}}
			return in
		},
			want{next: Report, ready: "False/UserSyncFailed", state: v1alpha1.StateHasEvents, problem: true, done: true}},
		{"a suspect listing keeps the state", func() Input {
			in := linkedPair()
			in.Sync = &SyncResult{Suspect: []string{"the PSA lists 0 assets"}, AssetProblems: []string{"x"}}
			return in
		}, want{next: Report, ready: "False/SuspectSnapshot", problem: true, done: true, message: "accountsync.io/accept-snapshot on policy p"}},
		{"a rate-limited sync is done again when the vendor said", func() Input {
			in := linkedPair()
			in.Sync = &SyncResult{Wait: time.Minute, UserProblems: []string{"listing PSA users: 429"}}
			return in
		}, want{next: Report, ready: "False/RateLimited", state: v1alpha1.StateHasEvents, problem: true, waitOut: time.Minute,
			message: "until 2026-12-05T16:01:00Z: listing PSA users: 429"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := Decide(c.in())
			got := want{next: d.Next, ready: readyKey(d.Ready), state: d.State, problem: d.Problem != nil, done: d.Done,
				requeue: d.Requeue, waitOut: d.WaitOut}
			if d.Ready != nil && c.want.message != "" {
				if !strings.Contains(d.Ready.Message, c.want.message) {
					t.Errorf("message %q does not contain %q", d.Ready.Message, c.want.message)
				}
				got.message = c.want.message
			}
			if got != c.want {
				t.Errorf("got  %+v\nwant %+v", got, c.want)
			}
			if d.Ready != nil {
				checkAgainstReasonTable(t, d)
			}
			if d.Problem != nil && (d.Ready == nil || d.Problem.Reason != d.Ready.Reason || d.Problem.Message != d.Ready.Message) {
				t.Errorf("the recent event %+v is not the Ready condition %+v", d.Problem, d.Ready)
			}
		})
	}
}

func TestDecideCreatedRecord(t *testing.T) {
	in := linkedPair()
	in.Tool = Side{} // the tool organization is created, named like the PSA account
	d := Decide(in)
	if d.Next != Create || d.CreateSide != v1alpha1.SideTool || d.CreateFrom != "Acme Corp" {
		t.Fatalf("decision %+v: want a tool create named after the account", d)
	}
	if d.PSAAccount == nil || d.PSAAccount.Name != "Acme Corp" {
		t.Fatalf("the account is shown while the create runs: %+v", d.PSAAccount)
	}
	in.Create = &CreateResult{Result: creation.Result{Record: &creation.Record{ID: "9100", Name: "Acme Corp"}, Adopted: true, CreatedBy: "ns/other"}}
	in.Sync = &SyncResult{}
	d = Decide(in)
	if d.Ready == nil || !d.Ready.Ready || !d.ClearPendingCreate || !d.Done {
		t.Fatalf("decision %+v: want linked, the pending create dropped", d)
	}
	if want := (CreatedRecord{Side: v1alpha1.SideTool, Record: Record{ID: "9100", Name: "Acme Corp"}, Adopted: true, CreatedBy: "ns/other"}); d.Created == nil || *d.Created != want {
		t.Fatalf("created %+v, want %+v", d.Created, want)
	}
	if d.ToolOrganization == nil || d.ToolOrganization.ID != "9100" {
		t.Fatalf("the created organization is shown: %+v", d.ToolOrganization)
	}
}

func TestDecideKeepsTheNameOfAVanishedRecord(t *testing.T) {
	in := linkedPair()
	in.PSA = Side{ID: "250", Status: &v1alpha1.RecordRef{ID: "250", Name: "Acme Corp"}}
	if d := Decide(in); d.PSAAccount == nil || *d.PSAAccount != (v1alpha1.RecordRef{ID: "250", Name: "Acme Corp"}) {
		t.Fatalf("psaAccount %+v: the last known name is kept", d.PSAAccount)
	}
	in.PSA.Status = &v1alpha1.RecordRef{ID: "249", Name: "Old"}
	if d := Decide(in); d.PSAAccount == nil || d.PSAAccount.Name != "" {
		t.Fatalf("psaAccount %+v: another record's name is not carried over", d.PSAAccount)
	}
}

func TestDecideFailedCreateKeepsAnUnknownOutcome(t *testing.T) {
	in := creatingPSA()
	in.Create = &CreateResult{Err: "timeout", Result: creation.Result{Intent: &creation.Intent{Name: "ACME CORP."}}}
	if d := Decide(in); d.ClearPendingCreate {
		t.Fatal("a create with an unknown outcome must stay pending, to be looked up")
	}
	in.Create = &CreateResult{Err: "400"}
	if d := Decide(in); !d.ClearPendingCreate {
		t.Fatal("a definite failure created nothing: no pending create")
	}
}

func TestDecideUserPlan(t *testing.T) {
	in := linkedPair()
	in.DryRun, in.Sync = true, &SyncResult{}
	if d := Decide(in); d.KeepUserPlan {
		t.Fatal("a dry run without users has no user actions to keep")
	}
	in.UsersEnabled = true
	if d := Decide(in); !d.KeepUserPlan {
		t.Fatal("a dry run with users reported its user actions")
	}
	in = linkedPair()
	in.AlreadyDone = true
	if d := Decide(in); !d.KeepUserPlan {
		t.Fatal("a mapping with nothing to do keeps the actions it reported")
	}
}

func TestRateLimitedMessage(t *testing.T) {
	got := RateLimitedMessage(clock, errors.New("429 on ListUsers").Error(), 90*time.Second)
	if want := "rate limited by the vendor until 2026-12-05T16:01:30Z: 429 on ListUsers"; got != want {
		t.Fatalf("%q, want %q", got, want)
	}
}

func TestTargetIDs(t *testing.T) {
	spec := v1alpha1.AccountMappingSpec{Tool: v1alpha1.MappingTool{OrganizationID: "9001"}, PSA: v1alpha1.MappingPSA{Create: true}}
	if tool, psa := TargetIDs(spec, v1alpha1.AccountMappingStatus{}); tool != "9001" || psa != "" {
		t.Fatalf("before the create: %q %q", tool, psa)
	}
	st := v1alpha1.AccountMappingStatus{PSAAccount: &v1alpha1.RecordRef{ID: "251"}, ToolOrganization: &v1alpha1.RecordRef{ID: "other"}}
	if tool, psa := TargetIDs(spec, st); tool != "9001" || psa != "251" {
		t.Fatalf("after the create: %q %q; the spec's id wins on the side it names", tool, psa)
	}
}

// checkAgainstReasonTable: every reason a decision sets is a mapping Ready reason of the one
// reason table, with the state the table implies.
func checkAgainstReasonTable(t *testing.T, d Decision) {
	t.Helper()
	info, ok := v1alpha1.LookupReason(d.Ready.Reason)
	if !ok || !slices.Contains(info.Conditions, v1alpha1.OnMappingReady) {
		t.Errorf("reason %s is not an AccountMapping Ready reason of the table", d.Ready.Reason)
		return
	}
	switch {
	case info.MappingState != "":
		if d.State != info.MappingState {
			t.Errorf("%s: state %q, the table says %q", info.Reason, d.State, info.MappingState)
		}
	case info.Reason == v1alpha1.ReasonRateLimited:
		if d.State != v1alpha1.StateHasEvents && d.State != v1alpha1.StateNotAvailable {
			t.Errorf("RateLimited: state %q", d.State)
		}
	case d.State != "":
		t.Errorf("%s keeps the state, but the decision sets %q", info.Reason, d.State)
	}
}
