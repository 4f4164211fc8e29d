package assetsync

import (
	"fmt"
	"strings"
)

// ReasonCreateDeferred: the policy's per-sync creation budget (spec.creation.batchSize) is
// spent; the write is planned again by the next sync.
const ReasonCreateDeferred = "CreateDeferred"

// Limit bounds the creates of r to the budgets left in this sync: at most locations new
// locations, departments new departments and assets new assets. A write that needs a location
// or department left for a later sync waits with it (an asset is never written half placed).
// Every write left out becomes a CreateDeferred problem, so Apply counts it as not written.
func Limit(r Result, locations, departments, assets int) Result {
	out := r
	out.Problems = append([]Problem(nil), r.Problems...)
	var deferredLoc, deferredDep map[string]bool
	out.CreateLocations, deferredLoc = keepFirst(r.CreateLocations, locations)
	out.CreateDepartments, deferredDep = keepFirst(r.CreateDepartments, departments)

	waits := func(w AssetWrite) string {
		if w.LocationID == "" && deferredLoc[nameKey(w.LocationName)] {
			return fmt.Sprintf("asset %q waits for location %q, deferred to the next sync (spec.creation.batchSize)", w.Name, w.LocationName)
		}
		if w.DepartmentID == "" && strings.TrimSpace(w.DepartmentName) != "" && deferredDep[nameKey(w.DepartmentName)] {
			return fmt.Sprintf("asset %q waits for department %q, deferred to the next sync (spec.creation.batchSize)", w.Name, w.DepartmentName)
		}
		return ""
	}
	out.Creates, out.Updates = nil, nil
	for _, w := range r.Creates {
		msg := waits(w)
		if msg == "" && len(out.Creates) >= max(assets, 0) {
			msg = fmt.Sprintf("creating asset %q is deferred to the next sync: the policy's asset creates of this sync (spec.creation.batchSize) are spent", w.Name)
		}
		if msg != "" {
			out.Problems = append(out.Problems, Problem{AssetID: w.ExternalKey, Reason: ReasonCreateDeferred, Message: msg})
			continue
		}
		out.Creates = append(out.Creates, w)
	}
	for _, w := range r.Updates {
		if msg := waits(w); msg != "" {
			out.Problems = append(out.Problems, Problem{AssetID: w.ExternalKey, Reason: ReasonCreateDeferred, Message: msg})
			continue
		}
		out.Updates = append(out.Updates, w)
	}
	return out
}

// keepFirst keeps the first n names and returns the name keys of the others.
func keepFirst(names []string, n int) ([]string, map[string]bool) {
	n = max(n, 0)
	if len(names) <= n {
		return names, nil
	}
	dropped := make(map[string]bool, len(names)-n)
	for _, name := range names[n:] {
		dropped[nameKey(name)] = true
	}
	return names[:n:n], dropped
}
