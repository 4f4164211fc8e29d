package kaseyabms

import "github.com/accountsync/accountsync-operator/internal/provider"

var _ provider.CapabilityExplainer = (*Client)(nil)

// Lacks explains the capabilities Kaseya BMS cannot offer. BillingLines: the v2 API can add a
// recurring service to a contract but has no call that lists a contract's services or changes
// their Units (services-apis.md, H from the swagger), so a quantity cannot be kept in place; a
// line added per run would bill twice.
func (c *Client) Lacks(capability string) string {
	if capability == provider.CapBillingLines {
		return "the Kaseya BMS v2 API has no call that lists a contract's recurring services or changes their Units, so a billing quantity cannot be set"
	}
	return ""
}
