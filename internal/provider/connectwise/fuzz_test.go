package connectwise

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/accountsync/accountsync-operator/internal/provider"
	cwsim "github.com/accountsync/accountsync-operator/internal/simulator/connectwise"
)

func TestParseLinks(t *testing.T) {
	h := `<https://api-na.myconnectwise.net/v4_6_release/apis/3.0/company/companies?pageSize=1000&page=2>; rel="next", ` +
		`<https://api-na.myconnectwise.net/v4_6_release/apis/3.0/company/companies?pageSize=1000&page=4>; rel="last"`
	got := parseLinks([]string{h})
	if got["next"] != "https://api-na.myconnectwise.net/v4_6_release/apis/3.0/company/companies?pageSize=1000&page=2" ||
		!strings.HasSuffix(got["last"], "page=4") {
		t.Fatalf("parsed %v", got)
	}
	cases := map[string]string{
		`<a>;rel=next`:                   "a",
		`<a>; REL="Prev Next"`:           "a",
		`<a,b>; rel="next"`:              "a,b",
		`<x>; title="a, b"; rel="next"`:  "x",
		`<x>; rel="first", <y>;rel=next`: "y",
		`<x>; rel="last"`:                "",
		`garbage <x>; rel="next"`:        "",
		`<x; rel="next"`:                 "",
	}
	for in, want := range cases {
		if got := parseLinks([]string{in})["next"]; got != want {
			t.Errorf("parseLinks(%q)[next] = %q, want %q", in, got, want)
		}
	}
	if got := parseLinks([]string{`<a>; rel="first"`, `<b>; rel="next"`})["next"]; got != "b" {
		t.Errorf("several header values: %q", got)
	}
}

func FuzzParseLinks(f *testing.F) {
	f.Add(`<https://h/v4_6_release/apis/3.0/company/companies?pageSize=1000&page=2>; rel="next", <https://h/x?page=3>; rel="last"`)
	f.Add(`<a>;rel=next`)
	f.Add(`<x>; title="a, \"b\""; rel="next prev"`)
	f.Add(`<`)
	f.Add(`<x>; rel="`)
	f.Fuzz(func(t *testing.T, h string) {
		for rel, target := range parseLinks([]string{h}) {
			if rel == "" || strings.ContainsAny(rel, " \t") || !strings.Contains(h, target) {
				t.Fatalf("parseLinks(%q) gave %q -> %q", h, rel, target)
			}
		}
	})
}

func FuzzDecodeCompanies(f *testing.F) {
	f.Add([]byte(`[{"id":250,"identifier":"AcmeCorp","name":"Acme Corp","status":{"id":17,"name":"Active","_info":{"status_href":"x"}},"types":[{"id":42,"name":"Client"}],"deletedFlag":false,"_info":{"lastUpdated":"2025-01-01T00:00:00Z"}}]`))
	f.Add([]byte(`null`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`[{"id":"x"}]`))
	f.Add([]byte(`{"code":"NotFound"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		list, err := decodeList[company](body)
		if err != nil {
			return
		}
		for _, co := range list {
			a := toAccount(co, map[int]bool{17: true})
			if a.ID != strconv.Itoa(co.ID) || a.Name != co.Name || len(a.Types) != len(co.Types) {
				t.Fatalf("toAccount(%+v) = %+v", co, a)
			}
		}
	})
}

func FuzzDecodeCatalog(f *testing.F) {
	f.Add([]byte(`[{"id":17,"name":"Active","defaultFlag":true,"inactiveFlag":false},{"id":23,"name":"Inactive","inactiveFlag":true}]`))
	f.Add([]byte(`[{"id":62,"name":"Managed Workstation","inactiveFlag":false}]`))
	f.Add([]byte(`[{"inactiveFlag":"yes"}]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		if list, err := decodeList[companyStatus](body); err == nil {
			var c statusCache
			m := c.store(list)
			for _, s := range list {
				if s.InactiveFlag && !m[s.ID] {
					t.Fatalf("inactive status %d lost", s.ID)
				}
			}
		}
		if list, err := decodeList[companyType](body); err == nil {
			_ = list
		}
		if list, err := decodeList[configurationType](body); err == nil {
			if id := pickConfigurationType(list); id != 0 {
				found := false
				for _, ct := range list {
					found = found || (ct.ID == id && !ct.InactiveFlag)
				}
				if !found {
					t.Fatalf("picked %d, not an active type of %+v", id, list)
				}
			}
		}
	})
}

func FuzzDecodeSites(f *testing.F) {
	f.Add([]byte(`[{"id":1001,"name":"Main","primaryAddressFlag":true},{"id":1002,"name":"Warehouse","inactiveFlag":true}]`))
	f.Add([]byte(`[{"id":1,"name":"main"}]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		list, err := decodeList[site](body)
		if err != nil {
			return
		}
		i := mainSiteIndex(list)
		if i < -1 || i >= len(list) || (i >= 0 && list[i].InactiveFlag) {
			t.Fatalf("main site %d of %+v", i, list)
		}
	})
}

func FuzzDecodeConfigurations(f *testing.F) {
	f.Add([]byte(`[{"id":5,"name":"PC-1","type":{"id":62,"name":"Managed Workstation"},"company":{"id":250,"identifier":"AcmeCorp","name":"Acme Corp"},"site":{"id":1002,"name":"Warehouse"},"deviceIdentifier":"agent-1","serialNumber":"SN","osType":"Windows","ipAddress":"10.0.0.1","activeFlag":true}]`))
	f.Add([]byte(`[{"id":5,"company":null,"site":null}]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		list, err := decodeList[configuration](body)
		if err != nil {
			return
		}
		for _, cfg := range list {
			a := toAsset(cfg)
			if a.ExternalKey != cfg.DeviceIdentifier || (cfg.Site == nil) != (a.LocationID == "") {
				t.Fatalf("toAsset(%+v) = %+v", cfg, a)
			}
		}
		if one, err := decodeOne[configuration](body); err == nil {
			_ = toAsset(one)
		}
	})
}

func FuzzDecodeContacts(f *testing.F) {
	f.Add([]byte(`[{"id":9,"firstName":"Ann","lastName":"Lee","company":{"id":250},"communicationItems":[{"id":1,"type":{"id":1,"name":"Email"},"value":"ann@acme.test","defaultFlag":true,"communicationType":"Email"},{"type":{"id":2,"name":"Direct"},"value":"555","communicationType":"Phone"}],"defaultPhoneNbr":"555"}]`))
	f.Add([]byte(`[{"communicationItems":null}]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		list, err := decodeList[contact](body)
		if err != nil {
			return
		}
		for _, ct := range list {
			u := toUser(ct)
			if u.ID != strconv.Itoa(ct.ID) || u.Name != strings.TrimSpace(u.Name) {
				t.Fatalf("toUser(%+v) = %+v", ct, u)
			}
		}
	})
}

func FuzzDecodeAPIError(f *testing.F) {
	f.Add([]byte(`{"code":"InvalidObject","message":"company object is invalid","errors":[{"code":"ObjectExists","message":"exists","resource":"company","field":"identifier"}]}`))
	f.Add([]byte(`{"code":"Unauthorized","message":"Authentication failed.","errors":null}`))
	f.Add([]byte(`{"error":"ConnectWiseAPI","message":"Too many requests. Please try again in 30 seconds."}`))
	f.Add([]byte(`<html>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		e, ok := decodeAPIError(body)
		if !ok {
			return
		}
		if s := e.summary(); len(s) > 500+len("…") {
			t.Fatalf("summary too long: %d", len(s))
		}
		_ = e.exists("name")
	})
}

func FuzzDecodeDiscovery(f *testing.F) {
	f.Add([]byte(`{"CompanyName":"ConnectWise","Codebase":"v2017_3/","VersionCode":"v2017.3","VersionNumber":"v4.6.38842","CompanyID":"CW","IsCloud":"True"}`))
	f.Add([]byte(`{"Codebase":"../"}`))
	f.Add([]byte(`{"Codebase":"https://evil/"}`))
	f.Add([]byte(`{"version":"v2025.1.10432","isCloud":true}`))
	f.Add([]byte(`{"count":3}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		if info, err := decodeCompanyInfo(body); err == nil {
			cb := info.Codebase
			if !strings.HasSuffix(cb, "/") || strings.Count(cb, "/") != 1 || strings.HasPrefix(cb, ".") || strings.ContainsAny(cb, ":?#%\\ ") {
				t.Fatalf("unsafe codebase %q accepted", cb)
			}
		}
		if si, err := decodeSystemInfo(body); err == nil {
			_ = shortVersion(si.Version)
		}
		if n, err := decodeCount(body); err == nil && n < 0 {
			t.Fatalf("negative count %d", n)
		}
	})
}

// FuzzConditionBuilder: whatever a string holds, the builder's output parses with the
// simulator's implementation of CW's grammar and yields the same value back.
func FuzzConditionBuilder(f *testing.F) {
	for _, s := range []string{"Acme Corp", `Bob "The" \ Builder`, `\`, `"`, `\"`, "", "%_*", "it's", "ünï"} {
		f.Add(s, 17)
	}
	f.Fuzz(func(t *testing.T, s string, n int) {
		if len(s) > 2000 {
			return
		}
		cond := And(Eq("name", Str(s)), Or(In("status/id", Int(n), Int(42)), Not(Like("identifier", s))), Eq("deletedFlag", Bool(false)))
		e, err := cwsim.ParseConditions(cond.String())
		if err != nil {
			t.Fatalf("builder output %q does not parse: %v", cond.String(), err)
		}
		top := e.(cwsim.AndExpr)
		first := top.L.(cwsim.AndExpr).L.(cwsim.Comparison)
		if first.Values[0].Str != s || strings.Join(first.Path, "/") != "name" {
			t.Fatalf("round trip of %q gave %+v", s, first)
		}
		or := top.L.(cwsim.AndExpr).R.(cwsim.OrExpr)
		if in := or.L.(cwsim.Comparison); in.Op != "in" || in.Values[0].Num != float64(n) {
			t.Fatalf("in list %+v", in)
		}
	})
}

func FuzzIdentifier(f *testing.F) {
	for _, s := range []string{"Acme Corp", "", "株式会社", "The Very Long Company Name Of Springfield", "a b c 1 2 3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		ids := identifierCandidates(name)
		seen := map[string]bool{}
		for _, id := range ids {
			if id == "" || len(id) > maxIdentifier || seen[id] {
				t.Fatalf("candidates of %q: %q", name, ids)
			}
			for i := 0; i < len(id); i++ {
				c := id[i]
				if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
					t.Fatalf("candidate %q has %q", id, c)
				}
			}
			seen[id] = true
		}
		if len(ids) != maxIdentifierAttempts || ids[0] != baseIdentifier(name) {
			t.Fatalf("candidates of %q: %q", name, ids)
		}
		if again := identifierCandidates(name); strings.Join(again, ",") != strings.Join(ids, ",") {
			t.Fatal("not deterministic")
		}
	})
}

// FuzzFindByNameRoundTrip: a company with any acceptable name is found by that name, alone,
// through the real client and the simulator's condition parser (served in-process).
func FuzzFindByNameRoundTrip(f *testing.F) {
	for _, s := range []string{"Acme Corp", `Bob "The" \ Builder`, `50% off`, "tab\there", "ünïcödé", "x_y*z", "'single'"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if !utf8.ValidString(name) || strings.TrimSpace(name) == "" || utf8.RuneCountInString(name) > 50 {
			return
		}
		sim := cwsim.New(cwsim.DefaultFixture())
		if _, err := sim.AddCompany(cwsim.Company{Identifier: "Fuzz", Name: name}); err != nil {
			return // clashes with a fixture name
		}
		u, _ := url.Parse("http://cw.test")
		cfg := provider.Config{URL: u, Transport: handlerTransport{sim}, RequestsPerMinute: 6000000, Burst: 1000, MaxRetries: 1}
		c, err := New(cfg, credsOf(cwsim.DefaultFixture()))
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.FindAccountsByName(ctx, name)
		if err != nil {
			t.Fatalf("find %q: %v", name, err)
		}
		if len(got) != 1 || got[0].Name != name {
			t.Fatalf("find %q = %+v", name, got)
		}
	})
}
