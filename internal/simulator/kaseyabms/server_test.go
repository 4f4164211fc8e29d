package kaseyabms

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/accountsync/accountsync-operator/internal/simulator/simkit"
)

var testCred = Credential{Username: "api-user", Password: "S3cret-pass!", Tenant: "Acme MSP"}

type reply struct {
	status int
	body   map[string]any
	raw    string
}

func send(t *testing.T, s *Server, method, target, token, contentType, body string) reply {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	r := reply{status: rec.Code, raw: rec.Body.String()}
	if err := json.Unmarshal(rec.Body.Bytes(), &r.body); err != nil {
		t.Fatalf("%s %s: body is not a JSON object: %q", method, target, r.raw)
	}
	return r
}

func login(t *testing.T, s *Server) string {
	t.Helper()
	form := url.Values{"grant_type": {"password"}, "username": {testCred.Username},
		"password": {testCred.Password}, "tenant": {testCred.Tenant}}
	r := send(t, s, "POST", "/api/token", "", "application/x-www-form-urlencoded", form.Encode())
	if r.status != 200 {
		t.Fatalf("login: %d %s", r.status, r.raw)
	}
	return r.body["access_token"].(string)
}

func postJSON(t *testing.T, s *Server, token, target string, v any) reply {
	t.Helper()
	b, _ := json.Marshal(v)
	return send(t, s, "POST", target, token, "application/json", string(b))
}

func TestTokenEndpoint(t *testing.T) {
	s := New(Fixture{Credentials: []Credential{testCred}, TokenTTLSeconds: 120})
	form := url.Values{"grant_type": {"password"}, "username": {testCred.Username},
		"password": {testCred.Password}, "tenant": {testCred.Tenant}}
	r := send(t, s, "POST", "/api/token", "", "application/x-www-form-urlencoded", form.Encode())
	if r.status != 200 || r.body["token_type"] != "bearer" || r.body["expires_in"] != float64(120) || r.body["access_token"] == "" {
		t.Fatalf("token: %d %s", r.status, r.raw)
	}
	for name, mutate := range map[string]func(url.Values){
		"wrong password": func(v url.Values) { v.Set("password", "nope") },
		"wrong tenant":   func(v url.Values) { v.Set("tenant", "acme msp") },
		"wrong user":     func(v url.Values) { v.Set("username", "API-USER") },
		"no tenant":      func(v url.Values) { v.Del("tenant") },
	} {
		v := url.Values{}
		for k, x := range form {
			v[k] = x
		}
		mutate(v)
		r := send(t, s, "POST", "/api/token", "", "application/x-www-form-urlencoded", v.Encode())
		if r.status != 400 || r.body["error"] != "invalid_grant" || r.body["error_description"] == nil {
			t.Errorf("%s: %d %s", name, r.status, r.raw)
		}
	}
	v := url.Values{"grant_type": {"client_credentials"}}
	if r := send(t, s, "POST", "/api/token", "", "application/x-www-form-urlencoded", v.Encode()); r.body["error"] != "unsupported_grant_type" {
		t.Errorf("grant type: %s", r.raw)
	}
	if r := send(t, s, "POST", "/api/token", "", "application/json", `{"grant_type":"password"}`); r.body["error"] != "invalid_request" {
		t.Errorf("json body: %s", r.raw)
	}
	if s.TokensIssued() != 1 || s.Calls("POST /token") != 7 {
		t.Errorf("issued %d, calls %d", s.TokensIssued(), s.Calls("POST /token"))
	}
}

func TestBearerRequired(t *testing.T) {
	s := New(Fixture{Credentials: []Credential{testCred}})
	for _, tok := range []string{"", "bogus"} {
		r := send(t, s, "GET", "/api/crm/accounts", tok, "", "")
		if r.status != 401 || !strings.Contains(r.raw, "Authorization has been denied") {
			t.Errorf("token %q: %d %s", tok, r.status, r.raw)
		}
	}
	tok := login(t, s)
	if r := send(t, s, "GET", "/api/crm/accounts", tok, "", ""); r.status != 200 {
		t.Fatalf("valid token: %d", r.status)
	}
	s.ExpireTokens()
	if r := send(t, s, "GET", "/api/crm/accounts", tok, "", ""); r.status != 401 {
		t.Fatalf("revoked token: %d", r.status)
	}
	short := New(Fixture{Credentials: []Credential{testCred}, TokenTTLSeconds: 1})
	tok = login(t, short)
	short.mu.Lock()
	short.tokens[tok] = time.Now().Add(-time.Second)
	short.mu.Unlock()
	if r := send(t, short, "GET", "/api/crm/accounts", tok, "", ""); r.status != 401 {
		t.Fatalf("expired token: %d", r.status)
	}
	if s.Calls("GET /crm/accounts") != 4 {
		t.Errorf("calls: %v", s.AllCalls())
	}
	if r := send(t, s, "GET", "/api/nowhere", "", "", ""); r.status != 404 || !strings.Contains(r.raw, "No HTTP resource") {
		t.Errorf("unrouted: %d %s", r.status, r.raw)
	}
}

func TestEnvelopeAndPaging(t *testing.T) {
	var f Fixture
	f.Credentials = []Credential{testCred}
	for i := 0; i < 230; i++ {
		f.Accounts = append(f.Accounts, Account{AccountName: "Account " + string(rune('A'+i%26)) + strings.Repeat("x", i/26)})
	}
	s := New(f)
	tok := login(t, s)
	r := send(t, s, "GET", "/api/crm/accounts?$top=500&$skip=200", tok, "", "")
	if r.status != 200 || r.body["TotalRecords"] != float64(230) || r.body["ResponseCode"] != float64(0) ||
		r.body["Status"] != "OK" || r.body["Error"] != "None" {
		t.Fatalf("envelope: %s", r.raw[:200])
	}
	if got := len(r.body["Result"].([]any)); got != 30 {
		t.Fatalf("last page has %d records", got)
	}
	first := r.body["Result"].([]any)[0].(map[string]any)
	if first["Id"] != float64(1201) || first["IsActive"] != true || first["Status"] != "Active" || first["AccountTypeId"] != nil {
		t.Fatalf("record: %v", first)
	}
	r = send(t, s, "GET", "/api/crm/accounts?$filter="+url.QueryEscape("AccountName eq 'nope"), tok, "", "")
	if r.status != 400 || r.body["ResponseCode"] != float64(400) || r.body["Status"] != "BadRequest" ||
		!strings.Contains(r.body["Error"].(string), "unterminated") {
		t.Fatalf("bad filter: %d %s", r.status, r.raw)
	}
	// Every account has its main location.
	if locs := s.Locations(1001); len(locs) != 1 || !locs[0].IsMain || locs[0].LocationName != "Main" {
		t.Fatalf("main location: %+v", locs)
	}
	r = send(t, s, "GET", "/api/crm/accounts/1001/locations?$top=1&$filter="+url.QueryEscape("IsMain eq true"), tok, "", "")
	if r.status != 200 || len(r.body["Result"].([]any)) != 1 {
		t.Fatalf("main location query: %s", r.raw)
	}
	if r := send(t, s, "GET", "/api/crm/accounts/1001", tok, "", ""); r.status != 200 || r.body["TotalRecords"] != nil {
		t.Fatalf("single: %s", r.raw)
	}
	if r := send(t, s, "GET", "/api/crm/accounts/999", tok, "", ""); r.status != 404 || r.body["Error"] != "Account not found." {
		t.Fatalf("missing: %s", r.raw)
	}
	if r := send(t, s, "GET", "/api/crm/accounts/abc/locations", tok, "", ""); r.status != 404 {
		t.Fatalf("non-numeric id: %s", r.raw)
	}
}

func TestUniquenessAndValidation(t *testing.T) {
	for _, http200 := range []bool{false, true} {
		s := New(Fixture{Credentials: []Credential{testCred}, LogicalErrorsWithHTTP200: http200})
		tok := login(t, s)
		wantStatus := 400
		if http200 {
			wantStatus = 200
		}
		r := postJSON(t, s, tok, "/api/crm/accounts", map[string]any{"AccountName": " Acme Corp ", "AccountCode": "ACME", "AccountTypeId": 1})
		if r.status != 200 || r.body["ResponseCode"] != float64(0) {
			t.Fatalf("create: %s", r.raw)
		}
		acct := r.body["Result"].(map[string]any)
		if acct["AccountName"] != "Acme Corp" || acct["AccountType"] != "Customer" || acct["StatusId"] != float64(1) {
			t.Fatalf("created: %v", acct)
		}
		r = postJSON(t, s, tok, "/api/crm/accounts", map[string]any{"AccountName": "ACME CORP"})
		if r.status != wantStatus || r.body["ResponseCode"] != float64(400) || !strings.Contains(r.body["Error"].(string), "already exists") {
			t.Fatalf("duplicate (http200=%v): %d %s", http200, r.status, r.raw)
		}
		for _, body := range []map[string]any{{"AccountName": ""}, {"AccountName": "X", "StatusId": 99}, {"AccountName": "X", "AccountTypeId": 99}} {
			if r := postJSON(t, s, tok, "/api/crm/accounts", body); r.body["ResponseCode"] != float64(400) {
				t.Errorf("%v accepted: %s", body, r.raw)
			}
		}
		if r := send(t, s, "POST", "/api/crm/accounts", tok, "text/plain", `{"AccountName":"Y"}`); r.status != 415 {
			t.Errorf("text/plain: %d", r.status)
		}
		if r := send(t, s, "POST", "/api/crm/accounts", tok, "application/json", `{"AccountName":`); r.body["ResponseCode"] != float64(400) {
			t.Errorf("broken JSON: %s", r.raw)
		}
		id := int64(acct["Id"].(float64))
		if r := postJSON(t, s, tok, "/api/crm/locations", map[string]any{"AccountId": id, "LocationName": "HQ", "Addresses": []any{}}); r.status != 200 ||
			r.body["Result"].(map[string]any)["IsMain"] != false {
			t.Fatalf("location: %s", r.raw)
		}
		if r := postJSON(t, s, tok, "/api/crm/locations", map[string]any{"AccountId": id, "LocationName": "hq"}); !strings.Contains(r.raw, "already exists") {
			t.Fatalf("duplicate location: %s", r.raw)
		}
		dpath := "/api/crm/accounts/" + itoa(id) + "/departments"
		if r := postJSON(t, s, tok, dpath, map[string]any{"DepartmentName": "Engineering"}); r.status != 200 {
			t.Fatalf("department: %s", r.raw)
		}
		if r := postJSON(t, s, tok, dpath, map[string]any{"DepartmentName": "ENGINEERING"}); !strings.Contains(r.raw, "already exists") {
			t.Fatalf("duplicate department: %s", r.raw)
		}
		asset := map[string]any{"AccountId": id, "AssetName": "pc-1", "RmmAssetId": "agent-1"}
		if r := postJSON(t, s, tok, "/api/servicedesk/assets", asset); r.status != 200 {
			t.Fatalf("asset: %s", r.raw)
		}
		if r := postJSON(t, s, tok, "/api/servicedesk/assets", asset); !strings.Contains(r.raw, "already exists") {
			t.Fatalf("duplicate asset key: %s", r.raw)
		}
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestFaultsAndSlowCreate(t *testing.T) {
	s := New(Fixture{Credentials: []Credential{testCred}})
	tok := login(t, s)
	s.SetFaults(simkit.Faults{ThrottleEvery: 2, RetryAfterSeconds: 3})
	send(t, s, "GET", "/api/crm/accounts", tok, "", "")
	req := httptest.NewRequest("GET", "/api/crm/accounts", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != 429 || rec.Header().Get("Retry-After") != "3" {
		t.Fatalf("throttle: %d %v", rec.Code, rec.Header())
	}
	s.SetFaults(simkit.Faults{SlowCreates: 1, SlowCreateDelay: 20 * time.Millisecond})
	start := time.Now()
	postJSON(t, s, tok, "/api/crm/accounts", map[string]any{"AccountName": "Slow"})
	if time.Since(start) < 20*time.Millisecond || len(s.Accounts()) != 1 {
		t.Fatalf("slow create did not wait or did not commit")
	}
}

// TestSchemasMatchWire keeps each schema, each props method and the JSON encoding in step.
func TestSchemasMatchWire(t *testing.T) {
	id := int64(1)
	name := "n"
	cases := []struct {
		sch   schema
		v     any
		props record
	}{
		{accountSchema, wireAccount{AccountTypeID: &id, AccountType: &name}, wireAccount{}.props()},
		{statusSchema, wireStatus{}, wireStatus{}.props()},
		{typeSchema, wireType{}, wireType{}.props()},
		{locationSchema, wireLocation{Addresses: []wireAddress{}}, wireLocation{}.props()},
		{departmentSchema, wireDepartment{}, wireDepartment{}.props()},
		{assetSchema, wireAsset{DepartmentID: &id}, wireAsset{}.props()},
		{contactSchema, wireContact{}, wireContact{}.props()},
	}
	for _, tc := range cases {
		b, _ := json.Marshal(tc.v)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		var jsonKeys, schemaKeys, propKeys []string
		for k, v := range m {
			if _, isList := v.([]any); !isList {
				jsonKeys = append(jsonKeys, k)
			}
		}
		for k := range tc.sch {
			schemaKeys = append(schemaKeys, k)
		}
		for k := range tc.props {
			propKeys = append(propKeys, k)
		}
		sort.Strings(jsonKeys)
		sort.Strings(schemaKeys)
		sort.Strings(propKeys)
		if !reflect.DeepEqual(jsonKeys, schemaKeys) || !reflect.DeepEqual(propKeys, schemaKeys) {
			t.Errorf("%T: json %v, schema %v, props %v", tc.v, jsonKeys, schemaKeys, propKeys)
		}
	}
}

// FuzzListQuery sends arbitrary OData options to a list endpoint: the answer is always a 200
// page or a 400 envelope, never a crash or a 5xx.
func FuzzListQuery(f *testing.F) {
	f.Add("tolower(AccountName) eq 'acme'", "100", "0", "")
	f.Add("IsActive eq true", "5", "3", "AccountName desc")
	f.Add("(", "-1", "x", "Nope")
	f.Add("", "", "", "Id,AccountName asc")
	s := New(Fixture{Credentials: []Credential{testCred}, Accounts: []Account{{AccountName: "Acme"}, {AccountName: "Beta", StatusID: 2}}})
	form := url.Values{"grant_type": {"password"}, "username": {testCred.Username}, "password": {testCred.Password}, "tenant": {testCred.Tenant}}
	req := httptest.NewRequest("POST", "/api/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	var tr struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &tr)
	f.Fuzz(func(t *testing.T, filter, top, skip, orderby string) {
		q := url.Values{}
		for k, v := range map[string]string{"$filter": filter, "$top": top, "$skip": skip, "$orderby": orderby} {
			if v != "" {
				q.Set(k, v)
			}
		}
		req := httptest.NewRequest("GET", "/api/crm/accounts?"+q.Encode(), nil)
		req.Header.Set("Authorization", "Bearer "+tr.AccessToken)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		var env struct {
			Result       []map[string]any
			ResponseCode int
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil {
			t.Fatalf("undecodable answer %d: %q", rec.Code, rec.Body.String())
		}
		switch rec.Code {
		case 200:
			if env.ResponseCode != 0 || len(env.Result) > MaxPageSize {
				t.Fatalf("bad page: %s", rec.Body.String())
			}
		case 400:
			if env.ResponseCode != 400 {
				t.Fatalf("bad refusal: %s", rec.Body.String())
			}
		default:
			t.Fatalf("status %d for %q", rec.Code, q.Encode())
		}
	})
}

// FuzzCreateBody posts arbitrary bodies to every create endpoint: the answer is a 200 record,
// a 400 envelope or a 415, never a crash or a 5xx, and a 200 always stores exactly one record.
func FuzzCreateBody(f *testing.F) {
	f.Add(`{"AccountName":"Acme"}`)
	f.Add(`{"AccountId":1001,"LocationName":"HQ","Addresses":[{"Address1":"x"}]}`)
	f.Add(`{"AccountId":1001,"AssetName":"pc","LocationId":null,"DepartmentId":3001,"RmmAssetId":"a"}`)
	f.Add(`{"AccountId":1001,"LocationId":2001,"FirstName":"A","LastName":"B","DefaultEmailTypeId":1,"DefaultEmailAddress":"a@b"}`)
	f.Add(`{"DepartmentName":"Eng"}`)
	f.Add(`[1,2]`)
	f.Add(`{"AccountName":{"x":1}}`)
	f.Fuzz(func(t *testing.T, body string) {
		s := New(Fixture{Credentials: []Credential{testCred}, Accounts: []Account{{AccountName: "Seed"}},
			Departments: []Department{{AccountID: 1001, DepartmentName: "Ops"}}})
		tok := login(t, s)
		for _, path := range []string{"/api/crm/accounts", "/api/crm/locations", "/api/servicedesk/assets",
			"/api/crm/contacts", "/api/crm/accounts/1001/departments", "/api/servicedesk/assets/4001"} {
			method := "POST"
			if strings.HasPrefix(path, "/api/servicedesk/assets/") {
				method = "PUT"
			}
			req := httptest.NewRequest(method, path, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+tok)
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			if rec.Code != 200 && rec.Code != 400 && rec.Code != 404 {
				t.Fatalf("%s: status %d: %s", path, rec.Code, rec.Body.String())
			}
			if !json.Valid(rec.Body.Bytes()) {
				t.Fatalf("%s: invalid JSON answer", path)
			}
		}
		if n := len(s.Accounts()); n > 2 {
			t.Fatalf("%d accounts after one create", n)
		}
	})
}

var _ http.Handler = (*Server)(nil)
