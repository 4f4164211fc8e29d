package kaseyavsa

import (
	"context"
	"net/url"

	"github.com/accountsync/accountsync-operator/internal/provider"
)

type agentRecord struct {
	AgentID          vsaID `json:"AgentId"`
	AgentName        text  `json:"AgentName"`
	ComputerName     text  `json:"ComputerName"`
	OrgID            vsaID `json:"OrgId"`
	MachineGroup     text  `json:"MachineGroup"`
	OSType           text  `json:"OSType"`
	OSInfo           text  `json:"OSInfo"`
	OperatingSystem  text  `json:"OperatingSystem"`
	IPAddress        text  `json:"IPAddress"`
	LastLoggedInUser text  `json:"LastLoggedInUser"`
	// Online is 0 offline, 1/2/11/12 online, 198 suspended, 199 never checked in.
	Online vsaID `json:"Online"`
}

// Agent states the billing service does not count (services-apis.md, Kaseya VSA, H).
const (
	onlineSuspended      = "198"
	onlineNeverCheckedIn = "199"
)

func (r agentRecord) asset() provider.ToolAsset {
	name := string(r.ComputerName)
	if name == "" {
		name = groupName(string(r.AgentName)) // "machine.group.org" -> machine
	}
	return provider.ToolAsset{
		ID:             string(r.AgentID),
		Name:           name,
		OrganizationID: string(r.OrgID),
		MachineGroup:   groupName(string(r.MachineGroup)),
		OS:             firstNonEmpty(string(r.OperatingSystem), string(r.OSInfo), string(r.OSType)),
		IPAddress:      string(r.IPAddress),
		LastUser:       string(r.LastLoggedInUser),
		Dormant:        r.Online == onlineSuspended || r.Online == onlineNeverCheckedIn,
	}
}

// ListToolAssets lists VSA agents, all of them or those of one organization
// ($filter=OrgId eq {id}).
func (c *Client) ListToolAssets(ctx context.Context, organizationID string) ([]provider.ToolAsset, error) {
	const op = "ListToolAssets"
	var q url.Values
	if organizationID != "" {
		if !isDecimalID(organizationID) {
			return nil, c.http.Errorf(provider.KindInvalid, op, 0, "organization id %q is not a VSA id", organizationID)
		}
		q = url.Values{"$filter": {"OrgId eq " + organizationID}}
	}
	rows, err := listAll[agentRecord](ctx, c, op, apiRoot+"assetmgmt/agents/", q, "AgentId")
	if err != nil {
		return nil, err
	}
	out := make([]provider.ToolAsset, len(rows))
	for i, r := range rows {
		out[i] = r.asset()
	}
	return out, nil
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
