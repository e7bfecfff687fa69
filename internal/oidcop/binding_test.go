package oidcop

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/carekey/carekey/internal/authstate"
	"github.com/carekey/carekey/internal/authstate/memauth"
	"github.com/carekey/carekey/internal/clock/clocktest"
	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/keys"
	"github.com/carekey/carekey/internal/session"
	"github.com/carekey/carekey/internal/session/memsession"
	"github.com/carekey/carekey/internal/store"
	"github.com/carekey/carekey/internal/store/memstore"
)

// bindingProvider is a Provider on memory backends with one public client and
// one user, penny, signed in with session "ses-penny".
type bindingProvider struct {
	p        *Provider
	clk      *clocktest.Clock
	st       *memstore.Store
	sessions *memsession.Store
	state    *memauth.Store
}

func newBindingProvider(t *testing.T) *bindingProvider {
	t.Helper()
	clk := clocktest.New(time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC))
	st := memstore.New()
	sessions := memsession.New(clk)
	state := memauth.New(clk)
	cipher, err := keys.NewCipher(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(Config{
		Issuer: "https://idp.example",
		Clients: []config.Client{{
			ID: "app", Public: true, RedirectURIs: []string{"https://app.example/cb"},
			Scopes: []string{"openid", "profile"}, GrantTypes: []string{"authorization_code"},
		}},
		LoginURL:      func(id string) string { return "/login?authRequestID=" + id },
		Users:         st,
		RefreshTokens: st,
		State:         state,
		Sessions:      sessions,
		Keys:          keys.NewManager(keys.Config{Store: st, Cipher: cipher, Clock: clk}),
		Algorithm:     "ES256",
		Tokens:        config.Tokens{AuthRequestTTL: 30 * time.Minute, CodeTTL: time.Minute, AccessTokenTTL: 5 * time.Minute, IDTokenTTL: 5 * time.Minute, RefreshTokenTTL: time.Hour},
		Clock:         clk,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if err := st.CreateUser(ctx, store.User{ID: "penny", Email: "penny@example.org", CreatedAt: clk.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := sessions.Create(ctx, session.Session{ID: "ses-penny", UserID: "penny", AuthTime: clk.Now(), CreatedAt: clk.Now(),
		LastSeen: clk.Now(), IdleTimeout: 15 * time.Minute, ExpiresAt: clk.Now().Add(12 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	return &bindingProvider{p: p, clk: clk, st: st, sessions: sessions, state: state}
}

// authorize creates an auth request as /authorize does, bound to browser.
func (tp *bindingProvider) authorize(t *testing.T, browser string) string {
	t.Helper()
	ctx := WithBrowser(t.Context(), browser)
	ar, err := tp.p.storage.CreateAuthRequest(ctx, &oidc.AuthRequest{
		ClientID: "app", RedirectURI: "https://app.example/cb", Scopes: []string{"openid"},
		ResponseType: oidc.ResponseTypeCode, CodeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
		CodeChallengeMethod: oidc.CodeChallengeMethodS256,
	}, "")
	if err != nil {
		t.Fatalf("CreateAuthRequest: %v", err)
	}
	return ar.GetID()
}

func (tp *bindingProvider) complete(ctx context.Context, id, browser string) error {
	_, err := tp.p.CompleteAuthRequest(ctx, id, Login{UserID: "penny", SessionID: "ses-penny", AuthTime: tp.clk.Now(), AMR: []string{"pwd", "sms", "mfa"}, Browser: browser})
	return err
}

const (
	browserA = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	browserB = "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
)

func TestAuthRequestWithoutBrowserRefused(t *testing.T) {
	tp := newBindingProvider(t)
	_, err := tp.p.storage.CreateAuthRequest(t.Context(), &oidc.AuthRequest{
		ClientID: "app", RedirectURI: "https://app.example/cb", ResponseType: oidc.ResponseTypeCode,
		CodeChallenge: "x", CodeChallengeMethod: oidc.CodeChallengeMethodS256,
	}, "")
	if err == nil {
		t.Fatal("an auth request without a browser binding was created")
	}
}

func TestAuthRequestStoresOnlyTheBindingHash(t *testing.T) {
	tp := newBindingProvider(t)
	id := tp.authorize(t, browserA)
	r, err := tp.state.GetAuthRequest(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if r.BrowserHash == "" || r.BrowserHash == browserA {
		t.Errorf("BrowserHash = %q: want the token's hash, never the token", r.BrowserHash)
	}
	if !SameBrowser(r, browserA) || SameBrowser(r, browserB) || SameBrowser(r, "") {
		t.Error("SameBrowser does not tell the binding browser from others")
	}
	if SameBrowser(authstate.AuthRequest{}, "") {
		t.Error("an unbound request belongs to the empty token")
	}
}

func TestCompleteFromAnotherBrowserRefused(t *testing.T) {
	tp := newBindingProvider(t)
	id := tp.authorize(t, browserA)
	if err := tp.complete(t.Context(), id, browserB); !errors.Is(err, ErrWrongBrowser) {
		t.Fatalf("complete from browser B = %v, want ErrWrongBrowser", err)
	}
	if r, _ := tp.state.GetAuthRequest(t.Context(), id); r.Done {
		t.Fatal("the request was completed by the wrong browser")
	}
	if err := tp.complete(t.Context(), id, browserA); err != nil {
		t.Fatalf("complete from browser A: %v", err)
	}
}

func TestCallbackRules(t *testing.T) {
	for _, tc := range []struct {
		name     string
		complete bool
		browser  string
		before   func(tp *bindingProvider)
		want     error
	}{
		{name: "own browser, signed in", complete: true, browser: browserA},
		{name: "not signed in", browser: browserA, want: ErrNotSignedIn},
		{name: "other browser", complete: true, browser: browserB, want: ErrWrongBrowser},
		{name: "no browser", complete: true, browser: "", want: ErrWrongBrowser},
		{name: "session ended", complete: true, browser: browserA, want: ErrSessionEnded, before: func(tp *bindingProvider) {
			_ = tp.sessions.Delete(context.Background(), "ses-penny")
		}},
		{name: "credentials reset", complete: true, browser: browserA, want: ErrSessionEnded, before: func(tp *bindingProvider) {
			tp.clk.Advance(time.Second)
			_, _ = tp.st.UpdateUser(context.Background(), "penny", func(u *store.User) ([]store.AuditEvent, error) {
				u.TokensValidAfter = tp.clk.Now()
				return nil, nil
			})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tp := newBindingProvider(t)
			id := tp.authorize(t, browserA)
			if tc.complete {
				if err := tp.complete(t.Context(), id, browserA); err != nil {
					t.Fatal(err)
				}
			}
			if tc.before != nil {
				tc.before(tp)
			}
			if err := tp.p.CheckCallback(t.Context(), id, tc.browser); !errors.Is(err, tc.want) && !(tc.want == nil && err == nil) {
				t.Errorf("CheckCallback = %v, want %v", err, tc.want)
			}
			err := tp.p.storage.SaveAuthCode(WithBrowser(t.Context(), tc.browser), id, "code-1")
			if (err == nil) != (tc.want == nil) {
				t.Errorf("SaveAuthCode = %v, want an error: %v", err, tc.want != nil)
			}
		})
	}
}

func TestOneCodePerRequest(t *testing.T) {
	tp := newBindingProvider(t)
	id := tp.authorize(t, browserA)
	if err := tp.complete(t.Context(), id, browserA); err != nil {
		t.Fatal(err)
	}
	ctx := WithBrowser(t.Context(), browserA)
	if err := tp.p.storage.SaveAuthCode(ctx, id, "code-1"); err != nil {
		t.Fatalf("first code: %v", err)
	}
	if err := tp.p.storage.SaveAuthCode(ctx, id, "code-2"); err == nil {
		t.Fatal("a second code was saved for one auth request")
	}
	if err := tp.p.CheckCallback(t.Context(), id, browserA); !errors.Is(err, ErrCodeIssued) {
		t.Errorf("CheckCallback after the code = %v, want ErrCodeIssued", err)
	}
	if _, err := tp.p.storage.AuthRequestByCode(t.Context(), "code-2"); err == nil {
		t.Error("the refused second code was redeemable")
	}
}

func TestCodeDiesWithItsSession(t *testing.T) {
	tp := newBindingProvider(t)
	id := tp.authorize(t, browserA)
	if err := tp.complete(t.Context(), id, browserA); err != nil {
		t.Fatal(err)
	}
	if err := tp.p.storage.SaveAuthCode(WithBrowser(t.Context(), browserA), id, "code-1"); err != nil {
		t.Fatal(err)
	}
	if err := tp.sessions.Delete(t.Context(), "ses-penny"); err != nil {
		t.Fatal(err)
	}
	if _, err := tp.p.storage.AuthRequestByCode(t.Context(), "code-1"); err == nil {
		t.Fatal("a code whose session ended was redeemed")
	}
}
