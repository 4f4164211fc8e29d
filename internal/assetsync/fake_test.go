package assetsync

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/accountsync/accountsync-operator/internal/provider"
)

// fakePSA is an in-memory PSA account store: it implements LocationManager and AssetManager and
// can be told to fail a create or update. It has no departments; fakeBMS adds them.
type fakePSA struct {
	nextID      int
	locations   []provider.Location
	departments []provider.Department
	assets      []provider.PSAAsset

	failLocation   map[string]error // by location name
	failDepartment map[string]error // by department name
	failCreate     map[string]error // by external key
	failUpdate     map[string]error // by external key
	calls          map[string]int
}

func newFake() *fakePSA { return &fakePSA{nextID: 100, calls: map[string]int{}} }

func (f *fakePSA) id() string {
	f.nextID++
	return fmt.Sprint(f.nextID)
}

func (f *fakePSA) ListLocations(_ context.Context, _ string) ([]provider.Location, error) {
	f.calls["ListLocations"]++
	return slices.Clone(f.locations), nil
}

func (f *fakePSA) CreateLocation(_ context.Context, _ string, name string) (provider.Location, error) {
	f.calls["CreateLocation"]++
	if err := f.failLocation[name]; err != nil {
		return provider.Location{}, err
	}
	l := provider.Location{ID: f.id(), Name: name}
	f.locations = append(f.locations, l)
	return l, nil
}

func (f *fakePSA) ListAssets(_ context.Context, _ string) ([]provider.PSAAsset, error) {
	f.calls["ListAssets"]++
	return slices.Clone(f.assets), nil
}

func (f *fakePSA) CreateAsset(_ context.Context, in provider.PSAAsset) (provider.PSAAsset, error) {
	f.calls["CreateAsset"]++
	if err := f.failCreate[in.ExternalKey]; err != nil {
		return provider.PSAAsset{}, err
	}
	if in.ID != "" || in.LocationID == "" {
		return provider.PSAAsset{}, fmt.Errorf("fake: bad create %+v", in)
	}
	in.ID = f.id()
	f.assets = append(f.assets, in)
	return in, nil
}

func (f *fakePSA) UpdateAsset(_ context.Context, in provider.PSAAsset) (provider.PSAAsset, error) {
	f.calls["UpdateAsset"]++
	if err := f.failUpdate[in.ExternalKey]; err != nil {
		return provider.PSAAsset{}, err
	}
	if in.LocationID == "" {
		return provider.PSAAsset{}, fmt.Errorf("fake: update without location %+v", in)
	}
	for i := range f.assets {
		if f.assets[i].ID == in.ID {
			f.assets[i] = in
			return in, nil
		}
	}
	return provider.PSAAsset{}, provider.Errorf(provider.KindNotFound, "UpdateAsset", "asset %s", in.ID)
}

func (f *fakePSA) writes() int {
	return f.calls["CreateLocation"] + f.calls["CreateDepartment"] + f.calls["CreateAsset"] + f.calls["UpdateAsset"]
}

func (f *fakePSA) asset(key string) (provider.PSAAsset, bool) {
	for _, a := range f.assets {
		if a.ExternalKey == key {
			return a, true
		}
	}
	return provider.PSAAsset{}, false
}

func (f *fakePSA) locationName(id string) string {
	for _, l := range f.locations {
		if l.ID == id {
			return l.Name
		}
	}
	return ""
}

func (f *fakePSA) departmentName(id string) string {
	for _, d := range f.departments {
		if d.ID == id {
			return d.Name
		}
	}
	return ""
}

// fakeBMS is a fakePSA with departments, like Kaseya BMS.
type fakeBMS struct{ *fakePSA }

func (f fakeBMS) ListDepartments(_ context.Context, _ string) ([]provider.Department, error) {
	f.calls["ListDepartments"]++
	return slices.Clone(f.departments), nil
}

func (f fakeBMS) CreateDepartment(_ context.Context, _ string, name string) (provider.Department, error) {
	f.calls["CreateDepartment"]++
	if err := f.failDepartment[name]; err != nil {
		return provider.Department{}, err
	}
	d := provider.Department{ID: f.id(), Name: name}
	f.departments = append(f.departments, d)
	return d, nil
}

// snapshot lists the fake as a controller would before planning. Departments stay nil unless
// the PSA has them.
func snapshot(psa Capabilities, base Input) Input {
	ctx := context.Background()
	in := base
	in.Locations, _ = psa.ListLocations(ctx, in.AccountID)
	in.PSAAssets, _ = psa.ListAssets(ctx, in.AccountID)
	in.Departments = nil
	if dm, ok := psa.(provider.DepartmentManager); ok {
		in.Departments, _ = dm.ListDepartments(ctx, in.AccountID)
		if in.Departments == nil {
			in.Departments = []provider.Department{}
		}
	}
	return in
}

// toolAsset builds a tool asset whose other fields derive from its id.
func toolAsset(id, group string) provider.ToolAsset {
	return provider.ToolAsset{
		ID: id, Name: "pc-" + id, OrganizationID: "org-1", MachineGroup: group,
		SerialNumber: "SN" + id, OS: "Windows 11", IPAddress: "10.0.0." + id,
	}
}

// mirrored is the PSA asset an earlier sync would have written for t.
func mirrored(id string, t provider.ToolAsset, locationID, departmentID string) provider.PSAAsset {
	return provider.PSAAsset{
		ID: id, AccountID: "250", ExternalKey: t.ID, Name: t.Name, LocationID: locationID,
		DepartmentID: departmentID, SerialNumber: t.SerialNumber, OS: t.OS, IPAddress: t.IPAddress,
	}
}

func reasons(ps []Problem) string {
	var out []string
	for _, p := range ps {
		out = append(out, p.AssetID+":"+p.Reason)
	}
	return strings.Join(out, ",")
}
