package v1alpha1

// Every reason a condition of the three kinds can carry. The table below (Reasons) says for each
// where it is used, the type of the event a transition to it emits, and the AccountMapping state
// it implies; the troubleshooting guide lists the same reasons and a test keeps the two equal.
const (
	// IntegrationConnection Ready.
	ReasonConnected            = "Connected"
	ReasonSecretNotFound       = "SecretNotFound"
	ReasonSecretKeyMissing     = "SecretKeyMissing"
	ReasonAuthenticationFailed = "AuthenticationFailed"
	ReasonUnreachable          = "Unreachable"
	// ReasonRateLimited: the vendor asked to wait (Retry-After); the message says until when.
	ReasonRateLimited = "RateLimited"
	ReasonInvalidSpec = "InvalidSpec"

	// SyncPolicy Ready.
	ReasonValid = "Valid"

	// SyncPolicy Synced.
	ReasonSyncSucceeded      = "SyncSucceeded"
	ReasonPartialSync        = "PartialSync"
	ReasonSyncFailed         = "SyncFailed"
	ReasonConnectionNotReady = "ConnectionNotReady"
	// ReasonSuspended: spec.suspend on the object, or on the policy that governs it.
	ReasonSuspended = "Suspended"
	ReasonDryRun    = "DryRun"
	// ReasonSuspectSnapshot: a listing came back empty or shrank beyond spec.safety compared
	// with the last good sync; nothing that listing would cause was applied.
	ReasonSuspectSnapshot = "SuspectSnapshot"

	// AccountMapping Ready.
	ReasonLinked                  = "Linked"
	ReasonCreating                = "Creating"
	ReasonPSAAccountMissing       = "PSAAccountMissing"
	ReasonToolOrganizationMissing = "ToolOrganizationMissing"
	ReasonConflict                = "Conflict"
	ReasonAssetSyncFailed         = "AssetSyncFailed"
	ReasonUserSyncFailed          = "UserSyncFailed"
	ReasonNameConflict            = "NameConflict"
	ReasonPolicyNotFound          = "PolicyNotFound"
	// ReasonSuggested: linked by the policy because the pair's suggestion score reached
	// matching.autoLinkScore (the score is in the accountsync.io/suggested-score annotation).
	ReasonSuggested = "Suggested"

	// AccountMapping Billing and Ticketing (the integration services).
	ReasonBillingSynced      = "BillingSynced"
	ReasonBillingFailed      = "BillingFailed"
	ReasonBillingLineMissing = "BillingLineMissing"
	ReasonTicketingSynced    = "TicketingSynced"
	ReasonTicketingFailed    = "TicketingFailed"
)

// Reasons of the events that report an action rather than a condition's change.
const (
	// ReasonCreated: a mapping created (or adopted) the missing side of its pair.
	ReasonCreated = "Created"
	// ReasonAssetsSynced: a mapping's sync created or updated PSA assets (the per-sync counts).
	ReasonAssetsSynced = "AssetsSynced"
	// ReasonUsersCreated: a mapping's sync created PSA users.
	ReasonUsersCreated = "UsersCreated"
	// ReasonUserUnlinked: a linked PSA user no longer exists.
	ReasonUserUnlinked = "UserUnlinked"
	// ReasonMappingRemoved: a policy removed a generated mapping.
	ReasonMappingRemoved = "MappingRemoved"
	// ReasonMappingCreateFailed, ReasonMappingUpdateFailed, ReasonMappingDeleteFailed: a
	// policy's change to a generated mapping failed.
	ReasonMappingCreateFailed = "MappingCreateFailed"
	ReasonMappingUpdateFailed = "MappingUpdateFailed"
	ReasonMappingDeleteFailed = "MappingDeleteFailed"
	// ReasonBillingQuantityChanged, ReasonBillingLineCreated: the billing service set a PSA
	// line's quantity (old → new), or added the missing line.
	ReasonBillingQuantityChanged = "BillingQuantityChanged"
	ReasonBillingLineCreated     = "BillingLineCreated"
	// ReasonTicketCreated, ReasonTicketClosed: the ticketing service created a PSA ticket for an
	// alert, or closed one whose alerts cleared.
	ReasonTicketCreated = "TicketCreated"
	ReasonTicketClosed  = "TicketClosed"
	// ReasonTicketsRolledUp: more new alerts for one account than maxNewTicketsPerSync in one
	// run became a single roll-up ticket.
	ReasonTicketsRolledUp = "TicketsRolledUp"
	// ReasonIntervalStretched, ReasonIntervalRestored: a policy's sync period no longer fits a
	// vendor's documented rate limit, so it syncs less often (status.rateBudget says why); or it
	// fits again.
	ReasonIntervalStretched = "IntervalStretched"
	ReasonIntervalRestored  = "IntervalRestored"
)

// Event types of the reasons' events (the values of corev1.EventTypeNormal and EventTypeWarning).
const (
	EventNormal  = "Normal"
	EventWarning = "Warning"
)

// Where a reason is used: the kind and the condition type.
const (
	OnConnectionReady = "IntegrationConnection/Ready"
	OnPolicyReady     = "SyncPolicy/Ready"
	OnPolicySynced    = "SyncPolicy/Synced"
	OnMappingReady    = "AccountMapping/Ready"
	OnMappingBilling  = "AccountMapping/Billing"
	OnMappingTicket   = "AccountMapping/Ticketing"
	// On events only: the reason names an action, never a condition's reason.
	OnMappingEvent = "AccountMapping event"
	OnPolicyEvent  = "SyncPolicy event"
)

// ReasonInfo describes one condition reason.
// +kubebuilder:object:generate=false
type ReasonInfo struct {
	Reason string
	// Conditions are where the reason is used (OnConnectionReady, ...).
	Conditions []string
	// EventType is the type of the event a transition to the reason emits. One rule decides it:
	// Normal when the object works, is on its way (Creating) or is as a person set it
	// (Suspended, DryRun); Warning when a person or the vendor has to act.
	EventType string
	// MappingState is the state of an AccountMapping whose condition has this reason; "" when
	// the reason keeps the state it had (Suspended, SuspectSnapshot, a service that synced) or
	// the state depends on whether the pair is linked (RateLimited: HasEvents when linked,
	// NotAvailable before).
	MappingState MappingState
}

// Reasons is the table of every reason: those of the conditions, then those of the events
// that report an action.
var Reasons = []ReasonInfo{
	{ReasonConnected, []string{OnConnectionReady}, EventNormal, ""},
	{ReasonSecretNotFound, []string{OnConnectionReady}, EventWarning, ""},
	{ReasonSecretKeyMissing, []string{OnConnectionReady}, EventWarning, ""},
	{ReasonAuthenticationFailed, []string{OnConnectionReady}, EventWarning, ""},
	{ReasonUnreachable, []string{OnConnectionReady}, EventWarning, ""},
	{ReasonRateLimited, []string{OnConnectionReady, OnPolicySynced, OnMappingReady}, EventWarning, ""},
	{ReasonInvalidSpec, []string{OnConnectionReady, OnPolicyReady}, EventWarning, ""},

	{ReasonValid, []string{OnPolicyReady}, EventNormal, ""},
	{ReasonSyncSucceeded, []string{OnPolicySynced}, EventNormal, ""},
	{ReasonPartialSync, []string{OnPolicySynced}, EventWarning, ""},
	{ReasonSyncFailed, []string{OnPolicySynced}, EventWarning, ""},
	{ReasonConnectionNotReady, []string{OnPolicyReady, OnPolicySynced, OnMappingReady}, EventWarning, StateNotAvailable},
	{ReasonSuspended, []string{OnPolicyReady, OnPolicySynced, OnMappingReady}, EventNormal, ""},
	{ReasonDryRun, []string{OnPolicySynced}, EventNormal, ""},
	{ReasonSuspectSnapshot, []string{OnPolicySynced, OnMappingReady}, EventWarning, ""},

	{ReasonLinked, []string{OnMappingReady}, EventNormal, StateOK},
	{ReasonSuggested, []string{OnMappingReady}, EventNormal, StateOK},
	{ReasonCreating, []string{OnMappingReady}, EventNormal, StateNotAvailable},
	{ReasonNameConflict, []string{OnMappingReady}, EventWarning, StateNotAvailable},
	{ReasonConflict, []string{OnMappingReady}, EventWarning, StateHasEvents},
	{ReasonPSAAccountMissing, []string{OnMappingReady}, EventWarning, StateNotAvailable},
	{ReasonToolOrganizationMissing, []string{OnMappingReady}, EventWarning, StateNotAvailable},
	{ReasonAssetSyncFailed, []string{OnMappingReady}, EventWarning, StateHasEvents},
	{ReasonUserSyncFailed, []string{OnMappingReady}, EventWarning, StateHasEvents},
	{ReasonPolicyNotFound, []string{OnMappingReady}, EventWarning, StateNotAvailable},

	{ReasonBillingSynced, []string{OnMappingBilling}, EventNormal, ""},
	{ReasonBillingFailed, []string{OnMappingBilling}, EventWarning, StateHasEvents},
	{ReasonBillingLineMissing, []string{OnMappingBilling}, EventWarning, StateHasEvents},
	{ReasonTicketingSynced, []string{OnMappingTicket}, EventNormal, ""},
	{ReasonTicketingFailed, []string{OnMappingTicket}, EventWarning, StateHasEvents},

	{ReasonCreated, []string{OnMappingEvent}, EventNormal, ""},
	{ReasonAssetsSynced, []string{OnMappingEvent}, EventNormal, ""},
	{ReasonUsersCreated, []string{OnMappingEvent}, EventNormal, ""},
	{ReasonUserUnlinked, []string{OnMappingEvent}, EventNormal, ""},
	{ReasonMappingRemoved, []string{OnPolicyEvent}, EventNormal, ""},
	{ReasonMappingCreateFailed, []string{OnPolicyEvent}, EventWarning, ""},
	{ReasonMappingUpdateFailed, []string{OnPolicyEvent}, EventWarning, ""},
	{ReasonMappingDeleteFailed, []string{OnPolicyEvent}, EventWarning, ""},
	{ReasonBillingQuantityChanged, []string{OnMappingEvent}, EventNormal, ""},
	{ReasonBillingLineCreated, []string{OnMappingEvent}, EventNormal, ""},
	{ReasonTicketCreated, []string{OnMappingEvent}, EventNormal, ""},
	{ReasonTicketClosed, []string{OnMappingEvent}, EventNormal, ""},
	{ReasonTicketsRolledUp, []string{OnMappingEvent}, EventWarning, ""},
	{ReasonIntervalStretched, []string{OnPolicyEvent}, EventWarning, ""},
	{ReasonIntervalRestored, []string{OnPolicyEvent}, EventNormal, ""},
}

// LookupReason returns the table's entry for reason.
func LookupReason(reason string) (ReasonInfo, bool) {
	for _, r := range Reasons {
		if r.Reason == reason {
			return r, true
		}
	}
	return ReasonInfo{}, false
}

// ReasonEventType is the type of the event a transition to reason emits; Warning for a reason
// the table does not know, so that nothing unexpected passes as routine.
func ReasonEventType(reason string) string {
	if r, ok := LookupReason(reason); ok {
		return r.EventType
	}
	return EventWarning
}
