package app_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/store"
)

// forwardedFor is a transport that adds X-Forwarded-For, as a proxy in front
// of carekey does (or as a client pretending to be behind one).
type forwardedFor struct {
	next http.RoundTripper
	ip   string
}

func (f forwardedFor) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Forwarded-For", f.ip)
	return f.next.RoundTrip(r)
}

// wrongPasswordFrom posts a wrong password for email through a browser whose
// requests carry X-Forwarded-For: xff.
func (e *env) wrongPasswordFrom(t *testing.T, xff, email string) *http.Response {
	t.Helper()
	c := e.browser()
	c.Transport = forwardedFor{next: c.Transport, ip: xff}
	csrf := csrfOf(t, e.signinPage(t, c))
	resp, err := c.PostForm(e.issuer+"/signin", url.Values{"csrf_token": {csrf}, "email": {email}, "password": {"Wrong-password-123"}})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// Issue 10 point 2: behind the documented proxy every user shared the proxy's
// rate-limit bucket and audit rows named the proxy. With the proxy trusted,
// each client behind it has its own bucket and its own address in the audit.
func TestRateLimitPerClientThroughTrustedProxy(t *testing.T) {
	backendsWith(t, func(c *config.Config) {
		c.RateLimits.SigninPerIP = config.RateLimit{Max: 3, Window: time.Minute}
		c.HTTP.TrustedProxies = []string{"127.0.0.0/8", "::1"} // the test's own address is the proxy
	}, func(t *testing.T, e *env) {
		for i := range 3 {
			mustStatus(t, e.wrongPasswordFrom(t, "198.51.100.7", "someone"+strconv.Itoa(i)+"@example.com"), http.StatusUnauthorized)
		}
		mustStatus(t, e.wrongPasswordFrom(t, "198.51.100.7", testEmail), http.StatusTooManyRequests)
		// Another client behind the same proxy still has its whole allowance,
		// even when it prepends the first client's address itself.
		mustStatus(t, e.wrongPasswordFrom(t, "203.0.113.9", testEmail), http.StatusUnauthorized)
		mustStatus(t, e.wrongPasswordFrom(t, "198.51.100.7, 2001:db8::9", testEmail), http.StatusUnauthorized)
		ev, err := e.app.Backends().Store.ListAudit(t.Context(), store.AuditFilter{UserID: "usr_penny", Type: "signin.password_failed"})
		if err != nil {
			t.Fatal(err)
		}
		if len(ev) != 2 || ev[0].IP != "203.0.113.9" || ev[1].IP != "2001:db8::9" {
			t.Errorf("audit rows %+v, want the clients' addresses 203.0.113.9 and 2001:db8::9", ev)
		}
	})
}

// A client talking to carekey directly cannot pick its bucket with a forged
// X-Forwarded-For: the header of an untrusted peer is ignored.
func TestRateLimitIgnoresForwardedForFromUntrustedPeer(t *testing.T) {
	backendsWith(t, func(c *config.Config) {
		c.RateLimits.SigninPerIP = config.RateLimit{Max: 3, Window: time.Minute}
		c.HTTP.TrustedProxies = []string{"10.0.0.0/8"} // not the test's address
	}, func(t *testing.T, e *env) {
		for i := range 3 {
			mustStatus(t, e.wrongPasswordFrom(t, "198.51.100."+strconv.Itoa(i), testEmail), http.StatusUnauthorized)
		}
		mustStatus(t, e.wrongPasswordFrom(t, "203.0.113.9", testEmail), http.StatusTooManyRequests)
		ev, err := e.app.Backends().Store.ListAudit(t.Context(), store.AuditFilter{Type: "signin.password_failed"})
		if err != nil {
			t.Fatal(err)
		}
		if len(ev) != 3 {
			t.Errorf("%d audit rows, want 3", len(ev))
		}
		for _, e := range ev {
			if e.IP != "127.0.0.1" && e.IP != "::1" {
				t.Errorf("audit row %+v records a forged address", e)
			}
		}
	})
}
