package billing

import (
	"errors"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/provider"
)

func TestDecide(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	line := &provider.BillingLine{ID: "301", ContainerID: "17", Item: "AV-SEAT", Quantity: 40, Description: "agreement 17, addition 301 (AV-SEAT)"}
	report := v1alpha1.BillingService{PSAItem: "AV-SEAT", WhenLineMissing: v1alpha1.LineMissingReport}
	create := v1alpha1.BillingService{PSAItem: "AV-SEAT", WhenLineMissing: v1alpha1.LineMissingCreate}
	withAgreement := provider.BillingLookup{ContainerID: "17", Container: "agreement 17", Searched: "addition AV-SEAT on active agreement 17"}
	noAgreement := provider.BillingLookup{Searched: "an active agreement of company 250"}
	cases := []struct {
		name    string
		in      Input
		want    Kind
		message string // a part of Decision.Message
	}{
		{"equal quantity writes nothing", Input{Usage: 40, Lookup: provider.BillingLookup{Line: line}, Policy: report}, Keep, ""},
		{"higher usage sets the quantity", Input{Usage: 42, Lookup: provider.BillingLookup{Line: line}, Policy: report}, SetQuantity, ""},
		{"lower usage sets the quantity", Input{Usage: 0, Lookup: provider.BillingLookup{Line: line}, Policy: report}, SetQuantity, ""},
		{"a found line is set even under Create", Input{Usage: 41, Lookup: provider.BillingLookup{Line: line}, Policy: create}, SetQuantity, ""},
		{"missing line, Report", Input{Usage: 5, Lookup: withAgreement, Policy: report}, ReportMissing, "looked for addition AV-SEAT on active agreement 17"},
		{"missing line, empty policy means Report", Input{Usage: 5, Lookup: withAgreement, Policy: v1alpha1.BillingService{PSAItem: "AV-SEAT"}}, ReportMissing, "whenLineMissing: Create"},
		{"missing line, Create", Input{Usage: 5, Lookup: withAgreement, Policy: create}, CreateLine, ""},
		{"missing agreement cannot be created", Input{Usage: 5, Lookup: noAgreement, Policy: create}, ReportMissing, "cannot be created"},
		{"lost create not yet settled waits", Input{Usage: 5, Lookup: withAgreement, Policy: create,
			CreateUnknownSince: now.Add(-time.Minute), Settle: 5 * time.Minute, Now: now}, AwaitCreate, "not visible yet"},
		{"lost create settled without a trace is sent again", Input{Usage: 5, Lookup: withAgreement, Policy: create,
			CreateUnknownSince: now.Add(-10 * time.Minute), Settle: 5 * time.Minute, Now: now}, CreateLine, ""},
		{"lost create that shows up is just set", Input{Usage: 5, Lookup: provider.BillingLookup{Line: line}, Policy: create,
			CreateUnknownSince: now.Add(-time.Minute), Settle: 5 * time.Minute, Now: now}, SetQuantity, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := Decide(c.in)
			if d.Kind != c.want {
				t.Fatalf("kind %s, want %s", d.Kind, c.want)
			}
			if d.New != c.in.Usage {
				t.Errorf("new %d, want the usage %d", d.New, c.in.Usage)
			}
			if !strings.Contains(d.Message, c.message) {
				t.Errorf("message %q does not say %q", d.Message, c.message)
			}
			if c.want == CreateLine && d.ContainerID != "17" {
				t.Errorf("create goes to %q, want agreement 17", d.ContainerID)
			}
		})
	}
}

func TestReport(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	earlier := metavNow(now.Add(-24 * time.Hour))
	line := &provider.BillingLine{ID: "301", Quantity: 40, Description: "agreement 17, addition 301 (AV-SEAT)"}
	prev := &v1alpha1.BillingStatus{LastPushTime: &earlier}

	keep := Report(Decision{Kind: Keep, Line: line, Old: 40, New: 40}, Outcome{}, prev, now)
	if !keep.OK || keep.Reason != v1alpha1.ReasonBillingSynced || *keep.Billing.Quantity != 40 || *keep.Billing.Usage != 40 {
		t.Fatalf("keep: %+v", keep)
	}
	if !keep.Billing.LastPushTime.Equal(&earlier) {
		t.Errorf("an unchanged run moved lastPushTime to %v", keep.Billing.LastPushTime)
	}

	set := Report(Decision{Kind: SetQuantity, Line: line, Old: 40, New: 42},
		Outcome{Line: &provider.BillingLine{ID: "301", Quantity: 42, Description: line.Description}, Pushed: true}, prev, now)
	if !set.OK || *set.Billing.Quantity != 42 || !set.Billing.LastPushTime.Time.Equal(now) || set.Billing.Line != line.Description {
		t.Fatalf("set: %+v", set.Billing)
	}

	failed := Report(Decision{Kind: SetQuantity, Line: line, Old: 40, New: 42}, Outcome{Err: errors.New("503 Service Unavailable")}, prev, now)
	if failed.OK || failed.Reason != v1alpha1.ReasonBillingFailed || *failed.Billing.Quantity != 40 ||
		!strings.Contains(failed.Message, "setting agreement 17, addition 301 (AV-SEAT) to 42 failed: 503") {
		t.Fatalf("failed: %+v", failed)
	}
	if !failed.Billing.LastPushTime.Equal(&earlier) {
		t.Errorf("a failed push moved lastPushTime")
	}

	missing := Report(Decision{Kind: ReportMissing, New: 5, Message: "no billing line for AV-SEAT"}, Outcome{}, nil, now)
	if missing.OK || missing.Reason != v1alpha1.ReasonBillingLineMissing || missing.Billing.Quantity != nil || *missing.Billing.Usage != 5 {
		t.Fatalf("missing: %+v", missing)
	}

	readFailed := Failed("reading the usage", errors.New("timeout"), &v1alpha1.BillingStatus{Quantity: ptr(int64(40)), Line: "x"})
	if readFailed.OK || readFailed.Reason != v1alpha1.ReasonBillingFailed || *readFailed.Billing.Quantity != 40 || readFailed.Message != "reading the usage: timeout" {
		t.Fatalf("read failed: %+v", readFailed)
	}
}

func TestPlanItem(t *testing.T) {
	line := &provider.BillingLine{Quantity: 40, Description: "agreement 17, addition 301 (AV-SEAT)"}
	if it := PlanItem("m", "9001", "250", "AV-SEAT", Decision{Kind: Keep, Line: line, Old: 40, New: 40}); it != nil {
		t.Fatalf("an unchanged quantity is planned: %+v", it)
	}
	it := PlanItem("m", "9001", "250", "AV-SEAT", Decision{Kind: SetQuantity, Line: line, Old: 40, New: 42})
	if it == nil || it.Action != v1alpha1.ActionSetBillingQuantity || it.Detail != "agreement 17, addition 301 (AV-SEAT): 40 → 42" || it.Mapping != "m" {
		t.Fatalf("set: %+v", it)
	}
	it = PlanItem("m", "9001", "250", "AV-SEAT", Decision{Kind: CreateLine, Container: "agreement 17", New: 3})
	if it == nil || it.Detail != "new line AV-SEAT in agreement 17: 0 → 3" {
		t.Fatalf("create: %+v", it)
	}
	if it := PlanItem("m", "9001", "250", "AV-SEAT", Decision{Kind: ReportMissing}); it != nil {
		t.Fatalf("a missing line is planned: %+v", it)
	}
}

func TestAgentUsage(t *testing.T) {
	got := AgentUsage(map[string][]provider.ToolAsset{
		"1": {{ID: "a"}, {ID: "b"}, {ID: "c", Dormant: true}},
		"2": {{ID: "d", Dormant: true}},
	})
	if got["1"] != 2 || got["2"] != 0 || len(got) != 2 {
		t.Fatalf("usage %v", got)
	}
}

func TestUsageMonth(t *testing.T) {
	now := time.Date(2026, 1, 31, 23, 0, 0, 0, time.UTC)
	if m := UsageMonth(v1alpha1.MonthCurrent, now); !m.Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("current %v", m)
	}
	if m := UsageMonth(v1alpha1.MonthPrevious, now); !m.Equal(time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("previous %v", m)
	}
}

func ptr[T any](v T) *T { return &v }

func metavNow(t time.Time) metav1.Time { return metav1.NewTime(t) }
