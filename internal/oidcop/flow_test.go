package oidcop

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/carekey/carekey/internal/authstate/memauth"
	"github.com/carekey/carekey/internal/clock"
	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/keys"
	"github.com/carekey/carekey/internal/session"
	"github.com/carekey/carekey/internal/session/memsession"
	"github.com/carekey/carekey/internal/store"
	"github.com/carekey/carekey/internal/store/memstore"
)

// TestCodeFlowThroughTheProvider runs the whole code flow against the
// provider alone, with a real OIDC client library: /authorize hands over to
// the login UI, the sign-in completes the request (CompleteAuthRequest, as
// internal/web does), the callback issues the code, and the client exchanges
// it, verifies the ID token against /keys, reads userinfo, introspects,
// refreshes and revokes.
func TestCodeFlowThroughTheProvider(t *testing.T) {
	ctx := t.Context()
	const secret = "app-secret-for-the-test"
	sum := sha256.Sum256([]byte(secret))
	e := newFlowEnv(t, []config.Client{{
		ID: "app", Name: "The app", SecretHash: "sha256:" + hex.EncodeToString(sum[:]), AuthMethod: "client_secret_basic",
		RedirectURIs: []string{"https://app.example/cb"}, Scopes: []string{"openid", "profile", "email", "offline_access"},
		GrantTypes: []string{"authorization_code", "refresh_token"},
	}}, nil)
	p, srv, hc, octx, refresh, now := e.p, e.srv, e.hc, e.octx, e.refresh, e.now
	if algs := p.Algorithms(); len(algs) != 1 || algs[0] != "ES256" {
		t.Errorf("Algorithms = %v", algs)
	}
	if p.ClientName("app") != "The app" || p.ClientName("nobody") != "nobody" {
		t.Error("ClientName")
	}
	op := e.provider
	conf := oauth2.Config{ClientID: "app", ClientSecret: secret, Endpoint: op.Endpoint(), RedirectURL: "https://app.example/cb",
		Scopes: []string{oidc.ScopeOpenID, "profile", "email", oidc.ScopeOfflineAccess}}
	verifier := oauth2.GenerateVerifier()
	code := e.code(t, conf, verifier, "st-1", "n-1")

	// The client exchanges the code and verifies the ID token against /keys.
	tok, err := conf.Exchange(octx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := op.Verifier(&oidc.Config{ClientID: "app"}).Verify(octx, raw)
	if err != nil {
		t.Fatalf("ID token: %v", err)
	}
	var cl struct {
		Nonce    string   `json:"nonce"`
		AMR      []string `json:"amr"`
		ACR      string   `json:"acr"`
		AuthTime int64    `json:"auth_time"`
		SID      string   `json:"sid"`
		Name     string   `json:"name"`
	}
	if err := idt.Claims(&cl); err != nil || idt.Subject != "usr_penny" || cl.Nonce != "n-1" || cl.SID != session.PublicID("ses-st-1") ||
		strings.Join(cl.AMR, " ") != "pwd sms mfa" || cl.Name != "Penny Plumber" ||
		cl.ACR != "https://refeds.org/profile/mfa" || cl.AuthTime != now.Unix() {
		t.Errorf("ID token %s claims %+v (%v); want acr https://refeds.org/profile/mfa and auth_time %d", idt.Subject, cl, err, now.Unix())
	}

	// Userinfo and introspection know the access token; the admin API's check too.
	ui, err := op.UserInfo(octx, oauth2.StaticTokenSource(tok))
	if err != nil || ui.Subject != "usr_penny" || ui.Email != "penny@example.org" {
		t.Errorf("userinfo: %+v, %v", ui, err)
	}
	if at, err := p.AccessToken(ctx, tok.AccessToken); err != nil || at.Subject != "usr_penny" || at.ClientID != "app" {
		t.Errorf("AccessToken: %+v, %v", at, err)
	}
	if _, err := p.AccessToken(ctx, "not a token"); err == nil {
		t.Error("AccessToken accepted garbage")
	}
	intro := postForm(t, hc, srv.URL+"/oauth/introspect", secret, url.Values{"token": {tok.AccessToken}})
	if intro["active"] != true || intro["sub"] != "usr_penny" {
		t.Errorf("introspection: %v", intro)
	}
	// client_secret_post works wherever client_secret_basic does (issue 15);
	// a wrong secret in the form is refused.
	intro = postForm(t, hc, srv.URL+"/oauth/introspect", "", url.Values{"token": {tok.AccessToken}, "client_id": {"app"}, "client_secret": {secret}})
	if intro["active"] != true || intro["sub"] != "usr_penny" {
		t.Errorf("introspection with client_secret_post: %v", intro)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/oauth/introspect",
		strings.NewReader(url.Values{"token": {tok.AccessToken}, "client_id": {"app"}, "client_secret": {"wrong"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if resp, err := hc.Do(req); err != nil {
		t.Fatal(err)
	} else {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode < 400 || strings.Contains(string(b), "usr_penny") {
			t.Errorf("introspection with a wrong client_secret in the form: %d %s", resp.StatusCode, b)
		}
	}

	// A backend that fails during a refresh is 503 with Retry-After, never
	// invalid_grant: the client keeps its token and it still works after.
	refresh.fail.Store(true)
	req, _ = http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/oauth/token",
		strings.NewReader(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("app", secret)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || strings.Contains(string(body), "invalid_grant") {
		t.Errorf("refresh with the store failing: %d, Retry-After %q, %s; want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	refresh.fail.Store(false)

	// Refresh rotates; revoking the new token ends the family.
	fresh, err := conf.TokenSource(octx, &oauth2.Token{RefreshToken: tok.RefreshToken, Expiry: time.Now().Add(-time.Hour)}).Token()
	if err != nil || fresh.RefreshToken == "" || fresh.RefreshToken == tok.RefreshToken {
		t.Fatalf("refresh: %v, %v", fresh, err)
	}
	// The refreshed ID token keeps the sign-in's acr, amr and auth_time
	// (OpenID Connect Core §12.2).
	raw, _ = fresh.Extra("id_token").(string)
	if idt, err = op.Verifier(&oidc.Config{ClientID: "app"}).Verify(octx, raw); err != nil {
		t.Fatalf("refreshed ID token: %v", err)
	}
	cl.ACR, cl.AuthTime, cl.AMR = "", 0, nil
	if err := idt.Claims(&cl); err != nil || cl.ACR != "https://refeds.org/profile/mfa" || cl.AuthTime != now.Unix() || strings.Join(cl.AMR, " ") != "pwd sms mfa" {
		t.Errorf("refreshed ID token claims %+v (%v); want the sign-in's acr, amr and auth_time", cl, err)
	}
	postForm(t, hc, srv.URL+"/revoke", secret, url.Values{"token": {fresh.RefreshToken}, "token_type_hint": {"refresh_token"}})
	if _, err := conf.TokenSource(octx, &oauth2.Token{RefreshToken: fresh.RefreshToken, Expiry: time.Now().Add(-time.Hour)}).Token(); err == nil {
		t.Error("a revoked refresh token refreshed")
	}
}

// postForm posts form to u as the client "app" and decodes the JSON answer.
func postForm(t *testing.T, hc *http.Client, u, secret string, form url.Values) map[string]any {
	t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if secret != "" {
		req.SetBasicAuth("app", secret)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %d %s", u, resp.StatusCode, b)
	}
	out := map[string]any{}
	if len(b) > 0 {
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("POST %s: %v: %s", u, err, b)
		}
	}
	return out
}

// flakyRefreshTokens is the store with its refresh token reads failing on demand, as
// a database that stopped answering does.
type flakyRefreshTokens struct {
	*memstore.Store
	fail atomic.Bool
}

func (f *flakyRefreshTokens) GetRefreshToken(ctx context.Context, id string) (store.RefreshToken, error) {
	if f.fail.Load() {
		return store.RefreshToken{}, errors.New("read tcp 10.0.0.5:5432: connection reset by peer")
	}
	return f.Store.GetRefreshToken(ctx, id)
}

func (f *flakyRefreshTokens) GetRefreshTokenWithUser(ctx context.Context, id string) (store.RefreshToken, store.User, error) {
	if f.fail.Load() {
		return store.RefreshToken{}, store.User{}, errors.New("read tcp 10.0.0.5:5432: connection reset by peer")
	}
	return f.Store.GetRefreshTokenWithUser(ctx, id)
}

// flowEnv is a provider served over TLS with the memory backends, Penny as its
// user, and an OIDC client library pointed at it (newFlowEnv).
type flowEnv struct {
	p        *Provider
	srv      *httptest.Server
	hc       *http.Client // does not follow redirects
	octx     context.Context
	provider *oidc.Provider
	sessions *memsession.Store
	refresh  *flakyRefreshTokens
	now      time.Time
}

const flowBrowser = "a-browser-binding-token-for-the-flow-test"

// newFlowEnv serves a provider for clients; tweak, if not nil, changes its
// config first.
func newFlowEnv(t *testing.T, clients []config.Client, tweak func(*Config)) *flowEnv {
	t.Helper()
	ctx := t.Context()
	st, sessions := memstore.New(), memsession.New(clock.System())
	refresh := &flakyRefreshTokens{Store: st}
	cipher, err := keys.NewCipher(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	cfg := Config{
		Issuer:        srv.URL,
		Clients:       clients,
		LoginURL:      func(id string) string { return "/login?authRequestID=" + id },
		Users:         st,
		RefreshTokens: refresh,
		Audit:         st,
		State:         memauth.New(clock.System()),
		Sessions:      sessions,
		Keys:          keys.NewManager(keys.Config{Store: st, Cipher: cipher}),
		Algorithm:     "ES256",
		CryptoKey:     [32]byte{9},
		Tokens: config.Tokens{AuthRequestTTL: 30 * time.Minute, CodeTTL: time.Minute, AccessTokenTTL: 5 * time.Minute,
			IDTokenTTL: 5 * time.Minute, RefreshTokenTTL: time.Hour, RefreshRetryGrace: time.Nanosecond, ACR: "https://refeds.org/profile/mfa"},
		SessionAbsolute: 12 * time.Hour,
		Clock:           clock.System(),
	}
	if tweak != nil {
		tweak(&cfg)
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// The web layer puts the browser's binding in every request's context.
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.Handler().ServeHTTP(w, r.WithContext(WithBrowser(r.Context(), flowBrowser)))
	})
	now := time.Now().UTC()
	if err := st.CreateUser(ctx, store.User{ID: "usr_penny", Email: "penny@example.org", EmailVerified: true,
		GivenName: "Penny", FamilyName: "Plumber", CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	hc := srv.Client()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	octx := oidc.ClientContext(ctx, hc)
	provider, err := oidc.NewProvider(octx, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return &flowEnv{p: p, srv: srv, hc: hc, octx: octx, provider: provider, sessions: sessions, refresh: refresh, now: now}
}

// code runs /authorize for conf, signs Penny in as the web layer does
// (CompleteAuthRequest) and returns the code the callback gives.
func (e *flowEnv) code(t *testing.T, conf oauth2.Config, verifier, state, nonce string) string {
	t.Helper()
	ctx, p, hc, now := t.Context(), e.p, e.hc, e.now
	// /authorize hands over to the login UI.
	resp, err := hc.Get(conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	login, _ := url.Parse(resp.Header.Get("Location"))
	id := login.Query().Get("authRequestID")
	if login.Path != "/login" || id == "" {
		t.Fatalf("authorize: %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	ar, err := p.AuthRequest(ctx, id)
	if err != nil || ar.ClientID != conf.ClientID || ar.State != state || ar.Nonce != nonce {
		t.Fatalf("stored request %+v, %v", ar, err)
	}

	// The sign-in completes it, then the callback issues the code.
	sid := "ses-" + state
	if err := e.sessions.Create(ctx, session.Session{ID: sid, UserID: "usr_penny", AuthTime: now, AMR: []string{"pwd", "sms", "mfa"},
		CreatedAt: now, LastSeen: now, IdleTimeout: 15 * time.Minute, ExpiresAt: now.Add(12 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	next, err := p.CompleteAuthRequest(ctx, id, Login{UserID: "usr_penny", SessionID: sid, AuthTime: now, AMR: []string{"pwd", "sms", "mfa"}, Browser: flowBrowser})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.CheckCallback(ctx, id, flowBrowser); err != nil {
		t.Fatalf("CheckCallback: %v", err)
	}
	resp, err = hc.Get(next)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back, _ := url.Parse(resp.Header.Get("Location"))
	code := back.Query().Get("code")
	redirect, _ := url.Parse(conf.RedirectURL)
	if back.Host != redirect.Host || back.Query().Get("state") != state || code == "" {
		t.Fatalf("callback: %d, Location %q", resp.StatusCode, back)
	}
	return code
}
