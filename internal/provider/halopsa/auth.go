package halopsa

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/accountsync/accountsync-operator/internal/provider"
	"github.com/accountsync/accountsync-operator/internal/provider/httpx"
)

// fetchToken is the TokenAuth callback: discover the auth server once, then run the
// client-credentials grant. It runs through hc (NoAuth) so it is rate limited and counted.
func (c *Client) fetchToken(ctx context.Context, hc *httpx.Client) (httpx.Token, error) {
	const op = "Authenticate"
	authURL, err := c.discoverAuthURL(ctx, hc)
	if err != nil {
		return httpx.Token{}, err
	}
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {c.clientID},
		"client_secret": {c.clientSecret},
		"scope":         {"all"},
	}
	var q url.Values
	if c.tenant != "" {
		q = url.Values{"tenant": {c.tenant}}
	}
	resp, err := hc.Do(ctx, httpx.Request{
		Operation: op,
		Method:    http.MethodPost,
		Path:      authURL + "/token",
		Query:     q,
		Header:    http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
		Body:      []byte(form.Encode()),
		// A token grant has no side effect, so it may be resent after a 5xx or a timeout.
		Idempotent: true,
		NoAuth:     true,
	})
	if err != nil {
		if resp != nil {
			return httpx.Token{}, c.tokenError(op, resp)
		}
		return httpx.Token{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return httpx.Token{}, c.tokenError(op, resp)
	}
	ans, err := decodeToken(resp.Body)
	if err != nil {
		return httpx.Token{}, hc.Errorf(provider.KindInvalid, op, resp.StatusCode, "%v", err)
	}
	tok := httpx.Token{Value: ans.AccessToken, Scheme: "Bearer"}
	if ans.ExpiresIn > 0 {
		tok.Expires = time.Now().Add(time.Duration(ans.ExpiresIn) * time.Second)
	}
	return tok, nil
}

// tokenError maps a refused grant. OAuth codes that mean "these credentials may not have a
// token" are authentication failures whatever the status (Halo's auth server answers
// invalid_client with 400 or 401 depending on version [I]).
func (c *Client) tokenError(op string, resp *httpx.Response) *provider.Error {
	oe := decodeOAuthError(resp.Body)
	switch oe.Code {
	case "invalid_client", "unauthorized_client", "invalid_grant", "invalid_scope", "access_denied":
		msg := "token request refused: " + oe.Code
		if oe.Description != "" {
			msg += ": " + oe.Description
		}
		return c.hc.Errorf(provider.KindAuth, op, resp.StatusCode, "%s", msg)
	}
	return c.statusError(op, resp)
}

// discoverAuthURL finds the authorisation server once per client: spec.authURL when the user
// wrote one, else what /api/authinfo reports. The client secret goes only to the tenant's own
// origin or to spec.authURL, so a discovered server anywhere else is refused (OriginRefused,
// which the connection reports as InvalidSpec naming the host): whoever controls the tenant's
// answer must not be able to collect the secret.
func (c *Client) discoverAuthURL(ctx context.Context, hc *httpx.Client) (string, error) {
	const op = "DiscoverAuth"
	c.mu.Lock()
	cached := c.authURL
	c.mu.Unlock()
	if cached != "" {
		return cached, nil
	}
	base := hc.BaseURL()
	var authURL string
	if configured := hc.AuthURL(); configured != nil {
		authURL = strings.TrimRight(configured.String(), "/")
	} else {
		resp, err := hc.Do(ctx, httpx.Request{Operation: op, Method: http.MethodGet, Path: "api/authinfo", NoAuth: true})
		if err != nil {
			return "", err
		}
		raw := ""
		switch {
		case resp.StatusCode == http.StatusNotFound:
			// Installs without the discovery endpoint serve the auth server at {url}/auth.
		case resp.StatusCode/100 != 2:
			return "", c.statusError(op, resp)
		default:
			if raw, err = decodeAuthInfo(resp.Body); err != nil {
				return "", hc.Errorf(provider.KindInvalid, op, resp.StatusCode,
					"unexpected answer from /api/authinfo (is the URL the Halo tenant root?): %v", err)
			}
		}
		if authURL, err = resolveAuthURL(base, raw); err != nil {
			return "", hc.Errorf(provider.KindInvalid, op, resp.StatusCode, "%v", err)
		}
		if u, err := url.Parse(authURL); err != nil || !httpx.SameOrigin(u, base) {
			return "", hc.Errorf(provider.KindOriginRefused, op, 0,
				"/api/authinfo names the auth server %s, which is not the tenant's origin %s://%s; the client secret "+
					"was not sent there. If that server is yours, set spec.authURL to %s", authURL, base.Scheme, base.Host, authURL)
		}
	}
	c.mu.Lock()
	c.authURL = authURL
	c.mu.Unlock()
	return authURL, nil
}

// resolveAuthURL turns the reported auth_url into an absolute URL without a trailing slash; the
// caller decides whether that origin may receive the secret.
// An empty value means {base}/auth. A relative value is resolved against the tenant root. An
// http auth server is refused for an https tenant, so the secret never travels in clear.
func resolveAuthURL(base *url.URL, raw string) (string, error) {
	if raw == "" {
		return base.JoinPath("auth").String(), nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", errors.New("authinfo reported an unparsable auth_url")
	}
	if !u.IsAbs() {
		u = base.ResolveReference(u)
	}
	switch {
	case u.Scheme != "https" && u.Scheme != "http", u.Host == "":
		return "", errors.New("authinfo reported an auth_url that is not an http(s) URL")
	case u.Scheme == "http" && base.Scheme == "https":
		return "", errors.New("authinfo reported a plain-http auth_url for an https tenant")
	}
	u.RawQuery, u.Fragment, u.User = "", "", nil
	s := u.String()
	for len(s) > 0 && s[len(s)-1] == '/' {
		s = s[:len(s)-1]
	}
	return s, nil
}
