package halopsa

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/accountsync/accountsync-operator/internal/provider"
)

// authServer is a token endpoint on its own origin (another port of the loopback host).
type authServer struct {
	srv   *httptest.Server
	hits  atomic.Int64
	forms atomic.Value
}

func newAuthServer(t *testing.T) *authServer {
	t.Helper()
	a := &authServer{}
	a.forms.Store("")
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.hits.Add(1)
		b, _ := io.ReadAll(r.Body)
		a.forms.Store(string(b))
		fmt.Fprint(w, `{"access_token":"tok-from-auth-server","token_type":"Bearer","expires_in":3600}`)
	}))
	t.Cleanup(a.srv.Close)
	return a
}

// tenant serves authinfo naming authURL (relative "/auth" when empty) and accepts any bearer
// token; every other path's hits are counted.
func tenant(t *testing.T, authURL string, token http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var authinfo atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/api/authinfo":
			authinfo.Add(1)
			if authURL == "" {
				authURL = "/auth"
			}
			fmt.Fprintf(w, `{"auth_url":%q}`, authURL)
		case r.URL.Path == "/auth/token" && token != nil:
			token(w, r)
		case r.URL.Path == "/auth/token":
			fmt.Fprint(w, `{"access_token":"tok-from-tenant","expires_in":3600}`)
		default:
			fmt.Fprint(w, `{"record_count":0,"page_no":1,"page_size":1,"clients":[]}`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &authinfo
}

func TestClientSecretGoesOnlyToTheTenantOrSpecAuthURL(t *testing.T) {
	elsewhere := newAuthServer(t)
	srv, _ := tenant(t, elsewhere.srv.URL+"/auth", nil)
	c, err := New(testConfig(srv.URL), testCreds())
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Probe(ctx(t))
	wantKind(t, err, provider.KindOriginRefused)
	if !strings.Contains(err.Error(), elsewhere.srv.URL) || !strings.Contains(err.Error(), "spec.authURL") {
		t.Fatalf("the error must name the refused host and the way out: %v", err)
	}
	if elsewhere.hits.Load() != 0 {
		t.Fatalf("the secret reached %s: %q", elsewhere.srv.URL, elsewhere.forms.Load())
	}

	// The same auth server written by the user in spec.authURL is trusted, and asked directly.
	cfg := testConfig(srv.URL)
	cfg.AuthURL, _ = url.Parse(elsewhere.srv.URL + "/auth/")
	srv2, authinfo := tenant(t, elsewhere.srv.URL+"/auth", nil)
	cfg.URL, _ = url.Parse(srv2.URL)
	c, err = New(cfg, testCreds())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Probe(ctx(t)); err != nil {
		t.Fatal(err)
	}
	form, _ := url.ParseQuery(elsewhere.forms.Load().(string))
	if elsewhere.hits.Load() != 1 || form.Get("client_secret") != testClientSecret || authinfo.Load() != 0 {
		t.Fatalf("want one grant at spec.authURL and no discovery: %d grants, %d authinfo calls", elsewhere.hits.Load(), authinfo.Load())
	}
}

func TestTokenGrantIsNotRedirectedToAnotherOrigin(t *testing.T) {
	elsewhere := newAuthServer(t)
	srv, _ := tenant(t, "", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.srv.URL+"/auth/token", http.StatusTemporaryRedirect)
	})
	c, err := New(testConfig(srv.URL), testCreds())
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Probe(ctx(t))
	wantKind(t, err, provider.KindOriginRefused)
	if elsewhere.hits.Load() != 0 {
		t.Fatalf("a 307 replayed the client secret to %s: %q", elsewhere.srv.URL, elsewhere.forms.Load())
	}
}

func TestAccessTokenIsRedacted(t *testing.T) {
	const access = "halo-access-9d8c7b6a"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/authinfo":
			fmt.Fprint(w, `{"auth_url":"/auth"}`)
		case "/auth/token":
			fmt.Fprintf(w, `{"access_token":%q,"expires_in":3600}`, access)
		default: // a resource call whose error page echoes the bearer token
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"ClassName":"Exception","message":"bad request with %s"}`, r.Header.Get("Authorization"))
		}
	}))
	t.Cleanup(srv.Close)
	c, err := New(testConfig(srv.URL), testCreds())
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Probe(ctx(t))
	if err == nil || strings.Contains(err.Error(), access) || !strings.Contains(err.Error(), "[REDACTED]") {
		t.Fatalf("the access token must be redacted: %v", err)
	}
}
