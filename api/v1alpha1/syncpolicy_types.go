package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// SyncMode says which way unmatched records are created.
// +kubebuilder:validation:Enum=Import;Export;Bidirectional;MatchOnly
type SyncMode string

const (
	// ModeImport: an unmatched tool organization gets a new PSA account.
	ModeImport SyncMode = "Import"
	// ModeExport: an unmatched PSA account gets a new tool organization.
	ModeExport SyncMode = "Export"
	// ModeBidirectional: both of the above.
	ModeBidirectional SyncMode = "Bidirectional"
	// ModeMatchOnly: link what matches, create nothing.
	ModeMatchOnly SyncMode = "MatchOnly"
)

// Imports reports whether unmatched organizations get PSA accounts.
func (m SyncMode) Imports() bool { return m == ModeImport || m == ModeBidirectional }

// Exports reports whether unmatched PSA accounts get tool organizations.
func (m SyncMode) Exports() bool { return m == ModeExport || m == ModeBidirectional }

// CreateWhen narrows which unmatched organizations get a PSA account on import.
// +kubebuilder:validation:Enum=Always;Referenced
type CreateWhen string

const (
	CreateAlways     CreateWhen = "Always"
	CreateReferenced CreateWhen = "Referenced"
)

// NameMatching chooses how names are compared.
// +kubebuilder:validation:Enum=Exact;Normalized
type NameMatching string

const (
	MatchExact      NameMatching = "Exact"
	MatchNormalized NameMatching = "Normalized"
)

// MultipleMatches chooses what happens when a record matches several on the other side.
// +kubebuilder:validation:Enum=Flag;First
type MultipleMatches string

const (
	MultipleFlag  MultipleMatches = "Flag"
	MultipleFirst MultipleMatches = "First"
)

// NameConflictPolicy chooses what a create does when the target name is taken.
// +kubebuilder:validation:Enum=Fail;Prefix
type NameConflictPolicy string

const (
	ConflictFail   NameConflictPolicy = "Fail"
	ConflictPrefix NameConflictPolicy = "Prefix"
)

// UserMatchKey is one end-user matching key.
// +kubebuilder:validation:Enum=Email;Phone;Name
type UserMatchKey string

const (
	MatchByEmail UserMatchKey = "Email"
	MatchByPhone UserMatchKey = "Phone"
	MatchByName  UserMatchKey = "Name"
)

// AcceptSnapshotAnnotation: setting it to any new value makes the policy sync at once and take
// whatever that sync lists as the truth, however much it shrank (handled like sync-now; the
// value is echoed in status.lastAcceptedSnapshot).
const AcceptSnapshotAnnotation = "accountsync.io/accept-snapshot"

// Listings a suspect-snapshot check compares.
const (
	ListingPSAAccounts       = "PSAAccounts"
	ListingToolOrganizations = "ToolOrganizations"
	ListingPSAUsers          = "PSAUsers"
	ListingPSAAssets         = "PSAAssets"
)

// SyncPolicySpec says which PSA accounts and tool organizations take part and how they are
// matched, linked and created.
// +kubebuilder:validation:XValidation:rule="!has(self.createWhen) || self.createWhen != 'Referenced' || (has(self.mode) && (self.mode == 'Import' || self.mode == 'Bidirectional'))",message="spec.createWhen: Referenced requires spec.mode Import or Bidirectional"
// +kubebuilder:validation:XValidation:rule="self.psa.connectionRef.name != self.tool.connectionRef.name",message="spec.psa.connectionRef and spec.tool.connectionRef must name different connections"
type SyncPolicySpec struct {
	// PSA is the system of record and which of its accounts take part.
	PSA PSASide `json:"psa"`
	// Tool is the product whose organizations are linked to PSA accounts.
	Tool ToolSide `json:"tool"`

	// Mode: Import creates a PSA account for an unmatched organization; Export creates a tool
	// organization for an unmatched PSA account; Bidirectional does both; MatchOnly creates
	// nothing and only links what matches.
	// +kubebuilder:default=MatchOnly
	// +optional
	Mode SyncMode `json:"mode,omitempty"`

	// CreateWhen (Import and Bidirectional only): Always, or Referenced to create accounts only
	// for organizations that have at least one asset (as Kaseya BMS does: an account is created when a
	// new asset references it).
	// +kubebuilder:default=Always
	// +optional
	CreateWhen CreateWhen `json:"createWhen,omitempty"`

	// Interval is the full sync period. A small random jitter is added so policies do not poll
	// in lockstep.
	// +kubebuilder:default="10m"
	// +optional
	Interval Duration `json:"interval,omitempty"`

	// Suspend stops syncing; mappings keep their last state.
	// +optional
	Suspend bool `json:"suspend,omitempty"`

	// DryRun computes everything and writes the plan to status.plan, changing nothing in any
	// vendor system and creating no AccountMapping.
	// +optional
	DryRun bool `json:"dryRun,omitempty"`

	// Matching says how names are compared.
	// +kubebuilder:default={}
	// +optional
	Matching Matching `json:"matching,omitempty"`

	// Creation says how unmatched records are created on the other side.
	// +kubebuilder:default={}
	// +optional
	Creation Creation `json:"creation,omitempty"`

	// Exclude lists records that never take part, by id. A deleted generated mapping comes back at
	// the next sync unless its ids are listed here.
	// +optional
	Exclude Exclude `json:"exclude,omitempty"`

	// MappingDefaults are copied into each AccountMapping this policy generates.
	// +kubebuilder:default={}
	// +optional
	MappingDefaults MappingDefaults `json:"mappingDefaults,omitempty"`

	// Assets: when enabled, tool assets (VSA agents) become PSA assets of the mapped account.
	// +optional
	Assets AssetSync `json:"assets,omitempty"`

	// Users: end-user matching inside each mapped pair (CyberQP end users to PSA users).
	// +kubebuilder:default={}
	// +optional
	Users UserSync `json:"users,omitempty"`

	// Safety says when a listing is too small to be believed (a vendor glitch returning an empty
	// or truncated list), so that it drives no create, removal or state change.
	// +kubebuilder:default={}
	// +optional
	Safety Safety `json:"safety,omitempty"`

	// Services configures the integration services (billing usage, alert tickets) for this
	// policy's pair; each mapping's spec.services says whether it takes part.
	// +optional
	Services PolicyServices `json:"services,omitempty"`
}

// Safety bounds how far a listing may shrink from the last good sync before it is a suspect
// snapshot. It applies to the PSA accounts and tool organizations taking part (per policy) and
// to the PSA users and PSA assets of each mapped pair (per mapping).
type Safety struct {
	// MaxShrinkPercent: a listing that lost more than this percentage of the records the last
	// good sync had is suspect. 100 turns the check off.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	// +kubebuilder:default=50
	// +optional
	MaxShrinkPercent int32 `json:"maxShrinkPercent,omitempty"`
	// MinRecords: the percentage applies only when the last good listing had at least this many
	// records (small lists change a lot in relative terms). An empty listing after a non-empty
	// one is suspect whatever the size.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100000
	// +kubebuilder:default=10
	// +optional
	MinRecords int32 `json:"minRecords,omitempty"`
}

// PSASide names the PSA connection and filters its accounts.
type PSASide struct {
	// ConnectionRef names an IntegrationConnection whose provider is a PSA.
	ConnectionRef LocalObjectReference `json:"connectionRef"`
	// Filter says which PSA accounts take part.
	// +optional
	Filter PSAFilter `json:"filter,omitempty"`
}

// PSAFilter says which PSA accounts take part. Statuses and types are names, resolved to ids
// by API in each environment (ids differ between environments).
type PSAFilter struct {
	// Statuses: an account qualifies if its status is one of these names. The first is given to
	// accounts this policy creates.
	// +kubebuilder:validation:MaxItems=50
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=100
	// +listType=atomic
	// +optional
	Statuses []string `json:"statuses,omitempty"`
	// Types: an account qualifies if it has any of these type names (HaloPSA: top levels). The
	// first is given to accounts this policy creates.
	// +kubebuilder:validation:MaxItems=50
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=100
	// +listType=atomic
	// +optional
	Types []string `json:"types,omitempty"`
	// IncludeInactive lets inactive accounts take part.
	// +optional
	IncludeInactive bool `json:"includeInactive,omitempty"`
	// NamePattern (RE2): only accounts whose name matches take part.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	NamePattern string `json:"namePattern,omitempty"`
	// ExcludeNamePattern (RE2): accounts whose name matches are left out.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	ExcludeNamePattern string `json:"excludeNamePattern,omitempty"`
}

// ToolSide names the tool connection and filters its organizations.
type ToolSide struct {
	// ConnectionRef names an IntegrationConnection whose provider is a tool.
	ConnectionRef LocalObjectReference `json:"connectionRef"`
	// Filter says which organizations take part.
	// +optional
	Filter ToolFilter `json:"filter,omitempty"`
}

// ToolFilter says which tool organizations take part.
type ToolFilter struct {
	// NamePattern (RE2): only organizations whose name matches take part.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	NamePattern string `json:"namePattern,omitempty"`
	// ExcludeNamePattern (RE2): organizations whose name matches are left out.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	ExcludeNamePattern string `json:"excludeNamePattern,omitempty"`
}

// Matching says how names are compared.
type Matching struct {
	// Name: Exact compares names case-insensitively as they are; Normalized also ignores
	// whitespace, punctuation and legal suffixes such as Inc, LLC, Ltd, GmbH.
	// +kubebuilder:default=Normalized
	// +optional
	Name NameMatching `json:"name,omitempty"`
	// OnMultipleMatches: Flag leaves the record for a person (status.ambiguous); First takes the
	// first candidate in the vendor's listing order, as the vendors' automatic matchers do.
	// +kubebuilder:default=Flag
	// +optional
	OnMultipleMatches MultipleMatches `json:"onMultipleMatches,omitempty"`
	// AutoLinkScore (0 = off, the default): a record with no name match whose best suggestion
	// scores at least this, and is the only one that does (on both sides), is linked by the
	// policy itself; the mapping's Ready condition then says reason Suggested. Suggestions are
	// otherwise only listed for a person (status.unmatched[].suggestions).
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	// +optional
	AutoLinkScore int32 `json:"autoLinkScore,omitempty"`
}

// Creation says how unmatched records are created.
// +kubebuilder:validation:XValidation:rule="!has(self.onNameConflict) || self.onNameConflict != 'Prefix' || (has(self.namePrefix) && size(self.namePrefix) > 0)",message="spec.creation.namePrefix is required when onNameConflict is Prefix"
type Creation struct {
	// NamePrefix is prepended to the name when the plain name is taken and onNameConflict is
	// Prefix (e.g. "SanFrancisco_").
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:default=""
	// +optional
	NamePrefix string `json:"namePrefix"`
	// OnNameConflict: Fail leaves the mapping unlinked for a person (reason NameConflict);
	// Prefix creates namePrefix + name instead.
	// +kubebuilder:default=Fail
	// +optional
	OnNameConflict NameConflictPolicy `json:"onNameConflict,omitempty"`
	// BatchSize is the most creations of each kind per sync (accounts and organizations
	// together, then locations, assets and users each), and the most generated mappings one sync
	// removes.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	// +kubebuilder:default=100
	// +optional
	BatchSize int32 `json:"batchSize,omitempty"`
	// SettlePeriod: after a create whose outcome is unknown (a timeout, a crash), how long
	// look-ups must find nothing before the create may be sent again.
	// +kubebuilder:default="5m"
	// +optional
	SettlePeriod Duration `json:"settlePeriod,omitempty"`
	// HaloPSA says what a HaloPSA create needs beyond the name.
	// +optional
	HaloPSA *HaloPSACreation `json:"haloPSA,omitempty"`
	// KaseyaBMS is what a Kaseya BMS create needs beyond the name; other PSAs ignore it. The
	// account type of a new account is the first of spec.psa.filter.types.
	// +optional
	KaseyaBMS *KaseyaBMSCreation `json:"kaseyaBMS,omitempty"`
}

// HaloPSACreation is what HaloPSA requires on a create that the tool cannot supply.
type HaloPSACreation struct {
	// AssetType is the Halo asset type every new asset gets, by name or id, resolved through
	// Halo's asset type list. Halo refuses an asset without a type, so it is required when
	// assets are synced into HaloPSA.
	// +kubebuilder:validation:MaxLength=256
	// +optional
	AssetType string `json:"assetType,omitempty"`
}

// KaseyaBMSCreation holds the values the Kaseya BMS API requires on an account or asset
// create. A value that does not resolve makes the policy Ready=False, InvalidSpec, naming the
// value and the choices.
type KaseyaBMSCreation struct {
	// AccountManager is the employee new accounts are assigned to: full name, e-mail, user
	// name or id (resolved by look-up). Required to create accounts.
	// +kubebuilder:validation:MaxLength=256
	// +optional
	AccountManager string `json:"accountManager,omitempty"`
	// BusinessType is the business type id of new accounts (the API offers no look-up by
	// name). Required to create accounts.
	// +kubebuilder:validation:MaxLength=10
	// +kubebuilder:validation:Pattern=`^[0-9]*$`
	// +optional
	BusinessType string `json:"businessType,omitempty"`
	// AssetCategory is the hardware-asset category of new assets: a name used by an existing
	// asset, or an id. Required when assets are enabled.
	// +kubebuilder:validation:MaxLength=128
	// +optional
	AssetCategory string `json:"assetCategory,omitempty"`
}

// Exclude lists record ids that never take part.
type Exclude struct {
	// ToolOrganizationIDs never take part.
	// +kubebuilder:validation:MaxItems=10000
	// +kubebuilder:validation:items:MaxLength=128
	// +listType=set
	// +optional
	ToolOrganizationIDs []string `json:"toolOrganizationIDs,omitempty"`
	// PSAAccountIDs never take part.
	// +kubebuilder:validation:MaxItems=10000
	// +kubebuilder:validation:items:MaxLength=128
	// +listType=set
	// +optional
	PSAAccountIDs []string `json:"psaAccountIDs,omitempty"`
}

// MappingDefaults are copied into generated mappings.
type MappingDefaults struct {
	// Location mapping for generated mappings.
	// +kubebuilder:default={mode: Main}
	// +optional
	Location LocationMapping `json:"location,omitempty"`
	// Services enabled on generated mappings.
	// +kubebuilder:default={billing: true, ticketing: true}
	// +optional
	Services Services `json:"services,omitempty"`
}

// AssetSync turns tool assets into PSA assets.
type AssetSync struct {
	// Enabled: tool assets (VSA agents) become PSA assets of the mapped account, keyed by the
	// tool's asset id and placed by the mapping's location mode.
	// +optional
	Enabled bool `json:"enabled,omitempty"`
}

// UserSync matches end users inside each mapped pair.
type UserSync struct {
	// Enabled turns end-user matching on.
	// +optional
	Enabled bool `json:"enabled,omitempty"`
	// MatchBy lists the keys tried in order; the first key that finds candidates decides.
	// +kubebuilder:default={Email,Phone,Name}
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=3
	// +kubebuilder:validation:XValidation:rule="self.all(k, self.exists_one(o, o == k))",message="spec.users.matchBy items must be unique"
	// +listType=atomic
	// +optional
	MatchBy []UserMatchKey `json:"matchBy,omitempty"`
	// OnMultipleMatches: Flag leaves the user ambiguous (a person picks with userOverrides);
	// First links the first PSA user, as the automatic matcher does.
	// +kubebuilder:default=Flag
	// +optional
	OnMultipleMatches MultipleMatches `json:"onMultipleMatches,omitempty"`
	// CreateMissing creates unmatched tool users in the PSA.
	// +optional
	CreateMissing bool `json:"createMissing,omitempty"`
}

// SyncPolicyStatus is what the last sync found, did and failed.
type SyncPolicyStatus struct {
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Conditions: Ready (Valid: the policy and both connections are usable; InvalidSpec when the
	// policy asks for a capability its connections lack; Suspended while spec.suspend is true) and Synced (reasons SyncSucceeded,
	// PartialSync, SyncFailed, RateLimited, ConnectionNotReady, Suspended, DryRun, SuspectSnapshot).
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
	// LastSyncTime is when the last sync finished.
	// +optional
	LastSyncTime *metav1.Time `json:"lastSyncTime,omitempty"`
	// LastSyncDuration is how long it took, e.g. "1.2s".
	// +optional
	LastSyncDuration string `json:"lastSyncDuration,omitempty"`
	// NextSyncTime is when the next periodic sync is due.
	// +optional
	NextSyncTime *metav1.Time `json:"nextSyncTime,omitempty"`
	// LastHandledSyncRequest echoes the accountsync.io/sync-requested-at value last handled.
	// +optional
	LastHandledSyncRequest string `json:"lastHandledSyncRequest,omitempty"`
	// Counts as of the last sync.
	// +optional
	Counts SyncCounts `json:"counts,omitempty"`
	// APICalls made by the last sync, per side.
	// +optional
	APICalls APICalls `json:"apiCalls,omitempty"`
	// Plan (dry run only): the first 50 actions a real sync would take.
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=50
	// +optional
	Plan []PlanItem `json:"plan,omitempty"`
	// PlanTotal is the number of actions in the whole plan.
	// +optional
	PlanTotal int32 `json:"planTotal,omitempty"`
	// Ambiguous lists the first 50 records that match several on the other side.
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=50
	// +optional
	Ambiguous []AmbiguousRecord `json:"ambiguous,omitempty"`
	// Unmatched lists the first 50 records with no counterpart that this policy will not create.
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=50
	// +optional
	Unmatched []UnmatchedRecord `json:"unmatched,omitempty"`
	// LastGoodSnapshot is what the last sync that was not suspect listed: the baseline of the
	// suspect-snapshot check, kept in status so it survives a manager restart.
	// +optional
	LastGoodSnapshot *SnapshotCounts `json:"lastGoodSnapshot,omitempty"`
	// SuspectSnapshot says which listings shrank beyond spec.safety, while Synced is False
	// with reason SuspectSnapshot.
	// +optional
	SuspectSnapshot *SuspectSnapshot `json:"suspectSnapshot,omitempty"`
	// LastAcceptedSnapshot echoes the accountsync.io/accept-snapshot value last handled.
	// +optional
	LastAcceptedSnapshot string `json:"lastAcceptedSnapshot,omitempty"`
	// Services summarises the last run of each enabled integration service.
	// +optional
	Services *PolicyServicesStatus `json:"services,omitempty"`
	// RateBudget is set while a sync period's calls do not fit a vendor's documented limit at
	// spec.interval: syncs then run at its longer interval (event IntervalStretched).
	// +optional
	RateBudget *RateBudget `json:"rateBudget,omitempty"`
}

// SnapshotCounts are the records of a good sync taking part after the filters.
type SnapshotCounts struct {
	ToolOrganizations int32 `json:"toolOrganizations"`
	PSAAccounts       int32 `json:"psaAccounts"`
	// ObservedGeneration of the policy when they were counted: a spec change (a new filter)
	// starts a new baseline.
	ObservedGeneration int64 `json:"observedGeneration"`
	// Time of the sync.
	Time metav1.Time `json:"time"`
}

// SuspectSnapshot lists what tripped the check.
type SuspectSnapshot struct {
	// Since is when the current run of suspect syncs began.
	Since metav1.Time `json:"since"`
	// Listings of the policy's own sync that shrank.
	// +kubebuilder:validation:MaxItems=4
	// +listType=atomic
	// +optional
	Listings []ShrunkListing `json:"listings,omitempty"`
	// Mappings (the first 50) whose PSA users or assets listing shrank; each says the counts in
	// its Ready condition.
	// +kubebuilder:validation:MaxItems=50
	// +listType=atomic
	// +optional
	Mappings []string `json:"mappings,omitempty"`
}

// ShrunkListing is one listing that shrank beyond spec.safety.
type ShrunkListing struct {
	// Listing: PSAAccounts, ToolOrganizations, PSAUsers or PSAAssets.
	Listing string `json:"listing"`
	// Previous is the count of the last good sync; Current what this sync listed.
	Previous int32 `json:"previous"`
	Current  int32 `json:"current"`
}

// SyncCounts are the numbers of the last sync.
type SyncCounts struct {
	// ToolOrganizations taking part after the filters.
	ToolOrganizations int32 `json:"toolOrganizations"`
	// PSAAccounts taking part after the filters.
	PSAAccounts int32 `json:"psaAccounts"`
	// PSAAccountsFilteredOut: PSA accounts the filter left out.
	PSAAccountsFilteredOut int32 `json:"psaAccountsFilteredOut"`
	// Mapped: mappings linked on both sides.
	Mapped int32 `json:"mapped"`
	// Created: records created during the last sync.
	Created int32 `json:"created"`
	// PendingCreate: mappings still waiting to create their counterpart.
	PendingCreate int32 `json:"pendingCreate"`
	// Ambiguous records (either side).
	Ambiguous int32 `json:"ambiguous"`
	// Unmatched records (either side).
	Unmatched int32 `json:"unmatched"`
	// Conflicts: mappings blocked by Conflict or NameConflict.
	Conflicts int32 `json:"conflicts"`
	// Excluded: records skipped by spec.exclude.
	Excluded int32 `json:"excluded"`
}

// APICalls counts outbound vendor calls per side.
type APICalls struct {
	PSA  int64 `json:"psa"`
	Tool int64 `json:"tool"`
}

// PlanAction is one step a sync takes.
type PlanAction string

const (
	ActionLink                   PlanAction = "Link"
	ActionCreatePSAAccount       PlanAction = "CreatePSAAccount"
	ActionCreateToolOrganization PlanAction = "CreateToolOrganization"
	ActionRemoveMapping          PlanAction = "RemoveMapping"
	ActionFlagAmbiguous          PlanAction = "FlagAmbiguous"
	ActionFlagUnmatched          PlanAction = "FlagUnmatched"
	// ActionLinkUser links a tool user to a PSA user of a linked pair (spec.users).
	ActionLinkUser PlanAction = "LinkUser"
	// ActionCreatePSAUser creates a tool user in the PSA account of a linked pair
	// (spec.users.createMissing).
	ActionCreatePSAUser PlanAction = "CreatePSAUser"
)

// PlanItem is one planned action.
type PlanItem struct {
	Action PlanAction `json:"action"`
	// +optional
	ToolOrganizationID string `json:"toolOrganizationID,omitempty"`
	// +optional
	PSAAccountID string `json:"psaAccountID,omitempty"`
	// ToolUserID is the tool user of a LinkUser or CreatePSAUser action.
	// +optional
	ToolUserID string `json:"toolUserID,omitempty"`
	// PSAUserID is the PSA user a LinkUser action links the tool user to.
	// +optional
	PSAUserID string `json:"psaUserID,omitempty"`
	// Name of the record to create, or of the record concerned.
	// +optional
	Name string `json:"name,omitempty"`
	// Mapping is the AccountMapping the action concerns, where there is one.
	// +optional
	Mapping string `json:"mapping,omitempty"`
	// Detail says what a service action would change: the billing line and its old → new
	// quantity (SetBillingQuantity), or the alert a ticket is for (CreateTicket, CloseTicket).
	// +kubebuilder:validation:MaxLength=512
	// +optional
	Detail string `json:"detail,omitempty"`
}

// AmbiguousRecord is a record with several candidates on the other side.
type AmbiguousRecord struct {
	Side Side   `json:"side"`
	ID   string `json:"id"`
	// +optional
	Name string `json:"name,omitempty"`
	// Candidates are the first 10 records of the other side sharing its name key, best first.
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=10
	Candidates []ScoredRecord `json:"candidates"`
}

// UnmatchedRecord is a record with no counterpart.
type UnmatchedRecord struct {
	Side Side   `json:"side"`
	ID   string `json:"id"`
	// +optional
	Name string `json:"name,omitempty"`
	// Suggestions are the best records of the other side that no mapping holds, best first:
	// a hint for a person, never a link (see matching.autoLinkScore).
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=3
	// +optional
	Suggestions []ScoredRecord `json:"suggestions,omitempty"`
}

// Signal names the evidence that agreed between two records.
// +kubebuilder:validation:Enum=Name;Domain;Phone;Address
type Signal string

const (
	SignalName    Signal = "Name"
	SignalDomain  Signal = "Domain"
	SignalPhone   Signal = "Phone"
	SignalAddress Signal = "Address"
)

// ScoredRecord is a record of the other side offered to a person, with how well it fits.
type ScoredRecord struct {
	ID string `json:"id"`
	// +optional
	Name string `json:"name,omitempty"`
	// Score from 0 to 100: how likely the two records name the same customer.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	Score int32 `json:"score"`
	// Signals that agreed: Name (similar names), Domain (web site or e-mail domain), Phone,
	// Address.
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=4
	// +optional
	Signals []Signal `json:"signals,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=sp,categories=accountsync
// +kubebuilder:printcolumn:name="PSA",type=string,JSONPath=`.spec.psa.connectionRef.name`
// +kubebuilder:printcolumn:name="Tool",type=string,JSONPath=`.spec.tool.connectionRef.name`
// +kubebuilder:printcolumn:name="Mode",type=string,JSONPath=`.spec.mode`
// +kubebuilder:printcolumn:name="Mapped",type=integer,JSONPath=`.status.counts.mapped`
// +kubebuilder:printcolumn:name="Unmatched",type=integer,JSONPath=`.status.counts.unmatched`
// +kubebuilder:printcolumn:name="Synced",type=string,JSONPath=`.status.conditions[?(@.type=="Synced")].status`
// +kubebuilder:printcolumn:name="Last Sync",type=date,JSONPath=`.status.lastSyncTime`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`

// SyncPolicy says which PSA accounts and tool organizations take part, how names match, and
// whether unmatched records are created on the other side. Its name is the value of the
// accountsync.io/policy label on every mapping it generates, so it fits a label value.
// +kubebuilder:validation:XValidation:rule="size(self.metadata.name) <= 63",message="metadata.name must be at most 63 characters: it is the value of the accountsync.io/policy label on the mappings the policy generates"
type SyncPolicy struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   SyncPolicySpec   `json:"spec"`
	Status SyncPolicyStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// SyncPolicyList contains a list of SyncPolicy.
type SyncPolicyList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []SyncPolicy `json:"items"`
}

func init() {
	SchemeBuilder.Register(&SyncPolicy{}, &SyncPolicyList{})
}
