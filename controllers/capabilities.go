package controllers

import (
	"fmt"
	"strings"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/provider"
)

// capabilityNeed is one capability a policy's spec asks of one side.
type capabilityNeed struct {
	side       v1alpha1.Side
	capability string
	field      string // the spec setting that asks for it, as a person wrote it
}

// missingCapabilities lists, in spec order, the capabilities the policy asks of its two
// products that they do not offer, each as "<field> needs <capability>, which <product> does
// not offer". It is derived from the capability interfaces alone (provider.Has), so a product
// gains or loses a use by implementing an interface, never by a special case here. An empty
// result means every setting can work.
func missingCapabilities(spec *v1alpha1.SyncPolicySpec, psa, tool provider.Client) []string {
	needs := []capabilityNeed{
		{v1alpha1.SidePSA, provider.CapListAccounts, "a sync"},
		{v1alpha1.SideTool, provider.CapListOrganizations, "a sync"},
	}
	need := func(side v1alpha1.Side, field string, caps ...string) {
		for _, c := range caps {
			needs = append(needs, capabilityNeed{side, c, field})
		}
	}
	mode := fmt.Sprintf("spec.mode %s", spec.Mode)
	if spec.Mode.Imports() {
		need(v1alpha1.SidePSA, mode, provider.CapFindAccounts, provider.CapCreateAccount)
	}
	if spec.Mode.Exports() {
		need(v1alpha1.SideTool, mode, provider.CapFindOrganizations, provider.CapCreateOrganization)
	}
	if f := spec.PSA.Filter; len(f.Statuses) > 0 || len(f.Types) > 0 {
		need(v1alpha1.SidePSA, "spec.psa.filter statuses/types", provider.CapStatusesAndTypes)
	}
	if spec.CreateWhen == v1alpha1.CreateReferenced && !alertsReference(spec, tool) {
		need(v1alpha1.SideTool, "spec.createWhen Referenced", provider.CapListToolAssets)
	}
	if spec.Assets.Enabled {
		need(v1alpha1.SideTool, "spec.assets.enabled", provider.CapListToolAssets)
		need(v1alpha1.SidePSA, "spec.assets.enabled", provider.CapLocations, provider.CapAssets)
	}
	if spec.Users.Enabled {
		need(v1alpha1.SideTool, "spec.users.enabled", provider.CapListUsers)
		need(v1alpha1.SidePSA, "spec.users.enabled", provider.CapListUsers)
		if spec.Users.CreateMissing {
			need(v1alpha1.SidePSA, "spec.users.createMissing", provider.CapCreateUser)
		}
	}
	if b := spec.Services.Billing; b != nil {
		field := "spec.services.billing"
		need(v1alpha1.SidePSA, field, provider.CapBillingLines)
		need(v1alpha1.SideTool, fmt.Sprintf("%s.usage %s", field, b.Usage), billingUsageCapability(b.Usage))
	}
	if spec.Services.Ticketing != nil {
		// CyberQP has no alert API: a ticketing policy on it is refused, never a silent no-op.
		need(v1alpha1.SideTool, "spec.services.ticketing", provider.CapAlerts)
		need(v1alpha1.SidePSA, "spec.services.ticketing", provider.CapTickets)
	}
	var out []string
	for _, n := range needs {
		cl := psa
		if n.side == v1alpha1.SideTool {
			cl = tool
		}
		if !provider.Has(cl, n.capability) {
			msg := fmt.Sprintf("%s needs %s, which %s does not offer", n.field, n.capability, cl.Provider())
			if ex, ok := cl.(provider.CapabilityExplainer); ok {
				if why := ex.Lacks(n.capability); why != "" {
					msg += ": " + why
				}
			}
			out = append(out, msg)
		}
	}
	return out
}

// capabilityMessage is the Ready message of a policy asking for what its products lack.
func capabilityMessage(missing []string) string {
	return "the policy asks for what its connections cannot do: " + strings.Join(missing, "; ")
}

// billingUsageCapability is what the tool must offer to count spec.services.billing.usage:
// Agents from its agent (asset) listing, Endpoints from its monthly licensing usage, Users from
// its user listing.
func billingUsageCapability(u v1alpha1.BillingUsage) string {
	switch u {
	case v1alpha1.UsageAgents:
		return provider.CapListToolAssets
	case v1alpha1.UsageEndpoints:
		return provider.CapMonthlyUsage
	default:
		return provider.CapListUsers
	}
}

// alertsReference reports whether the tool's alerts reference its organizations for
// createWhen Referenced: the policy tickets them and the tool has alerts, so an organization
// with an alert counts as referenced even when the tool has no assets (GravityZone).
func alertsReference(spec *v1alpha1.SyncPolicySpec, tool provider.Client) bool {
	return spec.Services.Ticketing != nil && provider.Has(tool, provider.CapAlerts) && !provider.Has(tool, provider.CapListToolAssets)
}
