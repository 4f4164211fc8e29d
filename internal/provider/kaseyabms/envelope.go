package kaseyabms

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/accountsync/accountsync-operator/internal/provider"
	"github.com/accountsync/accountsync-operator/internal/provider/httpx"
)

// callKind says how a failed answer is classified: a create whose failure came from the server
// side may have been committed, so it is an unknown outcome rather than a transient error.
type callKind int

const (
	readCall callKind = iota
	createCall
	updateCall
)

// envelope is the V1 response wrapper (the one Kaseya VSA uses too). ASP.NET's own error body
// ({"Message": ...}) decodes into Message.
type envelope struct {
	Result       json.RawMessage `json:"Result"`
	TotalRecords *flexInt        `json:"TotalRecords"`
	ResponseCode *flexInt        `json:"ResponseCode"`
	Error        json.RawMessage `json:"Error"`
	Message      flexString      `json:"Message"`
}

// check decodes resp as an envelope and turns every failure into a typed error: an HTTP error
// status, a non-zero ResponseCode or an Error other than "None" (even on HTTP 200).
func (c *Client) check(op string, resp *httpx.Response, kind callKind) (envelope, error) {
	var env envelope
	decodeErr := json.Unmarshal(resp.Body, &env)
	if decodeErr != nil {
		env = envelope{}
	}
	errText := errorText(env.Error)
	logical := (env.ResponseCode != nil && *env.ResponseCode != 0) ||
		(errText != "" && !strings.EqualFold(errText, "None"))
	switch {
	case resp.StatusCode >= 300 || logical:
		return env, c.failure(op, resp, env, errText, kind)
	case decodeErr != nil || !isEnvelope(resp.Body):
		// A 2xx that is not the envelope (a proxy page, a truncated body, "{}") says nothing
		// about whether a write happened, and must not read as an empty list.
		return env, c.hc.Errorf(outcomeKind(kind), op, resp.StatusCode, "not a V1 response envelope: %s", snippet(resp.Body))
	}
	return env, nil
}

// isEnvelope reports whether body is a JSON object carrying Result or ResponseCode (in any
// letter case, as Json.NET and encoding/json match names).
func isEnvelope(body []byte) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return false
	}
	for k := range m {
		if strings.EqualFold(k, "Result") || strings.EqualFold(k, "ResponseCode") {
			return true
		}
	}
	return false
}

// failure maps a refused call. The code is the HTTP status, or for a logical error on HTTP 200
// the envelope's ResponseCode when it is HTTP-like.
func (c *Client) failure(op string, resp *httpx.Response, env envelope, errText string, kind callKind) error {
	detail := errText
	if detail == "" || strings.EqualFold(detail, "None") {
		detail = string(env.Message)
	}
	if detail == "" {
		detail = snippet(resp.Body)
	}
	code := resp.StatusCode
	if code < 300 {
		code = http.StatusBadRequest
		if env.ResponseCode != nil && *env.ResponseCode >= 400 && *env.ResponseCode <= 599 {
			code = int(*env.ResponseCode)
		}
	}
	var k provider.Kind
	switch {
	case code >= 500:
		k = outcomeKind(kind)
	case isDuplicate(detail) || code == http.StatusConflict:
		k = provider.KindNameConflict
	case code == http.StatusNotFound:
		k = provider.KindNotFound
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		k = provider.KindAuth
	case code == http.StatusTooManyRequests:
		k = provider.KindRateLimited
	default:
		k = provider.KindInvalid
	}
	return c.hc.Errorf(k, op, resp.StatusCode, "%s", detail)
}

// outcomeKind is the kind of a server-side failure: retry later for reads and absolute
// updates, look again before retrying for creates.
func outcomeKind(kind callKind) provider.Kind {
	if kind == createCall {
		return provider.KindUnknownOutcome
	}
	return provider.KindTransient
}

// isDuplicate recognises BMS's uniqueness refusals ("An account with the name 'X' already
// exists."), which come as a 400 (or a 200 with a non-zero ResponseCode), not a 409.
func isDuplicate(msg string) bool {
	m := strings.ToLower(msg)
	for _, s := range []string{"already exist", "duplicate", "already in use", "not unique"} {
		if strings.Contains(m, s) {
			return true
		}
	}
	return false
}

// errorText reads the envelope's Error: a string, null, or (defensively) any other JSON value.
func errorText(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.TrimSpace(s)
	}
	return snippet(raw)
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// listResult decodes a list envelope's Result (null means empty).
func listResult(env envelope) ([]json.RawMessage, error) {
	raw := bytes.TrimSpace(env.Result)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("Result is not a list: %v", err)
	}
	return items, nil
}

// ---- token -----------------------------------------------------------------------------------

// shortTokenLife is the expires_in at or below which the expiry is not tracked.
const shortTokenLife = time.Minute

type tokenResponse struct {
	AccessToken      string     `json:"access_token"`
	TokenType        string     `json:"token_type"`
	ExpiresIn        *flexInt   `json:"expires_in"`
	Error            flexString `json:"error"`
	ErrorDescription flexString `json:"error_description"`
}

// decodeToken reads the password grant's answer. OAuth refusals (invalid_grant and friends)
// are authentication failures; a malformed request is invalid.
func decodeToken(hc *httpx.Client, op string, resp *httpx.Response, now time.Time) (httpx.Token, error) {
	var tr tokenResponse
	decodeErr := json.Unmarshal(resp.Body, &tr)
	if resp.StatusCode < 300 && decodeErr == nil && tr.AccessToken != "" && tr.Error == "" {
		tok := httpx.Token{Value: tr.AccessToken, Scheme: "Bearer"}
		// httpx.TokenAuth renews a token 30 s before it expires. A token that lives about
		// that long would be renewed on every call, twice with login's priming, so it is kept
		// until the server answers 401 instead (one re-authentication then).
		if tr.ExpiresIn != nil && time.Duration(*tr.ExpiresIn)*time.Second > shortTokenLife {
			tok.Expires = now.Add(time.Duration(*tr.ExpiresIn) * time.Second)
		}
		return tok, nil
	}
	if decodeErr == nil && tr.Error != "" {
		detail := string(tr.Error)
		if tr.ErrorDescription != "" {
			detail += ": " + string(tr.ErrorDescription)
		}
		kind := provider.KindInvalid
		switch string(tr.Error) {
		case "invalid_grant", "invalid_client", "unauthorized_client", "access_denied":
			kind = provider.KindAuth
		}
		return httpx.Token{}, hc.Errorf(kind, op, resp.StatusCode, "token request refused: %s", detail)
	}
	if resp.StatusCode >= 300 {
		return httpx.Token{}, hc.StatusError(op, resp, "")
	}
	return httpx.Token{}, hc.Errorf(provider.KindTransient, op, resp.StatusCode,
		"token response carries no access_token: %s", snippet(resp.Body))
}

// ---- tolerant scalar types -------------------------------------------------------------------

// flexID is an id sent as a JSON number or string; null is "".
type flexID string

func (f *flexID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*f = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexID(strings.TrimSpace(s))
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("id is neither a number nor a string")
		}
		*f = flexID(n.String())
	}
	return nil
}

// flexInt is an integer sent as a number or a numeric string; null leaves it unset.
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		b = []byte(strings.TrimSpace(s))
	}
	if string(b) == "null" {
		return nil
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		fl, ferr := strconv.ParseFloat(string(b), 64)
		if ferr != nil || fl != float64(int64(fl)) {
			return fmt.Errorf("not an integer: %q", snippet(b))
		}
		n = int64(fl)
	}
	*f = flexInt(n)
	return nil
}

// flexString is text that some tenants send as a plain string and others as a reference
// object ({"Id":..,"Name":..}); numbers become their text and null is "".
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil
	}
	switch b[0] {
	case 'n':
		*f = ""
		return nil
	case '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	case '{':
		var ref struct {
			Name        flexString `json:"Name"`
			Description flexString `json:"Description"`
		}
		if err := json.Unmarshal(b, &ref); err != nil {
			return err
		}
		*f = ref.Name
		if *f == "" {
			*f = ref.Description
		}
		return nil
	case '[':
		return fmt.Errorf("a list where text was expected")
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err == nil {
			*f = flexString(n.String())
			return nil
		}
		var v bool
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*f = flexString(strconv.FormatBool(v))
		return nil
	}
}

// first returns the first non-blank value.
func first(vals ...string) string {
	for _, v := range vals {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}
