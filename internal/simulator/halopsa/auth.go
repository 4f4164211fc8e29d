package halopsa

import (
	"encoding/json"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// serveAuthInfo answers the unauthenticated discovery call that tells clients where the
// authorisation server lives.
func (s *Server) serveAuthInfo(w http.ResponseWriter, r *http.Request) {
	authURL := s.fx.AuthURL
	if authURL == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		authURL = scheme + "://" + r.Host + "/auth"
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"auth_url":  authURL,
		"tenant_id": s.fx.Tenant,
	})
}

// serveToken is the client-credentials grant of Halo's authorisation server.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/x-www-form-urlencoded" {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "the request body must be form-urlencoded")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "the request body could not be read")
		return
	}
	form := r.PostForm
	if form.Get("grant_type") != "client_credentials" {
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", "")
		return
	}
	if tenant := r.URL.Query().Get("tenant"); tenant != "" && s.fx.Tenant != "" &&
		!strings.EqualFold(tenant, s.fx.Tenant) {
		// The client is registered in one tenant only; another tenant does not know it.
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "")
		return
	}
	if form.Get("client_id") != s.fx.ClientID || form.Get("client_secret") != s.fx.ClientSecret ||
		s.fx.ClientID == "" {
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "")
		return
	}
	scopes := strings.Fields(form.Get("scope"))
	hasAll := false
	for _, sc := range scopes {
		if sc == "all" {
			hasAll = true
		}
	}
	if !hasAll {
		writeOAuthError(w, http.StatusBadRequest, "invalid_scope", "")
		return
	}
	s.mu.Lock()
	s.tokenSeq++
	token := "halo-sim-token-" + strconv.Itoa(s.tokenSeq)
	s.tokens[token] = time.Now().Add(s.lifetime)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"scope":        "all",
		"token_type":   "Bearer",
		"access_token": token,
		"expires_in":   int(s.lifetime / time.Second),
	})
}

// authorized checks the bearer token of a resource request.
func (s *Server) authorized(r *http.Request) bool {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.tokens[token]
	if !ok {
		return false
	}
	if time.Now().After(exp) {
		delete(s.tokens, token)
		return false
	}
	return true
}

// ExpireTokens revokes every issued token, so the next resource call answers 401 and a client
// must fetch a new token.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	s.tokens = map[string]time.Time{}
	s.mu.Unlock()
}

// TokensIssued is the number of tokens handed out so far.
func (s *Server) TokensIssued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokenSeq
}

func writeOAuthError(w http.ResponseWriter, status int, code, description string) {
	body := map[string]string{"error": code}
	if description != "" {
		body["error_description"] = description
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encoding failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeMessage is Halo's error answer for resource calls: a JSON string with the message.
func writeMessage(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, msg)
}
