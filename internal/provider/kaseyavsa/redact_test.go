package kaseyavsa

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	vsasim "github.com/accountsync/accountsync-operator/internal/simulator/kaseyavsa"
)

// The session token bought with the personal access token is as secret as the PAT itself: a
// server echoing it in an error must not put it in a condition.
func TestSessionTokenIsRedacted(t *testing.T) {
	var session atomic.Value
	session.Store("")
	echo := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !strings.HasSuffix(r.URL.Path, "/system/orgs/") {
				next.ServeHTTP(w, r)
				return
			}
			tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
			session.Store(tok)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"Result":null,"ResponseCode":400,"Status":"Failed","Error":"bad session %s"}`, tok)
		})
	}
	e := newEnv(t, vsasim.Fixture{}, echo)
	_, err := e.client.ListOrganizations(ctx)
	tok := session.Load().(string)
	if len(tok) < 3 || err == nil {
		t.Fatalf("want an authenticated request and an error: token %q, %v", tok, err)
	}
	if strings.Contains(err.Error(), tok) || !strings.Contains(err.Error(), "[REDACTED]") {
		t.Fatalf("the session token leaked: %v", err)
	}
}
