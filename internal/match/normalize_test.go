package match

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/accountsync/accountsync-operator/api/v1alpha1"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		// The brief's triple: all one customer under Normalized.
		{"comma and dotted suffix", "Acme, Inc.", "acme"},
		{"upper case suffix", "ACME INC", "acme"},
		{"bare", "acme", "acme"},

		// Case and white space.
		{"mixed case", "AcMe SoLuTiOnS", "acme solutions"},
		{"white space runs", "  Acme \t\n  Solutions  ", "acme solutions"},
		{"no-break and ideographic spaces", "Acme\u00a0Solutions\u3000Group", "acme solutions group"},
		{"empty", "", ""},
		{"only spaces", "   ", ""},

		// Punctuation.
		{"dotted abbreviation", "A.C.M.E.", "acme"},
		{"dotted abbreviation without final dot", "A.C.M.E", "acme"},
		{"spaced letters stay words", "A C M E", "a c m e"},
		{"domain dot separates", "Acme.com", "acme com"},
		{"digits do not join", "1.5 Tech", "1 5 tech"},
		{"hyphen separates", "Smith-Jones", "smith jones"},
		{"comma without space", "Acme,Inc.", "acme"},
		{"apostrophe joins", "O'Brien's Plumbing", "obriens plumbing"},
		{"typographic apostrophe", "O\u2019Brien\u2019s Plumbing", "obriens plumbing"},
		{"parentheses and slash", "Acme (North/East)", "acme north east"},
		{"only punctuation", "!!! ---", ""},
		{"quotes", `"Acme" Corp`, "acme"},
		{"dot after word", "St. Louis Dental", "st louis dental"},

		// Ampersand.
		{"ampersand", "Smith & Jones", "smith and jones"},
		{"ampersand equals and", "Smith and Jones", "smith and jones"},
		{"ampersand inside word", "AT&T", "at and t"},
		{"full-width ampersand", "Smith\uff06Jones", "smith and jones"},

		// Legal suffixes.
		{"inc", "Acme Inc", "acme"},
		{"incorporated", "Acme Incorporated", "acme"},
		{"llc", "Acme LLC", "acme"},
		{"dotted llc", "Acme L.L.C.", "acme"},
		{"ltd", "Acme Ltd.", "acme"},
		{"limited", "Acme Limited", "acme"},
		{"gmbh", "Acme GmbH", "acme"},
		{"ag", "Acme AG", "acme"},
		{"sa", "Acme S.A.", "acme"},
		{"sas", "Acme SAS", "acme"},
		{"bv", "Acme B.V.", "acme"},
		{"nv", "Acme NV", "acme"},
		{"pty ltd", "Acme Pty Ltd", "acme"},
		{"pty limited", "Acme Pty. Limited", "acme"},
		{"plc", "Acme PLC", "acme"},
		{"corp", "Acme Corp.", "acme"},
		{"corporation", "Acme Corporation", "acme"},
		{"co", "Acme Co.", "acme"},
		{"company", "Acme Company", "acme"},
		{"llp", "Acme LLP", "acme"},
		{"srl", "Acme S.R.L.", "acme"},
		{"oy", "Acme Oy", "acme"},
		{"ab", "Acme AB", "acme"},
		{"as", "Acme AS", "acme"},
		{"and co", "Smith & Co.", "smith"},
		{"and company", "Smith and Company", "smith"},
		{"repeated suffixes", "Acme Holdings Co., Ltd.", "acme holdings"},
		{"three suffixes", "Acme Corp Inc LLC", "acme"},
		{"suffix in the middle stays", "Acme Inc Holdings", "acme inc holdings"},
		{"suffix alone stays", "Inc", "inc"},
		{"suffix alone with dot", "Inc.", "inc"},
		{"two suffixes keep one", "Inc LLC", "inc"},
		{"pty ltd alone keeps a word", "Pty Ltd", "pty"},
		{"suffix word inside a word", "Incorporated Widgets", "incorporated widgets"},
		{"suffix-like tail of a word", "Disco", "disco"},

		// Unicode.
		{"accents", "Café Zürich GmbH", "cafe zurich"},
		{"decomposed accents", "Cafe\u0301 Zu\u0308rich", "cafe zurich"},
		{"sharp s folds to ss", "Straße", "strasse"},
		{"capital sharp s", "STRAẞE", "strasse"},
		{"full width", "ＡＣＭＥ Ｉｎｃ", "acme"},
		{"ligature", "\ufb01nance", "finance"},
		{"turkish dotted capital i", "İstanbul Ltd", "istanbul"},
		{"greek accents and final sigma", "Σίσυφος", "σισυφοσ"},
		{"cyrillic accents", "Ёлка", "елка"},
		{"letters without decomposition keep identity", "Ørsted Łódź", "ørsted łodz"},
		{"roman numeral", "Acme \u216b", "acme xii"},
		{"superscript digit", "Acme\u00b2", "acme2"},
		{"devanagari marks kept", "हिंदी कंपनी", "हिंदी कंपनी"},
		{"han", "株式会社 アクメ", "株式会社 アクメ"},
		{"combining mark after space dropped", "Acme \u0301Corp", "acme"},
		{"invalid utf-8 separates", "Acme\xffWidgets", "acme widgets"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Normalize(tt.in); got != tt.want {
				t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestNormalizeEquivalences(t *testing.T) {
	same := [][]string{
		{"Acme, Inc.", "ACME INC", "acme", "A.C.M.E.", "Acme Incorporated", "ACME, LLC", "acme corp."},
		{"Smith & Jones", "Smith and Jones", "SMITH & JONES LTD"},
		{"Café Zürich", "Cafe Zurich", "CAFÉ ZÜRICH AG"},
	}
	for _, set := range same {
		for _, s := range set[1:] {
			if Normalize(s) != Normalize(set[0]) {
				t.Errorf("Normalize(%q) = %q, want it equal to Normalize(%q) = %q", s, Normalize(s), set[0], Normalize(set[0]))
			}
		}
	}
	different := [][2]string{
		{"Acme", "Acme Holdings"},
		{"A C M E", "ACME"},
		{"Acme", "Acne"},
		{"Ørsted", "Orsted"},
	}
	for _, d := range different {
		if Normalize(d[0]) == Normalize(d[1]) {
			t.Errorf("Normalize(%q) == Normalize(%q) = %q, want different", d[0], d[1], Normalize(d[0]))
		}
	}
}

func TestExactKey(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"lower-cases", "ACME Inc.", "acme inc."},
		{"trims", "  Acme  ", "acme"},
		{"collapses inner white space", "Acme \t\n Widgets", "acme widgets"},
		{"keeps punctuation", "Acme, Inc.", "acme, inc."},
		{"keeps suffixes", "Acme LLC", "acme llc"},
		{"keeps accents", "Café", "café"},
		{"composes", "Cafe\u0301", "café"},
		{"folds sigma like EqualFold", "ΟΔΟΣ", "οδοσ"},
		{"final sigma", "οδος", "οδοσ"},
		{"kelvin sign", "\u212a", "k"},
		{"empty", "", ""},
		{"blank", " \t ", ""},
		{"no-break space", "Acme\u00a0Inc", "acme inc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ExactKey(tt.in); got != tt.want {
				t.Errorf("ExactKey(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestKeyFunc(t *testing.T) {
	tests := []struct {
		mode v1alpha1.NameMatching
		a, b string
		same bool
	}{
		{v1alpha1.MatchExact, "Acme, Inc.", "ACME, INC.", true},
		{v1alpha1.MatchExact, "Acme, Inc.", "ACME INC", false},
		{v1alpha1.MatchExact, "Acme, Inc.", "acme", false},
		{v1alpha1.MatchExact, "ACME INC", "acme", false},
		{v1alpha1.MatchNormalized, "Acme, Inc.", "ACME INC", true},
		{v1alpha1.MatchNormalized, "Acme, Inc.", "acme", true},
		{"", "Acme, Inc.", "acme", true}, // API default is Normalized
	}
	for _, tt := range tests {
		key := KeyFunc(tt.mode)
		if got := key(tt.a) == key(tt.b); got != tt.same {
			t.Errorf("KeyFunc(%q): %q vs %q same = %v, want %v", tt.mode, tt.a, tt.b, got, tt.same)
		}
	}
}

func TestPersonNameKey(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"John Doe", "doe john"},
		{"Doe, John", "doe john"},
		{"DOE JOHN", "doe john"},
		{"José  Núñez", "jose nunez"},
		{"Mary-Ann O'Neil", "ann mary oneil"},
		{"Acme Inc", "acme inc"}, // no legal-suffix stripping for people
		{"", ""},
		{"---", ""},
	}
	for _, tt := range tests {
		if got := PersonNameKey(tt.in); got != tt.want {
			t.Errorf("PersonNameKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// hasWordRune reports whether s has a letter or digit other than U+02BC MODIFIER LETTER
// APOSTROPHE, which Normalize drops as an apostrophe.
func hasWordRune(s string) bool {
	for _, r := range s {
		if (unicode.IsLetter(r) || unicode.IsNumber(r)) && !isApostrophe(r) {
			return true
		}
	}
	return false
}

// checkNormalize asserts the properties Normalize promises for any input.
func checkNormalize(t *testing.T, s string) {
	t.Helper()
	n := Normalize(s)
	if again := Normalize(n); again != n {
		t.Fatalf("not idempotent: Normalize(%q) = %q, Normalize(%q) = %q", s, n, n, again)
	}
	if !utf8.ValidString(n) {
		t.Fatalf("Normalize(%q) = %q is not valid UTF-8", s, n)
	}
	if n != strings.Join(strings.Fields(n), " ") {
		t.Fatalf("Normalize(%q) = %q has stray white space", s, n)
	}
	if n == "" && hasWordRune(norm.NFKD.String(s)) {
		t.Fatalf("Normalize(%q) is empty although the name has a letter or digit", s)
	}
}

// checkExactKey asserts that ExactKey is idempotent and agrees with strings.EqualFold on the
// white-space-collapsed canonical composition of its inputs: EqualFold always implies equal keys,
// and equal keys imply EqualFold unless combining marks are involved (folding can make a base
// letter composable with its mark, which EqualFold does not consider).
func checkExactKey(t *testing.T, a, b string) {
	t.Helper()
	ka, kb := ExactKey(a), ExactKey(b)
	if again := ExactKey(ka); again != ka {
		t.Fatalf("not idempotent: ExactKey(%q) = %q, ExactKey(%q) = %q", a, ka, ka, again)
	}
	if !utf8.ValidString(a) || !utf8.ValidString(b) {
		return // EqualFold's treatment of invalid bytes is not the contract
	}
	ca := strings.Join(strings.Fields(norm.NFC.String(a)), " ")
	cb := strings.Join(strings.Fields(norm.NFC.String(b)), " ")
	equal, folds := ka == kb, strings.EqualFold(ca, cb)
	if folds && !equal || equal && !folds && !hasMark(ca+cb) {
		t.Fatalf("ExactKey(%q) = %q, ExactKey(%q) = %q: equal=%v, EqualFold=%v", a, ka, b, kb, equal, folds)
	}
}

func hasMark(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.M, r) {
			return true
		}
	}
	return false
}

// trickyRunes are runes whose folding, decomposition or classification has special cases.
var trickyRunes = []rune("aZ .,&'’ʼ\u0301\u0308\u0345ßẞſİıIΣσς₂℡ⅫﬁＡ\u212a\u0915\u093f\ufffd-_09\u00a0\u3000ǅᾈΐ")

// TestKeyProperties checks the fuzz properties on a fixed pseudo-random sample, so every test
// run covers them and not only fuzzing sessions.
func TestKeyProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	gen := func() string {
		rs := make([]rune, rng.IntN(12))
		for i := range rs {
			if rng.IntN(4) > 0 {
				rs[i] = trickyRunes[rng.IntN(len(trickyRunes))]
				continue
			}
			r := rune(rng.IntN(0x30000))
			for !utf8.ValidRune(r) {
				r = rune(rng.IntN(0x30000))
			}
			rs[i] = r
		}
		s := string(rs)
		if len(s) > 0 && rng.IntN(10) == 0 {
			b := []byte(s)
			b[rng.IntN(len(b))] = byte(rng.IntN(256))
			s = string(b)
		}
		return s
	}
	for range 20000 {
		a := gen()
		checkNormalize(t, a)
		b := gen()
		switch rng.IntN(3) {
		case 0:
			b = strings.ToUpper(a)
		case 1:
			b = strings.ToLower(a)
		}
		checkExactKey(t, a, b)
		PhoneKey(a)
		PersonNameKey(a)
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"Acme, Inc.", "A.C.M.E.", "Inc", "Pty Ltd", "Smith & Co.", "Café Zürich GmbH",
		"Straße", "İstanbul", "हिंदी", "\u0301", "a.\u0301b", "ǅ", "\u2121", "Ⅻ", "\xff", "o'.'.a", "ß.ſ",
		"\xef\xac\xf4ǅ", "’ʼ\ufaeeä1"} {
		f.Add(s)
	}
	f.Fuzz(checkNormalize)
}

func FuzzExactKey(f *testing.F) {
	for _, s := range []string{"Acme, Inc.", " ACME  inc ", "ΟΔΟΣ", "οδος", "\u212a", "Cafe\u0301", "ß", "ẞ", "ı", "İ",
		"ſ\u0301"} {
		f.Add(s, strings.ToUpper(s))
		f.Add(s, strings.ToLower(s))
	}
	f.Fuzz(checkExactKey)
}

var benchNames = []string{
	"Acme, Inc.", "Northwind Traders Ltd", "Contoso Pharmaceuticals GmbH", "Fabrikam & Co.",
	"Adventure Works Cycles LLC", "Wide World Importers", "Café Zürich AG", "Tailspin Toys Pty Ltd",
}

func BenchmarkNormalize(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		Normalize(benchNames[i%len(benchNames)])
	}
}

func BenchmarkNormalizeASCII(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Normalize("Adventure Works Cycles, L.L.C.")
	}
}

func BenchmarkNormalizeUnicode(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Normalize("Café Zürich Straße AG")
	}
}

func BenchmarkExactKey(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		ExactKey(benchNames[i%len(benchNames)])
	}
}
