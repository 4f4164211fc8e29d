package gravityzone

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	gzsim "github.com/accountsync/accountsync-operator/internal/simulator/gravityzone"
)

// getCompaniesList is documented without paging, so the client makes one call and has no page
// loop a server could keep turning: a server answering with a paged object and a huge total
// (the shape of GravityZone's paged methods) ends the listing after that one call, with an error.
func TestListingIsOneCallEvenWhenTheServerClaimsMorePages(t *testing.T) {
	paged := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"id":"1","jsonrpc":"2.0","result":{"page":1,"pagesCount":1000000,"perPage":100,"total":100000000,`+
			`"items":[{"id":"c1","name":"Acme"}]}}`)
	})
	e := newEnv(t, gzsim.Fixture{}, testKey, paged, nil)
	_, err := e.client.ListOrganizations(context.Background())
	if err == nil || !strings.Contains(err.Error(), "getCompaniesList") {
		t.Fatalf("want an error naming the method, got %v", err)
	}
	if n := len(e.rec.requests()); n != 1 {
		t.Fatalf("want exactly one call, made %d", n)
	}
}
