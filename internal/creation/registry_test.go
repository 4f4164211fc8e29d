package creation_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/accountsync/accountsync-operator/internal/creation"
	"github.com/accountsync/accountsync-operator/internal/provider"
)

// system is a fake target system shared by several callers: names are not unique (like most
// vendors), a create can commit and then answer with an unknown outcome, and a new record can
// stay invisible to look-ups for a while (an eventually consistent search index).
type system struct {
	mu      sync.Mutex
	now     time.Time
	records []creation.Record
	visible []time.Time
	// lostAnswers: the next creates commit but answer with an unknown outcome.
	lostAnswers int
	hideFor     time.Duration
	creates     int
}

func (s *system) verbs(intent *creation.Intent) creation.Verbs {
	return creation.Verbs{
		Find: func(_ context.Context, name string) ([]creation.Record, error) {
			s.mu.Lock()
			defer s.mu.Unlock()
			var out []creation.Record
			for i, r := range s.records {
				if creation.SameName(r.Name, name) && !s.now.Before(s.visible[i]) {
					out = append(out, r)
				}
			}
			return out, nil
		},
		Create: func(_ context.Context, name string) (creation.Record, error) {
			// Long enough for a concurrent caller to be tempted into its own look-up.
			time.Sleep(5 * time.Millisecond)
			s.mu.Lock()
			defer s.mu.Unlock()
			s.creates++
			rec := creation.Record{ID: fmt.Sprint(len(s.records) + 1), Name: name}
			s.records = append(s.records, rec)
			s.visible = append(s.visible, s.now.Add(s.hideFor))
			if s.lostAnswers > 0 {
				s.lostAnswers--
				return creation.Record{}, &provider.Error{Kind: provider.KindUnknownOutcome, Message: "timeout"}
			}
			return rec, nil
		},
		RecordIntent: func(_ context.Context, in creation.Intent) error {
			if intent != nil {
				*intent = in
			}
			return nil
		},
	}
}

func TestRegistryTwoOwnersSameNameCreateOnce(t *testing.T) {
	sys := &system{now: t0}
	var reg creation.Registry
	results := make([]creation.Result, 8)
	var wg sync.WaitGroup
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			opts := creation.Options{Settle: settle, Registry: &reg, Target: "msp/bms/PSA", Owner: fmt.Sprintf("msp/mapping-%d", i)}
			res, err := creation.Ensure(context.Background(), "Acme", nil, opts, sys.verbs(nil), t0)
			if err != nil {
				t.Errorf("owner %d: %v", i, err)
			}
			results[i] = res
		}()
	}
	wg.Wait()
	if sys.creates != 1 {
		t.Fatalf("%d creates, want 1", sys.creates)
	}
	adopted := 0
	for i, r := range results {
		if r.Record == nil || r.Record.ID != "1" {
			t.Fatalf("owner %d: result %+v, want record 1", i, r)
		}
		if r.Adopted {
			adopted++
			if r.CreatedBy == "" || r.CreatedBy == fmt.Sprintf("msp/mapping-%d", i) {
				t.Errorf("owner %d: CreatedBy %q", i, r.CreatedBy)
			}
		}
	}
	if adopted != len(results)-1 {
		t.Fatalf("%d adopted, want %d", adopted, len(results)-1)
	}
	// Another target system is unaffected: its name is its own.
	other := &system{now: t0}
	res, err := creation.Ensure(context.Background(), "Acme", nil,
		creation.Options{Settle: settle, Registry: &reg, Target: "msp/halo/PSA", Owner: "msp/mapping-0"}, other.verbs(nil), t0)
	if err != nil || res.Adopted || other.creates != 1 {
		t.Fatalf("other target: %+v %v creates=%d", res, err, other.creates)
	}
}

func TestRegistryWaitsForAnotherOwnersUnknownOutcome(t *testing.T) {
	sys := &system{now: t0, lostAnswers: 1, hideFor: 2 * time.Minute}
	var reg creation.Registry
	optsA := creation.Options{Settle: settle, Registry: &reg, Target: "psa", Owner: "a"}
	optsB := creation.Options{Settle: settle, Registry: &reg, Target: "psa", Owner: "b"}
	var intentA creation.Intent
	a, err := creation.Ensure(context.Background(), "Acme", nil, optsA, sys.verbs(&intentA), t0)
	if err != nil || !a.Pending {
		t.Fatalf("a: %+v %v", a, err)
	}
	b, err := creation.Ensure(context.Background(), "Acme", nil, optsB, sys.verbs(nil), t0.Add(time.Second))
	if err != nil || !b.Pending || b.CreatedBy != "a" || !b.RetryAt.Equal(t0.Add(settle)) {
		t.Fatalf("b while a's create is unanswered: %+v %v", b, err)
	}
	sys.now = t0.Add(3 * time.Minute)
	a, err = creation.Ensure(context.Background(), "Acme", &intentA, optsA, sys.verbs(nil), sys.now)
	if err != nil || a.Record == nil || !a.Adopted {
		t.Fatalf("a after the record showed: %+v %v", a, err)
	}
	b, err = creation.Ensure(context.Background(), "Acme", nil, optsB, sys.verbs(nil), sys.now)
	if err != nil || b.Record == nil || b.Record.ID != a.Record.ID {
		t.Fatalf("b: %+v %v", b, err)
	}
	if sys.creates != 1 {
		t.Fatalf("%d creates, want 1", sys.creates)
	}
}

// drive drives one caller the way the mapping controller does: an attempt, then look-ups every
// 10s while pending, until a record comes back or the clock passes end.
func drive(t *testing.T, sys *system, previous *creation.Intent, start, end time.Time) (creation.Result, time.Time) {
	t.Helper()
	var intent creation.Intent
	opts := creation.Options{Settle: settle}
	for now := start; now.Before(end); now = now.Add(10 * time.Second) {
		sys.mu.Lock()
		sys.now = now
		sys.mu.Unlock()
		res, err := creation.Ensure(context.Background(), "Acme", previous, opts, sys.verbs(&intent), now)
		if err != nil {
			t.Fatalf("at %v: %v", now.Sub(t0), err)
		}
		if res.Record != nil {
			return res, now
		}
		if !res.Pending || res.Intent == nil {
			t.Fatalf("at %v: %+v", now.Sub(t0), res)
		}
		if res.RetryAt.Before(now) {
			t.Fatalf("at %v: retry at %v is in the past", now.Sub(t0), res.RetryAt)
		}
		previous = res.Intent
	}
	t.Fatalf("no record by %v", end.Sub(t0))
	return creation.Result{}, end
}

func TestCommittedCreateHiddenForLessThanSettleIsCreatedOnce(t *testing.T) {
	sys := &system{lostAnswers: 1, hideFor: settle - time.Minute}
	res, at := drive(t, sys, nil, t0, t0.Add(3*settle))
	if sys.creates != 1 || !res.Adopted || at.Before(t0.Add(settle-time.Minute)) {
		t.Fatalf("creates=%d adopted=%v at %v", sys.creates, res.Adopted, at.Sub(t0))
	}
}

func TestIntentWithoutSendIsCreatedOnceAfterSettle(t *testing.T) {
	// The process died between recording the intent and sending: nothing to find.
	sys := &system{}
	res, at := drive(t, sys, &creation.Intent{Name: "Acme", Since: t0}, t0, t0.Add(3*settle))
	if sys.creates != 1 || res.Adopted {
		t.Fatalf("creates=%d adopted=%v", sys.creates, res.Adopted)
	}
	if at.Before(t0.Add(settle)) {
		t.Fatalf("sent again at %v, before the settle period of %v passed", at.Sub(t0), settle)
	}
}

// A record another caller created under a prefixed name is not what a caller that fails on a
// taken name wants: it reports the conflict instead of adopting.
func TestRegistryHandsOverOnlyTheNameWanted(t *testing.T) {
	sys := &system{now: t0}
	sys.records = []creation.Record{{ID: "1", Name: "Acme"}}
	sys.visible = []time.Time{t0}
	var reg creation.Registry
	prefixed := creation.Options{Settle: settle, Registry: &reg, Target: "gz", Owner: "a", Prefix: "SF_", UsePrefix: true}
	a, err := creation.Ensure(context.Background(), "Acme", nil, prefixed, sys.verbs(nil), t0)
	if err != nil || a.Record == nil || a.Record.Name != "SF_Acme" {
		t.Fatalf("a: %+v %v", a, err)
	}
	failing := creation.Options{Settle: settle, Registry: &reg, Target: "gz", Owner: "b"}
	b, err := creation.Ensure(context.Background(), "Acme", nil, failing, sys.verbs(nil), t0)
	if err != nil || b.Conflict == nil || b.Conflict.ID != "1" || b.Adopted {
		t.Fatalf("b: %+v %v", b, err)
	}
	samePrefix := creation.Options{Settle: settle, Registry: &reg, Target: "gz", Owner: "c", Prefix: "SF_", UsePrefix: true}
	c, err := creation.Ensure(context.Background(), "Acme", nil, samePrefix, sys.verbs(nil), t0)
	if err != nil || c.Record == nil || c.Record.ID != a.Record.ID || !c.Adopted {
		t.Fatalf("c: %+v %v", c, err)
	}
	if sys.creates != 1 {
		t.Fatalf("%d creates, want 1", sys.creates)
	}
}
