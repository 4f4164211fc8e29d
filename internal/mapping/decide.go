package mapping

import (
	"fmt"
	"strings"
	"time"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/creation"
)

// PendingLookup is how often a create with an unknown outcome is looked up again.
const PendingLookup = 10 * time.Second

// CreateRetry is how soon a refused create is tried again.
const CreateRetry = time.Minute

// Input is what a reconcile of one mapping observed, and what its acts returned so far. Decide
// is called again after each act with the act's result filled in.
type Input struct {
	// Now is the clock of this reconcile (messages say until when; a pending create's next look).
	Now time.Time
	// Policy is the name of the mapping's policy; PolicyFound says whether it exists.
	Policy      string
	PolicyFound bool
	// Suspended is the mapping's spec.suspend, PolicySuspended the policy's.
	Suspended, PolicySuspended bool
	// ConnectionProblem says why one of the policy's connections cannot be used ("" when both can).
	ConnectionProblem string
	// HasSnapshot: the policy's first sync has listed both sides.
	HasSnapshot bool
	// Conflict is why the mapping lost the one-to-one rule in the policy's latest plan ("": it
	// did not).
	Conflict string
	// WasConflict: the mapping's Ready says Conflict, so its work is redone once it is resolved.
	WasConflict bool
	// Requested: a sync-now on the mapping asks for its work at once.
	Requested bool
	// RetryAfter is what remains of the wait a vendor asked this mapping's work to keep.
	RetryAfter time.Duration
	// AlreadyDone: this snapshot and generation were handled, so nothing calls a vendor again.
	AlreadyDone bool
	// PendingCreate: status records a create whose outcome is not known yet.
	PendingCreate bool
	// DryRun, UsersEnabled: the policy's settings.
	DryRun, UsersEnabled bool
	// Suggested: the policy linked the pair from a suggestion (matching.autoLinkScore).
	Suggested bool
	// ToolProvider and PSAProvider name the products, for messages.
	ToolProvider, PSAProvider string
	// Tool and PSA are both sides of the pair.
	Tool, PSA Side
	// Create is the outcome of the create the last decision asked for.
	Create *CreateResult
	// Sync is the outcome of the asset and user sync the last decision asked for.
	Sync *SyncResult
}

// Side is one side of the pair as observed.
type Side struct {
	// ID names the record: the spec's id, or the id of the record this mapping created. "" means
	// the record is to be created.
	ID string
	// Record is the record with that id in the policy's latest listing; nil when it is not there.
	Record *Record
	// Status is what status shows for this side, whose name is kept for a record that vanished.
	Status *v1alpha1.RecordRef
}

// Record is one vendor record.
type Record struct {
	ID, Name string
}

// CreateResult is what the creation guard did.
type CreateResult struct {
	creation.Result
	// Unsupported says why this side's client cannot create ("" when it can).
	Unsupported string
	// Err is the create's error ("" when none), and Wait the vendor's Retry-After with it.
	Err  string
	Wait time.Duration
	// Settle is the settle period the guard used.
	Settle time.Duration
}

// SyncResult is what the sync of the linked pair found. In a dry run only the users are matched
// (reads only) for the policy's plan.
type SyncResult struct {
	// AssetProblems and UserProblems are the problems of each part.
	AssetProblems, UserProblems []string
	// Suspect names the pair's listings that shrank beyond the policy's spec.safety: nothing
	// was written for them.
	Suspect []string
	// Deferred names the writes left to the next sync by spec.creation.batchSize.
	Deferred []string
	// Wait is the longest Retry-After a vendor answered the sync's calls with.
	Wait time.Duration
	// UserPlanProblem says why a dry run's users are not in the policy's plan.
	UserPlanProblem string
}

// Next is what the controller does after a decision.
type Next int

const (
	// Report: write the decision's status; the reconcile ends.
	Report Next = iota
	// Skip: nothing to do and nothing to report.
	Skip
	// Create the missing side (CreateSide, named CreateFrom), then decide again.
	Create
	// Sync the linked pair's assets and users, then decide again.
	Sync
)

// Condition is the Ready condition a decision sets.
type Condition struct {
	Ready   bool
	Reason  string
	Message string
}

// Problem is a problem kept in status.recentEvents.
type Problem struct {
	Reason, Message string
}

// Decision is what a mapping does and reports.
type Decision struct {
	Next Next
	// CreateSide and CreateFrom (with Create): the side to create and the name it copies.
	CreateSide v1alpha1.Side
	CreateFrom string
	// Ready is the Ready condition to set; nil leaves it.
	Ready *Condition
	// State is the state to set; "" keeps the current one.
	State v1alpha1.MappingState
	// Problem, when set, is added to status.recentEvents.
	Problem *Problem
	// Created says which record the creation guard created or adopted, for the mapping's event
	// and the policy's snapshot.
	Created *CreatedRecord
	// ToolOrganization and PSAAccount are the status refs to show; nil leaves them.
	ToolOrganization, PSAAccount *v1alpha1.RecordRef
	// ClearPendingCreate drops status.pendingCreate.
	ClearPendingCreate bool
	// Requeue asks for the reconcile again after this long.
	Requeue time.Duration
	// WaitOut: a vendor asked to be left alone this long; no call before then.
	WaitOut time.Duration
	// Done: the work for this snapshot and generation is done.
	Done bool
	// KeepUserPlan: the user actions the policy's plan lists for the mapping stand.
	KeepUserPlan bool
}

// CreatedRecord is a record the creation guard created or adopted.
type CreatedRecord struct {
	Side    v1alpha1.Side
	Record  Record
	Adopted bool
	// CreatedBy names another mapping whose create this was.
	CreatedBy string
}

// Decide applies the rules of a mapping to what was observed. It calls nothing and changes
// nothing: the controller acts on the decision.
func Decide(in Input) Decision {
	if d, done := gate(in); done {
		return d
	}
	d, linked := resolve(in)
	if !linked {
		// A verdict on this snapshot's records stands until the next one; a create in flight,
		// a refused create and a vendor's wait are looked at again sooner.
		d.Done = d.Next == Report && d.Requeue == 0 && d.WaitOut == 0
		return d
	}
	if in.Sync == nil {
		d.Next = Sync
		return d
	}
	return synced(in, d)
}

// gate decides the cases that end a reconcile before either record is looked at.
func gate(in Input) (Decision, bool) {
	switch {
	case !in.PolicyFound:
		return report(notReady(v1alpha1.ReasonPolicyNotFound, fmt.Sprintf("SyncPolicy %q not found", in.Policy)), v1alpha1.StateNotAvailable), true
	case in.Suspended:
		return report(notReady(v1alpha1.ReasonSuspended, "spec.suspend is true"), ""), true
	case in.PolicySuspended:
		return report(notReady(v1alpha1.ReasonSuspended, fmt.Sprintf("policy %s is suspended", in.Policy)), ""), true
	case in.ConnectionProblem != "":
		return report(notReady(v1alpha1.ReasonConnectionNotReady, in.ConnectionProblem), v1alpha1.StateNotAvailable), true
	case !in.HasSnapshot:
		// The policy's first sync (after a restart too) takes the snapshot, then wakes the mapping.
		return Decision{Next: Skip}, true
	case in.Conflict != "":
		d := report(notReady(v1alpha1.ReasonConflict, in.Conflict), v1alpha1.StateHasEvents)
		d.Problem = &Problem{Reason: v1alpha1.ReasonConflict, Message: in.Conflict}
		return d, true
	case in.RetryAfter > 0 && !in.Requested:
		// The vendor said when to come back; only a person's sync-now on the mapping overrides it.
		return Decision{Next: Skip, Requeue: in.RetryAfter}, true
	case in.AlreadyDone && !in.Requested && !in.PendingCreate && !in.WasConflict:
		return Decision{Next: Skip, KeepUserPlan: true}, true
	}
	return Decision{}, false
}

// resolve finds both records (a created one included). linked is false when the decision ends
// here: a record is missing, or a create is to be made or did not complete.
func resolve(in Input) (Decision, bool) {
	var d Decision
	tool, psa := in.Tool, in.PSA
	if cr := in.Create; cr != nil && cr.Record != nil && cr.Err == "" {
		created := Record{ID: cr.Record.ID, Name: cr.Record.Name}
		side := v1alpha1.SidePSA
		if in.PSA.ID != "" {
			side = v1alpha1.SideTool
			tool = Side{ID: created.ID, Record: &created}
		} else {
			psa = Side{ID: created.ID, Record: &created}
		}
		d.Created = &CreatedRecord{Side: side, Record: created, Adopted: cr.Adopted, CreatedBy: cr.CreatedBy}
	}
	if tool.ID != "" {
		d.ToolOrganization = ref(tool)
		if tool.Record == nil {
			msg := fmt.Sprintf("%s organization %s is missing (deleted, or left out by the policy's tool filter)", in.ToolProvider, tool.ID)
			return problem(d, v1alpha1.ReasonToolOrganizationMissing, msg, v1alpha1.StateNotAvailable), false
		}
	}
	if psa.ID != "" {
		d.PSAAccount = ref(psa)
		if psa.Record == nil {
			msg := fmt.Sprintf("%s account %s is missing (deleted, or left out by spec.psa.filter of policy %s)", in.PSAProvider, psa.ID, in.Policy)
			return problem(d, v1alpha1.ReasonPSAAccountMissing, msg, v1alpha1.StateNotAvailable), false
		}
	}
	if tool.ID != "" && psa.ID != "" {
		d.ClearPendingCreate = true
		return d, true
	}
	if in.DryRun {
		return report(notReady(v1alpha1.ReasonCreating, fmt.Sprintf("policy %s is a dry run: nothing is created", in.Policy)), v1alpha1.StateNotAvailable), false
	}
	// Exactly one side is to be created (CEL forbids both), named like the other side.
	d.Next = Create
	if psa.ID != "" {
		d.CreateSide, d.CreateFrom = v1alpha1.SideTool, psa.Record.Name
	} else {
		d.CreateSide, d.CreateFrom = v1alpha1.SidePSA, tool.Record.Name
	}
	if in.Create == nil {
		return d, false
	}
	return createFailed(in, d), false
}

// createFailed reports a create that did not give a record.
func createFailed(in Input, d Decision) Decision {
	cr, side, name := in.Create, d.CreateSide, d.CreateFrom
	d.Next = Report
	switch {
	case cr.Unsupported != "":
		return problem(d, v1alpha1.ReasonCreating, cr.Unsupported, v1alpha1.StateNotAvailable)
	case cr.Err != "":
		// A definite failure created nothing, so the next attempt need not wait for a record to
		// appear.
		d.ClearPendingCreate = cr.Intent == nil
		msg := fmt.Sprintf("creating %s record %q failed: %s", side, name, cr.Err)
		if cr.Wait > 0 {
			// Not linked yet, so NotAvailable; neither look-up nor create before the vendor's time.
			d.WaitOut = cr.Wait
			return problem(d, v1alpha1.ReasonRateLimited, RateLimitedMessage(in.Now, msg, cr.Wait), v1alpha1.StateNotAvailable)
		}
		d.Requeue = CreateRetry
		return problem(d, v1alpha1.ReasonCreating, msg, v1alpha1.StateNotAvailable)
	case cr.Pending:
		whose := "the"
		if cr.Intent != nil {
			name = cr.Intent.Name
		}
		if cr.CreatedBy != "" {
			whose = fmt.Sprintf("AccountMapping %s's", cr.CreatedBy)
		}
		retryAt := cr.RetryAt.UTC().Truncate(time.Second)
		d.Ready = notReady(v1alpha1.ReasonCreating, fmt.Sprintf("%s create of %s record %q has no answer yet; looking it up every %s, and only if nothing is found by %s (spec.creation.settlePeriod %s) is it sent again",
			whose, side, name, PendingLookup, retryAt.Format(time.RFC3339), cr.Settle))
		d.State = v1alpha1.StateNotAvailable
		// Look again soon, and exactly when the settle period ends.
		d.Requeue = max(min(PendingLookup, cr.RetryAt.Sub(in.Now)), 100*time.Millisecond)
		return d
	default: // a name conflict
		d.ClearPendingCreate = true
		holder := "id " + cr.Conflict.ID
		if cr.Conflict.Detail != "" {
			holder += ", " + cr.Conflict.Detail
		}
		msg := fmt.Sprintf("a %s record named %q already exists (%s); link it with spec.%s, rename it, or set spec.creation.onNameConflict: Prefix on policy %s",
			side, cr.Conflict.Name, holder, sideField(side), in.Policy)
		return problem(d, v1alpha1.ReasonNameConflict, msg, v1alpha1.StateNotAvailable)
	}
}

// synced reports the sync of a linked pair.
func synced(in Input, d Decision) Decision {
	s := in.Sync
	d.Next = Report
	linked := fmt.Sprintf("%s %q ↔ %s %q", in.ToolProvider, d.ToolOrganization.Name, in.PSAProvider, d.PSAAccount.Name)
	reason := v1alpha1.ReasonLinked
	if in.Suggested {
		reason = v1alpha1.ReasonSuggested
	}
	if in.DryRun {
		// A dry run changes nothing in any vendor system; what a real sync would do goes to the
		// policy's plan.
		msg := linked + fmt.Sprintf(" (policy %s is a dry run: assets and users are not synced)", in.Policy)
		if s.UserPlanProblem != "" {
			msg += "; its users are not in the plan: " + s.UserPlanProblem
		}
		d.Ready, d.State, d.Done, d.KeepUserPlan = &Condition{Ready: true, Reason: reason, Message: msg}, v1alpha1.StateOK, true, in.UsersEnabled
		return d
	}
	problems := append(append([]string(nil), s.AssetProblems...), s.UserProblems...)
	if s.Wait > 0 {
		// Linked, so HasEvents like any failed sync. Not done: the work is done again when the
		// vendor said, within the same snapshot.
		d.WaitOut = s.Wait
		return problem(d, v1alpha1.ReasonRateLimited, RateLimitedMessage(in.Now, strings.Join(append(problems, s.Suspect...), "; "), s.Wait), v1alpha1.StateHasEvents)
	}
	d.Done = true
	switch {
	case len(s.Suspect) > 0:
		// The mapping keeps its state: the listing is not believed, so nothing it would cause
		// (unlinks, creates) was done.
		return problem(d, v1alpha1.ReasonSuspectSnapshot, fmt.Sprintf("suspect snapshot, nothing written for it: %s; if this is the new reality, set the annotation %s on policy %s to a new value",
			strings.Join(s.Suspect, "; "), v1alpha1.AcceptSnapshotAnnotation, in.Policy), "")
	case len(s.AssetProblems) > 0:
		return problem(d, v1alpha1.ReasonAssetSyncFailed, strings.Join(problems, "; "), v1alpha1.StateHasEvents)
	case len(s.UserProblems) > 0:
		return problem(d, v1alpha1.ReasonUserSyncFailed, strings.Join(problems, "; "), v1alpha1.StateHasEvents)
	}
	if len(s.Deferred) > 0 {
		linked += "; " + strings.Join(s.Deferred, "; ")
	}
	d.Ready, d.State = &Condition{Ready: true, Reason: reason, Message: linked}, v1alpha1.StateOK
	return d
}

// RateLimitedMessage says until when a rate-limited vendor is left alone.
func RateLimitedMessage(now time.Time, problem string, wait time.Duration) string {
	until := now.Add(wait).UTC().Truncate(time.Second).Format(time.RFC3339)
	return fmt.Sprintf("rate limited by the vendor until %s: %s", until, problem)
}

func report(c *Condition, state v1alpha1.MappingState) Decision {
	return Decision{Next: Report, Ready: c, State: state}
}

func notReady(reason, message string) *Condition {
	return &Condition{Reason: reason, Message: message}
}

// problem sets Ready to False with reason and keeps the problem in recentEvents.
func problem(d Decision, reason, message string, state v1alpha1.MappingState) Decision {
	d.Next, d.Ready, d.State = Report, notReady(reason, message), state
	d.Problem = &Problem{Reason: reason, Message: message}
	return d
}

func ref(s Side) *v1alpha1.RecordRef {
	if s.Record != nil {
		return &v1alpha1.RecordRef{ID: s.Record.ID, Name: s.Record.Name}
	}
	name := ""
	if s.Status != nil && s.Status.ID == s.ID {
		name = s.Status.Name
	}
	return &v1alpha1.RecordRef{ID: s.ID, Name: name}
}

func sideField(side v1alpha1.Side) string {
	if side == v1alpha1.SidePSA {
		return "psa.accountID"
	}
	return "tool.organizationID"
}

// TargetIDs are the ids of both records of a mapping: the spec's, or for a side the mapping
// creates, the id of the record it created ("" until then).
func TargetIDs(spec v1alpha1.AccountMappingSpec, st v1alpha1.AccountMappingStatus) (toolID, psaID string) {
	toolID, psaID = spec.Tool.OrganizationID, spec.PSA.AccountID
	if spec.Tool.Create && st.ToolOrganization != nil {
		toolID = st.ToolOrganization.ID
	}
	if spec.PSA.Create && st.PSAAccount != nil {
		psaID = st.PSAAccount.ID
	}
	return toolID, psaID
}
