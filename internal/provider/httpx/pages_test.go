package httpx

import (
	"strings"
	"testing"

	"github.com/accountsync/accountsync-operator/internal/provider"
)

func TestPageGuardStopsOnARepeatedPage(t *testing.T) {
	c := newTestClient(t, "http://127.0.0.1:1", nil)
	g := PageGuard{Operation: "ListOrganizations"}
	if err := g.Next(c, []byte(`{"page":1}`)); err != nil {
		t.Fatal(err)
	}
	if err := g.Next(c, []byte(`{"page":2}`)); err != nil {
		t.Fatal(err)
	}
	err := g.Next(c, []byte(`{"page":2}`))
	pe := wantKind(t, err, provider.KindTransient)
	if !strings.Contains(pe.Message, "page 3 repeats page 2") || !strings.Contains(pe.Message, "ListOrganizations") {
		t.Fatalf("message must name the operation and the page: %q", pe.Message)
	}
}

func TestPageGuardStopsAtItsCap(t *testing.T) {
	c := newTestClient(t, "http://127.0.0.1:1", nil)
	g := PageGuard{Operation: "ListAgents", MaxPages: 3}
	for i, body := range []string{"a", "b", "c"} {
		if err := g.Next(c, []byte(body)); err != nil {
			t.Fatalf("page %d: %v", i+1, err)
		}
	}
	err := g.Next(c, []byte("d"))
	pe := wantKind(t, err, provider.KindTransient)
	if !strings.Contains(pe.Message, "cap of 3 pages") {
		t.Fatalf("message must name the cap: %q", pe.Message)
	}
	if g.Pages() != 4 {
		t.Fatalf("pages = %d, want 4", g.Pages())
	}
}
