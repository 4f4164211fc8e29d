package kaseyabms

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/accountsync/accountsync-operator/internal/provider"
	sim "github.com/accountsync/accountsync-operator/internal/simulator/kaseyabms"
	"github.com/accountsync/accountsync-operator/internal/simulator/simkit"
)

func TestProbe(t *testing.T) {
	s, c := newEnv(t, sim.Fixture{})
	res, err := c.Probe(context.Background())
	if err != nil || res.ServerVersion != "" {
		t.Fatalf("probe: %+v %v", res, err)
	}
	if s.Calls("POST /token") != 1 || s.Calls("GET /crm/accounts/types") != 1 || c.CallCount() != 2 {
		t.Fatalf("calls %v / %d", s.AllCalls(), c.CallCount())
	}
}

func TestWrongCredentials(t *testing.T) {
	for name, bad := range map[string]sim.Credential{
		"password": {Username: testCred.Username, Password: "wrong-password", Tenant: testCred.Tenant},
		"tenant":   {Username: testCred.Username, Password: testCred.Password, Tenant: "Other MSP"},
	} {
		t.Run(name, func(t *testing.T) {
			s := sim.New(sim.Fixture{Credentials: []sim.Credential{testCred}})
			ts := httptest.NewServer(s)
			defer ts.Close()
			c, err := New(testConfig(ts.URL), creds(bad))
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Probe(context.Background())
			kindOf(t, err, provider.KindAuth)
			if !strings.Contains(err.Error(), "invalid_grant") {
				t.Fatalf("error does not say why: %v", err)
			}
			// The refusal is remembered: later calls fail at once without another login, so
			// retries cannot lock the BMS user.
			_, err = c.ListAccounts(context.Background(), provider.AccountFilter{})
			kindOf(t, err, provider.KindAuth)
			_, err = c.CreateAccount(context.Background(), provider.AccountCreate{Name: "X"})
			kindOf(t, err, provider.KindAuth)
			if n := s.Calls("POST /token"); n != 1 {
				t.Fatalf("%d token requests", n)
			}
			if len(s.AllCalls()) != 1 {
				t.Fatalf("API called without a token: %v", s.AllCalls())
			}
		})
	}
}

func TestReauthenticatesOnceOn401(t *testing.T) {
	s, c := newEnv(t, accountsFixture())
	ctx := context.Background()
	first, err := c.ListAccounts(ctx, provider.AccountFilter{})
	if err != nil {
		t.Fatal(err)
	}
	s.ExpireTokens()
	second, err := c.ListAccounts(ctx, provider.AccountFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(first, second) || s.TokensIssued() != 2 {
		t.Fatalf("after expiry: %d accounts, %d tokens", len(second), s.TokensIssued())
	}
	// A create also survives a revoked token (the 401 comes before any work).
	s.ExpireTokens()
	if _, err := c.CreateAccount(ctx, provider.AccountCreate{Name: "After Expiry"}); err != nil {
		t.Fatal(err)
	}
	if s.TokensIssued() != 3 || len(s.Accounts()) != 261 {
		t.Fatalf("tokens %d, accounts %d", s.TokensIssued(), len(s.Accounts()))
	}
}

func TestShortLivedTokenIsKeptUntil401(t *testing.T) {
	// expires_in within httpx's refresh margin: the token is used until the server refuses
	// it, rather than renewed before every call.
	s, c := newEnv(t, sim.Fixture{TokenTTLSeconds: 5, Accounts: []sim.Account{{AccountName: "A"}}})
	for i := 0; i < 3; i++ {
		if i == 2 {
			s.ExpireTokens()
		}
		if _, err := c.ListAccounts(context.Background(), provider.AccountFilter{}); err != nil {
			t.Fatal(err)
		}
	}
	if s.TokensIssued() != 2 || s.Calls("GET /crm/accounts") != 4 {
		t.Fatalf("calls %v", s.AllCalls())
	}
}

func TestTokenExpiryTracked(t *testing.T) {
	s, c := newEnv(t, sim.Fixture{TokenTTLSeconds: 3600})
	_, _ = c.Probe(context.Background())
	_, _ = c.Probe(context.Background())
	if s.TokensIssued() != 1 {
		t.Fatalf("%d tokens for two probes", s.TokensIssued())
	}
}

func TestThrottledThenSuccess(t *testing.T) {
	_, pc := newEnv(t, accountsFixture())
	want, err := pc.ListAccounts(context.Background(), provider.AccountFilter{IncludeInactive: true})
	if err != nil {
		t.Fatal(err)
	}
	s, c := newEnv(t, accountsFixture())
	s.SetFaults(simkit.Faults{ThrottleEvery: 2, RetryAfterSeconds: 0})
	got, err := c.ListAccounts(context.Background(), provider.AccountFilter{IncludeInactive: true})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("throttled listing differs: %d vs %d", len(got), len(want))
	}
	if c.CallCount() <= pc.CallCount() {
		t.Fatalf("no retries happened: %d vs %d", c.CallCount(), pc.CallCount())
	}
	// A create refused with 429 is resent safely and made once.
	s.SetFaults(simkit.Faults{ThrottleEvery: 2})
	if _, err := c.ListAccountTypes(context.Background()); err != nil { // request 1 passes
		t.Fatal(err)
	}
	if _, err := c.CreateAccount(context.Background(), provider.AccountCreate{Name: "Throttled Co"}); err != nil {
		t.Fatal(err) // request 2 is refused with 429, its resend passes
	}
	if n := s.Calls("POST /crm/accounts"); n != 2 {
		t.Fatalf("create sent %d times", n)
	}
	if found, _ := c.FindAccountsByName(context.Background(), "throttled co"); len(found) != 1 {
		t.Fatalf("%d accounts after a throttled create", len(found))
	}
	s.SetFaults(simkit.Faults{ThrottleEvery: 1})
	_, err = c.ListAccountTypes(context.Background())
	kindOf(t, err, provider.KindRateLimited)
}

func TestServerErrorsExhausted(t *testing.T) {
	s, c := newEnv(t, sim.Fixture{Accounts: []sim.Account{{AccountName: "A"}}})
	ctx := context.Background()
	if _, err := c.Probe(ctx); err != nil {
		t.Fatal(err)
	}
	s.SetFaults(simkit.Faults{ServerErrorEvery: 1})
	before := c.CallCount()
	_, err := c.ListAccounts(ctx, provider.AccountFilter{})
	kindOf(t, err, provider.KindTransient)
	if c.CallCount()-before != 4 { // first try + MaxRetries
		t.Fatalf("%d attempts", c.CallCount()-before)
	}
	_, err = c.UpdateAsset(ctx, provider.PSAAsset{ID: "4001", AccountID: "1001", Name: "x"})
	kindOf(t, err, provider.KindTransient)
	// A create answered 503 may or may not have happened.
	before = c.CallCount()
	_, err = c.CreateAccount(ctx, provider.AccountCreate{Name: "B"})
	kindOf(t, err, provider.KindUnknownOutcome)
	if c.CallCount()-before != 1 {
		t.Fatal("a create was resent after a 503")
	}
	// A login that only ever gets 503 is transient, not an authentication failure.
	s.ExpireTokens()
	_, err = c.ListAccounts(ctx, provider.AccountFilter{})
	kindOf(t, err, provider.KindTransient)
}

func TestCreateTimesOutButSucceeds(t *testing.T) {
	s, c := newEnv(t, sim.Fixture{Accounts: []sim.Account{{AccountName: "Acme"}}}, func(cfg *provider.Config) {
		cfg.Timeout = 400 * time.Millisecond
	})
	ctx := context.Background()
	if _, err := c.Probe(ctx); err != nil {
		t.Fatal(err)
	}
	s.SetFaults(simkit.Faults{SlowCreates: 4, SlowCreateDelay: 5 * time.Second})
	_, err := c.CreateAccount(ctx, provider.AccountCreate{Name: "Slow Corp"})
	kindOf(t, err, provider.KindUnknownOutcome)
	_, err = c.CreateLocation(ctx, "1001", "slow-group")
	kindOf(t, err, provider.KindUnknownOutcome)
	_, err = c.CreateDepartment(ctx, "1001", "Slow Dept")
	kindOf(t, err, provider.KindUnknownOutcome)
	_, err = c.CreateAsset(ctx, provider.PSAAsset{AccountID: "1001", Name: "slow-pc", ExternalKey: "agent-slow"})
	kindOf(t, err, provider.KindUnknownOutcome)

	if n := s.Calls("POST /crm/accounts"); n != 1 {
		t.Fatalf("create sent %d times", n)
	}
	found, err := c.FindAccountsByName(ctx, "SLOW CORP")
	if err != nil || len(found) != 1 {
		t.Fatalf("look-up after unknown outcome: %+v %v", found, err)
	}
	count := 0
	for _, a := range s.Accounts() {
		if a.AccountName == "Slow Corp" {
			count++
		}
	}
	if count != 1 || len(s.Locations(1001)) != 2 || len(s.Departments(1001)) != 1 || len(s.Assets(1001)) != 1 {
		t.Fatalf("records: %d accounts, %d locations, %d departments, %d assets", count,
			len(s.Locations(1001)), len(s.Departments(1001)), len(s.Assets(1001)))
	}
}

// TestNoCredentialInErrors drives every failure path with a server that echoes the submitted
// credentials back; no error string may contain them.
func TestNoCredentialInErrors(t *testing.T) {
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		leak := fmt.Sprintf("user %s pass %s tenant %s", r.PostForm.Get("username"), r.PostForm.Get("password"), r.PostForm.Get("tenant"))
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasSuffix(r.URL.Path, "/token") && r.URL.Query().Get("mode") == "":
			if r.PostForm.Get("password") == testCred.Password {
				fmt.Fprint(w, `{"access_token":"tok-`+testCred.Password+`","token_type":"bearer","expires_in":3600}`)
				return
			}
			w.WriteHeader(400)
			fmt.Fprintf(w, `{"error":"invalid_grant","error_description":%q}`, leak)
		case strings.Contains(r.URL.Path, "/crm/accounts") && r.Method == http.MethodGet:
			fmt.Fprintf(w, `{"Result":null,"ResponseCode":500,"Status":"Error","Error":"user %s pass %s tenant %s"}`,
				testCred.Username, testCred.Password, testCred.Tenant)
		case r.Method == http.MethodPost:
			w.WriteHeader(400)
			fmt.Fprintf(w, `{"Result":null,"ResponseCode":400,"Error":"%s already exists for %s in %s"}`,
				testCred.Username, testCred.Password, testCred.Tenant)
		default:
			w.WriteHeader(502)
			fmt.Fprintf(w, "upstream %s %s %s", testCred.Username, testCred.Password, testCred.Tenant)
		}
	})
	ts := httptest.NewServer(echo)
	defer ts.Close()
	ctx := context.Background()
	var errs []error

	bad := testCred
	bad.Password = "Wrong-" + testCred.Password
	cb, _ := New(testConfig(ts.URL), creds(bad))
	_, err := cb.Probe(ctx)
	errs = append(errs, err)

	c, _ := New(testConfig(ts.URL), creds(testCred))
	_, err = c.ListAccounts(ctx, provider.AccountFilter{})
	errs = append(errs, err)
	_, err = c.CreateAccount(ctx, provider.AccountCreate{Name: "x"})
	errs = append(errs, err)
	_, err = c.ListAssets(ctx, "1")
	errs = append(errs, err)
	for i, err := range errs {
		if err == nil {
			t.Fatalf("case %d: no error", i)
		}
		for _, secret := range []string{testCred.Username, testCred.Password, testCred.Tenant, bad.Password} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("case %d leaks %q: %v", i, secret, err)
			}
		}
	}
	kindOf(t, errs[0], provider.KindAuth)
	kindOf(t, errs[2], provider.KindNameConflict)
}

func TestURLWithAPISuffix(t *testing.T) {
	s := sim.New(sim.Fixture{Credentials: []sim.Credential{testCred}})
	ts := httptest.NewServer(s)
	defer ts.Close()
	for _, suffix := range []string{"", "/", "/api", "/api/"} {
		c, err := New(testConfig(ts.URL+suffix), creds(testCred))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Probe(context.Background()); err != nil {
			t.Fatalf("%q: %v", suffix, err)
		}
	}
	if s.Calls("UNROUTED") != 0 {
		t.Fatal("a request missed the API")
	}
}
