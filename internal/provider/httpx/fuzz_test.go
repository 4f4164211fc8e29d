package httpx

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// FuzzRedactRemovesEveryEncoding: whatever the secret and whatever surrounds it, no encoding
// in which an error message can quote it (raw, query- or path-escaped, JSON-escaped with or
// without HTML escaping) survives Redact.
func FuzzRedactRemovesEveryEncoding(f *testing.F) {
	for _, s := range []string{secretA, `p@ss/w"rd<1>`, "a b+c&d=e", "ünï cödé", "tab\there", `back\slash`, "\x00\xff\xfe"} {
		f.Add(s, "error: ", " was refused")
	}
	f.Add("admin", "admin", "admin")
	f.Fuzz(func(t *testing.T, secret, before, after string) {
		if len(secret) < 3 || strings.Contains(secret, "\x01") || len(secret)+len(before)+len(after) > 4096 {
			return
		}
		c := New(Options{Provider: "fuzz", Secrets: []string{secret}})
		for _, form := range encodings(secret) {
			out := c.Redact(before + form + after)
			// Take the marker out, so that text around it cannot be mistaken for the secret.
			rest := strings.ReplaceAll(out, redactedMarker, "\x01")
			if strings.Contains(rest, form) {
				t.Fatalf("Redact(%q + %q + %q) = %q still holds the encoding %q", before, form, after, out, form)
			}
		}
	})
}

func encodings(s string) []string {
	htmlSafe, _ := json.Marshal(s)
	var plain bytes.Buffer
	enc := json.NewEncoder(&plain)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return []string{s, url.QueryEscape(s), url.PathEscape(s),
		strings.Trim(string(htmlSafe), `"`), strings.Trim(strings.TrimSpace(plain.String()), `"`)}
}
