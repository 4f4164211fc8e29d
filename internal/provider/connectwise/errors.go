package connectwise

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/accountsync/accountsync-operator/internal/provider"
	"github.com/accountsync/accountsync-operator/internal/provider/httpx"
)

// apiError is CW's error body: {"code","message","errors":[{"code","message","resource","field"}]}.
type apiError struct {
	Code    string       `json:"code"`
	Message string       `json:"message"`
	Errors  []fieldError `json:"errors"`
}

type fieldError struct {
	Code     string `json:"code"`
	Message  string `json:"message"`
	Resource string `json:"resource"`
	Field    string `json:"field"`
}

// decodeAPIError reads an error body; ok is false when the body is not CW's shape.
func decodeAPIError(body []byte) (e apiError, ok bool) {
	if err := json.Unmarshal(body, &e); err != nil {
		return apiError{}, false
	}
	return e, e.Code != "" || e.Message != "" || len(e.Errors) > 0
}

// exists reports whether CW refused the object because field already holds that value.
func (e apiError) exists(field string) bool {
	for _, fe := range e.Errors {
		if strings.EqualFold(fe.Code, "ObjectExists") && strings.EqualFold(fe.Field, field) {
			return true
		}
	}
	return false
}

// summary renders the body for an error message: "InvalidObject: company object is invalid
// (name: ObjectExists: The company name already exists.)".
func (e apiError) summary() string {
	var b strings.Builder
	b.WriteString(e.Code)
	if e.Message != "" {
		if b.Len() > 0 {
			b.WriteString(": ")
		}
		b.WriteString(e.Message)
	}
	for i, fe := range e.Errors {
		if i == 0 {
			b.WriteString(" (")
		} else {
			b.WriteString("; ")
		}
		if fe.Field != "" {
			b.WriteString(fe.Field + ": ")
		}
		b.WriteString(fe.Code)
		if fe.Message != "" {
			b.WriteString(": " + fe.Message)
		}
		if i == len(e.Errors)-1 {
			b.WriteString(")")
		}
	}
	s := b.String()
	if len(s) > 500 {
		s = s[:500] + "…"
	}
	return s
}

// statusErr maps a non-success answer to a typed, redacted error.
func (c *Client) statusErr(op string, resp *httpx.Response) error {
	detail := ""
	if e, ok := decodeAPIError(resp.Body); ok {
		detail = e.summary()
	}
	if resp.StatusCode == http.StatusConflict {
		// CW's 409 means "record in use or another conflict", never a duplicate name.
		if detail == "" {
			detail = "conflict"
		}
		return c.http.Errorf(provider.KindInvalid, op, resp.StatusCode, "%s", detail)
	}
	return c.http.StatusError(op, resp, detail)
}

// decodeErr reports a success status whose body is not what CW sends (a proxy's HTML page, a
// truncated answer); it is treated as transient, like any other broken response.
func (c *Client) decodeErr(op string, err error) error {
	return c.http.Errorf(provider.KindTransient, op, 0, "unexpected response body: %v", err)
}
