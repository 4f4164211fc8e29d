package connectwise

import (
	"fmt"
	"hash/fnv"
	"strconv"
)

// maxIdentifier is the company identifier limit of the 2022.1 model (newer models allow 30).
const maxIdentifier = 25

// maxIdentifierAttempts bounds CreateAccount's retries on an identifier clash.
const maxIdentifierAttempts = 8

// baseIdentifier derives a company identifier from a name: its ASCII letters and digits, cut
// to maxIdentifier, or "Company" when the name has none (e.g. a name in another script).
func baseIdentifier(name string) string {
	b := make([]byte, 0, maxIdentifier)
	for i := 0; i < len(name) && len(b) < maxIdentifier; i++ {
		ch := name[i]
		if (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') {
			b = append(b, ch)
		}
	}
	if len(b) == 0 {
		return "Company"
	}
	return string(b)
}

// identifierCandidates lists the identifiers CreateAccount tries, in order and all distinct
// (a truncated base that already ends in "2" would otherwise repeat itself as "...2").
func identifierCandidates(name string) []string {
	out := make([]string, 0, maxIdentifierAttempts)
	seen := map[string]bool{}
	for n := 0; len(out) < maxIdentifierAttempts; n++ {
		if id := identifierCandidate(name, n); !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// identifierCandidate is raw candidate n (0-based): the base, then the base with 2..5
// appended, then with a 6-hex-digit hash of the name and n, always at most maxIdentifier
// characters.
func identifierCandidate(name string, n int) string {
	base := baseIdentifier(name)
	if n == 0 {
		return base
	}
	var suffix string
	if n <= 4 {
		suffix = strconv.Itoa(n + 1)
	} else {
		h := fnv.New32a()
		fmt.Fprintf(h, "%s#%d", name, n)
		suffix = fmt.Sprintf("%06x", h.Sum32()&0xffffff)
	}
	if len(base)+len(suffix) > maxIdentifier {
		base = base[:maxIdentifier-len(suffix)]
	}
	return base + suffix
}
