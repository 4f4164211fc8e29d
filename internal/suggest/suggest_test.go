package suggest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSuggestRanksAndSignals(t *testing.T) {
	pool := []Record{
		{ID: "1", Name: "Summit Dental Lab", Website: "summitlab.com"},
		{ID: "2", Name: "Summit Dental Group", Website: "https://www.summitdental.com/"},
		{ID: "3", Name: "Summit Orthodontics"},
		{ID: "4", Name: "Unrelated Bakery", Phone: "+1 (555) 010-2000"},
		{ID: "5", Name: "Jonson Plumbing", Street: "12 Main Street", City: "Springfield", PostalCode: "01101"},
	}
	ix := NewIndex(pool)
	got := ix.Suggest(Record{ID: "q", Name: "Summit Dental", Email: "frontdesk@summitdental.com"}, 3)
	if len(got) == 0 || got[0].ID != "2" {
		t.Fatalf("Summit Dental: got %+v, want Summit Dental Group (same domain) first", got)
	}
	if !slices.Contains(got[0].Signals, SignalDomain) || !slices.Contains(got[0].Signals, SignalName) {
		t.Errorf("signals of the top suggestion = %v, want Name and Domain", got[0].Signals)
	}
	for _, s := range got {
		if s.ID == "4" {
			t.Errorf("unrelated record suggested: %+v", s)
		}
	}

	got = ix.Suggest(Record{ID: "q2", Name: "Johnson Plumbing Inc", Street: "12 Main St."}, 3)
	if len(got) != 1 || got[0].ID != "5" || !slices.Equal(got[0].Signals, []Signal{SignalName, SignalAddress}) {
		t.Fatalf("Johnson Plumbing: got %+v, want record 5 with Name and Address", got)
	}

	// A shared switchboard number alone is no reason to suggest a bakery for a law firm.
	if got := ix.Suggest(Record{ID: "q3", Name: "Keller Law", Phone: "555.010.2000"}, 3); len(got) != 0 {
		t.Errorf("Keller Law: got %+v, want nothing", got)
	}
	// Ids are per vendor: an equal id on the other side is no reason to skip a record.
	if got := ix.Suggest(Record{ID: "3", Name: "Summit Orthodontics"}, 1); len(got) != 1 || got[0].ID != "3" {
		t.Errorf("Summit Orthodontics: got %+v, want record 3", got)
	}
}

func TestScoreIdenticalAndSymmetric(t *testing.T) {
	a := Record{ID: "a", Name: "Acme Corp", Website: "acme.com", Phone: "555 010 2000"}
	b := Record{ID: "b", Name: "ACME Corporation", Email: "it@acme.com", Phone: "(555) 010-2000"}
	s1, sig1 := Score(a, b)
	s2, sig2 := Score(b, a)
	if s1 != s2 || !slices.Equal(sig1, sig2) {
		t.Fatalf("Score not symmetric: %d %v / %d %v", s1, sig1, s2, sig2)
	}
	if s1 != 100 || !slices.Equal(sig1, []Signal{SignalName, SignalDomain, SignalPhone}) {
		t.Errorf("Score = %d %v, want 100 [Name Domain Phone]", s1, sig1)
	}
	// Different web sites lower an otherwise perfect name.
	if s, _ := Score(Record{Name: "Acme", Website: "acme.com"}, Record{Name: "Acme", Website: "acme.co.uk"}); s >= 100 || s < MatchScore {
		t.Errorf("same name, different domains: %d, want below 100 and at least %d", s, MatchScore)
	}
}

// synthetic builds n account names from word lists, like a PSA of a large MSP: surnames and
// places, a business word, sometimes a second word and a legal suffix.
func synthetic(n int, r *rand.Rand) []Record {
	first := []string{"Summit", "Riverside", "Oakridge", "Pioneer", "Harbor", "Granite", "Maple", "Cedar",
		"Lakeview", "Northside", "Evergreen", "Silverline", "Brightwater", "Stonebridge", "Meridian",
		"Pinnacle", "Keystone", "Redwood", "Bluewater", "Ironwood", "Johnson", "Smith", "Garcia",
		"Miller", "Davis", "Martinez", "Anderson", "Taylor", "Thomas", "Moore", "Jackson", "White",
		"Harris", "Clark", "Lewis", "Walker", "Hall", "Allen", "Young", "King", "Wright", "Scott",
		"Green", "Baker", "Adams", "Nelson", "Hill", "Campbell", "Mitchell", "Roberts", "Carter"}
	kind := []string{"Dental", "Plumbing", "Law", "Accounting", "Pediatrics", "Realty", "Roofing",
		"Construction", "Veterinary", "Pharmacy", "Insurance", "Consulting", "Logistics", "Bakery",
		"Auto Repair", "Landscaping", "Chiropractic", "Orthodontics", "Architects", "Marina",
		"Medical Center", "Family Practice", "Electric", "Builders", "Capital", "Clinic", "Church"}
	extra := []string{"", "", "", "Group", "Services", "& Sons", "Partners", "of Texas", "Holdings", "Lab"}
	suffix := []string{"", "", "Inc", "LLC", "Ltd", "Corp", "PLLC"}
	out := make([]Record, n)
	for i := range out {
		name := first[r.IntN(len(first))] + " " + first[r.IntN(len(first))] + " " + kind[r.IntN(len(kind))]
		if e := extra[r.IntN(len(extra))]; e != "" {
			name += " " + e
		}
		if s := suffix[r.IntN(len(suffix))]; s != "" {
			name += " " + s
		}
		out[i] = Record{ID: fmt.Sprint(i), Name: fmt.Sprintf("%s %d", name, i)}
	}
	return out
}

// misspell swaps two adjacent letters of the longest word, the commonest typing slip.
func misspell(name string) string {
	words := strings.Fields(name)
	k := 0
	for i, w := range words {
		if len(w) > len(words[k]) {
			k = i
		}
	}
	w := []byte(words[k])
	if len(w) >= 7 {
		w[3], w[4] = w[4], w[3]
	}
	words[k] = string(w)
	return strings.Join(words, " ")
}

// scenario is the benchmark's snapshot: accounts, and organizations that are misspelt or
// reordered versions of some of them (want says which account each one names).
func scenario() (accounts, orgs []Record, want []string) {
	r := rand.New(rand.NewPCG(1, 2))
	accounts = synthetic(50000, r)
	for i := range 1600 {
		a := accounts[r.IntN(len(accounts))]
		name := a.Name
		switch i % 3 {
		case 0:
			name = misspell(name)
		case 1:
			w := strings.Fields(name)
			w[0], w[1] = w[1], w[0]
			name = strings.Join(w, " ")
		case 2:
			name = strings.ToUpper(name) + " INC."
		}
		orgs = append(orgs, Record{ID: fmt.Sprint("org-", i), Name: name})
		want = append(want, a.ID)
	}
	return accounts, orgs, want
}

// TestSuggestAtScale checks the benchmark's scenario for quality: the account an organization
// was derived from is the top suggestion, and the run fits in the time budget with room.
func TestSuggestAtScale(t *testing.T) {
	if testing.Short() {
		t.Skip("50,000 records; run without -short")
	}
	accounts, orgs, want := scenario()
	start := time.Now()
	got := SuggestAll(orgs, accounts, DefaultLimit)
	elapsed := time.Since(start)
	top := 0
	for i, s := range got {
		if len(s) > 0 && s[0].ID == want[i] {
			top++
		}
	}
	t.Logf("1,600 organizations against 50,000 accounts: %v, right account first for %d", elapsed, top)
	if top < len(orgs)*97/100 {
		t.Errorf("right account first for %d of %d, want at least 97%%", top, len(orgs))
	}
	// The benchmark is the measure; this bound only catches an accidental all-pairs scan, which
	// takes minutes (under the race detector too).
	if elapsed > 20*time.Second {
		t.Errorf("took %v", elapsed)
	}
}

func BenchmarkSuggest1600x50000(b *testing.B) {
	accounts, orgs, _ := scenario()
	b.ResetTimer()
	for b.Loop() {
		SuggestAll(orgs, accounts, DefaultLimit)
	}
}

func FuzzScore(f *testing.F) {
	for _, p := range namePairs[:40] {
		f.Add(p.a, p.b)
	}
	f.Add("", "x")
	f.Add("Inc", "LLC")
	f.Add("A B C", "abc")
	f.Fuzz(func(t *testing.T, a, b string) {
		s := NameScore(a, b)
		if s < 0 || s > 100 {
			t.Fatalf("NameScore(%q, %q) = %d", a, b, s)
		}
		if r := NameScore(b, a); r != s {
			t.Fatalf("NameScore(%q, %q) = %d, reversed %d", a, b, s, r)
		}
		if strings.TrimSpace(a) != "" && len(analyze(a).words) > 0 {
			if self := NameScore(a, a); self != 100 {
				t.Fatalf("NameScore(%q, itself) = %d", a, self)
			}
		}
		ra, rb := Record{ID: "a", Name: a, Website: b}, Record{ID: "b", Name: b, Email: "x@" + a}
		s1, sig1 := Score(ra, rb)
		s2, sig2 := Score(rb, ra)
		if s1 != s2 || !slices.Equal(sig1, sig2) || s1 < 0 || s1 > 100 {
			t.Fatalf("Score(%q, %q) = %d %v, reversed %d %v", a, b, s1, sig1, s2, sig2)
		}
	})
}
