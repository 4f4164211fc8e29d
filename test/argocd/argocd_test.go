package argocd_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	v1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/test/argocd"
)

var update = flag.Bool("update", false, "rewrite the argocd-cm snippets from docs/argocd/*/*.lua")

const docsDir = "../../docs/argocd"

// The snippet ships twice: in the docs, and in the operator chart (files/) so that a chart
// user has it without the repository. Both copies are generated and checked.
var snippetPaths = []string{
	filepath.Join(docsDir, "argocd-cm-snippet.yaml"),
	"../../charts/accountsync/files/argocd-cm-snippet.yaml",
}

func script(t *testing.T, kind, file string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(docsDir, kind, file))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// cond is a metav1.Condition; gen 0 leaves observedGeneration out, as older writers did.
type cond struct {
	typ, status, reason, message string
	gen                          int64
}

func (c cond) toMap() map[string]any {
	m := map[string]any{
		"type": c.typ, "status": c.status, "reason": c.reason, "message": c.message,
		"lastTransitionTime": "2026-01-02T03:04:05Z",
	}
	if c.gen != 0 {
		m["observedGeneration"] = c.gen
	}
	return m
}

func ready(status, reason, message string) cond {
	return cond{typ: v1.ConditionReady, status: status, reason: reason, message: message, gen: 3}
}

func synced(status, reason, message string) cond {
	return cond{typ: v1.ConditionSynced, status: status, reason: reason, message: message, gen: 3}
}

// obj builds an object at generation 3. observed < 0 means no status at all.
func obj(kind string, spec map[string]any, observed int64, extra map[string]any, conds ...cond) map[string]any {
	o := map[string]any{
		"apiVersion": "accountsync.io/v1alpha1",
		"kind":       kind,
		"metadata": map[string]any{
			"name": "x", "namespace": "msp-a", "generation": int64(3),
			"annotations": map[string]any{"argocd.argoproj.io/tracking-id": "tenant-a:accountsync.io/" + kind + ":msp-a/x"},
		},
		"spec": spec,
	}
	if observed >= 0 {
		status := map[string]any{"observedGeneration": observed}
		var cs []any
		for _, c := range conds {
			cs = append(cs, c.toMap())
		}
		if cs != nil {
			status["conditions"] = cs
		}
		for k, v := range extra {
			status[k] = v
		}
		o["status"] = status
	}
	return o
}

type healthCase struct {
	name    string
	obj     map[string]any
	status  string
	message string
}

func runHealth(t *testing.T, kind string, cases []healthCase) {
	t.Helper()
	src := script(t, kind, argocd.HealthFile)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := argocd.VM{}.Health(src, tc.obj)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != tc.status || got.Message != tc.message {
				t.Fatalf("got %s %q, want %s %q", got.Status, got.Message, tc.status, tc.message)
			}
		})
	}
}

const waitingGen3 = "Waiting for the controller to observe generation 3"

func TestHealthIntegrationConnection(t *testing.T) {
	const k = "IntegrationConnection"
	spec := map[string]any{"provider": "ConnectWisePSA", "url": "https://api-na.myconnectwise.net", "credentialsSecretRef": map[string]any{"name": "cw"}}
	ic := func(observed int64, conds ...cond) map[string]any { return obj(k, spec, observed, nil, conds...) }
	cases := []healthCase{
		{"no status yet", ic(-1), "Progressing", waitingGen3},
		{"status of an older generation", ic(2, ready("True", v1.ReasonConnected, "")), "Progressing", waitingGen3},
		{"observed but not probed", ic(3), "Progressing", "Waiting for the first connection probe"},
		{"Ready written for an older generation", ic(3, cond{typ: "Ready", status: "True", reason: v1.ReasonConnected, gen: 2}), "Progressing", "Waiting for the controller to probe generation 3"},
		{"connected", ic(3, ready("True", v1.ReasonConnected, "ConnectWise PSA 2025.1")), "Healthy", "Connected: ConnectWise PSA 2025.1"},
		{"connected, condition without observedGeneration", ic(3, cond{typ: "Ready", status: "True", reason: v1.ReasonConnected}), "Healthy", "Connected"},
		{"secret not found", ic(3, ready("False", v1.ReasonSecretNotFound, `Secret "cw" not found`)), "Degraded", `SecretNotFound: Secret "cw" not found`},
		{"secret key missing", ic(3, ready("False", v1.ReasonSecretKeyMissing, `key "privateKey" missing`)), "Degraded", `SecretKeyMissing: key "privateKey" missing`},
		{"authentication failed", ic(3, ready("False", v1.ReasonAuthenticationFailed, "401 Unauthorized")), "Degraded", "AuthenticationFailed: 401 Unauthorized"},
		{"invalid spec", ic(3, ready("False", v1.ReasonInvalidSpec, "url must be https")), "Degraded", "InvalidSpec: url must be https"},
		{"unreachable is transient", ic(3, ready("False", v1.ReasonUnreachable, "dial tcp: i/o timeout")), "Progressing", "Unreachable: dial tcp: i/o timeout"},
		{"rate limited is transient", ic(3, ready("False", v1.ReasonRateLimited, "429, retry in 30s")), "Progressing", "RateLimited: 429, retry in 30s"},
		{"probe in flight", ic(3, ready("Unknown", "Probing", "")), "Progressing", "Probing"},
		{"unknown False reason is surfaced", ic(3, ready("False", "SomethingNew", "boom")), "Degraded", "SomethingNew: boom"},
		{"other conditions are ignored", ic(3, cond{typ: "Other", status: "False", reason: "X"}, ready("True", v1.ReasonConnected, "")), "Healthy", "Connected"},
	}
	runHealth(t, k, cases)
}

func TestHealthSyncPolicy(t *testing.T) {
	const k = "SyncPolicy"
	spec := map[string]any{"psa": map[string]any{"connectionRef": map[string]any{"name": "cw"}}, "tool": map[string]any{"connectionRef": map[string]any{"name": "vsa"}}, "mode": "Import"}
	suspended := map[string]any{"psa": spec["psa"], "tool": spec["tool"], "mode": "Import", "suspend": true}
	sp := func(observed int64, conds ...cond) map[string]any { return obj(k, spec, observed, nil, conds...) }
	ok := ready("True", "Ready", "both connections are Ready")
	cases := []healthCase{
		{"no status yet", sp(-1), "Progressing", waitingGen3},
		{"status of an older generation", sp(2, ok, synced("True", v1.ReasonSyncSucceeded, "")), "Progressing", waitingGen3},
		{"spec.suspend", obj(k, suspended, 3, nil, ok, synced("True", v1.ReasonSyncSucceeded, "")), "Suspended", "Suspended: spec.suspend is true"},
		{"spec.suspend not yet observed", obj(k, suspended, 2, nil, ok), "Progressing", waitingGen3},
		{"Synced reason Suspended", sp(3, ok, synced("False", v1.ReasonSuspended, "suspended by the owner")), "Suspended", "Suspended: suspended by the owner"},
		{"no Ready yet", sp(3), "Progressing", "Waiting for the controller to check the policy and its connections"},
		{"Ready of an older generation", sp(3, cond{typ: "Ready", status: "True", reason: "Ready", gen: 1}), "Progressing", "Waiting for the controller to check the policy and its connections"},
		{"connection not ready", sp(3, ready("False", v1.ReasonConnectionNotReady, `connection "cw" is not Ready`)), "Progressing", `ConnectionNotReady: connection "cw" is not Ready`},
		{"Ready=False is Degraded", sp(3, ready("False", v1.ReasonInvalidSpec, "namePattern: invalid RE2")), "Degraded", "InvalidSpec: namePattern: invalid RE2"},
		{"Ready=Unknown", sp(3, ready("Unknown", "Checking", "")), "Progressing", "Checking"},
		{"ready, first sync pending", sp(3, ok), "Progressing", "Waiting for the first sync"},
		{"sync running", sp(3, ok, synced("Unknown", "Syncing", "listing accounts")), "Progressing", "Syncing: listing accounts"},
		{"Synced of an older generation", sp(3, ok, cond{typ: "Synced", status: "True", reason: v1.ReasonSyncSucceeded, gen: 2}), "Progressing", "Waiting for the first sync"},
		{"sync succeeded", sp(3, ok, synced("True", v1.ReasonSyncSucceeded, "120 mapped")), "Healthy", "SyncSucceeded: 120 mapped"},
		{"partial sync (True)", sp(3, ok, synced("True", v1.ReasonPartialSync, "3 unmatched")), "Healthy", "PartialSync: 3 unmatched"},
		{"partial sync (False)", sp(3, ok, synced("False", v1.ReasonPartialSync, "3 unmatched")), "Healthy", "PartialSync: 3 unmatched"},
		{"dry run", sp(3, ok, synced("True", v1.ReasonDryRun, "312 planned actions")), "Healthy", "DryRun: 312 planned actions"},
		{"sync failed", sp(3, ok, synced("False", v1.ReasonSyncFailed, "PSA: 500")), "Degraded", "SyncFailed: PSA: 500"},
		{"sync waits for a connection", sp(3, ok, synced("False", v1.ReasonConnectionNotReady, "")), "Progressing", "ConnectionNotReady"},
		{"unknown Synced=False reason is surfaced", sp(3, ok, synced("False", "SomethingNew", "boom")), "Degraded", "SomethingNew: boom"},
	}
	runHealth(t, k, cases)
}

func TestHealthAccountMapping(t *testing.T) {
	const k = "AccountMapping"
	spec := map[string]any{"policyRef": map[string]any{"name": "vsa-to-cw"}, "psa": map[string]any{"accountID": "250"}, "tool": map[string]any{"organizationID": "9001"}}
	suspended := map[string]any{"policyRef": spec["policyRef"], "psa": spec["psa"], "tool": spec["tool"], "suspend": true}
	am := func(observed int64, state v1.MappingState, conds ...cond) map[string]any {
		var extra map[string]any
		if state != "" {
			extra = map[string]any{"state": string(state)}
		}
		return obj(k, spec, observed, extra, conds...)
	}
	linked := ready("True", v1.ReasonLinked, "ACME CORP. <-> Acme Corp")
	withEvents := func(events ...any) map[string]any {
		return obj(k, spec, 3, map[string]any{"state": "HasEvents", "recentEvents": events}, linked)
	}
	ev := func(reason, msg string) map[string]any {
		return map[string]any{"time": "2026-01-02T03:04:05Z", "reason": reason, "message": msg}
	}
	cases := []healthCase{
		{"no status yet", am(-1, ""), "Progressing", waitingGen3},
		{"status of an older generation", am(2, v1.StateOK, linked), "Progressing", waitingGen3},
		{"spec.suspend", obj(k, suspended, 3, map[string]any{"state": "OK"}, linked), "Suspended", "Suspended: spec.suspend is true"},
		{"policy suspended", am(3, v1.StateOK, ready("False", v1.ReasonSuspended, `SyncPolicy "vsa-to-cw" is suspended`)), "Suspended", `Suspended: SyncPolicy "vsa-to-cw" is suspended`},
		{"no Ready yet", am(3, ""), "Progressing", "Waiting for the controller to link this mapping"},
		{"Ready of an older generation", am(3, v1.StateOK, cond{typ: "Ready", status: "True", reason: v1.ReasonLinked, gen: 2}), "Progressing", "Waiting for the controller to link this mapping"},
		{"linked", am(3, v1.StateOK, linked), "Healthy", "Linked: ACME CORP. <-> Acme Corp"},
		{"creating", am(3, v1.StateNotAvailable, ready("False", v1.ReasonCreating, "creating PSA account Acme Corp")), "Progressing", "Creating: creating PSA account Acme Corp"},
		{"connection not ready", am(3, v1.StateNotAvailable, ready("False", v1.ReasonConnectionNotReady, "")), "Progressing", "ConnectionNotReady"},
		{"conflict", am(3, v1.StateHasEvents, ready("False", v1.ReasonConflict, "account 250 belongs to mapping y")), "Degraded", "Conflict: account 250 belongs to mapping y"},
		{"name conflict", am(3, v1.StateNotAvailable, ready("False", v1.ReasonNameConflict, "Acme Corp exists as id 77 (Inactive, Prospect)")), "Degraded", "NameConflict: Acme Corp exists as id 77 (Inactive, Prospect)"},
		{"PSA account missing", am(3, v1.StateNotAvailable, ready("False", v1.ReasonPSAAccountMissing, "account 250 not found")), "Degraded", "PSAAccountMissing: account 250 not found"},
		{"tool organization missing", am(3, v1.StateNotAvailable, ready("False", v1.ReasonToolOrganizationMissing, "org 9001 not found")), "Degraded", "ToolOrganizationMissing: org 9001 not found"},
		{"policy not found", am(3, v1.StateNotAvailable, ready("False", v1.ReasonPolicyNotFound, "")), "Degraded", "PolicyNotFound"},
		{"asset sync failed (Ready=False)", am(3, v1.StateHasEvents, ready("False", v1.ReasonAssetSyncFailed, "2 of 40 assets failed")), "Degraded", "AssetSyncFailed: 2 of 40 assets failed"},
		{"has events, newest event first", withEvents(ev(v1.ReasonUserSyncFailed, "PSA 500"), ev(v1.ReasonAssetSyncFailed, "older")), "Degraded", "HasEvents: UserSyncFailed: PSA 500"},
		{"has events, none listed", withEvents(), "Degraded", "HasEvents: Linked: ACME CORP. <-> Acme Corp"},
		{"Ready=Unknown", am(3, "", ready("Unknown", "Linking", "")), "Progressing", "Linking"},
		{"unknown False reason is surfaced", am(3, v1.StateNotAvailable, ready("False", "SomethingNew", "boom")), "Degraded", "SomethingNew: boom"},
	}
	runHealth(t, k, cases)
}

// Argo CD hands integers to Lua as numbers, but JSON decoded with UseNumber (or a value stored
// as a string) arrives as a string: the generation check must not flap between the two.
func TestHealthGenerationEncodings(t *testing.T) {
	raw := `{"apiVersion":"accountsync.io/v1alpha1","kind":"IntegrationConnection",
	  "metadata":{"name":"x","generation":12},
	  "status":{"observedGeneration":12,"conditions":[{"type":"Ready","status":"True","reason":"Connected","message":"","observedGeneration":12}]}}`
	src := script(t, "IntegrationConnection", argocd.HealthFile)
	decoders := map[string]func() (map[string]any, error){
		"float64": func() (map[string]any, error) {
			var m map[string]any
			return m, json.Unmarshal([]byte(raw), &m)
		},
		"json.Number": func() (map[string]any, error) {
			var m map[string]any
			d := json.NewDecoder(strings.NewReader(raw))
			d.UseNumber()
			return m, d.Decode(&m)
		},
		"mixed": func() (map[string]any, error) {
			var m map[string]any
			if err := json.Unmarshal([]byte(raw), &m); err != nil {
				return nil, err
			}
			m["metadata"].(map[string]any)["generation"] = int64(12)
			m["status"].(map[string]any)["observedGeneration"] = json.Number("12")
			return m, nil
		},
	}
	for name, decode := range decoders {
		t.Run(name, func(t *testing.T) {
			o, err := decode()
			if err != nil {
				t.Fatal(err)
			}
			h, err := argocd.VM{}.Health(src, o)
			if err != nil {
				t.Fatal(err)
			}
			if h.Status != "Healthy" {
				t.Fatalf("got %+v, want Healthy", h)
			}
		})
	}
}

func TestDiscovery(t *testing.T) {
	for _, kind := range argocd.Kinds {
		src := script(t, kind, argocd.DiscoveryFile)
		for _, suspend := range []bool{false, true} {
			spec := map[string]any{}
			if suspend {
				spec["suspend"] = true
			}
			actions, err := argocd.VM{}.Discover(src, obj(kind, spec, 3, nil))
			if err != nil {
				t.Fatalf("%s: %v", kind, err)
			}
			if len(actions) != 1 || actions[0].Name != argocd.ActionName {
				t.Fatalf("%s: actions %+v, want exactly %q", kind, actions, argocd.ActionName)
			}
			a := actions[0]
			// IntegrationConnection has no spec.suspend; a stray one must not hide the action.
			wantDisabled := suspend && kind != "IntegrationConnection"
			if a.Disabled != wantDisabled || a.DisplayName != "Sync now" || a.IconClass == "" {
				t.Fatalf("%s suspend=%v: %+v, want disabled=%v with a display name and icon", kind, suspend, a, wantDisabled)
			}
		}
	}
}

func TestSyncNowAction(t *testing.T) {
	const key = v1.SyncRequestedAtAnnotation
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.FixedZone("CET", 3600))
	vm := argocd.VM{Now: func() time.Time { return at }}
	const stamp = "2026-03-04T04:06:07Z" // UTC whatever the Argo CD host's zone
	cases := []struct {
		name     string
		existing any // nil: no annotations map at all
		want     string
	}{
		{"no annotations", nil, stamp},
		{"older request", "2026-03-01T00:00:00Z", stamp},
		{"second click in the same second", stamp, stamp + "-2"},
		// Any value other than the current one is a new request, so the plain stamp will do.
		{"third click in the same second", stamp + "-2", stamp},
		{"hand-written value", "please", stamp},
	}
	for _, kind := range argocd.Kinds {
		src := script(t, kind, argocd.ActionFile)
		for _, tc := range cases {
			t.Run(kind+"/"+tc.name, func(t *testing.T) {
				in := obj(kind, map[string]any{"suspend": false, "psa": map[string]any{"accountID": "250"}}, 3, nil, ready("True", "Linked", ""))
				md := in["metadata"].(map[string]any)
				if tc.existing == nil {
					delete(md, "annotations")
				} else {
					md["annotations"].(map[string]any)[key] = tc.existing
				}
				before := deepCopy(t, in)

				out, err := vm.Action(src, in)
				if err != nil {
					t.Fatal(err)
				}
				ann, _ := out["metadata"].(map[string]any)["annotations"].(map[string]any)
				if got := ann[key]; got != tc.want {
					t.Fatalf("annotation = %v, want %q", got, tc.want)
				}
				// Nothing but that one annotation may change: the spec belongs to Git and
				// status to the controller.
				delete(ann, key)
				if len(ann) == 0 {
					delete(out["metadata"].(map[string]any), "annotations")
				}
				bmd := before["metadata"].(map[string]any)
				if a, ok := bmd["annotations"].(map[string]any); ok {
					delete(a, key)
				}
				if !equalJSON(t, before, out) {
					t.Fatalf("action changed more than the annotation:\nbefore %s\nafter  %s", mustJSON(t, before), mustJSON(t, out))
				}
			})
		}
	}
}

// Argo CD runs argocd-cm scripts without the string, math, io and debug libraries (unless
// useOpenLibs is set, which we do not ask users to do). The runtime tests only catch a call
// on a path they execute, so look for them statically too.
func TestScriptsUseOnlyArgoSandbox(t *testing.T) {
	forbidden := regexp.MustCompile(`\b(string|math|io|debug|coroutine|utf8)\s*\.|:\s*(format|sub|find|gsub|match|gmatch|lower|upper|len|rep)\s*\(|\bos\s*\.\s*(exit|getenv|execute|remove|rename|tmpname)`)
	for _, kind := range argocd.Kinds {
		for _, f := range []string{argocd.HealthFile, argocd.DiscoveryFile, argocd.ActionFile} {
			for i, line := range strings.Split(script(t, kind, f), "\n") {
				code, _, _ := strings.Cut(line, "--")
				if forbidden.MatchString(code) {
					t.Errorf("%s/%s:%d uses a library Argo CD does not load: %s", kind, f, i+1, strings.TrimSpace(line))
				}
			}
		}
	}
}

// The shipped snippets must be exactly what Snippet assembles from the tested scripts, and
// must parse back (as Argo CD parses argocd-cm) to the very same Lua.
func TestSnippet(t *testing.T) {
	want, err := argocd.Snippet(docsDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range snippetPaths {
		if *update {
			if err := os.WriteFile(p, want, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("%v (run go test ./test/argocd -run TestSnippet -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is out of date with docs/argocd/*/*.lua: run go test ./test/argocd -run TestSnippet -update", p)
		}
	}

	var cm struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name      string            `json:"name"`
			Namespace string            `json:"namespace"`
			Labels    map[string]string `json:"labels"`
		} `json:"metadata"`
		Data map[string]string `json:"data"`
	}
	if err := yaml.UnmarshalStrict(want, &cm, yaml.DisallowUnknownFields); err != nil {
		t.Fatal(err)
	}
	if cm.APIVersion != "v1" || cm.Kind != "ConfigMap" || cm.Metadata.Name != "argocd-cm" {
		t.Fatalf("snippet is %s %s %s, want v1 ConfigMap argocd-cm", cm.APIVersion, cm.Kind, cm.Metadata.Name)
	}
	if len(cm.Data) != 2*len(argocd.Kinds) {
		t.Errorf("snippet has %d keys, want %d", len(cm.Data), 2*len(argocd.Kinds))
	}
	for _, kind := range argocd.Kinds {
		if got := cm.Data[argocd.HealthKey(kind)]; got != script(t, kind, argocd.HealthFile) {
			t.Errorf("%s: embedded health.lua differs from the file", kind)
		}
		// The shape of Argo CD's ResourceActions (resource.customizations.actions.*).
		var actions struct {
			DiscoveryLua string `json:"discovery.lua"`
			Definitions  []struct {
				Name      string `json:"name"`
				ActionLua string `json:"action.lua"`
			} `json:"definitions"`
		}
		if err := yaml.UnmarshalStrict([]byte(cm.Data[argocd.ActionsKey(kind)]), &actions, yaml.DisallowUnknownFields); err != nil {
			t.Fatalf("%s actions: %v", kind, err)
		}
		if actions.DiscoveryLua != script(t, kind, argocd.DiscoveryFile) {
			t.Errorf("%s: embedded discovery.lua differs from the file", kind)
		}
		if len(actions.Definitions) != 1 || actions.Definitions[0].Name != argocd.ActionName ||
			actions.Definitions[0].ActionLua != script(t, kind, argocd.ActionFile) {
			t.Errorf("%s: embedded definitions differ from action.lua", kind)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func deepCopy(t *testing.T, in map[string]any) map[string]any {
	t.Helper()
	var out map[string]any
	if err := json.Unmarshal([]byte(mustJSON(t, in)), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func equalJSON(t *testing.T, a, b any) bool {
	t.Helper()
	var x, y any
	_ = json.Unmarshal([]byte(mustJSON(t, a)), &x)
	_ = json.Unmarshal([]byte(mustJSON(t, b)), &y)
	return mustJSON(t, x) == mustJSON(t, y)
}
