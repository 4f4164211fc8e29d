package gravityzone

import (
	"context"
	"encoding/base64"
	"net/http"
	"testing"

	"github.com/accountsync/accountsync-operator/internal/provider"
)

// TestGoldenRequests pins the exact wire shape of every call against vendor-apis.md: POST to
// {accessURL}/v1.0/jsonrpc/{service}, Basic base64(apiKey + ":"), Content-Type
// application/json, and a JSON-RPC 2.0 envelope with the documented params.
func TestGoldenRequests(t *testing.T) {
	e := newEnv(t, mspFixture(), testKey, nil, nil)
	ctx := context.Background()
	if _, err := e.client.Probe(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.ListOrganizations(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.FindOrganizationsByName(ctx, "Acme Corp"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.CreateOrganization(ctx, "Initech"); err != nil {
		t.Fatal(err)
	}

	want := []recorded{
		{Path: "/api/v1.0/jsonrpc/general", Body: `{"id":"1","jsonrpc":"2.0","method":"getApiKeyDetails","params":{}}`},
		{Path: "/api/v1.0/jsonrpc/companies", Body: `{"id":"2","jsonrpc":"2.0","method":"getCompaniesList","params":{}}`},
		{Path: "/api/v1.0/jsonrpc/companies", Body: `{"id":"3","jsonrpc":"2.0","method":"findCompaniesByName","params":{"nameFilter":"Acme Corp","maxResults":100}}`},
		{Path: "/api/v1.0/jsonrpc/companies", Body: `{"id":"4","jsonrpc":"2.0","method":"createCompany","params":{"type":1,"name":"Initech"}}`},
	}
	got := e.rec.requests()
	if len(got) != len(want) {
		t.Fatalf("want %d requests, got %d", len(want), len(got))
	}
	authz := "Basic " + base64.StdEncoding.EncodeToString([]byte(testKey+":"))
	for i, w := range want {
		g := got[i]
		if g.Method != http.MethodPost || g.Path != w.Path || g.Body != w.Body {
			t.Errorf("request %d:\n got %s %s %s\nwant POST %s %s", i, g.Method, g.Path, g.Body, w.Path, w.Body)
		}
		if g.Header.Get("Authorization") != authz {
			t.Errorf("request %d: Authorization %q", i, g.Header.Get("Authorization"))
		}
		if g.Header.Get("Content-Type") != "application/json" || g.Header.Get("Accept") != "application/json" {
			t.Errorf("request %d: Content-Type %q, Accept %q", i, g.Header.Get("Content-Type"), g.Header.Get("Accept"))
		}
	}
}

// TestAccessURLWithTrailingSlash: the URL users copy may end in "/"; paths must not double it.
func TestAccessURLWithTrailingSlash(t *testing.T) {
	e := newEnv(t, mspFixture(), testKey, nil, nil)
	cfg := testConfig(t, e.srv.URL+"/api/")
	c, err := New(cfg, provider.Credentials{"apiKey": []byte(testKey)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Probe(context.Background()); err != nil {
		t.Fatal(err)
	}
	if p := e.rec.requests()[0].Path; p != "/api/v1.0/jsonrpc/general" {
		t.Fatalf("path %q", p)
	}
}
