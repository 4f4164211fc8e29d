package match

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/provider"
)

func user(id, name, email, phone string) provider.User {
	return provider.User{ID: id, Name: name, Email: email, Phone: phone}
}

func links(pairs ...string) []v1alpha1.UserOverride {
	var out []v1alpha1.UserOverride
	for i := 0; i < len(pairs); i += 2 {
		out = append(out, v1alpha1.UserOverride{ToolUserID: pairs[i], PSAUserID: pairs[i+1]})
	}
	return out
}

// summary renders a UserResult compactly so table cases read like the seed's screens.
type summary struct {
	Links     []v1alpha1.UserOverride
	Ambiguous map[string][]string // tool user id → candidate ids
	Unmatched []string
	Unlinked  []v1alpha1.UserOverride
}

func summarize(r UserResult) summary {
	s := summary{Links: r.Links, Unlinked: r.Unlinked}
	if len(s.Links) == 0 {
		s.Links = nil
	}
	for _, a := range r.Ambiguous {
		if s.Ambiguous == nil {
			s.Ambiguous = map[string][]string{}
		}
		for _, c := range a.Candidates {
			s.Ambiguous[a.ToolUser.ID] = append(s.Ambiguous[a.ToolUser.ID], c.ID)
		}
	}
	for _, u := range r.Unmatched {
		s.Unmatched = append(s.Unmatched, u.ID)
	}
	return s
}

func TestUsers(t *testing.T) {
	all := []v1alpha1.UserMatchKey{v1alpha1.MatchByEmail, v1alpha1.MatchByPhone, v1alpha1.MatchByName}
	tests := []struct {
		name      string
		tool, psa []provider.User
		keys      []v1alpha1.UserMatchKey
		first     bool
		overrides []v1alpha1.UserOverride
		existing  []v1alpha1.UserOverride
		want      summary
	}{
		{
			name: "single match by email links",
			tool: []provider.User{user("t1", "John Doe", "John.Doe@Acme.com", "")},
			psa:  []provider.User{user("p1", "Johnny", "john.doe@acme.com", ""), user("p2", "Jane", "jane@acme.com", "")},
			keys: all,
			want: summary{Links: links("t1", "p1")},
		},
		{
			name: "several by email are ambiguous and phone is not tried",
			tool: []provider.User{user("t1", "John Doe", "info@acme.com", "555-010-2000")},
			psa: []provider.User{user("p1", "A", "info@acme.com", ""), user("p2", "B", "INFO@acme.com", ""),
				user("p3", "John Doe", "", "+1 555 010 2000")},
			keys: all,
			want: summary{Ambiguous: map[string][]string{"t1": {"p1", "p2"}}},
		},
		{
			name: "First takes the first PSA user in listing order",
			tool: []provider.User{user("t1", "", "info@acme.com", "")},
			psa:  []provider.User{user("p9", "", "info@acme.com", ""), user("p1", "", "info@acme.com", "")},
			keys: all, first: true,
			want: summary{Links: links("t1", "p9")},
		},
		{
			name: "no email key falls through to phone",
			tool: []provider.User{user("t1", "", "", "+1 (555) 010-2000")},
			psa:  []provider.User{user("p1", "", "", "555-010-2000")},
			keys: all,
			want: summary{Links: links("t1", "p1")},
		},
		{
			name: "email with no candidate falls through to phone",
			tool: []provider.User{user("t1", "", "new@acme.com", "555-010-2000")},
			psa:  []provider.User{user("p1", "", "old@acme.com", "5550102000")},
			keys: all,
			want: summary{Links: links("t1", "p1")},
		},
		{
			name: "name is order- and accent-insensitive",
			tool: []provider.User{user("t1", "José Núñez", "", "")},
			psa:  []provider.User{{ID: "p1", FirstName: "Jose", LastName: "Nunez"}, user("p2", "Nunez, Maria", "", "")},
			keys: all,
			want: summary{Links: links("t1", "p1")},
		},
		{
			name: "no candidate on any key is unmatched",
			tool: []provider.User{user("t2", "Zed", "z@acme.com", "555-999-0000"), user("t1", "Amy", "a@acme.com", "")},
			psa:  []provider.User{user("p1", "Bob", "b@acme.com", "555-010-2000")},
			keys: all,
			want: summary{Unmatched: []string{"t1", "t2"}},
		},
		{
			name: "keys not listed are not used",
			tool: []provider.User{user("t1", "John Doe", "john@acme.com", "")},
			psa:  []provider.User{user("p1", "John Doe", "other@acme.com", "")},
			keys: []v1alpha1.UserMatchKey{v1alpha1.MatchByEmail},
			want: summary{Unmatched: []string{"t1"}},
		},
		{
			name: "key order is respected",
			tool: []provider.User{user("t1", "John Doe", "john@acme.com", "")},
			psa:  []provider.User{user("p1", "", "john@acme.com", ""), user("p2", "Doe John", "", "")},
			keys: []v1alpha1.UserMatchKey{v1alpha1.MatchByName, v1alpha1.MatchByEmail},
			want: summary{Links: links("t1", "p2")},
		},
		{
			name: "no keys means the API default order",
			tool: []provider.User{user("t1", "John Doe", "john@acme.com", "")},
			psa:  []provider.User{user("p1", "", "john@acme.com", ""), user("p2", "John Doe", "", "")},
			want: summary{Links: links("t1", "p1")},
		},
		{
			name: "unknown key is skipped",
			tool: []provider.User{user("t1", "John Doe", "john@acme.com", "")},
			psa:  []provider.User{user("p1", "", "john@acme.com", "")},
			keys: []v1alpha1.UserMatchKey{"Badge", v1alpha1.MatchByEmail},
			want: summary{Links: links("t1", "p1")},
		},
		{
			name:      "override wins over a key match",
			tool:      []provider.User{user("t1", "", "john@acme.com", "")},
			psa:       []provider.User{user("p1", "", "john@acme.com", ""), user("p2", "", "jd@acme.com", "")},
			keys:      all,
			overrides: links("t1", "p2"),
			want:      summary{Links: links("t1", "p2")},
		},
		{
			name:      "override resolves an ambiguous user",
			tool:      []provider.User{user("t1", "", "info@acme.com", "")},
			psa:       []provider.User{user("p1", "", "info@acme.com", ""), user("p2", "", "info@acme.com", "")},
			keys:      all,
			overrides: links("t1", "p2"),
			want:      summary{Links: links("t1", "p2")},
		},
		{
			name:      "override to a missing PSA user is ignored",
			tool:      []provider.User{user("t1", "", "john@acme.com", "")},
			psa:       []provider.User{user("p1", "", "john@acme.com", "")},
			keys:      all,
			overrides: links("t1", "gone"),
			want:      summary{Links: links("t1", "p1")},
		},
		{
			name:      "override of a missing tool user is ignored",
			tool:      []provider.User{user("t1", "", "john@acme.com", "")},
			psa:       []provider.User{user("p1", "", "john@acme.com", ""), user("p2", "", "", "")},
			keys:      all,
			overrides: links("gone", "p1"),
			want:      summary{Links: links("t1", "p1")},
		},
		{
			name:      "two overrides of one PSA user: the first wins, the other is matched afresh",
			tool:      []provider.User{user("t1", "", "", ""), user("t2", "", "x@acme.com", "")},
			psa:       []provider.User{user("p1", "", "x@acme.com", "")},
			keys:      all,
			overrides: links("t1", "p1", "t2", "p1"),
			want:      summary{Links: links("t1", "p1"), Unmatched: []string{"t2"}},
		},
		{
			name:     "existing link is kept although keys no longer match",
			tool:     []provider.User{user("t1", "", "new@acme.com", "")},
			psa:      []provider.User{user("p1", "", "old@acme.com", ""), user("p2", "", "new@acme.com", "")},
			keys:     all,
			existing: links("t1", "p1"),
			want:     summary{Links: links("t1", "p1")},
		},
		{
			name:     "PSA user that disappears unlinks and the tool user is matched afresh",
			tool:     []provider.User{user("t1", "", "john@acme.com", "")},
			psa:      []provider.User{user("p2", "", "john@acme.com", "")},
			keys:     all,
			existing: links("t1", "p1"),
			want:     summary{Links: links("t1", "p2"), Unlinked: links("t1", "p1")},
		},
		{
			name:     "PSA user that disappears with no replacement leaves the tool user unmatched",
			tool:     []provider.User{user("t1", "", "john@acme.com", "")},
			keys:     all,
			existing: links("t1", "p1"),
			want:     summary{Unmatched: []string{"t1"}, Unlinked: links("t1", "p1")},
		},
		{
			name:     "existing link of a vanished tool user is dropped silently",
			tool:     nil,
			psa:      []provider.User{user("p1", "", "", "")},
			keys:     all,
			existing: links("t1", "p1"),
			want:     summary{},
		},
		{
			name:      "override takes a PSA user from an existing link, whose tool user is rematched",
			tool:      []provider.User{user("t1", "", "", ""), user("t2", "", "t2@acme.com", "")},
			psa:       []provider.User{user("p1", "", "", ""), user("p2", "", "t2@acme.com", "")},
			keys:      all,
			overrides: links("t1", "p1"),
			existing:  links("t2", "p1"),
			want:      summary{Links: links("t1", "p1", "t2", "p2")},
		},
		{
			name:     "a linked PSA user is not offered again",
			tool:     []provider.User{user("t1", "", "a@acme.com", ""), user("t2", "", "b@acme.com", "555-010-2000")},
			psa:      []provider.User{user("p1", "", "b@acme.com", "555-010-2000")},
			keys:     all,
			existing: links("t1", "p1"),
			want:     summary{Links: links("t1", "p1"), Unmatched: []string{"t2"}},
		},
		{
			name: "linked candidates drop out of an ambiguous set",
			tool: []provider.User{user("t0", "", "zero@acme.com", ""), user("t1", "", "info@acme.com", "")},
			psa: []provider.User{user("p1", "", "info@acme.com", ""), user("p2", "", "info@acme.com", ""),
				user("p3", "", "info@acme.com", "")},
			keys:     all,
			existing: links("t0", "p1"),
			want:     summary{Links: links("t0", "p1"), Ambiguous: map[string][]string{"t1": {"p2", "p3"}}},
		},
		{
			name: "First: an earlier tool user takes the PSA user, the later one moves on",
			tool: []provider.User{user("t1", "", "info@acme.com", ""), user("t2", "Jane Roe", "info@acme.com", "")},
			psa:  []provider.User{user("p1", "", "info@acme.com", ""), user("p2", "Roe Jane", "", "")},
			keys: all, first: true,
			want: summary{Links: links("t1", "p1", "t2", "p2")},
		},
		{
			name: "Flag: one candidate left after earlier links links",
			tool: []provider.User{user("t1", "", "a@acme.com", ""), user("t2", "", "info@acme.com", "")},
			psa:  []provider.User{user("p1", "", "info@acme.com", ""), user("p2", "", "info@acme.com", "")},
			keys: all, overrides: links("t1", "p1"),
			want: summary{Links: links("t1", "p1", "t2", "p2")},
		},
		{
			name: "duplicate and empty ids count once",
			tool: []provider.User{user("t1", "", "a@acme.com", ""), user("t1", "", "zzz@acme.com", ""), user("", "", "a@acme.com", "")},
			psa:  []provider.User{user("p1", "", "a@acme.com", ""), user("p1", "", "a@acme.com", "")},
			keys: all,
			want: summary{Links: links("t1", "p1")},
		},
		{
			name: "empty listings",
			keys: all,
			want: summary{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			onMultiple := v1alpha1.MultipleFlag
			if tt.first {
				onMultiple = v1alpha1.MultipleFirst
			}
			got := summarize(Users(tt.tool, tt.psa, tt.keys, onMultiple, tt.overrides, tt.existing))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Users() =\n  %+v\nwant\n  %+v", got, tt.want)
			}
		})
	}
}

func TestUsersAmbiguousCarriesRecords(t *testing.T) {
	tool := user("t1", "John", "info@acme.com", "")
	p1, p2 := user("p1", "A", "info@acme.com", "1"), user("p2", "B", "info@acme.com", "2")
	got := Users([]provider.User{tool}, []provider.User{p1, p2}, nil, v1alpha1.MultipleFlag, nil, nil)
	want := []AmbiguousUser{{ToolUser: tool, Candidates: []provider.User{p1, p2}}}
	if !reflect.DeepEqual(got.Ambiguous, want) {
		t.Errorf("Ambiguous = %+v, want %+v", got.Ambiguous, want)
	}
}

func TestUsersLinksSortedByToolID(t *testing.T) {
	var tool, psa []provider.User
	for i := 20; i > 0; i-- {
		tool = append(tool, user(fmt.Sprintf("t%02d", i), "", fmt.Sprintf("u%d@acme.com", i), ""))
		psa = append(psa, user(fmt.Sprintf("p%02d", i), "", fmt.Sprintf("u%d@acme.com", i), ""))
	}
	got := Users(tool, psa, nil, v1alpha1.MultipleFlag, nil, nil).Links
	if len(got) != 20 {
		t.Fatalf("got %d links, want 20", len(got))
	}
	for i, l := range got {
		want := fmt.Sprintf("t%02d", i+1)
		if l.ToolUserID != want || l.PSAUserID != fmt.Sprintf("p%02d", i+1) {
			t.Errorf("Links[%d] = %+v, want %s → p%02d", i, l, want, i+1)
		}
	}
}

// TestUsersSharedNumberIsLinear guards the amortised candidate scan: 20,000 tool users against a
// switchboard number shared by 20,000 PSA users under First must not rescan taken candidates.
func TestUsersSharedNumberIsLinear(t *testing.T) {
	const n = 20000
	tool := make([]provider.User, n)
	psa := make([]provider.User, n)
	for i := range n {
		tool[i] = user(fmt.Sprintf("t%d", i), "", "", "555-010-2000")
		psa[i] = user(fmt.Sprintf("p%d", i), "", "", "555-010-2000")
	}
	got := Users(tool, psa, nil, v1alpha1.MultipleFirst, nil, nil)
	if len(got.Links) != n {
		t.Fatalf("got %d links, want %d", len(got.Links), n)
	}
}

func BenchmarkUsers1k(b *testing.B) {
	const n = 1000
	tool := make([]provider.User, n)
	psa := make([]provider.User, n)
	for i := range n {
		tool[i] = user(fmt.Sprintf("t%d", i), fmt.Sprintf("User %d", i), fmt.Sprintf("u%d@acme.com", i), "")
		psa[i] = user(fmt.Sprintf("p%d", i), fmt.Sprintf("User %d", n-i), fmt.Sprintf("u%d@acme.com", n-i), "")
	}
	b.ReportAllocs()
	for b.Loop() {
		Users(tool, psa, nil, v1alpha1.MultipleFlag, nil, nil)
	}
}
