package assetsync

import (
	"cmp"
	"strings"
	"unicode"
)

// nameKey is the identity of a location or department name. Surrounding whitespace is ignored
// and letters compare under Unicode simple case folding, exactly like strings.EqualFold, so
// "HQ", " hq " and "Hq" name one location. Each rune is replaced by the smallest rune of its
// folding orbit, which turns EqualFold's pairwise relation into a canonical map key.
func nameKey(s string) string {
	return strings.Map(foldRune, strings.TrimSpace(s))
}

func foldRune(r rune) rune {
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		least = min(least, f)
	}
	return least
}

// compareIDs orders record ids so that numeric ids sort by value ("9" before "10"), which is
// what "lowest id" means to a person reading a PSA, and every other id sorts after them by
// bytes. Keeping the two classes apart makes this a total order, so picks and output order
// are deterministic for any mix of ids.
func compareIDs(a, b string) int {
	da, db := isDigits(a), isDigits(b)
	switch {
	case da && db:
		if c := cmp.Compare(len(a), len(b)); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	case da:
		return -1
	case db:
		return 1
	}
	return strings.Compare(a, b)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
