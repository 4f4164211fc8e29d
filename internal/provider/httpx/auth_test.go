package httpx

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/accountsync/accountsync-operator/internal/provider"
)

// countingAuth hands out "token-N", where N is bumped by Invalidate.
type countingAuth struct {
	applies     atomic.Int64
	invalidates atomic.Int64
}

func (a *countingAuth) Apply(_ context.Context, _ *Client, req *http.Request) error {
	a.applies.Add(1)
	req.Header.Set("Authorization", "Bearer token-"+string(rune('0'+a.invalidates.Load())))
	return nil
}

func (a *countingAuth) Invalidate() { a.invalidates.Add(1) }

// acceptToken answers 401 unless the request carries the wanted Authorization value.
func acceptToken(want string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != want {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte("ok"))
	}
}

func TestUnauthorizedTriggersExactlyOneReauth(t *testing.T) {
	s, srv := serve(t, acceptToken("Bearer token-1"))
	auth := &countingAuth{}
	c := newTestClient(t, srv.URL, func(o *Options) { o.Auth = auth })
	resp, err := c.Do(context.Background(), Request{Method: http.MethodGet, Path: "/x"})
	if err != nil || string(resp.Body) != "ok" {
		t.Fatalf("want success with the fresh token: %v %v", resp, err)
	}
	if auth.invalidates.Load() != 1 || auth.applies.Load() != 2 || s.count() != 2 {
		t.Fatalf("invalidates %d applies %d attempts %d", auth.invalidates.Load(), auth.applies.Load(), s.count())
	}
}

func TestReauthDoesNotConsumeARetry(t *testing.T) {
	// MaxRetries 1: a 503, then a 401 with re-auth, then success must still fit.
	_, srv := serve(t, status(503, ""), status(401, ""), status(200, "ok"))
	auth := &countingAuth{}
	c := newTestClient(t, srv.URL, func(o *Options) { o.Auth = auth; o.Config.MaxRetries = 1 })
	if _, err := c.Do(context.Background(), Request{Method: http.MethodGet, Path: "/x"}); err != nil {
		t.Fatalf("the re-authentication is not a retry of a failure: %v", err)
	}
}

func TestPersistentUnauthorizedIsAuthError(t *testing.T) {
	s, srv := serve(t, status(401, "bad credentials"))
	auth := &countingAuth{}
	c := newTestClient(t, srv.URL, func(o *Options) { o.Auth = auth })
	_, err := c.Do(context.Background(), Request{Operation: "List", Method: http.MethodGet, Path: "/x"})
	pe := wantKind(t, err, provider.KindAuth)
	if pe.StatusCode != 401 || pe.Op != "List" || pe.Message != "bad credentials" {
		t.Fatalf("error fields: %+v", pe)
	}
	if s.count() != 2 || auth.invalidates.Load() != 1 {
		t.Fatalf("one re-authentication only: %d attempts, %d invalidations", s.count(), auth.invalidates.Load())
	}
}

func TestUnauthorizedWithoutAuthenticatorOrNoAuth(t *testing.T) {
	s, srv := serve(t, status(401, ""))
	c := newTestClient(t, srv.URL, nil)
	_, err := c.Do(context.Background(), Request{Method: http.MethodGet, Path: "/x"})
	wantKind(t, err, provider.KindAuth)
	if s.count() != 1 {
		t.Fatalf("nothing to refresh without an Authenticator: %d attempts", s.count())
	}

	s2, srv2 := serve(t, status(401, ""))
	auth := &countingAuth{}
	c2 := newTestClient(t, srv2.URL, func(o *Options) { o.Auth = auth })
	_, err = c2.Do(context.Background(), Request{Method: http.MethodPost, Path: "/login", NoAuth: true})
	wantKind(t, err, provider.KindAuth)
	if s2.count() != 1 || auth.applies.Load() != 0 || auth.invalidates.Load() != 0 {
		t.Fatalf("a NoAuth call neither applies nor refreshes credentials: %d attempts", s2.count())
	}
}

func TestForbiddenIsAuthWithoutReauth(t *testing.T) {
	s, srv := serve(t, status(403, "no rights"))
	auth := &countingAuth{}
	c := newTestClient(t, srv.URL, func(o *Options) { o.Auth = auth })
	_, err := c.Do(context.Background(), Request{Method: http.MethodGet, Path: "/x"})
	wantKind(t, err, provider.KindAuth)
	if s.count() != 1 || auth.invalidates.Load() != 0 {
		t.Fatalf("403 is final: %d attempts", s.count())
	}
}

func TestTokenAuthFetchesThroughClientAndRefreshesOn401(t *testing.T) {
	var fetches atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			t.Error("the token request must not carry the (missing) token")
		}
		_, _ = w.Write([]byte("t" + string(rune('0'+fetches.Add(1)))))
	})
	mux.HandleFunc("/data", acceptToken("Bearer t2"))
	srv := serveMux(t, mux)
	auth := &TokenAuth{
		Fetch: func(ctx context.Context, c *Client) (Token, error) {
			resp, err := c.Do(ctx, Request{Operation: "Login", Method: http.MethodPost, Path: "/token", NoAuth: true})
			if err != nil {
				return Token{}, err
			}
			return Token{Value: string(resp.Body)}, nil
		},
		Extra: http.Header{"Clientid": {"abc"}},
	}
	c := newTestClient(t, srv.URL, func(o *Options) { o.Auth = auth })
	resp, err := c.Do(context.Background(), Request{Method: http.MethodGet, Path: "/data"})
	if err != nil || string(resp.Body) != "ok" {
		t.Fatalf("%v %v", resp, err)
	}
	if fetches.Load() != 2 {
		t.Fatalf("one fetch, one re-fetch after 401: %d", fetches.Load())
	}
	// The token is cached: the next call fetches nothing.
	if _, err := c.Do(context.Background(), Request{Method: http.MethodGet, Path: "/data"}); err != nil || fetches.Load() != 2 {
		t.Fatalf("cached token: %v, %d fetches", err, fetches.Load())
	}
	// Logins go through the same client, so they are counted: 2 logins + 3 data calls.
	if c.Calls() != 5 {
		t.Fatalf("want 5 calls, got %d", c.Calls())
	}
}

func TestBasicAuthSetsHeaderAndExtras(t *testing.T) {
	s, srv := serve(t, status(200, "ok"))
	c := newTestClient(t, srv.URL, func(o *Options) {
		o.Auth = &BasicAuth{Header: "Basic dXNlcjpwYXNz", Extra: http.Header{"Clientid": {"cid"}}}
	})
	if _, err := c.Do(context.Background(), Request{Method: http.MethodGet, Path: "/x"}); err != nil {
		t.Fatal(err)
	}
	r := s.requests()[0]
	if r.Header.Get("Authorization") != "Basic dXNlcjpwYXNz" || r.Header.Get("Clientid") != "cid" {
		t.Fatalf("headers: %v", r.Header)
	}
	if r.Header.Get("User-Agent") != "accountsync-operator" || r.Header.Get("Accept") != "application/json" {
		t.Fatalf("default headers: %v", r.Header)
	}
}

func TestRefusedLoginIsNotRepeated(t *testing.T) {
	// Repeating a refused login can lock the MSP's vendor account.
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

func TestFailingLoginIsRetriedOnlyByItsOwnCall(t *testing.T) {
	// The login request already retries its 503s; the data call must not retry the whole
	// login again, which made (MaxRetries+1)² login requests.
	logins, srv := serve(t, status(503, "down"))
	c := newTestClient(t, srv.URL, func(o *Options) {
		o.Auth = &TokenAuth{Fetch: func(ctx context.Context, c *Client) (Token, error) {
			_, err := c.Do(ctx, Request{Operation: "Login", Method: http.MethodPost, Path: "/login", NoAuth: true, Idempotent: true})
			return Token{}, err
		}}
	})
	_, err := c.Do(context.Background(), Request{Operation: "List", Method: http.MethodGet, Path: "/x"})
	wantKind(t, err, provider.KindTransient)
	if logins.count() != 4 {
		t.Fatalf("MaxRetries 3: want 4 login attempts in all, got %d", logins.count())
	}
}
