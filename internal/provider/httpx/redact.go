package httpx

import (
	"bytes"
	"encoding/json"
	"net/url"
	"sort"
	"strings"
	"sync"
)

// redactedMarker replaces every secret in error messages.
const redactedMarker = "[REDACTED]"

// maxLearned bounds the session tokens kept for redaction: a long-running manager renews its
// tokens many times, and only recent ones can still appear in a message.
const maxLearned = 16

// redactor replaces static secrets and the session tokens learnt at run time. It is shared by
// every goroutine using a Client, so it rebuilds an immutable Replacer under a lock.
type redactor struct {
	mu       sync.RWMutex
	static   []string
	learned  []string
	replacer *strings.Replacer
}

func newRedactor(secrets []string) *redactor {
	r := &redactor{}
	for _, s := range secrets {
		if usable(s) {
			r.static = append(r.static, s)
		}
	}
	r.rebuild()
	return r
}

// usable rejects values too short to redact: one- or two-letter values would shred every message.
func usable(s string) bool { return len(s) >= 3 }

// learn adds a secret found at run time (a fetched token).
func (r *redactor) learn(s string) {
	if !usable(s) {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, have := range r.learned {
		if have == s {
			return
		}
	}
	r.learned = append(r.learned, s)
	if len(r.learned) > maxLearned {
		r.learned = r.learned[len(r.learned)-maxLearned:]
	}
	r.rebuild()
}

func (r *redactor) replace(s string) string {
	r.mu.RLock()
	rep := r.replacer
	r.mu.RUnlock()
	return rep.Replace(s)
}

// rebuild must be called with mu held (or before r is shared).
func (r *redactor) rebuild() {
	seen := map[string]bool{}
	var forms []string
	for _, list := range [][]string{r.static, r.learned} {
		for _, s := range list {
			for _, form := range encodedForms(s) {
				if !seen[form] {
					seen[form] = true
					forms = append(forms, form)
				}
			}
		}
	}
	// Longest first: a user name that starts the password must not win the match and leave the
	// password's tail behind.
	sort.SliceStable(forms, func(i, j int) bool { return len(forms[i]) > len(forms[j]) })
	pairs := make([]string, 0, 2*len(forms))
	for _, f := range forms {
		pairs = append(pairs, f, redactedMarker)
	}
	r.replacer = strings.NewReplacer(pairs...)
}

// encodedForms are the ways an error message can quote s: as it is, in a URL (query- or
// path-escaped), or inside a JSON string (Go escapes <, > and & too; most other encoders don't).
func encodedForms(s string) []string {
	htmlSafe, _ := json.Marshal(s)
	var plain bytes.Buffer
	enc := json.NewEncoder(&plain)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return []string{s, url.QueryEscape(s), url.PathEscape(s),
		strings.Trim(string(htmlSafe), `"`), strings.Trim(strings.TrimSpace(plain.String()), `"`)}
}
