package halopsa

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzDecodePage(f *testing.F) {
	f.Add([]byte(`{"page_no":1,"page_size":100,"record_count":2,"clients":[{"id":1,"name":"A","toplevel_id":1,"toplevel_name":"Managed","inactive":false,"main_site_id":9},{"id":"2","name":"B","inactive":"true"}]}`))
	f.Add([]byte(`{"Record_Count":"3","Clients":[{"id":3.0}]}`))
	f.Add([]byte(`[{"id":1,"name":"bare"}]`))
	f.Add([]byte(`{"clients":null}`))
	f.Add([]byte(`{"record_count":-1,"clients":[]}`))
	f.Add([]byte(`{"clients":[{"id":1e30}]}`))
	f.Add([]byte(`null`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := decodePage[wireClient](body, "clients")
		if err != nil {
			return
		}
		if p.pageNo < 0 || p.pageSize < 0 || p.recordCount < 0 {
			t.Fatalf("negative paging values: %+v", p)
		}
		for _, c := range p.items {
			_ = toAccount(c)
		}
		_, _ = decodePage[wireAsset](body, "assets")
	})
}

func FuzzDecodeRecords(f *testing.F) {
	f.Add([]byte(`{"id":5,"inventory_number":"PC","client_id":1,"site_id":2,"kaseya_id":"123"}`))
	f.Add([]byte(`[{"id":5,"kaseyaid":123456789012}]`))
	f.Add([]byte(`{"id":7,"name":"Jane","firstname":"J","surname":"R","emailaddress":"j@x","phonenumber":null,"mobilenumber":"1"}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`"text"`))
	f.Fuzz(func(t *testing.T, body []byte) {
		if a, err := decodeOne[wireAsset](body); err == nil {
			_ = toAsset(a)
		}
		if u, err := decodeOne[wireUser](body); err == nil {
			_ = toUser(u)
		}
		if c, err := decodeOne[wireClient](body); err == nil {
			_ = toAccount(c)
		}
		_, _ = decodeOne[wireSite](body)
	})
}

func FuzzDecodeError(f *testing.F) {
	f.Add([]byte(`"Please enter a name."`))
	f.Add([]byte(`{"error":"invalid_client","error_description":"bad"}`))
	f.Add([]byte(`{"ClassName":"System.Exception","Message":"boom"}`))
	f.Add([]byte(`[{"message":"a"},{"errors":["b"]}]`))
	f.Add([]byte(`{"errors":{"error":{"errors":[[["deep"]]]}}}`))
	f.Add([]byte("<html>oops</html>"))
	f.Add([]byte(strings.Repeat("x", 1000)))
	f.Fuzz(func(t *testing.T, body []byte) {
		msg := decodeError(body)
		if utf8.RuneCountInString(msg) > 301 {
			t.Fatalf("message not capped: %d runes", utf8.RuneCountInString(msg))
		}
		_ = decodeOAuthError(body)
	})
}

func FuzzDecodeAuth(f *testing.F) {
	f.Add([]byte(`{"access_token":"abc","token_type":"Bearer","expires_in":3600}`))
	f.Add([]byte(`{"access_token":"abc","expires_in":"3600"}`))
	f.Add([]byte(`{"access_token":"a b"}`))
	f.Add([]byte(`{"access_token":"abc","token_type":"mac"}`))
	f.Add([]byte(`{"auth_url":"https://acme.halopsa.com/auth","tenant_id":"x"}`))
	f.Add([]byte(`{"auth_url":"/auth"}`))
	base, _ := url.Parse("https://acme.halopsa.com")
	f.Fuzz(func(t *testing.T, body []byte) {
		if tok, err := decodeToken(body); err == nil {
			if tok.AccessToken == "" || strings.ContainsAny(tok.AccessToken, " \r\n\t") || tok.ExpiresIn < 0 {
				t.Fatalf("unusable token accepted: %+v", tok)
			}
		}
		raw, err := decodeAuthInfo(body)
		if err != nil {
			return
		}
		got, err := resolveAuthURL(base, raw)
		if err != nil {
			return
		}
		u, perr := url.Parse(got)
		if perr != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.RawQuery != "" {
			t.Fatalf("resolveAuthURL(%q) = %q: not a clean https URL", raw, got)
		}
	})
}

func FuzzSearchTerm(f *testing.F) {
	for _, s := range []string{"Acme Corp", "Acme [US]", "[", "]]x[[", "50%_Off", " "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		term := searchTerm(name)
		if strings.ContainsAny(term, "[]") {
			t.Fatalf("searchTerm(%q) = %q keeps a bracket", name, term)
		}
		if term != strings.TrimSpace(term) {
			t.Fatalf("searchTerm(%q) = %q is not trimmed", name, term)
		}
		// The term must be part of the name, so a like-match on it finds the name.
		if !strings.Contains(name, term) {
			t.Fatalf("searchTerm(%q) = %q is not a substring", name, term)
		}
	})
}
