package kaseyavsa

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/accountsync/accountsync-operator/internal/provider"
	"github.com/accountsync/accountsync-operator/internal/provider/httpx"
	vsasim "github.com/accountsync/accountsync-operator/internal/simulator/kaseyavsa"
)

func TestSessionExpiry(t *testing.T) {
	now := time.Date(2025, 3, 21, 18, 0, 0, 0, time.UTC)
	cases := []struct {
		in     string
		offset int
		want   time.Time
	}{
		// Server on UTC-7 (offset 420): 11:33 local is 18:33 UTC.
		{"2025-03-21T11:33:04.833", 420, time.Date(2025, 3, 21, 18, 33, 4, 833e6, time.UTC)},
		{"2025-03-21T19:30:00", -60, time.Date(2025, 3, 21, 18, 30, 0, 0, time.UTC)},
		{"2025-03-21 18:30:00", 0, time.Date(2025, 3, 21, 18, 30, 0, 0, time.UTC)},
		{"2025-03-21T18:45:00Z", 420, time.Date(2025, 3, 21, 18, 45, 0, 0, time.UTC)}, // zoned: as is
		{"2025-03-21T11:00:00.000", 420, time.Time{}},                                 // 18:00 UTC: already due
		{"2025-03-21T18:01:00", 0, time.Time{}},                                       // too close to trust
		{"tomorrow", 0, time.Time{}},
		{"", 0, time.Time{}},
	}
	for _, c := range cases {
		if got := sessionExpiry(c.in, c.offset, now); !got.Equal(c.want) {
			t.Errorf("sessionExpiry(%q, %d) = %v, want %v", c.in, c.offset, got, c.want)
		}
	}
}

func TestOrgRef(t *testing.T) {
	cases := map[string]string{
		"Acme Corp, Inc.":                "acme-corp-inc",
		"  O'Brien & Sons  ":             "o-brien-sons",
		"Müller GmbH":                    "m-ller-gmbh",
		"株式会社":                           "org",
		"123":                            "123",
		strings.Repeat("abcdefghij ", 5): "abcdefghij-abcdefghij-abcdefghij",
	}
	for in, want := range cases {
		if got := orgRef(in); got != want {
			t.Errorf("orgRef(%q) = %q, want %q", in, got, want)
		}
	}
	if a, b := hashedOrgRef("Acme, Inc."), hashedOrgRef("ACME, INC."); a != b || len(a) > maxRefLen || !strings.HasPrefix(a, "acme-inc-") {
		t.Errorf("hashedOrgRef: %q / %q", a, b)
	}
	if a, b := hashedOrgRef("Acme, Inc."), hashedOrgRef("Acme Inc"); a == b {
		t.Errorf("different names must get different hashed refs: %q", a)
	}
}

func TestGroupName(t *testing.T) {
	for in, want := range map[string]string{"root.acme": "root", "hq.root.acme": "hq", "root": "root", "": ""} {
		if got := groupName(in); got != want {
			t.Errorf("groupName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEnvelopeFailure(t *testing.T) {
	cases := map[string]string{
		`{"Result":[],"ResponseCode":0,"Status":"OK","Error":"None"}`:         "",
		`{"Result":[],"ResponseCode":0,"Status":"OK","Error":null}`:           "",
		`{"Result":[],"ResponseCode":"0","Status":"OK"}`:                      "",
		`{"Result":[],"ResponseCode":0.0,"Error":"none"}`:                     "",
		`{"Result":null,"ResponseCode":1001,"Status":"Failed","Error":"Dup"}`: "Dup (ResponseCode 1001)",
		`{"Result":null,"ResponseCode":0,"Error":"Boom"}`:                     "Boom (ResponseCode 0)",
		`{"Result":null,"ResponseCode":5,"Status":"Failed","Error":"None"}`:   "Failed (ResponseCode 5)",
		`{"Result":null,"ResponseCode":5}`:                                    "request failed (ResponseCode 5)",
		`{"Result":null,"Error":{"Code":3,"Text":"x"}}`:                       `{"Code":3,"Text":"x"}`,
	}
	for body, want := range cases {
		env, err := decodeEnvelope([]byte(body))
		if err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		if got := env.failure(); got != want {
			t.Errorf("failure(%s) = %q, want %q", body, got, want)
		}
	}
	for _, bad := range []string{``, `[]`, `<html>`, `{"Result":`} {
		if _, err := decodeEnvelope([]byte(bad)); err == nil {
			t.Errorf("decodeEnvelope(%q) succeeded", bad)
		}
	}
}

func TestIDsKeepTheirDigits(t *testing.T) {
	var rows []agentRecord
	body := `[{"AgentId":123456789012345678901,"OrgId":"90000000000000001","MachineGroup":"root.acme","OSType":10,"Online":1},
	          {"AgentId":42.0,"OrgId":null,"ComputerName":null,"AgentName":"pc9.root.acme"}]`
	if err := decodeResult(json.RawMessage(body), &rows); err != nil {
		t.Fatal(err)
	}
	a, b := rows[0].asset(), rows[1].asset()
	if a.ID != "123456789012345678901" || a.OrganizationID != "90000000000000001" || a.OS != "10" || a.MachineGroup != "root" {
		t.Errorf("asset a = %+v", a)
	}
	if b.ID != "42" || b.OrganizationID != "" || b.Name != "pc9" {
		t.Errorf("asset b = %+v", b)
	}
	for raw, want := range map[string]string{`7`: "7", `"8"`: "8", `{"OrgId":9}`: "9", `true`: "", `null`: "", `0`: "", `"x"`: ""} {
		if got := createdID(json.RawMessage(raw)); got != want {
			t.Errorf("createdID(%s) = %q, want %q", raw, got, want)
		}
	}
}

// ---- fuzz ----------------------------------------------------------------------------------

func FuzzDecodeEnvelope(f *testing.F) {
	for _, s := range []string{
		`{"Result":[{"OrgId":1,"OrgName":"A"}],"TotalRecords":1,"ResponseCode":0,"Status":"OK","Error":"None"}`,
		`{"Result":null,"ResponseCode":1001,"Status":"Failed","Error":"Dup"}`,
		`{"Result":true,"ResponseCode":"0","Error":null,"TotalRecords":"x"}`,
		`{"Error":{"a":[1,2]},"ResponseCode":-1e3}`, `{}`, `[]`, `null`, `<html/>`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		env, err := decodeEnvelope(body)
		if err != nil {
			return
		}
		_ = env.failure()
		_ = env.failureKind()
		if n, ok := env.total(); ok && n < 0 {
			t.Fatalf("negative total %d", n)
		}
		var orgs []orgRecord
		if decodeResult(env.Result, &orgs) == nil {
			for _, o := range orgs {
				_ = o.org()
			}
		}
		var groups []groupRecord
		_ = decodeResult(env.Result, &groups)
		var agents []agentRecord
		if decodeResult(env.Result, &agents) == nil {
			for _, a := range agents {
				_ = a.asset()
			}
		}
		_ = createdID(env.Result)
	})
}

func FuzzParseAuth(f *testing.F) {
	for _, s := range []string{
		`{"Result":{"TenantId":"1","Token":"abc","SessionExpiration":"2019-03-21T11:33:04.833","OffSetInMinutes":420},"ResponseCode":0,"Status":"OK","Error":"None"}`,
		`{"Result":{"Token":"abc","SessionExpiration":"2030-01-01T00:00:00Z","OffSetInMinutes":"x"}}`,
		`{"Result":{"Token":""},"ResponseCode":0}`, `{"Result":null,"ResponseCode":401,"Error":"no"}`, `nope`,
	} {
		f.Add([]byte(s), 200)
	}
	f.Add([]byte(`{"Result":null}`), 500)
	u, _ := url.Parse("http://vsa.invalid/")
	hc := httpx.New(httpx.Options{Provider: provider.KaseyaVSA, Config: provider.Config{URL: u}, Secrets: []string{testToken}})
	now := time.Now()
	f.Fuzz(func(t *testing.T, body []byte, status int) {
		tok, err := parseAuth(hc, &httpx.Response{StatusCode: status, Body: body}, now)
		if err != nil {
			if provider.KindOf(err) == "" {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if tok.Value == "" {
			t.Fatal("success without a token")
		}
		if !tok.Expires.IsZero() && tok.Expires.Before(now.Add(minTrustedLifetime)) {
			t.Fatalf("expiry %v too close to be trusted", tok.Expires)
		}
	})
}

// FuzzNameFilter checks the filter builder against the simulator's OData parser: whatever the
// name, the filter parses and selects exactly the records sameName accepts.
func FuzzNameFilter(f *testing.F) {
	for _, s := range []string{"Acme Corp", "O'Brien", "''", "a'b'c'", "tolower(x) eq 'y' or 1 eq 1", "Müller", "", "\x00'"} {
		f.Add(s, "ACME CORP")
	}
	f.Fuzz(func(t *testing.T, name, other string) {
		flt, err := vsasim.ParseFilter(nameFilter(name))
		if err != nil {
			t.Fatalf("nameFilter(%q) = %q does not parse: %v", name, nameFilter(name), err)
		}
		for _, candidate := range []string{name, other, strings.ToUpper(name), name + "x"} {
			got, err := flt.Match(map[string]any{"OrgName": candidate})
			if err != nil {
				t.Fatal(err)
			}
			if got != sameName(candidate, name) {
				t.Fatalf("filter for %q on %q = %v, sameName = %v", name, candidate, got, sameName(candidate, name))
			}
		}
	})
}

func FuzzOrgRef(f *testing.F) {
	for _, s := range []string{"Acme Corp, Inc.", "", "...", "株式会社", strings.Repeat("x", 100), "-a-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		for _, ref := range []string{orgRef(name), hashedOrgRef(name)} {
			if ref == "" || len(ref) > maxRefLen || strings.HasPrefix(ref, "-") || strings.HasSuffix(ref, "-") || strings.Contains(ref, "--") {
				t.Fatalf("ref %q for %q", ref, name)
			}
			for _, r := range ref {
				if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' {
					t.Fatalf("ref %q for %q has %q", ref, name, r)
				}
			}
		}
	})
}
