package httpx

import (
	"context"
	"encoding/json"
	"net/http"
)

// JSON marshals v for a request body; a marshalling failure is a programming error surfaced
// as an invalid-request error by the caller.
func JSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// BasicAuth is an Authenticator for APIs that take a static Authorization header per request.
type BasicAuth struct {
	Header string // the full header value, e.g. "Basic xxx"
	Extra  http.Header
}

func (b *BasicAuth) Apply(_ context.Context, _ *Client, req *http.Request) error {
	req.Header.Set("Authorization", b.Header)
	for k, v := range b.Extra {
		req.Header[k] = v
	}
	return nil
}

func (b *BasicAuth) Invalidate() {}

// Static marks the credentials as fixed: a 401 is not worth a second try.
func (b *BasicAuth) Static() bool { return true }
