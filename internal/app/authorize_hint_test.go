package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/carekey/carekey/internal/store"
)

// createSam adds a second user with a verified phone, for tests that need
// two people.
func (e *env) createSam(t *testing.T) string {
	t.Helper()
	const email = "sam.second.portal@example.com"
	now := time.Now().UTC()
	err := e.app.Backends().Store.CreateUser(t.Context(), store.User{
		ID: "usr_sam2", Email: email, EmailVerified: true, GivenName: "Sam", FamilyName: "Second",
		PasswordHash: devHash(t), Phone: "+447700900123", PhoneVerified: true, CreatedAt: now, UpdatedAt: now,
	})
	if err != nil {
		t.Fatalf("create user: %v", err)
	}
	return email
}

// Issue 10, point 15: /authorize with an id_token_hint for someone other than
// the signed-in user never answers with the signed-in user's code:
// prompt=none gets login_required, otherwise a sign-in starts.
func TestAuthorizeHintForAnotherUser(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		r := e.rp("dashboard", dashSecret, dashRedirect, "profile")
		ctx := oidc.ClientContext(t.Context(), r.http)
		idToken := func(c *http.Client, email string) string {
			t.Helper()
			v := oauth2.GenerateVerifier()
			back := e.signIn(c, r.conf.AuthCodeURL("st-1", oauth2.S256ChallengeOption(v), oidc.Nonce("n")), email, testPassword)
			tok, err := r.conf.Exchange(ctx, back.Query().Get("code"), oauth2.VerifierOption(v))
			if err != nil {
				t.Fatalf("exchange: %v", err)
			}
			raw, _ := tok.Extra("id_token").(string)
			return raw
		}
		samHint := idToken(e.browser(), e.createSam(t))
		penny := e.browser()
		pennyHint := idToken(penny, testEmail)

		authorize := func(hint string, prompt ...string) *http.Response {
			t.Helper()
			opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(oauth2.GenerateVerifier()), oauth2.SetAuthURLParam("id_token_hint", hint)}
			if len(prompt) > 0 {
				opts = append(opts, oauth2.SetAuthURLParam("prompt", prompt[0]))
			}
			resp, err := penny.Get(r.conf.AuthCodeURL("st-2", opts...))
			if err != nil {
				t.Fatal(err)
			}
			return resp
		}

		resp := authorize(samHint, "none")
		body := readBody(t, resp)
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode/100 != 3 || loc.Query().Get("error") != "login_required" || loc.Query().Get("code") != "" || loc.Query().Get("state") != "st-2" {
			t.Fatalf("prompt=none with another user's hint: %d to %q, want login_required:\n%s", resp.StatusCode, loc, body)
		}

		resp = authorize(samHint)
		if body := readBody(t, resp); resp.StatusCode != http.StatusOK || !strings.Contains(body, "<h1 class=\"govuk-heading-l\">Sign in</h1>") {
			t.Fatalf("another user's hint: %d to %q, want the sign-in page", resp.StatusCode, resp.Header.Get("Location"))
		}

		// The user's own hint is answered from the session, as before.
		resp = authorize(pennyHint, "none")
		readBody(t, resp)
		if loc, _ := url.Parse(resp.Header.Get("Location")); loc == nil || loc.Query().Get("code") == "" {
			t.Fatalf("prompt=none with the user's own hint: %d to %q, want a code", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
}
