package gravityzone

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/accountsync/accountsync-operator/internal/simulator/simkit"
)

const testKey = "sim-test-key-0001"

func newTestServer(t *testing.T, f Fixture) (*Server, *httptest.Server) {
	t.Helper()
	if f.APIKeys == nil {
		f.APIKeys = []string{testKey}
	}
	sim := New(f)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return sim, srv
}

type answer struct {
	status int
	header http.Header
	raw    string
	ID     json.RawMessage `json:"id"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Data    struct {
			Details string `json:"details"`
		} `json:"data"`
	} `json:"error"`
}

func basic(key string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(key+":"))
}

// send posts body to path with the test key and JSON content type unless overridden.
func send(t *testing.T, srv *httptest.Server, method, path, authz, contentType, body string) answer {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a answer
	buf := new(strings.Builder)
	if _, err := io.Copy(buf, resp.Body); err != nil {
		t.Fatal(err)
	}
	a.raw = buf.String()
	a.status = resp.StatusCode
	a.header = resp.Header
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal([]byte(a.raw), &a); err != nil {
			t.Fatalf("answer is not JSON: %v: %s", err, a.raw)
		}
	}
	return a
}

func rpc(t *testing.T, srv *httptest.Server, service, method string, params string) answer {
	t.Helper()
	body := `{"id":"t-1","jsonrpc":"2.0","method":"` + method + `","params":` + params + `}`
	return send(t, srv, http.MethodPost, "/api/v1.0/jsonrpc/"+service, basic(testKey), "application/json", body)
}

func wantError(t *testing.T, a answer, code int, detailPart string) {
	t.Helper()
	if a.status != http.StatusOK || a.Error == nil {
		t.Fatalf("want JSON-RPC error %d, got HTTP %d %s", code, a.status, a.raw)
	}
	if a.Error.Code != code || !strings.Contains(a.Error.Data.Details, detailPart) {
		t.Fatalf("want code %d with details containing %q, got %s", code, detailPart, a.raw)
	}
	if a.Result != nil {
		t.Fatalf("an error answer must not carry a result: %s", a.raw)
	}
}

func TestTransportRules(t *testing.T) {
	sim, srv := newTestServer(t, Fixture{})
	okBody := `{"id":1,"jsonrpc":"2.0","method":"getApiKeyDetails","params":{}}`

	if a := send(t, srv, http.MethodGet, "/api/v1.0/jsonrpc/general", basic(testKey), "", ""); a.status != http.StatusMethodNotAllowed || a.header.Get("Allow") != "POST" {
		t.Fatalf("GET: want 405 with Allow: POST, got %d %v", a.status, a.header)
	}
	for _, path := range []string{"/v1.0/jsonrpc/general", "/api/v9/jsonrpc/general", "/api/v1.0/jsonrpc/nosuch", "/api/v1.0/general"} {
		if a := send(t, srv, http.MethodPost, path, basic(testKey), "application/json", okBody); a.status != http.StatusNotFound {
			t.Fatalf("%s: want 404, got %d", path, a.status)
		}
	}
	for name, authz := range map[string]string{
		"none":          "",
		"wrong key":     basic("other-key"),
		"with password": "Basic " + base64.StdEncoding.EncodeToString([]byte(testKey+":pw")),
		"bearer":        "Bearer " + testKey,
	} {
		a := send(t, srv, http.MethodPost, "/api/v1.0/jsonrpc/general", authz, "application/json", okBody)
		if a.status != http.StatusUnauthorized || !strings.HasPrefix(a.header.Get("WWW-Authenticate"), "Basic") {
			t.Fatalf("%s: want 401 with a Basic challenge, got %d", name, a.status)
		}
	}
	a := send(t, srv, http.MethodPost, "/api/v1.0/jsonrpc/general", basic(testKey), "text/plain", okBody)
	wantError(t, a, CodeInvalidRequest, "Content-Type")
	if string(a.ID) != "1" {
		t.Fatalf("the error must echo the id, got %s", a.ID)
	}
	a = send(t, srv, http.MethodPost, "/api/v1.0/jsonrpc/general", basic(testKey), "application/json; charset=utf-8", okBody)
	if a.Error != nil || a.Result == nil {
		t.Fatalf("a charset parameter must be accepted: %s", a.raw)
	}

	if got := sim.Calls("POST /api/v1.0/jsonrpc/general#getApiKeyDetails"); got != 6 {
		t.Fatalf("call counter: want 6 POSTs of getApiKeyDetails, got %d (%v)", got, sim.AllCalls())
	}
}

func TestEnvelopeErrors(t *testing.T) {
	_, srv := newTestServer(t, Fixture{})
	post := func(body string) answer {
		return send(t, srv, http.MethodPost, "/api/v1.0/jsonrpc/companies", basic(testKey), "application/json", body)
	}
	a := post(`{"id":1,"jsonrpc":"2.0",`)
	wantError(t, a, CodeParseError, "")
	if string(a.ID) != "null" {
		t.Fatalf("a parse error answers id null, got %s", a.ID)
	}
	wantError(t, post(`[{"id":1,"jsonrpc":"2.0","method":"getCompaniesList"}]`), CodeInvalidRequest, "Batch")
	wantError(t, post(`"hello"`), CodeInvalidRequest, "object")
	wantError(t, post(`{"id":1,"jsonrpc":"1.0","method":"getCompaniesList"}`), CodeInvalidRequest, "2.0")
	wantError(t, post(`{"id":1,"jsonrpc":"2.0"}`), CodeInvalidRequest, "method")
	wantError(t, post(`{"jsonrpc":"2.0","method":"getCompaniesList"}`), CodeInvalidRequest, "id")
	wantError(t, post(`{"id":{"a":1},"jsonrpc":"2.0","method":"getCompaniesList"}`), CodeInvalidRequest, "id")
	wantError(t, post(`{"id":1,"jsonrpc":"2.0","method":"getCompaniesList","params":[1]}`), CodeInvalidParams, "object")
	wantError(t, post(`{"id":1,"jsonrpc":"2.0","method":"deleteCompany","params":{}}`), CodeMethodNotFound, "deleteCompany")
	// Methods belong to their service: a companies method on the general route does not exist.
	wantError(t, rpc(t, srv, "general", "getCompaniesList", `{}`), CodeMethodNotFound, "getCompaniesList")
	// Absent params read as {}.
	if a := post(`{"id":"x","jsonrpc":"2.0","method":"getCompaniesList"}`); a.Error != nil || string(a.ID) != `"x"` {
		t.Fatalf("absent params: %s", a.raw)
	}
}

func TestAPIKeyDetailsAndEnabledAPIs(t *testing.T) {
	sim, srv := newTestServer(t, Fixture{EnabledAPIs: []string{"network"}, KeyCreatedAt: "2023-05-06T07:08:09"})
	a := rpc(t, srv, "general", "getApiKeyDetails", `{}`)
	if a.Error != nil || string(a.Result) != `{"createdAt":"2023-05-06T07:08:09","enabledApis":["network"]}` {
		t.Fatalf("getApiKeyDetails: %s", a.raw)
	}
	wantError(t, rpc(t, srv, "general", "getApiKeyDetails", `{"verbose":true}`), CodeInvalidParams, "verbose")
	if a := rpc(t, srv, "companies", "getCompaniesList", `{}`); a.status != http.StatusForbidden {
		t.Fatalf("a service the key lacks: want 403, got %d", a.status)
	}
	sim.SetEnabledAPIs("companies")
	if a := rpc(t, srv, "companies", "getCompaniesList", `{}`); a.status != http.StatusOK || a.Error != nil {
		t.Fatalf("after enabling companies: %d %s", a.status, a.raw)
	}
}

func seeded(t *testing.T) (*Server, *httptest.Server) {
	return newTestServer(t, Fixture{
		Partner: FixtureCompany{ID: "5f3a00000000000000000aaa", Name: "Contoso MSP"},
		Companies: []FixtureCompany{
			{Name: "Acme Corp"},
			{Name: "ACME Holdings", Suspended: true},
			{Name: "Globex"},
			{ID: "5f3a00000000000000000bbb", Name: "Reseller One", IsPartner: true, LicenseType: 3},
			{Name: "Acme Subsidiary", ParentID: "5f3a00000000000000000bbb"},
			{Name: "Star *Corp"},
		},
	})
}

func TestGetCompaniesList(t *testing.T) {
	_, srv := seeded(t)
	var got []map[string]string
	decode := func(a answer) []map[string]string {
		t.Helper()
		if a.Error != nil {
			t.Fatalf("unexpected error: %s", a.raw)
		}
		got = nil
		if err := json.Unmarshal(a.Result, &got); err != nil {
			t.Fatal(err)
		}
		return got
	}
	names := func(items []map[string]string) string {
		var out []string
		for _, it := range items {
			if len(it) != 2 || it["id"] == "" {
				t.Fatalf("items are exactly {id, name}: %v", it)
			}
			out = append(out, it["name"])
		}
		return strings.Join(out, "|")
	}
	if n := names(decode(rpc(t, srv, "companies", "getCompaniesList", `{}`))); n != "Acme Corp|ACME Holdings|Globex|Reseller One|Star *Corp" {
		t.Fatalf("direct children of the partner: %s", n)
	}
	if n := names(decode(rpc(t, srv, "companies", "getCompaniesList", `{"parentId":"5f3a00000000000000000bbb"}`))); n != "Acme Subsidiary" {
		t.Fatalf("children of the sub-partner: %s", n)
	}
	if n := names(decode(rpc(t, srv, "companies", "getCompaniesList", `{"filters":{"companyType":0}}`))); n != "Reseller One" {
		t.Fatalf("companyType filter: %s", n)
	}
	if n := names(decode(rpc(t, srv, "companies", "getCompaniesList", `{"filters":{"licenseType":3}}`))); n != "Reseller One" {
		t.Fatalf("licenseType filter: %s", n)
	}
	wantError(t, rpc(t, srv, "companies", "getCompaniesList", `{"filters":{"companyType":2}}`), CodeInvalidParams, "companyType")
	wantError(t, rpc(t, srv, "companies", "getCompaniesList", `{"filters":{"name":"x"}}`), CodeInvalidParams, "name")
	wantError(t, rpc(t, srv, "companies", "getCompaniesList", `{"page":2}`), CodeInvalidParams, "page")
	wantError(t, rpc(t, srv, "companies", "getCompaniesList", `{"parentId":"nope"}`), CodeInvalidParams, "nope")
}

func TestFindCompaniesByName(t *testing.T) {
	_, srv := seeded(t)
	find := func(params string) []string {
		t.Helper()
		a := rpc(t, srv, "companies", "findCompaniesByName", params)
		if a.Error != nil {
			t.Fatalf("%s: %s", params, a.raw)
		}
		var items []struct {
			ID          string `json:"id"`
			Name        string `json:"name"`
			Type        *int   `json:"type"`
			IsSuspended *bool  `json:"isSuspended"`
		}
		if err := json.Unmarshal(a.Result, &items); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, it := range items {
			if it.ID == "" || it.Type == nil || it.IsSuspended == nil {
				t.Fatalf("company objects carry id, type and isSuspended: %s", a.raw)
			}
			out = append(out, it.Name)
		}
		return out
	}
	if got := strings.Join(find(`{"nameFilter":"acme"}`), "|"); got != "Acme Corp|ACME Holdings|Acme Subsidiary" {
		t.Fatalf("prefix, case-insensitive, suspended and nested included: %s", got)
	}
	if got := strings.Join(find(`{"nameFilter":"corp"}`), "|"); got != "" {
		t.Fatalf("without * the match is a prefix: %s", got)
	}
	if got := strings.Join(find(`{"nameFilter":"*corp"}`), "|"); got != "Acme Corp|Star *Corp" {
		t.Fatalf("* matches anywhere: %s", got)
	}
	if got := strings.Join(find(`{"nameFilter":"**Corp"}`), "|"); got != "Star *Corp" {
		t.Fatalf("only the first * is special: %s", got)
	}
	if got := find(`{"nameFilter":"a","maxResults":2}`); len(got) != 2 {
		t.Fatalf("maxResults caps the answer: %v", got)
	}
	wantError(t, rpc(t, srv, "companies", "findCompaniesByName", `{}`), CodeInvalidParams, "nameFilter")
	wantError(t, rpc(t, srv, "companies", "findCompaniesByName", `{"nameFilter":""}`), CodeInvalidParams, "nameFilter")
	wantError(t, rpc(t, srv, "companies", "findCompaniesByName", `{"nameFilter":7}`), CodeInvalidParams, "string")
	wantError(t, rpc(t, srv, "companies", "findCompaniesByName", `{"nameFilter":"a","maxResults":0}`), CodeInvalidParams, "maxResults")
	wantError(t, rpc(t, srv, "companies", "findCompaniesByName", `{"nameFilter":"a","maxResults":101}`), CodeInvalidParams, "maxResults")
	wantError(t, rpc(t, srv, "companies", "findCompaniesByName", `{"nameFilter":"a","maxResults":"5"}`), CodeInvalidParams, "integer")
}

func TestFindDefaultLimitIs25(t *testing.T) {
	sim, srv := newTestServer(t, Fixture{})
	for i := 0; i < 30; i++ {
		if _, err := sim.AddCompany(FixtureCompany{Name: "Bulk " + strings.Repeat("x", i+1)}); err != nil {
			t.Fatal(err)
		}
	}
	a := rpc(t, srv, "companies", "findCompaniesByName", `{"nameFilter":"bulk"}`)
	var items []json.RawMessage
	if err := json.Unmarshal(a.Result, &items); err != nil || len(items) != 25 {
		t.Fatalf("default maxResults: want 25, got %d (%v)", len(items), err)
	}
}

func TestCreateCompany(t *testing.T) {
	sim, srv := seeded(t)
	a := rpc(t, srv, "companies", "createCompany", `{"type":1,"name":"Initech","address":"1 Main St"}`)
	var id string
	if a.Error != nil || json.Unmarshal(a.Result, &id) != nil || len(id) != 24 {
		t.Fatalf("createCompany must answer the new 24-hex id: %s", a.raw)
	}
	all := sim.Companies()
	last := all[len(all)-1]
	if last.ID != id || last.Name != "Initech" || last.Type != TypeCustomer || last.ParentID != sim.Partner().ID {
		t.Fatalf("stored company: %+v", last)
	}
	if got := sim.Calls("POST /api/v1.0/jsonrpc/companies#createCompany"); got != 1 {
		t.Fatalf("counter: %d", got)
	}

	wantError(t, rpc(t, srv, "companies", "createCompany", `{"type":1,"name":"acme CORP"}`), CodeInvalidParams, `"Acme Corp"`)
	wantError(t, rpc(t, srv, "companies", "createCompany", `{"type":1,"name":"contoso msp"}`), CodeInvalidParams, "Contoso MSP")
	wantError(t, rpc(t, srv, "companies", "createCompany", `{"name":"No Type"}`), CodeInvalidParams, "type")
	wantError(t, rpc(t, srv, "companies", "createCompany", `{"type":2,"name":"Bad Type"}`), CodeInvalidParams, "type")
	wantError(t, rpc(t, srv, "companies", "createCompany", `{"type":1}`), CodeInvalidParams, "name")
	wantError(t, rpc(t, srv, "companies", "createCompany", `{"type":1,"name":"   "}`), CodeInvalidParams, "name")
	wantError(t, rpc(t, srv, "companies", "createCompany", `{"type":1,"name":"`+strings.Repeat("n", 65)+`"}`), CodeInvalidParams, "64")
	wantError(t, rpc(t, srv, "companies", "createCompany", `{"type":1,"name":"Long Phone","phone":"`+strings.Repeat("1", 33)+`"}`), CodeInvalidParams, "phone")
	wantError(t, rpc(t, srv, "companies", "createCompany", `{"type":1,"name":"Bad 2FA","skip2FAPeriod":2}`), CodeInvalidParams, "skip2FAPeriod")
	wantError(t, rpc(t, srv, "companies", "createCompany", `{"type":1,"name":"Under Customer","parentId":"`+all[0].ID+`"}`), CodeInvalidParams, "not a partner")
	wantError(t, rpc(t, srv, "companies", "createCompany", `{"type":1,"name":"Typo","nmae":"x"}`), CodeInvalidParams, "nmae")

	// 64 characters exactly is allowed, counted in characters rather than bytes.
	if a := rpc(t, srv, "companies", "createCompany", `{"type":1,"name":"`+strings.Repeat("é", 64)+`"}`); a.Error != nil {
		t.Fatalf("64 characters: %s", a.raw)
	}
	// Under a sub-partner.
	if a := rpc(t, srv, "companies", "createCompany", `{"type":1,"name":"Nested","parentId":"5f3a00000000000000000bbb"}`); a.Error != nil {
		t.Fatalf("nested create: %s", a.raw)
	}
	if n := len(sim.Companies()); n != len(all)+2 {
		t.Fatalf("only the valid creates are stored: %d companies", n)
	}
}

func TestFaults(t *testing.T) {
	sim, srv := seeded(t)
	sim.SetFaults(simkit.Faults{ThrottleEvery: 2, RetryAfterSeconds: 3})
	if a := rpc(t, srv, "companies", "getCompaniesList", `{}`); a.status != http.StatusOK {
		t.Fatalf("first call: %d", a.status)
	}
	if a := rpc(t, srv, "companies", "getCompaniesList", `{}`); a.status != http.StatusTooManyRequests || a.header.Get("Retry-After") != "3" {
		t.Fatalf("second call: want 429 Retry-After 3, got %d %v", a.status, a.header)
	}
	sim.SetFaults(simkit.Faults{ServerErrorEvery: 1})
	if a := rpc(t, srv, "companies", "createCompany", `{"type":1,"name":"Never"}`); a.status != http.StatusServiceUnavailable {
		t.Fatalf("want 503, got %d", a.status)
	}
	if len(sim.Companies()) != 6 {
		t.Fatal("a 503 is answered before any work")
	}
	// Bad credentials are refused before faults are injected.
	if a := send(t, srv, http.MethodPost, "/api/v1.0/jsonrpc/companies", basic("bad"), "application/json", `{}`); a.status != http.StatusUnauthorized {
		t.Fatalf("want 401 before faults, got %d", a.status)
	}

	sim.SetFaults(simkit.Faults{SlowCreates: 1, SlowCreateDelay: 50 * time.Millisecond})
	start := time.Now()
	if a := rpc(t, srv, "companies", "createCompany", `{"type":1,"name":"Slow One"}`); a.Error != nil {
		t.Fatalf("slow create: %s", a.raw)
	}
	if time.Since(start) < 50*time.Millisecond {
		t.Fatal("a slow create answers after the delay")
	}
	if a := rpc(t, srv, "companies", "createCompany", `{"type":1,"name":"Slow One"}`); a.Error == nil {
		t.Fatal("the slow create committed before answering, so a resend is a duplicate")
	}
}

func TestRuntimeHelpers(t *testing.T) {
	sim, srv := seeded(t)
	if _, err := sim.AddCompany(FixtureCompany{Name: "ACME CORP"}); err == nil {
		t.Fatal("AddCompany must refuse a duplicate name")
	}
	c, err := sim.AddCompany(FixtureCompany{Name: "Umbrella"})
	if err != nil || c.ParentID != sim.Partner().ID || c.Type != TypeCustomer {
		t.Fatalf("AddCompany: %+v %v", c, err)
	}
	if !sim.SetSuspended(c.ID, true) || sim.SetSuspended("nope", true) {
		t.Fatal("SetSuspended")
	}
	sim.SetAPIKeys("rotated")
	if a := rpc(t, srv, "general", "getApiKeyDetails", `{}`); a.status != http.StatusUnauthorized {
		t.Fatalf("a revoked key: want 401, got %d", a.status)
	}
	// Deterministic ids: the same fixture gives the same ids.
	other := New(Fixture{Partner: FixtureCompany{ID: "5f3a00000000000000000aaa", Name: "Contoso MSP"}, Companies: []FixtureCompany{{Name: "Acme Corp"}}})
	if other.Companies()[0].ID != sim.Companies()[0].ID {
		t.Fatal("ids must be deterministic")
	}
}

func TestFixtureValidation(t *testing.T) {
	for name, f := range map[string]Fixture{
		"duplicate name":  {Companies: []FixtureCompany{{Name: "A"}, {Name: "a"}}},
		"partner name":    {Partner: FixtureCompany{Name: "MSP"}, Companies: []FixtureCompany{{Name: "msp"}}},
		"duplicate id":    {Companies: []FixtureCompany{{ID: "x", Name: "A"}, {ID: "x", Name: "B"}}},
		"missing parent":  {Companies: []FixtureCompany{{Name: "A", ParentID: "nope"}}},
		"customer parent": {Companies: []FixtureCompany{{ID: "c", Name: "A"}, {Name: "B", ParentID: "c"}}},
		"empty name":      {Companies: []FixtureCompany{{Name: " "}}},
		"long name":       {Companies: []FixtureCompany{{Name: strings.Repeat("x", 65)}}},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: New must panic", name)
				}
			}()
			New(f)
		}()
	}
}

func TestMatchesNameFilter(t *testing.T) {
	for _, tc := range []struct {
		filter, name string
		want         bool
	}{
		{"Acme", "acme corp", true},
		{"acme corp", "Acme", false},
		{"corp", "Acme Corp", false},
		{"*corp", "Acme Corp", true},
		{"*", "anything", true},
		{"**", "a*b", true},
		{"**", "ab", false},
		{"*Star", "*Star", true},
	} {
		if got := MatchesNameFilter(tc.filter, tc.name); got != tc.want {
			t.Errorf("MatchesNameFilter(%q, %q) = %v", tc.filter, tc.name, got)
		}
	}
}
