package billing

import (
	"context"
	"errors"
	"time"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/provider"
)

// Pair is one linked mapping at a billing run.
type Pair struct {
	Mapping        string
	OrganizationID string
	AccountID      string
	// Prev is the mapping's billing status of the last run, or nil.
	Prev *v1alpha1.BillingStatus
	// CreateUnknownSince is when a create of this pair's line ended with an unknown outcome.
	CreateUnknownSince time.Time
}

// Runner bills pairs: reads the usage, finds the line, decides, and (unless DryRun) writes.
type Runner struct {
	Policy v1alpha1.BillingService
	Lines  provider.BillingLineManager
	// Usage reads one organization's usage; UsageSource names the tool in messages.
	Usage       func(ctx context.Context, organizationID string) (int64, error)
	UsageSource string
	DryRun      bool
	Settle      time.Duration
	Now         time.Time
}

// Result is one pair's run.
type Result struct {
	Decision Decision
	Status   Status
	// Plan is the dry-run action, if the decision would write.
	Plan *v1alpha1.PlanItem
	// Failed: the usage read, the look-up or the write failed.
	Failed bool
	// Pushed: a quantity was written; Created: by adding the line.
	Pushed, Created bool
	// CreateUnknown: the create's answer was lost; look again before any new attempt.
	CreateUnknown bool
	// LineFound: the look-up found the line (a lost create has shown up).
	LineFound bool
	// RetryAfter is how long the vendor asked to be left alone (a 429 or 503 with Retry-After
	// beyond what the client waits in place); zero when it did not.
	RetryAfter time.Duration
}

// retryAfter is the wait a vendor error carries, if any.
func retryAfter(err error) time.Duration {
	var pe *provider.Error
	if errors.As(err, &pe) {
		return pe.RetryAfter
	}
	return 0
}

// Run bills one pair. Its vendor calls: one usage read (none when Usage answers from a
// listing already made), one line look-up, and one write only when the quantity differs.
func (r Runner) Run(ctx context.Context, p Pair) Result {
	usage, err := r.Usage(ctx, p.OrganizationID)
	if err != nil {
		return Result{Status: Failed("reading the usage from "+r.UsageSource, err, p.Prev), Failed: true, RetryAfter: retryAfter(err)}
	}
	q := provider.BillingLineQuery{AccountID: p.AccountID, Item: r.Policy.PSAItem, AgreementType: r.Policy.AgreementType}
	found, err := r.Lines.FindBillingLine(ctx, q)
	if err != nil {
		return Result{Status: Failed("finding the billing line", err, p.Prev), Failed: true, RetryAfter: retryAfter(err)}
	}
	d := Decide(Input{Usage: usage, Lookup: found, Policy: r.Policy, CreateUnknownSince: p.CreateUnknownSince, Settle: r.Settle, Now: r.Now})
	res := Result{Decision: d, LineFound: found.Line != nil}
	if r.DryRun {
		res.Plan = PlanItem(p.Mapping, p.OrganizationID, p.AccountID, r.Policy.PSAItem, d)
		res.Status = Report(d, Outcome{}, p.Prev, r.Now)
		return res
	}
	var out Outcome
	switch d.Kind {
	case SetQuantity:
		line, err := r.Lines.SetBillingQuantity(ctx, *d.Line, d.New)
		out = Outcome{Err: err, Pushed: err == nil}
		if err == nil {
			out.Line = &line
		}
	case CreateLine:
		line, err := r.Lines.CreateBillingLine(ctx, q, d.ContainerID, d.New)
		out = Outcome{Err: err, Pushed: err == nil}
		if err == nil {
			out.Line = &line
		}
		res.Created = err == nil
		res.CreateUnknown = provider.IsKind(err, provider.KindUnknownOutcome)
	}
	res.Status = Report(d, out, p.Prev, r.Now)
	res.Failed = out.Err != nil
	res.RetryAfter = retryAfter(out.Err)
	res.Pushed = out.Pushed
	return res
}
