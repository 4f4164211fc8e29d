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

// envelope is the v2 response wrapper: {Success, Error{Code, Message, Details, SubErrors},
// Result, TotalRecords}; only paged responses carry TotalRecords. ASP.NET's own error bodies
// ({"Message": ...} or problem details {"title": ...}) decode into Message and Title.
type envelope struct {
	Success      *bool           `json:"Success"`
	Error        *errorInfo      `json:"Error"`
	Result       json.RawMessage `json:"Result"`
	TotalRecords *flexInt        `json:"TotalRecords"`
	Message      flexString      `json:"Message"`
	Title        flexString      `json:"title"`
}

// errorInfo is the swagger's ErrorInfo.
type errorInfo struct {
	Code      flexInt         `json:"Code"`
	Message   flexString      `json:"Message"`
	Details   flexString      `json:"Details"`
	SubErrors json.RawMessage `json:"SubErrors"`
}

func (e *errorInfo) text() string {
	if e == nil {
		return ""
	}
	msg := strings.TrimSpace(string(e.Message))
	if d := strings.TrimSpace(string(e.Details)); d != "" && d != msg {
		msg = strings.TrimSpace(msg + " " + d)
	}
	if sub := bytes.TrimSpace(e.SubErrors); len(sub) > 0 && string(sub) != "null" && string(sub) != "[]" {
		msg = strings.TrimSpace(msg + " " + snippet(sub))
	}
	return msg
}

// check decodes resp as an envelope and turns every failure into a typed error: an HTTP error
// status, or Success false (even on HTTP 200).
func (c *Client) check(op string, resp *httpx.Response, kind callKind) (envelope, error) {
	var env envelope
	decodeErr := json.Unmarshal(resp.Body, &env)
	if decodeErr != nil {
		env = envelope{}
	}
	switch {
	case resp.StatusCode >= 300 || (env.Success != nil && !*env.Success):
		return env, c.failure(op, resp, env, kind)
	case decodeErr != nil || env.Success == nil:
		// A 2xx that is not the envelope (a proxy page, a truncated body, "{}") says nothing
		// about whether a write happened, and must not read as an empty list.
		return env, c.hc.Errorf(outcomeKind(kind), op, resp.StatusCode, "not a v2 response envelope: %s", snippet(resp.Body))
	}
	return env, nil
}

// failure maps a refused call. The code is the HTTP status, or for Success false on HTTP 200
// the Error.Code when it is HTTP-like.
func (c *Client) failure(op string, resp *httpx.Response, env envelope, kind callKind) error {
	detail := first(env.Error.text(), string(env.Message), string(env.Title), snippet(resp.Body))
	code := resp.StatusCode
	if code < 300 {
		code = http.StatusBadRequest
		if env.Error != nil && env.Error.Code >= 400 && env.Error.Code <= 599 {
			code = int(env.Error.Code)
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

// isDuplicate recognises uniqueness refusals ("An account with the name 'X' already exists."),
// which come as a 400 (or Success false on a 200), not a 409.
func isDuplicate(msg string) bool {
	m := strings.ToLower(msg)
	for _, s := range []string{"already exist", "duplicate", "already in use", "not unique"} {
		if strings.Contains(m, s) {
			return true
		}
	}
	return false
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
		return nil, fmt.Errorf("result is not a list: %w", err)
	}
	return items, nil
}

// ---- token -----------------------------------------------------------------------------------

// shortTokenLife is the remaining life at or below which a token's expiry is not tracked.
const shortTokenLife = time.Minute

// tokenOutput is the swagger's TokenOutputDto. The expiries are absolute times; v2 sends no
// expires_in.
type tokenOutput struct {
	AccessToken          string   `json:"AccessToken"`
	RefreshToken         string   `json:"RefreshToken"`
	AccessTokenExpireOn  flexTime `json:"AccessTokenExpireOn"`
	RefreshTokenExpireOn flexTime `json:"RefreshTokenExpireOn"`
}

// decodeToken reads a login or refresh answer. A refusal with HTTP 400, 401 or 403 (wrong
// user, password or tenant; a revoked refresh token) is an authentication failure.
func decodeToken(hc *httpx.Client, op string, resp *httpx.Response) (tokenOutput, error) {
	var env envelope
	decodeErr := json.Unmarshal(resp.Body, &env)
	refused := resp.StatusCode >= 300 || (decodeErr == nil && env.Success != nil && !*env.Success)
	if refused {
		detail := first(env.Error.text(), string(env.Message), string(env.Title), snippet(resp.Body))
		switch resp.StatusCode {
		case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusOK:
			return tokenOutput{}, hc.Errorf(provider.KindAuth, op, resp.StatusCode, "login refused: %s", detail)
		}
		return tokenOutput{}, hc.StatusError(op, resp, detail)
	}
	var out tokenOutput
	if decodeErr == nil && env.Success != nil && json.Unmarshal(env.Result, &out) == nil && out.AccessToken != "" {
		return out, nil
	}
	return tokenOutput{}, hc.Errorf(provider.KindTransient, op, resp.StatusCode,
		"login answer carries no Result.AccessToken: %s", snippet(resp.Body))
}

// flexTime is a .NET date-time: RFC 3339, or without a zone (then UTC). Anything else, or
// null, leaves it zero.
type flexTime struct{ t time.Time }

func (f *flexTime) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) != nil {
		return nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.9999999", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			f.t = t
			return nil
		}
	}
	return nil
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
