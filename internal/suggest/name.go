package suggest

import (
	"slices"
	"strings"

	"github.com/accountsync/accountsync-operator/internal/match"
)

// canonical maps a spelled-out word to the short form both spellings share, so "Doctor" equals
// "Dr", "International" equals "Intl" and "Company" equals "Co". Only words whose abbreviation
// is unambiguous in business names are listed ("St" could be Street or Saint: both map to "st").
var canonical = map[string]string{
	"doctor": "dr", "doctors": "dr", "drs": "dr",
	"company": "co", "companies": "co",
	"corporation": "corp", "incorporated": "inc", "limited": "ltd",
	"international": "intl", "internacional": "intl", "int": "intl",
	"associates": "assoc", "association": "assoc", "assn": "assoc", "assocs": "assoc",
	"brothers": "bros", "bro": "bros",
	"center": "ctr", "centre": "ctr", "cntr": "ctr",
	"department": "dept", "dep": "dept",
	"saint": "st", "street": "st", "str": "st",
	"mount": "mt", "mountain": "mtn",
	"manufacturing": "mfg", "manufacturers": "mfg",
	"services": "svc", "service": "svc", "svcs": "svc", "srvc": "svc",
	"solutions": "solution",
	"systems":   "system", "sys": "system",
	"technologies": "tech", "technology": "tech", "technical": "tech",
	"laboratory": "lab", "laboratories": "lab", "labs": "lab",
	"university": "univ",
	"hospital":   "hosp",
	"medical":    "med",
	"management": "mgmt", "mgt": "mgmt",
	"construction": "constr",
	"enterprises":  "ent", "enterprise": "ent",
	"holdings": "hldg", "holding": "hldg",
	"partners": "ptnrs", "partnership": "ptnrs",
	"industries": "ind", "industrial": "ind",
	"consulting": "consult", "consultants": "consult", "consultancy": "consult",
	"insurance":   "ins",
	"investments": "invest", "investment": "invest",
	"properties": "prop", "property": "prop",
	"group": "grp",
	"north": "n", "south": "s", "east": "e", "west": "w",
	"first": "1st", "second": "2nd", "third": "3rd",
	"avenue": "ave", "boulevard": "blvd", "road": "rd",
	"federal": "fed", "national": "natl", "american": "amer",
	"engineering": "eng", "engineers": "eng",
	"pharmacy":   "pharm",
	"veterinary": "vet",
	"dentistry":  "dental",
	"accounting": "acctg",
	"plumbing":   "plumb",
	"electric":   "elec", "electrical": "elec",
}

// stopWords carry no identity: "The Acme Group" and "Acme Group" are one name, "Smith & Jones"
// and "Smith Jones" too.
var stopWords = map[string]bool{"the": true, "and": true, "of": true}

// generic words say what kind of business a name is, not which one: they count for little when
// present on both sides and cost little when present on one only ("Acme" and "Acme Group").
var generic = map[string]bool{
	"grp": true, "svc": true, "solution": true, "system": true, "tech": true, "ent": true,
	"hldg": true, "ptnrs": true, "ind": true, "intl": true, "co": true, "corp": true,
	"inc": true, "ltd": true, "llc": true, "plc": true, "gmbh": true, "llp": true, "pllc": true,
	"pc": true, "pa": true, "assoc": true, "global": true, "worldwide": true, "usa": true,
	"us": true, "america": true, "amer": true, "consult": true, "mgmt": true, "office": true,
	"offices": true, "firm": true, "team": true, "agency": true,
}

// legalWords are legal forms; match.Normalize strips them at the end of a name, and here they
// are dropped anywhere ("Acme Inc. Dental" reads as "Acme Dental").
var legalWords = map[string]bool{
	"inc": true, "llc": true, "ltd": true, "llp": true, "pllc": true, "plc": true, "gmbh": true,
	"corp": true, "co": true, "pty": true, "sa": true, "ag": true, "bv": true, "nv": true,
	"srl": true, "sas": true, "oy": true, "ab": true, "pc": true, "pa": true, "na": true,
}

const (
	weightWord    = 1.0
	weightGeneric = 0.3
)

// analyzed is a name ready to be compared: its canonical words in order, each word's weight and
// the sum of the weights, and the words joined without spaces (so "North Wind" equals
// "Northwind").
type analyzed struct {
	words   []string
	weights []float64
	total   float64
	compact string
	// initials of a name with at least two words ("International Business Machines" → "ibm"),
	// and acronym when the name is a single short word that may be such initials.
	initials string
	acronym  string
}

// analyze turns a display name into comparable words: match.Normalize (case, accents,
// punctuation, "&" as "and", trailing legal suffixes), then stop words and legal forms dropped,
// runs of single letters joined ("A B C Plumbing" is "abc plumbing") and each word put in its
// canonical short form.
func analyze(name string) analyzed {
	norm := match.Normalize(name)
	raw := strings.Fields(norm)
	words := make([]string, 0, len(raw))
	var compact strings.Builder
	for i := 0; i < len(raw); i++ {
		w := raw[i]
		if len([]rune(w)) == 1 && isLetterWord(w) {
			j := i
			var b strings.Builder
			for j < len(raw) && len([]rune(raw[j])) == 1 && isLetterWord(raw[j]) {
				b.WriteString(raw[j])
				j++
			}
			if j-i > 1 {
				words = append(words, b.String())
				compact.WriteString(b.String())
				i = j - 1
				continue
			}
		}
		if stopWords[w] {
			continue
		}
		if !legalWords[w] {
			compact.WriteString(w)
		}
		if c, ok := canonical[w]; ok {
			w = c
		}
		if legalWords[w] && len(raw) > 1 {
			continue
		}
		words = append(words, w)
	}
	if len(words) == 0 {
		// A name made only of stop words or legal forms ("The Company") is compared as it is.
		words = raw
	}
	a := analyzed{words: words, weights: make([]float64, len(words))}
	for i, w := range words {
		a.weights[i] = wordWeight(w)
		a.total += a.weights[i]
	}
	a.compact = compact.String()
	if a.compact == "" {
		a.compact = strings.Join(words, "")
	}
	if len(words) >= 2 {
		var b strings.Builder
		for _, w := range words {
			r := []rune(w)
			b.WriteRune(r[0])
		}
		a.initials = b.String()
	} else if len(words) == 1 && len([]rune(words[0])) >= 2 && len([]rune(words[0])) <= 5 {
		a.acronym = words[0]
	}
	return a
}

func isLetterWord(w string) bool {
	r := []rune(w)
	return len(r) == 1 && (r[0] < '0' || r[0] > '9')
}

func wordWeight(w string) float64 {
	if generic[w] {
		return weightGeneric
	}
	return weightWord
}

// isNumber reports whether w is made of digits only: numbers must agree exactly ("Store 12" is
// not "Store 13").
func isNumber(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] < '0' || w[i] > '9' {
			return false
		}
	}
	return w != ""
}

// Similarity of two different words, 0 when they do not count as the same word.
const (
	simOneEdit   = 0.85
	simTwoEdits  = 0.7
	simPrefix    = 0.8
	simCompact   = 0.95
	simAcronym   = 0.8
	orderPenalty = 0.97
	// unmatchedPenalty makes a word present on one side only cost more than a shared word
	// gains, so "Summit Dental" and "Summit Dental Lab" stay apart while "Summit Dental" and
	// "Summit Dental Group" (a generic word) do not.
	unmatchedPenalty = 2.0
)

// maxEdits is how many edits (insertions, deletions, substitutions, adjacent transpositions) a
// misspelt word of this length may differ by.
func maxEdits(n int) int {
	switch {
	case n >= 9:
		return 2
	case n >= 5:
		return 1
	}
	return 0
}

// wordSim is the similarity of two distinct words: a misspelling within maxEdits of the shorter
// word's length, or an abbreviation (a prefix of at least four letters: "Mgmt" is not one, but
// "Tech" of "Technik" is). Numbers never match approximately.
func wordSim(a, b string) float64 {
	if a == b {
		return 1
	}
	if isNumber(a) || isNumber(b) {
		return 0
	}
	la, lb := len([]rune(a)), len([]rune(b))
	if d := maxEdits(min(la, lb)); d > 0 && abs(la-lb) <= d && a[0] == b[0] {
		// Typing slips rarely hit the first letter, and a different first letter is how
		// neighbouring businesses differ ("Dental" / "Rental", "Health" / "Wealth").
		dist := osaDistance(a, b, d)
		switch {
		case dist == 1 && la == lb && min(la, lb) < minSubstitutionLen && !sameLetters(a, b):
			// In a short word one substituted letter is more often another word ("Movers" /
			// "Mowers", "Marys" / "Marks") than a slip; dropped, doubled and swapped letters stay.
		case dist == 1:
			return simOneEdit
		case dist == 2 && d >= 2:
			return simTwoEdits
		}
	}
	if min(la, lb) >= 4 && (strings.HasPrefix(a, b) || strings.HasPrefix(b, a)) {
		return simPrefix
	}
	return 0
}

// minSubstitutionLen is the shortest word in which one substituted letter reads as a misspelling.
const minSubstitutionLen = 7

// sameLetters reports whether a and b are anagrams (a transposition, not a substitution).
func sameLetters(a, b string) bool {
	ra, rb := []rune(a), []rune(b)
	slices.Sort(ra)
	slices.Sort(rb)
	return slices.Equal(ra, rb)
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// osaDistance is the optimal-string-alignment distance of a and b (Levenshtein plus adjacent
// transpositions), or limit+1 as soon as it is known to exceed limit.
func osaDistance(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	n, m := len(ra), len(rb)
	if abs(n-m) > limit {
		return limit + 1
	}
	prev2 := make([]int, m+1)
	prev := make([]int, m+1)
	cur := make([]int, m+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= n; i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= m; j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[m]
}

type wordPair struct {
	i, j int
	sim  float64
	lo   string
	hi   string
}

// approximatePairs lists the similar (not identical) pairs of words still unpaired, the most
// similar first; ties by the words themselves, which does not depend on which name is a and
// which is b.
func approximatePairs(a, b *analyzed, usedA, usedB []bool) []wordPair {
	var pairs []wordPair
	for i, w := range a.words {
		if usedA[i] {
			continue
		}
		for j, v := range b.words {
			if usedB[j] {
				continue
			}
			if s := wordSim(w, v); s > 0 {
				lo, hi := w, v
				if hi < lo {
					lo, hi = hi, lo
				}
				pairs = append(pairs, wordPair{i: i, j: j, sim: s, lo: lo, hi: hi})
			}
		}
	}
	slices.SortStableFunc(pairs, func(x, y wordPair) int {
		switch {
		case x.sim != y.sim:
			if x.sim > y.sim {
				return -1
			}
			return 1
		case x.lo != y.lo:
			return strings.Compare(x.lo, y.lo)
		}
		return strings.Compare(x.hi, y.hi)
	})
	return pairs
}

// nameScore compares two analysed names, 0..1. It is symmetric: nameScore(a, b) ==
// nameScore(b, a). Identical words pair first, then the most similar remaining words; the score
// is the weight of paired words over that weight plus the (penalised) weight of words left over
// and of the dissimilarity of approximate pairs.
func nameScore(a, b *analyzed) float64 {
	if len(a.words) == 0 || len(b.words) == 0 {
		return 0
	}
	usedA := make([]bool, len(a.words))
	usedB := make([]bool, len(b.words))
	pairA := make([]int, len(a.words))
	for i := range pairA {
		pairA[i] = -1
	}
	var matched, unmatched float64
	// Identical words first, in order, so repeated words pair left to right on both sides.
	for i, w := range a.words {
		for j, v := range b.words {
			if !usedB[j] && v == w {
				usedA[i], usedB[j], pairA[i] = true, true, j
				matched += a.weights[i] + b.weights[j]
				break
			}
		}
	}
	for _, p := range approximatePairs(a, b, usedA, usedB) {
		if usedA[p.i] || usedB[p.j] {
			continue
		}
		usedA[p.i], usedB[p.j], pairA[p.i] = true, true, p.j
		w := a.weights[p.i] + b.weights[p.j]
		matched += p.sim * w
		unmatched += (1 - p.sim) * w * unmatchedPenalty
	}
	for i, u := range usedA {
		if !u {
			unmatched += leftOver(a.words[i], a.weights[i])
		}
	}
	for j, u := range usedB {
		if !u {
			unmatched += leftOver(b.words[j], b.weights[j])
		}
	}
	score := 0.0
	if matched > 0 {
		score = matched / (matched + unmatched)
	}
	if score > 0 && !inOrder(pairA) {
		score *= orderPenalty
	}
	// Spacing differences ("North Wind" / "Northwind") and initials ("IBM" / "International
	// Business Machines") are read as near-identical names.
	if a.compact != "" && a.compact == b.compact && len(a.words) != len(b.words) {
		score = max(score, simCompact)
	}
	if (a.acronym != "" && a.acronym == b.initials) || (b.acronym != "" && b.acronym == a.initials) {
		score = max(score, simAcronym)
	}
	return score
}

// leftOver is what a word present on one side only costs: a generic word ("Group",
// "Services") costs its weight, any other word twice its weight.
func leftOver(w string, weight float64) float64 {
	if generic[w] {
		return weight
	}
	return weight * unmatchedPenalty
}

// inOrder reports whether the paired words appear in the same order on both sides. The relation
// is symmetric: an inversion seen from a is an inversion seen from b.
func inOrder(pairA []int) bool {
	last := -1
	for _, j := range pairA {
		if j < 0 {
			continue
		}
		if j < last {
			return false
		}
		last = j
	}
	return true
}
