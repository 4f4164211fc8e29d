package halopsa

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/accountsync/accountsync-operator/internal/provider"
	sim "github.com/accountsync/accountsync-operator/internal/simulator/halopsa"
)

// lastRequest returns the last recorded request to path (exact case, as the client sends it).
func (e *env) lastRequest(method, path string) recorded {
	e.t.Helper()
	reqs := e.requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if reqs[i].Method == method && reqs[i].Path == path {
			return reqs[i]
		}
	}
	e.t.Fatalf("no %s %s request among %d", method, path, len(reqs))
	return recorded{}
}

func wantQuery(t *testing.T, r recorded, want url.Values) {
	t.Helper()
	if !reflect.DeepEqual(r.Query, want) {
		t.Errorf("%s %s query = %v, want %v", r.Method, r.Path, r.Query, want)
	}
}

func pageQuery(extra map[string]string) url.Values {
	q := url.Values{"pageinate": {"true"}, "page_size": {"100"}, "page_no": {"1"}}
	for k, v := range extra {
		q.Set(k, v)
	}
	return q
}

func TestGoldenAuthRequests(t *testing.T) {
	e := newEnv(t, recordsFixture(), nil)
	if _, err := e.client.Probe(ctx(t)); err != nil {
		t.Fatal(err)
	}
	reqs := e.requests()
	if len(reqs) != 3 {
		t.Fatalf("requests = %d", len(reqs))
	}
	info, tok, probe := reqs[0], reqs[1], reqs[2]
	if info.Method != "GET" || info.Path != "/api/authinfo" || info.Header.Get("Authorization") != "" || len(info.Query) != 0 {
		t.Errorf("authinfo request = %+v", info)
	}
	if tok.Method != "POST" || tok.Path != "/auth/token" || tok.Header.Get("Authorization") != "" {
		t.Errorf("token request = %s %s auth=%q", tok.Method, tok.Path, tok.Header.Get("Authorization"))
	}
	wantQuery(t, tok, url.Values{"tenant": {testTenant}})
	if ct := tok.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		t.Errorf("token content type = %q", ct)
	}
	form, err := url.ParseQuery(string(tok.Body))
	if err != nil {
		t.Fatal(err)
	}
	wantForm := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {testClientID},
		"client_secret": {testClientSecret}, // trimmed of the Secret's newline
		"scope":         {"all"},
	}
	if !reflect.DeepEqual(form, wantForm) {
		t.Errorf("token form = %v", form)
	}
	if probe.Path != "/api/Client" || probe.Header.Get("Authorization") != "Bearer halo-sim-token-1" {
		t.Errorf("probe = %s auth=%q", probe.Path, probe.Header.Get("Authorization"))
	}
	wantQuery(t, probe, url.Values{"pageinate": {"true"}, "page_size": {"1"}, "page_no": {"1"}})
}

func TestGoldenReadRequests(t *testing.T) {
	e := newEnv(t, recordsFixture(), nil)
	c := ctx(t)
	if _, err := e.client.ListAccounts(c, provider.AccountFilter{}); err != nil {
		t.Fatal(err)
	}
	wantQuery(t, e.lastRequest("GET", "/api/Client"), pageQuery(map[string]string{"exclude_internal": "true"}))
	if _, err := e.client.ListAccounts(c, provider.AccountFilter{TypeIDs: []string{"2"}, IncludeInactive: true}); err != nil {
		t.Fatal(err)
	}
	wantQuery(t, e.lastRequest("GET", "/api/Client"), pageQuery(map[string]string{"exclude_internal": "true", "includeinactive": "true", "toplevel_id": "2"}))
	if _, err := e.client.FindAccountsByName(c, "Acme"); err != nil {
		t.Fatal(err)
	}
	wantQuery(t, e.lastRequest("GET", "/api/Client"), pageQuery(map[string]string{"exclude_internal": "true", "includeinactive": "true", "search": "Acme"}))
	if _, err := e.client.ListAccountTypes(c); err != nil {
		t.Fatal(err)
	}
	// /TopLevel has no includeinactive parameter in the swagger.
	wantQuery(t, e.lastRequest("GET", "/api/TopLevel"), pageQuery(nil))
	if _, err := e.client.ListAssetCategories(c); err != nil {
		t.Fatal(err)
	}
	// /AssetType has no paging parameters in the swagger.
	wantQuery(t, e.lastRequest("GET", "/api/AssetType"), url.Values{})
	if _, err := e.client.ListLocations(c, "10"); err != nil {
		t.Fatal(err)
	}
	wantQuery(t, e.lastRequest("GET", "/api/Client/10"), url.Values{})
	wantQuery(t, e.lastRequest("GET", "/api/Site"), pageQuery(map[string]string{"client_id": "10", "includeinactive": "true"}))
	if _, err := e.client.ListAssets(c, "10"); err != nil {
		t.Fatal(err)
	}
	wantQuery(t, e.lastRequest("GET", "/api/Asset"), pageQuery(map[string]string{"client_id": "10", "includeinactive": "true"}))
	if _, err := e.client.ListUsers(c, "10"); err != nil {
		t.Fatal(err)
	}
	wantQuery(t, e.lastRequest("GET", "/api/Users"), pageQuery(map[string]string{"client_id": "10"}))
	for _, r := range e.requests() {
		if strings.HasPrefix(r.Path, "/api/") && r.Path != "/api/authinfo" && !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
			t.Errorf("%s without bearer token", r.Path)
		}
	}
}

func TestGoldenWriteBodies(t *testing.T) {
	fx := recordsFixture()
	fx.AssetTypes = []sim.AssetType{{ID: 7, Name: "Workstation"}}
	e := newEnv(t, fx, nil)
	c := ctx(t)
	check := func(path, want string) {
		t.Helper()
		r := e.lastRequest("POST", path)
		if got := string(r.Body); got != want {
			t.Errorf("POST %s body = %s\nwant %s", path, got, want)
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("POST %s content type = %q", path, ct)
		}
	}
	if _, err := e.client.CreateAccount(c, provider.AccountCreate{Name: "New Co", TypeID: "2"}); err != nil {
		t.Fatal(err)
	}
	check("/api/Client", `[{"name":"New Co","toplevel_id":2}]`)
	if _, err := e.client.CreateAccount(c, provider.AccountCreate{Name: "Plain"}); err != nil {
		t.Fatal(err)
	}
	check("/api/Client", `[{"name":"Plain"}]`)
	if _, err := e.client.CreateLocation(c, "10", "Warehouse"); err != nil {
		t.Fatal(err)
	}
	check("/api/Site", `[{"client_id":10,"name":"Warehouse"}]`)
	a, err := e.client.CreateAsset(c, provider.PSAAsset{AccountID: "10", ExternalKey: "agent-1", Name: "PC-1", LocationID: "101", SerialNumber: "SN", OS: "Windows", Category: "Workstation"})
	if err != nil {
		t.Fatal(err)
	}
	check("/api/Asset", `[{"assettype_id":7,"client_id":10,"inventory_number":"PC-1","kaseya_id":"agent-1","site_id":101}]`)
	if _, err := e.client.UpdateAsset(c, provider.PSAAsset{ID: a.ID, AccountID: "10", ExternalKey: "agent-1", Name: "PC-1b"}); err != nil {
		t.Fatal(err)
	}
	check("/api/Asset", fmt.Sprintf(`[{"client_id":10,"id":%s,"inventory_number":"PC-1b","kaseya_id":"agent-1","site_id":100}]`, a.ID))
	if _, err := e.client.CreateUser(c, "10", provider.User{FirstName: "Jane", LastName: "Roe", Email: "jane@acme.test", Phone: "555"}); err != nil {
		t.Fatal(err)
	}
	check("/api/Users", `[{"client_id":10,"emailaddress":"jane@acme.test","firstname":"Jane","name":"Jane Roe","phonenumber":"555","site_id":100,"surname":"Roe"}]`)
}

func TestAuthDiscovery(t *testing.T) {
	// authinfo answers 404: the client falls back to {url}/auth.
	var tokenPath string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/halo/api/authinfo":
			http.NotFound(w, r)
		case strings.HasSuffix(r.URL.Path, "/token"):
			tokenPath = r.URL.Path
			fmt.Fprint(w, `{"access_token":"abc","token_type":"Bearer","expires_in":3600}`)
		default:
			fmt.Fprint(w, `{"record_count":0,"page_no":1,"page_size":1,"clients":[]}`)
		}
	}))
	defer srv.Close()
	c, err := New(testConfig(srv.URL+"/halo"), testCreds())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Probe(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if tokenPath != "/halo/auth/token" {
		t.Errorf("token path = %q", tokenPath)
	}
}

func TestResolveAuthURL(t *testing.T) {
	https, _ := url.Parse("https://acme.halopsa.com")
	plain, _ := url.Parse("http://127.0.0.1:8080/")
	cases := []struct {
		base    *url.URL
		raw     string
		want    string
		wantErr bool
	}{
		{https, "", "https://acme.halopsa.com/auth", false},
		{https, "https://acme.halopsa.com/auth/", "https://acme.halopsa.com/auth", false},
		{https, "https://auth.example.com/auth?x=1#f", "https://auth.example.com/auth", false},
		{https, "/auth", "https://acme.halopsa.com/auth", false},
		{https, "http://acme.halopsa.com/auth", "", true},
		{https, "ftp://acme.halopsa.com/auth", "", true},
		{https, "https://user:pw@acme.halopsa.com/auth", "https://acme.halopsa.com/auth", false},
		{plain, "http://127.0.0.1:8080/auth", "http://127.0.0.1:8080/auth", false},
		{plain, "", "http://127.0.0.1:8080/auth", false},
		{https, "https://%zz", "", true},
	}
	for _, tc := range cases {
		got, err := resolveAuthURL(tc.base, tc.raw)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("resolveAuthURL(%s, %q) = %q, %v", tc.base, tc.raw, got, err)
		}
	}
}

func TestSearchTerm(t *testing.T) {
	cases := map[string]string{
		"Acme Corp":      "Acme Corp",
		" Acme ":         "Acme",
		"Acme [US]":      "Acme",
		"[EU] Northwind": "Northwind",
		"[]":             "",
		"50%_Off":        "50%_Off",
	}
	for in, want := range cases {
		if got := searchTerm(in); got != want {
			t.Errorf("searchTerm(%q) = %q, want %q", in, got, want)
		}
	}
}

// swaggerNames is testdata/swagger-names.json: for each operation this client calls, the query
// parameter names the Halo swagger declares and the schema its POST body is an array of; for
// each schema, its property names.
type swaggerNames struct {
	Operations map[string]struct {
		Query       []string `json:"query"`
		BodyArrayOf string   `json:"bodyArrayOf"`
	} `json:"operations"`
	Schemas map[string][]string `json:"schemas"`
}

// swaggerOperation names the swagger operation of a recorded request: paths compare
// case-insensitively (Halo's routing does) and a numeric segment is the {id} parameter.
func swaggerOperation(method, path string) string {
	segs := strings.Split(strings.ToLower(path), "/")
	for i, s := range segs {
		if _, err := strconv.Atoi(s); err == nil && s != "" {
			segs[i] = "{id}"
		}
	}
	return method + " " + strings.Join(segs, "/")
}

// TestGoldenNamesAreTheSwaggers runs every call of the client and checks each request against
// the Halo swagger: the operation exists, every query parameter is one it declares, and every
// key of a posted record is a property of the schema the body is an array of.
func TestGoldenNamesAreTheSwaggers(t *testing.T) {
	raw, err := os.ReadFile("testdata/swagger-names.json")
	if err != nil {
		t.Fatal(err)
	}
	var spec swaggerNames
	if err := json.Unmarshal(raw, &spec); err != nil {
		t.Fatal(err)
	}
	ops := map[string]string{} // lower-cased operation → as the swagger spells it
	for name := range spec.Operations {
		ops[strings.ToLower(name)] = name
	}

	fx := recordsFixture()
	fx.AssetTypes = []sim.AssetType{{ID: 7, Name: "Workstation"}}
	e := newEnv(t, fx, nil)
	c := ctx(t)
	steps := []func() error{
		func() error { _, err := e.client.Probe(c); return err },
		func() error {
			_, err := e.client.ListAccounts(c, provider.AccountFilter{TypeIDs: []string{"1"}, IncludeInactive: true})
			return err
		},
		func() error { _, err := e.client.FindAccountsByName(c, "Acme"); return err },
		func() error { _, err := e.client.ListAccountTypes(c); return err },
		func() error { _, err := e.client.ListAssetCategories(c); return err },
		func() error {
			_, err := e.client.CreateAccount(c, provider.AccountCreate{Name: "New Co", TypeID: "1"})
			return err
		},
		func() error { _, err := e.client.ListLocations(c, "10"); return err },
		func() error { _, err := e.client.CreateLocation(c, "10", "Warehouse"); return err },
		func() error { _, err := e.client.ListAssets(c, "10"); return err },
		func() error {
			a, err := e.client.CreateAsset(c, provider.PSAAsset{AccountID: "10", ExternalKey: "k", Name: "PC", Category: "Workstation"})
			if err != nil {
				return err
			}
			_, err = e.client.UpdateAsset(c, provider.PSAAsset{ID: a.ID, AccountID: "10", ExternalKey: "k", Name: "PC2", LocationID: "101"})
			return err
		},
		func() error { _, err := e.client.ListUsers(c, "10"); return err },
		func() error {
			_, err := e.client.CreateUser(c, "10", provider.User{FirstName: "Jo", LastName: "Ng", Email: "jo@acme.test", Phone: "1"})
			return err
		},
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	seen := map[string]bool{}
	for _, r := range e.requests() {
		if r.Path == "/auth/token" {
			continue // the authorisation server is not part of the resource API's swagger
		}
		name, ok := ops[strings.ToLower(swaggerOperation(r.Method, r.Path))]
		if !ok {
			t.Errorf("%s %s is not an operation of the swagger", r.Method, r.Path)
			continue
		}
		seen[name] = true
		op := spec.Operations[name]
		for key := range r.Query {
			if !slices.Contains(op.Query, key) {
				t.Errorf("%s: query parameter %q is not in the swagger", name, key)
			}
		}
		if r.Method != "POST" {
			continue
		}
		props := spec.Schemas[op.BodyArrayOf]
		var records []map[string]json.RawMessage
		if err := json.Unmarshal(r.Body, &records); err != nil || len(records) == 0 {
			t.Errorf("%s: body %s is not an array of %s", name, r.Body, op.BodyArrayOf)
			continue
		}
		for _, rec := range records {
			for key := range rec {
				if !slices.Contains(props, key) {
					t.Errorf("%s: field %q is not a property of %s", name, key, op.BodyArrayOf)
				}
			}
		}
	}
	for name := range spec.Operations {
		if !seen[name] {
			t.Errorf("%s is in testdata but no call used it", name)
		}
	}
}
