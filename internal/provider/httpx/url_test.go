package httpx

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

func TestRelativePathJoinsConnectionPath(t *testing.T) {
	s, srv := serve(t, status(200, ""))
	c := newTestClient(t, srv.URL+"/v4_6_release/apis/3.0/", nil)
	if _, err := c.Do(context.Background(), Request{Method: http.MethodGet, Path: "/company/companies",
		Query: url.Values{"page": {"2"}, "conditions": {`name like "A%"`}}}); err != nil {
		t.Fatal(err)
	}
	r := s.requests()[0]
	if r.URL.Path != "/v4_6_release/apis/3.0/company/companies" {
		t.Fatalf("path %q", r.URL.Path)
	}
	if r.URL.Query().Get("page") != "2" || r.URL.Query().Get("conditions") != `name like "A%"` {
		t.Fatalf("query %q", r.URL.RawQuery)
	}
}

func TestAbsoluteURLPathIsUsedAsIs(t *testing.T) {
	// A Link header's next page is absolute and already carries its query.
	s, srv := serve(t, status(200, ""))
	c := newTestClient(t, srv.URL+"/base", nil)
	next := srv.URL + "/other/companies?page=3&pageSize=100"
	if _, err := c.Do(context.Background(), Request{Method: http.MethodGet, Path: next}); err != nil {
		t.Fatal(err)
	}
	r := s.requests()[0]
	if r.URL.Path != "/other/companies" || r.URL.RawQuery != "page=3&pageSize=100" {
		t.Fatalf("the absolute URL must not be joined to the base: %s?%s", r.URL.Path, r.URL.RawQuery)
	}
	// Extra query values merge into the link's own.
	if _, err := c.Do(context.Background(), Request{Method: http.MethodGet, Path: next, Query: url.Values{"fields": {"id"}}}); err != nil {
		t.Fatal(err)
	}
	q := s.requests()[1].URL.Query()
	if q.Get("page") != "3" || q.Get("pageSize") != "100" || q.Get("fields") != "id" {
		t.Fatalf("merged query %v", q)
	}
}

func TestSameHostRedirectKeepsAuthorization(t *testing.T) {
	var got atomic.Value
	mux := http.NewServeMux()
	mux.HandleFunc("/api/orgs", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/api/orgs/", http.StatusMovedPermanently) // VSA's trailing-slash 301
	})
	mux.HandleFunc("/api/orgs/", func(w http.ResponseWriter, r *http.Request) {
		got.Store(r.Header.Get("Authorization") + "|" + r.Header.Get("Clientid"))
		_, _ = w.Write([]byte("ok"))
	})
	srv := serveMux(t, mux)
	c := newTestClient(t, srv.URL, func(o *Options) {
		o.Auth = &BasicAuth{Header: "Bearer abc", Extra: http.Header{"Clientid": {"cid"}}}
	})
	resp, err := c.Do(context.Background(), Request{Method: http.MethodGet, Path: "/api/orgs"})
	if err != nil || string(resp.Body) != "ok" {
		t.Fatalf("%v %v", resp, err)
	}
	if got.Load() != "Bearer abc|cid" {
		t.Fatalf("a same-host redirect must keep credentials, got %q", got.Load())
	}
}

func TestRedirectToAnotherHostIsRefused(t *testing.T) {
	var hits atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(other.Close)
	// 127.0.0.1 and localhost are different hosts to the redirect policy.
	target := strings.Replace(other.URL, "127.0.0.1", "localhost", 1)
	_, srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target+"/elsewhere", http.StatusFound)
	})
	c := newTestClient(t, srv.URL, func(o *Options) { o.Auth = &BasicAuth{Header: "Bearer abc"} })
	_, err := c.Do(context.Background(), Request{Method: http.MethodGet, Path: "/x"})
	wantKind(t, err, provider.KindOriginRefused)
	if hits.Load() != 0 {
		t.Fatalf("an authenticated request must not follow a redirect to another host")
	}
}

func TestRedirectLoopStops(t *testing.T) {
	s, srv := serve(t, func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/again", http.StatusFound) })
	c := newTestClient(t, srv.URL, func(o *Options) { o.Config.MaxRetries = 1 })
	_, err := c.Do(context.Background(), Request{Method: http.MethodGet, Path: "/x"})
	if err == nil || !strings.Contains(err.Error(), "redirects") {
		t.Fatalf("want a redirect-limit error, got %v", err)
	}
	if s.count() > 2*6 {
		t.Fatalf("at most 6 hops per attempt, server saw %d", s.count())
	}
}
