package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/assetsync"
	"github.com/accountsync/accountsync-operator/internal/provider"
	_ "github.com/accountsync/accountsync-operator/internal/provider/all"
	cwsim "github.com/accountsync/accountsync-operator/internal/simulator/connectwise"
	halosim "github.com/accountsync/accountsync-operator/internal/simulator/halopsa"
	bmssim "github.com/accountsync/accountsync-operator/internal/simulator/kaseyabms"
	vsasim "github.com/accountsync/accountsync-operator/internal/simulator/kaseyavsa"
	"github.com/accountsync/accountsync-operator/internal/simulator/simkit"
	"github.com/accountsync/accountsync-operator/test/testenv"
)

var (
	vsaCreds  = map[string]string{"username": "sync", "token": "vsa-pat-secret"}
	bmsCreds  = map[string]string{"username": "api@msp", "password": "bms-password-secret", "tenant": "MSP"}
	cwCreds   = map[string]string{"companyId": "acmemsp", "publicKey": "pubKey7Hq2", "privateKey": "privKey9Zx4", "clientId": "6d1c2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f"}
	haloCreds = map[string]string{"clientId": "accountsync-halo", "clientSecret": "halo-client-secret-9d2f"}
)

// cwQualifying is how many of the ConnectWise companies the policy's filter lets through (the
// issue's tenant: 50,000 companies of which 1,500 qualify).
const cwQualifying = 1500

// sim is a simulator the harness counts and slows down.
type sim interface {
	http.Handler
	SetFaults(simkit.Faults)
	AllCalls() map[string]int
	ResetCalls()
}

type scenario struct {
	o      options
	psa    string
	agents int
	cp     *testenv.ControlPlane
	binary string
	out    io.Writer

	vsa      *vsasim.Server
	psaSim   sim
	provider v1alpha1.ProviderName
	creds    map[string]string
	// accountOf maps a VSA organization id to its PSA account (linked by name).
	accountOf map[string]string
	psaURL    string
	vsaURL    string
}

// result is what one scenario measured.
type result struct {
	psa                    string
	agents, mappings       int
	creates                int
	first, resync          calls
	firstBound, resyncList int
	firstWall, resyncWall  time.Duration
	peakRSS                int64 // bytes
	budget                 *v1alpha1.RateBudget
	limit                  provider.RateLimit
	maxEndpointPerSync     int
}

// calls are the requests of one phase by side and endpoint.
type calls struct {
	psa, tool map[string]int
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func (s *scenario) run(ctx context.Context) (r result, err error) {
	r = result{psa: s.psa, agents: s.agents}
	fmt.Fprintf(s.out, "==> %s, %d agents: building the tenant\n", s.psa, s.agents)
	s.build()
	vsaSrv := httptest.NewServer(s.vsa)
	defer vsaSrv.Close()
	psaSrv := httptest.NewServer(s.psaSim)
	defer psaSrv.Close()
	s.vsaURL, s.psaURL = vsaSrv.URL, psaSrv.URL

	existing := s.agents - min(s.o.newAgents, s.agents)
	start := time.Now()
	if err := s.prime(ctx, existing); err != nil {
		return r, fmt.Errorf("priming the PSA: %w", err)
	}
	fmt.Fprintf(s.out, "    %d PSA assets in place (%s); %d agents have none yet\n", existing, time.Since(start).Round(time.Second), s.agents-existing)
	faults := simkit.Faults{Latency: s.o.latency}
	s.vsa.SetFaults(faults)
	s.psaSim.SetFaults(faults)

	ns := fmt.Sprintf("scale-%s-%d", s.psa, s.agents)
	if err := s.cp.CreateNamespace(ctx, ns); err != nil {
		return r, err
	}
	logPath := filepath.Join(s.o.outDir, ns+"-manager.log")
	// A cold Kaseya BMS cache reads every existing asset's detail in the first sync; the
	// deadline is long enough for that to fit one reconcile (the default, 2m, spreads it over
	// several syncs, each keeping what it read).
	mgr, err := testenv.StartManager(s.binary, s.cp.Kubeconfig, logPath, "--reconcile-timeout=10m")
	if err != nil {
		return r, err
	}
	defer func() {
		if serr := mgr.Stop(15 * time.Second); serr != nil && err == nil {
			err = serr
		}
	}()
	kube := s.cp.Client
	if err := s.connect(ctx, ns, "vsa", v1alpha1.ProviderKaseyaVSA, s.vsaURL, vsaCreds); err != nil {
		return r, err
	}
	if err := s.connect(ctx, ns, "psa", s.provider, s.psaURL, s.creds); err != nil {
		return r, err
	}
	s.vsa.ResetCalls()
	s.psaSim.ResetCalls()

	sp := s.policy(ns)
	t0 := time.Now()
	if err := kube.Create(ctx, sp); err != nil {
		return r, err
	}
	expected := len(s.accountOf)
	r.mappings = expected
	if err := s.waitConverged(ctx, ns, expected, mgr); err != nil {
		return r, fmt.Errorf("first sync: %w (manager log: %s)", err, logPath)
	}
	r.firstWall = time.Since(t0)
	if err := waitQuiet(ctx, s.psaSim, s.vsa); err != nil {
		return r, err
	}
	r.first = calls{psa: s.psaSim.AllCalls(), tool: s.vsa.AllCalls()}
	r.creates = createsOf(r.first.psa)
	fmt.Fprintf(s.out, "    first sync converged in %s\n", r.firstWall.Round(time.Millisecond))

	s.vsa.ResetCalls()
	s.psaSim.ResetCalls()
	t1 := time.Now()
	req := fmt.Sprintf("scale-%d", time.Now().UnixNano())
	patch := []byte(fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}}}`, v1alpha1.SyncRequestedAtAnnotation, req))
	if err := kube.Patch(ctx, sp, client.RawPatch(types.MergePatchType, patch)); err != nil {
		return r, err
	}
	if err := poll(ctx, s.o.timeout, func() (bool, error) {
		if err := kube.Get(ctx, client.ObjectKeyFromObject(sp), sp); err != nil {
			return false, err
		}
		return sp.Status.LastHandledSyncRequest == req && sp.Status.LastSyncTime != nil, mgr.ExitError()
	}); err != nil {
		return r, fmt.Errorf("re-sync: %w", err)
	}
	r.resyncWall = time.Since(t1)
	if err := waitQuiet(ctx, s.psaSim, s.vsa); err != nil {
		return r, err
	}
	r.resync = calls{psa: s.psaSim.AllCalls(), tool: s.vsa.AllCalls()}
	r.budget = sp.Status.RateBudget
	r.limit = provider.LimitOf(provider.Name(s.provider))
	for _, n := range r.resync.psa {
		r.maxEndpointPerSync = max(r.maxEndpointPerSync, n)
	}
	r.firstBound = s.bound(r.first, true)
	r.resyncList = s.bound(r.resync, false)
	r.peakRSS, err = peakRSS(mgr.PID())
	return r, err
}

// build creates the tool and PSA tenants: orgs "Customer 0001"…, agents spread evenly, one
// machine group each; PSA accounts named like the organizations.
func (s *scenario) build() {
	s.vsa = vsasim.New(vsasim.Fixture{Username: vsaCreds["username"], Token: vsaCreds["token"]})
	orgIDs := make([]string, s.o.orgs)
	groups := make([]string, s.o.orgs)
	for i := range s.o.orgs {
		org := s.vsa.AddOrg(vsasim.Org{Name: orgName(i), Ref: fmt.Sprintf("c%04d", i+1)})
		orgIDs[i] = org.ID
		groups[i] = s.vsa.AddMachineGroup(vsasim.MachineGroup{Name: "hq", OrgID: org.ID}).ID
	}
	for j := range s.agents {
		i := j % s.o.orgs
		s.vsa.AddAgent(vsasim.Agent{ComputerName: fmt.Sprintf("C%04d-WS%05d", i+1, j+1), OrgID: orgIDs[i], MachineGroupID: groups[i],
			OperatingSystem: "Windows 11 Pro", IPAddress: fmt.Sprintf("10.%d.%d.%d", i/250, i%250, j%250), Online: 1})
	}
	s.accountOf = map[string]string{}
	switch s.psa {
	case "bms":
		s.provider, s.creds = v1alpha1.ProviderKaseyaBMS, bmsCreds
		b := bmssim.New(bmssim.Fixture{Credentials: []bmssim.Credential{{Username: bmsCreds["username"], Password: bmsCreds["password"], Tenant: bmsCreds["tenant"]}}})
		for i := range s.o.orgs {
			a := b.AddAccount(bmssim.Account{AccountName: orgName(i), AccountTypeID: 1})
			s.accountOf[orgIDs[i]] = strconv.FormatInt(a.ID, 10)
		}
		s.psaSim = b
	case "cw":
		s.provider, s.creds = v1alpha1.ProviderConnectWisePSA, cwCreds
		f := cwsim.DefaultFixture()
		f.Companies, f.Sites = nil, nil
		id := 30000
		for i := range min(cwQualifying, s.o.orgs) {
			id++
			f.Companies = append(f.Companies, cwsim.Company{ID: id, Identifier: fmt.Sprintf("C%06d", id), Name: orgName(i),
				Status: &cwsim.Ref{ID: cwsim.StatusActive}, Types: []cwsim.Ref{{ID: cwsim.TypeClient}}, City: "Tampa"})
			f.Sites = append(f.Sites, cwsim.Site{Name: "Main", Company: &cwsim.Ref{ID: id}, City: "Tampa", PrimaryAddressFlag: true})
			s.accountOf[orgIDs[i]] = strconv.Itoa(id)
		}
		for k := range s.o.cwExtra {
			id++
			f.Companies = append(f.Companies, cwsim.Company{ID: id, Identifier: fmt.Sprintf("C%06d", id), Name: fmt.Sprintf("Former Customer %05d", k+1),
				Status: &cwsim.Ref{ID: cwsim.StatusInactive}, Types: []cwsim.Ref{{ID: cwsim.TypeClient}}, City: "Tampa"})
		}
		s.psaSim = cwsim.New(f)
	case "halo":
		s.provider, s.creds = v1alpha1.ProviderHaloPSA, haloCreds
		h := halosim.New(halosim.Fixture{ClientID: haloCreds["clientId"], ClientSecret: haloCreds["clientSecret"],
			TopLevels: []halosim.TopLevel{{ID: 1, Name: "Managed"}}, AssetTypes: []halosim.AssetType{{ID: 1, Name: "Workstation"}}})
		for i := range s.o.orgs {
			c := h.AddClient(halosim.Client{Name: orgName(i), TopLevelID: 1})
			s.accountOf[orgIDs[i]] = strconv.Itoa(c.ID)
		}
		s.psaSim = h
	}
}

func orgName(i int) string { return fmt.Sprintf("Customer %04d", i+1) }

// prime writes PSA assets for the first `existing` agents the way the operator does (the
// provider clients and assetsync), so the first sync meets a tenant that was synced before and
// has `newAgents` agents since.
func (s *scenario) prime(ctx context.Context, existing int) error {
	vsaClient, err := build(provider.KaseyaVSA, s.vsaURL, vsaCreds)
	if err != nil {
		return err
	}
	psaClient, err := build(provider.Name(s.provider), s.psaURL, s.creds)
	if err != nil {
		return err
	}
	assets, err := vsaClient.(provider.ToolAssetLister).ListToolAssets(ctx, "")
	if err != nil {
		return err
	}
	sort.Slice(assets, func(i, j int) bool { return assets[i].Name < assets[j].Name })
	// The new agents are the last ones by name (the highest agent numbers, spread over orgs).
	byNumber := append([]provider.ToolAsset(nil), assets...)
	sort.Slice(byNumber, func(i, j int) bool { return agentNumber(byNumber[i].Name) < agentNumber(byNumber[j].Name) })
	byOrg := map[string][]provider.ToolAsset{}
	for _, a := range byNumber[:existing] {
		byOrg[a.OrganizationID] = append(byOrg[a.OrganizationID], a)
	}
	caps := psaClient.(assetsync.Capabilities)
	var stored *provider.AssetFields
	if fr, ok := psaClient.(provider.AssetFieldReporter); ok {
		f := fr.StoredAssetFields()
		stored = &f
	}
	category := map[string]string{"bms": "1", "halo": "Workstation"}[s.psa]
	work := make(chan string)
	errs := make(chan error, 8)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for org := range work {
				acct := s.accountOf[org]
				if acct == "" {
					continue
				}
				locs, err := caps.ListLocations(ctx, acct)
				if err != nil {
					errs <- err
					return
				}
				in := assetsync.Input{Location: v1alpha1.LocationMapping{Mode: v1alpha1.LocationMain}, AccountID: acct,
					ToolAssets: byOrg[org], Locations: locs, Stored: stored}
				planned, err := assetsync.Plan(in)
				if err != nil {
					errs <- err
					return
				}
				for i := range planned.Creates {
					planned.Creates[i].Category = category
				}
				if counts, problems := assetsync.Apply(ctx, caps, in, planned); counts.Failed > 0 {
					errs <- fmt.Errorf("account %s: %s", acct, problems[0].Message)
					return
				}
			}
		}()
	}
	go func() {
		defer close(work)
		for org := range byOrg {
			select {
			case work <- org:
			case <-ctx.Done():
				return
			}
		}
	}()
	wg.Wait()
	close(errs)
	return <-errs
}

func agentNumber(name string) int {
	_, n, _ := strings.Cut(name, "-WS")
	v, _ := strconv.Atoi(n)
	return v
}

func build(name provider.Name, raw string, creds map[string]string) (provider.Client, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	c := provider.Credentials{}
	for k, v := range creds {
		c[k] = []byte(v)
	}
	return provider.Build(name, provider.Config{URL: u, Timeout: time.Minute, RequestsPerMinute: 6_000_000, Burst: 1000}, c)
}

func (s *scenario) connect(ctx context.Context, ns, name string, p v1alpha1.ProviderName, url string, creds map[string]string) error {
	kube := s.cp.Client
	if err := kube.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name + "-creds"}, StringData: creds}); err != nil {
		return err
	}
	// The measured quantity is calls, not the vendor's pacing: the bucket is opened wide so a
	// run takes minutes, not the hours a real tenant's limit would spread it over.
	ic := &v1alpha1.IntegrationConnection{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1alpha1.IntegrationConnectionSpec{Provider: p, URL: url, CredentialsSecretRef: v1alpha1.LocalObjectReference{Name: name + "-creds"},
			Timeout: "60s", RateLimit: &v1alpha1.RateLimit{RequestsPerMinute: 100000, Burst: 1000}}}
	if err := kube.Create(ctx, ic); err != nil {
		return err
	}
	return poll(ctx, 2*time.Minute, func() (bool, error) {
		if err := kube.Get(ctx, client.ObjectKeyFromObject(ic), ic); err != nil {
			return false, err
		}
		return meta.IsStatusConditionTrue(ic.Status.Conditions, v1alpha1.ConditionReady), nil
	})
}

func (s *scenario) policy(ns string) *v1alpha1.SyncPolicy {
	sp := &v1alpha1.SyncPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "assets"},
		Spec: v1alpha1.SyncPolicySpec{
			PSA:  v1alpha1.PSASide{ConnectionRef: v1alpha1.LocalObjectReference{Name: "psa"}},
			Tool: v1alpha1.ToolSide{ConnectionRef: v1alpha1.LocalObjectReference{Name: "vsa"}},
			Mode: v1alpha1.ModeMatchOnly, Assets: v1alpha1.AssetSync{Enabled: true},
			Creation: v1alpha1.Creation{BatchSize: 1000},
		}}
	switch s.psa {
	case "bms":
		sp.Spec.PSA.Filter.Types = []string{"Customer"}
		sp.Spec.Creation.KaseyaBMS = &v1alpha1.KaseyaBMSCreation{AccountManager: "Dana Whitfield", BusinessType: "1", AssetCategory: "1"}
	case "cw":
		sp.Spec.PSA.Filter.Statuses = []string{"Active"}
		sp.Spec.PSA.Filter.Types = []string{"Client"}
	case "halo":
		sp.Spec.Creation.HaloPSA = &v1alpha1.HaloPSACreation{AssetType: "Workstation"}
	}
	return sp
}

// waitConverged waits until every linked mapping is Ready and accounts for all its agents.
func (s *scenario) waitConverged(ctx context.Context, ns string, expected int, mgr *testenv.Process) error {
	perOrg := map[string]int{}
	for j := range s.agents {
		perOrg[fmt.Sprint(j%s.o.orgs)]++
	}
	return poll(ctx, s.o.timeout, func() (bool, error) {
		if err := mgr.ExitError(); err != nil {
			return false, err
		}
		ams := &v1alpha1.AccountMappingList{}
		if err := s.cp.Client.List(ctx, ams, client.InNamespace(ns)); err != nil {
			return false, err
		}
		done := 0
		for _, am := range ams.Items {
			c := meta.FindStatusCondition(am.Status.Conditions, v1alpha1.ConditionReady)
			if c == nil || c.Status != metav1.ConditionTrue || am.Status.Assets == nil {
				continue
			}
			if a := am.Status.Assets; a.Failed == 0 && a.Created+a.Updated+a.Unchanged == a.Total {
				done++
			}
		}
		return done == expected, nil
	})
}

// waitQuiet waits until no simulator has counted a request for two seconds.
func waitQuiet(ctx context.Context, sims ...sim) error {
	last, since := -1, time.Now()
	return poll(ctx, 10*time.Minute, func() (bool, error) {
		n := 0
		for _, s := range sims {
			n += total(s.AllCalls())
		}
		if n != last {
			last, since = n, time.Now()
		}
		return time.Since(since) > 2*time.Second, nil
	})
}

func poll(ctx context.Context, timeout time.Duration, done func() (bool, error)) error {
	deadline := time.Now().Add(timeout)
	for {
		ok, err := done()
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return errors.New("timed out")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// createsOf counts the PSA's asset creates.
func createsOf(m map[string]int) int {
	n := 0
	for k, v := range m {
		l := strings.ToLower(k)
		if strings.HasPrefix(l, "post ") && (strings.Contains(l, "hardwareasset") || strings.Contains(l, "configurations") || strings.Contains(l, "/api/asset")) {
			n += v
		}
	}
	return n
}

func pages(records, size int) int { return int(math.Ceil(float64(records) / float64(size))) }

// bound is the lower bound of a phase: for each listing the pages it needs to read every record
// once in the vendor's largest page, the creates (first sync), and the look-ups the sync makes
// as made (types, statuses, the account manager, a count, a login). A per-record read (the BMS
// asset detail) counts nothing: it is what the bound leaves out.
func (s *scenario) bound(c calls, first bool) int {
	psaAssets := s.agents
	if first {
		psaAssets = s.agents - min(s.o.newAgents, s.agents)
	}
	accounts := len(s.accountOf)
	listing := func(key string) (int, bool) {
		l := strings.ToLower(key)
		if !strings.HasPrefix(l, "get ") {
			return 0, false
		}
		switch s.psa {
		case "bms":
			switch {
			case strings.HasSuffix(l, "/crm/accounts/summary"):
				return pages(accounts, bmssim.MaxPageSize), true
			case strings.HasSuffix(l, "/hardwareasset/searchselect"):
				return pages(psaAssets, bmssim.MaxPageSize), true
			case strings.Contains(l, "/hardwareasset/{"):
				return 0, true
			}
		case "cw":
			switch {
			case strings.HasSuffix(l, "/company/companies"):
				return pages(accounts, cwsim.MaxPageSize), true
			case strings.HasSuffix(l, "/company/configurations"):
				return pages(psaAssets, cwsim.MaxPageSize), true
			case strings.Contains(l, "/sites"):
				// CW lists sites per company only: one call per linked company.
				return accounts, true
			}
		case "halo":
			switch {
			case strings.HasSuffix(l, "/api/client"):
				return pages(accounts, 100), true
			case strings.HasSuffix(l, "/api/site"):
				return pages(accounts, 100), true
			case strings.HasSuffix(l, "/api/asset"):
				return pages(psaAssets, 100), true
			}
		}
		return 0, false
	}
	n := 0
	for k, v := range c.psa {
		if b, ok := listing(k); ok {
			n += min(b, v)
			continue
		}
		n += v // look-ups and, on the first sync, the creates
	}
	for k, v := range c.tool {
		l := strings.ToLower(k)
		switch {
		case strings.HasSuffix(l, "/assetmgmt/agents"):
			n += min(pages(s.agents, 100), v)
		case strings.HasSuffix(l, "/system/orgs"):
			n += min(pages(s.o.orgs, 100), v)
		default:
			n += v
		}
	}
	return n
}

// peakRSS reads the manager's high-water resident set (VmHWM) from /proc.
func peakRSS(pid int) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(rest)
			kb, err := strconv.ParseInt(f[0], 10, 64)
			return kb * 1024, err
		}
	}
	return 0, errors.New("no VmHWM in /proc status")
}
