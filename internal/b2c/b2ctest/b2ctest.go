package b2ctest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Policy is the path of the stand-in's ROPC user flow.
const Policy = "/council.onmicrosoft.com/B2C_1_ROPC/oauth2/v2.0/token"

// Hang, given to SetDown, makes the endpoint answer nothing until the
// request is cancelled (a timeout).
const Hang = -1

// Server is the stand-in tenant.
type Server struct {
	clientID string
	srv      *httptest.Server
	closing  chan struct{} // closed when the test ends: hung requests return

	mu        sync.Mutex
	passwords map[string]string // username (lower case) → password
	hits      int
	down      int // 0: up; an HTTP status; Hang
}

// New starts a stand-in that accepts client ID clientID, closed when t ends.
func New(t testing.TB, clientID string) *Server {
	s := &Server{clientID: clientID, passwords: map[string]string{}, closing: make(chan struct{})}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(func() {
		close(s.closing)
		s.srv.Close()
	})
	return s
}

// TokenURL is the ROPC policy's token endpoint.
func (s *Server) TokenURL() string { return s.srv.URL + Policy }

// Client is an HTTP client for the stand-in.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// SetPassword gives username a password at the old tenant.
func (s *Server) SetPassword(username, password string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.passwords[strings.ToLower(username)] = password
}

// SetDown makes every request get status (a 5xx, 429…) or Hang; 0 brings
// the stand-in back.
func (s *Server) SetDown(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = status
}

// Hits is how many requests reached the token endpoint.
func (s *Server) Hits() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits
}

// b2cError is B2C's OAuth error body.
type b2cError struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

const trailer = "\r\nCorrelation ID: 7b5e5b5e-0000-4000-8000-000000000000\r\nTimestamp: 2026-12-05 08:00:00Z\r\n"

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if r.URL.Path == Policy {
		s.hits++
	}
	down := s.down
	s.mu.Unlock()
	switch {
	case down == Hang:
		// Read the body, so that the server notices the client hang up.
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-s.closing:
		}
		return
	case down != 0:
		http.Error(w, "<html><body>Service Unavailable</body></html>", down)
		return
	case r.URL.Path != Policy:
		http.NotFound(w, r)
		return
	case r.Method != http.MethodPost:
		w.Header().Set("Allow", http.MethodPost)
		writeJSON(w, http.StatusMethodNotAllowed, b2cError{"invalid_request", "AADB2C90117: The scope '' provided in the request is not supported." + trailer})
		return
	}
	if err := r.ParseForm(); err != nil || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		writeJSON(w, http.StatusBadRequest, b2cError{"invalid_request", "AADB2C90083: The request is missing required parameter: grant_type." + trailer})
		return
	}
	f := r.PostForm
	switch {
	case f.Get("grant_type") != "password":
		writeJSON(w, http.StatusBadRequest, b2cError{"unsupported_grant_type", "AADB2C90086: The supplied grant_type [" + f.Get("grant_type") + "] is not supported." + trailer})
		return
	case f.Get("client_id") != s.clientID:
		writeJSON(w, http.StatusBadRequest, b2cError{"unauthorized_client", "AADB2C90051: No Reply Url is configured for an application." + trailer})
		return
	case !strings.Contains(" "+f.Get("scope")+" ", " openid "):
		writeJSON(w, http.StatusBadRequest, b2cError{"invalid_scope", "AADB2C90055: The scope 'openid' must be specified." + trailer})
		return
	case f.Get("response_type") != "token id_token":
		writeJSON(w, http.StatusBadRequest, b2cError{"unsupported_response_type", "AADB2C90079: The response_type '" + f.Get("response_type") + "' is not supported. Use 'token id_token'." + trailer})
		return
	case f.Get("username") == "" || f.Get("password") == "":
		writeJSON(w, http.StatusBadRequest, b2cError{"invalid_request", "AADB2C90083: The request is missing required parameter: username." + trailer})
		return
	}
	s.mu.Lock()
	want, known := s.passwords[strings.ToLower(f.Get("username"))]
	s.mu.Unlock()
	if !known || want != f.Get("password") {
		writeJSON(w, http.StatusBadRequest, b2cError{"invalid_grant", "AADB2C90225: The username or password provided in the request are invalid." + trailer})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{
		"access_token":  "eyJhbGciOiJSUzI1NiJ9.stand-in-access.sig",
		"token_type":    "Bearer",
		"expires_in":    "3600",
		"refresh_token": "stand-in-refresh",
		"id_token":      "eyJhbGciOiJSUzI1NiJ9.stand-in-id.sig",
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
