package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// PolicyServices configures the integration services of a policy's pair (recurrent
// billing and ticketing). Each mapping's spec.services says whether it takes part.
type PolicyServices struct {
	// Billing pushes each mapped customer's tool usage to the quantity of its PSA recurring
	// billing line. Absent: no billing for this policy.
	// +optional
	Billing *BillingService `json:"billing,omitempty"`
	// Ticketing turns the tool's alerts into PSA tickets on the mapped account, one ticket per
	// alert. Absent: no tickets for this policy.
	// +optional
	Ticketing *TicketingService `json:"ticketing,omitempty"`
}

// BillingUsage is what the tool counts per organization.
// +kubebuilder:validation:Enum=Agents;Endpoints;Users
type BillingUsage string

const (
	// UsageAgents: Kaseya VSA agents, suspended and never-checked-in agents excluded.
	UsageAgents BillingUsage = "Agents"
	// UsageEndpoints: a GravityZone monthly-usage counter (spec.services.billing.counter).
	UsageEndpoints BillingUsage = "Endpoints"
	// UsageUsers: CyberQP end users.
	UsageUsers BillingUsage = "Users"
)

// BillingMonth chooses the month a GravityZone monthly-usage counter is read for.
// +kubebuilder:validation:Enum=Current;Previous
type BillingMonth string

const (
	MonthCurrent  BillingMonth = "Current"
	MonthPrevious BillingMonth = "Previous"
)

// LineMissingPolicy chooses what happens when a customer has no PSA line for the item.
// +kubebuilder:validation:Enum=Report;Create
type LineMissingPolicy string

const (
	// LineMissingReport leaves the mapping HasEvents with reason BillingLineMissing.
	LineMissingReport LineMissingPolicy = "Report"
	// LineMissingCreate adds the line once, looked up first like any create.
	LineMissingCreate LineMissingPolicy = "Create"
)

// BillingService sets the quantity of each mapped customer's PSA billing line to the tool's usage.
type BillingService struct {
	// Usage is what the tool counts per organization: Agents (Kaseya VSA), Endpoints
	// (GravityZone monthly usage) or Users (CyberQP end users).
	Usage BillingUsage `json:"usage"`
	// Counter is the GravityZone monthly-usage counter to bill (Endpoints only), for example
	// endpointMonthlyUsage or edrMonthlyUsage.
	// +kubebuilder:default=endpointMonthlyUsage
	// +kubebuilder:validation:MaxLength=100
	// +optional
	Counter string `json:"counter,omitempty"`
	// Month: Current, or Previous to bill in arrears (GravityZone monthly usage).
	// +kubebuilder:default=Current
	// +optional
	Month BillingMonth `json:"month,omitempty"`
	// PSAItem identifies the PSA line to set: the ConnectWise agreement-addition product
	// identifier, or the HaloPSA recurring-invoice line item code.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=100
	PSAItem string `json:"psaItem"`
	// AgreementType (ConnectWise only, optional) names the agreement type of the active agreement
	// that holds the line, when a company has several active agreements.
	// +kubebuilder:validation:MaxLength=100
	// +optional
	AgreementType string `json:"agreementType,omitempty"`
	// WhenLineMissing: Report (the mapping has events, reason BillingLineMissing) or Create (the
	// line is added once).
	// +kubebuilder:default=Report
	// +optional
	WhenLineMissing LineMissingPolicy `json:"whenLineMissing,omitempty"`
	// Interval between billing runs; sync-now on the policy runs one at once.
	// +kubebuilder:default="24h"
	// +optional
	Interval Duration `json:"interval,omitempty"`
}

// TicketSource is where tickets come from.
// +kubebuilder:validation:Enum=Alerts
type TicketSource string

// SourceAlerts: Kaseya VSA alarms or GravityZone incidents.
const SourceAlerts TicketSource = "Alerts"

// AlertSeverity is the lowest alert severity that becomes a ticket.
// +kubebuilder:validation:Enum=Low;Medium;High;Critical
type AlertSeverity string

const (
	SeverityLow      AlertSeverity = "Low"
	SeverityMedium   AlertSeverity = "Medium"
	SeverityHigh     AlertSeverity = "High"
	SeverityCritical AlertSeverity = "Critical"
)

// TicketingService turns the tool's alerts into PSA tickets on the mapped accounts.
type TicketingService struct {
	// Source of the tickets: Alerts (Kaseya VSA open alarms, GravityZone incidents).
	// +kubebuilder:default=Alerts
	// +optional
	Source TicketSource `json:"source,omitempty"`
	// MinSeverity: GravityZone incidents below it are ignored.
	// +kubebuilder:default=Medium
	// +optional
	MinSeverity AlertSeverity `json:"minSeverity,omitempty"`
	// Target names where tickets go, resolved by name in the PSA.
	// +optional
	Target TicketTarget `json:"target,omitempty"`
	// CloseWhenResolved adds a note and sets the PSA's closed status on the ticket when its alert
	// clears.
	// +kubebuilder:default=true
	// +optional
	CloseWhenResolved bool `json:"closeWhenResolved"`
	// MaxNewTicketsPerSync is the flood gate: beyond it, one account's new alerts of one run
	// become a single roll-up ticket listing them.
	// +kubebuilder:default=20
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	// +optional
	MaxNewTicketsPerSync int32 `json:"maxNewTicketsPerSync,omitempty"`
	// Interval between ticketing runs; sync-now on the policy runs one at once.
	// +kubebuilder:default="5m"
	// +optional
	Interval Duration `json:"interval,omitempty"`
}

// TicketTarget names where tickets go, per PSA: ConnectWise board/status/priority; HaloPSA ticket
// type/status/priority; Kaseya BMS queue/status/priority.
type TicketTarget struct {
	// Board is the ConnectWise service board, or the Kaseya BMS queue.
	// +kubebuilder:validation:MaxLength=100
	// +optional
	Board string `json:"board,omitempty"`
	// Status given to a new ticket.
	// +kubebuilder:validation:MaxLength=100
	// +optional
	Status string `json:"status,omitempty"`
	// Priority given to a new ticket.
	// +kubebuilder:validation:MaxLength=100
	// +optional
	Priority string `json:"priority,omitempty"`
	// Type is the HaloPSA ticket type (a name), or the Kaseya BMS ticket type id (BMS offers no
	// look-up of ticket types).
	// +kubebuilder:validation:MaxLength=100
	// +optional
	Type string `json:"type,omitempty"`
	// Source is the Kaseya BMS ticket source id a new ticket gets (required there; BMS offers
	// no look-up of sources). Not used by other PSAs.
	// +kubebuilder:validation:MaxLength=20
	// +optional
	Source string `json:"source,omitempty"`
	// NoteType is the Kaseya BMS note type id of the note added when an alert clears (BMS
	// offers no look-up of note types). Not used by other PSAs.
	// +kubebuilder:validation:MaxLength=20
	// +optional
	NoteType string `json:"noteType,omitempty"`
}

// MappingServicesStatus is what the enabled services last did for one link.
type MappingServicesStatus struct {
	// +optional
	Billing *BillingStatus `json:"billing,omitempty"`
	// +optional
	Ticketing *TicketingStatus `json:"ticketing,omitempty"`
}

// BillingStatus shows the tool's figure beside the PSA's quantity.
type BillingStatus struct {
	// Usage is the tool's figure at the last billing run.
	// +optional
	Usage *int64 `json:"usage,omitempty"`
	// Quantity is the PSA line's quantity after the last billing run.
	// +optional
	Quantity *int64 `json:"quantity,omitempty"`
	// Line names the PSA line that holds the quantity.
	// +kubebuilder:validation:MaxLength=256
	// +optional
	Line string `json:"line,omitempty"`
	// LastPushTime is when a quantity was last written to the PSA.
	// +optional
	LastPushTime *metav1.Time `json:"lastPushTime,omitempty"`
	// Message says what went wrong at the last run; empty when it went well.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	Message string `json:"message,omitempty"`
}

// TicketingStatus counts the tickets made for one link.
type TicketingStatus struct {
	// OpenTickets is the number of PSA tickets this service opened that are still open.
	// +optional
	OpenTickets int32 `json:"openTickets"`
	// Created is the number of tickets this service has created for the link, ever.
	// +optional
	Created int32 `json:"created"`
	// LastAlertTime is the time of the newest alert seen for the link.
	// +optional
	LastAlertTime *metav1.Time `json:"lastAlertTime,omitempty"`
	// Message says what went wrong at the last run; empty when it went well.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	Message string `json:"message,omitempty"`
}

// Condition types a service sets on an AccountMapping beside Ready. A False one makes a linked
// mapping HasEvents and keeps the link.
const (
	ConditionBilling   = "Billing"
	ConditionTicketing = "Ticketing"
)

// Plan actions of the services (a dry run lists them in status.plan).
const (
	ActionSetBillingQuantity PlanAction = "SetBillingQuantity"
	ActionCreateTicket       PlanAction = "CreateTicket"
	ActionCloseTicket        PlanAction = "CloseTicket"
)

// PolicyServicesStatus summarises the last run of each enabled service of a policy.
type PolicyServicesStatus struct {
	// +optional
	Billing *ServiceRun `json:"billing,omitempty"`
	// +optional
	Ticketing *ServiceRun `json:"ticketing,omitempty"`
}

// ServiceRun is what one run of a service did over all mappings of a policy.
type ServiceRun struct {
	// LastRunTime is when the last run finished.
	// +optional
	LastRunTime *metav1.Time `json:"lastRunTime,omitempty"`
	// NextRunTime is when the next run is due.
	// +optional
	NextRunTime *metav1.Time `json:"nextRunTime,omitempty"`
	// Mappings is how many linked mappings took part.
	// +optional
	Mappings int32 `json:"mappings"`
	// Changed counts what the last run wrote: quantities set, or tickets created and closed.
	// +optional
	Changed int32 `json:"changed"`
	// Failed counts the mappings whose part of the last run failed.
	// +optional
	Failed int32 `json:"failed"`
	// APICalls counts the last run's outbound vendor calls per side.
	// +optional
	APICalls APICalls `json:"apiCalls,omitempty"`
	// Message says what went wrong with the run as a whole; empty when it went well.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	Message string `json:"message,omitempty"`
}
