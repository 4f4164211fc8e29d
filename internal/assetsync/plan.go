package assetsync

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/provider"
)

// Problem reasons. They are short CamelCase words so a controller can copy them into
// status.recentEvents and Kubernetes events unchanged.
const (
	// ReasonNoMainLocation: the asset needs the account's main location and the account has none.
	ReasonNoMainLocation = "NoMainLocation"
	// ReasonLocationNotFound: a Custom rule names a location the account does not have.
	ReasonLocationNotFound = "LocationNotFound"
	// ReasonDepartmentsUnsupported: a Custom rule names a department and the PSA has none.
	ReasonDepartmentsUnsupported = "DepartmentsUnsupported"
	// ReasonInvalidToolAsset: the tool listed an asset without an id, which cannot be keyed.
	ReasonInvalidToolAsset = "InvalidToolAsset"
	// ReasonDuplicateToolAsset: the tool listed one asset id more than once.
	ReasonDuplicateToolAsset = "DuplicateToolAsset"
	// ReasonDuplicatePSAAsset: several PSA assets carry the asset's external key (a warning: the
	// asset is still synced).
	ReasonDuplicatePSAAsset = "DuplicatePSAAsset"
	// ReasonLocationCreateFailed: the location the asset needs could not be created.
	ReasonLocationCreateFailed = "LocationCreateFailed"
	// ReasonDepartmentCreateFailed: the department the asset needs could not be created.
	ReasonDepartmentCreateFailed = "DepartmentCreateFailed"
	// ReasonAssetCreateFailed: the PSA refused or failed the asset create.
	ReasonAssetCreateFailed = "AssetCreateFailed"
	// ReasonAssetUpdateFailed: the PSA refused or failed the asset update.
	ReasonAssetUpdateFailed = "AssetUpdateFailed"
)

// Input is one listing of each side for one mapping.
type Input struct {
	// Location is the mapping's spec.location; an empty mode means Main, the CRD default.
	Location v1alpha1.LocationMapping
	// AccountID is the mapped PSA account; created assets are placed in it.
	AccountID string
	// ToolAssets are the assets of the mapped tool organization.
	ToolAssets []provider.ToolAsset
	// PSAAssets are the assets of the mapped PSA account.
	PSAAssets []provider.PSAAsset
	// Locations are the account's locations.
	Locations []provider.Location
	// Departments are the account's departments; nil when the PSA has no departments, which
	// is different from an account that has none yet (empty, non-nil).
	Departments []provider.Department
	// Stored says which optional fields the PSA keeps; nil means all of them.
	Stored *provider.AssetFields
}

// AssetWrite is one planned create or update. The embedded PSAAsset is the full record to send.
//
// LocationName always names the target location so a dry-run plan reads well. When that
// location is still to be created (it is in Result.CreateLocations) LocationID is empty and
// Apply fills it from the created record. DepartmentName works the same way against
// Result.CreateDepartments; an empty DepartmentName with an empty DepartmentID clears the
// department, and an empty DepartmentName with a DepartmentID keeps a department the tool
// does not own.
type AssetWrite struct {
	provider.PSAAsset
	LocationName   string
	DepartmentName string
}

// Result is what one sync of one mapping should change in the PSA.
type Result struct {
	// CreateLocations are GroupID location names missing in the account: trimmed, deduplicated
	// case-insensitively (the byte-wise smallest spelling wins) and sorted.
	CreateLocations []string
	// CreateDepartments are Custom department names missing in the account, on a PSA with
	// departments; same normalisation as CreateLocations.
	CreateDepartments []string
	// Creates are tool assets without a PSA asset, in tool asset id order.
	Creates []AssetWrite
	// Updates are PSA assets with an owned field that differs, in tool asset id order.
	Updates []AssetWrite
	// Unchanged counts tool assets whose PSA asset already matches.
	Unchanged int
	// Problems are the reasons some assets cannot be written, plus warnings; see the Reason*
	// constants.
	Problems []Problem
}

// Problem is one thing a person may need to look at.
type Problem struct {
	// AssetID is the tool asset concerned; empty when the problem concerns a rule.
	AssetID string
	// Reason is one of the Reason* constants.
	Reason string
	// Message says what is wrong in words a person can act on.
	Message string
	// Err is the vendor's error behind a failed write, if any: the caller reads its Retry-After.
	Err error
}

// HasWrites reports whether applying the result would change anything in the PSA.
func (r Result) HasWrites() bool {
	return len(r.CreateLocations)+len(r.CreateDepartments)+len(r.Creates)+len(r.Updates) > 0
}

// Plan decides the asset writes for one mapping. It calls nothing and returns an error only
// for input no valid AccountMapping can produce; everything wrong with the data is a Problem.
func Plan(in Input) (Result, error) {
	mode := in.Location.Mode
	if mode == "" {
		mode = v1alpha1.LocationMain
	}
	switch mode {
	case v1alpha1.LocationMain, v1alpha1.LocationGroupID, v1alpha1.LocationCustom:
	default:
		return Result{}, fmt.Errorf("assetsync: unknown location mode %q", in.Location.Mode)
	}
	if strings.TrimSpace(in.AccountID) == "" {
		return Result{}, errors.New("assetsync: account id is empty")
	}

	p := newPlanner(in, mode)
	var res Result
	if mode == v1alpha1.LocationCustom {
		res.Problems = p.ruleProblems()
	}

	// Tool assets are taken in id order so Result does not depend on listing order. Sorting
	// positions leaves the caller's slice alone without copying every record, and the sort is
	// stable so that, of two listings of one id, the tool's first is the one synced.
	order := make([]int, len(in.ToolAssets))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int { return compareIDs(in.ToolAssets[i].ID, in.ToolAssets[j].ID) })
	// Assets without a PSA record are all creates on a first sync, the common large case;
	// sizing for them avoids regrowing a slice of large records.
	if n := len(order) - len(p.psaByKey); n > 0 {
		res.Creates = make([]AssetWrite, 0, n)
	}
	seen := make(map[string]struct{}, len(order))
	for _, i := range order {
		a := in.ToolAssets[i]
		if a.ID == "" {
			res.Problems = append(res.Problems, Problem{Reason: ReasonInvalidToolAsset,
				Message: fmt.Sprintf("tool asset %q has no id, so it cannot be matched to a PSA asset", a.Name)})
			continue
		}
		if _, dup := seen[a.ID]; dup {
			res.Problems = append(res.Problems, Problem{AssetID: a.ID, Reason: ReasonDuplicateToolAsset,
				Message: fmt.Sprintf("the tool lists asset %s more than once; only the first listing is synced", a.ID)})
			continue
		}
		seen[a.ID] = struct{}{}

		t, prob := p.target(a)
		if prob != nil {
			res.Problems = append(res.Problems, *prob)
			continue
		}
		if dups := p.duplicates[a.ID]; len(dups) > 0 {
			res.Problems = append(res.Problems, Problem{AssetID: a.ID, Reason: ReasonDuplicatePSAAsset,
				Message: fmt.Sprintf("PSA assets %s all carry external key %s; asset %s is kept in sync and the others are left for a person to remove",
					strings.Join(dups, ", "), a.ID, in.PSAAssets[p.psaByKey[a.ID]].ID)})
		}

		at, found := p.psaByKey[a.ID]
		if !found {
			res.Creates = append(res.Creates, p.create(a, t))
			continue
		}
		if w, changed := p.update(in.PSAAssets[at], a, t); changed {
			res.Updates = append(res.Updates, w)
		} else {
			res.Unchanged++
		}
	}

	// A pending name may have been spelled differently by different machine groups ("HQ",
	// "hq"); every write and the create list use the one spelling chosen for that name.
	for i := range res.Creates {
		p.canonicalise(&res.Creates[i])
	}
	for i := range res.Updates {
		p.canonicalise(&res.Updates[i])
	}
	res.CreateLocations = slices.Sorted(maps.Values(p.pendingLocations))
	res.CreateDepartments = slices.Sorted(maps.Values(p.pendingDepartments))
	return res, nil
}

// target is where one asset should be: a location (by id, or by name when still to be created)
// and, when the tool owns the department, a department.
type target struct {
	locationID, locationName     string
	ownsDepartment               bool
	departmentID, departmentName string
}

type rule struct {
	machineGroup, location, department string
}

type planner struct {
	in                 Input
	mode               v1alpha1.LocationMode
	hasDepartments     bool
	main               *provider.Location
	locations          map[string]provider.Location
	departments        map[string]provider.Department
	rules              map[string]rule
	psaByKey           map[string]int      // external key → index in Input.PSAAssets (a record is too big to copy into a map)
	duplicates         map[string][]string // external key → ids of every PSA asset with that key
	pendingLocations   map[string]string   // name key → spelling to create
	pendingDepartments map[string]string
	keys               map[string]string // nameKey memo: thousands of assets share a few group names
}

func (p *planner) key(s string) string {
	k, ok := p.keys[s]
	if !ok {
		k = nameKey(s)
		p.keys[s] = k
	}
	return k
}

func newPlanner(in Input, mode v1alpha1.LocationMode) *planner {
	p := &planner{
		in:                 in,
		mode:               mode,
		hasDepartments:     in.Departments != nil,
		locations:          make(map[string]provider.Location, len(in.Locations)),
		departments:        make(map[string]provider.Department, len(in.Departments)),
		rules:              make(map[string]rule, len(in.Location.Custom)),
		psaByKey:           make(map[string]int, len(in.PSAAssets)),
		duplicates:         map[string][]string{},
		pendingLocations:   map[string]string{},
		pendingDepartments: map[string]string{},
		keys:               map[string]string{},
	}
	for _, l := range in.Locations {
		k := nameKey(l.Name)
		if cur, ok := p.locations[k]; !ok || compareIDs(l.ID, cur.ID) < 0 {
			p.locations[k] = l
		}
		if l.IsMain && (p.main == nil || compareIDs(l.ID, p.main.ID) < 0) {
			main := l
			p.main = &main
		}
	}
	for _, d := range in.Departments {
		k := nameKey(d.Name)
		if cur, ok := p.departments[k]; !ok || compareIDs(d.ID, cur.ID) < 0 {
			p.departments[k] = d
		}
	}
	if mode == v1alpha1.LocationCustom {
		// The CRD keys the list by exact machineGroup; groups are matched case-insensitively, so
		// two entries can still collide ("HQ", "hq") and the first listed wins.
		for _, c := range in.Location.Custom {
			k := nameKey(c.MachineGroup)
			if _, ok := p.rules[k]; !ok && k != "" {
				p.rules[k] = rule{machineGroup: c.MachineGroup, location: c.Location, department: c.Department}
			}
		}
	}
	for i, a := range in.PSAAssets {
		if a.ExternalKey == "" {
			continue
		}
		cur, ok := p.psaByKey[a.ExternalKey]
		if !ok {
			p.psaByKey[a.ExternalKey] = i
			continue
		}
		curID := in.PSAAssets[cur].ID
		if len(p.duplicates[a.ExternalKey]) == 0 {
			p.duplicates[a.ExternalKey] = []string{curID}
		}
		p.duplicates[a.ExternalKey] = append(p.duplicates[a.ExternalKey], a.ID)
		if compareIDs(a.ID, curID) < 0 {
			p.psaByKey[a.ExternalKey] = i
		}
	}
	for _, ids := range p.duplicates {
		slices.SortFunc(ids, compareIDs)
	}
	return p
}

// ruleProblems reports, once per rule rather than once per asset, Custom departments a PSA
// without departments cannot store.
func (p *planner) ruleProblems() []Problem {
	if p.hasDepartments {
		return nil
	}
	var out []Problem
	for _, c := range p.in.Location.Custom {
		if strings.TrimSpace(c.Department) == "" {
			continue
		}
		out = append(out, Problem{Reason: ReasonDepartmentsUnsupported,
			Message: fmt.Sprintf("machine group %q names department %q, but this PSA has no departments; its assets get location %q only",
				c.MachineGroup, c.Department, c.Location)})
	}
	return out
}

func (p *planner) target(a provider.ToolAsset) (target, *Problem) {
	group := strings.TrimSpace(a.MachineGroup)
	switch p.mode {
	case v1alpha1.LocationGroupID:
		if group == "" {
			return p.mainTarget(a, false)
		}
		k := p.key(group)
		if l, ok := p.locations[k]; ok {
			return target{locationID: l.ID, locationName: l.Name}, nil
		}
		p.pendingLocations[k] = smallest(p.pendingLocations[k], group)
		return target{locationName: group}, nil
	case v1alpha1.LocationCustom:
		r, listed := p.rules[p.key(group)]
		if group == "" || !listed {
			return p.mainTarget(a, p.hasDepartments)
		}
		l, ok := p.locations[p.key(r.location)]
		if !ok {
			return target{}, &Problem{AssetID: a.ID, Reason: ReasonLocationNotFound,
				Message: fmt.Sprintf("machine group %q maps to location %q, which account %s does not have; create it in the PSA or change the mapping",
					r.machineGroup, r.location, p.in.AccountID)}
		}
		t := target{locationID: l.ID, locationName: l.Name, ownsDepartment: p.hasDepartments}
		if dept := strings.TrimSpace(r.department); t.ownsDepartment && dept != "" {
			k := p.key(dept)
			if d, ok := p.departments[k]; ok {
				t.departmentID, t.departmentName = d.ID, d.Name
			} else {
				p.pendingDepartments[k] = smallest(p.pendingDepartments[k], dept)
				t.departmentName = dept
			}
		}
		return t, nil
	default:
		return p.mainTarget(a, false)
	}
}

// mainTarget places an asset at the main location. ownsDepartment is true for unlisted groups
// under Custom, whose department is cleared (see the package doc).
func (p *planner) mainTarget(a provider.ToolAsset, ownsDepartment bool) (target, *Problem) {
	if p.main == nil {
		return target{}, &Problem{AssetID: a.ID, Reason: ReasonNoMainLocation,
			Message: fmt.Sprintf("asset %q belongs at the main location, but account %s has no main location; mark one as main in the PSA",
				a.Name, p.in.AccountID)}
	}
	return target{locationID: p.main.ID, locationName: p.main.Name, ownsDepartment: ownsDepartment}, nil
}

func (p *planner) create(a provider.ToolAsset, t target) AssetWrite {
	return AssetWrite{
		PSAAsset: provider.PSAAsset{
			AccountID:    p.in.AccountID,
			ExternalKey:  a.ID,
			Name:         strings.TrimSpace(a.Name),
			LocationID:   t.locationID,
			DepartmentID: t.departmentID,
			SerialNumber: strings.TrimSpace(a.SerialNumber),
			OS:           strings.TrimSpace(a.OS),
			IPAddress:    strings.TrimSpace(a.IPAddress),
		},
		LocationName:   t.locationName,
		DepartmentName: t.departmentName,
	}
}

// update starts from the PSA record so fields the tool does not own (the id, the key, a
// department under Main or GroupID) are sent back unchanged, as UpdateAsset replaces them all.
func (p *planner) update(existing provider.PSAAsset, a provider.ToolAsset, t target) (AssetWrite, bool) {
	w := AssetWrite{PSAAsset: existing, LocationName: t.locationName}
	w.AccountID = p.in.AccountID
	w.Name = strings.TrimSpace(a.Name)
	w.SerialNumber = strings.TrimSpace(a.SerialNumber)
	w.OS = strings.TrimSpace(a.OS)
	w.IPAddress = strings.TrimSpace(a.IPAddress)
	w.LocationID = t.locationID
	if t.ownsDepartment {
		w.DepartmentID, w.DepartmentName = t.departmentID, t.departmentName
	}
	// A location or department still to be created has no id yet, so it cannot be the one
	// the asset already has: that is a change.
	pendingDepartment := t.ownsDepartment && t.departmentID == "" && t.departmentName != ""
	stored := provider.AssetFields{SerialNumber: true, OS: true, IPAddress: true}
	if p.in.Stored != nil {
		stored = *p.in.Stored
	}
	changed := w.Name != existing.Name ||
		(stored.SerialNumber && w.SerialNumber != existing.SerialNumber) ||
		(stored.OS && w.OS != existing.OS) ||
		(stored.IPAddress && w.IPAddress != existing.IPAddress) ||
		w.LocationID == "" || w.LocationID != existing.LocationID ||
		pendingDepartment || w.DepartmentID != existing.DepartmentID
	return w, changed
}

func (p *planner) canonicalise(w *AssetWrite) {
	if w.LocationID == "" {
		if name, ok := p.pendingLocations[p.key(w.LocationName)]; ok {
			w.LocationName = name
		}
	}
	if w.DepartmentID == "" && w.DepartmentName != "" {
		if name, ok := p.pendingDepartments[p.key(w.DepartmentName)]; ok {
			w.DepartmentName = name
		}
	}
}

// smallest picks the spelling to create among names that differ only in case, independently of
// the order the assets came in.
func smallest(cur, name string) string {
	if cur == "" || name < cur {
		return name
	}
	return cur
}
