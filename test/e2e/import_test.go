// Package e2e_test runs the operator the way it is shipped: the manager binary as its own
// process against a real API server (envtest), talking over HTTP to the vendor simulators served
// by the cmd/vendorsim binary. Nothing runs in the test process but assertions and the
// clients that read what a user would read.
package e2e_test

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/yaml"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/match"
	"github.com/accountsync/accountsync-operator/internal/provider"
	"github.com/accountsync/accountsync-operator/internal/provider/kaseyabms"
	bmssim "github.com/accountsync/accountsync-operator/internal/simulator/kaseyabms"
	"github.com/accountsync/accountsync-operator/internal/simulator/kaseyavsa"
	"github.com/accountsync/accountsync-operator/internal/simulator/vendors"
	"github.com/accountsync/accountsync-operator/test/testenv"
)

const (
	namespace = "msp-e2e"
	policy    = "vsa-to-bms"
	batchSize = 100
	// orgCount exceeds batchSize, so one import takes two syncs, and exceeds VSA's page size
	// (100), so listing the organizations pages.
	orgCount = 120

	bmsUser, bmsPassword, bmsTenant = "api-sync@e2e.example", "e2e-Pw-4471", "E2EMSP"
	vsaUser, vsaToken               = "api-sync", "e2e-vsa-pat-19ab"
)

// preexisting are the BMS accounts before the import. Three match VSA organizations by
// normalised name (case and legal suffixes differ) and must be linked, not duplicated.
var preexisting = []bmssim.Account{
	{ID: 4001, AccountName: "Customer 007 Holdings, LLC", AccountTypeID: 1},
	{ID: 4002, AccountName: "CUSTOMER 042 HOLDINGS", AccountTypeID: 1},
	{ID: 4003, AccountName: "Customer 099 Holdings Inc.", AccountTypeID: 1},
	{ID: 4004, AccountName: "Internal IT", AccountTypeID: 3},
	{ID: 4005, AccountName: "Walk-in Repairs", AccountTypeID: 1},
}

func orgName(i int) string { return fmt.Sprintf("Customer %03d Holdings", i) }

// TestImportVSAToBMS checks one full import: 120 VSA organizations, a BMS with a handful of
// accounts, a policy creating at most 100 accounts per sync. After two syncs every organization
// has exactly one BMS account (the three existing ones linked, the rest created once), BMS holds
// no duplicate name, and every AccountMapping is OK.
func TestImportVSAToBMS(t *testing.T) {
	if os.Getenv(testenv.AssetsEnv) == "" {
		t.Skipf("%s is not set: the end-to-end test needs the envtest binaries (make test sets it)", testenv.AssetsEnv)
	}
	if testing.Short() {
		t.Skip("builds and runs the manager and the simulators")
	}
	ctrllog.SetLogger(zap.New(zap.WriteTo(io.Discard)))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	root, err := testenv.Root()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()

	// Build both binaries while the control plane starts.
	managerBin, simBin := filepath.Join(dir, "manager"), filepath.Join(dir, "vendorsim")
	built := make(chan error, 2)
	go func() { built <- testenv.Build(ctx, root, "./cmd", managerBin) }()
	go func() { built <- testenv.Build(ctx, root, "./cmd/vendorsim", simBin) }()
	cp, err := testenv.StartControlPlane(root, filepath.Join(dir, "kubeconfig"))
	if err != nil {
		// Wait for both builds so none outlives the test; the control plane's error is the one
		// that matters.
		_, _ = <-built, <-built
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := cp.Stop(); err != nil {
			t.Errorf("stop control plane: %v", err)
		}
	})
	for range 2 {
		if err := <-built; err != nil {
			t.Fatal(err)
		}
	}

	urls := startVendorsim(ctx, t, simBin, dir)
	mgr, err := testenv.StartManager(managerBin, cp.Kubeconfig, filepath.Join(dir, "manager.log"))
	if err != nil {
		t.Fatal(err)
	}
	// Registered after the control plane's, so it runs first: the manager stops before the API
	// server goes away.
	t.Cleanup(func() {
		if err := mgr.Stop(15 * time.Second); err != nil {
			t.Errorf("stop manager: %v", err)
		}
		if t.Failed() {
			t.Logf("manager log tail:\n%s", mgr.Tail(40))
		}
	})

	k := cp.Client
	if err := cp.CreateNamespace(ctx, namespace); err != nil {
		t.Fatal(err)
	}
	for _, obj := range objects(urls) {
		if err := k.Create(ctx, obj); err != nil {
			t.Fatalf("create %s: %v", obj.GetName(), err)
		}
	}

	// Sync 1: at most batchSize creations are planned.
	first := waitSettled(ctx, t, k, mgr, "")
	bms := bmsClient(t, urls["kaseyabms"])
	afterFirst := listBMS(ctx, t, bms)
	createdFirst := len(afterFirst) - len(preexisting)
	t.Logf("after sync 1: %d mappings, %d BMS accounts (%d created)", len(first.ams), len(afterFirst), createdFirst)
	// 117 organizations need an account: the first sync creates a full batch, the three
	// matching accounts are linked, and the rest waits for the next sync.
	if createdFirst != batchSize {
		t.Errorf("sync 1 created %d accounts, want %d: spec.creation.batchSize bounds the creations of one sync", createdFirst, batchSize)
	}
	if want := batchSize + 3; len(first.ams) != want {
		t.Errorf("after sync 1: %d AccountMappings, want %d (3 links + %d creations)", len(first.ams), want, batchSize)
	}

	// Sync 2, requested through the sync-now annotation: the rest of the organizations.
	sp := &v1alpha1.SyncPolicy{}
	if err := k.Get(ctx, types.NamespacedName{Namespace: namespace, Name: policy}, sp); err != nil {
		t.Fatal(err)
	}
	const request = "e2e-second-sync"
	patch := client.MergeFrom(sp.DeepCopy())
	metav1.SetMetaDataAnnotation(&sp.ObjectMeta, v1alpha1.SyncRequestedAtAnnotation, request)
	if err := k.Patch(ctx, sp, patch); err != nil {
		t.Fatal(err)
	}
	second := waitSettled(ctx, t, k, mgr, request)

	// Every organization has exactly one BMS account (by the normalised name the policy
	// matches on), BMS has no duplicate name, and nothing else was created.
	accounts := listBMS(ctx, t, bms)
	byExact, byKey := map[string][]provider.Account{}, map[string][]provider.Account{}
	for _, a := range accounts {
		byExact[match.ExactKey(a.Name)] = append(byExact[match.ExactKey(a.Name)], a)
		byKey[match.Normalize(a.Name)] = append(byKey[match.Normalize(a.Name)], a)
	}
	for name, as := range byExact {
		if len(as) > 1 {
			t.Errorf("BMS holds %d accounts named %q: %v", len(as), name, as)
		}
	}
	linkedByOrg := map[string]string{}
	for i := 1; i <= orgCount; i++ {
		key := match.Normalize(orgName(i))
		if n := len(byKey[key]); n != 1 {
			t.Errorf("organization %q has %d BMS accounts, want 1: %v", orgName(i), n, byKey[key])
			continue
		}
		linkedByOrg[orgID(i)] = byKey[key][0].ID
	}
	if want := len(preexisting) + orgCount - 3; len(accounts) != want {
		t.Errorf("BMS holds %d accounts, want %d (%d existing + %d imported)", len(accounts), want, len(preexisting), orgCount-3)
	}

	// Every mapping is OK and links its organization to that account.
	if len(second.ams) != orgCount {
		t.Errorf("%d AccountMappings, want %d", len(second.ams), orgCount)
	}
	for _, am := range second.ams {
		org, acct := am.Status.ToolOrganization, am.Status.PSAAccount
		switch {
		case am.Status.State != v1alpha1.StateOK:
			c := meta.FindStatusCondition(am.Status.Conditions, v1alpha1.ConditionReady)
			t.Errorf("mapping %s is %s: %+v", am.Name, am.Status.State, c)
		case org == nil || acct == nil:
			t.Errorf("mapping %s is OK but names no organization or account: %+v", am.Name, am.Status)
		case linkedByOrg[org.ID] != acct.ID:
			t.Errorf("mapping %s links organization %s to account %s, want %s", am.Name, org.ID, acct.ID, linkedByOrg[org.ID])
		}
	}
	c := second.sp.Status.Counts
	if c.ToolOrganizations != orgCount || c.Mapped != orgCount || c.PendingCreate != 0 || c.Ambiguous != 0 || c.Conflicts != 0 {
		t.Errorf("policy counts after the import: %+v", c)
	}
	if got := second.sp.Status.LastHandledSyncRequest; got != request {
		t.Errorf("lastHandledSyncRequest = %q, want %q", got, request)
	}
}

func orgID(i int) string { return fmt.Sprint(93000000000000000 + i) }

// startVendorsim writes the fixture, starts cmd/vendorsim on free loopback ports and returns the
// URL of each vendor as it announces them ("ready <vendor> <url>").
func startVendorsim(ctx context.Context, t *testing.T, bin, dir string) map[string]string {
	t.Helper()
	vsa := kaseyavsa.Fixture{Username: vsaUser, Token: vsaToken}
	for i := 1; i <= orgCount; i++ {
		vsa.Orgs = append(vsa.Orgs, kaseyavsa.Org{ID: orgID(i), Name: orgName(i), Ref: fmt.Sprintf("cust%03d", i)})
	}
	f := vendors.File{
		KaseyaVSA: &vendors.Section[kaseyavsa.Fixture]{Listen: "127.0.0.1:0", Fixture: vsa},
		KaseyaBMS: &vendors.Section[bmssim.Fixture]{Listen: "127.0.0.1:0", Fixture: bmssim.Fixture{
			Credentials: []bmssim.Credential{{Username: bmsUser, Password: bmsPassword, Tenant: bmsTenant}},
			Accounts:    preexisting,
		}},
	}
	data, err := yaml.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	fixture := filepath.Join(dir, "vendors.yaml")
	if err := os.WriteFile(fixture, data, 0o644); err != nil {
		t.Fatal(err)
	}
	sim, err := testenv.StartProcess("vendorsim", bin, []string{"-fixture", fixture}, nil, filepath.Join(dir, "vendorsim.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := sim.Stop(10 * time.Second); err != nil {
			t.Errorf("stop vendorsim: %v", err)
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		urls := map[string]string{}
		for _, line := range strings.Split(testenv.TailFile(sim.LogPath, 50), "\n") {
			if f := strings.Fields(line); len(f) == 3 && f[0] == "ready" {
				urls[f[1]] = f[2]
			}
		}
		if len(urls) == 2 {
			return urls
		}
		select {
		case <-sim.Done():
			t.Fatalf("vendorsim exited: %v\n%s", sim.ExitError(), sim.Tail(20))
		case <-ctx.Done():
			t.Fatal(ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("vendorsim announced %v within 30s\n%s", urls, sim.Tail(20))
		}
	}
}

// objects are the Secrets, connections and the policy: the Kaseya BMS seed (sp_vsa_to_bms.yaml)
// without asset sync, which this test does not look at.
func objects(urls map[string]string) []client.Object {
	secret := func(name string, data map[string]string) *corev1.Secret {
		return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace}, StringData: data}
	}
	// The simulators enforce no rate limit; the provider defaults would only slow the test.
	limit := &v1alpha1.RateLimit{RequestsPerMinute: 6000, Burst: 100}
	conn := func(name string, p v1alpha1.ProviderName, url, secret string) *v1alpha1.IntegrationConnection {
		return &v1alpha1.IntegrationConnection{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
			Spec: v1alpha1.IntegrationConnectionSpec{Provider: p, URL: url, RateLimit: limit,
				CredentialsSecretRef: v1alpha1.LocalObjectReference{Name: secret}},
		}
	}
	return []client.Object{
		secret("kaseya-vsa-api", map[string]string{"username": vsaUser, "token": vsaToken}),
		secret("kaseya-bms-api", map[string]string{"username": bmsUser, "password": bmsPassword, "tenant": bmsTenant}),
		conn("kaseya-vsa", v1alpha1.ProviderKaseyaVSA, urls["kaseyavsa"], "kaseya-vsa-api"),
		conn("kaseya-bms", v1alpha1.ProviderKaseyaBMS, urls["kaseyabms"], "kaseya-bms-api"),
		&v1alpha1.SyncPolicy{
			ObjectMeta: metav1.ObjectMeta{Name: policy, Namespace: namespace},
			Spec: v1alpha1.SyncPolicySpec{
				PSA: v1alpha1.PSASide{ConnectionRef: v1alpha1.LocalObjectReference{Name: "kaseya-bms"},
					Filter: v1alpha1.PSAFilter{Types: []string{"Customer"}}},
				Tool:       v1alpha1.ToolSide{ConnectionRef: v1alpha1.LocalObjectReference{Name: "kaseya-vsa"}},
				Mode:       v1alpha1.ModeImport,
				CreateWhen: v1alpha1.CreateAlways,
				Interval:   "10m",
				Matching:   v1alpha1.Matching{Name: v1alpha1.MatchNormalized, OnMultipleMatches: v1alpha1.MultipleFlag},
				Creation: v1alpha1.Creation{OnNameConflict: v1alpha1.ConflictFail, BatchSize: batchSize,
					KaseyaBMS: &v1alpha1.KaseyaBMSCreation{AccountManager: "Dana Whitfield", BusinessType: "1"}},
			},
		},
	}
}

type state struct {
	sp  *v1alpha1.SyncPolicy
	ams []v1alpha1.AccountMapping
}

// waitSettled waits until the policy has handled request ("" for its first sync) and synced,
// every mapping has a state for its current generation with no create in flight, and nothing
// changed for two polls in a row. Between syncs the policy re-plans on its last listing when a
// mapping changes, so "settled" is judged on the objects, not on one condition.
func waitSettled(ctx context.Context, t *testing.T, k client.Client, mgr *testenv.Process, request string) state {
	t.Helper()
	var (
		last   state
		prev   string
		stable int
		why    string
	)
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		sp := &v1alpha1.SyncPolicy{}
		ams := &v1alpha1.AccountMappingList{}
		err := k.Get(ctx, types.NamespacedName{Namespace: namespace, Name: policy}, sp)
		if err == nil {
			err = k.List(ctx, ams, client.InNamespace(namespace))
		}
		if err == nil {
			last = state{sp: sp, ams: ams.Items}
			why = unsettled(last, request)
			fp := sp.ResourceVersion
			for _, am := range ams.Items {
				fp += "," + am.ResourceVersion
			}
			if why == "" && fp == prev {
				stable++
			} else {
				stable = 0
			}
			prev = fp
			if stable >= 3 {
				return last
			}
		} else {
			why = err.Error()
		}
		select {
		case <-ctx.Done():
			t.Fatalf("policy did not settle (request %q): %s", request, why)
		case <-mgr.Done():
			t.Fatalf("manager exited: %v", mgr.ExitError())
		case <-tick.C:
		}
	}
}

func unsettled(s state, request string) string {
	sp := s.sp
	c := meta.FindStatusCondition(sp.Status.Conditions, v1alpha1.ConditionSynced)
	switch {
	case sp.Status.LastHandledSyncRequest != request:
		return fmt.Sprintf("sync request %q not handled yet", request)
	case c == nil || c.Status != metav1.ConditionTrue || c.ObservedGeneration != sp.Generation || sp.Status.LastSyncTime == nil:
		return fmt.Sprintf("policy not synced: %+v", c)
	case len(s.ams) == 0:
		return "no mappings yet"
	}
	for _, am := range s.ams {
		r := meta.FindStatusCondition(am.Status.Conditions, v1alpha1.ConditionReady)
		switch {
		case am.Status.State == "" || r == nil || r.ObservedGeneration != am.Generation:
			return "mapping " + am.Name + " not reconciled"
		case r.Reason == v1alpha1.ReasonCreating || am.Status.PendingCreate != nil:
			return "mapping " + am.Name + " is creating"
		case am.Spec.PSA.Create && am.Status.PSAAccount != nil:
			return "mapping " + am.Name + " waits for the policy to record its account"
		}
	}
	return ""
}

func bmsClient(t *testing.T, raw string) *kaseyabms.Client {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	c, err := kaseyabms.New(provider.Config{URL: u, Timeout: 10 * time.Second},
		provider.Credentials{"username": []byte(bmsUser), "password": []byte(bmsPassword), "tenant": []byte(bmsTenant)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// listBMS reads every BMS account through the BMS API, inactive ones included.
func listBMS(ctx context.Context, t *testing.T, c *kaseyabms.Client) []provider.Account {
	t.Helper()
	accounts, err := c.ListAccounts(ctx, provider.AccountFilter{IncludeInactive: true})
	if err != nil {
		t.Fatalf("list BMS accounts: %v", err)
	}
	return accounts
}
