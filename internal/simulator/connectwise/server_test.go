package connectwise

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
)

type simClient struct {
	t    *testing.T
	srv  *httptest.Server
	sim  *Server
	auth string
	cid  string
}

func newSimClient(t *testing.T, f Fixture) *simClient {
	t.Helper()
	sim := New(f)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return &simClient{
		t: t, srv: srv, sim: sim,
		auth: "Basic " + base64.StdEncoding.EncodeToString([]byte(f.CompanyID+"+"+f.PublicKey+":"+f.PrivateKey)),
		cid:  f.ClientID,
	}
}

// do sends a request below the API prefix (or an absolute URL) and decodes the JSON answer.
func (c *simClient) do(method, path string, body any, out any) *http.Response {
	c.t.Helper()
	u := path
	if !strings.HasPrefix(path, "http") {
		u = c.srv.URL + c.sim.APIPrefix() + "/" + path
	}
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	}
	req, _ := http.NewRequest(method, u, rd)
	if c.auth != "" {
		req.Header.Set("Authorization", c.auth)
	}
	if c.cid != "" {
		req.Header["clientId"] = []string{c.cid}
	}
	req.Header.Set("Accept", "application/vnd.connectwise.com+json; version=2022.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			c.t.Fatalf("%s %s: decode %q: %v", method, path, data, err)
		}
	}
	return resp
}

func TestAuthRejected(t *testing.T) {
	f := DefaultFixture()
	for name, mutate := range map[string]func(c *simClient){
		"wrong private key": func(c *simClient) {
			c.auth = "Basic " + base64.StdEncoding.EncodeToString([]byte(f.CompanyID+"+"+f.PublicKey+":nope"))
		},
		"wrong company": func(c *simClient) {
			c.auth = "Basic " + base64.StdEncoding.EncodeToString([]byte("other+"+f.PublicKey+":"+f.PrivateKey))
		},
		"no plus":           func(c *simClient) { c.auth = "Basic " + base64.StdEncoding.EncodeToString([]byte("x:y")) },
		"bearer":            func(c *simClient) { c.auth = "Bearer abc" },
		"no authorization":  func(c *simClient) { c.auth = "" },
		"missing clientId":  func(c *simClient) { c.cid = "" },
		"wrong clientId":    func(c *simClient) { c.cid = "00000000-0000-0000-0000-000000000000" },
		"garbage base64":    func(c *simClient) { c.auth = "Basic %%%" },
		"case of companyId": nil,
	} {
		t.Run(name, func(t *testing.T) {
			c := newSimClient(t, f)
			if mutate == nil {
				c.auth = "Basic " + base64.StdEncoding.EncodeToString([]byte(strings.ToUpper(f.CompanyID)+"+"+f.PublicKey+":"+f.PrivateKey))
				if resp := c.do("GET", "system/info", nil, nil); resp.StatusCode != 200 {
					t.Fatalf("company id should be case-insensitive, got %d", resp.StatusCode)
				}
				return
			}
			mutate(c)
			var e APIError
			resp := c.do("GET", "company/companies", nil, &e)
			if resp.StatusCode != 401 || e.Code != "Unauthorized" {
				t.Fatalf("got %d %+v, want 401 Unauthorized", resp.StatusCode, e)
			}
			if n := c.sim.Calls("GET /company/companies"); n != 1 {
				t.Fatalf("rejected call not counted: %d", n)
			}
		})
	}
}

func TestCompanyInfoAndCodebase(t *testing.T) {
	f := DefaultFixture()
	f.Codebase = "v2025_1/"
	c := newSimClient(t, f)
	var info CompanyInfo
	resp := c.do("GET", c.srv.URL+"/login/companyinfo/ACMEMSP", nil, &info)
	if resp.StatusCode != 200 || info.Codebase != "v2025_1/" || info.IsCloud != "True" {
		t.Fatalf("companyinfo: %d %+v", resp.StatusCode, info)
	}
	var e APIError
	if resp := c.do("GET", c.srv.URL+"/login/companyinfo/nobody", nil, &e); resp.StatusCode != 404 || e.Code != "NotFound" {
		t.Fatalf("unknown company: %d %+v", resp.StatusCode, e)
	}
	if resp := c.do("GET", c.srv.URL+"/v4_6_release/apis/3.0/system/info", nil, nil); resp.StatusCode != 404 {
		t.Fatalf("other codebase answered %d", resp.StatusCode)
	}
	var si SystemInfo
	resp = c.do("GET", "system/info", nil, &si)
	if resp.StatusCode != 200 || si.Version != "v2025.1.10432" || resp.Header.Get("api-current-version") != "2025.1" {
		t.Fatalf("system/info: %d %+v %v", resp.StatusCode, si, resp.Header)
	}
	if c.sim.Calls("GET /login/companyinfo/{companyId}") != 2 || c.sim.Calls("GET /system/info") != 1 {
		t.Fatalf("counters: %v", c.sim.AllCalls())
	}
}

func TestPagingLinksAndLimits(t *testing.T) {
	c := newSimClient(t, DefaultFixture())
	for i := 0; i < 60; i++ {
		if _, err := c.sim.AddCompany(Company{Identifier: fmt.Sprintf("C%d", i), Name: fmt.Sprintf("Company %d", i), Status: &Ref{ID: StatusActive}}); err != nil {
			t.Fatal(err)
		}
	}
	q := url.Values{"conditions": {"status/id=17"}, "pagesize": {"25"}, "page": {"2"}}
	var page []Company
	resp := c.do("GET", "company/companies?"+q.Encode(), nil, &page)
	if resp.StatusCode != 200 || len(page) != 25 {
		t.Fatalf("page 2: %d, %d records", resp.StatusCode, len(page))
	}
	links := resp.Header.Get("Link")
	for _, want := range []string{`page=1&pageSize=25>; rel="first"`, `page=1&pageSize=25>; rel="prev"`, `page=3&pageSize=25>; rel="next"`, `page=3&pageSize=25>; rel="last"`, "conditions=status%2Fid%3D17"} {
		if !strings.Contains(links, want) {
			t.Errorf("Link %q lacks %q", links, want)
		}
	}
	// 62 active companies (60 + Acme Corp + Globex): the last page has 12 and no next link.
	resp = c.do("GET", "company/companies?conditions=status/id=17&pageSize=25&page=3", nil, &page)
	if len(page) != 12 || strings.Contains(resp.Header.Get("Link"), `rel="next"`) {
		t.Fatalf("last page: %d records, Link %q", len(page), resp.Header.Get("Link"))
	}
	// Default page size is 25.
	c.do("GET", "company/companies", nil, &page)
	if len(page) != DefaultPageSize {
		t.Fatalf("default page size gave %d", len(page))
	}
	for _, bad := range []string{"pageSize=1001", "pageSize=0", "page=0", "page=x", "fields=id,name", "conditions=name%3D", "conditions=nosuch%3D1", "orderBy=name+sideways"} {
		var e APIError
		resp := c.do("GET", "company/companies?"+bad, nil, &e)
		if resp.StatusCode != 400 || e.Code != "InvalidObject" || e.Message == "" {
			t.Errorf("%s: got %d %+v, want 400 InvalidObject", bad, resp.StatusCode, e)
		}
	}
	var all []Company
	c.do("GET", "company/companies?pageSize=1000&orderBy=name%20desc", nil, &all)
	if len(all) != 64 || all[0].Name != "Umbrella Corporation" {
		t.Fatalf("orderBy desc: %d records, first %q", len(all), all[0].Name)
	}
	var count map[string]int
	c.do("GET", "company/companies/count?childConditions=types/id%20in%20(42)", nil, &count)
	if count["count"] != 3 {
		t.Fatalf("count of clients = %v", count)
	}
}

func TestCreateCompanyRules(t *testing.T) {
	c := newSimClient(t, DefaultFixture())
	body := map[string]any{"identifier": "NewCo", "name": "New Co", "status": map[string]int{"id": StatusActive},
		"types": []map[string]int{{"id": TypeClient}}, "site": map[string]string{"name": "Main"}, "addressLine1": "N/A"}
	var created Company
	resp := c.do("POST", "company/companies", body, &created)
	if resp.StatusCode != 201 || created.ID == 0 || created.Status.Name != "Active" || created.Types[0].Name != "Client" || created.Site == nil {
		t.Fatalf("create: %d %+v", resp.StatusCode, created)
	}
	if sites := c.sim.Sites(created.ID); len(sites) != 1 || sites[0].Name != "Main" || !sites[0].PrimaryAddressFlag {
		t.Fatalf("primary site: %+v", sites)
	}
	check := func(name string, b map[string]any, field, code string) {
		t.Helper()
		var e APIError
		resp := c.do("POST", "company/companies", b, &e)
		if resp.StatusCode != 400 || e.Code != "InvalidObject" {
			t.Fatalf("%s: got %d %+v", name, resp.StatusCode, e)
		}
		for _, fe := range e.Errors {
			if fe.Field == field && fe.Code == code && fe.Resource == "company" {
				return
			}
		}
		t.Fatalf("%s: errors %+v lack %s/%s", name, e.Errors, field, code)
	}
	with := func(k string, v any) map[string]any {
		b := map[string]any{}
		for kk, vv := range body {
			b[kk] = vv
		}
		b["identifier"] = "Fresh"
		b["name"] = "Fresh Name"
		if v == nil {
			delete(b, k)
		} else {
			b[k] = v
		}
		return b
	}
	check("name clash", with("name", "NEW CO"), "name", "ObjectExists")
	check("identifier clash", with("identifier", "newco"), "identifier", "ObjectExists")
	check("no address", with("addressLine1", nil), "addressLine1", "NullValue")
	check("long identifier", with("identifier", strings.Repeat("x", 26)), "identifier", "OutOfRange")
	check("spaced identifier", with("identifier", "a b"), "identifier", "InvalidCharacters")
	check("long name", with("name", strings.Repeat("n", 51)), "name", "OutOfRange")
	check("unknown status", with("status", map[string]int{"id": 1}), "status", "NotFound")
	check("unknown type", with("types", []map[string]int{{"id": 1}}), "types", "NotFound")
	if n := len(c.sim.Companies()); n != 5 {
		t.Fatalf("refused creates stored something: %d companies", n)
	}
	var e APIError
	if resp := c.do("POST", "company/companies", "not an object", &e); resp.StatusCode != 400 {
		t.Fatalf("bad JSON: %d", resp.StatusCode)
	}
	if resp := c.do("DELETE", "company/companies", nil, &e); resp.StatusCode != 405 {
		t.Fatalf("DELETE list: %d", resp.StatusCode)
	}
}

func TestSitesConfigurationsContacts(t *testing.T) {
	c := newSimClient(t, DefaultFixture())
	var e APIError
	if resp := c.do("POST", "company/companies/250/sites", map[string]string{"name": "main"}, &e); resp.StatusCode != 400 || e.Errors[0].Code != "ObjectExists" {
		t.Fatalf("duplicate site: %d %+v", resp.StatusCode, e)
	}
	if resp := c.do("GET", "company/companies/999/sites", nil, &e); resp.StatusCode != 404 {
		t.Fatalf("sites of unknown company: %d", resp.StatusCode)
	}
	var cfg Configuration
	resp := c.do("POST", "company/configurations", map[string]any{"name": "PC-1", "type": map[string]int{"id": ConfigTypeWS},
		"company": map[string]int{"id": 250}, "site": map[string]int{"id": 1002}, "deviceIdentifier": "agent-1"}, &cfg)
	if resp.StatusCode != 201 || cfg.Site.Name != "Warehouse" || cfg.Type.Name != "Managed Workstation" {
		t.Fatalf("create configuration: %d %+v", resp.StatusCode, cfg)
	}
	if resp := c.do("POST", "company/configurations", map[string]any{"name": "PC-2", "type": map[string]int{"id": ConfigTypeWS},
		"company": map[string]int{"id": 250}, "site": map[string]int{"id": 1003}}, &e); resp.StatusCode != 400 {
		t.Fatalf("site of another company accepted: %d", resp.StatusCode)
	}
	patch := []PatchOp{{Op: "replace", Path: "name", Value: json.RawMessage(`"PC-1b"`)}, {Op: "replace", Path: "/site", Value: json.RawMessage(`null`)}}
	var patched Configuration
	path := fmt.Sprintf("company/configurations/%d", cfg.ID)
	if resp := c.do("PATCH", path, patch, &patched); resp.StatusCode != 200 || patched.Name != "PC-1b" || patched.Site != nil || patched.DeviceIdentifier != "agent-1" {
		t.Fatalf("patch: %d %+v", resp.StatusCode, patched)
	}
	for _, bad := range [][]PatchOp{
		{{Op: "replace", Path: "company/id", Value: json.RawMessage(`1`)}},
		{{Op: "replace", Path: "Name", Value: json.RawMessage(`"x"`)}},
		{{Op: "replace", Path: "id", Value: json.RawMessage(`1`)}},
		{{Op: "move", Path: "name", Value: json.RawMessage(`"x"`)}},
		{{Op: "replace", Path: "type", Value: json.RawMessage(`{"id":1}`)}},
	} {
		if resp := c.do("PATCH", path, bad, &e); resp.StatusCode != 400 {
			t.Errorf("patch %+v: %d", bad, resp.StatusCode)
		}
	}
	var list []Configuration
	c.do("GET", "company/configurations?conditions=deviceIdentifier=%22AGENT-1%22", nil, &list)
	if len(list) != 1 {
		t.Fatalf("configuration by deviceIdentifier: %d", len(list))
	}
	var ct Contact
	resp = c.do("POST", "company/contacts", map[string]any{"firstName": "Ann", "company": map[string]int{"id": 250},
		"communicationItems": []map[string]any{{"type": map[string]string{"name": "email"}, "value": "ann@acme.test", "defaultFlag": true},
			{"type": map[string]string{"name": "Direct"}, "value": "555-0100", "defaultFlag": true}}}, &ct)
	if resp.StatusCode != 201 || ct.CommunicationItems[0].CommunicationType != "Email" || ct.CommunicationItems[1].Type.ID != 2 || ct.DefaultPhoneNbr != "555-0100" {
		t.Fatalf("contact: %d %+v", resp.StatusCode, ct)
	}
	var contacts []Contact
	c.do("GET", `company/contacts?childConditions=communicationItems/value%20like%20%22ann@%25%22`, nil, &contacts)
	if len(contacts) != 1 {
		t.Fatalf("contacts by email: %d", len(contacts))
	}
	if resp := c.do("POST", "company/contacts", map[string]any{"firstName": "Bo", "communicationItems": []map[string]any{{"type": map[string]string{"name": "Pager"}, "value": "1"}}}, &e); resp.StatusCode != 400 {
		t.Fatalf("unknown communication type accepted: %d", resp.StatusCode)
	}
}

func TestFixtureValidate(t *testing.T) {
	f := DefaultFixture()
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
	f.Companies = append(f.Companies, Company{Identifier: "Other", Name: "ACME CORP"})
	if err := f.Validate(); err == nil {
		t.Fatal("duplicate company name accepted")
	}
	f = DefaultFixture()
	f.Codebase = "../"
	if err := f.Validate(); err == nil {
		t.Fatal("bad codebase accepted")
	}
}
