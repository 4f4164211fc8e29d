package creation

import (
	"context"
	"sync"
	"time"
)

// registryMemory is how long a record created through the registry is handed to other callers
// wanting the same name: long enough for every policy to list it in its next sync.
const registryMemory = time.Hour

// Registry coordinates the creates of one manager that target the same system (say two
// policies importing into one PSA connection): one guarded attempt per name at a time, and a
// record one caller created, or whose create has an unknown outcome, is what another caller
// wanting the same name gets, instead of a second create or a name conflict with ourselves.
// The zero value is ready to use.
type Registry struct {
	mu      sync.Mutex
	entries map[string]*entry
}

type entry struct {
	// sem is a one-slot semaphore: a channel so that waiting for it honours the context.
	sem     chan struct{}
	waiters int
	// What the last attempt under this name left: a record, or a create with no answer yet.
	rec     *Record
	owner   string
	at      time.Time
	pending bool
	// target is the name the record was created under, or the pending create was sent with.
	target string
}

func registryKey(target, name string) string { return target + "\x00" + ExactKeyOf(name) }

// acquire waits for the name's slot and returns the entry, locked for the caller.
func (r *Registry) acquire(ctx context.Context, key string) (*entry, error) {
	r.mu.Lock()
	if r.entries == nil {
		r.entries = map[string]*entry{}
	}
	e := r.entries[key]
	if e == nil {
		e = &entry{sem: make(chan struct{}, 1)}
		r.entries[key] = e
	}
	e.waiters++
	r.mu.Unlock()
	select {
	case e.sem <- struct{}{}:
		return e, nil
	case <-ctx.Done():
		r.release(key, e, time.Time{}, false)
		return nil, ctx.Err()
	}
}

// release gives the slot back (held says whether the caller had it) and forgets entries
// nobody waits for whose memory has expired.
func (r *Registry) release(key string, e *entry, now time.Time, held bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if held {
		<-e.sem
	}
	e.waiters--
	if e.waiters == 0 && (e.at.IsZero() || now.Sub(e.at) > registryMemory) {
		delete(r.entries, key)
	}
}

// note records what an attempt by owner left under the entry (caller holds the slot).
func (e *entry) note(owner, target string, rec *Record, pending bool, now time.Time) {
	e.owner, e.target, e.rec, e.pending, e.at = owner, target, rec, pending, now
}

// wants reports whether a caller with opts asking for name would create a record named target:
// the name itself, or its prefixed form (only made when the name is taken).
func wants(opts Options, name, target string) bool {
	return SameName(target, name) || (opts.UsePrefix && opts.Prefix != "" && SameName(target, opts.Prefix+name))
}
