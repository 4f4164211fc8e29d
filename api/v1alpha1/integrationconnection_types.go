package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ProviderName is a supported vendor product.
// +kubebuilder:validation:Enum=KaseyaVSA;GravityZone;CyberQP;KaseyaBMS;ConnectWisePSA;HaloPSA
type ProviderName string

const (
	ProviderKaseyaVSA      ProviderName = "KaseyaVSA"
	ProviderGravityZone    ProviderName = "GravityZone"
	ProviderCyberQP        ProviderName = "CyberQP"
	ProviderKaseyaBMS      ProviderName = "KaseyaBMS"
	ProviderConnectWisePSA ProviderName = "ConnectWisePSA"
	ProviderHaloPSA        ProviderName = "HaloPSA"
)

// IntegrationConnectionSpec is one vendor API endpoint and the Secret holding its credentials.
// +kubebuilder:validation:XValidation:rule="!has(self.tls) || !has(self.tls.caBundleSecretRef) || !self.tls.insecureSkipVerify",message="spec.tls: caBundleSecretRef and insecureSkipVerify are mutually exclusive"
// +kubebuilder:validation:XValidation:rule="!has(self.authURL) || self.provider == 'HaloPSA'",message="spec.authURL applies to HaloPSA only"
type IntegrationConnectionSpec struct {
	// Provider is the vendor product behind this endpoint. It decides the side (PSA or Tool) and
	// the Secret keys required: KaseyaVSA (username, token), GravityZone (apiKey), CyberQP (apiKey),
	// KaseyaBMS (username, password, tenant), ConnectWisePSA (companyId, publicKey, privateKey,
	// clientId), HaloPSA (clientId, clientSecret, optional tenant). Immutable.
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec.provider is immutable: create a new IntegrationConnection instead"
	Provider ProviderName `json:"provider"`

	// URL is the address copied from the vendor's portal, never a path the client adds itself:
	// the ConnectWise site host (https://api-na.myconnectwise.net), the HaloPSA tenant root
	// (https://acme.halopsa.com), the Kaseya VSA / BMS server root, the GravityZone access URL
	// (https://cloud.gravityzone.bitdefender.com/api) or the CyberQP portal root. Must be https;
	// http is accepted only for a loopback address (tests and the demo).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=512
	// +kubebuilder:validation:XValidation:rule="self.matches('^https://[^/?# ]+([/?#].*)?$') || self.matches('^http://(localhost|127[.][0-9]{1,3}[.][0-9]{1,3}[.][0-9]{1,3}|[[]::1[]])(:[0-9]{1,5})?([/?#].*)?$')",message="spec.url must be an https URL (http is allowed only for localhost, 127.0.0.0/8 or ::1)"
	URL string `json:"url"`

	// AuthURL is the HaloPSA authorisation server, for a tenant whose GET /api/authinfo names one
	// outside the origin (scheme, host and port) of url, e.g. https://auth.example.com/auth; the
	// client posts its token request to {authURL}/token and skips the discovery call. Credentials
	// are sent only to url's origin or to this address: unset, an auth server that /api/authinfo
	// names elsewhere is refused (Ready=False, reason InvalidSpec, naming the host). HaloPSA only.
	// Must be https; http is accepted only for a loopback address.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=512
	// +kubebuilder:validation:XValidation:rule="self.matches('^https://[^/?# ]+([/?#].*)?$') || self.matches('^http://(localhost|127[.][0-9]{1,3}[.][0-9]{1,3}[.][0-9]{1,3}|[[]::1[]])(:[0-9]{1,5})?([/?#].*)?$')",message="spec.authURL must be an https URL (http is allowed only for localhost, 127.0.0.0/8 or ::1)"
	// +optional
	AuthURL string `json:"authURL,omitempty"`

	// CredentialsSecretRef names the Secret, in this namespace, whose data holds the provider's
	// credential keys. A change to that Secret re-probes the connection.
	CredentialsSecretRef LocalObjectReference `json:"credentialsSecretRef"`

	// RateLimit bounds outbound calls through this connection (a token bucket shared by every
	// policy and mapping using it). Unset means the provider's documented default.
	// +optional
	RateLimit *RateLimit `json:"rateLimit,omitempty"`

	// Timeout bounds one HTTP request to the vendor.
	// +kubebuilder:default="30s"
	// +optional
	Timeout Duration `json:"timeout,omitempty"`

	// ProbeInterval is how often the connection is re-checked while nothing changes.
	// +kubebuilder:default="5m"
	// +optional
	ProbeInterval Duration `json:"probeInterval,omitempty"`

	// TLS customises server certificate verification.
	// +optional
	TLS *TLSConfig `json:"tls,omitempty"`
}

// RateLimit is a token bucket: a steady rate and a burst.
type RateLimit struct {
	// RequestsPerMinute is the steady rate.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100000
	RequestsPerMinute int32 `json:"requestsPerMinute"`
	// Burst is how many requests may go at once after a quiet period.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	// +kubebuilder:default=10
	// +optional
	Burst int32 `json:"burst,omitempty"`
}

// TLSConfig customises server certificate verification.
type TLSConfig struct {
	// CABundleSecretRef names a Secret key holding PEM CA certificates to trust in addition to
	// the system roots (a self-hosted VSA or BMS with a private CA).
	// +optional
	CABundleSecretRef *SecretKeySelector `json:"caBundleSecretRef,omitempty"`
	// InsecureSkipVerify disables certificate verification. For troubleshooting only; it takes
	// effect only when the manager runs with --allow-insecure-tls, otherwise the connection is
	// Ready=False with reason InvalidSpec.
	// +optional
	InsecureSkipVerify bool `json:"insecureSkipVerify,omitempty"`
}

// IntegrationConnectionStatus is what the last probe found.
type IntegrationConnectionStatus struct {
	// ObservedGeneration is the spec generation the status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Conditions: Ready (reasons Connected, SecretNotFound, SecretKeyMissing,
	// AuthenticationFailed, Unreachable, RateLimited, InvalidSpec).
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
	// Side is PSA or Tool, from the provider.
	// +optional
	Side Side `json:"side,omitempty"`
	// ServerVersion is the version the API reports, where it reports one.
	// +optional
	ServerVersion string `json:"serverVersion,omitempty"`
	// Capabilities lists what this provider offers (list, create, locations, assets, users...).
	// +kubebuilder:validation:MaxItems=32
	// +optional
	Capabilities []string `json:"capabilities,omitempty"`
	// LastProbeTime is when the endpoint was last checked.
	// +optional
	LastProbeTime *metav1.Time `json:"lastProbeTime,omitempty"`
	// LastHandledSyncRequest echoes the accountsync.io/sync-requested-at value last handled.
	// +optional
	LastHandledSyncRequest string `json:"lastHandledSyncRequest,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=ic,categories=accountsync
// +kubebuilder:printcolumn:name="Provider",type=string,JSONPath=`.spec.provider`
// +kubebuilder:printcolumn:name="Side",type=string,JSONPath=`.status.side`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`

// IntegrationConnection is one vendor API endpoint plus the Secret with its credentials.
type IntegrationConnection struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   IntegrationConnectionSpec   `json:"spec"`
	Status IntegrationConnectionStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// IntegrationConnectionList contains a list of IntegrationConnection.
type IntegrationConnectionList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []IntegrationConnection `json:"items"`
}

func init() {
	SchemeBuilder.Register(&IntegrationConnection{}, &IntegrationConnectionList{})
}
