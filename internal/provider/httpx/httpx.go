// Package httpx is the HTTP layer every vendor client shares: a token bucket per connection,
// retries with jittered exponential back-off that honour Retry-After up to a cap, a per-request
// timeout, one re-authentication on 401, a bounded response size, an outbound-call metric,
// credentials that never leave their origin, and redaction of credentials (static secrets and
// fetched session tokens) from errors.
//
// Vendor packages build requests and decode bodies; they never loop on retries themselves.
package httpx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"golang.org/x/time/rate"

	"github.com/accountsync/accountsync-operator/internal/provider"
)

// Authenticator applies credentials to a request. Token-based APIs cache the token and fetch a
// new one after Invalidate (called once when the server answers 401).
type Authenticator interface {
	Apply(ctx context.Context, c *Client, req *http.Request) error
	Invalidate()
}

// Options configure a Client.
type Options struct {
	Provider provider.Name
	Config   provider.Config
	// Auth may be nil for APIs that sign nothing (or for the auth client itself).
	Auth Authenticator
	// Secrets are credential values redacted from every error message this client produces.
	// Tokens fetched by a TokenAuth are added at run time.
	Secrets []string
	// MaxBodyBytes bounds a response body; a larger one is an error, never truncated JSON.
	// Zero means 32 MiB.
	MaxBodyBytes int64
}

// DefaultMaxRetryAfter is the longest Retry-After one request waits for when the Config sets
// none: a worker sleeping longer would stall every other connection's work behind it.
const DefaultMaxRetryAfter = 5 * time.Minute

// Client sends requests for one connection.
type Client struct {
	provider   provider.Name
	base       *url.URL
	http       *http.Client
	limiter    *rate.Limiter
	auth       Authenticator
	authURL    *url.URL
	redactor   *redactor
	maxRetries int
	backoff    time.Duration
	maxBody    int64
	// maxRetryAfter caps a server-requested wait; beyond it Do returns the delay instead.
	maxRetryAfter time.Duration
	calls         atomic.Int64
	// opCalls counts the requests of each operation (one operation is one endpoint), for a
	// vendor whose limit is per endpoint.
	opMu    sync.Mutex
	opCalls map[string]int64
	// sleep is swapped in tests of the back-off schedule.
	sleep func(ctx context.Context, d time.Duration) error
}

// New builds a Client from opts.
func New(opts Options) *Client {
	cfg := opts.Config
	transport := cfg.Transport
	if transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		if cfg.TLS != nil {
			t.TLSClientConfig = cfg.TLS
		}
		transport = t
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	rpm := cfg.RequestsPerMinute
	if rpm <= 0 {
		rpm = 600
	}
	burst := cfg.Burst
	if burst <= 0 {
		burst = 10
	}
	maxRetries := cfg.MaxRetries
	if maxRetries <= 0 {
		maxRetries = 5
	}
	backoff := cfg.Backoff
	if backoff <= 0 {
		backoff = 500 * time.Millisecond
	}
	maxBody := opts.MaxBodyBytes
	if maxBody <= 0 {
		maxBody = 32 << 20
	}
	maxRetryAfter := cfg.MaxRetryAfter
	if maxRetryAfter <= 0 {
		maxRetryAfter = DefaultMaxRetryAfter
	}
	c := &Client{
		provider:      opts.Provider,
		base:          cfg.URL,
		authURL:       cfg.AuthURL,
		limiter:       rate.NewLimiter(rate.Limit(float64(rpm)/60.0), burst),
		auth:          opts.Auth,
		redactor:      newRedactor(opts.Secrets),
		maxRetries:    maxRetries,
		backoff:       backoff,
		maxBody:       maxBody,
		maxRetryAfter: maxRetryAfter,
		sleep:         sleepCtx,
	}
	c.http = &http.Client{Transport: transport, Timeout: timeout, CheckRedirect: c.checkRedirect}
	return c
}

// Calls is the number of HTTP requests sent so far (every attempt counts).
func (c *Client) Calls() int64 { return c.calls.Load() }

// CallsByOperation is Calls per operation.
func (c *Client) CallsByOperation() map[string]int64 {
	c.opMu.Lock()
	defer c.opMu.Unlock()
	out := make(map[string]int64, len(c.opCalls))
	for k, v := range c.opCalls {
		out[k] = v
	}
	return out
}

// BaseURL is the connection's URL as configured.
func (c *Client) BaseURL() *url.URL { return c.base }

// Redact removes every configured secret and every learnt token from s.
func (c *Client) Redact(s string) string { return c.redactor.replace(s) }

// LearnSecret adds a credential obtained at run time (a session token) to what Redact removes.
// Safe for concurrent use.
func (c *Client) LearnSecret(s string) { c.redactor.learn(s) }

// Request is one logical call; Do may send it several times.
type Request struct {
	// Operation labels the metric and errors, e.g. "ListCompanies".
	Operation string
	Method    string
	// Path is joined to the connection URL's path; an absolute URL (a Link header's next page)
	// is used as it is.
	Path   string
	Query  url.Values
	Header http.Header
	Body   []byte
	// Idempotent marks a write that is safe to resend (PUT/PATCH of absolute values, a POST
	// upsert by id). GET, HEAD and DELETE are always idempotent.
	Idempotent bool
	// NoAuth skips the Authenticator (login and discovery calls).
	NoAuth bool
}

// Response is the final answer. Do returns it for every status that is not retried away, so the
// caller can decode the vendor's own error body.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       []byte
}

// Do sends req, retrying as described in the package doc. It returns a *provider.Error when no
// usable answer came back: RateLimited / Transient after retries (at once, carrying RetryAfter,
// when the server asks for a wait beyond the cap or the context's deadline), UnknownOutcome when
// a non-idempotent write may have reached the server, Auth when 401 persists after one
// re-authentication, OriginRefused when credentials would leave their origin, or Invalid when
// the answer is larger than the body limit.
func (c *Client) Do(ctx context.Context, req Request) (*Response, error) {
	idempotent := isIdempotent(req)
	reauthed := false
	var lastErr error
	for attempt := 0; ; attempt++ {
		if err := c.limiter.Wait(ctx); err != nil {
			return nil, c.fail(req, provider.KindTransient, 0, err)
		}
		resp, err := c.send(ctx, req)
		result := classify(resp, err)
		observe(c.provider, req.Operation, result)
		var pe *provider.Error
		switch {
		case err != nil && errors.As(err, &pe):
			// Decided before or without a usable answer: a login that failed (it already retried
			// on its own; repeating it risks locking the vendor account), a refused origin, a body
			// over the limit. Retrying cannot change any of them.
			if pe.Op == "" {
				pe.Op = req.Operation
			}
			return nil, pe
		case err != nil:
			if ctx.Err() != nil {
				if !idempotent {
					return nil, c.fail(req, provider.KindUnknownOutcome, 0, err)
				}
				return nil, c.fail(req, provider.KindTransient, 0, err)
			}
			if !idempotent && !errors.Is(err, errNotSent) {
				// The request may have reached the server: resending could create twice.
				return nil, c.fail(req, provider.KindUnknownOutcome, 0, err)
			}
			lastErr = err
		case resp.StatusCode == http.StatusUnauthorized && c.auth != nil && !req.NoAuth && !reauthed && !isStatic(c.auth):
			reauthed = true
			c.auth.Invalidate()
			attempt-- // a re-authentication is not a retry of a failure
			continue
		case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
			return resp, c.fail(req, provider.KindAuth, resp.StatusCode, errors.New(c.snippet(resp.Body)))
		case resp.StatusCode == http.StatusTooManyRequests:
			// A 429 was refused before any work, so even a create is safe to resend.
			limited := &provider.Error{Kind: provider.KindRateLimited, Op: req.Operation, StatusCode: 429,
				RetryAfter: retryAfter(resp.Header)}
			if c.waitTooLong(ctx, limited) {
				return nil, limited
			}
			lastErr = limited
		case resp.StatusCode >= 500 && !idempotent:
			// Any server error on a create may have happened after the record was written.
			return nil, c.fail(req, provider.KindUnknownOutcome, resp.StatusCode, errors.New(c.snippet(resp.Body)))
		case resp.StatusCode == http.StatusBadGateway || resp.StatusCode == http.StatusServiceUnavailable ||
			resp.StatusCode == http.StatusGatewayTimeout:
			if !idempotent {
				return nil, c.fail(req, provider.KindUnknownOutcome, resp.StatusCode, errors.New(c.snippet(resp.Body)))
			}
			unavailable := &provider.Error{Kind: provider.KindTransient, Op: req.Operation, StatusCode: resp.StatusCode,
				Message: c.snippet(resp.Body), RetryAfter: retryAfter(resp.Header)}
			if c.waitTooLong(ctx, unavailable) {
				return nil, unavailable
			}
			lastErr = unavailable
		default:
			return resp, nil
		}
		if err := c.backOff(ctx, req, attempt, lastErr); err != nil {
			return nil, err
		}
	}
}

// backOff sleeps before the next attempt, or returns the error to give up with: the retries are
// spent, or the sleep would outlast the context (then what the server said is worth more than a
// context error).
func (c *Client) backOff(ctx context.Context, req Request, attempt int, lastErr error) error {
	giveUp := func() error {
		var pe *provider.Error
		if errors.As(lastErr, &pe) {
			return pe
		}
		return c.fail(req, provider.KindTransient, 0, lastErr)
	}
	if attempt >= c.maxRetries {
		return giveUp()
	}
	d := c.delay(attempt, lastErr)
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < d {
		return giveUp()
	}
	if err := c.sleep(ctx, d); err != nil {
		return c.fail(req, provider.KindTransient, 0, err)
	}
	return nil
}

// waitTooLong reports a Retry-After that Do will not sleep through: beyond the cap, or past
// the context's deadline. It then completes pe's message with the time the server named, so the
// condition built from it says until when. The caller returns pe at once; the controller
// requeues with pe.RetryAfter.
func (c *Client) waitTooLong(ctx context.Context, pe *provider.Error) bool {
	if pe.RetryAfter <= 0 {
		return false
	}
	until := time.Now().Add(pe.RetryAfter).UTC().Truncate(time.Second)
	why := ""
	if pe.RetryAfter > c.maxRetryAfter {
		why = fmt.Sprintf("longer than the %s this client waits within one call", c.maxRetryAfter)
	} else if deadline, ok := ctx.Deadline(); ok && until.After(deadline) {
		why = "past this call's deadline"
	} else {
		return false
	}
	msg := fmt.Sprintf("the server asked to retry after %s (until %s), %s", pe.RetryAfter, until.Format(time.RFC3339), why)
	if pe.Message != "" {
		msg = pe.Message + "; " + msg
	}
	pe.Message = msg
	return true
}

func isIdempotent(req Request) bool {
	return req.Idempotent || req.Method == http.MethodGet || req.Method == http.MethodHead ||
		req.Method == http.MethodDelete
}

// isStatic reports an Authenticator with fixed credentials: re-authenticating would resend the
// same credentials, so a 401 is final at once.
func isStatic(a Authenticator) bool {
	s, ok := a.(interface{ Static() bool })
	return ok && s.Static()
}

// errNotSent marks failures that happened before any byte left (safe to retry even for a POST).
var errNotSent = errors.New("request not sent")

func (c *Client) send(ctx context.Context, req Request) (*Response, error) {
	u, err := c.resolve(req.Path, req.Query)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errNotSent, err)
	}
	var body io.Reader
	if req.Body != nil {
		body = bytes.NewReader(req.Body)
	}
	hr, err := http.NewRequestWithContext(ctx, req.Method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errNotSent, err)
	}
	for k, v := range req.Header {
		hr.Header[k] = append([]string(nil), v...)
	}
	if req.Body != nil && hr.Header.Get("Content-Type") == "" {
		hr.Header.Set("Content-Type", "application/json")
	}
	if hr.Header.Get("Accept") == "" {
		hr.Header.Set("Accept", "application/json")
	}
	hr.Header.Set("User-Agent", "accountsync-operator")
	authenticated := c.auth != nil && !req.NoAuth
	if (authenticated || carriesCredentials(req.Body != nil, req.Header)) && !c.Trusts(u) {
		// A server-supplied URL (a next-page link, a discovered auth server) pointing elsewhere
		// must not receive credentials or a body.
		return nil, c.refuseOrigin(req.Operation, u)
	}
	if authenticated {
		if err := c.auth.Apply(ctx, c, hr); err != nil {
			var pe *provider.Error
			if errors.As(err, &pe) {
				return nil, pe
			}
			return nil, c.fail(req, provider.KindTransient, 0, fmt.Errorf("authenticate: %w", err))
		}
	}
	c.calls.Add(1)
	c.opMu.Lock()
	if c.opCalls == nil {
		c.opCalls = map[string]int64{}
	}
	c.opCalls[req.Operation]++
	c.opMu.Unlock()
	resp, err := c.http.Do(hr)
	if err != nil {
		var pe *provider.Error
		if errors.As(err, &pe) { // refused by checkRedirect
			return nil, pe
		}
		var dnsErr *net.DNSError
		var opErr *net.OpError
		if errors.As(err, &dnsErr) || (errors.As(err, &opErr) && opErr.Op == "dial") {
			return nil, fmt.Errorf("%w: %w", errNotSent, err)
		}
		return nil, err
	}
	defer resp.Body.Close()
	// One byte past the limit tells a body that ends exactly at it from one that was cut.
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > c.maxBody {
		kind := provider.KindInvalid
		if !isIdempotent(req) && resp.StatusCode/100 == 2 {
			kind = provider.KindUnknownOutcome // the write was accepted; its answer is unreadable
		}
		return nil, &provider.Error{Kind: kind, Op: req.Operation, StatusCode: resp.StatusCode, Message: fmt.Sprintf(
			"the response body is larger than the %d bytes limit; a truncated answer is never decoded", c.maxBody)}
	}
	return &Response{StatusCode: resp.StatusCode, Header: resp.Header, Body: data}, nil
}

func (c *Client) resolve(path string, q url.Values) (*url.URL, error) {
	var u *url.URL
	if strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://") {
		parsed, err := url.Parse(path)
		if err != nil {
			return nil, err
		}
		u = parsed
	} else {
		if c.base == nil {
			return nil, errors.New("no base URL")
		}
		b := *c.base
		b.Path = strings.TrimSuffix(b.Path, "/") + "/" + strings.TrimPrefix(path, "/")
		b.RawPath = ""
		u = &b
	}
	if len(q) > 0 {
		merged := u.Query()
		for k, v := range q {
			merged[k] = v
		}
		u.RawQuery = merged.Encode()
	}
	return u, nil
}

// delay is exponential with full jitter, but never shorter than the server's Retry-After.
func (c *Client) delay(attempt int, lastErr error) time.Duration {
	ceiling := c.backoff << min(attempt, 6)
	d := time.Duration(rand.Int64N(int64(ceiling)) + 1)
	var pe *provider.Error
	if errors.As(lastErr, &pe) && pe.RetryAfter > d {
		d = pe.RetryAfter
	}
	return d
}

func (c *Client) fail(req Request, kind provider.Kind, status int, err error) *provider.Error {
	var pe *provider.Error
	if errors.As(err, &pe) {
		return pe
	}
	msg := ""
	if err != nil {
		msg = c.Redact(strings.TrimPrefix(err.Error(), errNotSent.Error()+": "))
	}
	return &provider.Error{Kind: kind, Op: req.Operation, StatusCode: status, Message: msg}
}

// snippet is a short, redacted excerpt of a body for error messages.
func (c *Client) snippet(body []byte) string {
	s := c.Redact(strings.TrimSpace(string(body)))
	if len(s) > 300 {
		cut := 300
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// Errorf builds a provider error whose message is redacted.
func (c *Client) Errorf(kind provider.Kind, op string, status int, format string, args ...any) *provider.Error {
	return &provider.Error{Kind: kind, Op: op, StatusCode: status, Message: c.Redact(fmt.Sprintf(format, args...))}
}

// StatusError maps an unexpected HTTP status to a typed error with a redacted body excerpt.
// Vendor packages call it after decoding what they can of their own error body.
func (c *Client) StatusError(op string, resp *Response, detail string) *provider.Error {
	if detail == "" {
		detail = c.snippet(resp.Body)
	}
	kind := provider.KindInvalid
	switch {
	case resp.StatusCode == http.StatusNotFound:
		kind = provider.KindNotFound
	case resp.StatusCode == http.StatusConflict:
		kind = provider.KindNameConflict
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		kind = provider.KindAuth
	case resp.StatusCode >= 500:
		kind = provider.KindTransient
	}
	return &provider.Error{Kind: kind, Op: op, StatusCode: resp.StatusCode, Message: c.Redact(detail)}
}

func retryAfter(h http.Header) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}

func classify(resp *Response, err error) string {
	switch {
	case err != nil:
		return "error"
	case resp.StatusCode == http.StatusTooManyRequests:
		return "throttled"
	case resp.StatusCode >= 500:
		return "5xx"
	case resp.StatusCode >= 400:
		return "4xx"
	default:
		return "ok"
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
