package app_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/password"
)

func devHash(t testing.TB) string {
	h := password.NewHasher(password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 2)
	s, err := h.Hash(t.Context(), testPassword)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// rp is a relying party built from a real OIDC client library.
type rp struct {
	provider *oidc.Provider
	conf     oauth2.Config
	verifier *oidc.IDTokenVerifier
	http     *http.Client
}

func (e *env) rp(clientID, secret, redirect string, scopes ...string) *rp {
	t := e.t
	t.Helper()
	ctx := oidc.ClientContext(t.Context(), e.srv.Client())
	p, err := oidc.NewProvider(ctx, e.issuer)
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	return &rp{
		provider: p,
		conf: oauth2.Config{
			ClientID: clientID, ClientSecret: secret, Endpoint: p.Endpoint(),
			RedirectURL: redirect, Scopes: append([]string{oidc.ScopeOpenID}, scopes...),
		},
		verifier: p.Verifier(&oidc.Config{ClientID: clientID}),
		http:     e.srv.Client(),
	}
}

// login runs the browser part of the code flow and returns the code.
func (e *env) login(c *http.Client, r *rp, verifier, nonce string, extra ...oauth2.AuthCodeOption) string {
	t := e.t
	t.Helper()
	opts := append([]oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce)}, extra...)
	back := e.signIn(c, r.conf.AuthCodeURL("st-1", opts...), testEmail, testPassword)
	if got := back.Query().Get("state"); got != "st-1" {
		t.Fatalf("state = %q, want st-1 (redirect %s)", got, back)
	}
	code := back.Query().Get("code")
	if code == "" {
		t.Fatalf("no code in redirect %s", back)
	}
	return code
}

func TestEndToEndCodeFlow(t *testing.T) {
	backendsWith(t, replayAfterGrace, endToEndCodeFlow)
}

// endToEndCodeFlow signs in through a real OIDC client, then exercises the
// tokens: userinfo, introspection, refresh and its replay, revocation and
// end_session.
func endToEndCodeFlow(t *testing.T, e *env) {
	r := e.rp("dashboard", dashSecret, dashRedirect, "profile", "email", "offline_access")
	ctx := oidc.ClientContext(t.Context(), r.http)
	browser := e.browser()
	verifier := oauth2.GenerateVerifier()
	code := e.login(browser, r, verifier, "n-0S6_WzA2Mj")

	tok, err := r.conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := r.verifier.Verify(ctx, raw)
	if err != nil {
		t.Fatalf("verify ID token against JWKS: %v", err)
	}
	var cl struct {
		Name  string   `json:"name"`
		Email string   `json:"email"`
		AMR   []string `json:"amr"`
		SID   string   `json:"sid"`
	}
	if err := idt.Claims(&cl); err != nil {
		t.Fatal(err)
	}
	if idt.Nonce != "n-0S6_WzA2Mj" || cl.Name != "Penny QQ Plumber" || cl.Email != testEmail || cl.SID == "" || !slices.Contains(cl.AMR, "pwd") {
		t.Errorf("ID token claims: nonce %q, %+v", idt.Nonce, cl)
	}
	if idt.Subject != "usr_penny" {
		t.Errorf("sub = %q", idt.Subject)
	}

	ui, err := r.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		t.Fatalf("userinfo: %v", err)
	}
	if ui.Subject != idt.Subject || ui.Email != testEmail {
		t.Errorf("userinfo = %+v", ui)
	}

	// Introspection by the client the token was issued to.
	intro := e.introspect(t, "dashboard", dashSecret, tok.AccessToken)
	if intro["active"] != true || intro["sub"] != "usr_penny" {
		t.Errorf("introspection = %v", intro)
	}

	// Refresh with rotation; reusing the old token revokes the family.
	rt1 := tok.RefreshToken
	if rt1 == "" {
		t.Fatal("no refresh token")
	}
	tok2 := e.refresh(t, "dashboard", dashSecret, rt1, http.StatusOK)
	rt2, _ := tok2["refresh_token"].(string)
	if rt2 == "" || rt2 == rt1 {
		t.Fatalf("refresh did not rotate: %v", tok2)
	}
	e.refresh(t, "dashboard", dashSecret, rt1, http.StatusBadRequest) // replay
	e.refresh(t, "dashboard", dashSecret, rt2, http.StatusBadRequest) // family revoked
	if at2, _ := tok2["access_token"].(string); e.introspect(t, "dashboard", dashSecret, at2)["active"] == true {
		t.Error("access token of a revoked family is still active")
	}

	// Revocation of an access token.
	code = e.login(browser, r, verifier, "n-2") // the session is reused: no sign-in page
	tok3, err := r.conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange 3: %v", err)
	}
	e.revoke(t, "dashboard", dashSecret, tok3.AccessToken)
	if e.introspect(t, "dashboard", dashSecret, tok3.AccessToken)["active"] == true {
		t.Error("revoked access token is still active")
	}
	if _, err := r.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok3)); err == nil {
		t.Error("userinfo accepted a revoked access token")
	}

	// end_session: the post-logout redirect is checked, the session ends.
	raw3, _ := tok3.Extra("id_token").(string)
	q := url.Values{"id_token_hint": {raw3}, "post_logout_redirect_uri": {dashLogoutURI}, "state": {"bye"}}
	resp, err := browser.Get(e.issuer + "/end_session?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	readBody(t, resp)
	if loc := resp.Header.Get("Location"); resp.StatusCode/100 != 3 || loc != dashLogoutURI+"?state=bye" {
		t.Fatalf("end_session: %d to %q", resp.StatusCode, loc)
	}
	resp, err = browser.Get(r.conf.AuthCodeURL("st-1", oauth2.S256ChallengeOption(verifier)))
	if err != nil {
		t.Fatal(err)
	}
	if body := mustStatus(t, resp, http.StatusOK); !strings.Contains(body, "<h1 class=\"govuk-heading-l\">Sign in</h1>") {
		t.Error("after end_session, /authorize did not ask for sign-in again")
	}
}

func (e *env) tokenRequest(t testing.TB, clientID, secret string, form url.Values) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, e.issuer+"/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if secret != "" {
		req.SetBasicAuth(clientID, secret)
	} else {
		form.Set("client_id", clientID)
		req.Body = http.NoBody
		req, _ = http.NewRequestWithContext(t.Context(), http.MethodPost, e.issuer+"/oauth/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("token request: %v", err)
	}
	var out map[string]any
	_ = json.Unmarshal([]byte(readBody(t, resp)), &out)
	return resp, out
}

func (e *env) refresh(t testing.TB, clientID, secret, rt string, want int) map[string]any {
	t.Helper()
	resp, out := e.tokenRequest(t, clientID, secret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
	if resp.StatusCode != want {
		t.Fatalf("refresh: status %d, want %d: %v", resp.StatusCode, want, out)
	}
	return out
}

func (e *env) introspect(t testing.TB, clientID, secret, token string) map[string]any {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, e.issuer+"/oauth/introspect",
		strings.NewReader(url.Values{"token": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(clientID, secret)
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(mustStatus(t, resp, http.StatusOK)), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func (e *env) revoke(t testing.TB, clientID, secret, token string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, e.issuer+"/revoke",
		strings.NewReader(url.Values{"token": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(clientID, secret)
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	mustStatus(t, resp, http.StatusOK)
}

func TestCodeSingleUseUnderConcurrency(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		r := e.rp(publicID, "", publicRedir, "profile")
		verifier := oauth2.GenerateVerifier()
		code := e.login(e.browser(), r, verifier, "n")
		form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {publicRedir}, "code_verifier": {verifier}}
		const n = 20
		var wg sync.WaitGroup
		issued := make(chan string, n) // access tokens of the exchanges that succeeded
		for range n {
			wg.Go(func() {
				resp, out := e.tokenRequest(t, publicID, "", url.Values(cloneValues(form)))
				if at, _ := out["access_token"].(string); resp.StatusCode == http.StatusOK {
					issued <- at
				}
			})
		}
		wg.Wait()
		close(issued)
		// A code presented more than once has every token it produced
		// revoked (RFC 6749 §4.1.2, issue 10 point 9): at most one exchange
		// answers 200, and its tokens die with the replays.
		ok := 0
		for at := range issued {
			ok++
			if got := e.userinfoStatus(t, at); got == http.StatusOK {
				t.Error("a token from a code exchanged concurrently still works")
			}
		}
		if ok > 1 {
			t.Errorf("%d of %d concurrent exchanges of one code succeeded, want at most 1", ok, n)
		}
	})
}

func cloneValues(v url.Values) map[string][]string {
	out := make(map[string][]string, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

func TestCodeIsBound(t *testing.T) {
	e := start(t, false)
	r := e.rp(publicID, "", publicRedir, "profile")
	browser := e.browser()
	exchange := func(mutate func(url.Values) string) (int, map[string]any) {
		verifier := oauth2.GenerateVerifier()
		code := e.login(browser, r, verifier, "n")
		form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {publicRedir}, "code_verifier": {verifier}}
		clientID := mutate(form)
		resp, out := e.tokenRequest(t, clientID, "", form)
		return resp.StatusCode, out
	}
	for _, tc := range []struct {
		name   string
		mutate func(url.Values) string
		want   int
	}{
		{"correct", func(url.Values) string { return publicID }, http.StatusOK},
		{"wrong verifier", func(f url.Values) string { f.Set("code_verifier", oauth2.GenerateVerifier()); return publicID }, http.StatusBadRequest},
		{"no verifier", func(f url.Values) string { f.Del("code_verifier"); return publicID }, http.StatusBadRequest},
		{"other redirect URI", func(f url.Values) string { f.Set("redirect_uri", "http://127.0.0.1:9999/callback"); return publicID }, http.StatusBadRequest},
		{"other client", func(f url.Values) string { return "dashboard" }, http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, out := exchange(tc.mutate)
			if status != tc.want && !(tc.want != http.StatusOK && status/100 == 4) {
				t.Errorf("status %d, want %d: %v", status, tc.want, out)
			}
			if tc.want != http.StatusOK && out["access_token"] != nil {
				t.Errorf("tokens issued: %v", out)
			}
		})
	}
}

func TestPKCERequiredForPublicClients(t *testing.T) {
	e := start(t, false)
	c := e.browser()
	for _, tc := range []struct{ name, query string }{
		{"no challenge", "response_type=code&client_id=dev-public&redirect_uri=" + url.QueryEscape(publicRedir) + "&scope=openid&state=s"},
		{"plain", "response_type=code&client_id=dev-public&redirect_uri=" + url.QueryEscape(publicRedir) + "&scope=openid&state=s&code_challenge=abcdefghijabcdefghijabcdefghijabcdefghij123&code_challenge_method=plain"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := c.Get(e.issuer + "/authorize?" + tc.query)
			if err != nil {
				t.Fatal(err)
			}
			readBody(t, resp)
			loc, _ := url.Parse(resp.Header.Get("Location"))
			if resp.StatusCode/100 != 3 || loc.Query().Get("error") != "invalid_request" {
				t.Errorf("got %d %s, want a redirect with error=invalid_request", resp.StatusCode, loc)
			}
		})
	}
}

func TestRedirectURIVariantsRefusedWithoutRedirect(t *testing.T) {
	e := start(t, false)
	c := e.browser()
	for _, uri := range []string{
		publicRedir + "?x=1",
		publicRedir + "#frag",
		"http://localhost:9998/callback",
		"http://evil.example/callback",
		"http://localhost:9999/callback/",
		"http://localhost:9999/callbackx",
		"http://localhost:9999/call",
		"http://localhost:9999@evil.example/callback",
		"http://evil.example@localhost:9999/callback",
		"HTTP://LOCALHOST:9999/callback",
		"javascript:alert(1)",
		"",
	} {
		t.Run(uri, func(t *testing.T) {
			q := url.Values{"response_type": {"code"}, "client_id": {publicID}, "redirect_uri": {uri}, "scope": {"openid"},
				"state": {"s"}, "code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"}}
			resp, err := c.Get(e.issuer + "/authorize?" + q.Encode())
			if err != nil {
				t.Fatal(err)
			}
			readBody(t, resp)
			if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
				t.Errorf("status %d, Location %q: want 400 and no redirect", resp.StatusCode, resp.Header.Get("Location"))
			}
		})
	}
	t.Run("unknown client", func(t *testing.T) {
		q := url.Values{"response_type": {"code"}, "client_id": {"nobody"}, "redirect_uri": {publicRedir}, "scope": {"openid"}}
		resp, err := c.Get(e.issuer + "/authorize?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		readBody(t, resp)
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
			t.Errorf("status %d, Location %q: want 400 and no redirect", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
}

func TestClientWithRS256GetsRS256IDTokens(t *testing.T) {
	e := startWith(t, false, func(c *config.Config) {
		for i := range c.Clients {
			if c.Clients[i].ID == "dashboard" {
				c.Clients[i].IDTokenAlg = "RS256"
			}
		}
	})
	r := e.rp("dashboard", dashSecret, dashRedirect, "profile")
	ctx := oidc.ClientContext(t.Context(), r.http)
	verifier := oauth2.GenerateVerifier()
	code := e.login(e.browser(), r, verifier, "n")
	tok, err := r.conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if _, err := r.verifier.Verify(ctx, raw); err != nil {
		t.Fatalf("verify: %v", err)
	}
	header, _, _ := strings.Cut(raw, ".")
	hb, _ := base64.RawURLEncoding.DecodeString(header)
	if !strings.Contains(string(hb), `"alg":"RS256"`) {
		t.Errorf("ID token header %s, want alg RS256", hb)
	}
	// Other clients keep the default (ES256).
	p := e.rp(publicID, "", publicRedir)
	v2 := oauth2.GenerateVerifier()
	code = e.login(e.browser(), p, v2, "n")
	tok, err = p.conf.Exchange(ctx, code, oauth2.VerifierOption(v2))
	if err != nil {
		t.Fatalf("exchange public: %v", err)
	}
	raw, _ = tok.Extra("id_token").(string)
	header, _, _ = strings.Cut(raw, ".")
	hb, _ = base64.RawURLEncoding.DecodeString(header)
	if !strings.Contains(string(hb), `"alg":"ES256"`) {
		t.Errorf("public client's ID token header %s, want ES256", hb)
	}
}
