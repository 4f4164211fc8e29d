package httpx

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accountsync/accountsync-operator/internal/provider"
)

const (
	secretA = "sk_live_4f9a1c2e"
	secretB = "hunter2-private-key"
)

func redactingClient(t *testing.T, rawURL string, mod func(*Options)) *Client {
	return newTestClient(t, rawURL, func(o *Options) {
		o.Secrets = []string{secretA, secretB}
		if mod != nil {
			mod(o)
		}
	})
}

func assertNoSecret(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: want an error", what)
	}
	msg := err.Error()
	if strings.Contains(msg, secretA) || strings.Contains(msg, secretB) {
		t.Fatalf("%s: secret leaked in %q", what, msg)
	}
	if !strings.Contains(msg, "[REDACTED]") {
		t.Fatalf("%s: the echoed secret should show as [REDACTED]: %q", what, msg)
	}
}

func TestSecretsRedactedFromEveryError(t *testing.T) {
	echo := "you sent " + secretA + " and " + secretB
	ctx := context.Background()

	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		req     Request
	}{
		{"401 body", status(401, echo), Request{Method: http.MethodGet, Path: "/x"}},
		{"403 body", status(403, echo), Request{Method: http.MethodGet, Path: "/x"}},
		{"503 exhausted", status(503, echo), Request{Method: http.MethodGet, Path: "/x"}},
		{"503 on a create", status(503, echo), Request{Method: http.MethodPost, Path: "/x", Body: []byte("{}")}},
	} {
		_, srv := serve(t, tc.handler)
		c := redactingClient(t, srv.URL, nil)
		_, err := c.Do(ctx, tc.req)
		assertNoSecret(t, tc.name, err)
	}

	// A vendor package decoding a 4xx/5xx body itself goes through StatusError or Errorf.
	_, srv := serve(t, status(400, `{"error":"bad key `+secretA+`"}`))
	c := redactingClient(t, srv.URL, nil)
	resp, err := c.Do(ctx, Request{Method: http.MethodGet, Path: "/x"})
	if err != nil {
		t.Fatal(err)
	}
	assertNoSecret(t, "StatusError from body", c.StatusError("Op", resp, ""))
	assertNoSecret(t, "StatusError with detail", c.StatusError("Op", resp, "detail "+secretB))
	assertNoSecret(t, "Errorf", c.Errorf(provider.KindInvalid, "Op", 0, "decode %s failed", secretA))
	if got := c.Redact("a " + secretA + " b"); got != "a [REDACTED] b" {
		t.Fatalf("Redact: %q", got)
	}
}

func TestSecretsRedactedFromTransportErrors(t *testing.T) {
	// Network errors quote the URL; a secret in the path (or a plain query value) must not
	// survive in the message.
	c := redactingClient(t, closedURL(t), func(o *Options) { o.Config.MaxRetries = 1 })
	_, err := c.Do(context.Background(), Request{Method: http.MethodGet, Path: "/keys/" + secretA,
		Query: url.Values{"token": {secretB}}})
	assertNoSecret(t, "connection refused", err)

	_, srv := serve(t, slow(300*time.Millisecond))
	c = redactingClient(t, srv.URL, func(o *Options) { o.Config.Timeout = 30 * time.Millisecond })
	_, err = c.Do(context.Background(), Request{Method: http.MethodPost, Path: "/keys/" + secretA, Body: []byte("{}")})
	assertNoSecret(t, "timeout on a create", err)
}

func TestShortSecretsAreNotRedacted(t *testing.T) {
	// Redacting a one- or two-letter value would shred every message, so such values are left.
	c := newTestClient(t, "http://example.invalid", func(o *Options) { o.Secrets = []string{"a", "id", ""} })
	if got := c.Redact("a valid id"); got != "a valid id" {
		t.Fatalf("short secrets must not be redacted: %q", got)
	}
}

func TestSnippetRedactsBeforeTruncating(t *testing.T) {
	body := strings.Repeat("x", 290) + secretA // the secret spans the 300-byte cut
	_, srv := serve(t, status(503, body))
	c := redactingClient(t, srv.URL, nil)
	_, err := c.Do(context.Background(), Request{Method: http.MethodGet, Path: "/x"})
	if strings.Contains(err.Error(), secretA[:6]) {
		t.Fatalf("part of the secret leaked: %q", err.Error())
	}
}

func TestEncodedSecretsAreRedacted(t *testing.T) {
	secret := `p@ss/w"rd<1>`
	c := newTestClient(t, closedURL(t), func(o *Options) { o.Secrets = []string{secret}; o.Config.MaxRetries = 0 })
	_, err := c.Do(context.Background(), Request{Method: http.MethodGet, Path: "/x", Query: url.Values{"key": {secret}}})
	if strings.Contains(err.Error(), url.QueryEscape(secret)) {
		t.Fatalf("URL-encoded secret leaked: %q", err.Error())
	}
	for _, echo := range []string{
		`{"echo":"p@ss/w\"rd\u003c1\u003e"}`, // Go's encoder (HTML-safe)
		`{"echo":"p@ss/w\"rd<1>"}`,           // most other encoders
		"/keys/" + url.PathEscape(secret),
	} {
		if got := c.Redact(echo); strings.Contains(got, `w\"rd`) || strings.Contains(got, "w%22rd") {
			t.Fatalf("escaped secret leaked: %q", got)
		}
	}
}

func TestLongerSecretIsRedactedWhole(t *testing.T) {
	// A user name that starts the password must not leave the password's tail behind.
	c := newTestClient(t, "http://example.invalid", func(o *Options) { o.Secrets = []string{"admin", "admin-Pa55word"} })
	if got := c.Redact("login admin-Pa55word failed"); got != "login [REDACTED] failed" {
		t.Fatalf("Redact: %q", got)
	}
}

func TestFetchedTokensAreRedacted(t *testing.T) {
	const session = "sess-7f3a9c2d1e"
	// The server echoes the bearer token it was given, as some vendors' error pages do.
	_, srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":"bad request for ` + r.Header.Get("Authorization") + `"}`))
	})
	c := newTestClient(t, srv.URL, func(o *Options) {
		o.Auth = &TokenAuth{Fetch: func(context.Context, *Client) (Token, error) { return Token{Value: session}, nil }}
	})
	resp, err := c.Do(context.Background(), Request{Operation: "List", Method: http.MethodGet, Path: "/x"})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []error{c.StatusError("List", resp, ""), c.Errorf(provider.KindInvalid, "List", 0, "echo %s", session)} {
		if strings.Contains(e.Error(), session) || !strings.Contains(e.Error(), "[REDACTED]") {
			t.Fatalf("session token leaked: %q", e.Error())
		}
	}
}

func TestRedactorLearnsConcurrently(t *testing.T) {
	c := newTestClient(t, "http://example.invalid", func(o *Options) { o.Secrets = []string{secretA} })
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(2)
		tok := fmt.Sprintf("token-%04d-abcdef", i)
		go func() { defer wg.Done(); c.LearnSecret(tok) }()
		go func() { defer wg.Done(); _ = c.Redact("x " + secretA + " " + tok) }()
	}
	wg.Wait()
	for i := 0; i < 8; i++ {
		tok := fmt.Sprintf("token-%04d-abcdef", i)
		if got := c.Redact(tok + secretA); got != "[REDACTED][REDACTED]" {
			t.Fatalf("Redact after learning: %q", got)
		}
	}
}
