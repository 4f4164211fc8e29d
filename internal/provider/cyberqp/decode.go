package cyberqp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// flexText is a field that may arrive as a string, a number, a boolean or null; ids in
// particular may be GUID strings or integers, and integers are kept digit for digit.
type flexText string

func (f *flexText) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*f = ""
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexText(strings.TrimSpace(s))
	case b[0] == '{' || b[0] == '[':
		return fmt.Errorf("expected a scalar, got %.20s", b)
	default:
		*f = flexText(b) // number or boolean literal, already validated by the decoder
	}
	return nil
}

// maxCountOf reads maxCount; -1 when absent or unusable.
func maxCountOf(raw json.RawMessage) int {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return -1
	}
	var f flexText
	if f.UnmarshalJSON(raw) != nil {
		return -1
	}
	n, err := strconv.Atoi(string(f))
	if err != nil || n < 0 {
		return -1
	}
	return n
}

type customerWire struct {
	ID   flexText `json:"id"`
	Name flexText `json:"name"`
}

type customersPage struct {
	MaxCount json.RawMessage `json:"maxCount"`
	Clients  []customerWire  `json:"clients"`
}

func decodeCustomerPage(body []byte) ([]customerWire, int, error) {
	var p customersPage
	if err := decodeObject(body, &p); err != nil {
		return nil, 0, err
	}
	for _, c := range p.Clients {
		if c.ID == "" {
			return nil, 0, errors.New("a customer has no id")
		}
	}
	return p.Clients, maxCountOf(p.MaxCount), nil
}

// userWire is one end user. qpID, email, displayName and userPrincipalName are the names the
// community scripts read; the contact fields are not in any public capture, so each accepts the
// spellings seen in directory data (Active Directory, Microsoft Graph) rather than one guess, and
// the first non-empty one wins. Go's decoder matches keys case-insensitively, so "qpId" or
// "PhoneNumber" are read too.
type userWire struct {
	QpID              flexText  `json:"qpID"`
	Email             looseText `json:"email"`
	DisplayName       looseText `json:"displayName"`
	UserPrincipalName looseText `json:"userPrincipalName"`
	FirstName         looseText `json:"firstName"`
	GivenName         looseText `json:"givenName"`
	LastName          looseText `json:"lastName"`
	Surname           looseText `json:"surname"`
	Phone             looseText `json:"phone"`
	PhoneNumber       looseText `json:"phoneNumber"`
	MobilePhone       looseText `json:"mobilePhone"`
}

// firstOf returns the first non-empty value.
func firstOf(values ...looseText) string {
	for _, v := range values {
		if v != "" {
			return string(v)
		}
	}
	return ""
}

// looseText is an undocumented text field: a string or number is kept; a list (Graph's
// businessPhones style) gives its first non-empty text; anything else (object, boolean, null)
// counts as absent, so one odd field never makes a whole page unreadable.
type looseText string

func (l *looseText) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	*l = ""
	if len(b) == 0 {
		return nil
	}
	switch b[0] {
	case '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*l = looseText(strings.TrimSpace(s))
	case '[':
		var items []json.RawMessage
		if err := json.Unmarshal(b, &items); err != nil {
			return err
		}
		for _, item := range items {
			var v looseText
			if item = bytes.TrimSpace(item); len(item) > 0 && item[0] != '[' && v.UnmarshalJSON(item) == nil && v != "" {
				*l = v
				return nil
			}
		}
	case '{', 't', 'f', 'n':
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
		*l = looseText(n.String())
	}
	return nil
}

type usersPage struct {
	MaxCount json.RawMessage `json:"maxCount"`
	Users    []userWire      `json:"users"`
}

func decodeUserPage(body []byte) ([]userWire, int, error) {
	var p usersPage
	if err := decodeObject(body, &p); err != nil {
		return nil, 0, err
	}
	for _, u := range p.Users {
		if u.QpID == "" {
			return nil, 0, errors.New("a user has no qpID")
		}
	}
	return p.Users, maxCountOf(p.MaxCount), nil
}

func decodeObject(body []byte, v any) error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return errors.New("body is not a JSON object")
	}
	return json.Unmarshal(body, v)
}

// errorMessage extracts a readable message from an error body {"statusCode", "message",
// "error"}; message may be a string or a list of strings. It returns "" when the body has
// neither, and the caller then quotes the raw body.
func errorMessage(body []byte) string {
	var e struct {
		Message json.RawMessage `json:"message"`
		Error   json.RawMessage `json:"error"`
	}
	if decodeObject(body, &e) != nil {
		return ""
	}
	msg := textOf(e.Message)
	if msg == "" {
		msg = textOf(e.Error)
	}
	return msg
}

func textOf(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.TrimSpace(s)
	}
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return strings.TrimSpace(strings.Join(list, "; "))
	}
	return ""
}
