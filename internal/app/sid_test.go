package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// The sid claim must not be the session cookie: ID tokens travel to relying
// parties, logs and id_token_hint URLs, and the cookie is the session.
func TestSIDIsNotTheSessionCookie(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		r := e.rp("dashboard", dashSecret, dashRedirect, "profile")
		ctx := oidc.ClientContext(t.Context(), r.http)
		browser := e.browser()
		verifier := oauth2.GenerateVerifier()
		code := e.login(browser, r, verifier, "n")
		tok, err := r.conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := tok.Extra("id_token").(string)
		idt, err := r.verifier.Verify(ctx, raw)
		if err != nil {
			t.Fatal(err)
		}
		var cl struct {
			SID string `json:"sid"`
		}
		if err := idt.Claims(&cl); err != nil || cl.SID == "" {
			t.Fatalf("no sid claim (%v)", err)
		}
		issuer, _ := url.Parse(e.issuer)
		var cookie string
		for _, c := range browser.Jar.Cookies(issuer) {
			if strings.HasSuffix(c.Name, "carekey_session") {
				cookie = c.Value
			}
		}
		if cookie == "" {
			t.Fatal("no session cookie")
		}
		if cl.SID == cookie || strings.Contains(raw, cookie) {
			t.Fatal("the ID token carries the session cookie")
		}
		// end_session from another browser (no cookie) still ends the session named by the hint.
		q := url.Values{"id_token_hint": {raw}, "post_logout_redirect_uri": {dashLogoutURI}}
		resp, err := e.browser().Get(e.issuer + "/end_session?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		readBody(t, resp)
		resp, err = browser.Get(r.conf.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)))
		if err != nil {
			t.Fatal(err)
		}
		if body := mustStatus(t, resp, http.StatusOK); !strings.Contains(body, "<h1 class=\"govuk-heading-l\">Sign in</h1>") {
			t.Error("the session named by the hint's sid survived end_session")
		}
	})
}
