package assetsync

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/provider"
)

// Capabilities is what Apply needs from a PSA client. Departments are optional, as in the
// provider package: Apply uses provider.DepartmentManager when the client also implements it.
type Capabilities interface {
	provider.LocationManager
	provider.AssetManager
}

// Apply performs plan, which Plan made from in, against psa. Locations and departments are
// created first so the assets that need them can be placed; an asset whose location or
// department could not be created is not written (a half-placed asset would look synced).
//
// Every failure becomes a Problem and counts as Failed without stopping the other writes: one
// bad record must not hold back the rest of the organization. The returned problems are the
// plan's followed by the execution's. Counts satisfy Total = Created + Updated + Unchanged +
// Failed, where assets the plan could not place count as Failed.
//
// Nothing is retried here. A create whose outcome was lost is found by the next sync's listing
// (by name for a location, by external key for an asset), so it is never made twice.
func Apply(ctx context.Context, psa Capabilities, in Input, plan Result) (v1alpha1.AssetCounts, []Problem) {
	x := executor{
		psa:            psa,
		accountID:      in.AccountID,
		problems:       append([]Problem(nil), plan.Problems...),
		locationIDs:    make(map[string]string, len(plan.CreateLocations)),
		locationErrs:   map[string]error{},
		departmentIDs:  make(map[string]string, len(plan.CreateDepartments)),
		departmentErrs: map[string]error{},
	}
	notPlaced := len(in.ToolAssets) - len(plan.Creates) - len(plan.Updates) - plan.Unchanged
	x.counts = v1alpha1.AssetCounts{
		Total:     int32(len(in.ToolAssets)),
		Unchanged: int32(plan.Unchanged),
		Failed:    int32(max(notPlaced, 0)),
	}

	for _, name := range plan.CreateLocations {
		k := nameKey(name)
		if err := ctx.Err(); err != nil {
			x.locationErrs[k] = err
			continue
		}
		l, err := psa.CreateLocation(ctx, in.AccountID, name)
		if err == nil && l.ID == "" {
			err = errors.New("the PSA returned no id")
		}
		if err != nil {
			x.locationErrs[k] = err
			continue
		}
		x.locationIDs[k] = l.ID
	}

	dm, hasDepartments := psa.(provider.DepartmentManager)
	for _, name := range plan.CreateDepartments {
		k := nameKey(name)
		if !hasDepartments {
			x.departmentErrs[k] = errors.New("this PSA client has no departments")
			continue
		}
		if err := ctx.Err(); err != nil {
			x.departmentErrs[k] = err
			continue
		}
		d, err := dm.CreateDepartment(ctx, in.AccountID, name)
		if err == nil && d.ID == "" {
			err = errors.New("the PSA returned no id")
		}
		if err != nil {
			x.departmentErrs[k] = err
			continue
		}
		x.departmentIDs[k] = d.ID
	}

	for _, w := range plan.Creates {
		x.write(ctx, w, true)
	}
	for _, w := range plan.Updates {
		x.write(ctx, w, false)
	}
	return x.counts, x.problems
}

type executor struct {
	psa            Capabilities
	accountID      string
	counts         v1alpha1.AssetCounts
	problems       []Problem
	locationIDs    map[string]string // name key → id of a location created by this Apply
	locationErrs   map[string]error
	departmentIDs  map[string]string
	departmentErrs map[string]error
}

func (x *executor) write(ctx context.Context, w AssetWrite, create bool) {
	asset, prob := x.resolve(w)
	if prob != nil {
		x.fail(*prob)
		return
	}
	reason, verb := ReasonAssetUpdateFailed, "update"
	if create {
		reason, verb = ReasonAssetCreateFailed, "create"
	}
	// A cancelled sync stops calling the PSA; the remaining writes are failures of this sync
	// and are planned again by the next one.
	err := ctx.Err()
	if err == nil {
		if create {
			_, err = x.psa.CreateAsset(ctx, asset)
		} else {
			_, err = x.psa.UpdateAsset(ctx, asset)
		}
	}
	if err != nil {
		x.fail(Problem{AssetID: w.ExternalKey, Reason: reason,
			Message: fmt.Sprintf("%s PSA asset %q: %v", verb, w.Name, err), Err: err})
		return
	}
	if create {
		x.counts.Created++
	} else {
		x.counts.Updated++
	}
}

// resolve fills the ids of a location and department planned by name.
func (x *executor) resolve(w AssetWrite) (provider.PSAAsset, *Problem) {
	a := w.PSAAsset
	if a.LocationID == "" {
		k := nameKey(w.LocationName)
		id, ok := x.locationIDs[k]
		if !ok {
			return a, &Problem{AssetID: w.ExternalKey, Reason: ReasonLocationCreateFailed,
				Message: fmt.Sprintf("asset %q: location %q could not be created: %v", w.Name, w.LocationName, causeOf(x.locationErrs[k])),
				Err:     x.locationErrs[k]}
		}
		a.LocationID = id
	}
	if a.DepartmentID == "" && strings.TrimSpace(w.DepartmentName) != "" {
		k := nameKey(w.DepartmentName)
		id, ok := x.departmentIDs[k]
		if !ok {
			return a, &Problem{AssetID: w.ExternalKey, Reason: ReasonDepartmentCreateFailed,
				Message: fmt.Sprintf("asset %q: department %q could not be created: %v", w.Name, w.DepartmentName, causeOf(x.departmentErrs[k])),
				Err:     x.departmentErrs[k]}
		}
		a.DepartmentID = id
	}
	return a, nil
}

func (x *executor) fail(p Problem) {
	x.problems = append(x.problems, p)
	x.counts.Failed++
}

// causeOf explains a name Apply could not resolve: the creation error, or, for a plan that
// does not belong to its input, the missing entry.
func causeOf(err error) error {
	if err != nil {
		return err
	}
	return errors.New("it is neither in the account nor in the plan's creations")
}
