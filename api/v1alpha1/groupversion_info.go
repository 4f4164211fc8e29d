// Package v1alpha1 contains the AccountSync API: IntegrationConnection (a vendor endpoint and its
// credentials), SyncPolicy (which records take part and how they are matched and created) and
// AccountMapping (one tool organization ↔ PSA account link).
// +kubebuilder:object:generate=true
// +groupName=accountsync.io
package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

var (
	// GroupVersion is group version used to register these objects.
	GroupVersion = schema.GroupVersion{Group: "accountsync.io", Version: "v1alpha1"}

	// SchemeBuilder is used to add go types to the GroupVersionKind scheme.
	SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}

	// AddToScheme adds the types in this group-version to the given scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)
