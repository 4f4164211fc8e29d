package gravityzone

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzParseAndServe feeds arbitrary bodies to the companies route: the simulator must never
// panic and must always answer a JSON-RPC envelope with either a result or an error.
func FuzzParseAndServe(f *testing.F) {
	for _, seed := range []string{
		`{"id":"1","jsonrpc":"2.0","method":"getCompaniesList","params":{}}`,
		`{"id":2,"jsonrpc":"2.0","method":"findCompaniesByName","params":{"nameFilter":"*a","maxResults":100}}`,
		`{"id":3,"jsonrpc":"2.0","method":"createCompany","params":{"type":1,"name":"Fuzz Co"}}`,
		`{"id":4,"jsonrpc":"2.0","method":"createCompany","params":{"type":1.5,"name":null}}`,
		`[{"id":1}]`, `{"id":null}`, `null`, `{`, ``, `{"id":1,"jsonrpc":"2.0","method":"x","params":"y"}`,
	} {
		f.Add(seed)
	}
	sim := New(Fixture{APIKeys: []string{testKey}, Companies: []FixtureCompany{{Name: "Alpha"}}})
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest(http.MethodPost, "/api/v1.0/jsonrpc/companies", strings.NewReader(body))
		req.Header.Set("Authorization", basic(testKey))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		sim.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("HTTP %d for %q", rec.Code, body)
		}
		var env map[string]json.RawMessage
		if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil {
			t.Fatalf("answer is not JSON: %v", err)
		}
		_, hasResult := env["result"]
		_, hasError := env["error"]
		if hasResult == hasError || string(env["jsonrpc"]) != `"2.0"` {
			t.Fatalf("malformed envelope %s", rec.Body.String())
		}
		if _, ok := env["id"]; !ok {
			t.Fatalf("answer without id: %s", rec.Body.String())
		}
	})
}
