package app_test

import (
	"net/http"
	"strings"
	"testing"
)

// Issue 10, point 15: the token, userinfo and introspection endpoints answer
// CORS only for origins of registered redirect and post-logout URIs, and
// never with credentials.
func TestCORSOnlyForRegisteredOrigins(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		for _, tc := range []struct {
			origin string
			allow  bool
		}{
			{"http://localhost:8081", true}, // the dashboard's redirect URI
			{"http://localhost:9999", true}, // dev-public's
			{"https://evil.example", false},
			{"http://localhost:8082", false},
		} {
			for _, path := range []string{"/oauth/token", "/userinfo", "/oauth/introspect"} {
				pre, _ := http.NewRequestWithContext(t.Context(), http.MethodOptions, e.issuer+path, nil)
				pre.Header.Set("Origin", tc.origin)
				pre.Header.Set("Access-Control-Request-Method", http.MethodPost)
				pre.Header.Set("Access-Control-Request-Headers", "authorization")
				real, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, e.issuer+path, strings.NewReader("token=x"))
				real.Header.Set("Origin", tc.origin)
				real.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				for _, req := range []*http.Request{pre, real} {
					resp, err := e.srv.Client().Do(req)
					if err != nil {
						t.Fatal(err)
					}
					readBody(t, resp)
					got := resp.Header.Get("Access-Control-Allow-Origin")
					if (tc.allow && got != tc.origin) || (!tc.allow && got != "") {
						t.Errorf("%s %s from %s: Access-Control-Allow-Origin = %q", req.Method, path, tc.origin, got)
					}
					if c := resp.Header.Get("Access-Control-Allow-Credentials"); c != "" {
						t.Errorf("%s %s from %s: Access-Control-Allow-Credentials = %q", req.Method, path, tc.origin, c)
					}
				}
			}
		}
	})
}
