// Package connection turns an IntegrationConnection and its Secret into a provider client, and
// keeps one client per connection so that every policy and mapping using it shares one token
// bucket and one cached vendor token.
package connection

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/provider"
)

// ConfigError is a problem a person must fix (spec or Secret); retrying cannot help.
type ConfigError struct {
	Reason  string // a Ready condition reason of IntegrationConnection
	Message string
}

func (e *ConfigError) Error() string { return e.Message }

// AsConfigError returns the ConfigError inside err, if any.
func AsConfigError(err error) (*ConfigError, bool) {
	var ce *ConfigError
	ok := errors.As(err, &ce)
	return ce, ok
}

// DefaultTimeout applies when spec.timeout is empty (the CRD defaults it, but objects created
// before a default existed, or built in Go, may lack it).
const DefaultTimeout = 30 * time.Second

type entry struct {
	fingerprint string
	generation  int64
	client      provider.Client
}

// Cache holds one client per connection, rebuilt when the spec or a referenced Secret changes.
type Cache struct {
	// Base is the starting Config of every client: retry and back-off settings (tests shorten
	// them; production leaves the provider defaults).
	Base provider.Config
	// AllowInsecureTLS lets spec.tls.insecureSkipVerify take effect (the manager's
	// --allow-insecure-tls). Without it such a connection is refused as InvalidSpec, so turning
	// verification off takes the cluster operator's consent, not only a namespace user's.
	AllowInsecureTLS bool
	// SecretMetadata, when set, answers Secret look-ups metadata-only (the manager's cache of a
	// metadata-only watch). Client then reads a Secret's data from its kube reader, which
	// should go to the API server, only when the Secret's resourceVersion changed since the
	// cached client was built.
	SecretMetadata client.Reader

	mu      sync.Mutex
	entries map[types.NamespacedName]entry
}

// NewCache returns an empty cache.
func NewCache() *Cache { return &Cache{entries: map[types.NamespacedName]entry{}} }

// Client returns the client for ic, building it when the spec generation or the Secret's
// resourceVersion changed since the cached one.
func (c *Cache) Client(ctx context.Context, kube client.Reader, ic *v1alpha1.IntegrationConnection) (provider.Client, error) {
	name := types.NamespacedName{Namespace: ic.Namespace, Name: ic.Name}
	if c.SecretMetadata != nil {
		// Most calls find the client already built: the Secrets' metadata tells so without
		// reading their data from the API server.
		_, _, fingerprint, err := readSecrets(ctx, c.SecretMetadata, ic, func() client.Object {
			m := &metav1.PartialObjectMetadata{}
			m.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
			return m
		})
		if err != nil {
			return nil, err
		}
		if cl := c.current(name, fingerprint, ic.Generation); cl != nil {
			return cl, nil
		}
	}
	credsObj, caObj, fingerprint, err := readSecrets(ctx, kube, ic, func() client.Object { return &corev1.Secret{} })
	if err != nil {
		return nil, err
	}
	secret := credsObj.(*corev1.Secret)
	var caSecret *corev1.Secret
	if caObj != nil {
		caSecret = caObj.(*corev1.Secret)
	}
	key := types.NamespacedName{Namespace: ic.Namespace, Name: ic.Spec.CredentialsSecretRef.Name}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[name]; ok && (e.fingerprint == fingerprint || ic.Generation < e.generation) {
		// Same inputs, or a reader holding an older copy of the connection: keep the newer
		// client and its token bucket.
		return e.client, nil
	}
	cfg, err := c.config(ic, caSecret)
	if err != nil {
		return nil, err
	}
	cl, err := provider.Build(provider.Name(ic.Spec.Provider), cfg, provider.Credentials(secret.Data))
	if err != nil {
		var mk *provider.MissingKeyError
		if errors.As(err, &mk) {
			return nil, &ConfigError{Reason: v1alpha1.ReasonSecretKeyMissing,
				Message: fmt.Sprintf("Secret %q: key %q is missing or empty", key.Name, mk.Key)}
		}
		return nil, &ConfigError{Reason: v1alpha1.ReasonInvalidSpec, Message: err.Error()}
	}
	c.entries[name] = entry{fingerprint: fingerprint, generation: ic.Generation, client: cl}
	return cl, nil
}

// current returns the cached client when it was built from these inputs, or for a newer
// generation of the connection than the one the caller holds.
func (c *Cache) current(name types.NamespacedName, fingerprint string, generation int64) provider.Client {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[name]; ok && (e.fingerprint == fingerprint || generation < e.generation) {
		return e.client
	}
	return nil
}

// readSecrets reads the Secrets ic references (credentials, and the CA bundle if any) into
// objects made by newObj, and returns them with the fingerprint of a client's inputs: the
// connection's generation and the Secrets' resourceVersions.
func readSecrets(ctx context.Context, kube client.Reader, ic *v1alpha1.IntegrationConnection, newObj func() client.Object) (creds, ca client.Object, fingerprint string, err error) {
	key := types.NamespacedName{Namespace: ic.Namespace, Name: ic.Spec.CredentialsSecretRef.Name}
	creds = newObj()
	if err := kube.Get(ctx, key, creds); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, nil, "", &ConfigError{Reason: v1alpha1.ReasonSecretNotFound,
				Message: fmt.Sprintf("Secret %q not found in namespace %q", key.Name, key.Namespace)}
		}
		return nil, nil, "", err
	}
	fingerprint = fmt.Sprintf("%d/%s", ic.Generation, creds.GetResourceVersion())
	if ic.Spec.TLS != nil && ic.Spec.TLS.CABundleSecretRef != nil {
		caKey := types.NamespacedName{Namespace: ic.Namespace, Name: ic.Spec.TLS.CABundleSecretRef.Name}
		ca = newObj()
		if err := kube.Get(ctx, caKey, ca); err != nil {
			if apierrors.IsNotFound(err) {
				return nil, nil, "", &ConfigError{Reason: v1alpha1.ReasonSecretNotFound,
					Message: fmt.Sprintf("CA bundle Secret %q not found in namespace %q", caKey.Name, caKey.Namespace)}
			}
			return nil, nil, "", err
		}
		fingerprint += "/" + ca.GetResourceVersion()
	}
	return creds, ca, fingerprint, nil
}

// Cached returns the client last built for the connection without touching the API server, or
// nil. Controllers that already checked the connection's Ready condition use it.
func (c *Cache) Cached(namespace, name string) provider.Client {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.entries[types.NamespacedName{Namespace: namespace, Name: name}].client
}

// Forget drops a deleted connection's client.
func (c *Cache) Forget(name types.NamespacedName) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, name)
}

func (c *Cache) config(ic *v1alpha1.IntegrationConnection, caSecret *corev1.Secret) (provider.Config, error) {
	cfg := c.Base
	u, err := url.Parse(ic.Spec.URL)
	if err != nil || u.Host == "" {
		return cfg, &ConfigError{Reason: v1alpha1.ReasonInvalidSpec, Message: fmt.Sprintf("spec.url %q is not a valid URL", ic.Spec.URL)}
	}
	cfg.URL = u
	if ic.Spec.AuthURL != "" {
		au, err := url.Parse(ic.Spec.AuthURL)
		if err != nil || au.Host == "" {
			return cfg, &ConfigError{Reason: v1alpha1.ReasonInvalidSpec, Message: fmt.Sprintf("spec.authURL %q is not a valid URL", ic.Spec.AuthURL)}
		}
		cfg.AuthURL = au
	}
	timeout, err := ic.Spec.Timeout.Parse(DefaultTimeout)
	if err != nil || timeout <= 0 {
		return cfg, &ConfigError{Reason: v1alpha1.ReasonInvalidSpec, Message: fmt.Sprintf("spec.timeout %q is not a positive duration", ic.Spec.Timeout)}
	}
	cfg.Timeout = timeout
	if rl := ic.Spec.RateLimit; rl != nil {
		cfg.RequestsPerMinute = int(rl.RequestsPerMinute)
		cfg.Burst = int(rl.Burst)
	}
	if t := ic.Spec.TLS; t != nil {
		if t.InsecureSkipVerify && !c.AllowInsecureTLS {
			return cfg, &ConfigError{Reason: v1alpha1.ReasonInvalidSpec,
				Message: "spec.tls.insecureSkipVerify is true, but the manager runs without --allow-insecure-tls: " +
					"give the server's CA in spec.tls.caBundleSecretRef, or have the cluster operator start the manager with --allow-insecure-tls"}
		}
		tc := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: t.InsecureSkipVerify} //nolint:gosec // the user asked for it explicitly
		if t.CABundleSecretRef != nil {
			pem := caSecret.Data[t.CABundleSecretRef.Key]
			if len(pem) == 0 {
				return cfg, &ConfigError{Reason: v1alpha1.ReasonSecretKeyMissing,
					Message: fmt.Sprintf("Secret %q: key %q is missing or empty", caSecret.Name, t.CABundleSecretRef.Key)}
			}
			pool, err := x509.SystemCertPool()
			if err != nil {
				pool = x509.NewCertPool()
			}
			if !pool.AppendCertsFromPEM(pem) {
				return cfg, &ConfigError{Reason: v1alpha1.ReasonInvalidSpec,
					Message: fmt.Sprintf("Secret %q key %q holds no PEM certificate", caSecret.Name, t.CABundleSecretRef.Key)}
			}
			tc.RootCAs = pool
		}
		cfg.TLS = tc
	}
	return cfg, nil
}
