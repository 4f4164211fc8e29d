// Package simkit holds what every vendor simulator shares: per-endpoint call counters and the
// fault switches (429 every Nth call, on every path or under one, 5xx every Nth call, added
// latency, a create that succeeds but answers only after a delay longer than the client's
// timeout, empty listings, and creates that stay out of listings for a while).
package simkit

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Faults are switched on at run time by tests and by cmd/vendorsim flags.
type Faults struct {
	// ThrottleEvery answers 429 with Retry-After on every Nth request (0 = never).
	ThrottleEvery int
	// RetryAfterSeconds is the Retry-After value sent with a 429.
	RetryAfterSeconds int
	// ThrottlePath and ThrottleMethod limit ThrottleEvery to requests whose path starts with
	// ThrottlePath (case-insensitive) and whose method is ThrottleMethod ("" = any), counting
	// only those: a vendor that throttles one API (its assets, its creates) and answers the rest.
	ThrottlePath   string
	ThrottleMethod string
	// ServerErrorEvery answers 503 on every Nth request (0 = never), before any work is done.
	ServerErrorEvery int
	// Latency is added to every request.
	Latency time.Duration
	// SlowCreates makes the next N create calls do their work and then wait SlowCreateDelay
	// before answering, so a client with a shorter timeout sees an unknown outcome.
	SlowCreates     int
	SlowCreateDelay time.Duration
	// EmptyListings makes the next N listings whose path is EmptyListingPath ("" = any
	// listing) answer an empty, successful list: the glitch a sync must not believe.
	EmptyListings    int
	EmptyListingPath string
	// HiddenCreates makes the next N committed creates invisible to listings and searches for
	// HideFor (an eventually consistent search index).
	HiddenCreates int
	HideFor       time.Duration
}

// Kit is embedded by each simulator.
type Kit struct {
	mu     sync.Mutex
	faults Faults
	total  int
	// throttleTotal counts the requests that ThrottlePath and ThrottleMethod select.
	throttleTotal int
	calls         map[string]int
	// hidden maps a record key given to HideCreated to when it becomes visible.
	hidden map[string]time.Time
}

// SetFaults replaces the fault switches and resets the fault counters.
func (k *Kit) SetFaults(f Faults) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.faults = f
	k.total = 0
	k.throttleTotal = 0
}

// Calls returns how many requests hit an endpoint key (e.g. "GET /company/companies").
func (k *Kit) Calls(key string) int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.calls[key]
}

// AllCalls returns a copy of every counter.
func (k *Kit) AllCalls() map[string]int {
	k.mu.Lock()
	defer k.mu.Unlock()
	out := make(map[string]int, len(k.calls))
	for key, v := range k.calls {
		out[key] = v
	}
	return out
}

// ResetCalls zeroes the counters.
func (k *Kit) ResetCalls() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.calls = nil
}

// Count records a call to key.
func (k *Kit) Count(key string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.calls == nil {
		k.calls = map[string]int{}
	}
	k.calls[key]++
}

// Inject applies latency and the 429/5xx switches; it reports true when it has answered.
// Call it after authentication checks and before doing any work.
func (k *Kit) Inject(w http.ResponseWriter, r *http.Request) bool {
	k.mu.Lock()
	f := k.faults
	k.total++
	n := k.total
	throttleN := n
	if f.ThrottlePath != "" || f.ThrottleMethod != "" {
		throttleN = 0
		if strings.HasPrefix(strings.ToLower(r.URL.Path), strings.ToLower(f.ThrottlePath)) &&
			(f.ThrottleMethod == "" || strings.EqualFold(r.Method, f.ThrottleMethod)) {
			k.throttleTotal++
			throttleN = k.throttleTotal
		}
	}
	k.mu.Unlock()
	if f.Latency > 0 {
		select {
		case <-time.After(f.Latency):
		case <-r.Context().Done():
			return true
		}
	}
	if f.ThrottleEvery > 0 && throttleN > 0 && throttleN%f.ThrottleEvery == 0 {
		w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfterSeconds))
		http.Error(w, `{"message":"Too many requests"}`, http.StatusTooManyRequests)
		return true
	}
	if f.ServerErrorEvery > 0 && n%f.ServerErrorEvery == 0 {
		http.Error(w, `{"message":"Service unavailable"}`, http.StatusServiceUnavailable)
		return true
	}
	return false
}

// SlowCreate is called by a simulator after it has committed a create; it blocks for the
// configured delay while slow creates remain, so the client times out on a write that happened.
func (k *Kit) SlowCreate(r *http.Request) {
	k.mu.Lock()
	delay := time.Duration(0)
	if k.faults.SlowCreates > 0 {
		k.faults.SlowCreates--
		delay = k.faults.SlowCreateDelay
	}
	k.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
		}
	}
}

// EmptyListing is called by a simulator's list handler before it answers; true means answer an
// empty list (consuming one EmptyListings).
func (k *Kit) EmptyListing(r *http.Request) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.faults.EmptyListings <= 0 || (k.faults.EmptyListingPath != "" && !strings.EqualFold(r.URL.Path, k.faults.EmptyListingPath)) {
		return false
	}
	k.faults.EmptyListings--
	return true
}

// HideCreated is called by a simulator after it committed a create of the record named key
// (e.g. "account/42"); while HiddenCreates remain, the record stays out of listings for HideFor.
func (k *Kit) HideCreated(key string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.faults.HiddenCreates <= 0 {
		return
	}
	k.faults.HiddenCreates--
	if k.hidden == nil {
		k.hidden = map[string]time.Time{}
	}
	k.hidden[key] = time.Now().Add(k.faults.HideFor)
}

// Visible reports whether a listing may show the record named key.
func (k *Kit) Visible(key string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	until, ok := k.hidden[key]
	if !ok {
		return true
	}
	if time.Now().Before(until) {
		return false
	}
	delete(k.hidden, key)
	return true
}
