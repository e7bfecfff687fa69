package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/carekey/carekey/internal/clock/clocktest"
	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/secret"
)

// Attacks on tokens from issue 10 (points 3, 9, 10, 13, 14): each test
// fails on the code before the fix.

// offlineTokens signs browser c in at the dashboard with offline_access and
// exchanges the code: an access token, a refresh token and an ID token.
func (e *env) offlineTokens(t *testing.T, c *http.Client) *oauth2.Token {
	t.Helper()
	tok := e.dashboardTokens(t, c, "profile", "offline_access")
	if tok.RefreshToken == "" {
		t.Fatal("no refresh token")
	}
	return tok
}

// dashboardTokens signs browser c in at the dashboard for scopes and
// exchanges the code.
func (e *env) dashboardTokens(t *testing.T, c *http.Client, scopes ...string) *oauth2.Token {
	t.Helper()
	r := e.rp("dashboard", dashSecret, dashRedirect, scopes...)
	verifier := oauth2.GenerateVerifier()
	code := e.login(c, r, verifier, "n")
	tok, err := r.conf.Exchange(oidc.ClientContext(t.Context(), r.http), code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	return tok
}

// userinfoStatus is the status /userinfo answers for an access token.
func (e *env) userinfoStatus(t *testing.T, accessToken string) int {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, e.issuer+"/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+accessToken)
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	readBody(t, resp)
	return resp.StatusCode
}

// signOut presses the signed-in page's sign-out button in browser c.
func (e *env) signOut(t *testing.T, c *http.Client) {
	t.Helper()
	resp, err := c.Get(e.issuer + "/")
	if err != nil {
		t.Fatal(err)
	}
	csrf := csrfOf(t, mustStatus(t, resp, http.StatusOK))
	if body := mustStatus(t, post(t, c, e.issuer+"/logout", url.Values{"csrf_token": {csrf}}), http.StatusOK); !strings.Contains(body, "signed out") {
		t.Fatalf("sign-out: not signed out:\n%s", body)
	}
}

// resetPassword runs forgot password for the test user to newPassword, in a
// browser of its own.
func (e *env) resetPassword(t *testing.T) {
	t.Helper()
	c := e.browser()
	resp, err := c.Get(e.issuer + "/forgot-password")
	if err != nil {
		t.Fatal(err)
	}
	csrf := csrfOf(t, mustStatus(t, resp, http.StatusOK))
	mustStatus(t, post(t, c, e.issuer+"/forgot-password/email", url.Values{"csrf_token": {csrf}, "email": {testEmail}}), http.StatusOK)
	code := e.emailCode(t, testEmail)
	mustStatus(t, post(t, c, e.issuer+"/forgot-password/verify", url.Values{"csrf_token": {csrf}, "code": {code}}), http.StatusOK)
	body := mustStatus(t, post(t, c, e.issuer+"/forgot-password/password",
		url.Values{"csrf_token": {csrf}, "password": {newPassword}, "confirm_password": {newPassword}}), http.StatusOK)
	if !strings.Contains(body, "Your password has been changed") {
		t.Fatalf("password not changed:\n%s", body)
	}
}

// Point 3: signing out ends the refresh token families issued in the
// session, whichever way the session ends; another session's family lives on.
func TestRefreshEndsWithSession(t *testing.T) {
	for _, tc := range []struct {
		name string
		end  func(t *testing.T, e *env, c *http.Client, tok *oauth2.Token)
	}{
		{"sign-out button", func(t *testing.T, e *env, c *http.Client, _ *oauth2.Token) { e.signOut(t, c) }},
		{"end_session", func(t *testing.T, e *env, c *http.Client, tok *oauth2.Token) {
			raw, _ := tok.Extra("id_token").(string)
			q := url.Values{"id_token_hint": {raw}, "post_logout_redirect_uri": {dashLogoutURI}}
			resp, err := c.Get(e.issuer + "/end_session?" + q.Encode())
			if err != nil {
				t.Fatal(err)
			}
			readBody(t, resp)
			if resp.StatusCode/100 != 3 || resp.Header.Get("Location") != dashLogoutURI {
				t.Fatalf("end_session: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
			}
		}},
		{"password reset", func(t *testing.T, e *env, _ *http.Client, _ *oauth2.Token) { e.resetPassword(t) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			backends(t, func(t *testing.T, e *env) {
				c, other := e.browser(), e.browser()
				tok := e.offlineTokens(t, c)
				rotated, _ := e.refresh(t, "dashboard", dashSecret, tok.RefreshToken, http.StatusOK)["refresh_token"].(string)
				otherTok := e.offlineTokens(t, other)

				sid := e.cookie(t, c, "carekey_session")
				tc.end(t, e, c, tok)
				if _, err := e.app.Backends().Sessions.Get(t.Context(), sid); err == nil {
					t.Fatal("the session survived")
				}
				e.refresh(t, "dashboard", dashSecret, rotated, http.StatusBadRequest)
				if tc.name != "password reset" { // a reset ends every session of the user
					e.refresh(t, "dashboard", dashSecret, otherTok.RefreshToken, http.StatusOK)
				}
			})
		})
	}
}

// Point 3: a family ends at its sign-in plus sessions.absolute_timeout (or
// the client's refresh_absolute_timeout), however often it is rotated.
func TestRefreshAbsoluteCap(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*config.Config)
		every  time.Duration // refresh this often, all within the cap
		cap    time.Duration
	}{
		{"sessions.absolute_timeout", nil, 3 * time.Hour, 12 * time.Hour},
		{"clients[].refresh_absolute_timeout", func(c *config.Config) {
			for i := range c.Clients {
				if c.Clients[i].ID == "dashboard" {
					c.Clients[i].RefreshAbsoluteTimeout = time.Hour
				}
			}
		}, 20 * time.Minute, time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			backendsReal(t, func(t *testing.T, real bool) {
				// Sign-in at the real time: op computes expires_in against it.
				signin := time.Now().UTC().Truncate(time.Second)
				clk := clocktest.New(signin)
				e := startClocked(t, real, clk, false, tc.mutate)
				rt := e.offlineTokens(t, e.browser()).RefreshToken
				for elapsed := tc.every; elapsed < tc.cap; elapsed += tc.every {
					clk.Set(signin.Add(elapsed))
					rt, _ = e.refresh(t, "dashboard", dashSecret, rt, http.StatusOK)["refresh_token"].(string)
				}
				clk.Set(signin.Add(tc.cap - time.Second))
				next, _ := e.refresh(t, "dashboard", dashSecret, rt, http.StatusOK)["refresh_token"].(string)
				clk.Advance(time.Second)
				e.refresh(t, "dashboard", dashSecret, next, http.StatusBadRequest)
			})
		})
	}
}

// Point 9: a code presented a second time is refused, and the tokens its
// first exchange issued are revoked (RFC 6749 §4.1.2).
func TestCodeReplayRevokesTokens(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		r := e.rp(publicID, "", publicRedir, "profile", "offline_access")
		verifier := oauth2.GenerateVerifier()
		code := e.login(e.browser(), r, verifier, "n")
		form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {publicRedir}, "code_verifier": {verifier}}
		resp, tok := e.tokenRequest(t, publicID, "", url.Values(cloneValues(form)))
		at, _ := tok["access_token"].(string)
		rt, _ := tok["refresh_token"].(string)
		if resp.StatusCode != http.StatusOK || at == "" || rt == "" {
			t.Fatalf("first exchange: %d %v", resp.StatusCode, tok)
		}
		if got := e.userinfoStatus(t, at); got != http.StatusOK {
			t.Fatalf("userinfo before the replay: %d", got)
		}
		resp, out := e.tokenRequest(t, publicID, "", url.Values(cloneValues(form)))
		if resp.StatusCode != http.StatusBadRequest || out["access_token"] != nil {
			t.Fatalf("replayed code: %d %v, want 400 and no tokens", resp.StatusCode, out)
		}
		if got := e.userinfoStatus(t, at); got == http.StatusOK {
			t.Error("the first exchange's access token still works at userinfo after the replay")
		}
		e.refresh(t, publicID, "", rt, http.StatusBadRequest)
	})
}

// Point 10: a client cannot revoke another client's tokens: the request is
// refused (RFC 7009 §2.1) and the tokens keep working.
func TestRevokeOtherClientsToken(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		tok := e.offlineTokens(t, e.browser())
		for _, tc := range []struct{ name, token, hint string }{
			{"refresh token", tok.RefreshToken, ""},
			{"refresh token, hint refresh_token", tok.RefreshToken, "refresh_token"},
			{"refresh token, hint access_token", tok.RefreshToken, "access_token"},
			{"access token", tok.AccessToken, ""},
			{"access token, hint refresh_token", tok.AccessToken, "refresh_token"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				form := url.Values{"token": {tc.token}, "client_id": {publicID}}
				if tc.hint != "" {
					form.Set("token_type_hint", tc.hint)
				}
				resp, err := e.srv.Client().PostForm(e.issuer+"/revoke", form)
				if err != nil {
					t.Fatal(err)
				}
				body := readBody(t, resp)
				if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `"unauthorized_client"`) {
					t.Errorf("revoke by another client: %d %s, want 400 unauthorized_client", resp.StatusCode, body)
				}
			})
		}
		if got := e.userinfoStatus(t, tok.AccessToken); got != http.StatusOK {
			t.Errorf("the access token stopped working: userinfo %d", got)
		}
		e.refresh(t, "dashboard", dashSecret, tok.RefreshToken, http.StatusOK)
	})
}

// Point 14: a password reset, or an admin's reset of the phone, kills the
// user's access tokens at once (not when they expire), at userinfo and at
// introspection, and their refresh tokens.
func TestAccessTokenDiesAtPasswordReset(t *testing.T) {
	for _, tc := range []struct {
		name  string
		reset func(t *testing.T, e *env)
	}{
		{"password reset", func(t *testing.T, e *env) { e.resetPassword(t) }},
		{"admin reset-phone", func(t *testing.T, e *env) {
			e.admin(t, http.MethodPost, "/admin/v1/users/usr_penny/reset-phone", "", http.StatusOK)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			backends(t, func(t *testing.T, e *env) {
				c := e.browser()
				// An access token without a refresh token: revoking refresh
				// families does not reach it.
				tok := e.dashboardTokens(t, c, "profile")
				offline := e.offlineTokens(t, c)
				if got := e.userinfoStatus(t, tok.AccessToken); got != http.StatusOK {
					t.Fatalf("userinfo before the reset: %d", got)
				}
				tc.reset(t, e)
				if got := e.userinfoStatus(t, tok.AccessToken); got == http.StatusOK {
					t.Error("the access token still works at userinfo after the reset")
				}
				if e.introspect(t, "dashboard", dashSecret, tok.AccessToken)["active"] == true {
					t.Error("the access token is still active at introspection after the reset")
				}
				e.refresh(t, "dashboard", dashSecret, offline.RefreshToken, http.StatusBadRequest)
				// The admin API's own client-credentials token is not a user's: it still works.
				e.admin(t, http.MethodGet, "/admin/v1/users/usr_penny", "", http.StatusOK)
			})
		})
	}
}

// Point 13: refresh tokens store the session's public ID, not its cookie,
// and the sid of a refreshed ID token is the one the first ID token had.
func TestRefreshKeepsThePublicSID(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		c := e.browser()
		tok := e.offlineTokens(t, c)
		r := e.rp("dashboard", dashSecret, dashRedirect)
		sidOf := func(raw string) string {
			t.Helper()
			idt, err := r.verifier.Verify(oidc.ClientContext(t.Context(), r.http), raw)
			if err != nil {
				t.Fatalf("verify ID token: %v", err)
			}
			var cl struct {
				SID string `json:"sid"`
			}
			if err := idt.Claims(&cl); err != nil || cl.SID == "" {
				t.Fatalf("no sid (%v)", err)
			}
			return cl.SID
		}
		first, _ := tok.Extra("id_token").(string)
		out := e.refresh(t, "dashboard", dashSecret, tok.RefreshToken, http.StatusOK)
		refreshed, _ := out["id_token"].(string)
		if a, b := sidOf(first), sidOf(refreshed); a != b {
			t.Errorf("sid changed at refresh: %q then %q", a, b)
		}
		cookie := e.cookie(t, c, "carekey_session")
		rt, err := e.app.Backends().Store.GetRefreshToken(t.Context(), secret.HashToken(out["refresh_token"].(string)))
		if err != nil {
			t.Fatal(err)
		}
		if rt.SessionID == cookie || rt.SessionID != sidOf(first) {
			t.Errorf("refresh token's session_id %q: want the public sid %q, never the cookie", rt.SessionID, sidOf(first))
		}
	})
}
