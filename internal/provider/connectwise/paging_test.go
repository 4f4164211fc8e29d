package connectwise

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/accountsync/accountsync-operator/internal/provider"
	cwsim "github.com/accountsync/accountsync-operator/internal/simulator/connectwise"
)

// A server that answers every page with the same records and a fresh rel="next" link (a huge
// rel="last") never ends on its own: the link is new each time, only the body repeats.
func TestListingStopsWhenTheServerRepeatsAPage(t *testing.T) {
	f := cwsim.DefaultFixture()
	sim := cwsim.New(f)
	var listings atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/company/companies") {
			sim.ServeHTTP(w, r)
			return
		}
		listings.Add(1)
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		next := fmt.Sprintf("http://%s%s?page=%d&pageSize=1000", r.Host, r.URL.Path, page+1)
		w.Header().Set("Link", fmt.Sprintf(`<%s>; rel="next", <http://%s%s?page=99999999&pageSize=1000>; rel="last"`, next, r.Host, r.URL.Path))
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `[{"id":250,"identifier":"AcmeCorp","name":"Acme Corp","status":{"id":17,"name":"Active"}}]`)
	}))
	t.Cleanup(srv.Close)
	pc, err := provider.Build(provider.ConnectWisePSA, testConfig(t, srv.URL), credsOf(f))
	if err != nil {
		t.Fatal(err)
	}
	_, err = pc.(*Client).ListAccounts(ctx, provider.AccountFilter{})
	if !provider.IsKind(err, provider.KindTransient) {
		t.Fatalf("want a transient error, got %v", err)
	}
	if !strings.Contains(err.Error(), "ConnectWisePSA") || !strings.Contains(err.Error(), "page 2 repeats page 1") {
		t.Fatalf("the error must name the vendor and the page: %v", err)
	}
	if n := listings.Load(); n != 2 {
		t.Fatalf("want the listing to stop after 2 calls, made %d", n)
	}
}
