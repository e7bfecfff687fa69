package web

import (
	"net/http"
	"time"
)

// cookies names and writes carekey's cookies: __Host- prefixed, HttpOnly,
// Secure and SameSite=Lax; in dev on http://localhost (Insecure) without the
// prefix and Secure, which browsers refuse over plain HTTP.
type cookies struct{ Insecure bool }

const (
	sessionCookie = "carekey_session"
	flowCookie    = "carekey_flow"
	// noticeCookie carries a one-off notice to the next sign-in page
	// ("registered": the account was just created). It holds no secret.
	noticeCookie = "carekey_notice"
	// browserCookie binds auth requests to the browser that started them
	// (oidcop.WithBrowser): set by /authorize when absent, kept until the
	// browser closes. Only its hash is stored, with each auth request.
	browserCookie = "carekey_browser"
	// returnCookie holds the ID of the auth request a sign-in in progress
	// answers, so that the sign-in can start again for it when its flow is
	// lost (a Redis restart). No secret: the request is bound to the browser.
	returnCookie = "carekey_return"
)

func (c cookies) name(base string) string {
	if c.Insecure {
		return base
	}
	return "__Host-" + base
}

func (c cookies) set(w http.ResponseWriter, base, value string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{
		Name:     c.name(base),
		Value:    value,
		Path:     "/",
		MaxAge:   int(maxAge / time.Second),
		HttpOnly: true,
		Secure:   !c.Insecure,
		SameSite: http.SameSiteLaxMode,
	})
}

func (c cookies) clear(w http.ResponseWriter, base string) {
	http.SetCookie(w, &http.Cookie{
		Name: c.name(base), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: !c.Insecure, SameSite: http.SameSiteLaxMode,
	})
}

func (c cookies) get(r *http.Request, base string) string {
	ck, err := r.Cookie(c.name(base))
	if err != nil {
		return ""
	}
	return ck.Value
}
