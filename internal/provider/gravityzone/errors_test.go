package gravityzone

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/accountsync/accountsync-operator/internal/provider"
	gzsim "github.com/accountsync/accountsync-operator/internal/simulator/gravityzone"
)

// canned answers chosen JSON-RPC methods itself and passes every other call to the simulator;
// it stands in for console behaviour the simulator does not produce (other error wordings,
// internal errors, odd results).
type canned struct {
	sim     *gzsim.Server
	answers map[string]cannedAnswer
}

type cannedAnswer struct {
	status int
	body   string
}

func (c *canned) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var req struct {
		Method string `json:"method"`
	}
	_ = json.Unmarshal(body, &req)
	if a, ok := c.answers[req.Method]; ok {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(a.status)
		_, _ = io.WriteString(w, a.body)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	c.sim.ServeHTTP(w, r)
}

func rpcErrorBody(code int, message, details string) string {
	return `{"id":"x","jsonrpc":"2.0","error":{"code":` + jsonNumber(code) + `,"message":` + jsonString(message) +
		`,"data":{"details":` + jsonString(details) + `}}}`
}

func jsonString(s string) string { b, _ := json.Marshal(s); return string(b) }
func jsonNumber(n int) string    { b, _ := json.Marshal(n); return string(b) }

func cannedEnv(t *testing.T, answers map[string]cannedAnswer) *env {
	t.Helper()
	sim := gzsim.New(func() gzsim.Fixture { f := mspFixture(); f.APIKeys = []string{testKey}; return f }())
	e := newEnv(t, gzsim.Fixture{}, testKey, &canned{sim: sim, answers: answers}, nil)
	e.sim = sim
	return e
}

func TestDuplicateWordingWithoutVisibleHolder(t *testing.T) {
	// The holder is outside the key's tree: the look-up finds nothing, the words still tell.
	e := cannedEnv(t, map[string]cannedAnswer{
		"createCompany": {200, rpcErrorBody(-32602, "Invalid params", "The company name Hidden Co is already in use.")},
	})
	_, err := e.client.CreateOrganization(context.Background(), "Hidden Co")
	wantKind(t, err, provider.KindNameConflict)
	if !strings.Contains(err.Error(), "already in use") {
		t.Fatalf("the server's words must be kept: %v", err)
	}
	if e.sim.Calls(keyFind) != 1 {
		t.Fatalf("the holder is looked up first: %v", e.sim.AllCalls())
	}
}

func TestInvalidParamsThatIsNotADuplicate(t *testing.T) {
	e := cannedEnv(t, map[string]cannedAnswer{
		"createCompany": {200, rpcErrorBody(-32602, "Invalid params", "The industry value is not valid.")},
	})
	_, err := e.client.CreateOrganization(context.Background(), "Fresh Co")
	wantKind(t, err, provider.KindInvalid)
	if !strings.Contains(err.Error(), "industry value") || !strings.Contains(err.Error(), "-32602") {
		t.Fatalf("code and details must be reported: %v", err)
	}
}

func TestJSONRPCErrorKinds(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer cannedAnswer
		list   provider.Kind
		create provider.Kind
	}{
		{"internal error", cannedAnswer{200, rpcErrorBody(-32603, "Internal error", "db down")}, provider.KindTransient, provider.KindUnknownOutcome},
		{"internal error with HTTP 500", cannedAnswer{500, rpcErrorBody(-32603, "Internal error", "db down")}, provider.KindTransient, provider.KindUnknownOutcome},
		{"server-defined code", cannedAnswer{200, rpcErrorBody(-32000, "Server error", "busy")}, provider.KindTransient, provider.KindUnknownOutcome},
		{"method not found", cannedAnswer{200, rpcErrorBody(-32601, "Method not found", "")}, provider.KindInvalid, provider.KindInvalid},
		{"invalid request with HTTP 400", cannedAnswer{400, rpcErrorBody(-32600, "Invalid Request", "")}, provider.KindInvalid, provider.KindInvalid},
		{"plain 500", cannedAnswer{500, "<html>oops</html>"}, provider.KindTransient, provider.KindUnknownOutcome},
		{"404", cannedAnswer{404, "not here"}, provider.KindNotFound, provider.KindNotFound},
		{"200 not JSON", cannedAnswer{200, "<html>login</html>"}, provider.KindInvalid, provider.KindUnknownOutcome},
		{"200 without result", cannedAnswer{200, `{"id":"1","jsonrpc":"2.0"}`}, provider.KindInvalid, provider.KindUnknownOutcome},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := cannedEnv(t, map[string]cannedAnswer{"getCompaniesList": tc.answer, "createCompany": tc.answer})
			_, err := e.client.ListOrganizations(context.Background())
			wantKind(t, err, tc.list)
			_, err = e.client.CreateOrganization(context.Background(), "Brand New Co")
			wantKind(t, err, tc.create)
		})
	}
}

func TestCreateResultShapes(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		wantID     string
		kind       provider.Kind
	}{
		{"object with id", `{"id":"1","jsonrpc":"2.0","result":{"id":"64b000000000000000000001"}}`, "64b000000000000000000001", ""},
		// null result: the client looks the name up; the simulator holds no "Brand New Co".
		{"null result, no holder", `{"id":"1","jsonrpc":"2.0","result":null}`, "", provider.KindUnknownOutcome},
		{"number", `{"id":"1","jsonrpc":"2.0","result":42}`, "", provider.KindUnknownOutcome},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := cannedEnv(t, map[string]cannedAnswer{"createCompany": {200, tc.body}})
			org, err := e.client.CreateOrganization(context.Background(), "Brand New Co")
			if tc.kind != "" {
				wantKind(t, err, tc.kind)
				return
			}
			if err != nil || org.ID != tc.wantID || org.Name != "Brand New Co" {
				t.Fatalf("got %+v %v", org, err)
			}
		})
	}
}

func TestCreateNullResultResolvedByLookup(t *testing.T) {
	// The create "happened" (the company exists) but the answer carried no id.
	e := cannedEnv(t, map[string]cannedAnswer{"createCompany": {200, `{"id":"1","jsonrpc":"2.0","result":null}`}})
	holder, err := e.sim.AddCompany(gzsim.FixtureCompany{Name: "Quiet Co"})
	if err != nil {
		t.Fatal(err)
	}
	org, err := e.client.CreateOrganization(context.Background(), "Quiet Co")
	if err != nil || org.ID != holder.ID {
		t.Fatalf("want %s, got %+v %v", holder.ID, org, err)
	}
}

// TestNoSecretInErrors makes the server echo the key and the Authorization header in every kind
// of error body; no returned error may contain either.
func TestNoSecretInErrors(t *testing.T) {
	authz := base64.StdEncoding.EncodeToString([]byte(testKey + ":"))
	echo := "key=" + testKey + " header=Basic " + authz
	for _, a := range []cannedAnswer{
		{200, rpcErrorBody(-32602, "Invalid params", echo)},
		{200, rpcErrorBody(-32603, echo, echo)},
		{401, echo},
		{403, echo},
		{404, echo},
		{500, echo},
		{503, echo},
		{200, "not json " + echo},
		{200, `{"id":"1","jsonrpc":"2.0","result":[{"name":"` + testKey + `"}]}`},
		{200, `{"id":"1","jsonrpc":"2.0","result":{"enabledApis":"` + testKey + `"}}`},
	} {
		e := cannedEnv(t, map[string]cannedAnswer{
			"getApiKeyDetails": a, "getCompaniesList": a, "findCompaniesByName": a, "createCompany": a,
		})
		ctx := context.Background()
		_, err1 := e.client.Probe(ctx)
		_, err2 := e.client.ListOrganizations(ctx)
		_, err3 := e.client.FindOrganizationsByName(ctx, "Acme Corp")
		_, err4 := e.client.CreateOrganization(ctx, "Leaky Co")
		for i, err := range []error{err1, err2, err3, err4} {
			if err == nil {
				t.Fatalf("answer %d/%d: want an error", a.status, i)
			}
			if msg := err.Error(); strings.Contains(msg, testKey) || strings.Contains(msg, authz) {
				t.Fatalf("secret leaked in %q", msg)
			}
		}
	}
}

func asMissing(err error, target **provider.MissingKeyError) bool { return errors.As(err, target) }

func TestRegistration(t *testing.T) {
	f, ok := provider.Lookup(provider.GravityZone)
	if !ok {
		t.Fatal("GravityZone is not registered")
	}
	if f.Side != provider.SideTool || len(f.RequiredKeys) != 1 || f.RequiredKeys[0] != "apiKey" || len(f.OptionalKeys) != 0 {
		t.Fatalf("factory does not match API.md: %+v", f)
	}
	if f.DefaultRequestsPerMinute != 480 || f.DefaultBurst != 2 {
		t.Fatalf("rate defaults: %d/%d", f.DefaultRequestsPerMinute, f.DefaultBurst)
	}
	cfg := testConfig(t, "https://cloud.gravityzone.bitdefender.com/api")
	var missing *provider.MissingKeyError
	if _, err := provider.Build(provider.GravityZone, cfg, provider.Credentials{}); !asMissing(err, &missing) || missing.Key != "apiKey" {
		t.Fatalf("want MissingKeyError for apiKey, got %v", err)
	}
	if _, err := New(cfg, provider.Credentials{"apiKey": []byte(" \n")}); !asMissing(err, &missing) {
		t.Fatalf("a blank key is missing: %v", err)
	}
	c, err := provider.Build(provider.GravityZone, cfg, provider.Credentials{"apiKey": []byte(testKey)})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(provider.Capabilities(c), ","); got != "ListOrganizations,FindOrganizationsByName,CreateOrganization,MonthlyUsage,Alerts" {
		t.Fatalf("capabilities: %s", got)
	}
}
