package kaseyabms

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/accountsync/accountsync-operator/internal/provider"
	"github.com/accountsync/accountsync-operator/internal/provider/httpx"
	sim "github.com/accountsync/accountsync-operator/internal/simulator/kaseyabms"
)

func fuzzHTTPClient() *httpx.Client {
	u, _ := url.Parse("http://127.0.0.1:1")
	return httpx.New(httpx.Options{Provider: provider.KaseyaBMS, Config: provider.Config{URL: u},
		Secrets: []string{testCred.Password}})
}

// FuzzCheck feeds arbitrary answers to the envelope check: it never panics, every failure is a
// typed, redacted provider error, and a clean success envelope is never a failure.
func FuzzCheck(f *testing.F) {
	f.Add(200, []byte(`{"Result":[{"Id":1}],"TotalRecords":1,"ResponseCode":0,"Status":"OK","Error":"None"}`), false)
	f.Add(200, []byte(`{"Result":null,"ResponseCode":400,"Status":"BadRequest","Error":"An account with the name 'A' already exists."}`), true)
	f.Add(400, []byte(`{"Result":null,"ResponseCode":"400","Error":null,"Message":"bad"}`), false)
	f.Add(404, []byte(`{"Message":"No HTTP resource was found"}`), false)
	f.Add(500, []byte(`<html>oops</html>`), true)
	f.Add(200, []byte(`{"Result":{},"ResponseCode":0,"Error":{"Code":1}}`), false)
	f.Add(200, []byte(`not json`), true)
	f.Add(200, []byte(`{"Result":1,"ResponseCode":1.5}`), false)
	f.Add(200, []byte(`{}`), false)
	f.Add(200, []byte(`{"result":[],"responsecode":0}`), false)
	c := &Client{hc: fuzzHTTPClient()}
	f.Fuzz(func(t *testing.T, status int, body []byte, create bool) {
		if status < 100 || status > 599 {
			return
		}
		kind := readCall
		if create {
			kind = createCall
		}
		env, err := c.check("Op", &httpx.Response{StatusCode: status, Body: body}, kind)
		if err != nil {
			pe, ok := err.(*provider.Error)
			if !ok || pe.Kind == "" {
				t.Fatalf("untyped error %T %v", err, err)
			}
			if strings.Contains(pe.Message, testCred.Password) {
				t.Fatalf("unredacted: %v", err)
			}
			if !create && pe.Kind == provider.KindUnknownOutcome {
				t.Fatalf("a read reported an unknown outcome")
			}
			return
		}
		if status >= 300 {
			t.Fatalf("HTTP %d accepted", status)
		}
		if env.ResponseCode != nil && *env.ResponseCode != 0 {
			t.Fatalf("ResponseCode %d accepted", *env.ResponseCode)
		}
		if !isEnvelope(body) {
			t.Fatalf("non-envelope %q accepted", body)
		}
		_, _ = listResult(env)
	})
}

// FuzzDecoders runs every record decoder and the create-result reader over arbitrary JSON.
func FuzzDecoders(f *testing.F) {
	for _, s := range []string{
		`{"Id":1001,"AccountName":"Acme","StatusId":1,"Status":"Active","AccountTypeId":2,"AccountType":"Customer","IsActive":true}`,
		`{"AccountID":"77","Name":"X","Status":{"Id":1,"Name":"Active"},"AccountType":null}`,
		`{"Id":2001,"AccountId":1001,"LocationName":"Main","IsMain":true,"Addresses":[]}`,
		`{"Id":3001,"DepartmentName":"Eng","IsActive":false}`,
		`{"Id":4001,"AccountId":1001,"LocationId":2001,"DepartmentId":null,"AssetName":"pc","RmmAssetId":"a-1"}`,
		`{"Id":5001,"FirstName":"A","LastName":"B","DefaultEmailAddress":"a@b","FullName":7}`,
		`{"Id":1,"StatusName":"Open","IsActive":"yes"}`,
		`4001`, `"4001"`, `true`, `null`, `[]`, `{"Id":[1]}`, `{"Id":1e400}`, `{"Name":{"Name":{"Name":"deep"}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if a, id, err := decodeAccount(raw); err == nil && (id == "" || a.ID != id) {
			t.Fatalf("account without id accepted: %+v", a)
		}
		if r, id, err := decodeRef(raw); err == nil && (id == "" || r.ID != id) {
			t.Fatalf("ref without id accepted: %+v", r)
		}
		if l, id, err := decodeLocation(raw); err == nil && (id == "" || l.ID != id) {
			t.Fatalf("location without id accepted: %+v", l)
		}
		if d, id, err := decodeDepartment(raw); err == nil && (id == "" || d.ID != id) {
			t.Fatalf("department without id accepted: %+v", d)
		}
		if a, id, err := decodeAsset(raw); err == nil && (id == "" || a.ID != id) {
			t.Fatalf("asset without id accepted: %+v", a)
		}
		if u, id, err := decodeContact(raw); err == nil && (id == "" || u.ID != id) {
			t.Fatalf("contact without id accepted: %+v", u)
		}
		acct, err := createdResult(envelope{Result: raw}, decodeAccount, func(id string) provider.Account {
			return provider.Account{ID: id}
		})
		if err == nil && acct.ID == "" {
			t.Fatalf("created account without id from %q", raw)
		}
	})
}

// FuzzDecodeToken feeds arbitrary token-endpoint answers: a token comes back only from a 2xx
// with an access_token, refusals are typed, and nothing panics.
func FuzzDecodeToken(f *testing.F) {
	f.Add(200, []byte(`{"access_token":"abc","token_type":"bearer","expires_in":86399}`))
	f.Add(200, []byte(`{"access_token":"abc","expires_in":"3600"}`))
	f.Add(400, []byte(`{"error":"invalid_grant","error_description":"The user name or password is incorrect."}`))
	f.Add(400, []byte(`{"error":"unsupported_grant_type"}`))
	f.Add(200, []byte(`{"error":"invalid_grant"}`))
	f.Add(503, []byte(`Service Unavailable`))
	f.Add(200, []byte(`{"access_token":"abc","expires_in":-1}`))
	hc := fuzzHTTPClient()
	now := time.Unix(1_700_000_000, 0)
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 599 {
			return
		}
		tok, err := decodeToken(hc, "Authenticate", &httpx.Response{StatusCode: status, Body: body}, now)
		if err != nil {
			if pe, ok := err.(*provider.Error); !ok || pe.Kind == "" {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if status >= 300 || tok.Value == "" || tok.Scheme != "Bearer" {
			t.Fatalf("token %+v from %d %q", tok, status, body)
		}
		if !tok.Expires.IsZero() && !tok.Expires.After(now.Add(shortTokenLife)) {
			t.Fatalf("expiry %v tracked for a short-lived token", tok.Expires)
		}
	})
}

// FuzzFindAccountsByName round-trips arbitrary names through the filter builder and the
// simulator's OData parser: whatever the name (quotes, parentheses, keywords), the look-up is
// accepted by the server and finds the account stored under that name in any case.
func FuzzFindAccountsByName(f *testing.F) {
	for _, s := range []string{"Acme", "O'Brien & Sons", "'')) or true or ((''", "a eq 'b'", "%20+%27", "Ünïcödé GmbH", "x'"} {
		f.Add(s)
	}
	s, c := newEnv(f, sim.Fixture{})
	f.Fuzz(func(t *testing.T, name string) {
		name = strings.TrimSpace(name)
		if name == "" || !utf8.ValidString(name) || utf8.RuneCountInString(name) > 200 || strings.ContainsRune(name, 0) ||
			strings.ToLower(name) != strings.ToLower(strings.ToUpper(name)) {
			return // only names whose case folding is stable under ToLower/ToUpper round trips
		}
		if _, err := s.AddAccount(sim.Account{AccountName: name}); err != nil && !strings.Contains(err.Error(), "already exists") {
			return // the simulator refuses it (e.g. too long)
		}
		for _, query := range []string{name, strings.ToUpper(name), strings.ToLower(name)} {
			got, err := c.FindAccountsByName(context.Background(), query)
			if err != nil {
				t.Fatalf("%q: %v", query, err)
			}
			if len(got) != 1 || !strings.EqualFold(got[0].Name, name) {
				t.Fatalf("%q found %+v", query, got)
			}
		}
	})
}

// FuzzAccountFilter builds filters from arbitrary id lists: an id that is not a number is
// refused before any request, anything else is accepted by the server.
func FuzzAccountFilter(f *testing.F) {
	f.Add("1,2", "3", false)
	f.Add("1 or 1 eq 1", "", true)
	f.Add("", "9223372036854775807", false)
	f.Add("0", "-4", true)
	s, c := newEnv(f, sim.Fixture{Accounts: []sim.Account{{AccountName: "A"}}})
	f.Fuzz(func(t *testing.T, statuses, types string, inactive bool) {
		split := func(s string) []string {
			if s == "" {
				return nil
			}
			return strings.Split(s, ",")
		}
		flt := provider.AccountFilter{StatusIDs: split(statuses), TypeIDs: split(types), IncludeInactive: inactive}
		before := s.Calls("GET /crm/accounts")
		_, err := c.ListAccounts(context.Background(), flt)
		if err != nil {
			if !provider.IsKind(err, provider.KindInvalid) || s.Calls("GET /crm/accounts") != before {
				t.Fatalf("%+v: %v", flt, err)
			}
		}
		if _, buildErr := accountFilter("x", flt); (buildErr == nil) != (err == nil) {
			t.Fatalf("builder and client disagree: %v / %v", buildErr, err)
		}
	})
}
