package chart_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// renderSet renders the operator chart as release r in namespace ns with --set values.
func renderSet(t *testing.T, set ...string) []*unstructured.Unstructured {
	t.Helper()
	var extra []string
	for _, s := range set {
		extra = append(extra, "--set", s)
	}
	return Objects(t, RenderChart(t, OperatorChart, "r", "ns", extra...))
}

// endpoint returns the ServiceMonitor's single endpoint.
func endpoint(t *testing.T, objs []*unstructured.Unstructured) map[string]any {
	t.Helper()
	sms := Find(objs, "ServiceMonitor")
	if len(sms) != 1 {
		t.Fatalf("want one ServiceMonitor, got %d", len(sms))
	}
	eps, _, _ := unstructured.NestedSlice(sms[0].Object, "spec", "endpoints")
	if len(eps) != 1 {
		t.Fatalf("want one endpoint, got %d", len(eps))
	}
	return eps[0].(map[string]any)
}

func deployment(t *testing.T, objs []*unstructured.Unstructured) appsv1.Deployment {
	t.Helper()
	var d appsv1.Deployment
	convert(t, Find(objs, "Deployment")[0], &d)
	return d
}

// The manager serves HTTPS with authentication by default, the ServiceMonitor scrapes it that
// way, and each certificate option reaches both the manager and the scraper consistently.
func TestSecureMetrics(t *testing.T) {
	t.Run("default: HTTPS, self-signed, Prometheus' own token", func(t *testing.T) {
		objs := renderSet(t, "serviceMonitor.enabled=true")
		args := managerArgs(t, objs)
		if args["--metrics-secure"] != "true" || args["--metrics-bind-address"] != ":8443" {
			t.Errorf("args %v", args)
		}
		if _, ok := args["--metrics-cert-path"]; ok {
			t.Error("--metrics-cert-path without a certificate")
		}
		ep := endpoint(t, objs)
		want := map[string]any{
			"port": "metrics", "path": "/metrics", "interval": "30s", "scrapeTimeout": "10s", "honorLabels": true,
			"scheme": "https", "bearerTokenFile": "/var/run/secrets/kubernetes.io/serviceaccount/token",
			"tlsConfig": map[string]any{"insecureSkipVerify": true},
		}
		if !reflect.DeepEqual(ep, want) {
			t.Errorf("endpoint %v\nwant %v", ep, want)
		}
		var svc corev1.Service
		convert(t, Find(objs, "Service")[0], &svc)
		if p := svc.Spec.Ports[0]; p.Port != 8443 || p.TargetPort.String() != "metrics" || p.AppProtocol == nil || *p.AppProtocol != "https" {
			t.Errorf("Service port %+v", p)
		}
	})

	t.Run("plain HTTP when metrics.secure=false", func(t *testing.T) {
		objs := renderSet(t, "serviceMonitor.enabled=true", "metrics.secure=false", "metrics.port=8080", "metrics.service.port=8080")
		if args := managerArgs(t, objs); args["--metrics-secure"] != "false" || args["--metrics-bind-address"] != ":8080" {
			t.Errorf("args %v", args)
		}
		ep := endpoint(t, objs)
		if ep["scheme"] != "http" || ep["tlsConfig"] != nil || ep["bearerTokenFile"] != nil || ep["authorization"] != nil {
			t.Errorf("endpoint %v, want plain http without token or TLS", ep)
		}
		for _, cr := range Find(objs, "ClusterRole") {
			t.Errorf("plain HTTP still renders %s", identity(cr))
		}
	})

	t.Run("certificate Secret: mounted, passed, verified by the scraper", func(t *testing.T) {
		objs := renderSet(t, "serviceMonitor.enabled=true", "metrics.certificate.secretName=metrics-tls")
		checkMountedCert(t, objs, "metrics-tls")
		ep := endpoint(t, objs)
		want := map[string]any{"serverName": "r-accountsync-metrics.ns.svc", "ca": map[string]any{"secret": map[string]any{"name": "metrics-tls", "key": "ca.crt"}}}
		if !reflect.DeepEqual(ep["tlsConfig"], want) {
			t.Errorf("tlsConfig %v, want %v", ep["tlsConfig"], want)
		}
		if len(Find(objs, "Certificate")) != 0 {
			t.Error("a Certificate without certManager.enabled")
		}
	})

	t.Run("cert-manager: a Certificate for the Service's names, in the mounted Secret", func(t *testing.T) {
		objs := renderSet(t, "serviceMonitor.enabled=true", "metrics.certificate.certManager.enabled=true",
			"metrics.certificate.certManager.issuerRef.name=msp-ca", "metrics.certificate.certManager.issuerRef.kind=ClusterIssuer")
		checkMountedCert(t, objs, "r-accountsync-metrics-cert")
		certs := Find(objs, "Certificate")
		if len(certs) != 1 || certs[0].GetAPIVersion() != "cert-manager.io/v1" {
			t.Fatalf("want one cert-manager.io/v1 Certificate, got %d", len(certs))
		}
		spec := certs[0].Object["spec"].(map[string]any)
		svc := Find(objs, "Service")[0].GetName()
		wantNames := []any{svc + ".ns.svc", svc + ".ns.svc.cluster.local"}
		if spec["secretName"] != "r-accountsync-metrics-cert" || !reflect.DeepEqual(spec["dnsNames"], wantNames) ||
			!reflect.DeepEqual(spec["issuerRef"], map[string]any{"name": "msp-ca", "kind": "ClusterIssuer"}) {
			t.Errorf("Certificate spec %v", spec)
		}
		tls := endpoint(t, objs)["tlsConfig"].(map[string]any)
		if tls["serverName"] != wantNames[0] || tls["insecureSkipVerify"] != nil {
			t.Errorf("tlsConfig %v, want verification against %s", tls, wantNames[0])
		}
	})

	t.Run("token from a Secret, tlsConfig override", func(t *testing.T) {
		objs := renderSet(t, "serviceMonitor.enabled=true", "serviceMonitor.bearerTokenSecret.name=scraper",
			"serviceMonitor.bearerTokenSecret.key=token", "serviceMonitor.tlsConfig.serverName=metrics.example")
		ep := endpoint(t, objs)
		if ep["bearerTokenFile"] != nil || !reflect.DeepEqual(ep["authorization"],
			map[string]any{"type": "Bearer", "credentials": map[string]any{"name": "scraper", "key": "token"}}) {
			t.Errorf("endpoint %v", ep)
		}
		if !reflect.DeepEqual(ep["tlsConfig"], map[string]any{"serverName": "metrics.example"}) {
			t.Errorf("tlsConfig %v, want the override verbatim", ep["tlsConfig"])
		}
	})
}

func checkMountedCert(t *testing.T, objs []*unstructured.Unstructured, secret string) {
	t.Helper()
	d := deployment(t, objs)
	if v := managerArgs(t, objs)["--metrics-cert-path"]; v != "/etc/accountsync/metrics-certs" {
		t.Errorf("--metrics-cert-path=%q", v)
	}
	var vol *corev1.Volume
	for i, v := range d.Spec.Template.Spec.Volumes {
		if v.Name == "metrics-cert" {
			vol = &d.Spec.Template.Spec.Volumes[i]
		}
	}
	if vol == nil || vol.Secret == nil || vol.Secret.SecretName != secret {
		t.Fatalf("metrics-cert volume %+v, want Secret %s", vol, secret)
	}
	mounted := false
	for _, m := range d.Spec.Template.Spec.Containers[0].VolumeMounts {
		if m.Name == "metrics-cert" && m.MountPath == "/etc/accountsync/metrics-certs" && m.ReadOnly && m.SubPath == "" {
			mounted = true // no subPath: a renewed Secret reaches the running pod
		}
	}
	if !mounted {
		t.Error("metrics-cert is not mounted read-only at /etc/accountsync/metrics-certs")
	}
}

// The chart grants what config/rbac/metrics_*_role.yaml say (tested against a real API server
// in internal/securemetrics), under names no two releases share.
func TestMetricsRBAC(t *testing.T) {
	fromFile := func(name string) []rbacv1.PolicyRule {
		raw, err := os.ReadFile(filepath.Join("..", "..", "config", "rbac", name))
		if err != nil {
			t.Fatal(err)
		}
		var cr rbacv1.ClusterRole
		must(t, yaml.UnmarshalStrict(raw, &cr))
		return cr.Rules
	}
	objs := Objects(t, tenantA.render(t))
	byName := map[string]rbacv1.Role{}
	for _, cr := range roles(t, objs, "ClusterRole") {
		byName[cr.Name] = cr
	}
	auth, reader := byName["msp-a.tenant-a-accountsync.metrics-auth"], byName["msp-a.tenant-a-accountsync.metrics-reader"]
	if !reflect.DeepEqual(auth.Rules, fromFile("metrics_auth_role.yaml")) {
		t.Errorf("metrics-auth rules %+v differ from config/rbac/metrics_auth_role.yaml", auth.Rules)
	}
	if !reflect.DeepEqual(reader.Rules, fromFile("metrics_reader_role.yaml")) {
		t.Errorf("metrics-reader rules %+v differ from config/rbac/metrics_reader_role.yaml", reader.Rules)
	}
	bindings := map[string]rbacv1.ClusterRoleBinding{}
	for _, o := range Find(objs, "ClusterRoleBinding") {
		var b rbacv1.ClusterRoleBinding
		convert(t, o, &b)
		bindings[b.RoleRef.Name] = b
	}
	wantAuth := []rbacv1.Subject{{Kind: "ServiceAccount", Name: "tenant-a-accountsync", Namespace: "msp-a"}}
	if b := bindings[auth.Name]; !reflect.DeepEqual(b.Subjects, wantAuth) {
		t.Errorf("metrics-auth bound to %+v, want the manager's ServiceAccount", b.Subjects)
	}
	wantReader := []rbacv1.Subject{{Kind: "ServiceAccount", Name: "kube-prometheus-stack-prometheus", Namespace: "monitoring"}}
	if b := bindings[reader.Name]; !reflect.DeepEqual(b.Subjects, wantReader) {
		t.Errorf("metrics-reader bound to %+v, want metrics.readerSubjects", b.Subjects)
	}
	def := Find(renderSet(t), "ClusterRoleBinding")
	if len(def) != 1 || def[0].GetName() != "ns.r-accountsync.metrics-auth" {
		t.Errorf("default: %d ClusterRoleBindings, want only metrics-auth's (metrics-reader is bound only to readerSubjects)", len(def))
	}
}

// Metrics may come in only from labelled namespaces and the listed peers; the manager may
// still reach the API server, which the metrics filter asks about every scraper.
func TestNetworkPolicyMetricsIngress(t *testing.T) {
	policy := func(t *testing.T, set ...string) networkingv1.NetworkPolicy {
		nps := Find(renderSet(t, append([]string{"networkPolicy.enabled=true"}, set...)...), "NetworkPolicy")
		if len(nps) != 1 {
			t.Fatalf("want one NetworkPolicy, got %d", len(nps))
		}
		var np networkingv1.NetworkPolicy
		convert(t, nps[0], &np)
		return np
	}
	labelled := networkingv1.NetworkPolicyPeer{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"metrics": "enabled"}}}
	monitoring := networkingv1.NetworkPolicyPeer{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": "monitoring"}}}

	np := policy(t)
	if len(np.Spec.Ingress) != 1 || !reflect.DeepEqual(np.Spec.Ingress[0].From, []networkingv1.NetworkPolicyPeer{labelled}) ||
		np.Spec.Ingress[0].Ports[0].Port.String() != "metrics" {
		t.Errorf("default ingress %+v, want the metrics port from namespaces labelled metrics=enabled", np.Spec.Ingress)
	}
	apiServer := false
	for _, e := range np.Spec.Egress {
		for _, p := range e.Ports {
			if p.Port.IntValue() == 6443 {
				apiServer = true
			}
		}
	}
	if !apiServer {
		t.Error("no egress to the API server: TokenReviews and SubjectAccessReviews would fail")
	}
	if got := policy(t, "networkPolicy.metricsFrom[0].namespaceSelector.matchLabels.kubernetes\\.io/metadata\\.name=monitoring").Spec.Ingress[0].From; !reflect.DeepEqual(got, []networkingv1.NetworkPolicyPeer{labelled, monitoring}) {
		t.Errorf("labels and a peer: from %+v", got)
	}
	if got := policy(t, "networkPolicy.metricsNamespaceLabels=null").Spec.Ingress; len(got) != 1 || got[0].From != nil {
		t.Errorf("no labels and no peers: %+v, want the metrics port open to any source", got)
	}
	if got := policy(t, "metrics.enabled=false").Spec.Ingress; len(got) != 0 {
		t.Errorf("metrics off: ingress %+v, want none", got)
	}
	for _, o := range Objects(t, tenantA.render(t)) {
		if o.GetKind() == "NetworkPolicy" && !strings.Contains(string(mustJSON(t, o)), `"metrics":"enabled"`) {
			t.Error("tenant NetworkPolicy lost the labelled-namespace peer")
		}
	}
}

func mustJSON(t *testing.T, o *unstructured.Unstructured) []byte {
	t.Helper()
	b, err := o.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return b
}
