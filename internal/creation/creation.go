// Package creation is the guard around every vendor create: look up the exact name first, record
// the intent before sending, and after an unknown outcome look again instead of creating again.
// It knows nothing of Kubernetes or of any vendor; the mapping controller supplies the verbs.
package creation

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/accountsync/accountsync-operator/internal/match"
	"github.com/accountsync/accountsync-operator/internal/provider"
)

// Record is a vendor record found or created.
type Record struct {
	ID   string
	Name string
	// Detail describes the holder of a conflicting name (e.g. "status Inactive, types Prospect").
	Detail string
}

// Intent is a create recorded before it was sent.
type Intent struct {
	Name  string
	Since time.Time
}

// Verbs are what the guard needs from the target system and from the caller's status.
type Verbs struct {
	// Find returns records whose name equals name case-insensitively, anywhere in the target
	// system (filtered out or not).
	Find func(ctx context.Context, name string) ([]Record, error)
	// Create sends the create.
	Create func(ctx context.Context, name string) (Record, error)
	// RecordIntent persists the intent (the mapping's status) before Create is called; if it
	// fails nothing is sent.
	RecordIntent func(ctx context.Context, in Intent) error
}

// Options are the policy's creation settings.
type Options struct {
	Prefix string
	// UsePrefix: on a name conflict, create Prefix+name instead of failing.
	UsePrefix bool
	// Settle is how long after an unknown outcome a record may take to become visible to Find;
	// only after it has passed without a trace is the create sent again.
	Settle time.Duration
	// Registry, when set, serialises attempts at the same name in the same Target and shares
	// their results among Owners (see Registry).
	Registry *Registry
	// Target identifies the system the record is created in (e.g. the connection and side).
	Target string
	// Owner identifies the caller (e.g. the mapping), as reported in Result.CreatedBy.
	Owner string
}

// Result of one guarded attempt. Exactly one of Record, Conflict and Pending is set, or the
// attempt failed with an error.
type Result struct {
	// Record is the created or adopted record.
	Record *Record
	// Adopted: the record is the result of this mapping's own earlier create whose answer was lost.
	Adopted bool
	// Conflict is the record that holds the target name (and the prefixed one, with Prefix).
	Conflict *Record
	// Pending: the create's outcome is unknown and the record is not visible yet.
	Pending bool
	// Intent is the intent now in force (zero when none should be kept).
	Intent *Intent
	// RetryAt (with Pending) is when the create may be sent again if every look-up until then
	// finds nothing.
	RetryAt time.Time
	// CreatedBy (with Adopted or Pending) names another Owner whose create this result is.
	CreatedBy string
}

// Ensure creates the counterpart named name unless the name is taken. previous is the intent left
// by an earlier attempt, or nil.
func Ensure(ctx context.Context, name string, previous *Intent, opts Options, v Verbs, now time.Time) (Result, error) {
	if opts.Registry == nil {
		return ensure(ctx, name, previous, opts, v, now)
	}
	key := registryKey(opts.Target, name)
	e, err := opts.Registry.acquire(ctx, key)
	if err != nil {
		return Result{Intent: previous}, err
	}
	defer func() { opts.Registry.release(key, e, now, true) }()
	if e.owner != "" && e.owner != opts.Owner && now.Sub(e.at) <= registryMemory && wants(opts, name, e.target) {
		switch {
		case e.rec != nil:
			// Another caller created this very name moments ago: it is the record wanted here
			// too, not a conflict, even before a look-up can see it.
			rec := *e.rec
			return Result{Record: &rec, Adopted: true, CreatedBy: e.owner}, nil
		case e.pending && now.Sub(e.at) < opts.Settle:
			// Another caller's create of this name has no answer yet: wait for it like for our own.
			return Result{Pending: true, Intent: previous, RetryAt: e.at.Add(opts.Settle), CreatedBy: e.owner}, nil
		}
	}
	res, err := ensure(ctx, name, previous, opts, v, now)
	switch {
	case err == nil && res.Record != nil && !res.Adopted:
		e.note(opts.Owner, res.Record.Name, res.Record, false, now)
	case err == nil && res.Pending && res.Intent != nil && res.Intent.Since.Equal(now):
		e.note(opts.Owner, res.Intent.Name, nil, true, now)
	case err == nil && res.Record != nil && e.owner == opts.Owner:
		// Our own earlier create showed up: share the record rather than the pending state.
		e.note(opts.Owner, res.Record.Name, res.Record, false, e.at)
	}
	return res, err
}

func ensure(ctx context.Context, name string, previous *Intent, opts Options, v Verbs, now time.Time) (Result, error) {
	if previous != nil {
		found, err := v.Find(ctx, previous.Name)
		if err != nil {
			return Result{Intent: previous}, err
		}
		if len(found) > 0 {
			// Our earlier create did happen: adopt it rather than create a second one.
			rec := oldest(found)
			return Result{Record: &rec, Adopted: true}, nil
		}
		if now.Sub(previous.Since) < opts.Settle {
			return Result{Pending: true, Intent: previous, RetryAt: previous.Since.Add(opts.Settle)}, nil
		}
		// Nothing appeared within the settle period: the create did not happen; try again
		// under the same name.
		return send(ctx, previous.Name, opts, v, now)
	}
	target := name
	found, err := v.Find(ctx, target)
	if err != nil {
		return Result{}, err
	}
	if len(found) > 0 {
		holder := oldest(found)
		if !opts.UsePrefix || opts.Prefix == "" {
			return Result{Conflict: &holder}, nil
		}
		target = opts.Prefix + name
		found, err = v.Find(ctx, target)
		if err != nil {
			return Result{}, err
		}
		if len(found) > 0 {
			holder := oldest(found)
			return Result{Conflict: &holder}, nil
		}
	}
	return send(ctx, target, opts, v, now)
}

func send(ctx context.Context, target string, opts Options, v Verbs, now time.Time) (Result, error) {
	intent := &Intent{Name: target, Since: now}
	if err := v.RecordIntent(ctx, *intent); err != nil {
		return Result{}, fmt.Errorf("recording the create intent: %w", err)
	}
	rec, err := v.Create(ctx, target)
	switch {
	case err == nil:
		return Result{Record: &rec}, nil
	case provider.IsKind(err, provider.KindUnknownOutcome):
		return Result{Pending: true, Intent: intent, RetryAt: now.Add(opts.Settle)}, nil
	case provider.IsKind(err, provider.KindNameConflict):
		// Someone took the name between our look-up and the create.
		found, ferr := v.Find(ctx, target)
		if ferr == nil && len(found) > 0 {
			holder := oldest(found)
			return Result{Conflict: &holder}, nil
		}
		return Result{Conflict: &Record{Name: target}}, nil
	default:
		// A definite failure (the vendor refused the request): nothing was created, so no
		// intent needs to be kept.
		return Result{}, err
	}
}

// oldest picks a deterministic record among several with the same name: numeric ids first in
// numeric order (vendors hand them out increasing), then other ids in text order.
func oldest(recs []Record) Record {
	best := recs[0]
	for _, r := range recs[1:] {
		if idLess(r.ID, best.ID) {
			best = r
		}
	}
	return best
}

func idLess(a, b string) bool {
	da, db := isDigits(a), isDigits(b)
	if da != db {
		return da
	}
	if da {
		a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
		if len(a) != len(b) {
			return len(a) < len(b)
		}
	}
	return a < b
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// SameName reports whether two names are equal for the guard: exact, case-insensitive.
func SameName(a, b string) bool { return ExactKeyOf(a) == ExactKeyOf(b) }

// ExactKeyOf is the key under which SameName compares names.
func ExactKeyOf(name string) string { return match.ExactKey(name) }
