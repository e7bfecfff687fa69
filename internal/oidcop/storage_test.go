package oidcop

import (
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/carekey/carekey/internal/authstate"
	"github.com/carekey/carekey/internal/authstate/memauth"
	"github.com/carekey/carekey/internal/clock/clocktest"
	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/secret"
	"github.com/carekey/carekey/internal/session"
	"github.com/carekey/carekey/internal/session/memsession"
	"github.com/carekey/carekey/internal/store"
	"github.com/carekey/carekey/internal/store/memstore"
)

var t0 = time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)

type rig struct {
	clk   *clocktest.Clock
	st    *memstore.Store
	state *memauth.Store
	s     *storage
}

// newRig builds the provider's storage on memory backends with clients
// "portal" (capped at capPortal when set) and "other".
func newRig(t *testing.T, capPortal time.Duration) *rig {
	t.Helper()
	clk := clocktest.New(t0)
	st, state, sessions := memstore.New(), memauth.New(clk), memsession.New(clk)
	cfg := Config{
		Users: st, RefreshTokens: st, State: state, Sessions: sessions,
		Tokens:          config.Tokens{AccessTokenTTL: 5 * time.Minute, RefreshTokenTTL: 12 * time.Hour, CodeTTL: time.Minute},
		SessionAbsolute: 12 * time.Hour, Clock: clk, Logger: slog.New(slog.DiscardHandler),
	}
	s := &storage{cfg: cfg, clients: map[string]*client{
		"portal": {cfg: config.Client{ID: "portal", RefreshAbsoluteTimeout: capPortal, GrantTypes: []string{"authorization_code", "refresh_token"}}},
		"other":  {cfg: config.Client{ID: "other", GrantTypes: []string{"authorization_code", "refresh_token"}}},
		"admin":  {cfg: config.Client{ID: "admin", GrantTypes: []string{"client_credentials"}}},
	}}
	if err := st.CreateUser(t.Context(), store.User{ID: "usr_p", Email: "p@example.org", CreatedAt: t0, UpdatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	return &rig{clk: clk, st: st, state: state, s: s}
}

// exchange issues tokens for a code of client, signed in at authTime in
// session "cookie-1", as op does at the token endpoint.
func (r *rig) exchange(t *testing.T, client string, authTime time.Time) (accessID, refresh string) {
	t.Helper()
	ctx := t.Context()
	code := "code-" + client
	r.issueCode(t, authstate.AuthRequest{ID: "ar-" + client, ClientID: client, UserID: "usr_p", SessionID: "cookie-1", AuthTime: authTime,
		Scopes: []string{"openid", "offline_access"}, Done: true, CreatedAt: r.clk.Now(), ExpiresAt: r.clk.Now().Add(time.Hour)}, code)
	ar, err := r.s.AuthRequestByCode(ctx, code)
	if err != nil {
		t.Fatalf("AuthRequestByCode: %v", err)
	}
	accessID, refresh, _, err = r.s.CreateAccessAndRefreshTokens(ctx, ar, "")
	if err != nil {
		t.Fatalf("CreateAccessAndRefreshTokens: %v", err)
	}
	return accessID, refresh
}

// issueCode stores req, completed in the browser "browser-1" (its session
// alive), and issues code for it at the callback, as op does.
func (r *rig) issueCode(t *testing.T, req authstate.AuthRequest, code string) {
	t.Helper()
	ctx := t.Context()
	req.BrowserHash = browserHash("browser-1")
	if req.SessionID != "" {
		if _, err := r.s.cfg.Sessions.Get(ctx, req.SessionID); err != nil {
			if err := r.s.cfg.Sessions.(*memsession.Store).Create(ctx, session.Session{ID: req.SessionID, UserID: req.UserID, AuthTime: req.AuthTime,
				CreatedAt: req.AuthTime, LastSeen: r.clk.Now(), IdleTimeout: 48 * time.Hour, ExpiresAt: r.clk.Now().Add(48 * time.Hour)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := r.state.CreateAuthRequest(ctx, req); err != nil {
		t.Fatal(err)
	}
	if err := r.s.SaveAuthCode(WithBrowser(ctx, "browser-1"), req.ID, code); err != nil {
		t.Fatal(err)
	}
}

// refresh rotates rt as op does for the refresh_token grant.
func (r *rig) refresh(t *testing.T, rt string) (string, error) {
	t.Helper()
	req, err := r.s.TokenRequestByRefreshToken(t.Context(), rt)
	if err != nil {
		return "", err
	}
	_, next, _, err := r.s.CreateAccessAndRefreshTokens(t.Context(), req, rt)
	return next, err
}

func TestRefreshFamilyEnd(t *testing.T) {
	for _, tc := range []struct {
		name       string
		capPortal  time.Duration
		signedIn   time.Duration // before t0
		wantExpiry time.Duration // of the first token, after t0
	}{
		{"TTL first", 0, 0, 12 * time.Hour},
		{"session absolute end first", 0, 3 * time.Hour, 9 * time.Hour},
		{"client cap", 2 * time.Hour, 30 * time.Minute, 90 * time.Minute},
		{"client cap longer than the session", 30 * 24 * time.Hour, 0, 12 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, tc.capPortal)
			_, rt := r.exchange(t, "portal", t0.Add(-tc.signedIn))
			tok, err := r.st.GetRefreshToken(t.Context(), secret.HashToken(rt))
			if err != nil {
				t.Fatal(err)
			}
			if want := t0.Add(tc.wantExpiry); !tok.ExpiresAt.Equal(want) {
				t.Errorf("ExpiresAt = %v, want %v", tok.ExpiresAt, want)
			}
			if want := session.PublicID("cookie-1"); tok.SessionID != want {
				t.Errorf("SessionID = %q, want the public ID %q", tok.SessionID, want)
			}
		})
	}
	t.Run("rotation never extends the family", func(t *testing.T) {
		r := newRig(t, 2*time.Hour)
		_, rt := r.exchange(t, "portal", t0)
		var err error
		for range 2 {
			r.clk.Advance(40 * time.Minute)
			if rt, err = r.refresh(t, rt); err != nil {
				t.Fatalf("refresh at %v: %v", r.clk.Now().Sub(t0), err)
			}
		}
		if tok, _ := r.st.GetRefreshToken(t.Context(), secret.HashToken(rt)); !tok.ExpiresAt.Equal(t0.Add(2 * time.Hour)) {
			t.Errorf("rotated at 80m: ExpiresAt = %v, want the family's end %v", tok.ExpiresAt, t0.Add(2*time.Hour))
		}
		r.clk.Set(t0.Add(2*time.Hour - time.Nanosecond))
		if rt, err = r.refresh(t, rt); err != nil {
			t.Fatalf("refresh just before the end: %v", err)
		}
		r.clk.Set(t0.Add(2 * time.Hour))
		if _, err := r.refresh(t, rt); !errors.Is(err, op.ErrInvalidRefreshToken) {
			t.Errorf("refresh at the family's end: %v, want ErrInvalidRefreshToken", err)
		}
	})
}

func TestRevokeTokenOfAnotherClient(t *testing.T) {
	r := newRig(t, 0)
	ctx := t.Context()
	at, rt := r.exchange(t, "portal", t0)
	userID, rtID, err := r.s.GetRefreshTokenInfo(ctx, "other", rt)
	if err != nil || userID != "usr_p" || rtID != secret.HashToken(rt) {
		t.Fatalf("GetRefreshTokenInfo by another client = %q, %q, %v", userID, rtID, err)
	}
	for _, tc := range []struct{ name, tokenOrID string }{
		{"refresh token ID", rtID},
		{"refresh token as given (access_token hint)", rt},
		{"access token ID", at},
	} {
		t.Run(tc.name, func(t *testing.T) {
			oerr := r.s.RevokeToken(ctx, tc.tokenOrID, "usr_p", "other")
			if oerr == nil || oerr.ErrorType != oidc.UnauthorizedClient {
				t.Errorf("RevokeToken by another client = %v, want unauthorized_client", oerr)
			}
		})
	}
	if tok, _ := r.st.GetRefreshToken(ctx, rtID); !tok.RevokedAt.IsZero() {
		t.Error("another client's revocation revoked the refresh token")
	}
	if _, _, err := r.s.liveAccessToken(ctx, at, "usr_p"); err != nil {
		t.Errorf("another client's revocation killed the access token: %v", err)
	}
	if oerr := r.s.RevokeToken(ctx, rt, "", "portal"); oerr != nil {
		t.Fatalf("RevokeToken by its client: %v", oerr)
	}
	if tok, _ := r.st.GetRefreshToken(ctx, rtID); tok.RevokedAt.IsZero() {
		t.Error("the client could not revoke its own refresh token")
	}
	if oerr := r.s.RevokeToken(ctx, "unknown", "", "other"); oerr != nil {
		t.Errorf("RevokeToken of an unknown token = %v, want nil (RFC 7009 §2.2)", oerr)
	}
}

func TestTokensValidAfter(t *testing.T) {
	r := newRig(t, 0)
	ctx := t.Context()
	at, rt := r.exchange(t, "portal", t0)
	admin := authstate.AccessToken{ID: "at_admin", ClientID: "admin", Subject: "admin", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	if err := r.state.CreateAccessToken(ctx, admin); err != nil {
		t.Fatal(err)
	}
	r.clk.Advance(time.Second)
	if _, err := r.st.UpdateUser(ctx, "usr_p", func(u *store.User) ([]store.AuditEvent, error) {
		u.TokensValidAfter = r.clk.Now() // a password reset
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.s.liveAccessToken(ctx, at, "usr_p"); err == nil {
		t.Error("an access token issued before TokensValidAfter is live")
	}
	if _, err := r.s.TokenRequestByRefreshToken(ctx, rt); !errors.Is(err, op.ErrInvalidRefreshToken) {
		t.Errorf("refresh of a family signed in before TokensValidAfter: %v, want ErrInvalidRefreshToken", err)
	}
	if _, u, err := r.s.liveAccessToken(ctx, "at_admin", "admin"); err != nil || u.ID != "" {
		t.Errorf("a client-credentials token after a user's reset: user %q, %v; want no user, live", u.ID, err)
	}
	// Signed in again after the reset: the new tokens live.
	r.clk.Advance(time.Second)
	at2, rt2 := r.exchangeCode(t, "again", r.clk.Now())
	if _, u, err := r.s.liveAccessToken(ctx, at2, "usr_p"); err != nil || u.ID != "usr_p" {
		t.Errorf("a token issued after the reset: user %q, %v; want usr_p, live", u.ID, err)
	}
	if _, err := r.refresh(t, rt2); err != nil {
		t.Errorf("refresh of a family signed in after the reset: %v", err)
	}
}

// exchangeCode is exchange for the portal under another code and request ID.
func (r *rig) exchangeCode(t *testing.T, name string, authTime time.Time) (string, string) {
	t.Helper()
	ctx := t.Context()
	r.issueCode(t, authstate.AuthRequest{ID: "ar-" + name, ClientID: "portal", UserID: "usr_p", SessionID: "cookie-2", AuthTime: authTime,
		Scopes: []string{"openid", "offline_access"}, Done: true, CreatedAt: r.clk.Now(), ExpiresAt: r.clk.Now().Add(time.Hour)}, "code-"+name)
	ar, err := r.s.AuthRequestByCode(ctx, "code-"+name)
	if err != nil {
		t.Fatal(err)
	}
	at, rt, _, err := r.s.CreateAccessAndRefreshTokens(ctx, ar, "")
	if err != nil {
		t.Fatal(err)
	}
	return at, rt
}

// A code presented again revokes what its first exchange issued, and an
// exchange that records its tokens after the replay loses them.
func TestCodeReplay(t *testing.T) {
	r := newRig(t, 0)
	ctx := t.Context()
	at, rt := r.exchange(t, "portal", t0)
	if _, err := r.s.AuthRequestByCode(ctx, "code-portal"); err == nil {
		t.Fatal("a code was exchanged twice")
	}
	if _, _, err := r.s.liveAccessToken(ctx, at, "usr_p"); err == nil {
		t.Error("the first exchange's access token survived the replay")
	}
	if _, err := r.s.TokenRequestByRefreshToken(ctx, rt); !errors.Is(err, op.ErrInvalidRefreshToken) {
		t.Errorf("the first exchange's refresh token after the replay: %v", err)
	}

	// The replay arrives between the consumption and the token issue.
	r.issueCode(t, authstate.AuthRequest{ID: "ar-race", ClientID: "portal", UserID: "usr_p", AuthTime: t0, Scopes: []string{"openid"},
		Done: true, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}, "code-race")
	ar, err := r.s.AuthRequestByCode(ctx, "code-race")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.s.AuthRequestByCode(ctx, "code-race"); err == nil {
		t.Fatal("a code was exchanged twice")
	}
	if _, _, err := r.s.CreateAccessToken(ctx, ar); err == nil {
		t.Error("tokens issued for a code replayed during its exchange")
	}
}

// A code exchanged with offline_access records one token.issued, written
// with the family's first refresh token; a refresh records none (issue 13:
// the event rides in the token's own round trip).
func TestIssuedRecordedOnceWithTheRefreshToken(t *testing.T) {
	r := newRig(t, 0)
	r.s.cfg.Audit = r.st
	_, rt := r.exchange(t, "portal", t0)
	ctx := withClientID(t.Context(), "portal")
	req, err := r.s.TokenRequestByRefreshToken(ctx, rt)
	if err != nil {
		t.Fatalf("TokenRequestByRefreshToken: %v", err)
	}
	if _, _, _, err := r.s.CreateAccessAndRefreshTokens(ctx, req, rt); err != nil {
		t.Fatalf("refresh: %v", err)
	}
	evs, err := r.st.ListAudit(t.Context(), store.AuditFilter{Type: auditTokenIssued})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].Detail["grant"] != "authorization_code" || evs[0].Detail["refresh_token"] != "yes" ||
		evs[0].UserID != "usr_p" || evs[0].Actor != "client:portal" || !evs[0].Time.Equal(t0) {
		t.Errorf("token.issued events = %+v, want one for the code exchange with a refresh token", evs)
	}
}
