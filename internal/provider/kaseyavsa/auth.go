package kaseyavsa

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/accountsync/accountsync-operator/internal/provider"
	"github.com/accountsync/accountsync-operator/internal/provider/httpx"
)

const opAuth = "Authenticate"

// authResult is the part of GET auth/'s Result the client uses.
type authResult struct {
	Token             string `json:"Token"`
	SessionExpiration text   `json:"SessionExpiration"`
	OffSetInMinutes   text   `json:"OffSetInMinutes"`
}

// openSession exchanges the personal access token for a session token.
func openSession(ctx context.Context, hc *httpx.Client, basic string) (httpx.Token, error) {
	resp, err := hc.Do(ctx, httpx.Request{
		Operation: opAuth,
		Method:    http.MethodGet,
		Path:      apiRoot + "auth/",
		Header:    http.Header{"Authorization": {basic}},
		NoAuth:    true,
	})
	if err != nil {
		return httpx.Token{}, err
	}
	return parseAuth(hc, resp, time.Now())
}

// parseAuth reads the auth envelope; any logical refusal is an authentication failure.
func parseAuth(hc *httpx.Client, resp *httpx.Response, now time.Time) (httpx.Token, error) {
	env, derr := decodeEnvelope(resp.Body)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		detail := ""
		if derr == nil {
			detail = env.failure()
		}
		return httpx.Token{}, hc.StatusError(opAuth, resp, detail)
	}
	if derr != nil {
		return httpx.Token{}, hc.Errorf(provider.KindInvalid, opAuth, resp.StatusCode, "unreadable VSA auth response: %v", derr)
	}
	if msg := env.failure(); msg != "" {
		return httpx.Token{}, hc.Errorf(provider.KindAuth, opAuth, resp.StatusCode, "%s", msg)
	}
	var res authResult
	if err := decodeResult(env.Result, &res); err != nil {
		return httpx.Token{}, hc.Errorf(provider.KindInvalid, opAuth, resp.StatusCode, "unreadable VSA auth result: %v", err)
	}
	if strings.TrimSpace(res.Token) == "" {
		return httpx.Token{}, hc.Errorf(provider.KindAuth, opAuth, resp.StatusCode, "the VSA auth response carried no session token")
	}
	offset, _ := strconv.Atoi(string(res.OffSetInMinutes))
	return httpx.Token{
		Value:   strings.TrimSpace(res.Token),
		Expires: sessionExpiry(string(res.SessionExpiration), offset, now),
	}, nil
}

// minTrustedLifetime: an expiry closer than this is treated as unknown, because httpx renews a
// token shortly before it expires and a misread expiry would otherwise cause a login per call.
const minTrustedLifetime = 2 * time.Minute

// sessionExpiry converts SessionExpiration (server-local, usually without a zone) to UTC:
// UTC = local + OffSetInMinutes. A value with its own zone is used as it is. Zero means unknown.
func sessionExpiry(s string, offsetMinutes int, now time.Time) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	var t time.Time
	if zoned, err := time.Parse(time.RFC3339Nano, s); err == nil {
		t = zoned
	} else {
		for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999"} {
			if local, err := time.Parse(layout, s); err == nil {
				t = local.Add(time.Duration(offsetMinutes) * time.Minute)
				break
			}
		}
	}
	if t.IsZero() || t.Before(now.Add(minTrustedLifetime)) {
		return time.Time{}
	}
	return t.UTC()
}
