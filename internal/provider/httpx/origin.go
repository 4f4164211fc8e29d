package httpx

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/accountsync/accountsync-operator/internal/provider"
)

// Credentials stay with their origin: a request that carries a body or credentials goes only to
// the connection URL's origin or to the auth server the user named in the spec, and is never
// re-sent elsewhere by a redirect (Go replays the body of a 307/308 to wherever Location points).

// origin is scheme://host:port in lower case with the scheme's default port filled in, so
// https://a.example and https://A.example:443 compare equal.
func origin(u *url.URL) string {
	if u == nil {
		return ""
	}
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		switch scheme {
		case "https":
			port = "443"
		case "http":
			port = "80"
		}
	}
	host := strings.ToLower(u.Hostname())
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return scheme + "://" + host + ":" + port
}

// SameOrigin reports whether a and b share scheme, host and port.
func SameOrigin(a, b *url.URL) bool {
	return a != nil && b != nil && origin(a) == origin(b)
}

// Trusts reports whether u may receive credentials or a request body: the connection URL's
// origin, or the auth server named in the spec.
func (c *Client) Trusts(u *url.URL) bool {
	return SameOrigin(u, c.base) || SameOrigin(u, c.authURL)
}

// AuthURL is the auth server the user named in the spec, or nil.
func (c *Client) AuthURL() *url.URL { return c.authURL }

// carriesCredentials reports a request whose loss to another server would leak something: a
// body (a login form, a client secret, a record) or any header beyond the harmless ones.
func carriesCredentials(body bool, h http.Header) bool {
	if body {
		return true
	}
	for k := range h {
		if !isSafeHeader(k) {
			return true
		}
	}
	return false
}

func isSafeHeader(k string) bool {
	switch http.CanonicalHeaderKey(k) {
	case "Accept", "Content-Type", "User-Agent", "Accept-Encoding", "Content-Length":
		return true
	}
	return false
}

// checkRedirect follows a redirect within the origin of the original request (VSA answers a
// missing trailing slash with 301) and refuses one that would carry a body or credentials to
// another origin. A request with nothing to leak may follow it.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return fmt.Errorf("stopped after 5 redirects")
	}
	first := via[0]
	if SameOrigin(req.URL, first.URL) {
		for k, v := range first.Header {
			if _, ok := req.Header[k]; !ok {
				req.Header[k] = v
			}
		}
		return nil
	}
	hasBody := first.GetBody != nil || (first.ContentLength != 0 && first.Body != nil && first.Body != http.NoBody)
	if carriesCredentials(hasBody, first.Header) {
		code := 0
		if req.Response != nil {
			code = req.Response.StatusCode
		}
		return &provider.Error{Kind: provider.KindOriginRefused, Message: c.Redact(fmt.Sprintf(
			"%s answered HTTP %d redirecting to %s, another origin; a request carrying credentials or a body is "+
				"never re-sent there (if the service moved, update spec.url)", origin(first.URL), code, origin(req.URL)))}
	}
	return nil
}

func (c *Client) refuseOrigin(op string, u *url.URL) *provider.Error {
	allowed := origin(c.base)
	if c.authURL != nil {
		allowed += " or " + origin(c.authURL)
	}
	return &provider.Error{Kind: provider.KindOriginRefused, Op: op, Message: c.Redact(fmt.Sprintf(
		"refusing to send credentials or a body to %s: only %s (spec.url, spec.authURL) may receive them", origin(u), allowed))}
}
