package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// carekey's cookies are __Host- prefixed, which browsers accept only with
// Secure, Path=/ and no Domain (no subdomain can plant or read one); all
// are HttpOnly and SameSite=Lax. In dev over plain http://localhost
// (Insecure) they drop the prefix and Secure, which a browser would refuse
// there, and keep the rest.
func TestCookieAttributes(t *testing.T) {
	for _, insecure := range []bool{false, true} {
		c := cookies{Insecure: insecure}
		wantName, wantSecure := "__Host-carekey_flow", true
		if insecure {
			wantName, wantSecure = "carekey_flow", false
		}
		rec := httptest.NewRecorder()
		c.set(rec, flowCookie, "v1", 90*time.Second)
		set := rec.Result().Cookies()
		if len(set) != 1 {
			t.Fatalf("insecure %v: %d cookies set", insecure, len(set))
		}
		got := set[0]
		if got.Name != wantName || got.Value != "v1" || got.Path != "/" || got.Domain != "" || got.MaxAge != 90 ||
			!got.HttpOnly || got.Secure != wantSecure || got.SameSite != http.SameSiteLaxMode {
			t.Errorf("insecure %v: set %+v", insecure, got)
		}

		// No max age: a session cookie, gone when the browser closes.
		rec = httptest.NewRecorder()
		c.set(rec, browserCookie, "v2", 0)
		if h := rec.Header().Get("Set-Cookie"); strings.Contains(h, "Max-Age") || strings.Contains(h, "Expires") {
			t.Errorf("insecure %v: browser-session cookie %q has a lifetime", insecure, h)
		}

		// clear deletes the very cookie set (same name, path and flags).
		rec = httptest.NewRecorder()
		c.clear(rec, flowCookie)
		got = rec.Result().Cookies()[0]
		if got.Name != wantName || got.Value != "" || got.MaxAge != -1 || got.Path != "/" || !got.HttpOnly ||
			got.Secure != wantSecure || got.SameSite != http.SameSiteLaxMode {
			t.Errorf("insecure %v: clear %+v", insecure, got)
		}
		if h := rec.Header().Get("Set-Cookie"); !strings.Contains(h, "Max-Age=0") {
			t.Errorf("insecure %v: clear %q does not expire the cookie", insecure, h)
		}
	}
}

// get reads the cookie under the mode's name only: with the prefix on, an
// unprefixed cookie (which a sibling subdomain or plain-HTTP page could
// set) is not carekey's.
func TestCookieGet(t *testing.T) {
	req := func(cs ...*http.Cookie) *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		for _, c := range cs {
			r.AddCookie(c)
		}
		return r
	}
	secure, insecure := cookies{}, cookies{Insecure: true}
	if got := secure.get(req(&http.Cookie{Name: "__Host-carekey_session", Value: "a"}), sessionCookie); got != "a" {
		t.Errorf("secure get of the prefixed cookie = %q", got)
	}
	if got := secure.get(req(&http.Cookie{Name: "carekey_session", Value: "planted"}), sessionCookie); got != "" {
		t.Errorf("secure get of an unprefixed cookie = %q, want nothing", got)
	}
	if got := insecure.get(req(&http.Cookie{Name: "carekey_session", Value: "b"}), sessionCookie); got != "b" {
		t.Errorf("insecure get = %q", got)
	}
	if got := secure.get(req(), sessionCookie); got != "" {
		t.Errorf("get without a cookie = %q", got)
	}
	if got := secure.get(req(&http.Cookie{Name: "__Host-carekey_flow", Value: "f"}), sessionCookie); got != "" {
		t.Errorf("get of another cookie's name = %q", got)
	}
}

// New writes cookies in the mode of Config.InsecureCookies.
func TestServerCookieMode(t *testing.T) {
	for _, insecure := range []bool{false, true} {
		e := wtServer(t, func(c *Config) { c.InsecureCookies = insecure })
		rec := e.get("/authorize?client_id=app")
		name := "__Host-" + browserCookie
		if insecure {
			name = browserCookie
		}
		c := wtCookie(rec, name)
		if c == nil || c.Secure == insecure {
			t.Errorf("InsecureCookies %v: cookies %v, want %s (Secure %v)", insecure, rec.Result().Cookies(), name, !insecure)
		}
	}
}
