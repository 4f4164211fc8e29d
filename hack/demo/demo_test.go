package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/accountsync/accountsync-operator/test/testenv"
)

// TestDemo runs the whole demo as `DEMO_ONCE=1 make demo` does, in-process to save a build of
// the demo itself; the manager is still the real binary, built and run as a child process. The
// fixture is deterministic, so the converged tables are asserted exactly: a change here means
// the operator now links, creates or flags something differently for the same vendors.
func TestDemo(t *testing.T) {
	if os.Getenv(testenv.AssetsEnv) == "" {
		t.Skipf("%s is not set: the demo needs the envtest binaries (make test sets it)", testenv.AssetsEnv)
	}
	if testing.Short() {
		t.Skip("starts a control plane and the manager")
	}
	ctrllog.SetLogger(zap.New(zap.WriteTo(io.Discard)))
	root, err := testenv.Root()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var out bytes.Buffer
	start := time.Now()
	err = run(ctx, options{
		Root:          root,
		OutDir:        dir,
		ManagerBinary: filepath.Join(dir, "manager"),
		Timeout:       2 * time.Minute,
		Once:          true,
		Out:           &out,
	})
	t.Logf("demo finished in %s; output:\n%s", time.Since(start).Round(time.Millisecond), out.String())
	if err != nil {
		t.Fatalf("demo failed: %v\nmanager log tail:\n%s", err, testenv.TailFile(filepath.Join(dir, "manager.log"), 30))
	}
	text := out.String()

	if m := regexp.MustCompile(`==> (\d+) ConnectWise tickets from (\d+) simulated VSA alarms`).FindStringSubmatch(text); m == nil || m[1] == "0" {
		t.Errorf("the demo shows no ticket made from the simulated alarms")
	}
	for _, ic := range []string{"connectwise", "cyberqp", "gravityzone", "halopsa", "kaseya-bms", "kaseya-vsa"} {
		if !regexp.MustCompile(`(?m)^` + ic + `\s+\S+\s+(PSA|Tool)\s+True\s+Connected\s`).MatchString(text) {
			t.Errorf("connection %s is not shown Ready/Connected", ic)
		}
	}
	for _, sp := range []string{"vsa-to-bms", "vsa-to-connectwise", "halo-to-gravityzone", "cyberqp-to-halo", "vsa-to-connectwise-preview"} {
		if !regexp.MustCompile(`(?m)^` + sp + `\s+.*\sTrue/(SyncSucceeded|PartialSync|DryRun)\s`).MatchString(text) {
			t.Errorf("policy %s is not shown Synced", sp)
		}
	}

	m := regexp.MustCompile(`Mappings: (\d+) total, (\d+) OK, (\d+) HasEvents, (\d+) NotAvailable \((\d+) manual\)`).FindStringSubmatch(text)
	if m == nil {
		t.Fatal("no mapping summary in the output")
	}
	got := map[string]int{}
	for i, k := range []string{"total", "OK", "HasEvents", "NotAvailable", "manual"} {
		got[k], _ = strconv.Atoi(m[i+1])
	}
	// 35 VSA→BMS (34 linked incl. the manual one, 1 NameConflict on an inactive account; the
	// ambiguous organization gets none), 33 VSA→ConnectWise (30 linked or created, 3
	// NameConflicts), 7 Halo→GravityZone, 3 CyberQP→Halo.
	want := map[string]int{"total": 78, "OK": 74, "HasEvents": 0, "NotAvailable": 4, "manual": 1}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("mappings %s = %d, want %d", k, got[k], v)
		}
	}

	for _, s := range []string{
		// The rules a person sees at work.
		`SanFrancisco_Northwind Traders`,                            // Prefix on a name taken elsewhere in GravityZone
		`"Cedar Family Medicine" already exists (id 5005, inactive`, // creation never duplicates a name
		`"Lakeside Logistics" (91000000000000006) is ambiguous`,     // Flag
		`Oakridge Dental Group [manual]`,                            // manual mapping kept
		`2 matched, 1 created`,                                      // CyberQP users, createMissing
	} {
		if !strings.Contains(text, s) {
			t.Errorf("output lacks %q", s)
		}
	}
	if !regexp.MustCompile(`Dry run vsa-to-connectwise-preview \(DryRun\): \d+ planned actions, nothing changed`).MatchString(text) {
		t.Error("no dry-run plan in the output")
	}
	// The report is `kubectl accountsync status`, and the demo says how to run the plugin.
	for _, verb := range []string{"status", "review", "plan vsa-to-connectwise-preview", "explain <mapping>", "sync vsa-to-bms"} {
		if !strings.Contains(text, "go run ./cmd/kubectl-accountsync "+verb+" --kubeconfig ") {
			t.Errorf("output lacks the plugin command %q", verb)
		}
	}
	if !strings.Contains(text, "unmatched records: kubectl accountsync review lists them with suggestions") {
		t.Error("the report does not point at kubectl accountsync review")
	}
	// The manager was stopped by a signal and shut down cleanly, not killed.
	if log := testenv.TailFile(filepath.Join(dir, "manager.log"), 5); !strings.Contains(log, "proceeding to shutdown the manager") {
		t.Errorf("the manager did not shut down cleanly; log tail:\n%s", log)
	}
}
