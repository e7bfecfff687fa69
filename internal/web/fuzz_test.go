package web

import (
	"net/url"
	"strings"
	"testing"

	"github.com/carekey/carekey/internal/authstate"
)

// FuzzErrorRedirect builds the OAuth error redirect for a client's redirect
// URI, an error code and the client's state (which the client, or an
// attacker starting the request, chooses).
//
// Invariants: it never panics; the result is "/" or a URL with the redirect
// URI's scheme, host and path, its other query parameters kept (when they
// parse), error equal to the code, and state exactly as sent (when not
// empty), whatever bytes it holds; no CR or LF ever reaches the Location.
func FuzzErrorRedirect(f *testing.F) {
	for _, seed := range [][3]string{
		{"https://portal.example/callback", "login_required", "af0ifjsldkj"},
		{"https://portal.example/callback?x=1&error=no", "access_denied", ""},
		{"https://portal.example/callback", "login_required", "a\r\nSet-Cookie: x=y"},
		{"https://portal.example/callback", "login_required", "a&error=none#frag"},
		{"https://portal.example/cb#frag", "login_required", "s"},
		{"http://localhost:3000/cb?x=%zz", "login_required", "\xff\x00"},
		{"com.example.app:/oauth2redirect", "login_required", "s"},
		{"%zz", "login_required", "s"},
		{"//evil.example/cb", "login_required", "s"},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	f.Fuzz(func(t *testing.T, redirectURI, code, state string) {
		got := errorRedirect(authstate.AuthRequest{RedirectURI: redirectURI, State: state}, code)
		if strings.ContainsAny(got, "\r\n") {
			t.Fatalf("errorRedirect(%q, %q, %q) = %q: CR or LF", redirectURI, code, state, got)
		}
		ru, err := url.Parse(redirectURI)
		if err != nil {
			if got != "/" {
				t.Fatalf("errorRedirect(%q) = %q for an unparsable URI, want /", redirectURI, got)
			}
			return
		}
		u, err := url.Parse(got)
		if err != nil {
			t.Fatalf("errorRedirect(%q, %q, %q) = %q: %v", redirectURI, code, state, got, err)
		}
		if u.Scheme != ru.Scheme || u.Host != ru.Host || u.Path != ru.Path || u.Opaque != ru.Opaque {
			t.Fatalf("errorRedirect(%q) = %q: goes elsewhere", redirectURI, got)
		}
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			t.Fatalf("errorRedirect(%q, %q, %q) = %q: query %v", redirectURI, code, state, got, err)
		}
		if q.Get("error") != code || len(q["error"]) != 1 {
			t.Fatalf("errorRedirect(%q, %q, %q) = %q: error %q", redirectURI, code, state, got, q["error"])
		}
		if state != "" && (q.Get("state") != state || len(q["state"]) != 1) {
			t.Fatalf("errorRedirect(%q, %q, %q) = %q: state %q", redirectURI, code, state, got, q["state"])
		}
		if orig, err := url.ParseQuery(ru.RawQuery); err == nil {
			for k, v := range orig {
				if k != "error" && k != "state" && strings.Join(q[k], "\x00") != strings.Join(v, "\x00") {
					t.Fatalf("errorRedirect(%q) = %q: lost %s=%q", redirectURI, got, k, v)
				}
			}
		}
	})
}
