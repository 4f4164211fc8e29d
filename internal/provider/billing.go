package provider

import (
	"context"
	"time"
)

// Billing capabilities: the tool side reports a customer's usage, the PSA side holds the
// recurring billing line whose quantity the billing service sets (API.md "Services").

// Capability names of the billing service.
const (
	CapMonthlyUsage = "MonthlyUsage"
	CapBillingLines = "BillingLines"
)

// MonthlyUsageReader reads one organization's licensing counter for a month (GravityZone
// licensing.getMonthlyUsage). A counter the vendor does not report for the organization is 0.
type MonthlyUsageReader interface {
	MonthlyUsage(ctx context.Context, organizationID, counter string, month time.Time) (int64, error)
}

// BillingLineQuery says which line of which customer the billing service looks for.
type BillingLineQuery struct {
	AccountID string
	// Item is the line's product identifier (ConnectWise) or item code (HaloPSA).
	Item string
	// AgreementType narrows the ConnectWise agreements searched; empty means any active one.
	AgreementType string
}

// BillingLine is one recurring billing line of a customer.
type BillingLine struct {
	// ID is the line's id (ConnectWise addition id, HaloPSA invoice line id).
	ID string
	// AccountID is the customer the line bills.
	AccountID string
	// ContainerID is what holds the line (ConnectWise agreement id, HaloPSA recurring invoice id).
	ContainerID string
	Item        string
	Quantity    int64
	// Description names the line for people: "agreement 17, addition 301 (AV-SEAT)".
	Description string
}

// BillingLookup is what a search for a customer's line found.
type BillingLookup struct {
	// Line is the line, or nil when the customer has none for the item.
	Line *BillingLine
	// ContainerID is where a missing line would be added (the agreement or recurring invoice);
	// empty when the customer has none, so the line cannot be created either.
	ContainerID string
	// Container names it for people ("agreement 17", "recurring invoice 4").
	Container string
	// Searched names what was looked for, for a BillingLineMissing message.
	Searched string
}

// BillingLineManager finds a customer's billing line, sets its quantity, and adds a missing one.
// SetBillingQuantity writes an absolute value, so it is safe to resend; CreateBillingLine is not,
// and returns a KindUnknownOutcome error when the write may have happened.
type BillingLineManager interface {
	FindBillingLine(ctx context.Context, q BillingLineQuery) (BillingLookup, error)
	SetBillingQuantity(ctx context.Context, line BillingLine, quantity int64) (BillingLine, error)
	CreateBillingLine(ctx context.Context, q BillingLineQuery, containerID string, quantity int64) (BillingLine, error)
}

// CapabilityExplainer is implemented by a product that can say why it lacks a capability (a
// limit of the vendor's API), so a policy refused for asking it names the reason.
type CapabilityExplainer interface {
	Lacks(capability string) string
}
