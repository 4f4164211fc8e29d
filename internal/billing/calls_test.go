package billing_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
	"time"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/billing"
	"github.com/accountsync/accountsync-operator/internal/provider"
	_ "github.com/accountsync/accountsync-operator/internal/provider/all"
	cwsim "github.com/accountsync/accountsync-operator/internal/simulator/connectwise"
	gzsim "github.com/accountsync/accountsync-operator/internal/simulator/gravityzone"
	halosim "github.com/accountsync/accountsync-operator/internal/simulator/halopsa"
)

// The vendor calls of a billing run are bounded by the mapped pairs, not by the records of
// either system: these tests count them against the simulators, for a first run (every
// quantity differs) and a steady-state run (every quantity already agrees).

func build(t testing.TB, name provider.Name, rawURL string, creds provider.Credentials) provider.Client {
	t.Helper()
	u, _ := url.Parse(rawURL)
	c, err := provider.Build(name, provider.Config{URL: u, Timeout: 10 * time.Second, RequestsPerMinute: 1 << 30, Burst: 1 << 20,
		Backoff: time.Millisecond, MaxRetries: 2}, creds)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// connectWise serves n companies, each with an active agreement whose AV-SEAT addition holds 1.
func connectWise(t testing.TB, n int) (provider.Client, []billing.Pair) {
	f := cwsim.DefaultFixture()
	f.Companies, f.Sites = nil, nil
	var pairs []billing.Pair
	for i := 1; i <= n; i++ {
		f.Companies = append(f.Companies, cwsim.Company{ID: 1000 + i, Identifier: fmt.Sprintf("C%d", i), Name: fmt.Sprintf("Customer %d", i),
			Status: &cwsim.Ref{ID: cwsim.StatusActive}})
		f.Agreements = append(f.Agreements, cwsim.Agreement{ID: 5000 + i, Name: "MSA", Company: &cwsim.Ref{ID: 1000 + i}})
		f.Additions = append(f.Additions, cwsim.Addition{AgreementID: 5000 + i, Product: &cwsim.Ref{Identifier: "AV-SEAT"}, Quantity: 1})
		pairs = append(pairs, billing.Pair{Mapping: fmt.Sprintf("m%d", i), OrganizationID: strconv.Itoa(i), AccountID: strconv.Itoa(1000 + i)})
	}
	srv := httptest.NewServer(cwsim.New(f))
	t.Cleanup(srv.Close)
	return build(t, provider.ConnectWisePSA, srv.URL, provider.Credentials{"companyId": []byte(f.CompanyID),
		"publicKey": []byte(f.PublicKey), "privateKey": []byte(f.PrivateKey), "clientId": []byte(f.ClientID)}), pairs
}

// haloAndGravityZone serves n Halo clients with a recurring invoice holding AV-SEAT at 1 and n
// GravityZone companies.
func haloAndGravityZone(t testing.TB, n int) (halo, gz provider.Client, pairs []billing.Pair) {
	hf := halosim.Fixture{ClientID: "cid", ClientSecret: "secret", TopLevels: []halosim.TopLevel{{ID: 1, Name: "Managed"}}}
	gf := gzsim.Fixture{APIKeys: []string{"key"}}
	for i := 1; i <= n; i++ {
		hf.Clients = append(hf.Clients, halosim.Client{ID: i, Name: fmt.Sprintf("Customer %d", i), TopLevelID: 1})
		hf.RecurringInvoices = append(hf.RecurringInvoices, halosim.RecurringInvoice{ClientID: i,
			Lines: []halosim.InvoiceLine{{ItemCode: "AV-SEAT", QtyOrder: 1}, {ItemCode: "SUPPORT", QtyOrder: 1}}})
		id := fmt.Sprintf("%024x", i)
		gf.Companies = append(gf.Companies, gzsim.FixtureCompany{ID: id, Name: fmt.Sprintf("Customer %d", i)})
		pairs = append(pairs, billing.Pair{Mapping: fmt.Sprintf("m%d", i), OrganizationID: id, AccountID: strconv.Itoa(i)})
	}
	hs := httptest.NewServer(halosim.New(hf))
	t.Cleanup(hs.Close)
	gs := httptest.NewServer(gzsim.New(gf))
	t.Cleanup(gs.Close)
	halo = build(t, provider.HaloPSA, hs.URL, provider.Credentials{"clientId": []byte("cid"), "clientSecret": []byte("secret")})
	gz = build(t, provider.GravityZone, gs.URL+"/api", provider.Credentials{"apiKey": []byte("key")})
	return halo, gz, pairs
}

// runAll bills every pair and returns the vendor calls the run made per side.
func runAll(t testing.TB, r billing.Runner, psa, tool provider.Client, pairs []billing.Pair) (psaCalls, toolCalls int64) {
	p0, t0 := psa.CallCount(), int64(0)
	if tool != nil {
		t0 = tool.CallCount()
	}
	for _, p := range pairs {
		if res := r.Run(context.Background(), p); res.Failed {
			t.Fatalf("%s: %s", p.Mapping, res.Status.Message)
		}
	}
	psaCalls = psa.CallCount() - p0
	if tool != nil {
		toolCalls = tool.CallCount() - t0
	}
	return psaCalls, toolCalls
}

func TestCallsBoundedByPairs(t *testing.T) {
	const n = 200
	policy := v1alpha1.BillingService{PSAItem: "AV-SEAT", WhenLineMissing: v1alpha1.LineMissingReport}

	cw, pairs := connectWise(t, n)
	// Agent usage comes from the listing the sync already made: no tool call per pair.
	agents := func(context.Context, string) (int64, error) { return 3, nil }
	r := billing.Runner{Policy: policy, Lines: cw.(provider.BillingLineManager), Usage: agents, Now: time.Now()}
	if _, err := cw.Probe(context.Background()); err != nil { // codebase discovery, once per client
		t.Fatal(err)
	}
	if got, _ := runAll(t, r, cw, nil, pairs); got != 3*n {
		t.Errorf("ConnectWise first run: %d calls, want 3 per pair (agreements, additions, PATCH)", got)
	}
	if got, _ := runAll(t, r, cw, nil, pairs); got != 2*n {
		t.Errorf("ConnectWise steady run: %d calls, want 2 per pair (agreements, additions)", got)
	}

	halo, gz, pairs := haloAndGravityZone(t, n)
	monthly := gz.(provider.MonthlyUsageReader)
	r = billing.Runner{Policy: policy, Lines: halo.(provider.BillingLineManager), Now: time.Now(),
		Usage: func(ctx context.Context, org string) (int64, error) {
			return monthly.MonthlyUsage(ctx, org, "endpointMonthlyUsage", billing.UsageMonth(v1alpha1.MonthCurrent, time.Now()))
		}}
	if _, err := halo.Probe(context.Background()); err != nil { // the token, once per client
		t.Fatal(err)
	}
	// Every usage is 0 and every line holds 1: the first run writes each line.
	psaCalls, toolCalls := runAll(t, r, halo, gz, pairs)
	if psaCalls != 3*n || toolCalls != n {
		t.Errorf("Halo first run: %d PSA calls (want 3 per pair: list, re-read, POST), %d GravityZone calls (want 1 per pair)", psaCalls, toolCalls)
	}
	psaCalls, toolCalls = runAll(t, r, halo, gz, pairs)
	if psaCalls != n || toolCalls != n {
		t.Errorf("Halo steady run: %d PSA calls, %d GravityZone calls; want 1 and 1 per pair", psaCalls, toolCalls)
	}
}

// BenchmarkSteadyRun1500 measures a steady-state run over 1,500 mapped pairs and reports its
// vendor calls (docs/services.md quotes them).
func BenchmarkSteadyRun1500(b *testing.B) {
	const n = 1500
	policy := v1alpha1.BillingService{PSAItem: "AV-SEAT", WhenLineMissing: v1alpha1.LineMissingReport}
	b.Run("VSA-ConnectWise", func(b *testing.B) {
		cw, pairs := connectWise(b, n)
		r := billing.Runner{Policy: policy, Lines: cw.(provider.BillingLineManager), Now: time.Now(),
			Usage: func(context.Context, string) (int64, error) { return 1, nil }}
		runAll(b, r, cw, nil, pairs)
		b.ResetTimer()
		var calls int64
		for i := 0; i < b.N; i++ {
			p, _ := runAll(b, r, cw, nil, pairs)
			calls = p
		}
		b.ReportMetric(float64(calls), "psa-calls/run")
	})
	b.Run("GravityZone-HaloPSA", func(b *testing.B) {
		halo, gz, pairs := haloAndGravityZone(b, n)
		monthly := gz.(provider.MonthlyUsageReader)
		r := billing.Runner{Policy: policy, Lines: halo.(provider.BillingLineManager), Now: time.Now(),
			Usage: func(ctx context.Context, org string) (int64, error) {
				return monthly.MonthlyUsage(ctx, org, "endpointMonthlyUsage", billing.UsageMonth(v1alpha1.MonthCurrent, time.Now()))
			}}
		runAll(b, r, halo, gz, pairs)
		b.ResetTimer()
		var psaCalls, toolCalls int64
		for i := 0; i < b.N; i++ {
			psaCalls, toolCalls = runAll(b, r, halo, gz, pairs)
		}
		b.ReportMetric(float64(psaCalls), "psa-calls/run")
		b.ReportMetric(float64(toolCalls), "tool-calls/run")
	})
}
