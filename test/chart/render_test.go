package chart_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

const (
	// OperatorChart and CRDChart are the charts under test, relative to this package.
	OperatorChart = "../../charts/accountsync"
	CRDChart      = "../../charts/accountsync-crds"

	// KubeVersion pins the Capabilities the charts are rendered against (the envtest version
	// of the Makefile). A helm built with `go install`, as `make helm` does, lacks the
	// release ldflags and would otherwise assume Kubernetes 1.20, below the charts'
	// kubeVersion; Argo CD passes the cluster's version the same way.
	KubeVersion = "1.37.1"
)

// helmBin finds helm: $HELM (set by `make test`), else the repository's bin/helm. Only when
// neither exists is the test skipped, so CI, which installs helm first, always runs it.
func helmBin(t testing.TB) string {
	t.Helper()
	candidates := []string{}
	if h := os.Getenv("HELM"); h != "" {
		candidates = append(candidates, h)
	}
	candidates = append(candidates, "../../bin/helm")
	for _, c := range candidates {
		if fi, err := os.Stat(c); err == nil && !fi.IsDir() {
			abs, err := filepath.Abs(c)
			if err != nil {
				t.Fatal(err)
			}
			return abs
		}
	}
	t.Skipf("helm not found (tried %v); run `make helm`", candidates)
	return ""
}

// runHelm runs helm with private config, cache and data directories, so a developer's repos
// and plugins cannot change the result, and returns stdout, stderr and the exit error.
func runHelm(t testing.TB, args ...string) ([]byte, []byte, error) {
	t.Helper()
	cmd := exec.Command(helmBin(t), args...)
	home := t.TempDir()
	cmd.Env = append(os.Environ(),
		"HELM_CONFIG_HOME="+filepath.Join(home, "config"),
		"HELM_CACHE_HOME="+filepath.Join(home, "cache"),
		"HELM_DATA_HOME="+filepath.Join(home, "data"),
		"KUBECONFIG="+filepath.Join(home, "no-kubeconfig"),
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.Bytes(), stderr.Bytes(), err
}

// RenderChart runs `helm template` on chart and fails the test on any error. extra are more
// helm arguments (-f file, --set k=v).
func RenderChart(t testing.TB, chart, release, namespace string, extra ...string) []byte {
	t.Helper()
	out, stderr, err := TryRenderChart(t, chart, release, namespace, extra...)
	if err != nil {
		t.Fatalf("helm template %s %s -n %s %v: %v\n%s", release, chart, namespace, extra, err, stderr)
	}
	return out
}

// TryRenderChart is RenderChart returning the error (and helm's stderr) instead of failing.
func TryRenderChart(t testing.TB, chart, release, namespace string, extra ...string) ([]byte, []byte, error) {
	t.Helper()
	args := append([]string{"template", release, chart, "--namespace", namespace, "--kube-version", KubeVersion}, extra...)
	return runHelm(t, args...)
}

// Render renders the operator chart as release in namespace with the given values files
// (paths relative to test/chart) and returns the manifests, for reuse by other chart tests
// (e.g. a server-side dry run against envtest).
func Render(t *testing.T, release, namespace string, valuesFiles ...string) []byte {
	t.Helper()
	var extra []string
	for _, f := range valuesFiles {
		extra = append(extra, "--values", f)
	}
	return RenderChart(t, OperatorChart, release, namespace, extra...)
}

// Objects splits rendered manifests into objects, skipping empty documents.
func Objects(t testing.TB, manifests []byte) []*unstructured.Unstructured {
	t.Helper()
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(manifests), 4096)
	var objs []*unstructured.Unstructured
	for {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				return objs
			}
			t.Fatalf("decode rendered manifests: %v", err)
		}
		if len(m) == 0 {
			continue
		}
		objs = append(objs, &unstructured.Unstructured{Object: m})
	}
}

// Find returns the rendered objects of one kind.
func Find(objs []*unstructured.Unstructured, kind string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() == kind {
			out = append(out, o)
		}
	}
	return out
}

// clusterScoped are the kinds the charts render that have no namespace.
var clusterScoped = map[string]bool{
	"ClusterRole": true, "ClusterRoleBinding": true, "CustomResourceDefinition": true,
}

// identity is how the API server tells objects apart: kind and name, plus the namespace for
// namespaced kinds.
func identity(o *unstructured.Unstructured) string {
	if clusterScoped[o.GetKind()] {
		return o.GetKind() + "/" + o.GetName()
	}
	return o.GetNamespace() + "/" + o.GetKind() + "/" + o.GetName()
}

// managerArgs returns the manager container's flags as name -> value ("" for booleans).
func managerArgs(t testing.TB, objs []*unstructured.Unstructured) map[string]string {
	t.Helper()
	deps := Find(objs, "Deployment")
	if len(deps) != 1 {
		t.Fatalf("want one Deployment, got %d", len(deps))
	}
	containers, _, _ := unstructured.NestedSlice(deps[0].Object, "spec", "template", "spec", "containers")
	for _, c := range containers {
		cm := c.(map[string]any)
		if cm["name"] != "manager" {
			continue
		}
		args := map[string]string{}
		for _, a := range cm["args"].([]any) {
			k, v, _ := strings.Cut(a.(string), "=")
			args[k] = v
		}
		return args
	}
	t.Fatal("no manager container")
	return nil
}
