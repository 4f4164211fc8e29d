package connectwise

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accountsync/accountsync-operator/internal/provider"
	cwsim "github.com/accountsync/accountsync-operator/internal/simulator/connectwise"
	"github.com/accountsync/accountsync-operator/internal/simulator/simkit"
)

func TestProbeAndRequestShape(t *testing.T) {
	f := cwsim.DefaultFixture()
	f.Codebase = "v2025_1/"
	e := newEnv(t, f)
	res, err := e.client.Probe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.ServerVersion != "2025.1" {
		t.Fatalf("ServerVersion = %q", res.ServerVersion)
	}
	reqs := e.rec.requests()
	if len(reqs) != 2 {
		t.Fatalf("probe made %d requests", len(reqs))
	}
	disc, info := reqs[0], reqs[1]
	if disc.Method != "GET" || disc.Path != "/login/companyinfo/acmemsp" || disc.Header.Get("Authorization") != "" || disc.Header.Get("clientId") != "" {
		t.Fatalf("discovery request %+v", disc)
	}
	if info.Path != "/v2025_1/apis/3.0/system/info" {
		t.Fatalf("system info path %q", info.Path)
	}
	wantAuth := "Basic " + base64.StdEncoding.EncodeToString([]byte("acmemsp+pubKey7Hq2:privKey9Zx4"))
	if got := info.Header.Get("Authorization"); got != wantAuth {
		t.Fatalf("Authorization = %q, want %q", got, wantAuth)
	}
	if got := info.Header.Get("clientId"); got != f.ClientID {
		t.Fatalf("clientId = %q", got)
	}
	if got := info.Header.Get("Accept"); got != "application/vnd.connectwise.com+json; version=2022.1" {
		t.Fatalf("Accept = %q", got)
	}
	// Later calls reuse the discovered codebase.
	if _, err := e.client.ListAccountTypes(ctx); err != nil {
		t.Fatal(err)
	}
	if n := e.sim.Calls("GET /login/companyinfo/{companyId}"); n != 1 {
		t.Fatalf("discovery ran %d times", n)
	}
}

func TestWrongCredentials(t *testing.T) {
	f := cwsim.DefaultFixture()
	for name, mutate := range map[string]func(provider.Credentials){
		"private key": func(c provider.Credentials) { c[KeyPrivateKey] = []byte("wrongPrivate") },
		"public key":  func(c provider.Credentials) { c[KeyPublicKey] = []byte("wrongPublic") },
		"client id":   func(c provider.Credentials) { c[KeyClientID] = []byte("11111111-2222-3333-4444-555555555555") },
		"company id":  func(c provider.Credentials) { c[KeyCompanyID] = []byte("someoneelse") },
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, f)
			creds := credsOf(f)
			mutate(creds)
			c, err := New(testConfig(t, e.srv.URL), creds)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Probe(ctx); !provider.IsKind(err, provider.KindAuth) {
				t.Fatalf("Probe: %v, want AuthenticationFailed", err)
			}
			if _, err := c.ListAccounts(ctx, provider.AccountFilter{}); !provider.IsKind(err, provider.KindAuth) {
				t.Fatalf("ListAccounts: %v, want AuthenticationFailed", err)
			}
		})
	}
}

func TestKeysRevokedMidSession(t *testing.T) {
	e := newEnv(t, cwsim.DefaultFixture())
	if _, err := e.client.ListAccountTypes(ctx); err != nil {
		t.Fatal(err)
	}
	e.sim.SetKeys("newPublic", "newPrivate")
	e.sim.ResetCalls()
	_, err := e.client.ListAccountTypes(ctx)
	if !provider.IsKind(err, provider.KindAuth) {
		t.Fatalf("got %v, want AuthenticationFailed", err)
	}
	// Basic credentials cannot change between tries, so a 401 is final after one call.
	if n := e.sim.Calls("GET /company/companies/types"); n != 1 {
		t.Fatalf("calls after revocation = %d, want 1", n)
	}
}

func TestThrottledThenSuccess(t *testing.T) {
	plain := newEnv(t, cwsim.DefaultFixture())
	seed2500(t, plain.sim)
	want, err := plain.client.ListAccounts(ctx, provider.AccountFilter{StatusIDs: []string{"17"}, TypeIDs: []string{"42"}})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, cwsim.DefaultFixture())
	seed2500(t, e.sim)
	e.sim.SetFaults(simkit.Faults{ThrottleEvery: 2, RetryAfterSeconds: 0})
	got, err := e.client.ListAccounts(ctx, provider.AccountFilter{StatusIDs: []string{"17"}, TypeIDs: []string{"42"}})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("throttled listing differs: %d vs %d accounts", len(got), len(want))
	}
	if e.client.CallCount() <= plain.client.CallCount() {
		t.Fatalf("no retries counted: %d vs %d", e.client.CallCount(), plain.client.CallCount())
	}
	// A create refused with 429 is resent safely and happens once.
	if _, err := e.client.CreateAccount(ctx, provider.AccountCreate{Name: "Throttled Co"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.client.FindAccountsByName(ctx, "Throttled Co"); len(got) != 1 {
		t.Fatalf("throttled create left %d records", len(got))
	}
}

func TestServerErrorsExhausted(t *testing.T) {
	e := newEnv(t, cwsim.DefaultFixture(), func(c *provider.Config) { c.MaxRetries = 2 })
	e.sim.SetFaults(simkit.Faults{ServerErrorEvery: 1})
	_, err := e.client.ListAccounts(ctx, provider.AccountFilter{})
	if !provider.IsKind(err, provider.KindTransient) {
		t.Fatalf("got %v, want Transient", err)
	}
	if n := e.sim.Calls("GET /login/companyinfo/{companyId}"); n != 3 {
		t.Fatalf("discovery attempts = %d, want 1 + 2 retries", n)
	}
	// A create hitting a 503 may have been processed by a proxy: its outcome is unknown.
	e.sim.SetFaults(simkit.Faults{})
	if _, err := e.client.ListAccountTypes(ctx); err != nil {
		t.Fatal(err)
	}
	e.sim.SetFaults(simkit.Faults{ServerErrorEvery: 1})
	if _, err := e.client.CreateAccount(ctx, provider.AccountCreate{Name: "Flaky Co"}); !provider.IsKind(err, provider.KindUnknownOutcome) {
		t.Fatalf("create on 503: %v, want UnknownOutcome", err)
	}
}

func TestCreateTimesOutButSucceeds(t *testing.T) {
	e := newEnv(t, cwsim.DefaultFixture(), func(c *provider.Config) { c.Timeout = 150 * time.Millisecond })
	if _, err := e.client.ListAccountTypes(ctx); err != nil { // discover before the slow create
		t.Fatal(err)
	}
	e.sim.SetFaults(simkit.Faults{SlowCreates: 1, SlowCreateDelay: time.Second})
	_, err := e.client.CreateAccount(ctx, provider.AccountCreate{Name: "Slow Co", StatusID: "17", TypeID: "42"})
	if !provider.IsKind(err, provider.KindUnknownOutcome) {
		t.Fatalf("got %v, want UnknownOutcome", err)
	}
	n := 0
	for _, c := range e.sim.Companies() {
		if c.Name == "Slow Co" {
			n++
		}
	}
	if n != 1 || e.sim.Calls("POST /company/companies") != 1 {
		t.Fatalf("%d records, %d posts; want exactly one of each", n, e.sim.Calls("POST /company/companies"))
	}
	// The controller's follow-up look-up finds it.
	got, err := e.client.FindAccountsByName(ctx, "slow co")
	if err != nil || len(got) != 1 {
		t.Fatalf("look-up after unknown outcome: %+v %v", got, err)
	}
}

// leaky echoes the request's credentials in every error body; the client must redact them.
type leaky struct {
	next http.Handler
	mode atomic.Int32 // 0: 500, 1: 400, 2: 401, 3: 404
}

func (l *leaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/login/") {
		l.next.ServeHTTP(w, r)
		return
	}
	raw, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(r.Header.Get("Authorization"), "Basic "))
	echo := `{"code":"ConnectWiseApi","message":"auth=` + r.Header.Get("Authorization") + ` raw=` + string(raw) + ` client=` + r.Header.Get("clientId") + `"}`
	status := []int{500, 400, 401, 404}[l.mode.Load()]
	w.WriteHeader(status)
	_, _ = w.Write([]byte(echo))
}

func TestNoCredentialsInErrors(t *testing.T) {
	f := cwsim.DefaultFixture()
	l := &leaky{next: cwsim.New(f)}
	srv := httptest.NewServer(l)
	defer srv.Close()
	c, err := New(testConfig(t, srv.URL), credsOf(f))
	if err != nil {
		t.Fatal(err)
	}
	secrets := []string{f.CompanyID, f.PublicKey, f.PrivateKey, f.ClientID,
		base64.StdEncoding.EncodeToString([]byte(f.CompanyID + "+" + f.PublicKey + ":" + f.PrivateKey))}
	for mode := int32(0); mode < 4; mode++ {
		l.mode.Store(mode)
		errs := []error{}
		_, err := c.ListAccounts(ctx, provider.AccountFilter{})
		errs = append(errs, err)
		_, err = c.CreateAccount(ctx, provider.AccountCreate{Name: "Leak Co"})
		errs = append(errs, err)
		_, err = c.Probe(ctx)
		errs = append(errs, err)
		for _, err := range errs {
			if err == nil {
				t.Fatalf("mode %d: expected an error", mode)
			}
			for _, s := range secrets {
				if strings.Contains(err.Error(), s) {
					t.Fatalf("mode %d: error %q contains a credential", mode, err)
				}
			}
		}
	}
	// Discovery failures must not leak the company id either (it is in the URL path).
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	c2, _ := New(testConfig(t, dead.URL), credsOf(f))
	if _, err := c2.Probe(ctx); err == nil || strings.Contains(err.Error(), f.CompanyID) {
		t.Fatalf("unreachable: %v", err)
	}
}

func TestForeignNextLinkRefused(t *testing.T) {
	f := cwsim.DefaultFixture()
	sim := cwsim.New(f)
	var foreign atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { foreign.Add(1) }))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/company/companies/types") {
			w.Header().Set("Link", `<`+other.URL+`/v4_6_release/apis/3.0/company/companies/types?page=2>; rel="next"`)
			_, _ = w.Write([]byte(`[{"id":1,"name":"Client"}]`))
			return
		}
		sim.ServeHTTP(w, r)
	}))
	defer srv.Close()
	c, _ := New(testConfig(t, srv.URL), credsOf(f))
	if _, err := c.ListAccountTypes(ctx); !provider.IsKind(err, provider.KindInvalid) {
		t.Fatalf("got %v, want InvalidRequest", err)
	}
	if foreign.Load() != 0 {
		t.Fatal("credentials were sent to another host")
	}
}

func TestNewValidatesConfig(t *testing.T) {
	f := cwsim.DefaultFixture()
	for _, raw := range []string{"ftp://x", "https://", "https://api-na.myconnectwise.net/v4_6_release/apis/3.0"} {
		if _, err := New(testConfig(t, raw), credsOf(f)); !provider.IsKind(err, provider.KindInvalid) {
			t.Errorf("url %q: %v", raw, err)
		}
	}
	bad := credsOf(f)
	bad[KeyCompanyID] = []byte("a/b")
	if _, err := New(testConfig(t, "https://x"), bad); err == nil {
		t.Error("companyId with a slash accepted")
	}
	missing := credsOf(f)
	delete(missing, KeyClientID)
	if _, err := provider.Build(provider.ConnectWisePSA, testConfig(t, "https://x"), missing); err == nil {
		t.Error("missing clientId accepted")
	}
	padded := credsOf(f)
	padded[KeyPrivateKey] = []byte(f.PrivateKey + "\n")
	e := newEnv(t, f)
	c, _ := New(testConfig(t, e.srv.URL), padded)
	if _, err := c.Probe(ctx); err != nil {
		t.Errorf("trailing newline in a secret: %v", err)
	}
	fac, _ := provider.Lookup(provider.ConnectWisePSA)
	if fac.Side != provider.SidePSA || fac.DefaultRequestsPerMinute != 600 ||
		!reflect.DeepEqual(fac.RequiredKeys, []string{"companyId", "publicKey", "privateKey", "clientId"}) {
		t.Errorf("factory %+v", fac)
	}
}

// With one request in five throttled (20%), a full filtered listing returns the same companies
// and costs exactly one extra request per 429 the simulator answered: no retry beyond those the
// faults force.
func TestTwentyPercentThrottled(t *testing.T) {
	// Unfiltered with inactive companies: 2,500 companies make several pages.
	filter := provider.AccountFilter{IncludeInactive: true}
	plain := newEnv(t, cwsim.DefaultFixture())
	seed2500(t, plain.sim)
	want, err := plain.client.ListAccounts(ctx, filter)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, cwsim.DefaultFixture())
	seed2500(t, e.sim)
	e.sim.SetFaults(simkit.Faults{ThrottleEvery: 5, RetryAfterSeconds: 0})
	got, err := e.client.ListAccounts(ctx, filter)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("throttled listing differs: %d vs %d accounts", len(got), len(want))
	}
	total := e.client.CallCount()
	throttled := total / 5 // the simulator answers every fifth request with 429
	if throttled == 0 {
		t.Fatalf("only %d requests: the listing is too short to meet a fault", total)
	}
	if extra := total - plain.client.CallCount(); extra != throttled {
		t.Fatalf("extra requests = %d, want exactly the %d the 429s force (total %d)", extra, throttled, total)
	}
}
