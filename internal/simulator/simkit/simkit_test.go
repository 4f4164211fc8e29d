package simkit

import (
	"net/http/httptest"
	"testing"
	"time"
)

func TestEmptyListingConsumesOnlyMatchingPaths(t *testing.T) {
	var k Kit
	k.SetFaults(Faults{EmptyListings: 2, EmptyListingPath: "/api/Users"})
	other := httptest.NewRequest("GET", "/api/Client", nil)
	users := httptest.NewRequest("GET", "/api/users", nil)
	if k.EmptyListing(other) {
		t.Fatal("another path was emptied")
	}
	if !k.EmptyListing(users) || !k.EmptyListing(users) {
		t.Fatal("the first two listings of the path were not emptied")
	}
	if k.EmptyListing(users) {
		t.Fatal("a third listing was emptied")
	}
}

func TestHiddenCreateBecomesVisible(t *testing.T) {
	var k Kit
	k.SetFaults(Faults{HiddenCreates: 1, HideFor: 50 * time.Millisecond})
	k.HideCreated("account/1")
	k.HideCreated("account/2")
	if k.Visible("account/1") {
		t.Fatal("a hidden create is listed")
	}
	if !k.Visible("account/2") {
		t.Fatal("only one create was to be hidden")
	}
	time.Sleep(60 * time.Millisecond)
	if !k.Visible("account/1") {
		t.Fatal("the create never showed up")
	}
}
