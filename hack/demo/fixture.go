package main

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/accountsync/accountsync-operator/internal/simulator/connectwise"
	"github.com/accountsync/accountsync-operator/internal/simulator/kaseyavsa"
	"github.com/accountsync/accountsync-operator/internal/simulator/vendors"
)

// fixtureYAML holds the credentials of every simulator and the small vendors' records.
//
//go:embed fixture.yaml
var fixtureYAML []byte

// The generated customer base: every name is "<prefix> <kind>", so the ConnectWise company list
// (all combinations) and the VSA organizations (a sample of them) overlap the way an MSP's PSA
// and RMM do. Changing these lists changes which organization plays which role below.
var (
	namePrefixes = []string{"Riverside", "Harbor", "Summit", "Oakridge", "Maple", "Cedar", "Lakeside",
		"Pinecrest", "Silverline", "Northgate", "Brightwater", "Redwood", "Granite", "Meadowbrook", "Ironwood"}
	nameKinds = []string{"Dental Group", "Law Partners", "Family Medicine", "Logistics", "Accounting",
		"Realty", "Veterinary Clinic", "Construction", "Insurance Agency", "Engineering", "Credit Union",
		"Architects", "Pharmacy", "Auto Group", "Physical Therapy", "Hospitality", "Manufacturing",
		"Academy", "Title & Escrow", "Orthodontics"}
)

const (
	// vsaOrgCount organizations are generated; organization k is customer vsaCustomer(k).
	vsaOrgCount = 36
	// IDs above 2^53, as a real VSA hands out: a client decoding them as float64 loses digits.
	vsaOrgIDBase   = 91000000000000000
	vsaGroupIDBase = 92000000000000000
	vsaAgentIDBase = 93000000000000000
)

// Roles of VSA organization k towards ConnectWise (see cwCompanies). Every other organization is
// an active client there, under a name that differs only in case or legal suffix.
const (
	orgManual       = 0  // linked to BMS by the manual AccountMapping acme-corp
	orgCWInactive   = 5  // its CW company is Inactive: the import meets a NameConflict
	orgCWProspect   = 12 // its CW company is a Prospect: NameConflict
	orgCWCreditHold = 20 // its CW company is on Credit Hold: NameConflict
	orgCWAmbiguous  = 23 // two active CW clients normalise to its name: flagged ambiguous
	orgCWMissing1   = 29 // no CW company, has agents: created in CW (createWhen Referenced)
	orgCWMissing2   = 31 // no CW company, no agents: left unmatched
	orgExcluded     = 35 // listed in vsa-to-connectwise's spec.exclude
)

// customerIndex is the index in the combined name space of VSA organization k: every eighth
// name, so organizations spread over all prefixes and kinds.
func customerIndex(k int) int { return 8*k + 3 }

func customerName(i int) string {
	return namePrefixes[i%len(namePrefixes)] + " " + nameKinds[i/len(namePrefixes)]
}

func vsaOrgID(k int) string { return fmt.Sprint(vsaOrgIDBase + k) }

// demoFixture is the embedded fixture with the generated VSA and ConnectWise records added.
func demoFixture() (vendors.File, error) {
	var f vendors.File
	if err := yaml.UnmarshalStrict(fixtureYAML, &f); err != nil {
		return f, fmt.Errorf("hack/demo/fixture.yaml: %w", err)
	}
	if f.KaseyaVSA == nil || f.ConnectWise == nil || f.KaseyaBMS == nil || f.HaloPSA == nil ||
		f.GravityZone == nil || f.CyberQP == nil {
		return f, fmt.Errorf("hack/demo/fixture.yaml: every vendor section is needed")
	}
	addVSA(&f.KaseyaVSA.Fixture)
	if err := addConnectWise(&f.ConnectWise.Fixture); err != nil {
		return f, err
	}
	return f, nil
}

// addVSA adds the organizations, machine groups and agents. Organization k gets its default
// "root" group plus a pattern of named groups (so GroupID locations differ per customer) and 0 to
// 6 agents spread over them; organizations without agents show createWhen: Referenced at work.
func addVSA(f *kaseyavsa.Fixture) {
	groupSets := [][]string{{"hq", "warehouse"}, {"main-office"}, {"clinic", "remote"}, nil}
	agentCounts := []int{4, 2, 5, 0, 3, 1, 6}
	groupID := vsaGroupIDBase
	agentID := vsaAgentIDBase
	for k := range vsaOrgCount {
		name := customerName(customerIndex(k))
		ref := slug(name)
		orgID := vsaOrgID(k)
		f.Orgs = append(f.Orgs, kaseyavsa.Org{ID: orgID, Name: name, Ref: ref, Type: "Customer"})
		// Groups are listed before the orgs are added (New adds groups first), so the explicit
		// "root" group becomes the organization's default group instead of a generated one.
		var groupIDs []string
		for _, g := range append([]string{"root"}, groupSets[k%len(groupSets)]...) {
			groupID++
			id := fmt.Sprint(groupID)
			f.MachineGroups = append(f.MachineGroups, kaseyavsa.MachineGroup{ID: id, Name: g, OrgID: orgID})
			if g != "root" {
				groupIDs = append(groupIDs, id)
			}
		}
		if len(groupIDs) == 0 {
			groupIDs = []string{fmt.Sprint(groupID)} // only root
		}
		n := agentCounts[k%len(agentCounts)]
		for j := range n {
			a := kaseyavsa.Agent{
				ComputerName:     fmt.Sprintf("%s-WS%02d", strings.ToUpper(initials(name)), j+1),
				MachineGroupID:   groupIDs[j%len(groupIDs)],
				OSType:           "Windows",
				OperatingSystem:  "Windows 11 Pro",
				IPAddress:        fmt.Sprintf("10.%d.0.%d", k+1, 10+j),
				LastLoggedInUser: fmt.Sprintf("user%02d", j+1),
				Online:           1,
			}
			if j == n-1 && n >= 5 {
				a.Online = 198 // suspended: still an asset, not billed
			}
			if j == 0 && n >= 3 {
				a.ComputerName = fmt.Sprintf("%s-SRV01", strings.ToUpper(initials(name)))
				a.OperatingSystem = "Windows Server 2022 Standard"
			}
			agentID++
			a.ID = fmt.Sprint(agentID)
			f.Agents = append(f.Agents, a)
			if j == 0 && k%3 == 0 {
				// Every third organization's first machine has an open alarm: the policy with
				// ticketing turns it into a ticket on the mapped ConnectWise company.
				f.Alarms = append(f.Alarms, kaseyavsa.Alarm{AgentID: a.ID, Subject: "Disk C: free space below 10%",
					Message: "Monitor set 'Disk space' raised an alarm.", Type: "Monitor"})
			}
		}
	}
}

// addConnectWise adds one company per name of the combined name space (300), with a status and
// type mix like a long-lived PSA: most are active clients, the rest prospects, vendors,
// partners, inactive or on credit hold, plus leftovers the policy's excludeNamePattern removes.
// The names of the VSA organizations get the role their index gives them above.
func addConnectWise(f *connectwise.Fixture) error {
	const (
		active, inactive, creditHold, notApproved = 17, 23, 31, 38
		prospect, vendor, partner, client         = 7, 9, 11, 42
	)
	// The service desk the ticketing service of vsa-to-connectwise writes to.
	f.Boards = append(f.Boards, connectwise.Board{Name: "Alerts", Statuses: []connectwise.BoardStatus{
		{Name: "New"}, {Name: "In Progress"}, {Name: "Closed", ClosedStatus: true}}})
	for _, p := range []string{"Low", "Medium", "High"} {
		f.Priorities = append(f.Priorities, connectwise.Priority{Name: p})
	}
	vsaRole := map[int]int{} // customer index -> VSA organization k
	for k := range vsaOrgCount {
		vsaRole[customerIndex(k)] = k
	}
	id := 19000
	agreement := 6000
	add := func(name string, status int, types ...int) {
		id++
		if status == active && slices.Contains(types, client) {
			// Billing (vsa-to-connectwise's services.billing): every active client has an
			// active agreement; every other one already bills AV-SEAT (quantity 1), the rest get
			// the addition created.
			agreement++
			f.Agreements = append(f.Agreements, connectwise.Agreement{ID: agreement, Name: "Managed Services",
				Company: &connectwise.Ref{ID: id}, Type: &connectwise.Ref{ID: 1, Name: "Managed Services"}})
			if agreement%2 == 0 {
				f.Additions = append(f.Additions, connectwise.Addition{AgreementID: agreement,
					Product: &connectwise.Ref{Identifier: "AV-SEAT"}, Quantity: 1, UnitPrice: 4.5})
			}
		}
		c := connectwise.Company{ID: id, Identifier: fmt.Sprintf("C%05d", id), Name: name,
			Status: &connectwise.Ref{ID: status}, City: "Tampa"}
		for _, t := range types {
			c.Types = append(c.Types, connectwise.Ref{ID: t})
		}
		f.Companies = append(f.Companies, c)
		// ConnectWise creates a primary site with every company; the simulator's seed does not,
		// and assets are placed at the main location, so seed one as CW would have it.
		f.Sites = append(f.Sites, connectwise.Site{Name: "Main", Company: &connectwise.Ref{ID: id}, City: "Tampa",
			PrimaryAddressFlag: true, DefaultBillingFlag: true, DefaultShippingFlag: true, DefaultMailingFlag: true})
	}
	total := len(namePrefixes) * len(nameKinds)
	for i := range total {
		name := customerName(i)
		if k, ok := vsaRole[i]; ok {
			switch k {
			case orgCWInactive:
				add(name, inactive, client)
			case orgCWProspect:
				add(name, active, prospect)
			case orgCWCreditHold:
				add(name, creditHold, client)
			case orgCWAmbiguous:
				add(name+", LLC", active, client)
				add(name+" Inc.", active, client)
			case orgCWMissing1, orgCWMissing2:
				// not a ConnectWise company
			default:
				// The same customer, as ConnectWise spells it: case and legal suffixes differ.
				switch k % 3 {
				case 0:
					add(name, active, client)
				case 1:
					add(name+", LLC", active, client)
				default:
					add(strings.ToUpper(name)+" INC", active, client)
				}
			}
			continue
		}
		switch i % 10 {
		case 0, 1, 2, 3, 4, 5:
			add(name, active, client)
		case 6:
			add(name, active, prospect)
		case 7:
			add(name, inactive, client)
		case 8:
			add(name, creditHold, client, partner)
		default:
			if i%20 == 9 {
				add(name, active, vendor)
			} else {
				add(name, notApproved, prospect)
			}
		}
	}
	// Leftovers every PSA has; spec.psa.filter.excludeNamePattern of vsa-to-connectwise drops them.
	add("ZZ Closed - Summit Realty", active, client)
	add("Harbor Accounting (duplicate)", active, client)
	return f.Validate()
}

// slug is a VSA OrgRef: lower-case words joined by '-'.
func slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// initials are the first letters of the words of name ("Oakridge Dental Group" -> "ODG").
func initials(name string) string {
	var b strings.Builder
	for _, w := range strings.Fields(name) {
		if c := w[0]; c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' {
			b.WriteByte(c)
		}
	}
	return b.String()
}
