package halopsa

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

func testFixture() Fixture {
	return Fixture{
		ClientID:     "cid",
		ClientSecret: "csecret",
		Tenant:       "acme",
		TopLevels:    []TopLevel{{ID: 1, Name: "Managed"}, {ID: 2, Name: "Prospects"}},
		AssetTypes:   []AssetType{{ID: 5, Name: "Workstation"}, {ID: 6, Name: "Server"}},
		Clients: []Client{
			{ID: 10, Name: "Acme", TopLevelID: 1},
			{ID: 11, Name: "Beta", TopLevelID: 2, Inactive: true},
		},
	}
}

// call sends one request to s and decodes a JSON answer into out (when out is not nil).
func call(t *testing.T, s http.Handler, method, target, token, contentType, body string, out any) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	resp := rec.Result()
	data, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: decode %q: %v", method, target, data, err)
		}
	}
	return resp
}

func token(t *testing.T, s *Server) string {
	t.Helper()
	var ans struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
		TokenType   string `json:"token_type"`
	}
	form := "grant_type=client_credentials&client_id=cid&client_secret=csecret&scope=all"
	resp := call(t, s, "POST", "/auth/token?tenant=acme", "", "application/x-www-form-urlencoded", form, &ans)
	if resp.StatusCode != 200 || ans.AccessToken == "" || ans.ExpiresIn != 3600 || ans.TokenType != "Bearer" {
		t.Fatalf("token: %d %+v", resp.StatusCode, ans)
	}
	return ans.AccessToken
}

func TestAuthInfoAndToken(t *testing.T) {
	s := New(testFixture())
	var info map[string]string
	call(t, s, "GET", "http://acme.halopsa.test/api/authinfo", "", "", "", &info)
	if info["auth_url"] != "http://acme.halopsa.test/auth" {
		t.Errorf("authinfo = %v", info)
	}
	cases := []struct {
		name, query, ctype, form string
		status                   int
		code                     string
	}{
		{"wrong secret", "", "application/x-www-form-urlencoded", "grant_type=client_credentials&client_id=cid&client_secret=nope&scope=all", 401, "invalid_client"},
		{"wrong id", "", "application/x-www-form-urlencoded", "grant_type=client_credentials&client_id=x&client_secret=csecret&scope=all", 401, "invalid_client"},
		{"wrong tenant", "?tenant=other", "application/x-www-form-urlencoded", "grant_type=client_credentials&client_id=cid&client_secret=csecret&scope=all", 401, "invalid_client"},
		{"grant", "", "application/x-www-form-urlencoded", "grant_type=password&client_id=cid&client_secret=csecret&scope=all", 400, "unsupported_grant_type"},
		{"scope", "", "application/x-www-form-urlencoded", "grant_type=client_credentials&client_id=cid&client_secret=csecret", 400, "invalid_scope"},
		{"json body", "", "application/json", `{"grant_type":"client_credentials"}`, 400, "invalid_request"},
	}
	for _, tc := range cases {
		var e map[string]string
		resp := call(t, s, "POST", "/auth/token"+tc.query, "", tc.ctype, tc.form, &e)
		if resp.StatusCode != tc.status || e["error"] != tc.code {
			t.Errorf("%s: %d %v", tc.name, resp.StatusCode, e)
		}
	}
	// No tenant parameter: the host names the tenant.
	form := "grant_type=client_credentials&client_id=cid&client_secret=csecret&scope=openid all"
	if resp := call(t, s, "POST", "/AUTH/TOKEN", "", "application/x-www-form-urlencoded", form, nil); resp.StatusCode != 200 {
		t.Errorf("token without tenant = %d", resp.StatusCode)
	}
	if n := s.Calls("POST /auth/token"); n != len(cases)+1 {
		t.Errorf("token calls = %d", n)
	}
}

func TestResourceAuth(t *testing.T) {
	s := New(testFixture())
	for _, tok := range []string{"", "forged"} {
		resp := call(t, s, "GET", "/api/Client", tok, "", "", nil)
		if resp.StatusCode != 401 || !strings.Contains(resp.Header.Get("WWW-Authenticate"), "invalid_token") {
			t.Errorf("token %q: %d", tok, resp.StatusCode)
		}
	}
	tok := token(t, s)
	if resp := call(t, s, "GET", "/api/Client", tok, "", "", nil); resp.StatusCode != 200 {
		t.Fatalf("with token: %d", resp.StatusCode)
	}
	s.ExpireTokens()
	if resp := call(t, s, "GET", "/api/Client", tok, "", "", nil); resp.StatusCode != 401 {
		t.Fatalf("revoked token: %d", resp.StatusCode)
	}
}

type clientPage struct {
	PageNo      *int     `json:"page_no"`
	PageSize    *int     `json:"page_size"`
	RecordCount int      `json:"record_count"`
	Clients     []Client `json:"clients"`
}

func TestListPagingAndFilters(t *testing.T) {
	fx := testFixture()
	for i := 0; i < 150; i++ {
		fx.Clients = append(fx.Clients, Client{Name: fmt.Sprintf("Bulk %03d", i), TopLevelID: 2})
	}
	s := New(fx)
	tok := token(t, s)

	var p clientPage
	call(t, s, "GET", "/api/client?PAGEINATE=true&page_size=500&page_no=1", tok, "", "", &p)
	if *p.PageSize != 100 || *p.PageNo != 1 || p.RecordCount != 151 || len(p.Clients) != 100 {
		t.Fatalf("clamped page: size=%d no=%d count=%d rows=%d", *p.PageSize, *p.PageNo, p.RecordCount, len(p.Clients))
	}
	if p.Clients[0].Name != "Acme" || p.Clients[0].TopLevelName != "Managed" || p.Clients[0].MainSiteName != "Main" {
		t.Errorf("first row = %+v", p.Clients[0])
	}
	p = clientPage{}
	call(t, s, "GET", "/api/Client?pageinate=true&page_size=100&page_no=2", tok, "", "", &p)
	if len(p.Clients) != 51 {
		t.Errorf("page 2 rows = %d", len(p.Clients))
	}
	p = clientPage{}
	call(t, s, "GET", "/api/Client?pageinate=true&page_size=100&page_no=3", tok, "", "", &p)
	if len(p.Clients) != 0 || p.Clients == nil {
		t.Errorf("past the end = %v", p.Clients)
	}
	p = clientPage{}
	call(t, s, "GET", "/api/Client", tok, "", "", &p)
	if p.PageNo != nil || p.PageSize != nil || len(p.Clients) != 151 {
		t.Errorf("unpaginated: %d rows, page fields %v %v", len(p.Clients), p.PageNo, p.PageSize)
	}
	p = clientPage{}
	call(t, s, "GET", "/api/Client?count=5&includeinactive=true", tok, "", "", &p)
	if len(p.Clients) != 5 || p.RecordCount != 152 {
		t.Errorf("count: %d rows of %d", len(p.Clients), p.RecordCount)
	}
	p = clientPage{}
	call(t, s, "GET", "/api/Client?search=BET&includeinactive=TRUE", tok, "", "", &p)
	if len(p.Clients) != 1 || p.Clients[0].Name != "Beta" || !p.Clients[0].Inactive {
		t.Errorf("search with inactive = %+v", p.Clients)
	}
	p = clientPage{}
	call(t, s, "GET", "/api/Client?search=bet", tok, "", "", &p)
	if len(p.Clients) != 0 {
		t.Errorf("inactive visible by default: %+v", p.Clients)
	}
	p = clientPage{}
	call(t, s, "GET", "/api/Client?toplevel_id=1", tok, "", "", &p)
	if len(p.Clients) != 1 || p.Clients[0].ID != 10 {
		t.Errorf("toplevel filter = %+v", p.Clients)
	}
	for _, bad := range []string{"pageinate=true&page_no=0", "pageinate=yes", "page_size=ten&pageinate=true", "client_id=x", "count=-1"} {
		var msg string
		resp := call(t, s, "GET", "/api/Client?"+bad, tok, "", "", &msg)
		if resp.StatusCode != 400 || msg == "" {
			t.Errorf("%s: %d %q", bad, resp.StatusCode, msg)
		}
	}
	if n := s.Calls("GET /api/Client"); n != 13 {
		t.Errorf("counter = %d (paths of any case count under one key)", n)
	}
}

func TestRoutes(t *testing.T) {
	s := New(testFixture())
	tok := token(t, s)
	var c Client
	if resp := call(t, s, "GET", "/API/CLIENT/10/", tok, "", "", &c); resp.StatusCode != 200 || c.Name != "Acme" {
		t.Errorf("single get = %d %+v", resp.StatusCode, c)
	}
	if s.Calls("GET /api/Client/{id}") != 1 {
		t.Errorf("calls = %v", s.AllCalls())
	}
	for target, status := range map[string]int{"/api/Client/999": 404, "/api/Client/abc": 404, "/api/Nope": 404, "/other": 404, "/api/Client/1/x": 404} {
		if resp := call(t, s, "GET", target, tok, "", "", nil); resp.StatusCode != status {
			t.Errorf("%s = %d", target, resp.StatusCode)
		}
	}
	for _, m := range []string{"PUT", "DELETE", "PATCH"} {
		if resp := call(t, s, m, "/api/Client", tok, "application/json", "[]", nil); resp.StatusCode != 405 {
			t.Errorf("%s = %d", m, resp.StatusCode)
		}
	}
	if resp := call(t, s, "POST", "/api/Client/10", tok, "application/json", "[]", nil); resp.StatusCode != 405 {
		t.Errorf("POST single = %d", resp.StatusCode)
	}
}

func TestInternalClientTopLevelsAndAssetTypes(t *testing.T) {
	fx := testFixture()
	fx.Clients = append(fx.Clients, Client{ID: 1, Name: "Our MSP", TopLevelID: 1})
	fx.InternalClientID = 1
	s := New(fx)
	tok := token(t, s)

	var p clientPage
	call(t, s, "GET", "/api/Client?exclude_internal=true", tok, "", "", &p)
	if len(p.Clients) != 1 || p.Clients[0].ID != 10 {
		t.Errorf("exclude_internal: %+v", p.Clients)
	}
	p = clientPage{}
	call(t, s, "GET", "/api/Client", tok, "", "", &p)
	if len(p.Clients) != 2 {
		t.Errorf("without exclude_internal the internal client is listed: %+v", p.Clients)
	}

	// Top levels have no inactive flag: every one is listed, includeinactive or not, and the
	// records carry no inactive field.
	var raw map[string]json.RawMessage
	call(t, s, "GET", "/api/TopLevel?pageinate=true&page_size=10&page_no=1", tok, "", "", &raw)
	var tops []map[string]any
	if err := json.Unmarshal(raw["toplevels"], &tops); err != nil || len(tops) != 2 {
		t.Fatalf("toplevels = %s (%v)", raw["toplevels"], err)
	}
	if _, ok := tops[0]["inactive"]; ok {
		t.Errorf("top level carries inactive: %v", tops[0])
	}

	// Asset types: a bare array, no paging; read-only.
	var types []AssetType
	if resp := call(t, s, "GET", "/api/AssetType", tok, "", "", &types); resp.StatusCode != 200 || len(types) != 2 ||
		types[0].Name != "Server" || types[1].ID != 5 {
		t.Errorf("asset types = %d %+v", resp.StatusCode, types)
	}
	var one AssetType
	if resp := call(t, s, "GET", "/api/AssetType/5", tok, "", "", &one); resp.StatusCode != 200 || one.Name != "Workstation" {
		t.Errorf("asset type 5 = %d %+v", resp.StatusCode, one)
	}
	if resp := call(t, s, "POST", "/api/AssetType", tok, "application/json", `[{"name":"x"}]`, nil); resp.StatusCode != 405 {
		t.Errorf("POST AssetType = %d", resp.StatusCode)
	}
}

func TestUpsert(t *testing.T) {
	s := New(testFixture())
	tok := token(t, s)
	var created Client
	resp := call(t, s, "POST", "/api/Client", tok, "application/json", `[{"name":"Gamma","newclient_sitename":"HQ"}]`, &created)
	if resp.StatusCode != 200 || created.ID != 12 || created.TopLevelID != 1 || created.MainSiteName != "HQ" {
		t.Fatalf("create = %d %+v", resp.StatusCode, created)
	}
	var updated Client
	call(t, s, "POST", "/api/Client", tok, "application/json", `[{"ID":12,"Inactive":true}]`, &updated)
	if updated.ID != 12 || updated.Name != "Gamma" || !updated.Inactive {
		t.Fatalf("partial update = %+v", updated)
	}
	var many []Client
	call(t, s, "POST", "/api/Client", tok, "application/json", `[{"id":999,"name":"Delta"},{"id":10,"name":"Acme Renamed"}]`, &many)
	if len(many) != 2 || many[0].ID == 999 || many[0].Name != "Delta" || many[1].ID != 10 || many[1].Name != "Acme Renamed" {
		t.Fatalf("array upsert = %+v", many)
	}
	// Duplicate names are allowed, as in Halo.
	var dup Client
	if resp := call(t, s, "POST", "/api/Client", tok, "application/json", `[{"name":"delta"}]`, &dup); resp.StatusCode != 200 {
		t.Fatalf("duplicate name refused: %d", resp.StatusCode)
	}
	bad := map[string]struct {
		ctype, body string
		status      int
	}{
		"text":         {"text/plain", `[{"name":"x"}]`, 415},
		"object":       {"application/json", `{"name":"x"}`, 400},
		"empty":        {"application/json", `[]`, 400},
		"no name":      {"application/json", `[{"toplevel_id":1}]`, 400},
		"blank":        {"application/json", `[{"name":"  "}]`, 400},
		"toplevel":     {"application/json", `[{"name":"x","toplevel_id":42}]`, 400},
		"string id":    {"application/json", `[{"name":"x","toplevel_id":"1"}]`, 400},
		"null element": {"application/json", `[null]`, 400},
	}
	before := len(s.Clients())
	for name, tc := range bad {
		if resp := call(t, s, "POST", "/api/Client", tok, tc.ctype, tc.body, nil); resp.StatusCode != tc.status {
			t.Errorf("%s: %d, want %d", name, resp.StatusCode, tc.status)
		}
	}
	if len(s.Clients()) != before {
		t.Error("a refused post changed state")
	}

	// Users and assets take their client from the site, or the client's main site.
	var site Site
	call(t, s, "POST", "/api/Site", tok, "application/json", `[{"name":"Branch","client_id":10}]`, &site)
	var u User
	resp = call(t, s, "POST", "/api/Users", tok, "application/json", `[{"firstname":"Jane","surname":"Roe","site_id":`+fmt.Sprint(site.ID)+`}]`, &u)
	if resp.StatusCode != 200 || u.Name != "Jane Roe" || u.ClientID != 10 || u.SiteName != "Branch" || u.ClientName != "Acme Renamed" {
		t.Fatalf("user = %d %+v", resp.StatusCode, u)
	}
	var a Asset
	// Halo's screens require an asset type: an asset without one, or with an unknown one, is
	// refused.
	for _, body := range []string{
		`[{"client_id":10,"inventory_number":"PC-1","kaseya_id":"k1"}]`,
		`[{"client_id":10,"inventory_number":"PC-1","kaseya_id":"k1","assettype_id":null}]`,
		`[{"client_id":10,"inventory_number":"PC-1","kaseya_id":"k1","assettype_id":99}]`,
	} {
		if resp := call(t, s, "POST", "/api/Asset", tok, "application/json", body, nil); resp.StatusCode != 400 {
			t.Errorf("asset %s = %d, want 400", body, resp.StatusCode)
		}
	}
	if len(s.Assets()) != 0 {
		t.Fatalf("a refused asset was stored: %+v", s.Assets())
	}
	// client_id arrives as 10.0 from clients that follow the swagger's double typing.
	resp = call(t, s, "POST", "/api/Asset", tok, "application/json", `[{"client_id":10.0,"inventory_number":"PC-1","kaseya_id":"k1","assettype_id":5}]`, &a)
	mainSite := s.Clients()[0].MainSiteID
	if resp.StatusCode != 200 || a.SiteID != mainSite || a.KeyField != "PC-1" || a.KaseyaID != "k1" ||
		a.AssetTypeID != 5 || a.AssetTypeName != "Workstation" {
		t.Fatalf("asset = %d %+v", resp.StatusCode, a)
	}
	var u2 User
	resp = call(t, s, "POST", "/api/Users", tok, "application/json", `[{"name":"Sam","site_id":`+fmt.Sprint(site.ID)+`.0}]`, &u2)
	if resp.StatusCode != 200 || u2.SiteID != site.ID || u2.ClientID != 10 {
		t.Fatalf("user with site_id %d.0 = %d %+v", site.ID, resp.StatusCode, u2)
	}
	if resp := call(t, s, "POST", "/api/Users", tok, "application/json", `[{"name":"Half","site_id":1.5}]`, nil); resp.StatusCode != 400 {
		t.Errorf("site_id 1.5 = %d, want 400", resp.StatusCode)
	}
	if resp := call(t, s, "POST", "/api/Asset", tok, "application/json", `[{"client_id":11,"site_id":`+fmt.Sprint(site.ID)+`}]`, nil); resp.StatusCode != 400 {
		t.Errorf("site of another client = %d", resp.StatusCode)
	}
	if resp := call(t, s, "POST", "/api/Users", tok, "application/json", `[{"name":"Nobody"}]`, nil); resp.StatusCode != 400 {
		t.Errorf("user without site = %d", resp.StatusCode)
	}
}

func TestFixtureFromYAML(t *testing.T) {
	doc := `
clientId: cid
clientSecret: csecret
toplevels: [{id: 4, name: Managed}]
clients:
- {id: 7, name: Acme, toplevel_id: 4, main_site_id: 70}
sites:
- {id: 70, name: HQ, client_id: 7}
users:
- {name: Jane Roe, emailaddress: jane@acme.test, client_id: 7, site_id: 70}
assets:
- {inventory_number: PC-1, client_id: 7, site_id: 70, kaseya_id: "123"}
`
	var fx Fixture
	if err := yaml.Unmarshal([]byte(doc), &fx); err != nil {
		t.Fatal(err)
	}
	s := New(fx)
	c := s.Clients()
	if len(c) != 1 || c[0].MainSiteName != "HQ" || c[0].TopLevelName != "Managed" {
		t.Fatalf("clients = %+v", c)
	}
	if len(s.Sites()) != 1 || len(s.Users()) != 1 || s.Users()[0].ID != 1 || s.Assets()[0].KaseyaID != "123" {
		t.Fatalf("seed = %+v %+v %+v", s.Sites(), s.Users(), s.Assets())
	}
	added := s.AddClient(Client{Name: "Later"})
	if added.ID != 8 || added.MainSiteID != 71 || added.MainSiteName != "Main" {
		t.Fatalf("AddClient = %+v", added)
	}
}

func FuzzParseListQuery(f *testing.F) {
	for _, q := range []string{"pageinate=true&page_size=100&page_no=2", "PAGE_SIZE=-5&pageinate=TRUE", "page_no=0&pageinate=true",
		"count=3&search=ac%25me", "includeinactive=maybe", "toplevel_id=99999999999999999999"} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		r := httptest.NewRequest("GET", "/api/Client", nil)
		r.URL.RawQuery = raw
		q, err := parseListQuery(r)
		if err != nil {
			return
		}
		if q.paginate && (q.pageNo < 1 || q.pageSize < 1 || q.pageSize > maxPageSize) {
			t.Fatalf("%q: accepted paging %+v", raw, q)
		}
		if q.count < 0 {
			t.Fatalf("%q: negative count", raw)
		}
		rows := make([]int, 7)
		writeList(httptest.NewRecorder(), q, "x", rows)
	})
}

func FuzzPost(f *testing.F) {
	f.Add("Client", `[{"name":"A","toplevel_id":1}]`)
	f.Add("Users", `[{"firstname":"J","client_id":10},{"id":1,"site_id":1}]`)
	f.Add("Asset", `[{"client_id":10,"kaseya_id":"k","inventory_number":null}]`)
	f.Add("Site", `[{"name":"S","client_id":11,"inactive":true}]`)
	f.Add("TopLevel", `[{"name":"T"},{"id":1,"name":""}]`)
	f.Fuzz(func(t *testing.T, route, body string) {
		s := New(testFixture())
		tok := token(t, s)
		resp := call(t, s, "POST", "/api/"+url.PathEscape(route), tok, "application/json", body, nil)
		switch resp.StatusCode {
		case 200, 400, 404, 405:
		default:
			t.Fatalf("POST %s %q = %d", route, body, resp.StatusCode)
		}
		for _, c := range s.Clients() {
			if c.MainSiteID == 0 {
				t.Fatalf("client without main site: %+v", c)
			}
		}
	})
}
