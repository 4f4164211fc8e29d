package cyberqp

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/accountsync/accountsync-operator/internal/simulator/simkit"
)

func get(t *testing.T, srv *httptest.Server, path, key string) (int, map[string]json.RawMessage) {
	t.Helper()
	req, _ := http.NewRequest("GET", srv.URL+path, nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("%s: body is not a JSON object: %v", path, err)
	}
	return resp.StatusCode, body
}

func newServer(t *testing.T) (*Server, *httptest.Server) {
	t.Helper()
	f := Fixture{APIKey: "cqp-key-123"}
	for i := range 120 {
		f.Customers = append(f.Customers, Customer{Name: fmt.Sprintf("Customer %03d", i)})
	}
	sim := New(f)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return sim, srv
}

func TestAuthAndErrors(t *testing.T) {
	sim, srv := newServer(t)
	for _, key := range []string{"", "wrong"} {
		code, body := get(t, srv, "/api/customer", key)
		if code != 401 || string(body["statusCode"]) != "401" || len(body["message"]) == 0 {
			t.Errorf("key %q: %d %v", key, code, body)
		}
	}
	if code, _ := get(t, srv, "/api/customer/nope/users", "cqp-key-123"); code != 404 {
		t.Errorf("unknown customer: %d", code)
	}
	if code, _ := get(t, srv, "/api/other", "cqp-key-123"); code != 404 {
		t.Errorf("unknown path: %d", code)
	}
	for _, q := range []string{"page=0", "page=x", "rowsPerPage=0", "rowsPerPage=-5"} {
		if code, _ := get(t, srv, "/api/customer?"+q, "cqp-key-123"); code != 400 {
			t.Errorf("%s: %d", q, code)
		}
	}
	if n := sim.Calls("GET /customer"); n != 6 {
		t.Errorf("counted %d", n)
	}
}

func TestPagingCapAndSearch(t *testing.T) {
	sim, srv := newServer(t)
	code, body := get(t, srv, "/api/customer?page=1&rowsPerPage=500", "cqp-key-123")
	var clients []Customer
	_ = json.Unmarshal(body["clients"], &clients)
	if code != 200 || len(clients) != MaxRowsPerPage || string(body["maxCount"]) != "120" {
		t.Fatalf("cap: %d, %d rows, maxCount %s", code, len(clients), body["maxCount"])
	}
	_, body = get(t, srv, "/api/customer?page=3&rowsPerPage=50", "cqp-key-123")
	_ = json.Unmarshal(body["clients"], &clients)
	if len(clients) != 20 || clients[0].Name != "Customer 100" {
		t.Fatalf("page 3: %d rows, first %+v", len(clients), clients)
	}
	_, body = get(t, srv, "/api/customer", "cqp-key-123")
	_ = json.Unmarshal(body["clients"], &clients)
	if len(clients) != DefaultRowsPerPage {
		t.Fatalf("default page size %d", len(clients))
	}
	_, body = get(t, srv, "/api/customer?searchText=CUSTOMER%2011", "cqp-key-123")
	if string(body["maxCount"]) != "10" { // Customer 110..119
		t.Fatalf("search maxCount %s", body["maxCount"])
	}
	c := sim.Customers()[0]
	sim.AddUser(User{CustomerID: c.ID, Email: "a@x.com", DisplayName: "Ann"})
	sim.AddUser(User{CustomerID: c.ID, UserPrincipalName: "bob@x.com"})
	sim.AddUser(User{CustomerID: sim.Customers()[1].ID, Email: "c@x.com"})
	_, body = get(t, srv, "/api/customer/"+c.ID+"/users?searchText=BOB", "cqp-key-123")
	var users []map[string]string
	_ = json.Unmarshal(body["users"], &users)
	if len(users) != 1 || users[0]["userPrincipalName"] != "bob@x.com" || users[0]["qpID"] == "" || users[0]["userType"] != "AD" {
		t.Fatalf("users %+v", users)
	}
}

func TestFaultsApplyAfterAuth(t *testing.T) {
	sim, srv := newServer(t)
	sim.SetFaults(simkit.Faults{ServerErrorEvery: 1})
	if code, _ := get(t, srv, "/api/customer", "wrong"); code != 401 {
		t.Fatalf("bad key: %d", code)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/api/customer", nil)
	req.Header.Set("Authorization", "Bearer cqp-key-123")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 {
		t.Fatalf("fault: %d", resp.StatusCode)
	}
}

func FuzzPaging(f *testing.F) {
	for _, q := range []string{"page=1&rowsPerPage=50", "page=0", "rowsPerPage=9999999999999999999", "page=-1&rowsPerPage=x", ""} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		page, rows, err := paging(q)
		if err != nil {
			return
		}
		if page < 1 || rows < 1 || rows > MaxRowsPerPage {
			t.Fatalf("paging(%q) = %d, %d", raw, page, rows)
		}
		all := make([]int, 120)
		if got := window(all, page, rows); len(got) > rows {
			t.Fatalf("window of %d rows", len(got))
		}
	})
}

func TestScriptFiltersAccepted(t *testing.T) {
	sim := New(Fixture{APIKey: "cqp-key-123", Customers: []Customer{{ID: "c1", Name: "Acme"}},
		Users: []User{{ID: "u1", CustomerID: "c1", Email: "a@acme.test", UserType: "OFFICE"}}})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	// The parameters the community scripts send are accepted (and ignored).
	code, body := get(t, srv, "/api/customer?page=1&rowsPerPage=50&searchText=&adStatus=ALL&localStatus=ALL&o365Status=ALL&filterUpdated=false", "cqp-key-123")
	if code != 200 || !strings.HasPrefix(string(body["clients"]), `[{"id":"c1","name":"Acme","integrations":`) {
		t.Fatalf("customers = %d %s", code, body)
	}
	code, body = get(t, srv, "/api/customer/c1/users?status=allActive&accountStatus=all&userAppType=all&type=standard&qpStatus=all&page=1&rowsPerPage=50&searchText=", "cqp-key-123")
	if users := string(body["users"]); code != 200 || !strings.Contains(users, `"qpID":"u1"`) || !strings.Contains(users, `"office365":{"active":true}`) {
		t.Fatalf("users = %d %s", code, body)
	}
	// The guessed versioned path is gone.
	if code, _ := get(t, srv, "/api/v1/customers", "cqp-key-123"); code != 404 {
		t.Errorf("/api/v1/customers = %d", code)
	}
}
