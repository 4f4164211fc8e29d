package connection_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/connection"
	"github.com/accountsync/accountsync-operator/internal/provider"
	_ "github.com/accountsync/accountsync-operator/internal/provider/all" // the real factories, so Build runs as in the manager
)

const ns = "msp-a"

func newScheme(t *testing.T) *runtime.Scheme {
	t.Helper()
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	if err := v1alpha1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	return s
}

func newKube(t *testing.T, objs ...client.Object) client.Client {
	t.Helper()
	return fake.NewClientBuilder().WithScheme(newScheme(t)).WithObjects(objs...).Build()
}

func secret(name string, data map[string]string) *corev1.Secret {
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Data: map[string][]byte{}}
	for k, v := range data {
		s.Data[k] = []byte(v)
	}
	return s
}

// connection returns a CyberQP connection (one required key, apiKey) at generation 1.
func conn(mutate ...func(*v1alpha1.IntegrationConnection)) *v1alpha1.IntegrationConnection {
	ic := &v1alpha1.IntegrationConnection{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "cyberqp", Generation: 1},
		Spec: v1alpha1.IntegrationConnectionSpec{
			Provider:             v1alpha1.ProviderCyberQP,
			URL:                  "https://portal.cyberqp.example",
			CredentialsSecretRef: v1alpha1.LocalObjectReference{Name: "cyberqp-creds"},
			Timeout:              "30s",
		},
	}
	for _, m := range mutate {
		m(ic)
	}
	return ic
}

func withCABundle(name, key string) func(*v1alpha1.IntegrationConnection) {
	return func(ic *v1alpha1.IntegrationConnection) {
		ic.Spec.TLS = &v1alpha1.TLSConfig{CABundleSecretRef: &v1alpha1.SecretKeySelector{Name: name, Key: key}}
	}
}

func creds() *corev1.Secret { return secret("cyberqp-creds", map[string]string{"apiKey": "k-123456"}) }

// wantConfigError asserts err is a ConfigError with reason, whose message mentions every one of
// mentions (the message becomes the Ready condition a person reads to fix the problem).
func wantConfigError(t *testing.T, err error, reason string, mentions ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want a ConfigError %s, got no error", reason)
	}
	ce, ok := connection.AsConfigError(err)
	if !ok {
		t.Fatalf("want a ConfigError %s, got %T: %v", reason, err, err)
	}
	if ce.Reason != reason {
		t.Fatalf("reason = %s (%s), want %s", ce.Reason, ce.Message, reason)
	}
	for _, m := range mentions {
		if !strings.Contains(ce.Message, m) {
			t.Errorf("message %q does not mention %q", ce.Message, m)
		}
	}
}

func TestClientConfigErrors(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		objs     []client.Object
		ic       *v1alpha1.IntegrationConnection
		reason   string
		mentions []string
	}{
		{
			name:     "credentials Secret missing",
			ic:       conn(),
			reason:   v1alpha1.ReasonSecretNotFound,
			mentions: []string{`"cyberqp-creds"`, `"msp-a"`},
		},
		{
			name:     "required key absent",
			objs:     []client.Object{secret("cyberqp-creds", map[string]string{"apikey": "wrong case"})},
			ic:       conn(),
			reason:   v1alpha1.ReasonSecretKeyMissing,
			mentions: []string{`"cyberqp-creds"`, `"apiKey"`},
		},
		{
			name:     "required key empty",
			objs:     []client.Object{secret("cyberqp-creds", map[string]string{"apiKey": ""})},
			ic:       conn(),
			reason:   v1alpha1.ReasonSecretKeyMissing,
			mentions: []string{`"apiKey"`},
		},
		{
			// A ConnectWise Secret lacking its third key: the message must name that key,
			// not just say "something is missing".
			name: "multi-key provider names the missing key",
			objs: []client.Object{secret("cw-creds", map[string]string{"companyId": "acme", "publicKey": "pub", "clientId": "cid"})},
			ic: conn(func(ic *v1alpha1.IntegrationConnection) {
				ic.Spec.Provider = v1alpha1.ProviderConnectWisePSA
				ic.Spec.CredentialsSecretRef.Name = "cw-creds"
			}),
			reason:   v1alpha1.ReasonSecretKeyMissing,
			mentions: []string{`"cw-creds"`, `"privateKey"`},
		},
		{
			name:     "timeout not a duration",
			objs:     []client.Object{creds()},
			ic:       conn(func(ic *v1alpha1.IntegrationConnection) { ic.Spec.Timeout = "soon" }),
			reason:   v1alpha1.ReasonInvalidSpec,
			mentions: []string{"spec.timeout", `"soon"`},
		},
		{
			// Parses, but a zero timeout would mean "no timeout" to net/http.
			name:     "timeout zero",
			objs:     []client.Object{creds()},
			ic:       conn(func(ic *v1alpha1.IntegrationConnection) { ic.Spec.Timeout = "0s" }),
			reason:   v1alpha1.ReasonInvalidSpec,
			mentions: []string{"spec.timeout"},
		},
		{
			name:     "timeout negative",
			objs:     []client.Object{creds()},
			ic:       conn(func(ic *v1alpha1.IntegrationConnection) { ic.Spec.Timeout = "-5s" }),
			reason:   v1alpha1.ReasonInvalidSpec,
			mentions: []string{"spec.timeout"},
		},
		{
			name:     "url without a host",
			objs:     []client.Object{creds()},
			ic:       conn(func(ic *v1alpha1.IntegrationConnection) { ic.Spec.URL = "portal.cyberqp.example/api" }),
			reason:   v1alpha1.ReasonInvalidSpec,
			mentions: []string{"spec.url"},
		},
		{
			name:     "authURL without a host",
			objs:     []client.Object{creds()},
			ic:       conn(func(ic *v1alpha1.IntegrationConnection) { ic.Spec.AuthURL = "auth.example.com/auth" }),
			reason:   v1alpha1.ReasonInvalidSpec,
			mentions: []string{"spec.authURL", "auth.example.com/auth"},
		},
		{
			name:     "CA bundle Secret missing",
			objs:     []client.Object{creds()},
			ic:       conn(withCABundle("private-ca", "ca.crt")),
			reason:   v1alpha1.ReasonSecretNotFound,
			mentions: []string{"CA bundle", `"private-ca"`, `"msp-a"`},
		},
		{
			name:     "CA bundle key absent",
			objs:     []client.Object{creds(), secret("private-ca", map[string]string{"tls.crt": "x"})},
			ic:       conn(withCABundle("private-ca", "ca.crt")),
			reason:   v1alpha1.ReasonSecretKeyMissing,
			mentions: []string{`"private-ca"`, `"ca.crt"`},
		},
		{
			name:     "CA bundle key empty",
			objs:     []client.Object{creds(), secret("private-ca", map[string]string{"ca.crt": ""})},
			ic:       conn(withCABundle("private-ca", "ca.crt")),
			reason:   v1alpha1.ReasonSecretKeyMissing,
			mentions: []string{`"ca.crt"`},
		},
		{
			name:     "CA bundle not PEM",
			objs:     []client.Object{creds(), secret("private-ca", map[string]string{"ca.crt": "MIIBszCCAVmgAwIBAgIU (base64 DER without armour)"})},
			ic:       conn(withCABundle("private-ca", "ca.crt")),
			reason:   v1alpha1.ReasonInvalidSpec,
			mentions: []string{`"private-ca"`, `"ca.crt"`, "PEM"},
		},
		{
			// PEM armour around something that is not a certificate (a key pasted by mistake).
			name:     "CA bundle PEM but no certificate",
			objs:     []client.Object{creds(), secret("private-ca", map[string]string{"ca.crt": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"})},
			ic:       conn(withCABundle("private-ca", "ca.crt")),
			reason:   v1alpha1.ReasonInvalidSpec,
			mentions: []string{"PEM"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := connection.NewCache()
			cl, err := c.Client(ctx, newKube(t, tc.objs...), tc.ic)
			wantConfigError(t, err, tc.reason, tc.mentions...)
			if cl != nil {
				t.Errorf("a client came back with the error")
			}
			if got := c.Cached(tc.ic.Namespace, tc.ic.Name); got != nil {
				t.Errorf("a failed build was cached")
			}
		})
	}
}

// Every registered provider builds from a Secret holding its documented keys (the list in the
// CRD's spec.provider doc), so the cache and the factories agree on key names.
func TestClientBuildsEveryProvider(t *testing.T) {
	keys := map[v1alpha1.ProviderName][]string{
		v1alpha1.ProviderKaseyaVSA:      {"username", "token"},
		v1alpha1.ProviderGravityZone:    {"apiKey"},
		v1alpha1.ProviderCyberQP:        {"apiKey"},
		v1alpha1.ProviderKaseyaBMS:      {"username", "password", "tenant"},
		v1alpha1.ProviderConnectWisePSA: {"companyId", "publicKey", "privateKey", "clientId"},
		v1alpha1.ProviderHaloPSA:        {"clientId", "clientSecret"},
	}
	for p, ks := range keys {
		t.Run(string(p), func(t *testing.T) {
			data := map[string]string{}
			for _, k := range ks {
				data[k] = "value-of-" + k
			}
			ic := conn(func(ic *v1alpha1.IntegrationConnection) {
				ic.Name = strings.ToLower(string(p))
				ic.Spec.Provider = p
				ic.Spec.CredentialsSecretRef.Name = "creds"
				ic.Spec.Timeout = "" // unset: DefaultTimeout applies
			})
			cl, err := connection.NewCache().Client(context.Background(), newKube(t, secret("creds", data)), ic)
			if err != nil {
				t.Fatalf("build with keys %v: %v", ks, err)
			}
			if cl.Provider() != provider.Name(p) {
				t.Errorf("built a %s client for provider %s", cl.Provider(), p)
			}
		})
	}
}

// One client per connection is what makes every policy and mapping share one token bucket and
// one vendor token: it must survive reconciles and be replaced only when its inputs change.
func TestClientReuseAndRebuild(t *testing.T) {
	ctx := context.Background()
	kube := newKube(t, creds())
	c := connection.NewCache()
	ic := conn()

	first, err := c.Client(ctx, kube, ic)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		again, err := c.Client(ctx, kube, ic.DeepCopy())
		if err != nil {
			t.Fatal(err)
		}
		if again != first {
			t.Fatalf("call %d: a new client although neither generation nor Secret changed", i)
		}
	}
	if got := c.Cached(ns, ic.Name); got != first {
		t.Fatalf("Cached = %v, want the client just built", got)
	}

	// A status-only change (same generation) must not rebuild either.
	ic.Status.ServerVersion = "9.4"
	if again, _ := c.Client(ctx, kube, ic); again != first {
		t.Fatal("a status change rebuilt the client")
	}

	// The Secret changes (a rotated key): a new client, and it is the cached one from then on.
	s := &corev1.Secret{}
	if err := kube.Get(ctx, types.NamespacedName{Namespace: ns, Name: "cyberqp-creds"}, s); err != nil {
		t.Fatal(err)
	}
	s.Data["apiKey"] = []byte("k-rotated")
	if err := kube.Update(ctx, s); err != nil {
		t.Fatal(err)
	}
	second, err := c.Client(ctx, kube, ic)
	if err != nil {
		t.Fatal(err)
	}
	if second == first {
		t.Fatal("the Secret changed but the old client came back")
	}
	if again, _ := c.Client(ctx, kube, ic); again != second {
		t.Fatal("the rebuilt client was not kept")
	}
	if c.Cached(ns, ic.Name) != second {
		t.Fatal("Cached does not return the rebuilt client")
	}

	// The spec changes (new generation): a new client again.
	ic.Generation++
	third, err := c.Client(ctx, kube, ic)
	if err != nil {
		t.Fatal(err)
	}
	if third == second || third == first {
		t.Fatal("the generation changed but an old client came back")
	}

	// Another connection in the namespace gets its own client, and leaves this one alone.
	other := conn(func(o *v1alpha1.IntegrationConnection) { o.Name = "cyberqp-2" })
	o, err := c.Client(ctx, kube, other)
	if err != nil {
		t.Fatal(err)
	}
	if o == third {
		t.Fatal("two connections share one client")
	}
	if c.Cached(ns, ic.Name) != third {
		t.Fatal("building another connection's client replaced this one's")
	}

	// Forget drops only the named connection; the next Client builds afresh.
	c.Forget(types.NamespacedName{Namespace: ns, Name: ic.Name})
	if got := c.Cached(ns, ic.Name); got != nil {
		t.Fatalf("Cached after Forget = %v, want nil", got)
	}
	if c.Cached(ns, other.Name) != o {
		t.Fatal("Forget dropped another connection's client")
	}
	fourth, err := c.Client(ctx, kube, ic)
	if err != nil {
		t.Fatal(err)
	}
	if fourth == third {
		t.Fatal("after Forget the forgotten client came back")
	}
	if c.Cached("elsewhere", ic.Name) != nil {
		t.Fatal("Cached found a client in another namespace")
	}
}

// A change to the CA bundle Secret alone (new CA, same spec) must rebuild the client, or the
// connection would keep trusting the old CA until the next spec edit.
func TestClientRebuildsOnCABundleChange(t *testing.T) {
	ctx := context.Background()
	caPEM, _ := selfSignedCA(t)
	kube := newKube(t, creds(), secret("private-ca", map[string]string{"ca.crt": string(caPEM)}))
	c := connection.NewCache()
	ic := conn(withCABundle("private-ca", "ca.crt"))

	first, err := c.Client(ctx, kube, ic)
	if err != nil {
		t.Fatalf("valid PEM CA bundle: %v", err)
	}
	if again, _ := c.Client(ctx, kube, ic); again != first {
		t.Fatal("nothing changed but the client was rebuilt")
	}
	newPEM, _ := selfSignedCA(t)
	s := &corev1.Secret{}
	if err := kube.Get(ctx, types.NamespacedName{Namespace: ns, Name: "private-ca"}, s); err != nil {
		t.Fatal(err)
	}
	s.Data["ca.crt"] = newPEM
	if err := kube.Update(ctx, s); err != nil {
		t.Fatal(err)
	}
	second, err := c.Client(ctx, kube, ic)
	if err != nil {
		t.Fatal(err)
	}
	if second == first {
		t.Fatal("the CA bundle changed but the old client came back")
	}
}

// The CA bundle must actually be trusted by the built client: a CyberQP client probes a local
// HTTPS server whose certificate only the generated CA vouches for. With the bundle the request
// reaches the handler; without it the TLS handshake fails first.
func TestClientTrustsCABundle(t *testing.T) {
	caPEM, serverCert := selfSignedCA(t)
	var hits atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"items":[],"maxCount":0}`))
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{serverCert}, MinVersion: tls.VersionTLS12}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes below are expected
	srv.StartTLS()
	defer srv.Close()

	ctx := context.Background()
	objs := []client.Object{creds(), secret("private-ca", map[string]string{"ca.crt": string(caPEM)})}
	probe := func(t *testing.T, ic *v1alpha1.IntegrationConnection) error {
		t.Helper()
		c := connection.NewCache()
		// One attempt, no back-off: a TLS failure must not be retried for seconds.
		c.Base = provider.Config{MaxRetries: 1, Backoff: time.Millisecond}
		cl, err := c.Client(ctx, newKube(t, objs...), ic)
		if err != nil {
			t.Fatalf("build: %v", err)
		}
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		_, err = cl.Probe(pctx)
		return err
	}
	at := func(ic *v1alpha1.IntegrationConnection) { ic.Spec.URL = srv.URL; ic.Spec.Timeout = "5s" }

	t.Run("with the CA bundle", func(t *testing.T) {
		hits.Store(0)
		err := probe(t, conn(at, withCABundle("private-ca", "ca.crt")))
		if hits.Load() == 0 {
			t.Fatalf("the probe never reached the server (TLS refused the trusted CA?): %v", err)
		}
	})
	t.Run("without it", func(t *testing.T) {
		hits.Store(0)
		err := probe(t, conn(at))
		if err == nil || hits.Load() != 0 {
			t.Fatalf("the probe got through (%d requests, err %v) to a server signed by an unknown CA", hits.Load(), err)
		}
	})
}

// selfSignedCA returns a fresh CA certificate as PEM, and a server certificate for 127.0.0.1
// and localhost signed by it.
func selfSignedCA(t *testing.T) ([]byte, tls.Certificate) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(now.UnixNano()),
		Subject:               pkix.Name{CommonName: "AccountSync test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	srvKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	srvTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(now.UnixNano() + 1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:     []string{"localhost"},
	}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, caCert, &srvKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	return caPEM, tls.Certificate{Certificate: [][]byte{srvDER}, PrivateKey: srvKey}
}
