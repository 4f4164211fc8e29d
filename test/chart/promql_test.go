package chart_test

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	// What cmd/main.go links in, so the registry holds every metric the manager serves:
	// controller-runtime's (manager, controllers, work queues, client, certificate watcher),
	// the controllers' and the HTTP layer's (through the providers).
	_ "github.com/accountsync/accountsync-operator/controllers"
	_ "github.com/accountsync/accountsync-operator/internal/provider/all"
	_ "github.com/accountsync/accountsync-operator/internal/securemetrics"
)

// exported reports whether the manager's registry holds a metric family named name. A vector
// with no series yet is invisible to Gather, so the registry is asked directly: registering a
// probe under a name some collector already describes fails (a duplicate, or a descriptor
// inconsistent with the existing one); under a free name it succeeds and is undone.
func exported(name string) bool {
	probe := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: "probe of " + name})
	if err := ctrlmetrics.Registry.Register(probe); err != nil {
		return true
	}
	ctrlmetrics.Registry.Unregister(probe)
	return false
}

// exportedSeries reports whether a selector's metric name is a series the manager exports:
// a family's own name, or a histogram's or summary's _bucket, _sum or _count series. The
// registry does not say a family's type, so a _bucket of a gauge would pass too.
func exportedSeries(name string) bool {
	if exported(name) {
		return true
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suffix); ok && exported(base) {
			return true
		}
	}
	return false
}

// checkExpr parses expr as Prometheus does and returns the metric names it selects that the
// manager does not export.
func checkExpr(t *testing.T, where, expr string) []string {
	t.Helper()
	parsed, err := parser.NewParser(parser.Options{}).ParseExpr(expr)
	if err != nil {
		t.Errorf("%s: %q does not parse: %v", where, expr, err)
		return nil
	}
	var unknown []string
	selectors := 0
	parser.Inspect(parsed, func(node parser.Node, _ []parser.Node) error {
		vs, ok := node.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		selectors++
		name := vs.Name
		for _, m := range vs.LabelMatchers {
			if m.Name == model.MetricNameLabel && name == "" {
				name = m.Value
			}
		}
		if name == "" || !exportedSeries(name) {
			unknown = append(unknown, name)
		}
		return nil
	})
	if selectors == 0 {
		t.Errorf("%s: %q selects no metric", where, expr)
	}
	return unknown
}

// The probe itself must tell registered names from free ones, or the checks below would pass
// for nothing.
func TestExportedProbe(t *testing.T) {
	for _, name := range []string{
		"accountsync_mapping_state", "accountsync_connection_ready", "accountsync_policy_synced",
		"accountsync_provider_api_calls_total", "accountsync_suspect_snapshots_total",
		"controller_runtime_reconcile_errors_total", "workqueue_depth", "go_goroutines",
	} {
		if !exported(name) {
			t.Errorf("%s is not in the registry", name)
		}
	}
	if !exportedSeries("accountsync_policy_sync_duration_seconds_bucket") {
		t.Error("a histogram's _bucket series is not recognized")
	}
	for _, name := range []string{"accountsync_policy_sync_failures_total", "accountsync_mapping_states", "kube_accountsync_syncpolicy_condition"} {
		if exportedSeries(name) {
			t.Errorf("%s is taken for an exported metric", name)
		}
	}
	// The probe leaves the registry as it found it.
	if exported("accountsync_policy_sync_failures_total") {
		t.Error("probing registered a metric")
	}
}

// A promtool-style check of everything the chart asks Prometheus and Grafana to evaluate:
// every alert and panel expression parses, and names only metrics the manager exports.
func TestRuleAndDashboardExpressions(t *testing.T) {
	helmBin(t) // skips here, not in each subtest, so that the checks after them never run on nothing
	renders := map[string][]string{
		"default selector":  {"prometheusRule.enabled=true", "grafanaDashboard.enabled=true"},
		"no selector":       {"prometheusRule.enabled=true", "prometheusRule.selector="},
		"custom selector":   {"prometheusRule.enabled=true", `prometheusRule.selector=namespace=~"msp-.*"`},
		"plain HTTP scrape": {"prometheusRule.enabled=true", "metrics.secure=false"},
	}
	alerts := map[string]bool{}
	for name, set := range renders {
		t.Run(name, func(t *testing.T) {
			objs := renderSet(t, set...)
			rules := Find(objs, "PrometheusRule")
			if len(rules) != 1 {
				t.Fatalf("want one PrometheusRule, got %d", len(rules))
			}
			for _, rule := range ruleList(t, rules[0]) {
				where := "alert " + rule.Alert
				alerts[rule.Alert] = true
				if unknown := checkExpr(t, where, rule.Expr); len(unknown) > 0 {
					t.Errorf("%s uses metrics the manager does not export: %v", where, unknown)
				}
				if _, err := model.ParseDuration(rule.For); err != nil || rule.For == "" {
					t.Errorf("%s: for %q: %v", where, rule.For, err)
				}
				if rule.Labels["severity"] == "" || rule.Annotations["summary"] == "" {
					t.Errorf("%s: needs a severity label and a summary", where)
				}
				if name == "default selector" && !strings.Contains(rule.Expr, `job="r-accountsync-metrics"`) {
					t.Errorf("%s: %q is not limited to this release's job", where, rule.Expr)
				}
				if name == "no selector" && strings.Contains(rule.Expr, "job=") {
					t.Errorf("%s: %q keeps a job selector", where, rule.Expr)
				}
			}
			for _, cm := range Find(objs, "ConfigMap") {
				for _, target := range dashboardTargets(t, cm) {
					if unknown := checkExpr(t, target.where, target.expr); len(unknown) > 0 {
						t.Errorf("%s uses metrics the manager does not export: %v", target.where, unknown)
					}
				}
			}
		})
	}
	want := []string{"AccountSyncBillingFailing", "AccountSyncConnectionNotReady", "AccountSyncConnectionRateLimited", "AccountSyncMappingsHaveEvents",
		"AccountSyncPolicyRateLimited", "AccountSyncPolicySyncFailing", "AccountSyncVendorThrottling"}
	got := make([]string, 0, len(alerts))
	for a := range alerts {
		got = append(got, a)
	}
	sort.Strings(got)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("alerts %v, want %v", got, want)
	}
}

// A control: an expression naming a metric the manager does not export, or not parsing, is
// caught by the same check.
func TestExpressionCheckCatchesMistakes(t *testing.T) {
	if unknown := checkExpr(t, "control", `sum(rate(accountsync_policy_sync_failures_total[5m])) / sum(accountsync_mapping_state)`); fmt.Sprint(unknown) != "[accountsync_policy_sync_failures_total]" {
		t.Errorf("unknown metrics %v, want [accountsync_policy_sync_failures_total]", unknown)
	}
	if _, err := parser.NewParser(parser.Options{}).ParseExpr(`accountsync_mapping_state{state="HasEvents"`); err == nil {
		t.Error("an unclosed selector parsed")
	}
}

type alertRule struct {
	Alert       string            `json:"alert"`
	Expr        string            `json:"expr"`
	For         string            `json:"for"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
}

func ruleList(t *testing.T, pr *unstructured.Unstructured) []alertRule {
	t.Helper()
	var spec struct {
		Groups []struct {
			Name  string      `json:"name"`
			Rules []alertRule `json:"rules"`
		} `json:"groups"`
	}
	raw, err := json.Marshal(pr.Object["spec"])
	must(t, err)
	must(t, json.Unmarshal(raw, &spec))
	var out []alertRule
	for _, g := range spec.Groups {
		out = append(out, g.Rules...)
	}
	if len(out) == 0 {
		t.Fatal("the PrometheusRule has no rules")
	}
	return out
}

type panelTarget struct{ where, expr string }

func dashboardTargets(t *testing.T, cm *unstructured.Unstructured) []panelTarget {
	t.Helper()
	data, _, _ := unstructured.NestedString(cm.Object, "data", "accountsync.json")
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal([]byte(data), &dash); err != nil {
		t.Fatalf("dashboard JSON: %v", err)
	}
	if len(dash.Panels) == 0 {
		t.Fatal("the dashboard has no panels")
	}
	var out []panelTarget
	for _, p := range dash.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			out = append(out, panelTarget{"panel " + p.Title, tg.Expr})
		}
	}
	return out
}
