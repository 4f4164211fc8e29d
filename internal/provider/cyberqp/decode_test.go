package cyberqp

import (
	"strings"
	"testing"

	"github.com/accountsync/accountsync-operator/internal/provider"
)

func TestDecodePages(t *testing.T) {
	rows, maxCount, err := decodeCustomerPage([]byte(`{"maxCount":"3","clients":[{"id":123456789012345678901,"name":"A"},{"id":"g-1","name":null}]}`))
	if err != nil || maxCount != 3 || len(rows) != 2 || rows[0].ID != "123456789012345678901" || rows[1].Name != "" {
		t.Fatalf("customers %+v %d %v", rows, maxCount, err)
	}
	if _, maxCount, _ := decodeCustomerPage([]byte(`{"clients":[]}`)); maxCount != -1 {
		t.Fatalf("absent maxCount = %d", maxCount)
	}
	for _, bad := range []string{`[]`, `{"clients":[{"name":"no id"}]}`, `{"clients":{"id":1}}`, `{"clients":[{"id":{"x":1}}]}`, ``} {
		if _, _, err := decodeCustomerPage([]byte(bad)); err == nil {
			t.Errorf("decodeCustomerPage(%s) succeeded", bad)
		}
	}
	users, maxCount, err := decodeUserPage([]byte(`{"maxCount":1,"users":[{"qpID":"u1","email":null,"displayName":"","firstName":"A","lastName":"B","userPrincipalName":"a.b@x.org","phoneNumber":5551234}]}`))
	if err != nil || maxCount != 1 {
		t.Fatal(err)
	}
	u := users[0].user()
	if u.Name != "A B" || u.Email != "a.b@x.org" || u.Phone != "5551234" {
		t.Fatalf("user %+v", u)
	}
}

func TestDecodeUserVariants(t *testing.T) {
	cases := map[string]provider.User{
		// The spellings of a phone seen in directory data, in order of preference.
		`{"qpID":"u","phone":"1","phoneNumber":"2","mobilePhone":"3"}`: {ID: "u", Phone: "1"},
		`{"qpID":"u","phoneNumber":"2","mobilePhone":"3"}`:             {ID: "u", Phone: "2"},
		`{"qpID":"u","mobilePhone":"+1 555 0100"}`:                     {ID: "u", Phone: "+1 555 0100"},
		`{"qpID":"u","phone":"","mobilePhone":"3"}`:                    {ID: "u", Phone: "3"},
		// A Graph-style list gives its first non-empty entry; an object counts as absent.
		`{"qpID":"u","phone":["", "4"],"mobilePhone":{"x":1}}`: {ID: "u", Phone: "4"},
		`{"qpID":"u","phone":{"number":"5"},"phoneNumber":6}`:  {ID: "u", Phone: "6"},
		// Names: firstName/lastName or givenName/surname; keys match in any case.
		`{"qpId":"u","givenName":"Ann","Surname":"Lee"}`:                 {ID: "u", FirstName: "Ann", LastName: "Lee", Name: "Ann Lee"},
		`{"qpID":"u","firstName":"A","givenName":"B","displayName":"Z"}`: {ID: "u", FirstName: "A", Name: "Z"},
		`{"qpID":"u","email":true,"userPrincipalName":"u@x.org"}`:        {ID: "u", Email: "u@x.org"},
	}
	for body, want := range cases {
		users, _, err := decodeUserPage([]byte(`{"users":[` + body + `]}`))
		if err != nil || len(users) != 1 {
			t.Errorf("%s: %v", body, err)
			continue
		}
		if got := users[0].user(); got != want {
			t.Errorf("%s: %+v, want %+v", body, got, want)
		}
	}
}

func TestErrorMessage(t *testing.T) {
	for body, want := range map[string]string{
		`{"statusCode":401,"message":"Invalid key","error":"Unauthorized"}`: "Invalid key",
		`{"statusCode":400,"message":["page must be positive","x"]}`:        "page must be positive; x",
		`{"error":"Not Found"}`:   "Not Found",
		`{"message":{"a":1}}`:     "",
		`<html>oops</html>`:       "",
		`{"statusCode":500}`:      "",
		`{"message":"  spaced "}`: "spaced",
	} {
		if got := errorMessage([]byte(body)); got != want {
			t.Errorf("errorMessage(%s) = %q, want %q", body, got, want)
		}
	}
}

func TestLooksLikeAddress(t *testing.T) {
	for s, want := range map[string]bool{"a@b.com": true, "a@corp.local": true, "svc": false, "@b.com": false, "a@b": false, "a b@c.d": false} {
		if looksLikeAddress(s) != want {
			t.Errorf("looksLikeAddress(%q) != %v", s, want)
		}
	}
}

func FuzzDecodeCustomerPage(f *testing.F) {
	for _, s := range []string{
		`{"maxCount":2,"clients":[{"id":"c1","name":"A"},{"id":2,"name":"B"}]}`,
		`{"maxCount":"x","clients":null}`, `{"maxCount":-1}`, `{"clients":[{"id":true}]}`, `[]`, `{`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		rows, maxCount, err := decodeCustomerPage(body)
		if err != nil {
			return
		}
		if maxCount < -1 {
			t.Fatalf("maxCount %d", maxCount)
		}
		for _, r := range rows {
			if r.org().ID == "" {
				t.Fatal("customer without id accepted")
			}
		}
	})
}

func FuzzDecodeUserPage(f *testing.F) {
	for _, s := range []string{
		`{"maxCount":1,"users":[{"qpID":"u1","email":"a@b.c","displayName":"A","firstName":"A","lastName":"B","phoneNumber":"1","userPrincipalName":"a@b.c"}]}`,
		`{"users":[{"qpID":7,"userPrincipalName":"x@y.z"}]}`, `{"users":[{"email":"no id"}]}`, `null`,
		`{"users":[{"qpID":"u","phone":["",{"a":1},"5"],"mobilePhone":null,"givenName":7,"surname":false}]}`,
		`{"users":[{"qpID":"u","phoneNumber":[[1]],"mobilePhone":-0.5e3}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		rows, _, err := decodeUserPage(body)
		if err != nil {
			return
		}
		for _, r := range rows {
			u := r.user()
			if u.ID == "" {
				t.Fatal("user without id accepted")
			}
			// A phone is always one of the variants, never something made up.
			if u.Phone != "" && u.Phone != string(r.Phone) && u.Phone != string(r.PhoneNumber) && u.Phone != string(r.MobilePhone) {
				t.Fatalf("phone %q from none of the variants", u.Phone)
			}
			if u.Phone != strings.TrimSpace(u.Phone) {
				t.Fatalf("phone %q is not trimmed", u.Phone)
			}
		}
	})
}

func FuzzErrorMessage(f *testing.F) {
	for _, s := range []string{`{"statusCode":401,"message":"x","error":"Unauthorized"}`, `{"message":["a","b"]}`, `nope`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		_ = errorMessage(body)
	})
}
