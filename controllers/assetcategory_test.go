package controllers

import (
	"context"
	"strings"
	"testing"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/connection"
	"github.com/accountsync/accountsync-operator/internal/provider"
)

// categoryPSA is a PSA client that offers a fixed asset category list.
type categoryPSA struct {
	name  provider.Name
	refs  []provider.NamedRef
	calls int
}

func (c *categoryPSA) Probe(context.Context) (provider.ProbeResult, error) {
	return provider.ProbeResult{}, nil
}
func (c *categoryPSA) Provider() provider.Name { return c.name }
func (c *categoryPSA) Side() provider.Side     { return provider.SidePSA }
func (c *categoryPSA) CallCount() int64        { return int64(c.calls) }
func (c *categoryPSA) ListAssetCategories(context.Context) ([]provider.NamedRef, error) {
	c.calls++
	return c.refs, nil
}

func TestResolveAssetCategory(t *testing.T) {
	refs := []provider.NamedRef{{ID: "7", Name: "Workstation"}, {ID: "8", Name: "Server"}, {ID: "9", Name: "Printer"}, {ID: "10", Name: "printer"}}
	withType := func(v string) *v1alpha1.SyncPolicy {
		sp := &v1alpha1.SyncPolicy{}
		if v != "-" {
			sp.Spec.Creation.HaloPSA = &v1alpha1.HaloPSACreation{AssetType: v}
		}
		return sp
	}
	cases := []struct {
		value, want, errHas string
	}{
		{"Workstation", "7", ""},
		{" server ", "8", ""},
		{"10", "10", ""},
		{"-", "", "spec.creation.haloPSA.assetType is required: HaloPSA refuses an asset without one (available: Printer, Server, Workstation, printer)"},
		{"", "", "is required"},
		{"Laptop", "", `spec.creation.haloPSA.assetType: "Laptop" does not exist in this PSA (available: Printer, Server, Workstation, printer)`},
		{"PRINTER", "", "ids 9, 10"},
	}
	for _, tc := range cases {
		psa := &categoryPSA{name: provider.HaloPSA, refs: refs}
		got, err := resolveAssetCategory(context.Background(), withType(tc.value), psa)
		if tc.errHas == "" {
			if err != nil || got != tc.want {
				t.Errorf("%q: %q, %v; want %q", tc.value, got, err, tc.want)
			}
			continue
		}
		ce, ok := connection.AsConfigError(err)
		if !ok || ce.Reason != v1alpha1.ReasonInvalidSpec || !strings.Contains(ce.Message, tc.errHas) {
			t.Errorf("%q: error %v, want InvalidSpec containing %q", tc.value, err, tc.errHas)
		}
	}
	// A PSA without the setting is not asked.
	other := &categoryPSA{name: provider.ConnectWisePSA, refs: refs}
	if got, err := resolveAssetCategory(context.Background(), withType("-"), other); err != nil || got != "" || other.calls != 0 {
		t.Errorf("ConnectWise: %q, %v, %d calls", got, err, other.calls)
	}
}
