package kaseyabms

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

var cred = Credential{Username: "u", Password: "p", Tenant: "T"}

func start(t *testing.T, f Fixture) (*Server, *httptest.Server) {
	t.Helper()
	f.Credentials = []Credential{cred}
	s := New(f)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts
}

type answer struct {
	Success      bool
	Error        *errorInfo
	Result       json.RawMessage
	TotalRecords *int
}

func do(t *testing.T, req *http.Request) (int, answer) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var a answer
	_ = json.Unmarshal(body, &a)
	return resp.StatusCode, a
}

// login uses multipart/form-data, the content type the swagger declares.
func login(t *testing.T, base string) string {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range map[string]string{"GrantType": "password", "UserName": cred.Username, "Password": cred.Password, "Tenant": cred.Tenant} {
		_ = mw.WriteField(k, v)
	}
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, base+"/v2/security/authenticate", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	code, a := do(t, req)
	var tok tokenOutput
	if code != 200 || !a.Success || json.Unmarshal(a.Result, &tok) != nil || tok.AccessToken == "" || tok.RefreshToken == "" ||
		tok.AccessTokenExpireOn.IsZero() {
		t.Fatalf("login: %d %+v", code, a)
	}
	return tok.AccessToken
}

func call(t *testing.T, method, u, token string, body any) (int, answer) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, u, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return do(t, req)
}

func TestLoginRefusalsAndUnauthorizedCalls(t *testing.T) {
	_, ts := start(t, Fixture{})
	form := url.Values{"GrantType": {"password"}, "UserName": {"u"}, "Password": {"bad"}, "Tenant": {"T"}}
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/v2/security/authenticate", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if code, a := do(t, req); code != 400 || a.Success || a.Error == nil {
		t.Fatalf("bad password: %d %+v", code, a)
	}
	if code, a := call(t, http.MethodGet, ts.URL+"/v2/system/accounttypes/lookup", "", nil); code != 401 || a.Success {
		t.Fatalf("no token: %d %+v", code, a)
	}
	if code, _ := call(t, http.MethodGet, ts.URL+"/v2/crm/accounts", login(t, ts.URL), nil); code != 404 && code != 405 {
		t.Fatalf("V1-style list: %d, want a routing miss", code)
	}
}

func TestPagingAndTotalRecords(t *testing.T) {
	var accts []Account
	for range 7 {
		accts = append(accts, Account{AccountName: "A" + strings.Repeat("x", len(accts)), AccountTypeID: 1})
	}
	_, ts := start(t, Fixture{Accounts: accts})
	tok := login(t, ts.URL)
	_, a := call(t, http.MethodGet, ts.URL+"/v2/crm/accounts/summary?PageSize=3&PageNumber=3", tok, nil)
	var rows []map[string]any
	_ = json.Unmarshal(a.Result, &rows)
	if len(rows) != 1 || a.TotalRecords == nil || *a.TotalRecords != 7 {
		t.Fatalf("page 3: %d rows, total %v", len(rows), a.TotalRecords)
	}
	_, a = call(t, http.MethodGet, ts.URL+"/v2/crm/accounts/lookup?PageSize=3&PageNumber=0", tok, nil)
	_ = json.Unmarshal(a.Result, &rows)
	if len(rows) != 3 || a.TotalRecords != nil || rows[0]["Name"] != "A" {
		t.Fatalf("lookup page 0 reads as page 1 without TotalRecords: %+v", a)
	}
	if code, a := call(t, http.MethodGet, ts.URL+"/v2/crm/accounts/summary?$top=5", tok, nil); code != 400 || !strings.Contains(a.Error.Message, "$top") {
		t.Fatalf("OData parameter: %d %+v", code, a)
	}
}

func TestRequiredFields(t *testing.T) {
	s, ts := start(t, Fixture{Accounts: []Account{{ID: 11, AccountName: "Acme", AccountTypeID: 1}}})
	tok := login(t, ts.URL)
	code, a := call(t, http.MethodPost, ts.URL+"/v2/crm/accounts", tok, map[string]any{"AccountName": "Globex"})
	if code != 400 || !strings.Contains(a.Error.Message, "AccountTypeId, BusinessTypeId, AccountManagerId, Locations") {
		t.Fatalf("account without required fields: %d %+v", code, a)
	}
	code, a = call(t, http.MethodPost, ts.URL+"/v2/servicedesk/hardwareasset", tok, map[string]any{"Name": "pc", "AccountId": 11})
	if code != 400 || !strings.Contains(a.Error.Message, "AccountLocationId, CategoryId") {
		t.Fatalf("asset without required fields: %d %+v", code, a)
	}
	main := s.Locations(11)[0].ID
	code, a = call(t, http.MethodPost, ts.URL+"/v2/servicedesk/hardwareasset", tok,
		map[string]any{"Name": "pc", "AccountId": 11, "AccountLocationId": main, "CategoryId": 1, "AgentId": "a-1"})
	if code != 400 || !strings.Contains(a.Error.Message, "AgentId") {
		t.Fatalf("AgentId is output-only: %d %+v", code, a)
	}
	code, a = call(t, http.MethodPost, ts.URL+"/v2/servicedesk/hardwareasset", tok,
		map[string]any{"Name": "pc", "AccountId": 11, "AccountLocationId": main + 100, "CategoryId": 1})
	if code != 400 || !strings.Contains(a.Error.Message, "not a location of account 11") {
		t.Fatalf("foreign location: %d %+v", code, a)
	}
}

func TestCamelCase(t *testing.T) {
	_, ts := start(t, Fixture{CamelCase: true})
	form := url.Values{"grantType": {"password"}, "userName": {"u"}, "password": {"p"}, "tenant": {"T"}}
	resp, err := http.PostForm(ts.URL+"/v2/security/authenticate", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	if m["result"]["accessToken"] == nil {
		t.Fatalf("camelCase login = %v", m)
	}
}
