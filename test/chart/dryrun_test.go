package chart_test

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// fieldManager names this test in managedFields (dry-run: nothing is persisted anyway).
const fieldManager = "accountsync-chart-dryrun"

// optionalGroups are API groups whose CRDs belong to other projects and are not installed in
// envtest. Objects of these groups are skipped only while their kind is unknown to the server:
// the ServiceMonitor and PrometheusRule (monitoring.coreos.com, from prometheus-operator) and the
// metrics Certificate (cert-manager.io) that tenant.yaml enables. Every other kind the chart
// renders must be served, so a typo in an apiVersion still fails.
var optionalGroups = map[string]bool{"monitoring.coreos.com": true, "cert-manager.io": true}

// TestServerSideDryRun hands every object the charts render to a real kube-apiserver as a
// server-side apply with dryRun=All. Golden files and the other tests in this package check the
// text; only the API server checks it against the actual OpenAPI schemas, defaulting, admission
// (e.g. a PodDisruptionBudget selector, a NetworkPolicy port, RBAC escalation rules) and the CRD
// structural-schema rules, exactly as `helm install` would meet them. Apply is always strict
// about unknown fields, so a misspelt key fails here though `helm template` renders it happily.
func TestServerSideDryRun(t *testing.T) {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		t.Skip("KUBEBUILDER_ASSETS is unset; run `make envtest` and set it (make test does) to run the API server")
	}
	if testing.Short() {
		t.Skip("starts an API server")
	}

	// Render first: if helm is missing the test skips before paying for an API server.
	releases := []release{tenantA, tenantB, allNamespaces}
	type rendered struct {
		source string
		objs   []*unstructured.Unstructured
	}
	var renders []rendered
	for _, r := range releases {
		renders = append(renders, rendered{r.name + "@" + r.namespace, Objects(t, r.render(t))})
	}
	renders = append(renders, rendered{"accountsync-crds", Objects(t, RenderChart(t, CRDChart, "accountsync-crds", "default"))})

	env := &envtest.Environment{
		// The CRDs as `make manifests` writes them: the CRD chart's copies are then applied over
		// them, which is the upgrade path `helm upgrade accountsync-crds` takes.
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	cfg, err := env.Start()
	if err != nil {
		t.Fatalf("start envtest: %v", err)
	}
	t.Cleanup(func() {
		if err := env.Stop(); err != nil {
			t.Errorf("stop envtest: %v", err)
		}
	})
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	kube, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// The only real writes: the namespaces the releases live in and watch (msp-a, msp-b, and
	// msp-a-sites that tenant-a.yaml adds). A dry run into a namespace that does not exist is
	// refused with NotFound, which would test nothing about the chart.
	namespaces := map[string]bool{"msp-a": true, "msp-b": true}
	for _, r := range renders {
		for _, o := range r.objs {
			if o.GetNamespace() != "" {
				namespaces[o.GetNamespace()] = true
			}
		}
	}
	for _, name := range sortedKeys(namespaces) {
		if err := kube.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}); err != nil {
			t.Fatalf("create namespace %s: %v", name, err)
		}
	}

	apply := func(o *unstructured.Unstructured) error {
		return kube.Apply(ctx, client.ApplyConfigurationFromUnstructured(o.DeepCopy()),
			client.FieldOwner(fieldManager), client.ForceOwnership, client.DryRunAll)
	}

	// A control: a rendered Deployment with one misspelt field must be refused. Without it, a
	// server that accepted everything (or an apply that silently dropped unknown fields) would
	// make the test below pass for nothing.
	t.Run("control: a misspelt field is refused", func(t *testing.T) {
		deps := Find(renders[0].objs, "Deployment")
		if len(deps) != 1 {
			t.Fatalf("want one Deployment in %s, got %d", renders[0].source, len(deps))
		}
		bad := deps[0].DeepCopy()
		if err := unstructured.SetNestedField(bad.Object, int64(2), "spec", "replica"); err != nil {
			t.Fatal(err)
		}
		err := apply(bad)
		if err == nil || !strings.Contains(err.Error(), "replica") {
			t.Fatalf("a Deployment with spec.replica was not refused (err %v)", err)
		}
	})

	applied, skipped := 0, 0
	for _, r := range renders {
		t.Run(r.source, func(t *testing.T) {
			if len(r.objs) == 0 {
				t.Fatal("rendered no objects")
			}
			for _, o := range r.objs {
				id := o.GetAPIVersion() + " " + identity(o)
				gvk := o.GroupVersionKind()
				if _, err := kube.RESTMapper().RESTMapping(gvk.GroupKind(), gvk.Version); err != nil {
					if meta.IsNoMatchError(err) && optionalGroups[gvk.Group] {
						t.Logf("skipped %s: its CRD is not installed in envtest", id)
						skipped++
						continue
					}
					t.Errorf("%s: the API server does not serve this kind: %v", id, err)
					continue
				}
				if err := apply(o); err != nil {
					t.Errorf("%s: refused: %v", id, err)
					continue
				}
				applied++
			}
		})
	}
	t.Logf("%d objects accepted by server-side dry-run, %d skipped", applied, skipped)

	// Dry run persists nothing: the objects must still be absent (a check that DryRunAll was
	// really sent, since a real apply would also have "passed").
	for _, o := range Find(renders[0].objs, "Deployment") {
		got := &unstructured.Unstructured{}
		got.SetGroupVersionKind(o.GroupVersionKind())
		if err := kube.Get(ctx, client.ObjectKeyFromObject(o), got); !apierrors.IsNotFound(err) {
			t.Errorf("%s after a dry run: want NotFound, got %v", identity(o), err)
		}
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
