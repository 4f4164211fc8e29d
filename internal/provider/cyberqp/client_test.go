package cyberqp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accountsync/accountsync-operator/internal/provider"
	cqpsim "github.com/accountsync/accountsync-operator/internal/simulator/cyberqp"
	"github.com/accountsync/accountsync-operator/internal/simulator/simkit"
)

const testKey = "cqp-live-key-0123456789"

var ctx = context.Background()

type env struct {
	sim    *cqpsim.Server
	srv    *httptest.Server
	client *Client
	mu     sync.Mutex
	reqs   []*http.Request
}

func (e *env) requests() []*http.Request {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]*http.Request(nil), e.reqs...)
}

func newEnv(t *testing.T, f cqpsim.Fixture, wrap func(http.Handler) http.Handler) *env {
	t.Helper()
	f.APIKey = testKey
	e := &env{sim: cqpsim.New(f)}
	var h http.Handler = e.sim
	if wrap != nil {
		h = wrap(h)
	}
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		e.reqs = append(e.reqs, r.Clone(context.Background()))
		e.mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(e.srv.Close)
	e.client = newClient(t, e.srv.URL, testKey)
	return e
}

func newClient(t *testing.T, raw, key string) *Client {
	t.Helper()
	u, _ := url.Parse(raw)
	c, err := New(provider.Config{URL: u, Timeout: 5 * time.Second, Backoff: time.Millisecond, MaxRetries: 3,
		RequestsPerMinute: 600000, Burst: 1000}, provider.Credentials{"apiKey": []byte(key)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func wantKind(t *testing.T, err error, k provider.Kind) {
	t.Helper()
	if !provider.IsKind(err, k) {
		t.Fatalf("error %v: want kind %s", err, k)
	}
}

func customers(n int) []cqpsim.Customer {
	out := make([]cqpsim.Customer, n)
	for i := range out {
		out[i] = cqpsim.Customer{Name: fmt.Sprintf("Customer %03d", i)}
	}
	return out
}

func TestFactoryRegistration(t *testing.T) {
	f, ok := provider.Lookup(provider.CyberQP)
	if !ok || f.Side != provider.SideTool || strings.Join(f.RequiredKeys, ",") != "apiKey" || len(f.OptionalKeys) != 0 {
		t.Fatalf("factory %+v", f)
	}
	u, _ := url.Parse("https://admin.getquickpass.com")
	_, err := provider.Build(provider.CyberQP, provider.Config{URL: u}, provider.Credentials{})
	var missing *provider.MissingKeyError
	if !errors.As(err, &missing) || missing.Key != "apiKey" {
		t.Fatalf("missing key: %v", err)
	}
	c, err := provider.Build(provider.CyberQP, provider.Config{URL: u}, provider.Credentials{"apiKey": []byte(testKey)})
	if err != nil {
		t.Fatal(err)
	}
	if caps := strings.Join(provider.Capabilities(c), ","); caps != "ListOrganizations,FindOrganizationsByName,ListUsers" {
		t.Fatalf("capabilities %s (no creators: the product has none)", caps)
	}
}

func TestProbe(t *testing.T) {
	e := newEnv(t, cqpsim.Fixture{Customers: customers(2)}, nil)
	res, err := e.client.Probe(ctx)
	if err != nil || res.ServerVersion != "" || e.client.CallCount() != 1 {
		t.Fatalf("probe %+v %v, %d calls", res, err, e.client.CallCount())
	}
	bad := newClient(t, e.srv.URL, "wrong-key-value")
	_, err = bad.Probe(ctx)
	wantKind(t, err, provider.KindAuth)
	if !strings.Contains(err.Error(), "Invalid or missing API key") {
		t.Fatalf("message should carry the API's text: %v", err)
	}
}

func TestListOrganizationsPages(t *testing.T) {
	e := newEnv(t, cqpsim.Fixture{Customers: customers(120)}, nil)
	orgs, err := e.client.ListOrganizations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := e.sim.Customers()
	if len(orgs) != 120 {
		t.Fatalf("%d orgs", len(orgs))
	}
	for i, o := range orgs {
		if o.ID != want[i].ID || o.Name != want[i].Name {
			t.Fatalf("org %d = %+v, want %+v", i, o, want[i])
		}
	}
	if n := e.sim.Calls("GET /customer"); n != 3 {
		t.Fatalf("%d calls, want 3 pages of 50", n)
	}
}

func TestFindOrganizationsByName(t *testing.T) {
	e := newEnv(t, cqpsim.Fixture{Customers: append(customers(80),
		cqpsim.Customer{Name: "Acme Corp"}, cqpsim.Customer{Name: "ACME CORP"}, cqpsim.Customer{Name: "Acme Corporation"})}, nil)
	got, err := e.client.FindOrganizationsByName(ctx, "acme corp")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Name != "Acme Corp" || got[1].Name != "ACME CORP" {
		t.Fatalf("find = %+v", got)
	}
	if n := e.sim.Calls("GET /customer"); n != 1 {
		t.Fatalf("%d calls: the search should narrow to one page", n)
	}
	if got, err := e.client.FindOrganizationsByName(ctx, "Customer"); err != nil || len(got) != 0 {
		t.Fatalf("prefix must not match: %+v %v", got, err)
	}
}

// A server that ignored searchText would still give exact results.
func TestFindIsExactEvenIfSearchIgnored(t *testing.T) {
	ignore := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			q := r.URL.Query()
			q.Del("searchText")
			r.URL.RawQuery = q.Encode()
			next.ServeHTTP(w, r)
		})
	}
	e := newEnv(t, cqpsim.Fixture{Customers: append(customers(70), cqpsim.Customer{Name: "Zeta"})}, ignore)
	got, err := e.client.FindOrganizationsByName(ctx, "ZETA")
	if err != nil || len(got) != 1 || got[0].Name != "Zeta" {
		t.Fatalf("find = %+v %v", got, err)
	}
}

func TestListUsers(t *testing.T) {
	e := newEnv(t, cqpsim.Fixture{Customers: customers(2)}, nil)
	c := e.sim.Customers()[0]
	ann := e.sim.AddUser(cqpsim.User{CustomerID: c.ID, Email: "ann@acme.com", DisplayName: "Ann Lee", FirstName: "Ann",
		LastName: "Lee", PhoneNumber: "+1 555 0100", UserPrincipalName: "ann@acme.onmicrosoft.com"})
	bob := e.sim.AddUser(cqpsim.User{CustomerID: c.ID, FirstName: "Bob", LastName: "Ray", UserPrincipalName: "bob@acme.com", UserType: "OFFICE"})
	e.sim.AddUser(cqpsim.User{CustomerID: c.ID, DisplayName: "svc-backup", UserPrincipalName: "svc-backup"})
	for i := range 60 {
		e.sim.AddUser(cqpsim.User{CustomerID: c.ID, Email: fmt.Sprintf("user%02d@acme.com", i)})
	}
	e.sim.AddUser(cqpsim.User{CustomerID: e.sim.Customers()[1].ID, Email: "other@x.com"})

	users, err := e.client.ListUsers(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 63 {
		t.Fatalf("%d users", len(users))
	}
	wantAnn := provider.User{ID: ann.ID, FirstName: "Ann", LastName: "Lee", Name: "Ann Lee", Email: "ann@acme.com", Phone: "+1 555 0100"}
	wantBob := provider.User{ID: bob.ID, FirstName: "Bob", LastName: "Ray", Name: "Bob Ray", Email: "bob@acme.com"}
	if users[0] != wantAnn || users[1] != wantBob || users[2].Email != "" || users[2].Name != "svc-backup" {
		t.Fatalf("users = %+v / %+v / %+v", users[0], users[1], users[2])
	}
	if n := e.sim.Calls("GET /customer/{id}/users"); n != 2 {
		t.Fatalf("%d user calls", n)
	}
	_, err = e.client.ListUsers(ctx, "no-such-customer")
	wantKind(t, err, provider.KindNotFound)
	_, err = e.client.ListUsers(ctx, " ")
	wantKind(t, err, provider.KindInvalid)
}

func TestThrottledThenSuccess(t *testing.T) {
	e := newEnv(t, cqpsim.Fixture{Customers: customers(120)}, nil)
	want, err := e.client.ListOrganizations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e.sim.SetFaults(simkit.Faults{ThrottleEvery: 2})
	got, err := e.client.ListOrganizations(ctx)
	if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("throttled listing: %d orgs, %v", len(got), err)
	}
	// Every second request is refused: pages 2 and 3 each take one 429 before succeeding.
	if n := e.sim.Calls("GET /customer"); n != 3+5 {
		t.Fatalf("%d calls, want 3 + 5", n)
	}
}

func TestServerErrorsExhaustToTransient(t *testing.T) {
	e := newEnv(t, cqpsim.Fixture{Customers: customers(3)}, nil)
	e.sim.SetFaults(simkit.Faults{ServerErrorEvery: 1})
	_, err := e.client.ListOrganizations(ctx)
	wantKind(t, err, provider.KindTransient)
	if n := e.sim.Calls("GET /customer"); n != 4 {
		t.Fatalf("%d attempts, want 1 + 3 retries", n)
	}
}

// scriptCalls are the calls of the CyberQP dashboard API that public community scripts make
// (reference/vendor-apis.md §6, "Quickpass Cleanup.ps1"): path pattern and every query
// parameter those scripts send. The client may send fewer, never others.
var scriptCalls = map[string][]string{
	"/api/customer":            {"page", "rowsPerPage", "searchText", "adStatus", "localStatus", "o365Status", "filterUpdated"},
	"/api/customer/{id}/users": {"status", "accountStatus", "userAppType", "type", "qpStatus", "page", "rowsPerPage", "searchText"},
}

// scriptCall names the script call of a request path ("" when there is none).
func scriptCall(path string) string {
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	switch {
	case len(segs) == 2 && segs[0] == "api" && segs[1] == "customer":
		return "/api/customer"
	case len(segs) == 4 && segs[0] == "api" && segs[1] == "customer" && segs[2] != "" && segs[3] == "users":
		return "/api/customer/{id}/users"
	}
	return ""
}

func TestGoldenRequests(t *testing.T) {
	e := newEnv(t, cqpsim.Fixture{Customers: []cqpsim.Customer{{ID: "6f1c2a9e-1111-4222-8333-444455556666", Name: "O'Brien & Co"}}}, nil)
	if _, err := e.client.Probe(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.ListOrganizations(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.FindOrganizationsByName(ctx, "O'Brien & Co"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.ListUsers(ctx, "6f1c2a9e-1111-4222-8333-444455556666"); err != nil {
		t.Fatal(err)
	}
	reqs := e.requests()
	if len(reqs) != 4 {
		t.Fatalf("%d requests", len(reqs))
	}
	want := []struct {
		path  string
		query url.Values
	}{
		{"/api/customer", url.Values{"page": {"1"}, "rowsPerPage": {"1"}, "searchText": {""}}},
		{"/api/customer", url.Values{"page": {"1"}, "rowsPerPage": {"50"}, "searchText": {""}}},
		{"/api/customer", url.Values{"page": {"1"}, "rowsPerPage": {"50"}, "searchText": {"O'Brien & Co"}}},
		{"/api/customer/6f1c2a9e-1111-4222-8333-444455556666/users", url.Values{"page": {"1"}, "rowsPerPage": {"50"}}},
	}
	for i, r := range reqs {
		if r.Method != "GET" || r.URL.Path != want[i].path || r.URL.Query().Encode() != want[i].query.Encode() ||
			r.Header.Get("Authorization") != "Bearer "+testKey || r.Header.Get("Accept") != "application/json" {
			t.Errorf("request %d: %s %s?%s auth %q", i, r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Authorization"))
		}
		call := scriptCall(r.URL.Path)
		if call == "" {
			t.Errorf("request %d: %s is no call the community scripts make", i, r.URL.Path)
			continue
		}
		for key := range r.URL.Query() {
			if !slices.Contains(scriptCalls[call], key) {
				t.Errorf("request %d: %s parameter %q is not one the scripts send", i, call, key)
			}
		}
	}
}

func TestPortalURLWithPath(t *testing.T) {
	e := newEnv(t, cqpsim.Fixture{}, func(next http.Handler) http.Handler { return http.StripPrefix("/eu", next) })
	c := newClient(t, e.srv.URL+"/eu/", testKey)
	if _, err := c.Probe(ctx); err != nil {
		t.Fatal(err)
	}
	if p := e.requests()[0].URL.Path; p != "/eu/api/customer" {
		t.Fatalf("path %s", p)
	}
}

func TestNoSecretInErrors(t *testing.T) {
	var errs []error
	for _, status := range []int{http.StatusUnauthorized, http.StatusBadRequest, http.StatusNotFound, http.StatusInternalServerError, http.StatusServiceUnavailable, http.StatusOK} {
		e := newEnv(t, cqpsim.Fixture{}, func(http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(status)
				fmt.Fprintf(w, `{"statusCode":%d,"message":"bad key %s (header %s)"`, status, testKey, r.Header.Get("Authorization"))
			})
		})
		_, err := e.client.ListOrganizations(ctx)
		errs = append(errs, err)
		_, err = e.client.ListUsers(ctx, "x")
		errs = append(errs, err)
	}
	for i, err := range errs {
		if err == nil {
			t.Fatalf("case %d: no error", i)
		}
		if strings.Contains(err.Error(), testKey) {
			t.Errorf("case %d: %q contains the key", i, err)
		}
	}
}

func TestPagingThatNeverEndsStops(t *testing.T) {
	rows := make([]string, rowsPerPage)
	for i := range rows {
		rows[i] = fmt.Sprintf(`{"id":"c%d","name":"C%d"}`, i, i)
	}
	page := `{"maxCount":5000,"clients":[` + strings.Join(rows, ",") + `]}`
	// The server ignores page and answers the first page again.
	e := newEnv(t, cqpsim.Fixture{}, func(http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, page) })
	})
	_, err := e.client.ListOrganizations(ctx)
	wantKind(t, err, provider.KindTransient)
	if !strings.Contains(err.Error(), "CyberQP") || !strings.Contains(err.Error(), "page 2") {
		t.Errorf("error does not name the vendor and the page: %v", err)
	}
	if n := len(e.requests()); n != 2 {
		t.Errorf("%d requests; the repeat must stop the listing", n)
	}
}
