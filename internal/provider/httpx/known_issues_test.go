package httpx

// Regression tests for defects found in httpx.go while writing this suite. Each asserts the
// behaviour the package doc promises and is skipped until httpx.go is fixed (the fix for each
// is described in the skip message); delete the Skip line together with the fix.

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/accountsync/accountsync-operator/internal/provider"
)

func TestKnownIssueSnippetTruncatesBeforeRedacting(t *testing.T) {
	body := strings.Repeat("x", 290) + secretA // the secret spans bytes 290-305
	_, srv := serve(t, status(503, body))
	c := redactingClient(t, srv.URL, nil)
	_, err := c.Do(context.Background(), Request{Method: http.MethodGet, Path: "/x"})
	if strings.Contains(err.Error(), secretA[:6]) {
		t.Fatalf("part of the secret leaked: %q", err.Error())
	}
}

func TestKnownIssueEncodedSecretsAreNotRedacted(t *testing.T) {
	t.Skip("httpx bug: Redact only replaces the literal value; a secret echoed URL-encoded (net/url errors quote " +
		"the request URL) or JSON-escaped (\\\" \\u003c ...) survives; fix: in New also add url.QueryEscape(s), " +
		"url.PathEscape(s) and the JSON-escaped form (json.Marshal(s) without quotes) as replacer pairs")
	secret := `p@ss/w"rd<1>`
	c := newTestClient(t, closedURL(t), func(o *Options) { o.Secrets = []string{secret}; o.Config.MaxRetries = 0 })
	_, err := c.Do(context.Background(), Request{Method: http.MethodGet, Path: "/x", Query: url.Values{"key": {secret}}})
	if strings.Contains(err.Error(), url.QueryEscape(secret)) {
		t.Fatalf("URL-encoded secret leaked: %q", err.Error())
	}
	if got := c.Redact(`{"echo":"p@ss/w\"rd\u003c1\u003e"}`); strings.Contains(got, `w\"rd`) {
		t.Fatalf("JSON-escaped secret leaked: %q", got)
	}
}

func TestKnownIssueAuthenticatorFailureIsRetried(t *testing.T) {
	t.Skip("httpx bug: an error returned by Authenticator.Apply (e.g. TokenAuth.Fetch answering KindAuth for a " +
		"wrong password) is treated as a network error and retried MaxRetries times, so one call makes " +
		"MaxRetries+1 logins (and (MaxRetries+1)^2 requests when the login itself is transient), risking " +
		"account lockout; fix: in Do, return a *provider.Error that came out of send before the request " +
		"was sent (auth.Apply) at once instead of storing it in lastErr")
	var fetches atomic.Int64
	_, srv := serve(t, status(200, "ok"))
	c := newTestClient(t, srv.URL, func(o *Options) {
		o.Auth = &TokenAuth{Fetch: func(context.Context, *Client) (Token, error) {
			fetches.Add(1)
			return Token{}, &provider.Error{Kind: provider.KindAuth, Message: "invalid_grant"}
		}}
	})
	_, err := c.Do(context.Background(), Request{Method: http.MethodGet, Path: "/x"})
	wantKind(t, err, provider.KindAuth)
	if fetches.Load() != 1 {
		t.Fatalf("a refused login must not be repeated: %d logins", fetches.Load())
	}
}

func TestKnownIssueAbsoluteURLToAnotherHostGetsCredentials(t *testing.T) {
	var got atomic.Value
	got.Store("")
	other := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		got.Store(r.Header.Get("Authorization"))
	}))
	t.Cleanup(other.Close)
	_, srv := serve(t, status(200, ""))
	c := newTestClient(t, srv.URL, func(o *Options) { o.Auth = &BasicAuth{Header: "Bearer abc"} })
	_, _ = c.Do(context.Background(), Request{Method: http.MethodGet, Path: other.URL + "/next"})
	if got.Load() != "" {
		t.Fatalf("credentials were sent to another host: %q", got.Load())
	}
}

func TestKnownIssueRedirectToOtherPortKeepsAuthorization(t *testing.T) {
	var got atomic.Value
	other := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		got.Store(r.Header.Get("Authorization"))
	}))
	t.Cleanup(other.Close)
	_, srv := serve(t, func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, other.URL+"/y", http.StatusFound) })
	c := newTestClient(t, srv.URL, func(o *Options) { o.Auth = &BasicAuth{Header: "Bearer abc"} })
	_, _ = c.Do(context.Background(), Request{Method: http.MethodGet, Path: "/x"})
	if got.Load() != "" {
		t.Fatalf("credentials followed a redirect to another port: %q", got.Load())
	}
}
