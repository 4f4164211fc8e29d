package cyberqp

import (
	"testing"
)

func TestDecodePages(t *testing.T) {
	rows, max, err := decodeCustomerPage([]byte(`{"maxCount":"3","clients":[{"id":123456789012345678901,"name":"A"},{"id":"g-1","name":null}]}`))
	if err != nil || max != 3 || len(rows) != 2 || rows[0].ID != "123456789012345678901" || rows[1].Name != "" {
		t.Fatalf("customers %+v %d %v", rows, max, err)
	}
	if _, max, _ := decodeCustomerPage([]byte(`{"clients":[]}`)); max != -1 {
		t.Fatalf("absent maxCount = %d", max)
	}
	for _, bad := range []string{`[]`, `{"clients":[{"name":"no id"}]}`, `{"clients":{"id":1}}`, `{"clients":[{"id":{"x":1}}]}`, ``} {
		if _, _, err := decodeCustomerPage([]byte(bad)); err == nil {
			t.Errorf("decodeCustomerPage(%s) succeeded", bad)
		}
	}
	users, max, err := decodeUserPage([]byte(`{"maxCount":1,"users":[{"qpID":"u1","email":null,"displayName":"","firstName":"A","lastName":"B","userPrincipalName":"a.b@x.org","phoneNumber":5551234}]}`))
	if err != nil || max != 1 {
		t.Fatal(err)
	}
	u := users[0].user()
	if u.Name != "A B" || u.Email != "a.b@x.org" || u.Phone != "5551234" {
		t.Fatalf("user %+v", u)
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
		rows, max, err := decodeCustomerPage(body)
		if err != nil {
			return
		}
		if max < -1 {
			t.Fatalf("maxCount %d", max)
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
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		rows, _, err := decodeUserPage(body)
		if err != nil {
			return
		}
		for _, r := range rows {
			if r.user().ID == "" {
				t.Fatal("user without id accepted")
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
