package oidcop

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// CORS on the provider's endpoints allows only the origins of registered
// redirect and post-logout URIs, and never with credentials (issue 10,
// point 15).
func TestCORSAllowsOnlyRegisteredOrigins(t *testing.T) {
	tp := newTestProvider(t)
	h := tp.Handler()
	for _, tc := range []struct {
		origin string
		allow  bool
	}{
		{"https://dashboard.example", true},
		{"https://app.example:8443", true},
		{"https://portal.example", true}, // post-logout URI, :443 as browsers send it
		{"https://evil.example", false},
		{"https://dashboard.example.evil.example", false},
		{"http://dashboard.example", false},
		{"https://app.example", false}, // other port
		{"null", false},
	} {
		for _, path := range []string{"/oauth/token", "/userinfo", "/oauth/introspect", "/revoke"} {
			t.Run(tc.origin+path, func(t *testing.T) {
				pre := httptest.NewRequest(http.MethodOptions, "https://idp.example"+path, nil)
				pre.Header.Set("Origin", tc.origin)
				pre.Header.Set("Access-Control-Request-Method", http.MethodPost)
				pre.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
				real := httptest.NewRequest(http.MethodPost, "https://idp.example"+path, strings.NewReader("token=x"))
				real.Header.Set("Origin", tc.origin)
				real.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				for _, r := range []*http.Request{pre, real} {
					w := httptest.NewRecorder()
					h.ServeHTTP(w, r)
					got := w.Header().Get("Access-Control-Allow-Origin")
					if tc.allow && got != tc.origin {
						t.Errorf("%s: Access-Control-Allow-Origin = %q, want %q", r.Method, got, tc.origin)
					}
					if !tc.allow && got != "" {
						t.Errorf("%s: Access-Control-Allow-Origin = %q, want none", r.Method, got)
					}
					if c := w.Header().Get("Access-Control-Allow-Credentials"); c != "" {
						t.Errorf("%s: Access-Control-Allow-Credentials = %q, want none", r.Method, c)
					}
				}
			})
		}
	}
}

func TestOriginOf(t *testing.T) {
	for _, tc := range []struct{ have, want string }{
		{"https://dashboard.example/callback", "https://dashboard.example"},
		{"https://Dashboard.Example:443/cb?x=1", "https://dashboard.example"},
		{"http://localhost:8081/", "http://localhost:8081"},
		{"http://localhost:80/", "http://localhost"},
		{"https://[::1]:443/cb", "https://[::1]"},
		{"https://[::1]:8443/cb", "https://[::1]:8443"},
		{"com.example.app:/callback", ""},
		{"not a url", ""},
	} {
		if got := originOf(tc.have); got != tc.want {
			t.Errorf("originOf(%q) = %q, want %q", tc.have, got, tc.want)
		}
	}
}
