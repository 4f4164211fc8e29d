package controllers

import (
	"context"
	"fmt"
	"sort"
	"strings"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/connection"
	"github.com/accountsync/accountsync-operator/internal/provider"
)

// assetCategorySetting names the policy field that gives the asset category a PSA requires on
// every new asset, with its value; field is "" when the PSA requires none.
func assetCategorySetting(sp *v1alpha1.SyncPolicy, psa provider.Name) (field, value string) {
	switch psa {
	case provider.HaloPSA:
		if h := sp.Spec.Creation.HaloPSA; h != nil {
			value = h.AssetType
		}
		return "spec.creation.haloPSA.assetType", strings.TrimSpace(value)
	}
	return "", ""
}

// resolveAssetCategory checks the policy's asset category against the PSA's list once per
// sync, so a missing or unknown value makes the policy InvalidSpec (naming the value and the
// choices) instead of failing every asset create of every mapping. It returns the category's id.
func resolveAssetCategory(ctx context.Context, sp *v1alpha1.SyncPolicy, psa provider.Client) (string, error) {
	field, value := assetCategorySetting(sp, psa.Provider())
	lister, ok := psa.(provider.AssetCategoryLister)
	if field == "" || !ok {
		return value, nil
	}
	refs, err := lister.ListAssetCategories(ctx)
	if err != nil {
		return "", err
	}
	available := make([]string, 0, len(refs))
	for _, r := range refs {
		available = append(available, r.Name)
	}
	sort.Strings(available)
	if value == "" {
		return "", &connection.ConfigError{Reason: v1alpha1.ReasonInvalidSpec,
			Message: fmt.Sprintf("%s is required: %s refuses an asset without one (available: %s)",
				field, psa.Provider(), strings.Join(available, ", "))}
	}
	for _, r := range refs {
		if r.ID == value {
			return r.ID, nil
		}
	}
	var ids []string
	for _, r := range refs {
		if strings.EqualFold(strings.TrimSpace(r.Name), value) {
			ids = append(ids, r.ID)
		}
	}
	switch len(ids) {
	case 1:
		return ids[0], nil
	case 0:
		return "", &connection.ConfigError{Reason: v1alpha1.ReasonInvalidSpec,
			Message: fmt.Sprintf("%s: %q does not exist in this PSA (available: %s)", field, value, strings.Join(available, ", "))}
	}
	return "", &connection.ConfigError{Reason: v1alpha1.ReasonInvalidSpec,
		Message: fmt.Sprintf("%s: %q names several asset types (ids %s); give the id", field, value, strings.Join(ids, ", "))}
}
