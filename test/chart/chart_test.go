package chart_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current charts")

// A release as a tenant would install it.
type release struct {
	name, namespace string
	values          []string
}

// renders memoizes release renders: several tests look at the same release, and each helm
// run costs a process start. Safe because rendering is deterministic (see
// TestRenderIsDeterministic, which bypasses the cache).
var renders sync.Map

func (r release) render(t *testing.T) []byte {
	t.Helper()
	key := r.name + "@" + r.namespace + ":" + strings.Join(r.values, ",")
	if out, ok := renders.Load(key); ok {
		return out.([]byte)
	}
	out := Render(t, r.name, r.namespace, r.values...)
	renders.Store(key, out)
	return out
}

var (
	defaultRelease = release{"accountsync", "accountsync-system", nil}
	tenantA        = release{"tenant-a", "msp-a", []string{"testdata/tenant.yaml", "testdata/tenant-a.yaml"}}
	tenantB        = release{"tenant-b", "msp-b", []string{"testdata/tenant.yaml"}}
	allNamespaces  = release{"accountsync", "accountsync-system", []string{"testdata/all-namespaces.yaml"}}
)

func TestLint(t *testing.T) {
	runs := [][]string{
		{CRDChart},
		{OperatorChart},
		{OperatorChart, "--values", "testdata/tenant.yaml", "--values", "testdata/tenant-a.yaml"},
		{OperatorChart, "--values", "testdata/all-namespaces.yaml"},
	}
	for _, args := range runs {
		// --strict turns lint warnings into failures.
		out, stderr, err := runHelm(t, append([]string{"lint", "--strict", "--kube-version", KubeVersion}, args...)...)
		if err != nil {
			t.Errorf("helm lint %v: %v\n%s%s", args, err, out, stderr)
		}
	}
}

// Golden renders: a reviewer sees every change to the rendered manifests in the diff.
// Regenerate with: go test ./test/chart -run TestGolden -update
func TestGolden(t *testing.T) {
	cases := map[string]release{
		"default":        defaultRelease,
		"tenant-a":       tenantA,
		"tenant-b":       tenantB,
		"all-namespaces": allNamespaces,
	}
	for name, r := range cases {
		t.Run(name, func(t *testing.T) {
			got := r.render(t)
			path := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (regenerate with -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("render of %s differs from %s (regenerate with -update and review the diff):\n%s", name, path, firstDiff(string(want), string(got)))
			}
		})
	}
}

// Tenant releases share one cluster: nothing two of them render may have the same identity
// (Helm would refuse the second install with "invalid ownership metadata", or worse, two
// managers would share a lease), whatever the release names and namespaces.
func TestTenantsDoNotCollide(t *testing.T) {
	pairs := []struct {
		name string
		a, b release
	}{
		{"tenant-a and tenant-b", tenantA, tenantB},
		{"same release name in two namespaces", release{"accountsync", "msp-a", nil}, release{"accountsync", "msp-b", nil}},
		{"two cluster-wide releases", release{"accountsync", "msp-a", allNamespaces.values}, release{"accountsync", "msp-b", allNamespaces.values}},
		// With a dash between namespace and name both would be "a-b-c-accountsync".
		{"names that only differ in where the dash is", release{"c", "a-b", []string{"testdata/all-namespaces.yaml"}}, release{"b-c", "a", []string{"testdata/all-namespaces.yaml"}}},
		{"two releases in one namespace", release{"tenant-a", "msp-a", nil}, release{"tenant-a2", "msp-a", nil}},
		{"two releases sharing a watched namespace", tenantA, release{"tenant-c", "msp-c", []string{"testdata/tenant-a.yaml"}}},
	}
	for _, p := range pairs {
		t.Run(p.name, func(t *testing.T) {
			ids := map[string]string{}
			for _, r := range []release{p.a, p.b} {
				objs := Objects(t, r.render(t))
				args := managerArgs(t, objs)
				lease := "Lease:" + args["--leader-election-namespace"] + "/" + args["--leader-election-id"]
				keys := []string{lease}
				for _, o := range objs {
					keys = append(keys, identity(o))
				}
				for _, k := range keys {
					if other, dup := ids[k]; dup && other != r.name+"@"+r.namespace {
						t.Errorf("%s is rendered by both %s and %s@%s", k, other, r.name, r.namespace)
					}
					ids[k] = r.name + "@" + r.namespace
				}
			}
		})
	}
}

// The lease the manager is told to use is the one its Role lets it touch, in its namespace.
func TestLeaderElection(t *testing.T) {
	for _, r := range []release{defaultRelease, tenantA, allNamespaces} {
		objs := Objects(t, r.render(t))
		args := managerArgs(t, objs)
		if _, ok := args["--leader-elect"]; !ok {
			t.Errorf("%s: leader election is off", r.name)
		}
		want := r.namespace + "." + r.name
		if !strings.Contains(r.name, "accountsync") {
			want += "-accountsync"
		}
		if args["--leader-election-id"] != want || args["--leader-election-namespace"] != r.namespace {
			t.Errorf("%s: lease %s/%s, want %s/%s", r.name, args["--leader-election-namespace"], args["--leader-election-id"], r.namespace, want)
		}
		var leaseRoles int
		for _, role := range roles(t, objs, "Role") {
			for _, rule := range role.Rules {
				if !slices.Contains(rule.Resources, "leases") {
					continue
				}
				leaseRoles++
				if role.Namespace != r.namespace {
					t.Errorf("%s: Role %s/%s grants leases outside the release namespace", r.name, role.Namespace, role.Name)
				}
				if !reflect.DeepEqual(rule.Verbs, []string{"create"}) && !reflect.DeepEqual(rule.ResourceNames, []string{want}) {
					t.Errorf("%s: lease rule %+v is not limited to the release's lease %q", r.name, rule, want)
				}
			}
		}
		if leaseRoles == 0 {
			t.Errorf("%s: no Role grants the lease", r.name)
		}
		for _, cr := range roles(t, objs, "ClusterRole") {
			for _, rule := range cr.Rules {
				if slices.Contains(rule.Resources, "leases") {
					t.Errorf("%s: ClusterRole %s grants leases cluster-wide", r.name, cr.Name)
				}
			}
		}
	}
}

func TestRBACScope(t *testing.T) {
	want := rulesFile(t)
	t.Run("tenant: a Role per watched namespace, nothing cluster-wide but the metrics roles", func(t *testing.T) {
		objs := Objects(t, tenantA.render(t))
		for _, o := range append(Find(objs, "ClusterRole"), Find(objs, "ClusterRoleBinding")...) {
			if !strings.HasSuffix(o.GetName(), ".metrics-auth") && !strings.HasSuffix(o.GetName(), ".metrics-reader") {
				t.Errorf("tenant release renders cluster-scoped %s", identity(o))
			}
		}
		got := map[string]bool{}
		for _, role := range roles(t, objs, "Role") {
			if strings.HasSuffix(role.Name, ".leader-election") {
				continue
			}
			got[role.Namespace] = true
			if !reflect.DeepEqual(role.Rules, want) {
				t.Errorf("Role %s/%s rules differ from files/rules.yaml", role.Namespace, role.Name)
			}
		}
		if !reflect.DeepEqual(got, map[string]bool{"msp-a": true, "msp-a-sites": true}) {
			t.Errorf("controller Roles in %v, want msp-a and msp-a-sites", got)
		}
		if args := managerArgs(t, objs); args["--watch-namespaces"] != "msp-a,msp-a-sites" {
			t.Errorf("--watch-namespaces=%q", args["--watch-namespaces"])
		}
		for _, rb := range Find(objs, "RoleBinding") {
			var b rbacv1.RoleBinding
			convert(t, rb, &b)
			if len(b.Subjects) != 1 || b.Subjects[0].Namespace != "msp-a" || b.Subjects[0].Name != "tenant-a-accountsync" || b.RoleRef.Name != b.Name {
				t.Errorf("RoleBinding %s/%s binds %+v to %s", b.Namespace, b.Name, b.Subjects, b.RoleRef.Name)
			}
		}
	})
	t.Run("default: the release namespace only", func(t *testing.T) {
		objs := Objects(t, defaultRelease.render(t))
		if args := managerArgs(t, objs); args["--watch-namespaces"] != "accountsync-system" {
			t.Errorf("--watch-namespaces=%q, want the release namespace", args["--watch-namespaces"])
		}
		for _, role := range roles(t, objs, "Role") {
			if role.Namespace != "accountsync-system" {
				t.Errorf("Role in %s", role.Namespace)
			}
		}
	})
	t.Run(`"*": one ClusterRole, no namespace flag`, func(t *testing.T) {
		objs := Objects(t, allNamespaces.render(t))
		var crs []rbacv1.Role
		for _, cr := range roles(t, objs, "ClusterRole") {
			if !strings.Contains(cr.Name, ".metrics-") {
				crs = append(crs, cr)
			}
		}
		bindings := 0
		for _, b := range Find(objs, "ClusterRoleBinding") {
			if !strings.Contains(b.GetName(), ".metrics-") {
				bindings++
			}
		}
		if len(crs) != 1 || !reflect.DeepEqual(crs[0].Rules, want) || bindings != 1 {
			t.Fatalf("want one ClusterRole with files/rules.yaml and its binding (besides the metrics roles), got %d and %d", len(crs), bindings)
		}
		for _, role := range roles(t, objs, "Role") {
			if !strings.HasSuffix(role.Name, ".leader-election") {
				t.Errorf("cluster-wide release also renders Role %s/%s", role.Namespace, role.Name)
			}
		}
		if v, ok := managerArgs(t, objs)["--watch-namespaces"]; ok {
			t.Errorf("--watch-namespaces=%q, want the flag absent (all namespaces)", v)
		}
	})
}

// files/rules.yaml is the one place the controllers' rights are written (to be regenerated
// from the kubebuilder markers). It must keep granting what the controllers use, and nothing
// that would widen a tenant's reach.
func TestRulesFile(t *testing.T) {
	rules := rulesFile(t)
	need := []struct{ group, resource, verb string }{}
	for _, r := range []string{"integrationconnections", "syncpolicies", "accountmappings"} {
		verbs := []string{"get", "list", "watch"}
		if r == "accountmappings" { // the only kind a controller writes the spec of (generated mappings)
			verbs = append(verbs, "create", "update", "patch", "delete")
		}
		for _, v := range verbs {
			need = append(need, struct{ group, resource, verb string }{"accountsync.io", r, v})
		}
		for _, v := range []string{"get", "update", "patch"} {
			need = append(need, struct{ group, resource, verb string }{"accountsync.io", r + "/status", v})
		}
	}
	need = append(need,
		struct{ group, resource, verb string }{"accountsync.io", "syncpolicies/finalizers", "update"},
		struct{ group, resource, verb string }{"", "secrets", "get"},
		struct{ group, resource, verb string }{"", "secrets", "list"},
		struct{ group, resource, verb string }{"", "secrets", "watch"},
		struct{ group, resource, verb string }{"", "events", "create"},
		struct{ group, resource, verb string }{"", "events", "patch"},
		struct{ group, resource, verb string }{"events.k8s.io", "events", "create"},
		struct{ group, resource, verb string }{"events.k8s.io", "events", "patch"},
	)
	allows := func(group, resource, verb string) bool {
		for _, r := range rules {
			if slices.Contains(r.APIGroups, group) && slices.Contains(r.Resources, resource) && slices.Contains(r.Verbs, verb) && len(r.ResourceNames) == 0 {
				return true
			}
		}
		return false
	}
	for _, n := range need {
		if !allows(n.group, n.resource, n.verb) {
			t.Errorf("files/rules.yaml does not grant %s %s/%s", n.verb, n.group, n.resource)
		}
	}
	for _, r := range rules {
		if slices.Contains(r.APIGroups, "*") || slices.Contains(r.Resources, "*") || slices.Contains(r.Verbs, "*") {
			t.Errorf("wildcard rule %+v", r)
		}
		if slices.Contains(r.APIGroups, "coordination.k8s.io") {
			t.Errorf("lease rule %+v belongs in templates/leader-election-rbac.yaml (release namespace, own lease only)", r)
		}
		if slices.Contains(r.Resources, "secrets") && slices.ContainsFunc(r.Verbs, func(v string) bool { return v != "get" && v != "list" && v != "watch" }) {
			t.Errorf("rule %+v lets the operator write Secrets; it only reads credentials", r)
		}
	}
}

// The manager runs under the restricted Pod Security Standard with probes on the health port.
func TestDeploymentHardening(t *testing.T) {
	objs := Objects(t, defaultRelease.render(t))
	var d appsv1.Deployment
	convert(t, Find(objs, "Deployment")[0], &d)
	pod := d.Spec.Template.Spec
	psc := pod.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil || *psc.RunAsUser != 65532 ||
		psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("pod securityContext %+v", psc)
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers", len(pod.Containers))
	}
	c := pod.Containers[0]
	sc := c.SecurityContext
	if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
		sc.Capabilities == nil || !reflect.DeepEqual(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) != 0 {
		t.Errorf("container securityContext %+v", sc)
	}
	if c.Image != "ghcr.io/accountsync/accountsync-operator:0.1.0" {
		t.Errorf("image %s, want the chart's appVersion", c.Image)
	}
	for name, p := range map[string]*corev1.Probe{"/healthz": c.LivenessProbe, "/readyz": c.ReadinessProbe} {
		if p == nil || p.HTTPGet == nil || p.HTTPGet.Path != name || p.HTTPGet.Port.String() != "health" {
			t.Errorf("probe %s: %+v", name, p)
		}
	}
	ports := map[string]int32{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
	}
	if !reflect.DeepEqual(ports, map[string]int32{"metrics": 8443, "health": 8081}) {
		t.Errorf("ports %v", ports)
	}
	args := managerArgs(t, objs)
	if args["--metrics-bind-address"] != ":8443" || args["--metrics-secure"] != "true" || args["--health-probe-bind-address"] != ":8081" {
		t.Errorf("args %v", args)
	}
	if c.Resources.Requests.Cpu().IsZero() || c.Resources.Limits.Memory().IsZero() {
		t.Errorf("resources %+v", c.Resources)
	}
	if *d.Spec.Replicas != 1 || len(Find(objs, "PodDisruptionBudget")) != 0 {
		t.Errorf("default: %d replicas, %d PDBs; want 1 and none (a PDB would block drains)", *d.Spec.Replicas, len(Find(objs, "PodDisruptionBudget")))
	}
	for _, kind := range []string{"NetworkPolicy", "ServiceMonitor", "PrometheusRule", "Certificate", "ConfigMap"} {
		if n := len(Find(objs, kind)); n != 0 {
			t.Errorf("%d %s objects by default; they must be opt-in", n, kind)
		}
	}
}

func TestOptionalObjects(t *testing.T) {
	count := func(t *testing.T, kind string, set ...string) int {
		var extra []string
		for _, s := range set {
			extra = append(extra, "--set", s)
		}
		return len(Find(Objects(t, RenderChart(t, OperatorChart, "r", "ns", extra...)), kind))
	}
	if n := count(t, "PodDisruptionBudget", "replicas=2"); n != 1 {
		t.Errorf("replicas=2: %d PDBs", n)
	}
	if n := count(t, "PodDisruptionBudget", "pdb.enabled=true"); n != 1 {
		t.Errorf("pdb.enabled: %d PDBs", n)
	}
	if n := count(t, "ServiceMonitor", "serviceMonitor.enabled=true"); n != 1 {
		t.Errorf("serviceMonitor.enabled: %d ServiceMonitors", n)
	}
	if n := count(t, "NetworkPolicy", "networkPolicy.enabled=true"); n != 1 {
		t.Errorf("networkPolicy.enabled: %d NetworkPolicies", n)
	}
	if n := count(t, "Service", "metrics.enabled=false"); n != 0 {
		t.Errorf("metrics.enabled=false: %d Services", n)
	}
	objs := Objects(t, RenderChart(t, OperatorChart, "r", "ns", "--set", "metrics.enabled=false"))
	if v := managerArgs(t, objs)["--metrics-bind-address"]; v != "0" {
		t.Errorf("metrics.enabled=false: --metrics-bind-address=%s, want 0", v)
	}
	if n := count(t, "ServiceAccount", "serviceAccount.create=false", "serviceAccount.name=existing"); n != 0 {
		t.Errorf("serviceAccount.create=false: %d ServiceAccounts", n)
	}
	if n := count(t, "Role", "rbac.create=false"); n != 0 {
		t.Errorf("rbac.create=false: %d Roles", n)
	}
	if n := count(t, "ClusterRole", "rbac.create=false"); n != 0 {
		t.Errorf("rbac.create=false: %d ClusterRoles", n)
	}
	if n := count(t, "PrometheusRule", "prometheusRule.enabled=true"); n != 1 {
		t.Errorf("prometheusRule.enabled: %d PrometheusRules", n)
	}
	if n := count(t, "ConfigMap", "grafanaDashboard.enabled=true"); n != 1 {
		t.Errorf("grafanaDashboard.enabled: %d ConfigMaps", n)
	}
	if n := count(t, "Certificate", "metrics.certificate.certManager.enabled=true", "metrics.certificate.certManager.issuerRef.name=ca"); n != 1 {
		t.Errorf("metrics.certificate.certManager.enabled: %d Certificates", n)
	}
}

// The manager runs several workers with a reconcile deadline by default, and turning TLS
// verification off takes the chart user's explicit consent.
func TestManagerFlags(t *testing.T) {
	args := func(t *testing.T, set ...string) map[string]string {
		var extra []string
		for _, s := range set {
			extra = append(extra, "--set", s)
		}
		return managerArgs(t, Objects(t, RenderChart(t, OperatorChart, "r", "ns", extra...)))
	}
	def := args(t)
	if def["--max-concurrent-reconciles"] != "4" || def["--reconcile-timeout"] != "2m" {
		t.Errorf("default: --max-concurrent-reconciles=%q --reconcile-timeout=%q, want 4 and 2m",
			def["--max-concurrent-reconciles"], def["--reconcile-timeout"])
	}
	if _, ok := def["--allow-insecure-tls"]; ok {
		t.Error("--allow-insecure-tls is on by default")
	}
	if _, ok := args(t, "allowInsecureTLS=true")["--allow-insecure-tls"]; !ok {
		t.Error("allowInsecureTLS=true: no --allow-insecure-tls")
	}
	set := args(t, "maxConcurrentReconciles=8", "reconcileTimeout=90s")
	if set["--max-concurrent-reconciles"] != "8" || set["--reconcile-timeout"] != "90s" {
		t.Errorf("set: %v", set)
	}
	unset := args(t, "maxConcurrentReconciles=null", "reconcileTimeout=null")
	for _, flag := range []string{"--max-concurrent-reconciles", "--reconcile-timeout"} {
		if v, ok := unset[flag]; ok {
			t.Errorf("null value still passes %s=%s (the manager's default applies)", flag, v)
		}
	}
}

// Invalid values fail the render with a message that says what is wrong.
func TestValuesRejected(t *testing.T) {
	cases := []struct {
		name  string
		chart string
		set   string
		want  string
	}{
		{"unknown top-level key", OperatorChart, "watchNamespace=msp-a", "additional properties 'watchNamespace' not allowed"},
		{"unknown key in a section", OperatorChart, "image.tagg=1", "additional properties 'tagg' not allowed"},
		{"unknown key in the CRD chart", CRDChart, "crds.keep=true", "additional properties 'crds' not allowed"},
		{"bad log encoder", OperatorChart, "logEncoder=xml", "logEncoder"},
		{"bad namespace", OperatorChart, "watchNamespaces={Tenant_A}", "watchNamespaces"},
		{"all namespaces mixed with names", OperatorChart, "watchNamespaces={*,msp-a}", `"*" (all namespaces) cannot be combined`},
		{"ServiceMonitor without metrics", OperatorChart, "serviceMonitor.enabled=true,metrics.enabled=false", "serviceMonitor.enabled needs metrics.enabled"},
		{"existing ServiceAccount without a name", OperatorChart, "serviceAccount.create=false", "serviceAccount.name is required"},
		{"reconcile timeout not a duration", OperatorChart, "reconcileTimeout=soon", "reconcileTimeout"},
		{"insecure TLS not a boolean", OperatorChart, "allowInsecureTLS=yes", "allowInsecureTLS"},
		{"no workers", OperatorChart, "maxConcurrentReconciles=0", "maxConcurrentReconciles"},
		{"metrics certificate with plain HTTP", OperatorChart, "metrics.secure=false,metrics.certificate.secretName=c", "metrics.certificate needs metrics.secure"},
		{"cert-manager without an issuer", OperatorChart, "metrics.certificate.certManager.enabled=true", "issuerRef.name is required"},
		{"PrometheusRule without metrics", OperatorChart, "prometheusRule.enabled=true,metrics.enabled=false", "prometheusRule.enabled needs metrics.enabled"},
		{"throttled ratio above 1", OperatorChart, "prometheusRule.throttledRatio=5", "throttledRatio"},
		{"bearer token Secret without a key", OperatorChart, "serviceMonitor.bearerTokenSecret.name=t", "bearerTokenSecret"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, err := TryRenderChart(t, tc.chart, "r", "ns", "--set", tc.set)
			if err == nil {
				t.Fatalf("--set %s rendered without error", tc.set)
			}
			if !strings.Contains(string(stderr), tc.want) {
				t.Fatalf("--set %s: error does not mention %q:\n%s", tc.set, tc.want, stderr)
			}
		})
	}
}

// Argo CD renders with `helm template` on every refresh: anything not a pure function of the
// values (lookup, random data, the clock, generated certificates) is a permanent OutOfSync.
func TestRenderIsDeterministic(t *testing.T) {
	a, b := Render(t, tenantA.name, tenantA.namespace, tenantA.values...), Render(t, tenantA.name, tenantA.namespace, tenantA.values...)
	if !bytes.Equal(a, b) {
		t.Fatal("two renders of the same values differ")
	}
	action := regexp.MustCompile(`(?s)\{\{-?(.*?)-?\}\}`)
	forbidden := regexp.MustCompile(`\b(lookup|rand[A-Za-z]*|uuidv4|now|unixEpoch|dateInZone|genCA|genCAWithKey|genPrivateKey|genSelfSignedCert[A-Za-z]*|genSignedCert[A-Za-z]*|derivePassword|htpasswd|getHostByName)\b`)
	for _, chart := range []string{OperatorChart, CRDChart} {
		files, _ := filepath.Glob(filepath.Join(chart, "templates", "*"))
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range action.FindAllStringSubmatch(string(src), -1) {
				body := strings.TrimSpace(m[1])
				if strings.HasPrefix(body, "/*") {
					continue
				}
				if fn := forbidden.FindString(body); fn != "" {
					t.Errorf("%s uses %s: renders would differ between Argo CD refreshes", f, fn)
				}
			}
		}
	}
}

// Every rendered object is one the API server would accept by name and labels, and every
// namespaced object says its namespace (so `helm template | kubectl apply` is safe too).
func TestRenderedObjectsWellFormed(t *testing.T) {
	for _, r := range []release{defaultRelease, tenantA, tenantB, allNamespaces} {
		for _, o := range Objects(t, r.render(t)) {
			id := identity(o)
			if o.GetAPIVersion() == "" || o.GetKind() == "" || o.GetName() == "" {
				t.Errorf("%s: missing apiVersion, kind or name", id)
			}
			if clusterScoped[o.GetKind()] == (o.GetNamespace() != "") {
				t.Errorf("%s: namespace %q is wrong for its scope", id, o.GetNamespace())
			}
			for _, msg := range validation.IsDNS1123Subdomain(o.GetName()) {
				t.Errorf("%s: name: %s", id, msg)
			}
			if o.GetKind() == "Service" {
				for _, msg := range validation.IsDNS1123Label(o.GetName()) {
					t.Errorf("%s: Service name: %s", id, msg)
				}
			}
			for k, v := range o.GetLabels() {
				for _, msg := range append(validation.IsQualifiedName(k), validation.IsValidLabelValue(v)...) {
					t.Errorf("%s: label %s=%s: %s", id, k, v, msg)
				}
			}
		}
	}
}

// The CRD chart renders exactly config/crd/bases: `make manifests` copies them verbatim, and
// nothing in them may be taken for template syntax.
func TestCRDChart(t *testing.T) {
	bases, err := filepath.Glob("../../config/crd/bases/*.yaml")
	if err != nil || len(bases) == 0 {
		t.Fatalf("no CRDs in config/crd/bases (%v)", err)
	}
	want := map[string]*unstructured.Unstructured{}
	for _, f := range bases {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		copied, err := os.ReadFile(filepath.Join(CRDChart, "templates", filepath.Base(f)))
		if err != nil || !bytes.Equal(raw, copied) {
			t.Errorf("charts/accountsync-crds/templates/%s is missing or stale: run make manifests", filepath.Base(f))
		}
		for _, o := range Objects(t, raw) {
			want[o.GetName()] = o
		}
	}
	got := Find(Objects(t, RenderChart(t, CRDChart, "accountsync-crds", "default")), "CustomResourceDefinition")
	if len(got) != len(want) {
		t.Fatalf("chart renders %d CRDs, config/crd/bases has %d", len(got), len(want))
	}
	for _, o := range got {
		if !reflect.DeepEqual(o.Object, want[o.GetName()].Object) {
			t.Errorf("rendered CRD %s differs from config/crd/bases", o.GetName())
		}
	}
}

// NOTES.txt is only rendered by install/upgrade, which need a cluster; render it through a
// throw-away copy of the chart that wraps it in a ConfigMap.
func TestNotes(t *testing.T) {
	cases := []struct {
		r    release
		want []string
	}{
		{tenantA, []string{"Watching: msp-a, msp-a-sites", "lease: msp-a/msp-a.tenant-a-accountsync", "files/argocd-cm-snippet.yaml", "kubectl get ic,sp,am -n msp-a",
			"Metrics: https://tenant-a-accountsync-metrics.msp-a.svc:8443/metrics", "ClusterRole msp-a.tenant-a-accountsync.metrics-reader"}},
		{allNamespaces, []string{"Watching: ALL namespaces", "kubectl get ic,sp,am -n accountsync-system"}},
	}
	dir := copyChart(t, OperatorChart)
	notes, err := os.ReadFile(filepath.Join(dir, "templates", "NOTES.txt"))
	if err != nil {
		t.Fatal(err)
	}
	must(t, os.Remove(filepath.Join(dir, "templates", "NOTES.txt")))
	must(t, os.WriteFile(filepath.Join(dir, "templates", "_notes_under_test.tpl"),
		append(append([]byte(`{{- define "notes-under-test" -}}`), notes...), []byte(`{{- end -}}`)...), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "templates", "notes-under-test.yaml"),
		[]byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes-under-test\ndata:\n  notes: {{ include \"notes-under-test\" . | toJson }}\n"), 0o644))
	for _, tc := range cases {
		var extra []string
		for _, f := range tc.r.values {
			extra = append(extra, "--values", f)
		}
		objs := Objects(t, RenderChart(t, dir, tc.r.name, tc.r.namespace, append(extra, "--show-only", "templates/notes-under-test.yaml")...))
		text, _, _ := unstructured.NestedString(objs[0].Object, "data", "notes")
		for _, w := range tc.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s NOTES lack %q:\n%s", tc.r.name, w, text)
			}
		}
	}
}

// The packaged operator chart carries the files the templates and NOTES refer to.
func TestPackage(t *testing.T) {
	dest := t.TempDir()
	for _, chart := range []string{OperatorChart, CRDChart} {
		if out, stderr, err := runHelm(t, "package", chart, "--destination", dest); err != nil {
			t.Fatalf("helm package %s: %v\n%s%s", chart, err, out, stderr)
		}
	}
	f, err := os.Open(filepath.Join(dest, "accountsync-0.1.0.tgz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	found := map[string]bool{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		found[h.Name] = true
	}
	for _, want := range []string{"accountsync/files/rules.yaml", "accountsync/files/argocd-cm-snippet.yaml", "accountsync/values.schema.json"} {
		if !found[want] {
			t.Errorf("package lacks %s", want)
		}
	}
}

func rulesFile(t *testing.T) []rbacv1.PolicyRule {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(OperatorChart, "files", "rules.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var rules []rbacv1.PolicyRule
	if err := yaml.UnmarshalStrict(raw, &rules); err != nil {
		t.Fatalf("files/rules.yaml is not a list of PolicyRules: %v", err)
	}
	return rules
}

// roles converts the rendered Roles or ClusterRoles (kind) into typed objects.
func roles(t *testing.T, objs []*unstructured.Unstructured, kind string) []rbacv1.Role {
	t.Helper()
	var out []rbacv1.Role
	for _, o := range Find(objs, kind) {
		var r rbacv1.Role
		convert(t, o, &r)
		out = append(out, r)
	}
	return out
}

func convert(t *testing.T, o *unstructured.Unstructured, into any) {
	t.Helper()
	if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(o.Object, into, true); err != nil {
		t.Fatalf("%s: %v", identity(o), err)
	}
}

func copyChart(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	must(t, err)
	return dst
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// firstDiff shows the first differing line with a little context.
func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return "line " + strconv.Itoa(i+1) + ":\n- " + wl + "\n+ " + gl
		}
	}
	return "(no line differs)"
}
