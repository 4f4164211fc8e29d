package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/test/testenv"
)

// TestDemo runs the whole demo as `DEMO_ONCE=1 make demo` does, in-process to save a build of
// the demo itself; the manager is still the real binary, built and run as a child process. The
// fixture is deterministic, so the converged objects, read back from the API server, are
// asserted exactly: a change here means the operator now links, creates or flags something
// differently for the same vendors.
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
	var w *world
	start := time.Now()
	err = run(ctx, options{
		Root:          root,
		OutDir:        dir,
		ManagerBinary: filepath.Join(dir, "manager"),
		Timeout:       2 * time.Minute,
		Once:          true,
		Out:           &out,
		Converged:     func(got *world) { w = got },
	})
	t.Logf("demo finished in %s; output:\n%s", time.Since(start).Round(time.Millisecond), out.String())
	if err != nil {
		t.Fatalf("demo failed: %v\nmanager log tail:\n%s", err, testenv.TailFile(filepath.Join(dir, "manager.log"), 30))
	}
	if w == nil {
		t.Fatal("the demo converged without handing over its objects")
	}

	checkConnections(t, w)
	checkPolicies(t, w)
	checkMappings(t, w)
	checkReport(t, out.String())
	// The manager was stopped by a signal and shut down cleanly, not killed.
	if log := testenv.TailFile(filepath.Join(dir, "manager.log"), 5); !strings.Contains(log, "proceeding to shutdown the manager") {
		t.Errorf("the manager did not shut down cleanly; log tail:\n%s", log)
	}
}

func checkConnections(t *testing.T, w *world) {
	t.Helper()
	want := map[string]bool{"connectwise": true, "cyberqp": true, "gravityzone": true, "halopsa": true, "kaseya-bms": true, "kaseya-vsa": true}
	for _, ic := range w.ics {
		c := meta.FindStatusCondition(ic.Status.Conditions, v1alpha1.ConditionReady)
		if c == nil || c.Status != metav1.ConditionTrue || c.Reason != v1alpha1.ReasonConnected {
			t.Errorf("connection %s is not Ready/Connected: %+v", ic.Name, c)
		}
		delete(want, ic.Name)
	}
	for name := range want {
		t.Errorf("connection %s is missing", name)
	}
}

func policy(t *testing.T, w *world, name string) *v1alpha1.SyncPolicy {
	t.Helper()
	for i := range w.sps {
		if w.sps[i].Name == name {
			return &w.sps[i]
		}
	}
	t.Fatalf("policy %s is missing", name)
	return nil
}

func checkPolicies(t *testing.T, w *world) {
	t.Helper()
	for _, name := range []string{"vsa-to-bms", "vsa-to-connectwise", "halo-to-gravityzone", "cyberqp-to-halo", policyDryRun} {
		sp := policy(t, w, name)
		c := meta.FindStatusCondition(sp.Status.Conditions, "Synced")
		if c == nil || c.Status != metav1.ConditionTrue {
			t.Errorf("policy %s is not Synced: %+v", name, c)
		}
	}
	// The ambiguous organization is flagged, not linked (matching.onMultipleMatches: Flag).
	flagged := false
	for _, a := range policy(t, w, "vsa-to-bms").Status.Ambiguous {
		flagged = flagged || (a.ID == "91000000000000006" && a.Name == "Lakeside Logistics")
	}
	if !flagged {
		t.Error("vsa-to-bms does not list Lakeside Logistics (91000000000000006) as ambiguous")
	}
	// The dry run plans and changes nothing: no mapping of its own.
	dry := policy(t, w, policyDryRun)
	if dry.Status.PlanTotal == 0 || len(dry.Status.Plan) == 0 {
		t.Errorf("dry run %s has no plan: total %d", policyDryRun, dry.Status.PlanTotal)
	}
	for _, am := range w.ams {
		if am.Spec.PolicyRef.Name == policyDryRun {
			t.Errorf("dry run %s made mapping %s", policyDryRun, am.Name)
		}
	}
}

func checkMappings(t *testing.T, w *world) {
	t.Helper()
	states := map[v1alpha1.MappingState]int{}
	manual := 0
	var prefixed, nameConflict, manualKept, usersCreated bool
	for _, am := range w.ams {
		states[am.Status.State]++
		ready := meta.FindStatusCondition(am.Status.Conditions, v1alpha1.ConditionReady)
		isManual := metav1.GetControllerOf(&am) == nil
		if isManual {
			manual++
			// The manual mapping is kept and linked as written.
			manualKept = manualKept || (am.Name == manualMappingName && am.Status.State == v1alpha1.StateOK && am.Status.PSAAccount != nil && am.Status.PSAAccount.ID == manualBMSAccount)
		}
		if o := am.Status.ToolOrganization; o != nil && o.Name == "SanFrancisco_Northwind Traders" {
			prefixed = true // onNameConflict: Prefix on a name taken elsewhere in GravityZone
		}
		if ready != nil && ready.Reason == v1alpha1.ReasonNameConflict && strings.Contains(ready.Message, `"Cedar Family Medicine" already exists (id 5005, inactive`) {
			nameConflict = true // creation never duplicates a name, and says who holds it
		}
		if u := am.Status.Users; am.Spec.PolicyRef.Name == "cyberqp-to-halo" && u != nil && u.Matched == 2 && u.Created == 1 {
			usersCreated = true // CyberQP users: two matched, one created (createMissing)
		}
	}
	// 35 VSA→BMS (34 linked incl. the manual one, 1 NameConflict on an inactive account; the
	// ambiguous organization gets none), 33 VSA→ConnectWise (30 linked or created, 3
	// NameConflicts), 7 Halo→GravityZone, 3 CyberQP→Halo. The VSA→ConnectWise mappings bill:
	// the company the sync created in ConnectWise has no agreement to hold a billing line, so
	// its mapping has events (BillingLineMissing).
	if len(w.ams) != 78 || states[v1alpha1.StateOK] != 73 || states[v1alpha1.StateHasEvents] != 1 || states[v1alpha1.StateNotAvailable] != 4 || manual != 1 {
		t.Errorf("mappings: %d total, states %v, %d manual; want 78 total, 73 OK, 1 HasEvents, 4 NotAvailable, 1 manual", len(w.ams), states, manual)
	}
	checkBilling(t, w)
	checkTicketing(t, w)
	for what, ok := range map[string]bool{
		"a GravityZone company created with the name prefix":           prefixed,
		"a NameConflict naming the inactive Cedar Family Medicine":     nameConflict,
		"the manual mapping oakridge-dental linked to its BMS account": manualKept,
		"a CyberQP mapping with 2 users matched and 1 created":         usersCreated,
	} {
		if !ok {
			t.Errorf("no %s", what)
		}
	}
}

// checkBilling: the VSA→ConnectWise mappings bill their agents to the AV-SEAT addition; the one
// whose company has no agreement says so and keeps its link.
func checkBilling(t *testing.T, w *world) {
	t.Helper()
	pushed, missing := 0, 0
	for _, am := range w.ams {
		c := meta.FindStatusCondition(am.Status.Conditions, v1alpha1.ConditionBilling)
		if c == nil {
			continue
		}
		b := am.Status.Services.Billing
		switch c.Reason {
		case v1alpha1.ReasonBillingSynced:
			if b == nil || b.Usage == nil || b.Quantity == nil || *b.Usage != *b.Quantity {
				t.Errorf("mapping %s is BillingSynced but shows %+v", am.Name, b)
			}
			pushed++
		case v1alpha1.ReasonBillingLineMissing:
			if am.Status.PSAAccount == nil || !strings.Contains(c.Message, "AV-SEAT") {
				t.Errorf("mapping %s: BillingLineMissing without its link or the item: %q", am.Name, c.Message)
			}
			missing++
		default:
			t.Errorf("mapping %s: billing %s/%s: %s", am.Name, c.Status, c.Reason, c.Message)
		}
	}
	if pushed == 0 || missing != 1 {
		t.Errorf("billing: %d mappings synced, %d with a missing line; want some and exactly 1", pushed, missing)
	}
}

// checkTicketing: the simulated VSA alarms became ConnectWise tickets on the mapped accounts, and
// no mapping's ticketing failed.
func checkTicketing(t *testing.T, w *world) {
	t.Helper()
	created := int32(0)
	for _, am := range w.ams {
		c := meta.FindStatusCondition(am.Status.Conditions, v1alpha1.ConditionTicketing)
		if c == nil {
			continue
		}
		if c.Status != metav1.ConditionTrue {
			t.Errorf("mapping %s: ticketing %s/%s: %s", am.Name, c.Status, c.Reason, c.Message)
		}
		if s := am.Status.Services; s != nil && s.Ticketing != nil {
			created += s.Ticketing.Created
		}
	}
	if created == 0 {
		t.Error("no mapping shows a ticket created from the simulated alarms")
	}
}

// checkReport keeps what the demo tells a person: the review commands to try next.
func checkReport(t *testing.T, text string) {
	t.Helper()
	for _, verb := range []string{"status", "review", "plan " + policyDryRun, "explain <mapping>", "sync vsa-to-bms"} {
		if !strings.Contains(text, "go run ./cmd/kubectl-accountsync "+verb+" --kubeconfig ") {
			t.Errorf("output lacks the plugin command %q", verb)
		}
	}
	if m := regexp.MustCompile(`==> (\d+) ConnectWise tickets from (\d+) simulated VSA alarms`).FindStringSubmatch(text); m == nil || m[1] == "0" {
		t.Error("the demo shows no ticket made from the simulated alarms")
	}
	// The report shows the billing column for the mappings that bill.
	if !strings.Contains(text, "BILLING USE/QTY") {
		t.Error("the report has no billing column")
	}
}
