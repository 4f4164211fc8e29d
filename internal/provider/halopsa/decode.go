package halopsa

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// page is one decoded list answer.
type page[T any] struct {
	pageNo      int64
	pageSize    int64 // 0 when the answer was not paginated (all rows)
	recordCount int64
	items       []T
}

// decodePage decodes Halo's list wrapper {"page_no","page_size","record_count","<key>":[...]}.
// Keys are matched case-insensitively. A bare JSON array is taken as a complete, unpaginated
// list, which some Halo endpoints answer.
func decodePage[T any](body []byte, key string) (page[T], error) {
	var p page[T]
	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] == '[' {
		if err := json.Unmarshal(body, &p.items); err != nil {
			return p, fmt.Errorf("decode %s list: %w", key, err)
		}
		p.recordCount = int64(len(p.items))
		return p, nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return p, fmt.Errorf("decode %s list: %w", key, err)
	}
	if raw == nil {
		return p, fmt.Errorf("decode %s list: empty answer", key)
	}
	fields := make(map[string]json.RawMessage, len(raw))
	for k, v := range raw {
		fields[strings.ToLower(k)] = v
	}
	list, ok := fields[key]
	if !ok {
		return p, fmt.Errorf("decode %s list: the answer has no %q field", key, key)
	}
	if err := json.Unmarshal(list, &p.items); err != nil {
		return p, fmt.Errorf("decode %s list: %w", key, err)
	}
	for name, dst := range map[string]*int64{"page_no": &p.pageNo, "page_size": &p.pageSize, "record_count": &p.recordCount} {
		v, ok := fields[name]
		if !ok {
			continue
		}
		var n flexInt
		if err := json.Unmarshal(v, &n); err != nil {
			return p, fmt.Errorf("decode %s list: %s: %w", key, name, err)
		}
		if n < 0 {
			return p, fmt.Errorf("decode %s list: negative %s", key, name)
		}
		*dst = int64(n)
	}
	return p, nil
}

// decodeOne decodes the answer to a single GET or a one-object POST: an object, or an array
// whose first element is the record.
func decodeOne[T any](body []byte) (T, error) {
	var zero T
	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] == '[' {
		var items []T
		if err := json.Unmarshal(body, &items); err != nil {
			return zero, err
		}
		if len(items) == 0 {
			return zero, errors.New("empty array")
		}
		return items[0], nil
	}
	if len(body) == 0 || body[0] != '{' {
		return zero, errors.New("not a JSON object")
	}
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		return zero, err
	}
	return v, nil
}

// decodeError extracts a readable message from a Halo error body, whose shape is not
// documented: a JSON string, an object with a message field (or an OAuth error pair), an array
// of those, or plain text. The result is capped; the caller redacts it.
func decodeError(body []byte) string {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return ""
	}
	var v any
	msg := ""
	if err := json.Unmarshal(body, &v); err == nil {
		msg = messageOf(v, 0)
	}
	if msg == "" {
		msg = string(body)
	}
	msg = strings.Join(strings.Fields(msg), " ")
	if r := []rune(msg); len(r) > 300 {
		msg = string(r[:300]) + "…"
	}
	return msg
}

// messageOf walks a decoded error body for the fields Halo and its auth server use.
func messageOf(v any, depth int) string {
	if depth > 3 {
		return ""
	}
	switch t := v.(type) {
	case string:
		return t
	case []any:
		var parts []string
		for i, item := range t {
			if i == 5 {
				break
			}
			if m := messageOf(item, depth+1); m != "" {
				parts = append(parts, m)
			}
		}
		return strings.Join(parts, "; ")
	case map[string]any:
		lower := make(map[string]any, len(t))
		for k, val := range t {
			lower[strings.ToLower(k)] = val
		}
		text := func(key string) string {
			s, _ := lower[key].(string)
			return s
		}
		if code := text("error"); code != "" {
			if d := text("error_description"); d != "" {
				return code + ": " + d
			}
			return code
		}
		for _, key := range []string{"message", "error_description", "title", "detail", "classname"} {
			if s := text(key); s != "" {
				return s
			}
		}
		for _, key := range []string{"errors", "error"} {
			if nested, ok := lower[key]; ok {
				if m := messageOf(nested, depth+1); m != "" {
					return m
				}
			}
		}
	}
	return ""
}

// oauthError is the token endpoint's error body.
type oauthError struct {
	Code        string `json:"error"`
	Description string `json:"error_description"`
}

// decodeOAuthError returns the OAuth error code of a token answer, or "" when there is none.
func decodeOAuthError(body []byte) oauthError {
	var e oauthError
	if err := json.Unmarshal(bytes.TrimSpace(body), &e); err != nil {
		return oauthError{}
	}
	return e
}

// tokenAnswer is the token endpoint's success body.
type tokenAnswer struct {
	AccessToken string  `json:"access_token"`
	TokenType   string  `json:"token_type"`
	ExpiresIn   flexInt `json:"expires_in"`
}

// decodeToken decodes a token answer and checks it carries a usable bearer token.
func decodeToken(body []byte) (tokenAnswer, error) {
	var t tokenAnswer
	if err := json.Unmarshal(bytes.TrimSpace(body), &t); err != nil {
		return tokenAnswer{}, fmt.Errorf("decode token answer: %w", err)
	}
	if t.AccessToken == "" {
		return tokenAnswer{}, errors.New("token answer has no access_token")
	}
	if strings.ContainsAny(t.AccessToken, " \t\r\n") {
		return tokenAnswer{}, errors.New("token answer has a malformed access_token")
	}
	if t.TokenType != "" && !strings.EqualFold(t.TokenType, "Bearer") {
		return tokenAnswer{}, fmt.Errorf("token type %.20q is not Bearer", t.TokenType)
	}
	if t.ExpiresIn < 0 {
		t.ExpiresIn = 0
	}
	return t, nil
}

// decodeAuthInfo returns the auth_url of GET /api/authinfo ("" when the answer has none).
func decodeAuthInfo(body []byte) (string, error) {
	var info struct {
		AuthURL string `json:"auth_url"`
	}
	if err := json.Unmarshal(bytes.TrimSpace(body), &info); err != nil {
		return "", fmt.Errorf("decode authinfo: %w", err)
	}
	return strings.TrimSpace(info.AuthURL), nil
}
