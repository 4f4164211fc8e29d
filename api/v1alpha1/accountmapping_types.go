package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// MappingState is the vendors' three states of a mapping (OK, Has events, N/A).
// +kubebuilder:validation:Enum=OK;HasEvents;NotAvailable
type MappingState string

const (
	// StateOK: linked and the last sync had no problem.
	StateOK MappingState = "OK"
	// StateHasEvents: linked but something failed (asset or user sync, a conflict, a vendor's
	// rate limit).
	StateHasEvents MappingState = "HasEvents"
	// StateNotAvailable: one side is missing or not yet created.
	StateNotAvailable MappingState = "NotAvailable"
)

// LocationMode says where a mapped organization's assets land in the PSA.
// +kubebuilder:validation:Enum=Main;GroupID;Custom
type LocationMode string

const (
	LocationMain    LocationMode = "Main"
	LocationGroupID LocationMode = "GroupID"
	LocationCustom  LocationMode = "Custom"
)

// AccountMappingSpec is one link between one tool organization and one PSA account.
// +kubebuilder:validation:XValidation:rule="!(has(self.psa.create) && self.psa.create && has(self.tool.create) && self.tool.create)",message="spec.psa.create and spec.tool.create cannot both be true: one side must name an existing record"
type AccountMappingSpec struct {
	// PolicyRef names the SyncPolicy that gives both connections and the defaults.
	PolicyRef LocalObjectReference `json:"policyRef"`
	// PSA names the PSA account, or asks for it to be created.
	PSA MappingPSA `json:"psa"`
	// Tool names the tool organization, or asks for it to be created.
	Tool MappingTool `json:"tool"`
	// Location says where this organization's assets land in the PSA account.
	// +kubebuilder:default={mode: Main}
	// +optional
	Location LocationMapping `json:"location,omitempty"`
	// Services says which integration services use this link: Billing pushes the tool's usage to
	// the PSA's recurring billing line, Ticketing turns the tool's alerts into PSA tickets. Each
	// works only when the policy's spec.services configures it.
	// +kubebuilder:default={billing: true, ticketing: true}
	// +optional
	Services Services `json:"services,omitempty"`
	// UserOverrides are a person's picks among several matching PSA users.
	// +listType=map
	// +listMapKey=toolUserID
	// +kubebuilder:validation:MaxItems=1000
	// +optional
	UserOverrides []UserOverride `json:"userOverrides,omitempty"`
	// Suspend stops syncing this mapping; its last state is kept.
	// +optional
	Suspend bool `json:"suspend,omitempty"`
}

// MappingPSA is the PSA side of a mapping: exactly one of accountID and create.
// +kubebuilder:validation:XValidation:rule="has(self.accountID) != (has(self.create) && self.create)",message="spec.psa: set exactly one of accountID and create"
type MappingPSA struct {
	// AccountID is the PSA account's id.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	// +optional
	AccountID string `json:"accountID,omitempty"`
	// Create makes the PSA account, named like the tool organization.
	// +optional
	Create bool `json:"create,omitempty"`
}

// MappingTool is the tool side of a mapping: exactly one of organizationID and create.
// +kubebuilder:validation:XValidation:rule="has(self.organizationID) != (has(self.create) && self.create)",message="spec.tool: set exactly one of organizationID and create"
type MappingTool struct {
	// OrganizationID is the tool organization's id.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	// +optional
	OrganizationID string `json:"organizationID,omitempty"`
	// Create makes the tool organization, named like the PSA account.
	// +optional
	Create bool `json:"create,omitempty"`
}

// LocationMapping says where assets land (Main / Group Id / Custom, as in Kaseya BMS).
// +kubebuilder:validation:XValidation:rule="self.mode == 'Custom' ? (has(self.custom) && size(self.custom) > 0) : !has(self.custom)",message="spec.location.custom is required when mode is Custom and forbidden otherwise"
type LocationMapping struct {
	// Mode: Main puts every asset at the account's main location. GroupID puts each asset at a
	// location named after its machine group, created in the PSA when missing and re-created at
	// the next sync when someone changed it. Custom maps listed machine groups to a location and
	// optional department; assets of unlisted groups take the main location, and department
	// values written by hand on mapped assets are overwritten.
	// +kubebuilder:default=Main
	// +optional
	Mode LocationMode `json:"mode,omitempty"`
	// Custom lists machine group → location (and department) rules; only with mode Custom.
	// +listType=map
	// +listMapKey=machineGroup
	// +kubebuilder:validation:MaxItems=500
	// +optional
	Custom []CustomLocation `json:"custom,omitempty"`
}

// CustomLocation maps one machine group to a location and optional department.
type CustomLocation struct {
	// MachineGroup is the tool's machine group name.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	MachineGroup string `json:"machineGroup"`
	// Location is the PSA location name; it must exist (active) in the account.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	Location string `json:"location"`
	// Department is the PSA department name (optional).
	// +kubebuilder:validation:MaxLength=255
	// +optional
	Department string `json:"department,omitempty"`
}

// Services are the integration services using a link.
type Services struct {
	// Billing: the recurrent billing service uses this link.
	// +optional
	Billing bool `json:"billing"`
	// Ticketing: the ticketing service uses this link.
	// +optional
	Ticketing bool `json:"ticketing"`
}

// UserOverride pins one tool user to one PSA user.
type UserOverride struct {
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	ToolUserID string `json:"toolUserID"`
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	PSAUserID string `json:"psaUserID"`
}

// AccountMappingStatus is what the mapping controller found and did.
type AccountMappingStatus struct {
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// State: OK, HasEvents or NotAvailable (the vendors' OK / Has events / N/A).
	// +optional
	State MappingState `json:"state,omitempty"`
	// Conditions: Ready (reasons Linked, Suggested, Creating, PSAAccountMissing,
	// ToolOrganizationMissing, Conflict, ConnectionNotReady, AssetSyncFailed, UserSyncFailed,
	// NameConflict, PolicyNotFound, Suspended (on the mapping or its policy), SuspectSnapshot,
	// RateLimited: the vendor asked to wait, the message says until when), and Billing and
	// Ticketing for the enabled services.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
	// PSAAccount is the linked PSA account.
	// +optional
	PSAAccount *RecordRef `json:"psaAccount,omitempty"`
	// ToolOrganization is the linked tool organization.
	// +optional
	ToolOrganization *RecordRef `json:"toolOrganization,omitempty"`
	// PendingCreate records a create before it is sent, so that after an unknown outcome (a
	// timeout, a crash) the controller looks the name up again instead of creating twice.
	// +optional
	PendingCreate *CreateIntent `json:"pendingCreate,omitempty"`
	// LastHandledSyncRequest echoes the accountsync.io/sync-requested-at value last handled.
	// +optional
	LastHandledSyncRequest string `json:"lastHandledSyncRequest,omitempty"`
	// Assets of this link as they are now (not what the last sync did, so a sync that changes
	// nothing leaves the mapping unwritten).
	// +optional
	Assets *AssetCounts `json:"assets,omitempty"`
	// Users of this link as they are now.
	// +optional
	Users *UserCounts `json:"users,omitempty"`
	// UserLinks are the current tool user → PSA user links: the first 1000 by tool user id
	// (users.matched counts them all).
	// +listType=map
	// +listMapKey=toolUserID
	// +kubebuilder:validation:MaxItems=1000
	// +optional
	UserLinks []UserOverride `json:"userLinks,omitempty"`
	// AmbiguousUsers are the first 10 tool users (by id) with several candidate PSA users, each
	// with its first 5 candidates, for a person to decide with spec.userOverrides.
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=10
	// +optional
	AmbiguousUsers []AmbiguousUser `json:"ambiguousUsers,omitempty"`
	// RecentEvents are the last 10 problems, newest first.
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=10
	// +optional
	RecentEvents []MappingEvent `json:"recentEvents,omitempty"`
	// Services shows what the enabled integration services last did for this link (only the
	// services enabled on both the policy and the mapping).
	// +optional
	Services *MappingServicesStatus `json:"services,omitempty"`
}

// AmbiguousUser is a tool user matching several PSA users on the deciding key.
type AmbiguousUser struct {
	ToolUserID string `json:"toolUserID"`
	// +optional
	Name string `json:"name,omitempty"`
	// Candidates are PSA users in the PSA's listing order (the first 5).
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=5
	Candidates []UserRef `json:"candidates"`
}

// UserRef names one end user: enough for a person to tell candidates apart.
type UserRef struct {
	ID string `json:"id"`
	// +optional
	Name string `json:"name,omitempty"`
	// +optional
	Email string `json:"email,omitempty"`
}

// CreateIntent is a create about to be (or being) sent.
type CreateIntent struct {
	// Side where the record is created.
	Side Side `json:"side"`
	// Name the record is created with.
	Name string `json:"name"`
	// Since is when the intent was first recorded.
	Since metav1.Time `json:"since"`
}

// AssetCounts count the assets of a link.
type AssetCounts struct {
	// Total is the number of the organization's tool assets now.
	Total int32 `json:"total"`
	// Created is the number of PSA assets this mapping has created, over its life.
	Created int32 `json:"created"`
	// Updated is the number of PSA asset updates this mapping has made, over its life.
	Updated int32 `json:"updated"`
	// Unchanged is the number of tool assets whose PSA asset matches the tool now (total minus
	// failed).
	Unchanged int32 `json:"unchanged"`
	// Failed is the number of tool assets that could not be placed or written at the last sync.
	Failed int32 `json:"failed"`
}

// UserCounts count the end users of a link.
type UserCounts struct {
	// Matched is the number of tool users linked to a PSA user now (created ones included).
	Matched int32 `json:"matched"`
	// Ambiguous is the number of tool users with several candidate PSA users now.
	Ambiguous int32 `json:"ambiguous"`
	// Unmatched is the number of tool users with no PSA user now.
	Unmatched int32 `json:"unmatched"`
	// Created is the number of PSA users this mapping has created, over its life.
	Created int32 `json:"created"`
}

// MappingEvent is one recent problem.
type MappingEvent struct {
	Time    metav1.Time `json:"time"`
	Reason  string      `json:"reason"`
	Message string      `json:"message"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=am,categories=accountsync
// +kubebuilder:printcolumn:name="Tool Org",type=string,JSONPath=`.status.toolOrganization.name`
// +kubebuilder:printcolumn:name="PSA Account",type=string,JSONPath=`.status.psaAccount.name`
// +kubebuilder:printcolumn:name="State",type=string,JSONPath=`.status.state`
// +kubebuilder:printcolumn:name="Location",type=string,JSONPath=`.spec.location.mode`
// +kubebuilder:printcolumn:name="Assets",type=integer,JSONPath=`.status.assets.total`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:selectablefield:JSONPath=`.status.state`
// +kubebuilder:selectablefield:JSONPath=`.spec.policyRef.name`
// +kubebuilder:selectablefield:JSONPath=`.status.psaAccount.id`
// +kubebuilder:selectablefield:JSONPath=`.status.toolOrganization.id`

// AccountMapping links one tool organization to one PSA account. A person may write one (a
// manual mapping, kept in Git); a SyncPolicy generates the rest (label accountsync.io/policy and
// a controller ownerReference). No controller changes or deletes a manual mapping.
type AccountMapping struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   AccountMappingSpec   `json:"spec"`
	Status AccountMappingStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// AccountMappingList contains a list of AccountMapping.
type AccountMappingList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []AccountMapping `json:"items"`
}

func init() {
	SchemeBuilder.Register(&AccountMapping{}, &AccountMappingList{})
}
