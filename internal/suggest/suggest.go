// Package suggest ranks the records of one side that could be the counterpart of a record of the
// other side, for a person to decide (status.unmatched[].suggestions, status.ambiguous[]
// .candidates). It goes beyond the exact and normalized keys of package match: word order,
// abbreviations and common words, misspellings, spacing and initials, and every other signal both
// vendors list (web and e-mail domain, phone, address).
//
// It is pure: a function of the two snapshots, with no I/O and no clock. Candidates are found
// through an index of words (and of one-letter deletions of words, for misspellings), domains
// and phone numbers; only the most promising few of them are scored, so the cost grows with the
// number of records, not with the product of both sides.
package suggest

import (
	"cmp"
	"math"
	"slices"
	"strings"
)

// Scores.
const (
	// MinScore is the lowest score offered as a suggestion.
	MinScore = 40
	// MatchScore is the score from which two names are taken to name the same customer in the
	// precision/recall table; a sensible matching.autoLinkScore is at or above it.
	MatchScore = 80
	// DefaultLimit is how many suggestions status lists per record.
	DefaultLimit = 3
)

// Suggestion is one ranked record of the other side.
type Suggestion struct {
	ID      string
	Name    string
	Score   int
	Signals []Signal
}

// Score compares two records: 0..100 and the signals that agreed. It is symmetric, and a record
// compared with a record of the identical name scores 100 unless their web domains differ.
func Score(a, b Record) (int, []Signal) {
	ea, eb := newEntry(a), newEntry(b)
	return score(&ea, &eb)
}

// NameScore compares two names alone, 0..100.
func NameScore(a, b string) int {
	x, y := analyze(a), analyze(b)
	return toPercent(nameScore(&x, &y))
}

func toPercent(s float64) int {
	return int(math.Round(max(0, min(1, s)) * 100))
}

type entry struct {
	rec   Record
	name  analyzed
	facts facts
}

func newEntry(r Record) entry {
	return entry{rec: r, name: analyze(r.Name), facts: factsOf(&r)}
}

func score(a, b *entry) (int, []Signal) {
	n := nameScore(&a.name, &b.name)
	if a.rec.Name == b.rec.Name && strings.TrimSpace(a.rec.Name) != "" {
		n = 1
	}
	s, signals := combine(n, &a.facts, &b.facts)
	return toPercent(s), signals
}

// Index holds the records of one side that a suggestion may name. It is not safe for
// concurrent use: Suggest reuses scratch space between calls.
type Index struct {
	entries []entry
	byWord  map[string][]int32
	// byDeletion maps each one-letter deletion of an indexed word that may be misspelt to the
	// words it comes from (symmetric deletion: two words within one edit share a deletion or one
	// is a deletion of the other).
	byDeletion map[string][]string
	byCompact  map[string][]int32
	byInitials map[string][]int32
	byAcronym  map[string][]int32
	byDomain   map[string][]int32
	byPhone    map[string][]int32
	// scratch: the candidate weight of each entry for the current query, and which are set.
	hits    []float32
	touched []int32
}

// Candidate-finding tuning.
const (
	// maxScored is how many of the best-hit candidates are scored in full.
	maxScored = 48
	// commonPosting: a word on more records than this finds no
	// candidates when the query has a rarer word; "dental" on 5,000 records adds nothing
	// "summit" does not.
	commonPosting = 1000
	bonusExact    = 4
	bonusSignal   = 6
)

// NewIndex indexes records. Records with an empty ID are left out.
func NewIndex(records []Record) *Index {
	ix := &Index{
		entries:    make([]entry, 0, len(records)),
		byWord:     map[string][]int32{},
		byDeletion: map[string][]string{},
		byCompact:  make(map[string][]int32, len(records)),
		byInitials: map[string][]int32{},
		byAcronym:  map[string][]int32{},
		byDomain:   map[string][]int32{},
		byPhone:    map[string][]int32{},
	}
	for _, r := range records {
		if r.ID == "" {
			continue
		}
		e := newEntry(r)
		i := int32(len(ix.entries))
		ix.entries = append(ix.entries, e)
		for k, w := range e.name.words {
			if slices.Contains(e.name.words[:k], w) {
				continue
			}
			if _, seen := ix.byWord[w]; !seen && fuzzy(w) {
				for _, d := range deletions(w) {
					ix.byDeletion[d] = append(ix.byDeletion[d], w)
				}
			}
			ix.byWord[w] = append(ix.byWord[w], i)
		}
		addKey(ix.byCompact, e.name.compact, i)
		addKey(ix.byInitials, e.name.initials, i)
		addKey(ix.byAcronym, e.name.acronym, i)
		for _, d := range e.facts.domains {
			addKey(ix.byDomain, d, i)
		}
		addKey(ix.byPhone, e.facts.phone, i)
	}
	ix.hits = make([]float32, len(ix.entries))
	return ix
}

// Len is the number of indexed records.
func (ix *Index) Len() int { return len(ix.entries) }

func addKey(m map[string][]int32, k string, i int32) {
	if k != "" {
		m[k] = append(m[k], i)
	}
}

// fuzzy reports whether w may match a misspelling (see maxEdits).
func fuzzy(w string) bool { return !isNumber(w) && maxEdits(len([]rune(w))) > 0 }

// deletions returns w with each one of its letters removed.
func deletions(w string) []string {
	r := []rune(w)
	out := make([]string, 0, len(r))
	for i := range r {
		out = append(out, string(r[:i])+string(r[i+1:]))
	}
	return out
}

// Suggest returns up to limit records of the index for q, best first (score, then the number
// of agreeing signals, then name, then id), each scoring at least MinScore. The index holds the other side's records, so an ID equal
// to q's is no reason to skip one (vendors number their records independently).
func (ix *Index) Suggest(q Record, limit int) []Suggestion {
	if limit <= 0 || len(ix.entries) == 0 {
		return nil
	}
	qe := newEntry(q)
	ix.collect(&qe)
	defer ix.reset()

	cands := ix.best(maxScored)
	out := make([]Suggestion, 0, limit+1)
	for _, c := range cands {
		e := &ix.entries[c]
		s, signals := score(&qe, e)
		if s < MinScore {
			continue
		}
		out = append(out, Suggestion{ID: e.rec.ID, Name: e.rec.Name, Score: s, Signals: signals})
	}
	slices.SortFunc(out, func(a, b Suggestion) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(len(b.Signals), len(a.Signals)),
			strings.Compare(a.Name, b.Name), strings.Compare(a.ID, b.ID))
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

// best returns up to k touched entries with the highest candidate weight (ties: lower index),
// in no particular order. A bounded min-heap keeps this linear in the number touched.
func (ix *Index) best(k int) []int32 {
	less := func(a, b int32) bool { // a ranks below b
		ha, hb := ix.hits[a], ix.hits[b]
		return ha < hb || ha == hb && a > b
	}
	h := make([]int32, 0, k)
	down := func(i int) {
		for {
			l, m := 2*i+1, i
			if l < len(h) && less(h[l], h[m]) {
				m = l
			}
			if r := l + 1; r < len(h) && less(h[r], h[m]) {
				m = r
			}
			if m == i {
				return
			}
			h[i], h[m] = h[m], h[i]
			i = m
		}
	}
	for _, c := range ix.touched {
		switch {
		case len(h) < k:
			h = append(h, c)
			for i := len(h) - 1; i > 0; {
				p := (i - 1) / 2
				if !less(h[i], h[p]) {
					break
				}
				h[i], h[p] = h[p], h[i]
				i = p
			}
		case less(h[0], c):
			h[0] = c
			down(0)
		}
	}
	return h
}

// collect adds candidate weight to every entry sharing something with q: a word (weighted by
// rarity), a misspelt word, the spaced-out name, initials, a domain or a phone number.
func (ix *Index) collect(q *entry) {
	n := float64(len(ix.entries))
	rarest := math.MaxInt
	for _, w := range q.name.words {
		rarest = min(rarest, len(ix.byWord[w]))
	}
	common := commonPosting
	for k, w := range q.name.words {
		if slices.Contains(q.name.words[:k], w) {
			continue
		}
		ix.addWord(w, n, q.name.weights[k], rarest, common, 1)
		if !fuzzy(w) {
			continue
		}
		seen := map[string]bool{w: true}
		try := func(v string) {
			if seen[v] {
				return
			}
			seen[v] = true
			if s := wordSim(w, v); s > 0 {
				ix.addWord(v, n, q.name.weights[k], rarest, common, float32(s))
			}
		}
		for _, v := range ix.byDeletion[w] {
			try(v)
		}
		for _, d := range deletions(w) {
			if _, ok := ix.byWord[d]; ok {
				try(d)
			}
			for _, v := range ix.byDeletion[d] {
				try(v)
			}
		}
	}
	ix.bump(ix.byCompact[q.name.compact], bonusExact, q.name.compact != "")
	ix.bump(ix.byAcronym[q.name.initials], bonusExact, q.name.initials != "")
	ix.bump(ix.byInitials[q.name.acronym], bonusExact, q.name.acronym != "")
	for _, d := range q.facts.domains {
		ix.bump(ix.byDomain[d], bonusSignal, true)
	}
	ix.bump(ix.byPhone[q.facts.phone], bonusSignal, q.facts.phone != "")
}

func (ix *Index) addWord(w string, n, weight float64, rarest, common int, sim float32) {
	post := ix.byWord[w]
	if len(post) == 0 || (len(post) > common && rarest <= common) {
		return
	}
	idf := float32(weight * math.Log(1+n/float64(len(post))))
	ix.bump(post, idf*sim, true)
}

func (ix *Index) bump(post []int32, by float32, ok bool) {
	if !ok {
		return
	}
	for _, i := range post {
		if ix.hits[i] == 0 {
			ix.touched = append(ix.touched, i)
		}
		ix.hits[i] += by
	}
}

func (ix *Index) reset() {
	for _, i := range ix.touched {
		ix.hits[i] = 0
	}
	ix.touched = ix.touched[:0]
}

// SuggestAll ranks, for each query, up to limit records of pool: the pure function of two
// snapshots that status reports.
func SuggestAll(queries, pool []Record, limit int) [][]Suggestion {
	ix := NewIndex(pool)
	out := make([][]Suggestion, len(queries))
	for i, q := range queries {
		out[i] = ix.Suggest(q, limit)
	}
	return out
}
