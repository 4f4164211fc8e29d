package kaseyavsa

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/accountsync/accountsync-operator/internal/provider"
)

// envelope is VSA's response wrapper.
type envelope struct {
	Result       json.RawMessage `json:"Result"`
	TotalRecords json.RawMessage `json:"TotalRecords"`
	ResponseCode json.RawMessage `json:"ResponseCode"`
	Status       json.RawMessage `json:"Status"`
	Error        json.RawMessage `json:"Error"`
}

func decodeEnvelope(body []byte) (envelope, error) {
	var env envelope
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return env, errors.New("body is not a JSON object")
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return env, err
	}
	return env, nil
}

// code is ResponseCode as text ("" when absent or null).
func (e envelope) code() string {
	return scalarText(e.ResponseCode)
}

// failure describes a logical error, or returns "" on success: a non-zero ResponseCode or an
// Error other than "None"/null/"" is a failure even with HTTP 200.
func (e envelope) failure() string {
	code := e.code()
	errText := scalarText(e.Error)
	okCode := code == "" || isZero(code)
	okErr := errText == "" || strings.EqualFold(errText, "none")
	if okCode && okErr {
		return ""
	}
	if okErr {
		errText = scalarText(e.Status)
	}
	if errText == "" {
		errText = "request failed"
	}
	if code == "" {
		return errText
	}
	return fmt.Sprintf("%s (ResponseCode %s)", errText, code)
}

// failureKind maps a logical error's ResponseCode when it mirrors an HTTP status.
func (e envelope) failureKind() provider.Kind {
	switch e.code() {
	case "401", "403":
		return provider.KindAuth
	case "404":
		return provider.KindNotFound
	case "409":
		return provider.KindNameConflict
	}
	return provider.KindInvalid
}

// total returns TotalRecords when the server sent a usable one.
func (e envelope) total() (int, bool) {
	n, err := strconv.Atoi(scalarText(e.TotalRecords))
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

func decodeResult(raw json.RawMessage, v any) error {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return dec.Decode(v)
}

// scalarText renders a JSON scalar (string, number, bool) as text; null, absent and
// composite values give "" except composites, which are returned compacted so an unusual error
// object still reaches the message.
func scalarText(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return strings.TrimSpace(s)
		}
		return ""
	}
	var buf bytes.Buffer
	if raw[0] == '{' || raw[0] == '[' {
		if json.Compact(&buf, raw) == nil {
			return buf.String()
		}
		return ""
	}
	return string(raw)
}

func isZero(num string) bool {
	f, err := strconv.ParseFloat(num, 64)
	return err == nil && f == 0
}

// vsaID is a VSA id (a .NET decimal on the wire) kept as its decimal text, because ids exceed
// float64 precision. It accepts a JSON number, a string or null.
type vsaID string

func (v *vsaID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*v = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*v = vsaID(canonicalDecimal(strings.TrimSpace(s)))
	case len(b) > 0 && (b[0] == '-' || (b[0] >= '0' && b[0] <= '9')):
		*v = vsaID(canonicalDecimal(string(b)))
	default:
		return fmt.Errorf("id %s is neither a number nor a string", b)
	}
	return nil
}

// canonicalDecimal turns "123.0" into "123" (a decimal with scale may come back that way)
// and leaves every other text as it is.
func canonicalDecimal(s string) string {
	if i := strings.IndexByte(s, '.'); i > 0 && strings.Trim(s[i+1:], "0") == "" {
		return s[:i]
	}
	return s
}

// text is a string field that tolerates numbers, booleans and null on the wire, so one odd
// field type does not fail a whole listing.
type text string

func (t *text) UnmarshalJSON(b []byte) error {
	raw := bytes.TrimSpace(b)
	if len(raw) > 0 && (raw[0] == '{' || raw[0] == '[') {
		*t = ""
		return nil
	}
	*t = text(scalarText(raw))
	return nil
}
