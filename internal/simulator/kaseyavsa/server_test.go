package kaseyavsa

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/accountsync/accountsync-operator/internal/simulator/simkit"
)

type wireEnvelope struct {
	Result       json.RawMessage
	TotalRecords *int
	ResponseCode int
	Status       string
	Error        *string
}

type harness struct {
	t   *testing.T
	sim *Server
	srv *httptest.Server
	tok string
}

func newHarness(t *testing.T, f Fixture) *harness {
	t.Helper()
	f.Username, f.Token = "apiuser", "pat-secret-value"
	sim := New(f)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return &harness{t: t, sim: sim, srv: srv}
}

func basic(user, pat string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pat))
}

func (h *harness) do(method, path, auth string, body string) (int, wireEnvelope, http.Header) {
	h.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, h.srv.URL+path, rd)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var env wireEnvelope
	if resp.StatusCode != http.StatusMovedPermanently {
		if err := json.Unmarshal(raw, &env); err != nil {
			h.t.Fatalf("%s %s: body %q is not an envelope: %v", method, path, raw, err)
		}
	}
	return resp.StatusCode, env, resp.Header
}

func (h *harness) login() string {
	h.t.Helper()
	code, env, _ := h.do("GET", "/api/v1.0/auth/", basic("APIUSER", "pat-secret-value"), "")
	if code != 200 || env.ResponseCode != 0 {
		h.t.Fatalf("auth: %d %+v", code, env)
	}
	var res struct {
		Token             string
		SessionExpiration string
		OffSetInMinutes   int
	}
	if err := json.Unmarshal(env.Result, &res); err != nil || res.Token == "" {
		h.t.Fatalf("auth result %s: %v", env.Result, err)
	}
	h.tok = "Bearer " + res.Token
	return res.SessionExpiration
}

func TestAuth(t *testing.T) {
	h := newHarness(t, Fixture{OffsetMinutes: 420})
	for _, auth := range []string{"", basic("apiuser", "wrong"), basic("other", "pat-secret-value"), "Bearer x", "Basic !!"} {
		code, env, _ := h.do("GET", "/api/v1.0/auth/", auth, "")
		if code != 401 || env.ResponseCode == 0 || env.Error == nil || *env.Error == "None" {
			t.Errorf("auth with %q: %d %+v", auth, code, env)
		}
	}
	exp := h.login()
	local, err := time.Parse("2006-01-02T15:04:05.000", exp)
	if err != nil {
		t.Fatal(err)
	}
	utc := local.Add(420 * time.Minute) // OffSetInMinutes = UTC - local
	if d := time.Until(utc); d < 29*time.Minute || d > 31*time.Minute {
		t.Fatalf("session expiry %s is %v away", exp, d)
	}
	if code, _, _ := h.do("GET", "/api/v1.0/system/orgs/", "", ""); code != 401 {
		t.Fatalf("no token: %d", code)
	}
	if code, _, _ := h.do("GET", "/api/v1.0/system/orgs/", basic("apiuser", "pat-secret-value"), ""); code != 401 {
		t.Fatalf("basic on an API call: %d", code)
	}
	if code, _, _ := h.do("GET", "/api/v1.0/system/orgs/", h.tok, ""); code != 200 {
		t.Fatalf("with token: %d", code)
	}
	h.sim.ExpireTokens()
	if code, _, _ := h.do("GET", "/api/v1.0/system/orgs/", h.tok, ""); code != 401 {
		t.Fatalf("expired token: %d", code)
	}
	if got := h.sim.Calls("GET /system/orgs"); got != 4 {
		t.Fatalf("counted %d calls", got)
	}
}

func TestTrailingSlashRedirectAndRouting(t *testing.T) {
	h := newHarness(t, Fixture{})
	h.login()
	code, _, hdr := h.do("GET", "/api/v1.0/system/orgs?$top=5", h.tok, "")
	if code != http.StatusMovedPermanently || hdr.Get("Location") != "/api/v1.0/system/orgs/?$top=5" {
		t.Fatalf("redirect: %d %q", code, hdr.Get("Location"))
	}
	if code, _, _ := h.do("GET", "/API/v1.0/System/Orgs/", h.tok, ""); code != 200 {
		t.Fatalf("paths are case-insensitive on IIS: %d", code)
	}
	if code, _, _ := h.do("GET", "/api/v1.0/nothing/", h.tok, ""); code != 404 {
		t.Fatalf("unknown path: %d", code)
	}
	if code, _, _ := h.do("DELETE", "/api/v1.0/system/orgs/", h.tok, ""); code != 405 {
		t.Fatalf("wrong method: %d", code)
	}
}

func TestListPagingFilterAndCap(t *testing.T) {
	var f Fixture
	for i := range 150 {
		f.Orgs = append(f.Orgs, Org{Name: fmt.Sprintf("Org %03d", i), Ref: fmt.Sprintf("org%03d", i)})
	}
	h := newHarness(t, f)
	h.login()
	list := func(q url.Values) (int, []map[string]any, int) {
		code, env, _ := h.do("GET", "/api/v1.0/system/orgs/?"+q.Encode(), h.tok, "")
		var res []map[string]any
		if code == 200 {
			dec := json.NewDecoder(strings.NewReader(string(env.Result)))
			dec.UseNumber()
			if err := dec.Decode(&res); err != nil {
				t.Fatal(err)
			}
		}
		total := -1
		if env.TotalRecords != nil {
			total = *env.TotalRecords
		}
		return code, res, total
	}
	code, res, total := list(url.Values{"$top": {"500"}})
	if code != 200 || len(res) != MaxTop || total != 150 {
		t.Fatalf("$top=500: %d, %d rows, total %d", code, len(res), total)
	}
	_, res, _ = list(url.Values{"$top": {"100"}, "$skip": {"100"}})
	if len(res) != 50 || res[0]["OrgName"] != "Org 100" {
		t.Fatalf("second page: %d rows, first %v", len(res), res[0]["OrgName"])
	}
	if id := res[0]["OrgId"].(json.Number); len(id) != 17 {
		t.Fatalf("ids should be 17-digit decimals, got %s", id)
	}
	_, res, total = list(url.Values{"$filter": {"substringof('Org 14', OrgName)"}, "$orderby": {"OrgName desc"}})
	if total != 10 || res[0]["OrgName"] != "Org 149" {
		t.Fatalf("filter+orderby: total %d, first %v", total, res[0]["OrgName"])
	}
	for _, bad := range []url.Values{
		{"$filter": {"Nope eq 'x'"}}, {"$filter": {"OrgName eq"}}, {"$top": {"-1"}}, {"$skip": {"x"}},
		{"$orderby": {"Nope"}}, {"$filter": {"OrgId eq 'x'"}},
	} {
		if code, _, _ := list(bad); code != 400 {
			t.Errorf("%v: %d, want 400", bad, code)
		}
	}
}

func TestCreateOrgRules(t *testing.T) {
	h := newHarness(t, Fixture{Orgs: []Org{{Name: "Acme Corp", Ref: "acme"}}})
	h.login()
	code, env, _ := h.do("POST", "/api/v1.0/system/orgs/", h.tok,
		`{"OrgName":"Globex","OrgRef":"globex","DefaultDepartmentName":"root","DefaultMachineGroupName":"root"}`)
	if code != 200 || env.ResponseCode != 0 {
		t.Fatalf("create: %d %+v", code, env)
	}
	var id json.Number
	if err := json.Unmarshal(env.Result, &id); err != nil || len(id) != 17 {
		t.Fatalf("create result %s", env.Result)
	}
	for body, wantCode := range map[string]int{
		`{"OrgName":"ACME CORP","OrgRef":"other"}`:                     codeDuplicateName,
		`{"OrgName":"Acme 2","OrgRef":"ACME"}`:                         codeDuplicateRef,
		`{"OrgName":"","OrgRef":"x"}`:                                  codeValidation,
		`{"OrgName":"X","OrgRef":"a.b"}`:                               codeValidation,
		`{"OrgName":"X","OrgRef":"x","ParentOrgId":12345}`:             codeNoParent,
		`{"OrgName":"X","OrgRef":"x","DefaultMachineGroupName":"a.b"}`: codeValidation,
	} {
		code, env, _ := h.do("POST", "/api/v1.0/system/orgs/", h.tok, body)
		if code != 200 || env.ResponseCode != wantCode || env.Error == nil || *env.Error == "None" {
			t.Errorf("%s: HTTP %d %+v, want logical error %d", body, code, env, wantCode)
		}
	}
	if code, _, _ := h.do("POST", "/api/v1.0/system/orgs/", h.tok, `{"OrgName":`); code != 400 {
		t.Fatalf("malformed body: %d", code)
	}
	if n := len(h.sim.Orgs()); n != 2 {
		t.Fatalf("%d orgs stored", n)
	}
	// The new org got its default machine group, named in VSA's dotted form.
	code, env, _ = h.do("GET", "/api/v1.0/system/orgs/"+string(id)+"/machinegroups/", h.tok, "")
	if code != 200 || !strings.Contains(string(env.Result), `"MachineGroupName":"root.globex"`) {
		t.Fatalf("groups: %d %s", code, env.Result)
	}
	if code, _, _ := h.do("GET", "/api/v1.0/system/orgs/1/machinegroups/", h.tok, ""); code != 404 {
		t.Fatalf("groups of unknown org: %d", code)
	}
}

func TestAgents(t *testing.T) {
	h := newHarness(t, Fixture{})
	acme := h.sim.AddOrg(Org{Name: "Acme", Ref: "acme"})
	other := h.sim.AddOrg(Org{Name: "Other", Ref: "other"})
	root := h.sim.MachineGroups()[0]
	sub := h.sim.AddMachineGroup(MachineGroup{Name: "hq", OrgID: acme.ID, ParentID: root.ID})
	h.sim.AddAgent(Agent{ComputerName: "PC01", MachineGroupID: sub.ID})
	h.sim.AddAgent(Agent{ComputerName: "PC02", OrgID: acme.ID})
	h.sim.AddAgent(Agent{ComputerName: "SRV", OrgID: other.ID})
	h.login()
	code, env, _ := h.do("GET", "/api/v1.0/assetmgmt/agents/?"+url.Values{"$filter": {"OrgId eq " + acme.ID}}.Encode(), h.tok, "")
	if code != 200 || *env.TotalRecords != 2 {
		t.Fatalf("agents: %d %+v", code, env)
	}
	for _, want := range []string{`"MachineGroup":"hq.root.acme"`, `"AgentName":"pc01.hq.root.acme"`, `"MachineGroup":"root.acme"`} {
		if !strings.Contains(string(env.Result), want) {
			t.Errorf("agents result lacks %s: %s", want, env.Result)
		}
	}
}

func TestFaultInjectionAfterAuth(t *testing.T) {
	h := newHarness(t, Fixture{})
	h.sim.SetFaults(faultsEvery(1))
	if code, _, _ := h.do("GET", "/api/v1.0/auth/", basic("apiuser", "wrong"), ""); code != 401 {
		t.Fatalf("bad credentials are refused before faults apply: %d", code)
	}
	if code, _, _ := h.do("GET", "/api/v1.0/auth/", basic("apiuser", "pat-secret-value"), ""); code != 429 {
		t.Fatalf("throttled login: %d", code)
	}
}

func faultsEvery(n int) simkit.Faults { return simkit.Faults{ThrottleEvery: n, RetryAfterSeconds: 1} }

func FuzzListQuery(f *testing.F) {
	for _, q := range []string{"$top=100&$skip=0&$orderby=OrgId", "$orderby=OrgName desc, OrgId asc", "$top=-1",
		"$skip=99999999999999999999", "$filter=OrgName eq 'x'&$top=500", "$orderby=,"} {
		f.Add(q)
	}
	fields := map[string]bool{"OrgId": true, "OrgName": true}
	recs := []map[string]any{
		{"OrgId": json.Number("2"), "OrgName": "b"}, {"OrgId": json.Number("1"), "OrgName": "a"}, {"OrgId": nil, "OrgName": "c"},
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		lq, err := parseListQuery(q, fields)
		if err != nil {
			return
		}
		if lq.top < 0 || lq.top > MaxTop || lq.skip < 0 {
			t.Fatalf("parseListQuery(%q): top %d skip %d", raw, lq.top, lq.skip)
		}
		page, total, err := lq.apply(recs)
		if err == nil && (len(page) > lq.top || total > len(recs)) {
			t.Fatalf("apply: %d rows of %d", len(page), total)
		}
	})
}
