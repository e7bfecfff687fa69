package app_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// ourRoutes is every route carekey's own router serves (internal/web and its
// mounts), with the method it answers.
var ourRoutes = []struct{ method, path string }{
	{"GET", "/"}, {"GET", "/login"}, {"GET", "/signin"}, {"POST", "/signin"},
	{"POST", "/signin/email/verify"}, {"POST", "/signin/email/resend"}, {"POST", "/signin/email/back"},
	{"POST", "/signin/enrol"}, {"POST", "/signin/send-code"}, {"POST", "/signin/verify"},
	{"POST", "/signin/call"}, {"GET", "/signin/call-status"}, {"POST", "/signin/continue"}, {"POST", "/signin/cancel"},
	{"POST", "/logout"}, {"GET", "/logged-out"},
	{"GET", "/end_session/confirm"}, {"POST", "/end_session/confirm"},
	{"GET", "/account/phone"}, {"POST", "/account/phone"}, {"GET", "/account/phone/done"},
	{"GET", "/register"}, {"POST", "/register/profile"}, {"POST", "/register/credentials"},
	{"POST", "/register/verify"}, {"POST", "/register/resend"}, {"POST", "/register/back"},
	{"GET", "/forgot-password"}, {"POST", "/forgot-password/email"}, {"POST", "/forgot-password/verify"},
	{"POST", "/forgot-password/resend"}, {"POST", "/forgot-password/back"}, {"POST", "/forgot-password/password"},
	{"GET", "/forgot-password/done"},
	{"POST", "/webhooks/twilio/voice"}, {"POST", "/webhooks/twilio/voice/status"},
	{"GET", "/healthz"}, {"GET", "/readyz"}, {"GET", "/static/carekey.css"},
	{"GET", "/admin/v1/users"}, {"GET", "/dev/outbox.json"},
	{"GET", "/.well-known/openid-configuration"},
}

// A malformed query string is answered 400 with a clear message at every
// endpoint, the provider's (every endpoint discovery names) and ours.
func TestMalformedQueryIs400Everywhere(t *testing.T) {
	e := start(t, false)
	resp, err := e.srv.Client().Get(e.issuer + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	var disc map[string]any
	if err := json.Unmarshal([]byte(mustStatus(t, resp, http.StatusOK)), &disc); err != nil {
		t.Fatal(err)
	}
	routes := ourRoutes
	for k, v := range disc {
		u, ok := v.(string)
		if !ok || !strings.HasSuffix(k, "_endpoint") && k != "jwks_uri" {
			continue
		}
		p, err := url.Parse(u)
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		routes = append(routes, struct{ method, path string }{"GET", p.Path}, struct{ method, path string }{"POST", p.Path})
	}
	for _, rt := range routes {
		for _, q := range []string{"a=%zz", "a=1;b=2"} {
			t.Run(rt.method+" "+rt.path+"?"+q, func(t *testing.T) {
				req, _ := http.NewRequestWithContext(t.Context(), rt.method, e.issuer+rt.path+"?"+q, strings.NewReader(""))
				if rt.method == "POST" {
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				}
				resp, err := e.browser().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body := readBody(t, resp)
				if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "malformed query string") {
					t.Errorf("status %d, want 400 naming the malformed query string: %.200s", resp.StatusCode, body)
				}
			})
		}
	}
}
