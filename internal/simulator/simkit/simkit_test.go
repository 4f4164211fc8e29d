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
	if first, second := k.EmptyListing(users), k.EmptyListing(users); !first || !second {
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

func TestThrottlePathThrottlesOnlyThatPath(t *testing.T) {
	var k Kit
	k.SetFaults(Faults{ThrottleEvery: 2, RetryAfterSeconds: 3600, ThrottlePath: "/v2/ServiceDesk/HardwareAsset"})
	answered := func(path string) (bool, *httptest.ResponseRecorder) {
		w := httptest.NewRecorder()
		return k.Inject(w, httptest.NewRequest("GET", path, nil)), w
	}
	for i := 0; i < 3; i++ {
		if done, _ := answered("/v2/crm/accounts/summary"); done {
			t.Fatalf("request %d to another path was throttled", i+1)
		}
	}
	if done, _ := answered("/v2/servicedesk/hardwareasset/searchselect"); done {
		t.Fatal("the first request under the path was throttled; every 2nd is")
	}
	done, w := answered("/v2/servicedesk/hardwareasset/searchselect")
	if !done || w.Code != 429 || w.Header().Get("Retry-After") != "3600" {
		t.Fatalf("the second request under the path: answered %v, %d, Retry-After %q", done, w.Code, w.Header().Get("Retry-After"))
	}
}

func TestThrottleMethodThrottlesOnlyThatMethod(t *testing.T) {
	var k Kit
	k.SetFaults(Faults{ThrottleEvery: 1, ThrottlePath: "/v2/crm/accounts", ThrottleMethod: "POST"})
	if k.Inject(httptest.NewRecorder(), httptest.NewRequest("GET", "/v2/crm/accounts/summary", nil)) {
		t.Fatal("a listing under the path was throttled")
	}
	if !k.Inject(httptest.NewRecorder(), httptest.NewRequest("POST", "/v2/crm/accounts", nil)) {
		t.Fatal("the create was not throttled")
	}
}
