package controllers

import (
	"context"
	"errors"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/connection"
	"github.com/accountsync/accountsync-operator/internal/provider"
)

// resolveCreateSettings turns the policy's PSA-specific create values (spec.creation.kaseyaBMS)
// into ids, for a PSA whose creates need them; typeID is the resolved first filter type. Only
// what the policy creates is required: accounts when it imports, assets when they are enabled.
// A value that names nothing is InvalidSpec, naming the field, the value and the choices.
func resolveCreateSettings(ctx context.Context, sp *v1alpha1.SyncPolicy, psa provider.Client, typeID string) (provider.CreateSettings, error) {
	r, ok := psa.(provider.CreateSettingsResolver)
	if !ok {
		return provider.CreateSettings{}, nil
	}
	in := provider.CreateSettings{AccountType: typeID, ForAccounts: sp.Spec.Mode.Imports(), ForAssets: sp.Spec.Assets.Enabled}
	if k := sp.Spec.Creation.KaseyaBMS; k != nil && psa.Provider() == provider.KaseyaBMS {
		in.AccountManager, in.BusinessType, in.AssetCategory = k.AccountManager, k.BusinessType, k.AssetCategory
	}
	out, err := r.ResolveCreateSettings(ctx, in)
	var se *provider.SettingError
	if errors.As(err, &se) {
		field := "spec.creation.kaseyaBMS." + se.Setting
		if se.Setting == "accountType" {
			field = "spec.psa.filter.types"
		}
		return out, &connection.ConfigError{Reason: v1alpha1.ReasonInvalidSpec, Message: field + ": " + se.Detail()}
	}
	return out, err
}
