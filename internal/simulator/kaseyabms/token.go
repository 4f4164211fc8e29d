package kaseyabms

import (
	"crypto/rand"
	"encoding/hex"
	"mime"
	"net/http"
	"strings"
	"time"
)

// handleToken is the OWIN OAuth password grant at POST /api/token. Refusals use the OAuth 2.0
// error body ({"error", "error_description"}) with HTTP 400, as the OWIN authorization server
// does; nothing here is wrapped in the V1 envelope.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/x-www-form-urlencoded" {
		oauthError(w, "invalid_request", "The request must be form-urlencoded.")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	if err := r.ParseForm(); err != nil {
		oauthError(w, "invalid_request", "The request body could not be read.")
		return
	}
	form := r.PostForm
	if form.Get("grant_type") != "password" {
		oauthError(w, "unsupported_grant_type", "")
		return
	}
	user, pass, tenant := form.Get("username"), form.Get("password"), form.Get("tenant")
	if user == "" || pass == "" || tenant == "" {
		oauthError(w, "invalid_grant", "The user name, password and tenant are required.")
		return
	}
	s.mu.Lock()
	accepted := false
	for _, c := range s.creds {
		if c.Username == user && c.Password == pass && c.Tenant == tenant {
			accepted = true
			break
		}
	}
	if !accepted {
		s.mu.Unlock()
		oauthError(w, "invalid_grant", "The user name, password or tenant is incorrect.")
		return
	}
	tok := newToken()
	s.tokens[tok] = time.Now().Add(s.ttl)
	s.issued++
	ttl := int(s.ttl / time.Second)
	s.mu.Unlock()
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "bearer", "expires_in": ttl})
}

func oauthError(w http.ResponseWriter, code, desc string) {
	body := map[string]string{"error": code}
	if desc != "" {
		body["error_description"] = desc
	}
	writeJSON(w, http.StatusBadRequest, body)
}

func newToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}

// authorized checks the bearer token of an API call.
func (s *Server) authorized(r *http.Request) bool {
	scheme, tok, found := strings.Cut(r.Header.Get("Authorization"), " ")
	if !found || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.tokens[tok]
	if !ok {
		return false
	}
	if time.Now().After(exp) {
		delete(s.tokens, tok)
		return false
	}
	return true
}

// ExpireTokens revokes every issued token, so the next API call gets 401 and a client must
// fetch a new token.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens = map[string]time.Time{}
}

// TokensIssued is how many tokens POST /api/token has granted.
func (s *Server) TokensIssued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issued
}
