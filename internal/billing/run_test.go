package billing

import (
	"context"
	"errors"
	"testing"
	"time"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/provider"
)

// fakeLines is a PSA with one line per account, counting calls.
type fakeLines struct {
	lines                map[string]*provider.BillingLine // by account
	containers           map[string]string
	finds, sets, creates int
	setErr, createErr    error
}

func (f *fakeLines) FindBillingLine(_ context.Context, q provider.BillingLineQuery) (provider.BillingLookup, error) {
	f.finds++
	if l := f.lines[q.AccountID]; l != nil {
		cp := *l
		return provider.BillingLookup{Line: &cp, ContainerID: l.ContainerID}, nil
	}
	return provider.BillingLookup{ContainerID: f.containers[q.AccountID], Container: "agreement " + f.containers[q.AccountID], Searched: "AV-SEAT on " + q.AccountID}, nil
}

func (f *fakeLines) SetBillingQuantity(_ context.Context, l provider.BillingLine, n int64) (provider.BillingLine, error) {
	f.sets++
	if f.setErr != nil {
		return provider.BillingLine{}, f.setErr
	}
	f.lines[l.AccountID].Quantity = n
	return *f.lines[l.AccountID], nil
}

func (f *fakeLines) CreateBillingLine(_ context.Context, q provider.BillingLineQuery, c string, n int64) (provider.BillingLine, error) {
	f.creates++
	if f.createErr != nil {
		return provider.BillingLine{}, f.createErr
	}
	f.lines[q.AccountID] = &provider.BillingLine{ID: "new", AccountID: q.AccountID, ContainerID: c, Quantity: n, Description: "new line"}
	return *f.lines[q.AccountID], nil
}

func TestRunner(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	usage := map[string]int64{"o1": 5, "o2": 7, "o3": 2}
	newFake := func() *fakeLines {
		return &fakeLines{
			lines:      map[string]*provider.BillingLine{"a1": {ID: "1", AccountID: "a1", Quantity: 5}, "a2": {ID: "2", AccountID: "a2", Quantity: 3}},
			containers: map[string]string{"a3": "17"},
		}
	}
	runner := func(f *fakeLines, dry bool, missing v1alpha1.LineMissingPolicy) Runner {
		return Runner{Policy: v1alpha1.BillingService{PSAItem: "AV-SEAT", WhenLineMissing: missing}, Lines: f, DryRun: dry, Now: now,
			UsageSource: "tool", Usage: func(_ context.Context, org string) (int64, error) { return usage[org], nil }}
	}
	pairs := []Pair{{Mapping: "m1", OrganizationID: "o1", AccountID: "a1"}, {Mapping: "m2", OrganizationID: "o2", AccountID: "a2"},
		{Mapping: "m3", OrganizationID: "o3", AccountID: "a3"}}

	f := newFake()
	r := runner(f, false, v1alpha1.LineMissingCreate)
	var pushed, created int
	for _, p := range pairs {
		res := r.Run(context.Background(), p)
		if res.Failed {
			t.Fatalf("%s failed: %s", p.Mapping, res.Status.Message)
		}
		if res.Pushed {
			pushed++
		}
		if res.Created {
			created++
		}
	}
	if f.finds != 3 || f.sets != 1 || f.creates != 1 || pushed != 2 || created != 1 {
		t.Fatalf("finds %d sets %d creates %d pushed %d created %d", f.finds, f.sets, f.creates, pushed, created)
	}
	// A second run finds every quantity equal: reads only.
	for _, p := range pairs {
		if res := r.Run(context.Background(), p); res.Pushed || res.Decision.Kind != Keep {
			t.Fatalf("%s re-run: %s", p.Mapping, res.Decision.Kind)
		}
	}
	if f.sets != 1 || f.creates != 1 {
		t.Fatalf("the quiet re-run wrote: sets %d creates %d", f.sets, f.creates)
	}

	// Dry run: the plan lists the writes, nothing is written.
	dry := newFake()
	r = runner(dry, true, v1alpha1.LineMissingCreate)
	var plans int
	for _, p := range pairs {
		if res := r.Run(context.Background(), p); res.Plan != nil {
			plans++
		}
	}
	if plans != 2 || dry.sets != 0 || dry.creates != 0 {
		t.Fatalf("dry run: %d plans, %d sets, %d creates", plans, dry.sets, dry.creates)
	}

	// A failed write fails the pair; an unknown create outcome is reported for the guard.
	bad := newFake()
	bad.setErr = errors.New("503")
	bad.createErr = provider.Errorf(provider.KindUnknownOutcome, "CreateBillingLine", "timeout")
	r = runner(bad, false, v1alpha1.LineMissingCreate)
	if res := r.Run(context.Background(), pairs[1]); !res.Failed || res.Status.Reason != v1alpha1.ReasonBillingFailed {
		t.Fatalf("failed set: %+v", res.Status)
	}
	bad.setErr = &provider.Error{Kind: provider.KindRateLimited, Op: "SetBillingQuantity", RetryAfter: 10 * time.Minute}
	if res := r.Run(context.Background(), pairs[1]); !res.Failed || res.RetryAfter != 10*time.Minute {
		t.Fatalf("rate limited set: %+v", res)
	}
	if res := r.Run(context.Background(), pairs[2]); !res.Failed || !res.CreateUnknown {
		t.Fatalf("unknown create: %+v", res)
	}
	// A usage read that fails writes nothing.
	r.Usage = func(context.Context, string) (int64, error) { return 0, errors.New("tool down") }
	if res := r.Run(context.Background(), pairs[0]); !res.Failed || bad.finds != 3 {
		t.Fatalf("usage failure: %+v, finds %d", res.Status, bad.finds)
	}
}
