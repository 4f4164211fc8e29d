package kaseyabms

import (
	"encoding/json"
	"net/url"
	"testing"

	"github.com/accountsync/accountsync-operator/internal/provider"
	"github.com/accountsync/accountsync-operator/internal/provider/httpx"
)

// The decoders face whatever a tenant or a proxy sends: they must never panic, and what they
// accept must be usable (an id on every record, a token on every login).

func FuzzDecodeRecords(f *testing.F) {
	for _, s := range []string{
		`{"Id":1,"AccountName":"A","AccountType":"Customer","IsActive":false}`,
		`{"id":"2","name":"B"}`,
		`{"Id":3,"Name":"pc","AccountLocationId":4,"CategoryId":5,"AgentId":null,"AssetTag":"k","OsInfo":"Win"}`,
		`{"Id":6,"FirstName":"A","Emails":[{"EmailAddress":"a@b","IsDefault":true}],"Phones":[{"Phone":"1"}]}`,
		`{"Id":{"x":1}}`, `[]`, `null`, `{"Id":1.5}`, `{"Id":"9","Emails":{}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		raw := json.RawMessage(data)
		if a, id, err := decodeAccount(raw); err == nil && (id == "" || a.ID != id) {
			t.Fatalf("account without id: %+v", a)
		}
		if a, id, err := decodeAsset(raw); err == nil && (id == "" || a.ID != id) {
			t.Fatalf("asset without id: %+v", a)
		}
		if u, id, err := decodeContact(raw); err == nil && (id == "" || u.ID != id) {
			t.Fatalf("contact without id: %+v", u)
		}
		if l, id, err := decodeLocation(raw); err == nil && (id == "" || l.ID != id) {
			t.Fatalf("location without id: %+v", l)
		}
		if e, id, err := decodeEmployee(raw); err == nil && (id == "" || string(e.ID) != id) {
			t.Fatalf("employee without id: %+v", e)
		}
		_, _, _ = decodeRef(raw)
		_, _, _ = decodeCategoryRow(raw)
	})
}

func FuzzEnvelope(f *testing.F) {
	for _, s := range []string{
		`{"Success":true,"Result":[],"TotalRecords":0}`,
		`{"Success":false,"Error":{"Code":400,"Message":"x","SubErrors":["a"]}}`,
		`{"success":true,"result":{"accessToken":"t","accessTokenExpireOn":"2030-01-01T00:00:00"}}`,
		`{"Success":"yes"}`, `{"Message":"An error has occurred."}`, `<html>`, ``,
	} {
		f.Add([]byte(s), 200)
		f.Add([]byte(s), 400)
	}
	u, _ := url.Parse("https://api.bms.example")
	hc := httpx.New(httpx.Options{Provider: provider.KaseyaBMS, Config: provider.Config{URL: u}})
	c := &Client{hc: hc}
	f.Fuzz(func(t *testing.T, body []byte, status int) {
		if status < 100 || status > 599 {
			return
		}
		resp := &httpx.Response{StatusCode: status, Body: body}
		for _, kind := range []callKind{readCall, createCall} {
			env, err := c.check("Fuzz", resp, kind)
			if err == nil && (status >= 300 || env.Success == nil || !*env.Success) {
				t.Fatalf("accepted a failure: %d %q", status, body)
			}
			if err == nil {
				_, _ = listResult(env)
			}
		}
		tok, err := decodeToken(hc, "Fuzz", resp)
		if err == nil && (tok.AccessToken == "" || status >= 300) {
			t.Fatalf("accepted a login without a token: %d %q", status, body)
		}
	})
}
