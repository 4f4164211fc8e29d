package httpx

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/accountsync/accountsync-operator/internal/provider"
)

// foreign is a second server on another port of the same host: another origin.
type foreign struct {
	srv    *httptest.Server
	hits   atomic.Int64
	bodies atomic.Value
	auth   atomic.Value
}

func newForeign(t *testing.T) *foreign {
	t.Helper()
	f := &foreign{}
	f.bodies.Store("")
	f.auth.Store("")
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.hits.Add(1)
		b, _ := io.ReadAll(r.Body)
		f.bodies.Store(string(b))
		f.auth.Store(r.Header.Get("Authorization"))
		_, _ = w.Write([]byte(`{"access_token":"stolen"}`))
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func redirectTo(target string, code int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, target, code) }
}

func TestCredentialsNeverFollowARedirectToAnotherOrigin(t *testing.T) {
	form := []byte(url.Values{"username": {"apiadmin"}, "password": {secretA}}.Encode())
	for _, tc := range []struct {
		name string
		code int
		req  Request
		auth Authenticator
	}{
		{"login form on 307", http.StatusTemporaryRedirect,
			Request{Operation: "Login", Method: http.MethodPost, Path: "/token", Body: form, NoAuth: true,
				Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}}, nil},
		{"login form on 308", http.StatusPermanentRedirect,
			Request{Operation: "Login", Method: http.MethodPost, Path: "/token", Body: form, NoAuth: true, Idempotent: true}, nil},
		{"Basic login header on 307", http.StatusTemporaryRedirect,
			Request{Operation: "Login", Method: http.MethodGet, Path: "/auth", NoAuth: true,
				Header: http.Header{"Authorization": {"Basic " + secretB}}}, nil},
		{"authenticated GET on 302", http.StatusFound,
			Request{Operation: "List", Method: http.MethodGet, Path: "/orgs"}, &BasicAuth{Header: "Bearer " + secretB}},
		{"authenticated GET on 301", http.StatusMovedPermanently,
			Request{Operation: "List", Method: http.MethodGet, Path: "/orgs"}, &BasicAuth{Header: "Bearer " + secretB}},
		{"JSON body without credentials on 307", http.StatusTemporaryRedirect,
			Request{Operation: "Create", Method: http.MethodPost, Path: "/x", Body: []byte(`{"name":"Acme"}`)}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			other := newForeign(t)
			_, srv := serve(t, redirectTo(other.srv.URL+"/elsewhere", tc.code))
			c := redactingClient(t, srv.URL, func(o *Options) { o.Auth = tc.auth })
			_, err := c.Do(context.Background(), tc.req)
			pe := wantKind(t, err, provider.KindOriginRefused)
			if n := other.hits.Load(); n != 0 {
				t.Fatalf("the other origin received %d request(s): body %q, Authorization %q", n, other.bodies.Load(), other.auth.Load())
			}
			otherHost := strings.TrimPrefix(other.srv.URL, "http://")
			if !strings.Contains(pe.Message, otherHost) || pe.Op != tc.req.Operation {
				t.Fatalf("the error must name the operation and the refused origin %s: %+v", otherHost, pe)
			}
			if c.Calls() != 1 {
				t.Fatalf("a refused redirect is final, not retried: %d calls", c.Calls())
			}
		})
	}
}

func TestSameOriginRedirectKeepsBodyAndCredentials(t *testing.T) {
	var got atomic.Value
	mux := http.NewServeMux()
	mux.HandleFunc("/token", redirectTo("/token/", http.StatusPermanentRedirect))
	mux.HandleFunc("/token/", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got.Store(r.Header.Get("Authorization") + "|" + string(b))
		_, _ = w.Write([]byte("ok"))
	})
	srv := serveMux(t, mux)
	c := newTestClient(t, srv.URL, func(o *Options) { o.Auth = &BasicAuth{Header: "Basic abc"} })
	resp, err := c.Do(context.Background(), Request{Method: http.MethodPost, Path: "/token", Body: []byte("grant=x"), Idempotent: true})
	if err != nil || string(resp.Body) != "ok" {
		t.Fatalf("%v %v", resp, err)
	}
	if got.Load() != "Basic abc|grant=x" {
		t.Fatalf("a same-origin 308 keeps body and credentials, got %q", got.Load())
	}
}

func TestRedirectWithoutCredentialsMayLeaveTheOrigin(t *testing.T) {
	// A discovery GET carries nothing secret, so following it elsewhere leaks nothing.
	other := newForeign(t)
	_, srv := serve(t, redirectTo(other.srv.URL+"/info", http.StatusFound))
	c := newTestClient(t, srv.URL, nil)
	resp, err := c.Do(context.Background(), Request{Method: http.MethodGet, Path: "/info", NoAuth: true})
	if err != nil || resp.StatusCode != 200 || other.hits.Load() != 1 {
		t.Fatalf("want the redirect followed: %v %v, %d hits", resp, err, other.hits.Load())
	}
}

func TestDefaultPortIsTheSameOrigin(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		same bool
	}{
		{"https://acme.halopsa.com", "https://ACME.halopsa.com:443/auth", true},
		{"http://127.0.0.1", "http://127.0.0.1:80/x", true},
		{"https://acme.halopsa.com", "https://acme.halopsa.com:8443", false},
		{"https://acme.halopsa.com", "http://acme.halopsa.com", false},
		{"http://127.0.0.1:8080", "http://localhost:8080", false},
		{"https://[::1]:443", "https://[::1]/", true},
	} {
		a, _ := url.Parse(tc.a)
		b, _ := url.Parse(tc.b)
		if got := SameOrigin(a, b); got != tc.same {
			t.Errorf("SameOrigin(%s, %s) = %v, want %v", tc.a, tc.b, got, tc.same)
		}
	}
}

func TestBodyOrCredentialsOnlyToTrustedOrigins(t *testing.T) {
	other := newForeign(t)
	_, srv := serve(t, status(200, "ok"))

	// An absolute URL elsewhere (a next link, a discovered auth server) gets no body and no
	// credentials.
	c := newTestClient(t, srv.URL, nil)
	_, err := c.Do(context.Background(), Request{Operation: "Authenticate", Method: http.MethodPost,
		Path: other.srv.URL + "/auth/token", Body: []byte("client_secret=" + secretA), NoAuth: true})
	pe := wantKind(t, err, provider.KindOriginRefused)
	if other.hits.Load() != 0 || !strings.Contains(pe.Message, strings.TrimPrefix(other.srv.URL, "http://")) {
		t.Fatalf("refusal must name the origin and send nothing: %+v, %d hits", pe, other.hits.Load())
	}
	c = newTestClient(t, srv.URL, func(o *Options) { o.Auth = &BasicAuth{Header: "Bearer abc"} })
	_, err = c.Do(context.Background(), Request{Method: http.MethodGet, Path: other.srv.URL + "/next"})
	wantKind(t, err, provider.KindOriginRefused)
	if other.hits.Load() != 0 || other.auth.Load() != "" {
		t.Fatalf("credentials were sent to another origin: %q", other.auth.Load())
	}

	// The auth server the user named in the spec is trusted.
	authURL, _ := url.Parse(other.srv.URL + "/auth")
	c = newTestClient(t, srv.URL, func(o *Options) { o.Config.AuthURL = authURL })
	if _, err := c.Do(context.Background(), Request{Method: http.MethodPost, Path: other.srv.URL + "/auth/token",
		Body: []byte("client_secret=x"), NoAuth: true}); err != nil {
		t.Fatal(err)
	}
	if other.hits.Load() != 1 || other.bodies.Load() != "client_secret=x" {
		t.Fatalf("the spec's auth server must receive the grant: %d hits", other.hits.Load())
	}
}
