package kaseyavsa

import (
	"context"
	"net/url"
	"strings"

	"github.com/accountsync/accountsync-operator/internal/provider"
)

type groupRecord struct {
	MachineGroupID   vsaID `json:"MachineGroupId"`
	MachineGroupName text  `json:"MachineGroupName"`
	OrgID            vsaID `json:"OrgId"`
}

// ListMachineGroups lists the machine groups of one organization. Names are the groups' own
// names (the first segment of VSA's dotted "group.org" form).
func (c *Client) ListMachineGroups(ctx context.Context, organizationID string) ([]provider.MachineGroup, error) {
	const op = "ListMachineGroups"
	if !isDecimalID(organizationID) {
		return nil, c.http.Errorf(provider.KindInvalid, op, 0, "organization id %q is not a VSA id", organizationID)
	}
	path := orgsPath + url.PathEscape(organizationID) + "/machinegroups/"
	rows, err := listAll[groupRecord](ctx, c, op, path, nil, "MachineGroupId")
	if err != nil {
		return nil, err
	}
	out := make([]provider.MachineGroup, len(rows))
	for i, r := range rows {
		orgID := string(r.OrgID)
		if orgID == "" {
			orgID = organizationID
		}
		out[i] = provider.MachineGroup{ID: string(r.MachineGroupID), Name: groupName(string(r.MachineGroupName)), OrganizationID: orgID}
	}
	return out, nil
}

// groupName is a group's own name: VSA writes groups as "group.org" and subgroups as
// "sub.group.org", and forbids dots inside a name, so it is the first dotted segment.
func groupName(dotted string) string {
	name, _, _ := strings.Cut(strings.TrimSpace(dotted), ".")
	return name
}
