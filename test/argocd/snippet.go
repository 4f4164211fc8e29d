package argocd

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Group is the API group of every AccountSync kind.
const Group = "accountsync.io"

// Kinds are the kinds with a health check and a sync-now action, in snippet order.
var Kinds = []string{"IntegrationConnection", "SyncPolicy", "AccountMapping"}

// ActionName is the one resource action each kind offers.
const ActionName = "sync-now"

// Script file names under docs/argocd/<Kind>/.
const (
	HealthFile    = "health.lua"
	DiscoveryFile = "discovery.lua"
	ActionFile    = "action.lua"
)

// HealthKey and ActionsKey are the argocd-cm data keys Argo CD reads for a kind.
func HealthKey(kind string) string  { return "resource.customizations.health." + Group + "_" + kind }
func ActionsKey(kind string) string { return "resource.customizations.actions." + Group + "_" + kind }

// Snippet assembles the argocd-cm snippet from the scripts under dir (docs/argocd). The Lua is
// embedded verbatim as YAML literal blocks, so the shipped snippet is byte-for-byte derived
// from the tested files and cannot drift from them (the tests compare the two).
func Snippet(dir string) ([]byte, error) {
	var b strings.Builder
	b.WriteString(`# Argo CD health checks and the "sync-now" resource action for the AccountSync kinds.
#
# GENERATED from docs/argocd/<Kind>/{health,discovery,action}.lua by
#   go test ./test/argocd -run TestSnippet -update
# Do not edit by hand: the tests fail when this file and the scripts differ.
#
# Without these keys Argo CD has no health check for the AccountSync kinds and counts them
# as Healthy whatever their status says. Merge the keys into the existing argocd-cm; never
# kubectl apply this file, which would replace every other Argo CD setting:
#   kubectl -n argocd patch configmap argocd-cm --type merge --patch-file argocd-cm-snippet.yaml
# With the argo-cd Helm chart, put the data keys under configs.cm instead.
apiVersion: v1
kind: ConfigMap
metadata:
  name: argocd-cm
  namespace: argocd
  labels:
    app.kubernetes.io/name: argocd-cm
    app.kubernetes.io/part-of: argocd
data:
`)
	for _, kind := range Kinds {
		read := func(name string) (string, error) {
			p := filepath.Join(dir, kind, name)
			raw, err := os.ReadFile(p)
			if err != nil {
				return "", err
			}
			s := string(raw)
			// A YAML literal block keeps exactly one final newline ("clip") and takes its
			// indentation from the first line, so those are the only two shapes that survive
			// the round trip unchanged.
			if !strings.HasSuffix(s, "\n") || strings.HasSuffix(s, "\n\n") {
				return "", fmt.Errorf("%s must end with exactly one newline", p)
			}
			if strings.HasPrefix(s, " ") || strings.HasPrefix(s, "\t") || strings.HasPrefix(s, "\n") {
				return "", fmt.Errorf("%s must not start with whitespace", p)
			}
			if strings.Contains(s, "\t") {
				return "", fmt.Errorf("%s contains a tab; YAML block indentation must be spaces", p)
			}
			return s, nil
		}
		health, err := read(HealthFile)
		if err != nil {
			return nil, err
		}
		discovery, err := read(DiscoveryFile)
		if err != nil {
			return nil, err
		}
		action, err := read(ActionFile)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "  %s: |\n%s", HealthKey(kind), indent(health, 4))
		fmt.Fprintf(&b, "  %s: |\n", ActionsKey(kind))
		fmt.Fprintf(&b, "    discovery.lua: |\n%s", indent(discovery, 6))
		fmt.Fprintf(&b, "    definitions:\n    - name: %s\n      action.lua: |\n%s", ActionName, indent(action, 8))
	}
	return []byte(b.String()), nil
}

// indent prefixes every non-empty line; empty lines stay empty so no trailing spaces appear.
func indent(s string, n int) string {
	pad := strings.Repeat(" ", n)
	lines := strings.SplitAfter(s, "\n")
	var b strings.Builder
	for _, l := range lines {
		if l == "" || l == "\n" {
			b.WriteString(l)
			continue
		}
		b.WriteString(pad + l)
	}
	return b.String()
}
