package kaseyabms

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/accountsync/accountsync-operator/internal/provider"
	sim "github.com/accountsync/accountsync-operator/internal/simulator/kaseyabms"
)

// swaggerOps is testdata/swagger-operations.json: the operations this client calls, as the
// vendor's swagger declares them.
type swaggerOp struct {
	Method      string          `json:"method"`
	Path        string          `json:"path"`
	Query       []string        `json:"query"`
	ContentType string          `json:"contentType"`
	Body        json.RawMessage `json:"body"`
}

type swaggerSchema struct {
	Required   []string                   `json:"required"`
	Properties map[string]json.RawMessage `json:"properties"`
	Array      json.RawMessage            `json:"array"`
}

func loadSwagger(t *testing.T) []swaggerOp {
	t.Helper()
	data, err := os.ReadFile("testdata/swagger-operations.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Operations []swaggerOp `json:"operations"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Operations
}

// quotedParam is a {name} path parameter after regexp.QuoteMeta.
var quotedParam = regexp.MustCompile(`\\\{[^}]+\\\}`)

// matches reports whether a request is this operation; path parameters are integers.
func (op swaggerOp) matches(method, path string) bool {
	re := "^" + quotedParam.ReplaceAllString(regexp.QuoteMeta(op.Path), `[0-9]+`) + "$"
	return op.Method == method && regexp.MustCompile(re).MatchString(path)
}

// checkBody checks that every property of a JSON body is declared by the schema and every
// required one is present, recursively through objects and arrays.
func checkBody(t *testing.T, where string, schemaRaw json.RawMessage, value any) {
	t.Helper()
	var sc swaggerSchema
	if err := json.Unmarshal(schemaRaw, &sc); err != nil {
		return // a scalar type name
	}
	switch v := value.(type) {
	case []any:
		if sc.Array == nil {
			t.Errorf("%s: an array where the swagger has an object", where)
			return
		}
		for i, item := range v {
			checkBody(t, where+"["+string(rune('0'+i%10))+"]", sc.Array, item)
		}
	case map[string]any:
		if sc.Properties == nil {
			t.Errorf("%s: an object where the swagger has %s", where, schemaRaw)
			return
		}
		for k, sub := range v {
			ps, ok := sc.Properties[k]
			if !ok {
				t.Errorf("%s: property %q is not in the swagger's schema", where, k)
				continue
			}
			checkBody(t, where+"."+k, ps, sub)
		}
		for _, req := range sc.Required {
			if _, ok := v[req]; !ok {
				t.Errorf("%s: required property %q is missing", where, req)
			}
		}
	}
}

// TestGoldenRequestsFollowSwagger drives every call of the client and checks each request it
// sends against the swagger: a declared path and method, declared query parameters only, and
// bodies whose property names (and required ones) are the swagger's.
func TestGoldenRequestsFollowSwagger(t *testing.T) {
	ops := loadSwagger(t)
	rec := &recorder{next: http.DefaultTransport}
	s, c := newEnv(t, sim.Fixture{
		Accounts:  []sim.Account{{ID: 11, AccountName: "Acme", AccountTypeID: 1}},
		Assets:    []sim.Asset{{ID: 21, AccountID: 11, Name: "pc-1", AssetTag: "agent-1"}},
		Contacts:  []sim.Contact{{AccountID: 11, FirstName: "Ann", LastName: "Lee", Email: "ann@acme.example"}},
		Locations: []sim.Location{{ID: 31, AccountID: 11, LocationName: "HQ", IsMain: true}},
	}, func(cfg *provider.Config) { cfg.Transport = rec })
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := c.Probe(ctx)
	must(err)
	_, err = c.ListAccounts(ctx, provider.AccountFilter{TypeIDs: []string{"1"}})
	must(err)
	_, err = c.FindAccountsByName(ctx, "Acme")
	must(err)
	set, err := c.ResolveCreateSettings(ctx, provider.CreateSettings{AccountType: "1", AccountManager: "Dana Whitfield",
		BusinessType: "1", AssetCategory: "Workstation", ForAccounts: true, ForAssets: true})
	must(err)
	acct, err := c.CreateAccount(ctx, provider.AccountCreate{Name: "Globex", TypeID: "1", ManagerID: set.AccountManager, BusinessTypeID: set.BusinessType})
	must(err)
	_, err = c.ListLocations(ctx, acct.ID)
	must(err)
	_, err = c.CreateAsset(ctx, provider.PSAAsset{AccountID: acct.ID, ExternalKey: "agent-9", Name: "gx-1", Category: set.AssetCategory,
		OS: "Windows 11 Pro", IPAddress: "10.0.0.9", SerialNumber: "SN9"})
	must(err)
	listed, err := c.ListAssets(ctx, acct.ID)
	must(err)
	if len(listed) != 1 {
		t.Fatalf("listed %v", listed)
	}
	listed[0].Name = "gx-1b"
	_, err = c.UpdateAsset(ctx, listed[0])
	must(err)
	// Asset 21 was not written by this client: its detail is read once.
	_, err = c.ListAssets(ctx, "11")
	must(err)
	_, err = c.ListInventory(ctx, provider.InventoryRequest{Assets: true, Locations: true, Users: true})
	must(err)
	_, err = c.ListUsers(ctx, "11")
	must(err)
	_, err = c.CreateUser(ctx, acct.ID, provider.User{FirstName: "Bo", LastName: "Ng", Email: "bo@globex.example", Phone: "555"})
	must(err)
	s.ExpireTokens()
	_, err = c.ListAccountTypes(ctx) // 401, then the refresh grant
	must(err)

	seen := map[string]bool{}
	for _, r := range rec.reqs {
		var op *swaggerOp
		for i := range ops {
			if ops[i].matches(r.method, r.path) {
				op = &ops[i]
			}
		}
		if op == nil {
			t.Errorf("%s %s is not a swagger operation", r.method, r.path)
			continue
		}
		seen[op.Method+" "+op.Path] = true
		declared := map[string]bool{}
		for _, q := range op.Query {
			declared[q] = true
		}
		for k := range r.query {
			if !declared[k] {
				t.Errorf("%s %s: query parameter %q is not declared by the swagger", r.method, op.Path, k)
			}
		}
		if op.Body == nil {
			if r.body != "" {
				t.Errorf("%s %s sends a body the swagger does not declare", r.method, op.Path)
			}
			continue
		}
		var body any
		if strings.HasPrefix(op.ContentType, "multipart/") {
			form, err := url.ParseQuery(r.body)
			if err != nil {
				t.Errorf("%s %s: form body: %v", r.method, op.Path, err)
				continue
			}
			m := map[string]any{}
			for k, v := range form {
				m[k] = v[0]
			}
			body = m
		} else if err := json.Unmarshal([]byte(r.body), &body); err != nil {
			t.Errorf("%s %s: body is not JSON: %v", r.method, op.Path, err)
			continue
		}
		checkBody(t, r.method+" "+op.Path, op.Body, body)
	}
	for _, op := range ops {
		if !seen[op.Method+" "+op.Path] {
			t.Errorf("the test did not exercise %s %s", op.Method, op.Path)
		}
	}
}
