package httpx

import (
	"context"
	"net/http"
	"net/url"
	"strings"
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
