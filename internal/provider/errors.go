package provider

import (
	"errors"
	"fmt"
	"time"
)

// Kind classifies a vendor error so controllers can choose a condition reason and a retry policy
// without knowing the vendor.
type Kind string

const (
	KindAuth           Kind = "AuthenticationFailed" // credentials rejected; terminal until they change
	KindNotFound       Kind = "NotFound"
	KindNameConflict   Kind = "NameConflict"   // a record with that name already exists
	KindRateLimited    Kind = "RateLimited"    // retries exhausted on 429
	KindTransient      Kind = "Transient"      // 5xx / network; retry later
	KindInvalid        Kind = "InvalidRequest" // the vendor refused the request as malformed
	KindUnknownOutcome Kind = "UnknownOutcome" // a write may or may not have happened
	KindUnsupported    Kind = "Unsupported"    // the product lacks the capability or filter
	// KindOriginRefused: a request carrying credentials or a body would have gone to an origin
	// (scheme, host, port) that the connection's spec does not name, through a redirect, a
	// server-supplied link or a discovered auth server. Terminal until the spec changes.
	KindOriginRefused Kind = "OriginRefused"
)

// Error is the typed error every provider returns. Message never contains credentials.
type Error struct {
	Kind       Kind
	Op         string // operation, e.g. "ListAccounts"
	StatusCode int    // HTTP status when there was one
	Message    string
	RetryAfter time.Duration // for RateLimited
	Err        error
}

func (e *Error) Error() string {
	s := string(e.Kind)
	if e.Op != "" {
		s = e.Op + ": " + s
	}
	if e.StatusCode != 0 {
		s += fmt.Sprintf(" (HTTP %d)", e.StatusCode)
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error.
func Errorf(kind Kind, op string, format string, args ...any) *Error {
	return &Error{Kind: kind, Op: op, Message: fmt.Sprintf(format, args...)}
}

// KindOf returns the Kind of err, or "" when err is not a provider error.
func KindOf(err error) Kind {
	var pe *Error
	if errors.As(err, &pe) {
		return pe.Kind
	}
	return ""
}

// IsKind reports whether err is a provider error of kind k.
func IsKind(err error, k Kind) bool { return err != nil && KindOf(err) == k }

// MissingKeyError reports a required Secret key that is absent or empty.
type MissingKeyError struct{ Key string }

func (e *MissingKeyError) Error() string {
	return fmt.Sprintf("secret key %q is missing or empty", e.Key)
}
