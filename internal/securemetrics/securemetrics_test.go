package securemetrics_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	certutil "k8s.io/client-go/util/cert"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/yaml"

	"github.com/accountsync/accountsync-operator/internal/provider"
	"github.com/accountsync/accountsync-operator/internal/provider/httpx"
	"github.com/accountsync/accountsync-operator/internal/securemetrics"
)

func TestFlagDefaults(t *testing.T) {
	parse := func(args ...string) securemetrics.Config {
		var c securemetrics.Config
		fs := flag.NewFlagSet("manager", flag.ContinueOnError)
		c.BindFlags(fs)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		return c
	}
	cases := []struct {
		args        []string
		addr        string
		secure      bool
		hasFilter   bool
		tlsSettings int
	}{
		{nil, ":8443", true, true, 1},
		{[]string{"--metrics-secure=false"}, ":8080", false, false, 0},
		{[]string{"--metrics-bind-address=:9090"}, ":9090", true, true, 1},
		{[]string{"--metrics-secure=false", "--metrics-bind-address=:9090"}, ":9090", false, false, 0},
		{[]string{"--metrics-bind-address=0"}, "0", true, true, 1},
		{[]string{"--enable-http2"}, ":8443", true, true, 0},
	}
	for _, tc := range cases {
		c := parse(tc.args...)
		opts, watcher, err := c.Options()
		if err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if opts.BindAddress != tc.addr || opts.SecureServing != tc.secure || (opts.FilterProvider != nil) != tc.hasFilter ||
			len(opts.TLSOpts) != tc.tlsSettings || watcher != nil {
			t.Errorf("%v: address %q secure %v filter %v TLS settings %d watcher %v", tc.args, opts.BindAddress,
				opts.SecureServing, opts.FilterProvider != nil, len(opts.TLSOpts), watcher != nil)
		}
	}
	if _, _, err := parse("--metrics-secure=false", "--metrics-cert-path=/certs").Options(); err == nil {
		t.Error("a certificate with plain HTTP was accepted")
	}
	if _, _, err := parse("--metrics-cert-path=" + t.TempDir()).Options(); err == nil {
		t.Error("a certificate directory without tls.crt was accepted")
	}
}

// TestSecureEndpoint serves the metrics the way cmd/main.go does, against a real API server:
// the manager runs with nothing but config/rbac/metrics_auth_role.yaml, and scrapers need
// config/rbac/metrics_reader_role.yaml.
func TestSecureEndpoint(t *testing.T) {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		t.Skip("KUBEBUILDER_ASSETS is unset; set it (make test does) to run the API server")
	}
	if testing.Short() {
		t.Skip("starts an API server")
	}
	env := &envtest.Environment{}
	admin, err := env.Start()
	if err != nil {
		t.Fatalf("start envtest: %v", err)
	}
	t.Cleanup(func() {
		if err := env.Stop(); err != nil {
			t.Errorf("stop envtest: %v", err)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	kube := kubernetes.NewForConfigOrDie(admin)

	authRole := clusterRole(ctx, t, kube, "../../config/rbac/metrics_auth_role.yaml")
	readerRole := clusterRole(ctx, t, kube, "../../config/rbac/metrics_reader_role.yaml")
	const ns = "default"
	managerToken := serviceAccountToken(ctx, t, kube, ns, "manager", authRole)
	scraperToken := serviceAccountToken(ctx, t, kube, ns, "prometheus", readerRole)
	strangerToken := serviceAccountToken(ctx, t, kube, ns, "stranger", "")

	// The manager's identity is its ServiceAccount, so a missing rule in the role fails here.
	managerCfg := rest.AnonymousClientConfig(admin)
	managerCfg.BearerToken = managerToken

	// One vendor call, so an accountsync_ series is in the registry the endpoint serves.
	vendor := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "{}") }))
	defer vendor.Close()
	vendorURL, _ := url.Parse(vendor.URL)
	call := httpx.New(httpx.Options{Provider: "KaseyaVSA", Config: provider.Config{URL: vendorURL}})
	if _, err := call.Do(ctx, httpx.Request{Operation: "MetricsAuthTest", Method: http.MethodGet, Path: "/"}); err != nil {
		t.Fatal(err)
	}
	wantSeries := `accountsync_provider_api_calls_total{operation="MetricsAuthTest",provider="KaseyaVSA",result="ok"} 1`

	t.Run("self-signed certificate", func(t *testing.T) {
		addr := start(ctx, t, managerCfg, securemetrics.Config{BindAddress: freeAddress(t), Secure: true})
		insecure := &http.Client{Transport: &http.Transport{
			TLSClientConfig:   &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // the certificate is self-signed
			ForceAttemptHTTP2: true,
		}}
		get := func(token string) (int, string, string) {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+addr+"/metrics", nil)
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			resp, err := insecure.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(body), resp.Proto
		}
		if code, body, _ := get(""); code != http.StatusUnauthorized {
			t.Errorf("no token: %d %s, want 401", code, body)
		}
		// The API server's TokenReview says "not authenticated, with an error" for a token
		// it did not issue, which controller-runtime's filter answers with 500: refused all
		// the same.
		if code, body, _ := get("not-a-token"); code == http.StatusOK || strings.Contains(body, "accountsync_") {
			t.Errorf("a made-up token: %d %s, want it refused", code, body)
		}
		if code, body, _ := get(strangerToken); code != http.StatusForbidden || !strings.Contains(body, "system:serviceaccount:default:stranger") {
			t.Errorf("token without metrics-reader: %d %s, want 403", code, body)
		}
		code, body, proto := get(scraperToken)
		if code != http.StatusOK || !strings.Contains(body, wantSeries) {
			t.Errorf("metrics-reader token: %d, want 200 with %s; got:\n%.2000s", code, wantSeries, body)
		}
		if proto != "HTTP/1.1" {
			t.Errorf("served over %s; HTTP/2 must be off unless --enable-http2", proto)
		}
		// Plain HTTP on the HTTPS port gets no metrics.
		resp, err := http.Get("http://" + addr + "/metrics")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK || strings.Contains(string(body), "accountsync_") {
				t.Errorf("plain HTTP: %d %.200s", resp.StatusCode, body)
			}
		}
	})

	t.Run("certificate from --metrics-cert-path", func(t *testing.T) {
		dir := t.TempDir()
		certPEM, keyPEM, err := certutil.GenerateSelfSignedCertKey("accountsync-metrics.accountsync-system.svc", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		must(t, os.WriteFile(filepath.Join(dir, "tls.crt"), certPEM, 0o600))
		must(t, os.WriteFile(filepath.Join(dir, "tls.key"), keyPEM, 0o600))
		addr := start(ctx, t, managerCfg, securemetrics.Config{BindAddress: freeAddress(t), Secure: true,
			CertPath: dir, CertName: "tls.crt", KeyName: "tls.key"})
		roots := x509.NewCertPool()
		roots.AppendCertsFromPEM(certPEM)
		// Verifies the chain and the name: the server presents the mounted certificate.
		verifying := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{
			RootCAs: roots, ServerName: "accountsync-metrics.accountsync-system.svc", MinVersion: tls.VersionTLS12}}}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+addr+"/metrics", nil)
		req.Header.Set("Authorization", "Bearer "+scraperToken)
		resp, err := verifying.Do(req)
		if err != nil {
			t.Fatalf("scrape verifying the mounted certificate: %v", err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), wantSeries) {
			t.Errorf("%d, want 200 with %s", resp.StatusCode, wantSeries)
		}
	})

	t.Run("plain HTTP when asked", func(t *testing.T) {
		addr := start(ctx, t, managerCfg, securemetrics.Config{BindAddress: freeAddress(t), Secure: false})
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), wantSeries) {
			t.Errorf("--metrics-secure=false: %d, want 200 without a token", resp.StatusCode)
		}
	})
}

// start runs a manager with the metrics options of cfg until the test ends and returns the
// metrics address once it answers.
func start(ctx context.Context, t *testing.T, restCfg *rest.Config, cfg securemetrics.Config) string {
	t.Helper()
	opts, watcher, err := cfg.Options()
	if err != nil {
		t.Fatal(err)
	}
	mgr, err := manager.New(restCfg, manager.Options{Metrics: opts, HealthProbeBindAddress: "0"})
	if err != nil {
		t.Fatal(err)
	}
	if watcher != nil {
		must(t, mgr.Add(watcher))
	}
	mgrCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- mgr.Start(mgrCtx) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("manager: %v", err)
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", cfg.BindAddress, time.Second)
		if err == nil {
			_ = conn.Close()
			return cfg.BindAddress
		}
		if time.Now().After(deadline) {
			t.Fatalf("metrics endpoint %s never listened: %v", cfg.BindAddress, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func freeAddress(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// clusterRole creates the ClusterRole of a config/rbac file and returns its name.
func clusterRole(ctx context.Context, t *testing.T, kube kubernetes.Interface, path string) string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var role rbacv1.ClusterRole
	must(t, yaml.UnmarshalStrict(raw, &role))
	if _, err := kube.RbacV1().ClusterRoles().Create(ctx, &role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	return role.Name
}

// serviceAccountToken creates a ServiceAccount, binds it to role ("" for none) and returns a
// token of it from the TokenRequest API.
func serviceAccountToken(ctx context.Context, t *testing.T, kube kubernetes.Interface, ns, name, role string) string {
	t.Helper()
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}}
	if _, err := kube.CoreV1().ServiceAccounts(ns).Create(ctx, sa, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if role != "" {
		binding := &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-%s", name, role)},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: name, Namespace: ns}},
		}
		if _, err := kube.RbacV1().ClusterRoleBindings().Create(ctx, binding, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	tr, err := kube.CoreV1().ServiceAccounts(ns).CreateToken(ctx, name, &authenticationv1.TokenRequest{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("token of %s/%s: %v", ns, name, err)
	}
	return tr.Status.Token
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
