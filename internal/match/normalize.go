// Package match turns names, e-mail addresses and phone numbers into comparison keys, and
// matches end users between a tool and a PSA. It is pure: no I/O, no clock, no Kubernetes client,
// so the sync planner and the mapping controller can call it on every sync and tests can pin its
// behaviour exactly.
//
// Matching is done by key equality in hash maps, never by comparing records pairwise, so the cost
// is linear in the number of records.
package match

import (
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"github.com/accountsync/accountsync-operator/api/v1alpha1"
)

// Normalize returns the key that SyncPolicy matching.name: Normalized compares. Two names with
// the same key are taken to name the same customer.
//
// The steps, in order:
//
//   - Unicode compatibility caseless folding (The Unicode Standard, definition D146: NFD, full
//     case folding, NFKD, full case folding, NFKD), so "ＡＣＭＥ", "Acme" and "ACME" agree and "Straße" equals
//     "STRASSE".
//   - Accents are dropped: combining marks that follow a Latin, Greek or Cyrillic letter are
//     removed, so "Café Zürich" equals "Cafe Zurich". Marks of other scripts (Devanagari vowel
//     signs, Thai tone marks, ...) carry meaning there and are kept. Letters that have no
//     decomposition keep their identity: "ø", "ł", "æ" and "đ" are not turned into "o", "l", "ae"
//     and "d" (a mapping table for them is deliberately not kept here).
//   - Letters and digits form words; every other character separates words, except that
//     apostrophes are dropped inside a word ("O'Brien's" is "obriens") and dots join single
//     letters into one word, so abbreviations agree with their undotted spelling:
//     "A.C.M.E." equals "ACME" and "L.L.C." equals "LLC", while "Acme.com" is "acme com".
//     "A C M E" (spaces) stays four words.
//   - "&" is the word "and", so "Smith & Jones" equals "Smith and Jones".
//   - Trailing legal-form suffixes are removed repeatedly (see legalSuffixes): "Acme Holdings
//     Pty. Ltd." is "acme holdings", "Acme, Inc. LLC" is "acme". A name is never reduced to
//     nothing: "Inc" stays "inc", "Pty Ltd" becomes "pty".
//   - Words are joined with single spaces.
//
// A name without any letter or digit normalises to "" (it cannot be matched by name). A name
// with at least one letter or digit (other than U+02BC, which is written as an apostrophe)
// never normalises to "". Normalize is idempotent.
func Normalize(name string) string {
	t := tokenize(name)
	return t.join(stripLegalSuffixes(t))
}

// ExactKey returns the key that matching.name: Exact compares, and that the creation guard uses
// for "the exact target name, case-insensitive": the name with leading and trailing white space
// removed, inner white-space runs collapsed to one space, canonically composed (NFC, so a
// precomposed "é" equals "e" + combining acute, which render identically), and simple-case-folded
// character by character with the equivalence strings.EqualFold uses. Names that EqualFold
// equates always get the same key; beyond that only canonically equivalent spellings do.
// Punctuation, accents and legal suffixes are significant.
func ExactKey(name string) string {
	if isASCII(name) {
		var b strings.Builder
		b.Grow(len(name))
		for _, f := range strings.Fields(name) {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			for i := 0; i < len(f); i++ {
				b.WriteByte(lowerASCII(f[i]))
			}
		}
		return b.String()
	}
	// Invalid bytes become U+FFFD first: the normaliser passes them through and may then leave
	// the rune after them uncomposed. Composition runs again after folding because folding a
	// base letter can make it composable with the mark after it ("ſ" + acute becomes "ś").
	s := norm.NFC.String(strings.ToValidUTF8(name, "\uFFFD"))
	s = norm.NFC.String(strings.Map(simpleFold, s))
	return strings.Join(strings.Fields(s), " ")
}

// KeyFunc returns the key function of a matching.name mode. An empty or unknown mode is the
// API default, Normalized.
func KeyFunc(mode v1alpha1.NameMatching) func(string) string {
	if mode == v1alpha1.MatchExact {
		return ExactKey
	}
	return Normalize
}

// PersonNameKey returns the key used to match end users by name: the words of Normalize (folded,
// accents and punctuation dropped, "&" as "and") but with no legal-suffix stripping, sorted so
// the order of first and last name does not matter: "Doe, John" equals "John Doe". The price is
// that "John Paul" equals "Paul John"; within one customer's users that collision is rare and
// ends up ambiguous rather than wrong when both exist. Returns "" when the name has no letter or
// digit.
func PersonNameKey(name string) string {
	t := tokenize(name)
	words := make([]string, len(t.spans))
	for i, s := range t.spans {
		words[i] = string(t.buf[s.start:s.end])
	}
	slices.Sort(words)
	return strings.Join(words, " ")
}

// legalSuffixes are legal-form words removed from the end of a name, in normalised form (dotted
// spellings such as "L.L.C." and "S.A." arrive here as "llc" and "sa"). "and co" covers
// "& Co." as in "Smith & Co.".
var legalSuffixes = [][]string{
	{"inc"}, {"incorporated"},
	{"llc"}, {"llp"},
	{"ltd"}, {"limited"},
	{"pty", "ltd"}, {"pty", "limited"},
	{"gmbh"}, {"ag"},
	{"sa"}, {"sas"}, {"srl"},
	{"bv"}, {"nv"},
	{"plc"},
	{"corp"}, {"corporation"},
	{"co"}, {"company"},
	{"and", "co"}, {"and", "company"},
	{"oy"}, {"ab"}, {"as"},
}

// suffixesByLast indexes legalSuffixes by their last word, longest first, so stripping costs one
// map look-up per removed suffix.
var suffixesByLast = func() map[string][][]string {
	m := make(map[string][][]string)
	for _, s := range legalSuffixes {
		last := s[len(s)-1]
		m[last] = append(m[last], s)
	}
	for _, list := range m {
		for i := 1; i < len(list); i++ {
			for j := i; j > 0 && len(list[j]) > len(list[j-1]); j-- {
				list[j], list[j-1] = list[j-1], list[j]
			}
		}
	}
	return m
}()

// stripLegalSuffixes returns how many leading words remain once trailing legal suffixes are
// removed. At each step the longest suffix that leaves at least one word is removed.
func stripLegalSuffixes(t tokens) int {
	n := len(t.spans)
	for n > 1 {
		cands := suffixesByLast[string(t.buf[t.spans[n-1].start:t.spans[n-1].end])]
		removed := false
		for _, s := range cands {
			if len(s) >= n || !t.hasSuffix(n, s) {
				continue
			}
			n -= len(s)
			removed = true
			break
		}
		if !removed {
			break
		}
	}
	return n
}

type span struct{ start, end int }

// tokens are the words of a name, stored back to back in buf separated by single spaces, so
// joining a prefix of them is a slice of buf.
type tokens struct {
	buf   []byte
	spans []span
}

func (t tokens) join(n int) string {
	if n == 0 {
		return ""
	}
	return string(t.buf[:t.spans[n-1].end])
}

// hasSuffix reports whether words [n-len(s), n) equal s.
func (t tokens) hasSuffix(n int, s []string) bool {
	for i := range s {
		w := t.spans[n-len(s)+i]
		if string(t.buf[w.start:w.end]) != s[i] {
			return false
		}
	}
	return true
}

// tokenize folds name and splits it into words (see Normalize).
func tokenize(name string) tokens {
	s := foldForMatch(name)
	t := tokens{buf: make([]byte, 0, len(s)+8), spans: make([]span, 0, 8)}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '&':
			t.add("and")
			i += size
		case isWordRune(r) || r == '.' || isApostrophe(r):
			j := i + size
			for j < len(s) {
				r2, size2 := utf8.DecodeRuneInString(s[j:])
				if !isWordRune(r2) && r2 != '.' && !isApostrophe(r2) {
					break
				}
				j += size2
			}
			t.addChunk(s[i:j])
			i = j
		default:
			i += size
		}
	}
	return t
}

// addChunk adds the words of a run of word runes, dots and apostrophes. Dots split it into
// segments; when there are at least two segments and each is a single letter (an abbreviation
// such as "a.c.m.e."), they form one word, otherwise each segment is a word. Digits do not join,
// so "1.5" stays two numbers rather than becoming "15".
func (t *tokens) addChunk(chunk string) {
	segments, single := 0, true
	for rest := chunk; rest != ""; {
		seg := rest
		if k := strings.IndexByte(rest, '.'); k >= 0 {
			seg, rest = rest[:k], rest[k+1:]
		} else {
			rest = ""
		}
		n, letters := baseRuneCount(seg)
		if n == 0 {
			continue
		}
		if n > 1 || letters != 1 {
			single = false
		}
		segments++
	}
	if segments == 0 {
		return
	}
	if segments > 1 && single {
		t.begin()
		t.appendWord(chunk)
		t.end()
		return
	}
	for rest := chunk; rest != ""; {
		seg := rest
		if k := strings.IndexByte(rest, '.'); k >= 0 {
			seg, rest = rest[:k], rest[k+1:]
		} else {
			rest = ""
		}
		if n, _ := baseRuneCount(seg); n == 0 {
			continue
		}
		t.begin()
		t.appendWord(seg)
		t.end()
	}
}

func (t *tokens) add(word string) {
	t.begin()
	t.buf = append(t.buf, word...)
	t.end()
}

func (t *tokens) begin() {
	if len(t.spans) > 0 {
		t.buf = append(t.buf, ' ')
	}
	t.spans = append(t.spans, span{start: len(t.buf)})
}

func (t *tokens) end() { t.spans[len(t.spans)-1].end = len(t.buf) }

// appendWord appends the word runes of s, dropping dots and apostrophes and lower-casing ASCII
// letters (foldForMatch leaves ASCII input as it is).
func (t *tokens) appendWord(s string) {
	for _, r := range s {
		switch {
		case r == '.' || isApostrophe(r):
		case r < utf8.RuneSelf:
			t.buf = append(t.buf, lowerASCII(byte(r)))
		default:
			t.buf = utf8.AppendRune(t.buf, r)
		}
	}
}

// baseRuneCount counts the letters and digits of s that appendWord keeps (marks, apostrophes and
// separators excluded), and the letters among them.
func baseRuneCount(s string) (n, letters int) {
	for _, r := range s {
		if r < utf8.RuneSelf {
			switch {
			case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z':
				n++
				letters++
			case '0' <= r && r <= '9':
				n++
			}
			continue
		}
		// U+02BC MODIFIER LETTER APOSTROPHE is a letter, but it is dropped like an apostrophe.
		if !isWordRune(r) || unicode.Is(unicode.M, r) || isApostrophe(r) {
			continue
		}
		n++
		if unicode.IsLetter(r) {
			letters++
		}
	}
	return n, letters
}

// isWordRune reports whether r belongs to a word. Marks reach this point only when
// foldForMatch kept them (marks of scripts other than Latin, Greek and Cyrillic).
func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || '0' <= r && r <= '9' || 'A' <= r && r <= 'Z'
	}
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.M, r)
}

// isApostrophe reports whether r is written as an apostrophe: ASCII ', the typographic ’ and
// ‘, the modifier letter ʼ and the grave accent ` that keyboards without ’ produce.
func isApostrophe(r rune) bool {
	switch r {
	case '\'', '`', '\u2018', '\u2019', '\u02bc':
		return true
	}
	return false
}

// foldForMatch applies compatibility caseless folding and drops accents (see Normalize). ASCII
// input, the common case, is returned as it is: it is already in NFKD, has no accents, and its
// case folding is lower-casing, which appendWord does while copying words.
func foldForMatch(s string) string {
	if isASCII(s) {
		return s
	}
	// Invalid bytes separate words. They are replaced first because the normaliser passes them
	// through and may then leave the rune after them undecomposed, which would break
	// idempotence.
	s = strings.ToValidUTF8(s, " ")
	f := foldCaser.Get().(*cases.Caser)
	s = norm.NFKD.String(f.String(norm.NFKD.String(f.String(norm.NFD.String(s)))))
	foldCaser.Put(f)
	return stripAccents(s)
}

// stripAccents removes the combining marks that follow a Latin, Greek or Cyrillic letter (or
// follow no letter at all, such as a mark after a space), keeping those of other scripts.
func stripAccents(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	keep := false // whether marks attached to the last base rune are kept
	for _, r := range s {
		if unicode.Is(unicode.M, r) {
			if keep {
				b.WriteRune(r)
			}
			continue
		}
		keep = unicode.IsLetter(r) && !unicode.In(r, unicode.Latin, unicode.Greek, unicode.Cyrillic, unicode.Common)
		b.WriteRune(r)
	}
	return b.String()
}

// foldCaser pools full-case-folding casers: a cases.Caser keeps state and must not be shared
// between goroutines, and building one per call would dominate the cost of short names.
var foldCaser = sync.Pool{New: func() any {
	c := cases.Fold()
	return &c
}}

// simpleFold maps r to one representative of its simple case folding orbit (the runes
// strings.EqualFold treats as equal): the lower case of the orbit's smallest rune when that lower
// case belongs to the orbit, so keys read in their familiar lower case, and the smallest rune
// otherwise. The representative is always inside the orbit, so two runes get the same one
// exactly when EqualFold equates them ("İ" stays apart from "i", as EqualFold keeps it).
func simpleFold(r rune) rune {
	lowest := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		lowest = min(lowest, f)
	}
	lower := unicode.ToLower(lowest)
	if lower == lowest {
		return lowest
	}
	for f := unicode.SimpleFold(lowest); f != lowest; f = unicode.SimpleFold(f) {
		if f == lower {
			return lower
		}
	}
	return lowest
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}
