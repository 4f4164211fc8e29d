package kaseyavsa

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// AddOrg stores o (assigning an id when o.ID is empty or not a decimal integer) together with
// its default machine group, and returns the stored record. It applies no uniqueness rule: tests
// use it to seed states the API itself would refuse to create.
func (s *Server) AddOrg(o Org) Org {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addOrgLocked(o)
}

func (s *Server) addOrgLocked(o Org) Org {
	if !isDecimal(o.ID) || s.idUsedLocked(o.ID) {
		o.ID = s.newIDLocked()
	}
	if o.DefaultDepartmentName == "" {
		o.DefaultDepartmentName = "root"
	}
	if o.DefaultMachineGroupName == "" {
		o.DefaultMachineGroupName = "root"
	}
	s.orgs = append(s.orgs, o)
	s.changed++
	if s.defaultGroupLocked(o.ID) == nil {
		s.addGroupLocked(MachineGroup{Name: o.DefaultMachineGroupName, OrgID: o.ID})
	}
	return o
}

// AddMachineGroup stores g (assigning an id when needed) and returns it.
func (s *Server) AddMachineGroup(g MachineGroup) MachineGroup {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addGroupLocked(g)
}

func (s *Server) addGroupLocked(g MachineGroup) MachineGroup {
	if !isDecimal(g.ID) || s.idUsedLocked(g.ID) {
		g.ID = s.newIDLocked()
	}
	s.groups = append(s.groups, g)
	s.changed++
	return g
}

// AddAgent stores a (assigning an id when needed, and the organization's default group when it
// names none) and returns it.
func (s *Server) AddAgent(a Agent) Agent {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !isDecimal(a.ID) || s.idUsedLocked(a.ID) {
		a.ID = s.newIDLocked()
	}
	if a.MachineGroupID == "" {
		if g := s.defaultGroupLocked(a.OrgID); g != nil {
			a.MachineGroupID = g.ID
		}
	}
	if g := s.groupLocked(a.MachineGroupID); g != nil {
		a.OrgID = g.OrgID
	}
	s.agents = append(s.agents, a)
	s.changed++
	return a
}

// Orgs returns a copy of every organization, in creation order.
func (s *Server) Orgs() []Org {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Org(nil), s.orgs...)
}

// MachineGroups returns a copy of every machine group, in creation order.
func (s *Server) MachineGroups() []MachineGroup {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]MachineGroup(nil), s.groups...)
}

// Agents returns a copy of every agent, in creation order.
func (s *Server) Agents() []Agent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Agent(nil), s.agents...)
}

func (s *Server) newIDLocked() string {
	for {
		id := strconv.FormatUint(s.nextID, 10)
		s.nextID++
		if !s.idUsedLocked(id) {
			return id
		}
	}
}

func (s *Server) idUsedLocked(id string) bool {
	for _, o := range s.orgs {
		if o.ID == id {
			return true
		}
	}
	for _, g := range s.groups {
		if g.ID == id {
			return true
		}
	}
	for _, a := range s.agents {
		if a.ID == id {
			return true
		}
	}
	return false
}

func (s *Server) orgLocked(id string) *Org {
	for i := range s.orgs {
		if s.orgs[i].ID == id {
			return &s.orgs[i]
		}
	}
	return nil
}

func (s *Server) groupLocked(id string) *MachineGroup {
	for i := range s.groups {
		if s.groups[i].ID == id {
			return &s.groups[i]
		}
	}
	return nil
}

// defaultGroupLocked is the organization's top-level group named after its
// DefaultMachineGroupName (the group every org is created with).
func (s *Server) defaultGroupLocked(orgID string) *MachineGroup {
	name := "root"
	if o := s.orgLocked(orgID); o != nil {
		name = o.DefaultMachineGroupName
	}
	for i := range s.groups {
		g := &s.groups[i]
		if g.OrgID == orgID && g.ParentID == "" && strings.EqualFold(g.Name, name) {
			return g
		}
	}
	return nil
}

// fullGroupNameLocked is VSA's dotted name: the group, its parents, then the org's reference
// ("sub.root.acme").
func (s *Server) fullGroupNameLocked(g *MachineGroup) string {
	parts := []string{g.Name}
	cur := g
	for depth := 0; cur.ParentID != "" && depth < 32; depth++ {
		p := s.groupLocked(cur.ParentID)
		if p == nil {
			break
		}
		parts = append(parts, p.Name)
		cur = p
	}
	if o := s.orgLocked(g.OrgID); o != nil {
		parts = append(parts, o.Ref)
	}
	return strings.Join(parts, ".")
}

// ---- wire records ------------------------------------------------------------------------

func (s *Server) orgRecordLocked(o Org) map[string]any {
	return map[string]any{
		"OrgId":                   json.Number(o.ID),
		"OrgName":                 o.Name,
		"OrgRef":                  o.Ref,
		"OrgType":                 nilIfEmpty(o.Type),
		"ParentOrgId":             numberOrNil(o.ParentID),
		"DefaultDepartmentName":   o.DefaultDepartmentName,
		"DefaultMachineGroupName": o.DefaultMachineGroupName,
		"Website":                 nilIfEmpty(o.Website),
		"NoOfEmployees":           nil,
		"AnnualRevenue":           nil,
		"ContactInfo":             contactRecord(o.Contact),
		"CustomFields":            []any{},
		"Attributes":              nil,
	}
}

func (s *Server) groupRecordLocked(g MachineGroup) map[string]any {
	return map[string]any{
		"MachineGroupId":       json.Number(g.ID),
		"MachineGroupName":     s.fullGroupNameLocked(&g),
		"OrgId":                json.Number(g.OrgID),
		"ParentMachineGroupId": numberOrNil(g.ParentID),
		"Attributes":           nil,
	}
}

func (s *Server) agentRecordLocked(a Agent) map[string]any {
	group := ""
	if g := s.groupLocked(a.MachineGroupID); g != nil {
		group = s.fullGroupNameLocked(g)
	}
	agentName := strings.ToLower(a.ComputerName)
	if group != "" {
		agentName += "." + group
	}
	return map[string]any{
		"AgentId":          json.Number(a.ID),
		"AgentName":        agentName,
		"ComputerName":     a.ComputerName,
		"Online":           a.Online,
		"OSType":           a.OSType,
		"OSInfo":           a.OSInfo,
		"OperatingSystem":  a.OperatingSystem,
		"OrgId":            numberOrNil(a.OrgID),
		"MachineGroupId":   numberOrNil(a.MachineGroupID),
		"MachineGroup":     group,
		"IPAddress":        a.IPAddress,
		"IPv6Address":      "",
		"LastLoggedInUser": a.LastLoggedInUser,
		"CurrentUser":      "",
		"Country":          "",
		"TimeZone":         "",
		"Attributes":       nil,
	}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func numberOrNil(id string) any {
	if !isDecimal(id) {
		return nil
	}
	return json.Number(id)
}

func isDecimal(s string) bool {
	if s == "" || len(s) > 28 { // VSA ids are .NET decimals: at most 28 digits
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// contactRecord is the Org model's ContactInfo object, null when the org has none.
func contactRecord(c *ContactInfo) any {
	if c == nil {
		return nil
	}
	return map[string]any{
		"PreferredContactMethod":  nil,
		"PrimaryPhone":            c.PrimaryPhone,
		"PrimaryFax":              "",
		"PrimaryEmail":            c.PrimaryEmail,
		"Country":                 c.Country,
		"Street":                  c.Street,
		"City":                    c.City,
		"State":                   c.State,
		"ZipCode":                 c.ZipCode,
		"PrimaryTextMessagePhone": "",
	}
}

// EditAgent changes an agent in place, as a technician renaming a machine or moving it to
// another machine group does; the organization follows the group.
func (s *Server) EditAgent(id string, edit func(*Agent)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.agents {
		if s.agents[i].ID == id {
			edit(&s.agents[i])
			s.agents[i].ID = id
			s.changed++
			if g := s.groupLocked(s.agents[i].MachineGroupID); g != nil {
				s.agents[i].OrgID = g.OrgID
			}
			return nil
		}
	}
	return fmt.Errorf("no agent %s", id)
}
