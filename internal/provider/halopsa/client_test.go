package halopsa

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/accountsync/accountsync-operator/internal/provider"
	sim "github.com/accountsync/accountsync-operator/internal/simulator/halopsa"
	"github.com/accountsync/accountsync-operator/internal/simulator/simkit"
)

func TestRegistration(t *testing.T) {
	f, ok := provider.Lookup(provider.HaloPSA)
	if !ok {
		t.Fatal("HaloPSA is not registered")
	}
	if f.Side != provider.SidePSA {
		t.Errorf("side = %s", f.Side)
	}
	if !reflect.DeepEqual(f.RequiredKeys, []string{"clientId", "clientSecret"}) ||
		!reflect.DeepEqual(f.OptionalKeys, []string{"tenant"}) {
		t.Errorf("keys = %v / %v", f.RequiredKeys, f.OptionalKeys)
	}
	if f.DefaultRequestsPerMinute != 120 || f.DefaultBurst != 10 {
		t.Errorf("default rate = %d/%d", f.DefaultRequestsPerMinute, f.DefaultBurst)
	}
	_, err := provider.Build(provider.HaloPSA, testConfig("https://acme.halopsa.com"),
		provider.Credentials{"clientId": []byte("x")})
	var mk *provider.MissingKeyError
	if !errors.As(err, &mk) || mk.Key != "clientSecret" {
		t.Fatalf("missing secret: err = %v", err)
	}
	// A whitespace-only value is as good as missing.
	_, err = New(testConfig("https://acme.halopsa.com"), provider.Credentials{"clientId": []byte(" \n"), "clientSecret": []byte("s")})
	if !errors.As(err, &mk) || mk.Key != "clientId" {
		t.Fatalf("blank id: err = %v", err)
	}
	e := newEnv(t, baseFixture(), nil)
	caps := provider.Capabilities(e.client)
	want := []string{"ListAccounts", "FindAccountsByName", "ListAccountStatusesAndTypes", "CreateAccount",
		"Locations", "Assets", "ListUsers", "CreateUser", "BillingLines", "Tickets"}
	if !reflect.DeepEqual(caps, want) {
		t.Errorf("capabilities = %v", caps)
	}
	if e.client.Provider() != provider.HaloPSA || e.client.Side() != provider.SidePSA {
		t.Error("identity")
	}
}

func TestProbe(t *testing.T) {
	e := newEnv(t, baseFixture(), nil)
	res, err := e.client.Probe(ctx(t))
	if err != nil {
		t.Fatalf("probe: %v", err)
	}
	if res.ServerVersion != "" {
		t.Errorf("server version = %q, Halo reports none", res.ServerVersion)
	}
	for key, n := range map[string]int{"GET /api/authinfo": 1, "POST /auth/token": 1, "GET /api/Client": 1} {
		if got := e.sim.Calls(key); got != n {
			t.Errorf("%s called %d times, want %d", key, got, n)
		}
	}
	if e.client.CallCount() != 3 {
		t.Errorf("CallCount = %d, want 3", e.client.CallCount())
	}
	// A second probe reuses the cached token and discovery.
	if _, err := e.client.Probe(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if e.sim.Calls("POST /auth/token") != 1 || e.sim.Calls("GET /api/authinfo") != 1 {
		t.Errorf("token fetched again: %v", e.sim.AllCalls())
	}
}

func TestProbeRejectsWrongBody(t *testing.T) {
	// A URL that is not a Halo tenant root answers something else than a client list.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch strings.ToLower(r.URL.Path) {
		case "/api/authinfo":
			fmt.Fprint(w, `{"auth_url":"/auth"}`)
		case "/auth/token":
			fmt.Fprint(w, `{"access_token":"t","token_type":"Bearer","expires_in":3600}`)
		default:
			fmt.Fprint(w, `<html>portal</html>`)
		}
	}))
	defer srv.Close()
	c, err := New(testConfig(srv.URL), testCreds())
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Probe(ctx(t))
	wantKind(t, err, provider.KindInvalid)
}

func TestWrongCredentials(t *testing.T) {
	cases := map[string]func(provider.Credentials){
		"secret": func(c provider.Credentials) { c[keyClientSecret] = []byte("wrong-secret-value") },
		"id":     func(c provider.Credentials) { c[keyClientID] = []byte("someone-else") },
		"tenant": func(c provider.Credentials) { c[keyTenant] = []byte("othertenant") },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, baseFixture(), func(_ *provider.Config, c provider.Credentials) { mutate(c) })
			_, err := e.client.Probe(ctx(t))
			wantKind(t, err, provider.KindAuth)
			if !strings.Contains(err.Error(), "invalid_client") {
				t.Errorf("error does not carry the OAuth code: %v", err)
			}
			if n := e.sim.Calls("POST /auth/token"); n != 1 {
				t.Errorf("token endpoint called %d times; a refused secret must not be retried", n)
			}
			_, err = e.client.ListAccounts(ctx(t), provider.AccountFilter{})
			wantKind(t, err, provider.KindAuth)
		})
	}
}

func TestTenantIsOptional(t *testing.T) {
	e := newEnv(t, baseFixture(), func(_ *provider.Config, c provider.Credentials) { delete(c, keyTenant) })
	if _, err := e.client.Probe(ctx(t)); err != nil {
		t.Fatal(err)
	}
	for _, r := range e.requests() {
		if strings.EqualFold(r.Path, "/auth/token") && r.Query.Has("tenant") {
			t.Errorf("tenant sent although none configured: %v", r.Query)
		}
	}
}

func TestReauthOn401(t *testing.T) {
	fx := baseFixture()
	fx.Clients = []sim.Client{{Name: "Acme", TopLevelID: 1}}
	e := newEnv(t, fx, nil)
	if _, err := e.client.Probe(ctx(t)); err != nil {
		t.Fatal(err)
	}
	e.sim.ExpireTokens()
	got, err := e.client.ListAccounts(ctx(t), provider.AccountFilter{})
	if err != nil {
		t.Fatalf("list after revocation: %v", err)
	}
	if len(got) != 1 || got[0].Name != "Acme" {
		t.Fatalf("accounts = %+v", got)
	}
	if n := e.sim.TokensIssued(); n != 2 {
		t.Errorf("tokens issued = %d, want 2 (one re-auth)", n)
	}
	if n := e.sim.Calls("GET /api/authinfo"); n != 1 {
		t.Errorf("authinfo called %d times; discovery is cached", n)
	}
	// Revoking again before every call still succeeds each time with one re-auth per call.
	e.sim.ExpireTokens()
	if _, err := e.client.CreateAccount(ctx(t), provider.AccountCreate{Name: "Beta"}); err != nil {
		t.Fatalf("create after revocation: %v", err)
	}
	if n := len(e.sim.Clients()); n != 2 {
		t.Errorf("clients = %d, want 2 (the 401 was answered before any work)", n)
	}
}

func TestTokenExpiryRefreshesBeforeUse(t *testing.T) {
	fx := baseFixture()
	fx.TokenLifetimeSeconds = 1 // inside httpx's refresh margin: every use fetches a fresh token
	e := newEnv(t, fx, nil)
	for i := 0; i < 2; i++ {
		if _, err := e.client.Probe(ctx(t)); err != nil {
			t.Fatal(err)
		}
	}
	// With expires_in ignored the first token would be reused for everything.
	if n := e.sim.TokensIssued(); n < 2 {
		t.Errorf("tokens issued = %d; expires_in was not honoured", n)
	}
	if n := e.sim.Calls("GET /api/Client"); n != 2 {
		t.Errorf("no 401 expected, client calls = %d", n)
	}
}

func TestThrottledListGivesSameResult(t *testing.T) {
	fx := baseFixture()
	for i := 0; i < 230; i++ {
		fx.Clients = append(fx.Clients, sim.Client{Name: fmt.Sprintf("Client %03d", i), TopLevelID: 1})
	}
	e := newEnv(t, fx, nil)
	want, err := e.client.ListAccounts(ctx(t), provider.AccountFilter{})
	if err != nil {
		t.Fatal(err)
	}
	e.sim.SetFaults(simkit.Faults{ThrottleEvery: 2, RetryAfterSeconds: 0})
	e.sim.ResetCalls()
	got, err := e.client.ListAccounts(ctx(t), provider.AccountFilter{})
	if err != nil {
		t.Fatalf("throttled list: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("throttled result differs: %d vs %d accounts", len(got), len(want))
	}
	// Every second request is refused: page 1 passes, pages 2 and 3 each pass on their retry.
	if n := e.sim.Calls("GET /api/Client"); n != 5 {
		t.Errorf("GET /api/Client = %d, want 5", n)
	}
}

func TestThrottledCreateIsRetried(t *testing.T) {
	e := newEnv(t, baseFixture(), nil)
	if _, err := e.client.Probe(ctx(t)); err != nil {
		t.Fatal(err)
	}
	e.sim.SetFaults(simkit.Faults{ThrottleEvery: 1})
	_, err := e.client.CreateAccount(ctx(t), provider.AccountCreate{Name: "Throttled"})
	wantKind(t, err, provider.KindRateLimited)
	if n := len(e.sim.Clients()); n != 0 {
		t.Fatalf("a throttled create made %d records", n)
	}
	e.sim.SetFaults(simkit.Faults{ThrottleEvery: 2})
	e.sim.ResetCalls()
	if _, err := e.client.Probe(ctx(t)); err != nil { // request 1 passes
		t.Fatal(err)
	}
	if _, err := e.client.CreateAccount(ctx(t), provider.AccountCreate{Name: "Throttled"}); err != nil {
		t.Fatalf("create with one 429: %v", err)
	}
	if n := e.sim.Calls("POST /api/Client"); n != 2 {
		t.Errorf("create attempts = %d, want 2 (a 429 is refused before any work)", n)
	}
	if n := len(e.sim.Clients()); n != 1 {
		t.Fatalf("clients = %d, want 1", n)
	}
}

func TestServerErrorsExhaustToTransient(t *testing.T) {
	e := newEnv(t, baseFixture(), nil)
	if _, err := e.client.Probe(ctx(t)); err != nil {
		t.Fatal(err)
	}
	e.sim.SetFaults(simkit.Faults{ServerErrorEvery: 1})
	e.sim.ResetCalls()
	_, err := e.client.ListAccounts(ctx(t), provider.AccountFilter{})
	wantKind(t, err, provider.KindTransient)
	if n := e.sim.Calls("GET /api/Client"); n != 4 {
		t.Errorf("attempts = %d, want 1 + 3 retries", n)
	}
	// A create answered 503 may or may not have happened: it is not resent.
	_, err = e.client.CreateAccount(ctx(t), provider.AccountCreate{Name: "X"})
	wantKind(t, err, provider.KindUnknownOutcome)
	if n := e.sim.Calls("POST /api/Client"); n != 1 {
		t.Errorf("create attempts = %d, want 1", n)
	}
}

func TestServerErrorsDuringAuth(t *testing.T) {
	e := newEnv(t, baseFixture(), nil)
	e.sim.SetFaults(simkit.Faults{ServerErrorEvery: 1})
	_, err := e.client.Probe(ctx(t))
	wantKind(t, err, provider.KindTransient)
}

func TestSlowCreateIsUnknownOutcome(t *testing.T) {
	e := newEnv(t, baseFixture(), func(cfg *provider.Config, _ provider.Credentials) {
		cfg.Timeout = 300 * time.Millisecond
	})
	if _, err := e.client.Probe(ctx(t)); err != nil {
		t.Fatal(err)
	}
	e.sim.SetFaults(simkit.Faults{SlowCreates: 1, SlowCreateDelay: 3 * time.Second})
	_, err := e.client.CreateAccount(ctx(t), provider.AccountCreate{Name: "Slow Corp", TypeID: "1"})
	wantKind(t, err, provider.KindUnknownOutcome)
	if n := e.sim.Calls("POST /api/Client"); n != 1 {
		t.Errorf("create sent %d times", n)
	}
	var named []sim.Client
	for _, c := range e.sim.Clients() {
		if c.Name == "Slow Corp" {
			named = append(named, c)
		}
	}
	if len(named) != 1 {
		t.Fatalf("records named Slow Corp = %d, want exactly 1", len(named))
	}
	// The caller's follow-up look-up finds the record the timed-out create made.
	found, err := e.client.FindAccountsByName(ctx(t), "slow corp")
	if err != nil || len(found) != 1 || found[0].ID != fmt.Sprint(named[0].ID) {
		t.Fatalf("look-up after unknown outcome = %+v, %v", found, err)
	}
}

func TestNoSecretsInErrors(t *testing.T) {
	// A server that echoes everything it receives into its error bodies.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		echo := fmt.Sprintf("query=%s form=%s auth=%s", r.URL.RawQuery, r.PostForm.Encode(), r.Header.Get("Authorization"))
		switch strings.ToLower(r.URL.Path) {
		case "/api/authinfo":
			fmt.Fprint(w, `{"auth_url":"/auth"}`)
		case "/auth/token":
			if r.PostForm.Get("scope") == "all" && strings.Contains(r.URL.RawQuery, "first") {
				fmt.Fprint(w, `{"access_token":"t","expires_in":3600}`)
				return
			}
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"error":"invalid_client","error_description":%q}`, echo)
		default:
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, "%q", echo)
		}
	}))
	defer srv.Close()
	c, err := New(testConfig(srv.URL), testCreds())
	if err != nil {
		t.Fatal(err)
	}
	hc := c.(*Client)
	var errs []error
	_, err = hc.Probe(ctx(t))
	errs = append(errs, err)
	_, err = hc.ListAccounts(ctx(t), provider.AccountFilter{})
	errs = append(errs, err)
	_, err = hc.CreateAccount(ctx(t), provider.AccountCreate{Name: "n"})
	errs = append(errs, err)

	// The 400 path of a resource call: a token that works, then an echoing resource.
	c2, _ := New(testConfig(srv.URL), provider.Credentials{
		keyClientID: []byte(testClientID), keyClientSecret: []byte(testClientSecret), keyTenant: []byte("first"),
	})
	_, err = c2.(*Client).FindAccountsByName(ctx(t), testClientSecret)
	errs = append(errs, err)
	_, err = c2.(*Client).CreateUser(ctx(t), "5", provider.User{Name: testClientSecret})
	errs = append(errs, err)

	// The simulator's own wrong-secret answer.
	e := newEnv(t, baseFixture(), func(_ *provider.Config, c provider.Credentials) {
		c[keyClientSecret] = []byte("Wrong-" + testClientSecret)
	})
	_, err = e.client.Probe(ctx(t))
	errs = append(errs, err)

	for i, err := range errs {
		if err == nil {
			t.Fatalf("case %d: expected an error", i)
		}
		msg := err.Error()
		for _, secret := range []string{testClientSecret, testClientID, "first"} {
			if strings.Contains(msg, secret) {
				t.Errorf("case %d: error leaks %q: %s", i, secret, msg)
			}
		}
	}
}
