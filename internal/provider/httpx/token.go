package httpx

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// Token is a bearer credential with its expiry (zero means unknown: kept until a 401).
type Token struct {
	Value   string
	Expires time.Time
	// Scheme defaults to "Bearer".
	Scheme string
}

// TokenAuth caches a token fetched by Fetch and refreshes it shortly before expiry or after a
// 401. Fetch runs through the same Client (with NoAuth) so logins are rate limited and counted.
// Every fetched token is added to the Client's redaction, like the static secrets.
type TokenAuth struct {
	Fetch func(ctx context.Context, c *Client) (Token, error)
	// Extra headers set on every authenticated request (e.g. ConnectWise's clientId).
	Extra http.Header

	mu    sync.Mutex
	token Token
}

// refreshMargin renews a token this long before it expires, so a long paged read does not
// straddle the expiry.
const refreshMargin = 30 * time.Second

func (t *TokenAuth) Apply(ctx context.Context, c *Client, req *http.Request) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.token.Value == "" || (!t.token.Expires.IsZero() && time.Until(t.token.Expires) < refreshMargin) {
		tok, err := t.Fetch(ctx, c)
		if err != nil {
			return err
		}
		// A session token is as secret as the credentials that bought it.
		c.LearnSecret(tok.Value)
		t.token = tok
	}
	scheme := t.token.Scheme
	if scheme == "" {
		scheme = "Bearer"
	}
	req.Header.Set("Authorization", scheme+" "+t.token.Value)
	for k, v := range t.Extra {
		req.Header[k] = v
	}
	return nil
}

func (t *TokenAuth) Invalidate() {
	t.mu.Lock()
	t.token = Token{}
	t.mu.Unlock()
}
