package kaseyavsa

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/accountsync/accountsync-operator/internal/provider"
	vsasim "github.com/accountsync/accountsync-operator/internal/simulator/kaseyavsa"
)

// A server that ignores $skip and always answers the first page with a huge total once made
// a listing run for as long as the caller's deadline allowed (over a thousand calls in 10 s).
func TestListingStopsWhenTheServerRepeatsAPage(t *testing.T) {
	var listings atomic.Int64
	samePage := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !strings.HasSuffix(r.URL.Path, "/system/orgs/") {
				next.ServeHTTP(w, r)
				return
			}
			listings.Add(1)
			rows := make([]string, pageSize)
			for i := range rows {
				rows[i] = fmt.Sprintf(`{"OrgId":%d,"OrgName":"Org %d","OrgRef":"org%d"}`, i+1, i+1, i+1)
			}
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"Result":[%s],"TotalRecords":100000000,"ResponseCode":0,"Status":"OK","Error":"None"}`, strings.Join(rows, ","))
		})
	}
	e := newEnv(t, vsasim.Fixture{}, samePage)
	_, err := e.client.ListOrganizations(ctx)
	wantKind(t, err, provider.KindTransient)
	if !strings.Contains(err.Error(), "KaseyaVSA") || !strings.Contains(err.Error(), "page 2 repeats page 1") {
		t.Fatalf("the error must name the vendor and the page: %v", err)
	}
	if n := listings.Load(); n != 2 {
		t.Fatalf("want the listing to stop after 2 calls, made %d", n)
	}
}
