// Package billing is the pure decision of the billing service: from one mapped pair's usage, the
// PSA line its look-up found and the policy, what to write (nothing, a quantity, a new line) and
// what the mapping's status says. It knows nothing of Kubernetes or of any vendor's wire; the
// billing controller fetches, applies and reports.
package billing

import (
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/provider"
)

// Kind is what a pair's billing run does.
type Kind int

const (
	// Keep: the line's quantity already equals the usage; nothing is written (quiet steady state).
	Keep Kind = iota
	// SetQuantity: the line's quantity differs from the usage and is set to it.
	SetQuantity
	// CreateLine: the customer has no line for the item, the policy says Create, and there is
	// an agreement / recurring invoice to add it to.
	CreateLine
	// ReportMissing: the customer has no line (or nothing to add one to) and none is created.
	ReportMissing
	// AwaitCreate: an earlier create's outcome is unknown and the line is not visible yet; the
	// create is sent again only after the settle period, if every look-up until then found nothing.
	AwaitCreate
)

func (k Kind) String() string {
	return [...]string{"Keep", "SetQuantity", "CreateLine", "ReportMissing", "AwaitCreate"}[k]
}

// Input is one linked pair at one billing run.
type Input struct {
	Usage  int64
	Lookup provider.BillingLookup
	Policy v1alpha1.BillingService
	// CreateUnknownSince is when a create of this pair's line ended with an unknown outcome
	// (zero: none pending).
	CreateUnknownSince time.Time
	// Settle is how long such a line may take to become visible.
	Settle time.Duration
	Now    time.Time
}

// Decision is what to do for one pair.
type Decision struct {
	Kind Kind
	// Line is the line found (SetQuantity, Keep).
	Line *provider.BillingLine
	// Old and New are the quantities before and after (New is the usage).
	Old, New int64
	// ContainerID is where CreateLine adds the line; Container names it for people.
	ContainerID, Container string
	// Message explains ReportMissing and AwaitCreate.
	Message string
}

// Decide chooses what one pair's run does. A line is written only when its quantity differs
// from the usage; a missing line is created only under whenLineMissing Create, only where the
// customer has an agreement or recurring invoice to hold it, and never while an earlier create
// may still show up.
func Decide(in Input) Decision {
	if l := in.Lookup.Line; l != nil {
		d := Decision{Line: l, Old: l.Quantity, New: in.Usage}
		if l.Quantity != in.Usage {
			d.Kind = SetQuantity
		}
		return d
	}
	missing := fmt.Sprintf("no billing line for %s: looked for %s", in.Policy.PSAItem, in.Lookup.Searched)
	if in.Policy.WhenLineMissing != v1alpha1.LineMissingCreate {
		return Decision{Kind: ReportMissing, New: in.Usage,
			Message: missing + "; add the line in the PSA or set whenLineMissing: Create"}
	}
	if in.Lookup.ContainerID == "" {
		return Decision{Kind: ReportMissing, New: in.Usage,
			Message: missing + "; there is nothing to add it to, so it cannot be created: prepare the agreement or recurring invoice in the PSA"}
	}
	if !in.CreateUnknownSince.IsZero() {
		if retry := in.CreateUnknownSince.Add(in.Settle); in.Now.Before(retry) {
			return Decision{Kind: AwaitCreate, New: in.Usage, ContainerID: in.Lookup.ContainerID,
				Message: fmt.Sprintf("the line for %s was created at %s but the answer was lost; it is not visible yet, created again after %s only if it stays missing",
					in.Policy.PSAItem, in.CreateUnknownSince.UTC().Format(time.RFC3339), retry.UTC().Format(time.RFC3339))}
		}
	}
	return Decision{Kind: CreateLine, New: in.Usage, ContainerID: in.Lookup.ContainerID, Container: in.Lookup.Container}
}

// Outcome is what applying a decision did.
type Outcome struct {
	// Line is the line after the write (or as found, for Keep).
	Line *provider.BillingLine
	// Err is the vendor's failure, if the write failed.
	Err error
	// Pushed: a quantity was written (set or created) at Now.
	Pushed bool
}

// Status is the mapping's billing condition and status after one run.
type Status struct {
	// OK: the Billing condition is True (the line holds the usage).
	OK      bool
	Reason  string
	Message string
	Billing v1alpha1.BillingStatus
}

// Report turns one pair's decision and outcome into its status. prev is the status of the last
// run: its last push time is kept when nothing was pushed now.
func Report(d Decision, out Outcome, prev *v1alpha1.BillingStatus, now time.Time) Status {
	usage := d.New
	st := v1alpha1.BillingStatus{Usage: &usage}
	if prev != nil {
		st.LastPushTime = prev.LastPushTime
	}
	if out.Pushed {
		t := metav1.NewTime(now)
		st.LastPushTime = &t
	}
	line := out.Line
	if line == nil {
		line = d.Line
	}
	if line != nil {
		q := line.Quantity
		st.Quantity = &q
		st.Line = line.Description
	}
	switch {
	case out.Err != nil:
		st.Message = fmt.Sprintf("%s: %v", failedStep(d), out.Err)
		return Status{Reason: v1alpha1.ReasonBillingFailed, Message: st.Message, Billing: st}
	case d.Kind == ReportMissing || d.Kind == AwaitCreate:
		st.Message = d.Message
		return Status{Reason: v1alpha1.ReasonBillingLineMissing, Message: d.Message, Billing: st}
	}
	return Status{OK: true, Reason: v1alpha1.ReasonBillingSynced,
		Message: fmt.Sprintf("%s holds the usage %d", describe(line), usage), Billing: st}
}

// Failed is the status of a pair whose usage or line could not be read (step says which). The
// last known figures stay, so a person sees what the PSA held before the failure.
func Failed(step string, err error, prev *v1alpha1.BillingStatus) Status {
	st := v1alpha1.BillingStatus{}
	if prev != nil {
		st = *prev.DeepCopy()
	}
	st.Message = fmt.Sprintf("%s: %v", step, err)
	return Status{Reason: v1alpha1.ReasonBillingFailed, Message: st.Message, Billing: st}
}

func failedStep(d Decision) string {
	if d.Kind == CreateLine {
		return "adding the billing line failed"
	}
	return fmt.Sprintf("setting %s to %d failed", describe(d.Line), d.New)
}

func describe(l *provider.BillingLine) string {
	if l == nil || l.Description == "" {
		return "the billing line"
	}
	return l.Description
}

// PlanItem is the dry-run action of a decision that would write, or nil.
func PlanItem(mapping, organizationID, accountID, item string, d Decision) *v1alpha1.PlanItem {
	var detail string
	switch d.Kind {
	case SetQuantity:
		detail = fmt.Sprintf("%s: %d → %d", describe(d.Line), d.Old, d.New)
	case CreateLine:
		detail = fmt.Sprintf("new line %s in %s: 0 → %d", item, d.Container, d.New)
	default:
		return nil
	}
	return &v1alpha1.PlanItem{Action: v1alpha1.ActionSetBillingQuantity, Mapping: mapping,
		ToolOrganizationID: organizationID, PSAAccountID: accountID, Detail: detail}
}

// AgentUsage counts each organization's billable agents: every listed agent but the suspended
// and the never checked-in ones (ToolAsset.Dormant).
func AgentUsage(assets map[string][]provider.ToolAsset) map[string]int64 {
	out := make(map[string]int64, len(assets))
	for org, list := range assets {
		out[org] = 0
		for _, a := range list {
			if !a.Dormant {
				out[org]++
			}
		}
	}
	return out
}

// UsageMonth is the first day (UTC) of the month a monthly-usage counter is read for.
func UsageMonth(m v1alpha1.BillingMonth, now time.Time) time.Time {
	first := time.Date(now.UTC().Year(), now.UTC().Month(), 1, 0, 0, 0, 0, time.UTC)
	if m == v1alpha1.MonthPrevious {
		return first.AddDate(0, -1, 0)
	}
	return first
}
