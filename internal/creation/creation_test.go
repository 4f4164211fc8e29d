package creation_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/accountsync/accountsync-operator/internal/creation"
	"github.com/accountsync/accountsync-operator/internal/provider"
)

var (
	t0     = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	settle = 10 * time.Minute
)

// fakeVerbs scripts the three verbs and logs every call in order, so a test can assert not only
// what Ensure returned but what it sent, and in which order (the intent must be durable before
// the create leaves).
type fakeVerbs struct {
	// finds are the answers of successive Find calls; the last one repeats.
	finds   [][]creation.Record
	findErr error

	createRec creation.Record
	createErr error

	intentErr error

	calls   []string
	intents []creation.Intent
	nFind   int
}

func (f *fakeVerbs) verbs() creation.Verbs {
	return creation.Verbs{
		Find: func(_ context.Context, name string) ([]creation.Record, error) {
			f.calls = append(f.calls, "find:"+name)
			if f.findErr != nil {
				return nil, f.findErr
			}
			if len(f.finds) == 0 {
				return nil, nil
			}
			i := min(f.nFind, len(f.finds)-1)
			f.nFind++
			return f.finds[i], nil
		},
		Create: func(_ context.Context, name string) (creation.Record, error) {
			f.calls = append(f.calls, "create:"+name)
			if f.createErr != nil {
				return creation.Record{}, f.createErr
			}
			rec := f.createRec
			if rec.Name == "" {
				rec.Name = name
			}
			return rec, nil
		},
		RecordIntent: func(_ context.Context, in creation.Intent) error {
			f.calls = append(f.calls, "intent:"+in.Name)
			if f.intentErr != nil {
				return f.intentErr
			}
			f.intents = append(f.intents, in)
			return nil
		},
	}
}

func recs(name string, ids ...string) []creation.Record {
	out := make([]creation.Record, 0, len(ids))
	for _, id := range ids {
		out = append(out, creation.Record{ID: id, Name: name, Detail: "holder " + id})
	}
	return out
}

func TestEnsure(t *testing.T) {
	errBoom := errors.New("vendor unreachable")
	unknown := provider.Errorf(provider.KindUnknownOutcome, "CreateAccount", "timeout after the request was sent")
	prefixed := creation.Options{Prefix: "MSP-", UsePrefix: true, Settle: settle}
	plain := creation.Options{Prefix: "MSP-", Settle: settle}
	earlier := &creation.Intent{Name: "Acme", Since: t0.Add(-time.Minute)}
	stale := &creation.Intent{Name: "Acme", Since: t0.Add(-settle)} // exactly Settle ago: settled

	tests := []struct {
		name     string
		previous *creation.Intent
		opts     creation.Options
		fake     fakeVerbs

		wantCalls   []string
		want        creation.Result
		wantErr     error // matched with errors.Is; nil means no error
		wantIntents []creation.Intent
	}{
		{
			name:        "name free: intent recorded, then one create",
			opts:        plain,
			fake:        fakeVerbs{createRec: creation.Record{ID: "42"}},
			wantCalls:   []string{"find:Acme", "intent:Acme", "create:Acme"},
			want:        creation.Result{Record: &creation.Record{ID: "42", Name: "Acme"}},
			wantIntents: []creation.Intent{{Name: "Acme", Since: t0}},
		},
		{
			// "9" < "10" numerically though not as strings: the holder must be the oldest
			// record, not whichever the vendor listed first or sorts first as text.
			name:      "name taken: conflict names the numerically oldest holder",
			opts:      plain,
			fake:      fakeVerbs{finds: [][]creation.Record{recs("ACME", "10", "11", "9")}},
			wantCalls: []string{"find:Acme"},
			want:      creation.Result{Conflict: &creation.Record{ID: "9", Name: "ACME", Detail: "holder 9"}},
		},
		{
			name:      "name taken, non-numeric ids: lexical order",
			opts:      plain,
			fake:      fakeVerbs{finds: [][]creation.Record{recs("Acme", "b7e1", "a3f0", "c000")}},
			wantCalls: []string{"find:Acme"},
			want:      creation.Result{Conflict: &creation.Record{ID: "a3f0", Name: "Acme", Detail: "holder a3f0"}},
		},
		{
			name:        "name taken with UsePrefix: creates the prefixed name",
			opts:        prefixed,
			fake:        fakeVerbs{finds: [][]creation.Record{recs("Acme", "7"), nil}, createRec: creation.Record{ID: "43"}},
			wantCalls:   []string{"find:Acme", "find:MSP-Acme", "intent:MSP-Acme", "create:MSP-Acme"},
			want:        creation.Result{Record: &creation.Record{ID: "43", Name: "MSP-Acme"}},
			wantIntents: []creation.Intent{{Name: "MSP-Acme", Since: t0}},
		},
		{
			name:      "prefixed name also taken: conflict on the prefixed holder",
			opts:      prefixed,
			fake:      fakeVerbs{finds: [][]creation.Record{recs("Acme", "7"), recs("MSP-Acme", "100", "20")}},
			wantCalls: []string{"find:Acme", "find:MSP-Acme"},
			want:      creation.Result{Conflict: &creation.Record{ID: "20", Name: "MSP-Acme", Detail: "holder 20"}},
		},
		{
			// UsePrefix with an empty prefix would "create" the very name that is taken.
			name:      "UsePrefix without a prefix: plain conflict",
			opts:      creation.Options{UsePrefix: true, Settle: settle},
			fake:      fakeVerbs{finds: [][]creation.Record{recs("Acme", "7")}},
			wantCalls: []string{"find:Acme"},
			want:      creation.Result{Conflict: &creation.Record{ID: "7", Name: "Acme", Detail: "holder 7"}},
		},
		{
			name:        "unknown outcome: pending, intent kept",
			opts:        plain,
			fake:        fakeVerbs{createErr: unknown},
			wantCalls:   []string{"find:Acme", "intent:Acme", "create:Acme"},
			want:        creation.Result{Pending: true, Intent: &creation.Intent{Name: "Acme", Since: t0}},
			wantIntents: []creation.Intent{{Name: "Acme", Since: t0}},
		},
		{
			// Providers may wrap their errors; the kind must still be recognised, or a lost
			// answer would be taken for a definite failure and the intent dropped.
			name:        "wrapped unknown outcome: still pending",
			opts:        plain,
			fake:        fakeVerbs{createErr: fmt.Errorf("create: %w", unknown)},
			wantCalls:   []string{"find:Acme", "intent:Acme", "create:Acme"},
			want:        creation.Result{Pending: true, Intent: &creation.Intent{Name: "Acme", Since: t0}},
			wantIntents: []creation.Intent{{Name: "Acme", Since: t0}},
		},
		{
			name:      "earlier intent, nothing visible within Settle: pending, no create",
			previous:  earlier,
			opts:      plain,
			wantCalls: []string{"find:Acme"},
			want:      creation.Result{Pending: true, Intent: earlier},
		},
		{
			name:        "earlier intent, Settle passed with no trace: one new create",
			previous:    stale,
			opts:        plain,
			fake:        fakeVerbs{createRec: creation.Record{ID: "44"}},
			wantCalls:   []string{"find:Acme", "intent:Acme", "create:Acme"},
			want:        creation.Result{Record: &creation.Record{ID: "44", Name: "Acme"}},
			wantIntents: []creation.Intent{{Name: "Acme", Since: t0}},
		},
		{
			// The retry follows the intent's name, which is the prefixed one when the first
			// attempt went through the prefix; it must not fall back to the taken plain name.
			name:        "earlier prefixed intent settled: retries the prefixed name",
			previous:    &creation.Intent{Name: "MSP-Acme", Since: t0.Add(-time.Hour)},
			opts:        prefixed,
			fake:        fakeVerbs{createErr: unknown},
			wantCalls:   []string{"find:MSP-Acme", "intent:MSP-Acme", "create:MSP-Acme"},
			want:        creation.Result{Pending: true, Intent: &creation.Intent{Name: "MSP-Acme", Since: t0}},
			wantIntents: []creation.Intent{{Name: "MSP-Acme", Since: t0}},
		},
		{
			name:      "earlier intent and the record is now visible: adopted, no create",
			previous:  earlier,
			opts:      plain,
			fake:      fakeVerbs{finds: [][]creation.Record{recs("acme", "12", "101")}},
			wantCalls: []string{"find:Acme"},
			want:      creation.Result{Record: &creation.Record{ID: "12", Name: "acme", Detail: "holder 12"}, Adopted: true},
		},
		{
			// Adoption does not wait for Settle to pass: a visible record ends the wait at once.
			name:      "earlier settled intent and the record is visible: adopted",
			previous:  stale,
			opts:      plain,
			fake:      fakeVerbs{finds: [][]creation.Record{recs("Acme", "5")}},
			wantCalls: []string{"find:Acme"},
			want:      creation.Result{Record: &creation.Record{ID: "5", Name: "Acme", Detail: "holder 5"}, Adopted: true},
		},
		{
			name: "name conflict from Create: conflict names the holder found by a second Find",
			opts: plain,
			fake: fakeVerbs{
				finds:     [][]creation.Record{nil, recs("Acme", "77", "8")},
				createErr: provider.Errorf(provider.KindNameConflict, "CreateAccount", "name in use"),
			},
			wantCalls:   []string{"find:Acme", "intent:Acme", "create:Acme", "find:Acme"},
			want:        creation.Result{Conflict: &creation.Record{ID: "8", Name: "Acme", Detail: "holder 8"}},
			wantIntents: []creation.Intent{{Name: "Acme", Since: t0}},
		},
		{
			// The vendor said the name is taken but its search does not show the holder yet:
			// still a conflict (never a retry), naming at least the name.
			name: "name conflict from Create, holder not visible: conflict on the name",
			opts: plain,
			fake: fakeVerbs{
				createErr: provider.Errorf(provider.KindNameConflict, "CreateAccount", "name in use"),
			},
			wantCalls:   []string{"find:Acme", "intent:Acme", "create:Acme", "find:Acme"},
			want:        creation.Result{Conflict: &creation.Record{Name: "Acme"}},
			wantIntents: []creation.Intent{{Name: "Acme", Since: t0}},
		},
		{
			name:        "definite failure: error, no intent kept",
			opts:        plain,
			fake:        fakeVerbs{createErr: provider.Errorf(provider.KindInvalid, "CreateAccount", "name too long")},
			wantCalls:   []string{"find:Acme", "intent:Acme", "create:Acme"},
			want:        creation.Result{},
			wantErr:     provider.Errorf(provider.KindInvalid, "", ""), // compared by kind below
			wantIntents: []creation.Intent{{Name: "Acme", Since: t0}},
		},
		{
			name:      "RecordIntent fails: error and nothing sent",
			opts:      plain,
			fake:      fakeVerbs{intentErr: errBoom},
			wantCalls: []string{"find:Acme", "intent:Acme"},
			want:      creation.Result{},
			wantErr:   errBoom,
		},
		{
			name:      "RecordIntent fails on the retry after Settle: nothing sent",
			previous:  stale,
			opts:      plain,
			fake:      fakeVerbs{intentErr: errBoom},
			wantCalls: []string{"find:Acme", "intent:Acme"},
			want:      creation.Result{},
			wantErr:   errBoom,
		},
		{
			name:      "Find error propagates, nothing sent",
			opts:      plain,
			fake:      fakeVerbs{findErr: errBoom},
			wantCalls: []string{"find:Acme"},
			want:      creation.Result{},
			wantErr:   errBoom,
		},
		{
			// A failed look-up says nothing about the earlier create: the intent must survive.
			name:      "Find error with an earlier intent: error, intent kept",
			previous:  earlier,
			opts:      plain,
			fake:      fakeVerbs{findErr: errBoom},
			wantCalls: []string{"find:Acme"},
			want:      creation.Result{Intent: earlier},
			wantErr:   errBoom,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.fake
			got, err := creation.Ensure(context.Background(), "Acme", tc.previous, tc.opts, f.verbs(), t0)
			switch {
			case tc.wantErr == nil && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.wantErr != nil && err == nil:
				t.Fatalf("want error %v, got none (result %+v)", tc.wantErr, got)
			case tc.wantErr != nil:
				if k := provider.KindOf(tc.wantErr); k != "" {
					if !provider.IsKind(err, k) {
						t.Fatalf("want an error of kind %s, got %v", k, err)
					}
				} else if !errors.Is(err, tc.wantErr) {
					t.Fatalf("want error %v, got %v", tc.wantErr, err)
				}
			}
			if !reflect.DeepEqual(f.calls, tc.wantCalls) {
				t.Errorf("calls = %v, want %v", f.calls, tc.wantCalls)
			}
			if got.Pending {
				// A pending create says when it may be sent again: settle after its intent.
				if want := got.Intent.Since.Add(tc.opts.Settle); !got.RetryAt.Equal(want) {
					t.Errorf("RetryAt = %v, want %v", got.RetryAt, want)
				}
				got.RetryAt = time.Time{}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("result = %s, want %s", show(got), show(tc.want))
			}
			if !reflect.DeepEqual(f.intents, tc.wantIntents) {
				t.Errorf("recorded intents = %v, want %v", f.intents, tc.wantIntents)
			}
			checkExactlyOne(t, got, err)
		})
	}
}

// checkExactlyOne enforces the Result contract: exactly one of Record, Conflict and Pending, or
// an error; Adopted only with a Record; an Intent exactly while Pending (or kept on an error).
func checkExactlyOne(t *testing.T, r creation.Result, err error) {
	t.Helper()
	n := 0
	for _, set := range []bool{r.Record != nil, r.Conflict != nil, r.Pending} {
		if set {
			n++
		}
	}
	if err != nil {
		if n != 0 {
			t.Errorf("error %v together with a result %s", err, show(r))
		}
		return
	}
	if n != 1 {
		t.Errorf("want exactly one of Record, Conflict, Pending; got %s", show(r))
	}
	if r.Adopted && r.Record == nil {
		t.Errorf("Adopted without a Record: %s", show(r))
	}
	if r.Pending != (r.Intent != nil) {
		t.Errorf("Pending=%v but Intent=%v", r.Pending, r.Intent)
	}
}

func show(r creation.Result) string {
	var b strings.Builder
	b.WriteString("{")
	if r.Record != nil {
		fmt.Fprintf(&b, "Record:%+v Adopted:%v ", *r.Record, r.Adopted)
	}
	if r.Conflict != nil {
		fmt.Fprintf(&b, "Conflict:%+v ", *r.Conflict)
	}
	if r.Pending {
		b.WriteString("Pending ")
	}
	if r.Intent != nil {
		fmt.Fprintf(&b, "Intent:%+v", *r.Intent)
	}
	b.WriteString("}")
	return b.String()
}

// TestPendingThenSettle walks one unknown outcome through the calls a controller makes: the
// lost create is never repeated while Settle runs, exactly one create follows once it has passed
// with no trace, and an intent whose record surfaces late is adopted instead.
func TestPendingThenSettle(t *testing.T) {
	opts := creation.Options{Settle: settle}
	ctx := context.Background()

	t.Run("lost create is retried once, only after Settle", func(t *testing.T) {
		f := &fakeVerbs{createErr: provider.Errorf(provider.KindUnknownOutcome, "CreateAccount", "connection reset")}
		r, err := creation.Ensure(ctx, "Acme", nil, opts, f.verbs(), t0)
		if err != nil || !r.Pending || r.Intent == nil {
			t.Fatalf("first attempt: %s, %v; want pending with an intent", show(r), err)
		}
		intent := r.Intent
		// Reconciles inside Settle: look, never create.
		for _, after := range []time.Duration{0, time.Second, settle / 2, settle - time.Nanosecond} {
			f.calls = nil
			r, err = creation.Ensure(ctx, "Acme", intent, opts, f.verbs(), t0.Add(after))
			if err != nil || !r.Pending || r.Intent != intent {
				t.Fatalf("at +%v: %s, %v; want pending with the same intent", after, show(r), err)
			}
			if !reflect.DeepEqual(f.calls, []string{"find:Acme"}) {
				t.Fatalf("at +%v: calls %v, want only the look-up", after, f.calls)
			}
		}
		// Settle has passed with nothing found: exactly one new create.
		f.calls, f.createErr, f.createRec = nil, nil, creation.Record{ID: "50"}
		r, err = creation.Ensure(ctx, "Acme", intent, opts, f.verbs(), t0.Add(settle))
		if err != nil || r.Record == nil || r.Record.ID != "50" || r.Adopted {
			t.Fatalf("after Settle: %s, %v; want the new record 50", show(r), err)
		}
		if !reflect.DeepEqual(f.calls, []string{"find:Acme", "intent:Acme", "create:Acme"}) {
			t.Fatalf("after Settle: calls %v", f.calls)
		}
		if last := f.intents[len(f.intents)-1]; !last.Since.Equal(t0.Add(settle)) {
			t.Errorf("the retry's intent is dated %v, want the retry's time %v (a fresh Settle)", last.Since, t0.Add(settle))
		}
	})

	t.Run("late record is adopted", func(t *testing.T) {
		f := &fakeVerbs{createErr: provider.Errorf(provider.KindUnknownOutcome, "CreateAccount", "504")}
		r, _ := creation.Ensure(ctx, "Acme", nil, opts, f.verbs(), t0)
		f.calls, f.finds = nil, [][]creation.Record{recs("Acme", "61")}
		r, err := creation.Ensure(ctx, "Acme", r.Intent, opts, f.verbs(), t0.Add(time.Minute))
		if err != nil || r.Record == nil || r.Record.ID != "61" || !r.Adopted || r.Intent != nil {
			t.Fatalf("got %s, %v; want record 61 adopted and no intent", show(r), err)
		}
		if !reflect.DeepEqual(f.calls, []string{"find:Acme"}) {
			t.Fatalf("calls %v, want only the look-up", f.calls)
		}
	})
}

func TestSameName(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"Acme", "ACME", true},
		{"Acme  Corp", " acme corp ", true},
		{"Acme", "Acme Inc", false},
		{"Acme", "MSP-Acme", false},
		{"Café", "CAFÉ", true},
	} {
		if got := creation.SameName(tc.a, tc.b); got != tc.want {
			t.Errorf("SameName(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}
