// Package controllers holds one thin reconciler per kind: they fetch, call the pure planners in
// internal/, apply, and report in status. Vendor access goes through internal/connection.
package controllers

import (
	"context"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/connection"
)

// Options configure the three reconcilers.
type Options struct {
	ControllerOptions
	// Clients is shared by all reconcilers so each connection has one token bucket.
	Clients *connection.Cache
	// CreateSettle overrides how long an unknown-outcome create may take to show up.
	CreateSettle time.Duration
	// AllowInsecureTLS lets spec.tls.insecureSkipVerify take effect (--allow-insecure-tls).
	AllowInsecureTLS bool
	// RefusedProbeRetry and RefusedProbeRetryMax override the back-off of a connection whose
	// probe was refused (DefaultRefusedProbeRetry, DefaultRefusedProbeRetryMax).
	RefusedProbeRetry, RefusedProbeRetryMax time.Duration
}

// Setup registers the field indexes and the three reconcilers with mgr.
func Setup(mgr ctrl.Manager, opts Options) error {
	if opts.Clients == nil {
		opts.Clients = connection.NewCache()
	}
	opts.Clients.AllowInsecureTLS = opts.AllowInsecureTLS
	if opts.Clients.SecretMetadata == nil {
		// The metadata-only Secret watch fills this cache; Secret data is read from the API
		// server (ClientOptions) only when a Secret changed.
		opts.Clients.SecretMetadata = mgr.GetCache()
	}
	if err := setupIndexes(mgr); err != nil {
		return err
	}
	snapshots := NewSnapshotStore()
	services := NewServiceReports()
	if err := (&IntegrationConnectionReconciler{
		Client: mgr.GetClient(), Clients: opts.Clients, Recorder: mgr.GetEventRecorder("integrationconnection-controller"),
		RefusedRetry: opts.RefusedProbeRetry, RefusedRetryMax: opts.RefusedProbeRetryMax,
	}).SetupWithManager(mgr, opts.ControllerOptions); err != nil {
		return err
	}
	if err := (&SyncPolicyReconciler{
		Client: mgr.GetClient(), Clients: opts.Clients, Snapshots: snapshots, Recorder: mgr.GetEventRecorder("syncpolicy-controller"),
		Services: services,
	}).SetupWithManager(mgr, opts.ControllerOptions); err != nil {
		return err
	}
	if err := (&TicketingReconciler{
		Client: mgr.GetClient(), Reader: mgr.GetAPIReader(), Clients: opts.Clients, Reports: services, Settle: opts.CreateSettle,
		Recorder: mgr.GetEventRecorder("ticketing-controller"),
	}).SetupWithManager(mgr, opts.ControllerOptions); err != nil {
		return err
	}
	if err := (&BillingReconciler{
		Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Clients: opts.Clients, Snapshots: snapshots,
		Settle: opts.CreateSettle, Recorder: mgr.GetEventRecorder("billing-controller"),
	}).SetupWithManager(mgr, opts.ControllerOptions); err != nil {
		return err
	}
	return (&AccountMappingReconciler{
		Client: mgr.GetClient(), Clients: opts.Clients, Snapshots: snapshots, Settle: opts.CreateSettle,
		Recorder: mgr.GetEventRecorder("accountmapping-controller"),
	}).SetupWithManager(mgr, opts.ControllerOptions)
}

func setupIndexes(mgr ctrl.Manager) error {
	idx := mgr.GetFieldIndexer()
	ctx := context.Background()
	if err := idx.IndexField(ctx, &v1alpha1.IntegrationConnection{}, secretRefIndex, func(obj client.Object) []string {
		ic := obj.(*v1alpha1.IntegrationConnection)
		refs := []string{ic.Spec.CredentialsSecretRef.Name}
		if ic.Spec.TLS != nil && ic.Spec.TLS.CABundleSecretRef != nil {
			refs = append(refs, ic.Spec.TLS.CABundleSecretRef.Name)
		}
		return refs
	}); err != nil {
		return err
	}
	if err := idx.IndexField(ctx, &v1alpha1.AccountMapping{}, policyRefIndex, func(obj client.Object) []string {
		return []string{obj.(*v1alpha1.AccountMapping).Spec.PolicyRef.Name}
	}); err != nil {
		return err
	}
	return idx.IndexField(ctx, &v1alpha1.SyncPolicy{}, connectionRefIndex, func(obj client.Object) []string {
		sp := obj.(*v1alpha1.SyncPolicy)
		return []string{sp.Spec.PSA.ConnectionRef.Name, sp.Spec.Tool.ConnectionRef.Name}
	})
}
