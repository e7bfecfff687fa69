package oidcop

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/authstate/memauth"
	"github.com/carekey/carekey/internal/clock/clocktest"
	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/keys"
	"github.com/carekey/carekey/internal/session"
	"github.com/carekey/carekey/internal/session/memsession"
	"github.com/carekey/carekey/internal/store"
	"github.com/carekey/carekey/internal/store/memstore"
	"github.com/carekey/carekey/pkg/claims"
)

// testProvider is a Provider on memory backends with one user, Penny, who
// manages one child's account.
type testProvider struct {
	*Provider
	clk      *clocktest.Clock
	sessions *memsession.Store
	ended    []string // session IDs the LogoutNotifier was told of
}

var pennysChild = claims.Account{ID: "acc_charlie", Name: "Charlie QQ Cherry", Birthdate: "2013-11-07", Relationship: "child"}

func newTestProvider(t *testing.T) *testProvider {
	t.Helper()
	clk := clocktest.New(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	st := memstore.New()
	now := clk.Now()
	if err := st.CreateUser(t.Context(), store.User{
		ID: "usr_penny", Email: "penny.plumber.portal@example.com", EmailVerified: true,
		GivenName: "Penny QQ", FamilyName: "Plumber", Phone: "+447700900047", PhoneVerified: true,
		CreatedAt: now, UpdatedAt: now,
	}); err != nil {
		t.Fatal(err)
	}
	tp := &testProvider{clk: clk, sessions: memsession.New(clk)}
	p, err := New(Config{
		Issuer: "https://idp.example",
		Clients: []config.Client{{
			ID: "dashboard", Name: "Dashboard", GrantTypes: []string{"authorization_code", "refresh_token"},
			Scopes:         []string{"openid", "profile", "email", "phone", claims.ScopeAccounts, "offline_access"},
			RedirectURIs:   []string{"https://dashboard.example/callback", "https://app.example:8443/cb"},
			PostLogoutURIs: []string{"https://portal.example:443/"},
		}, {
			// A client that logs out by POST and takes the accounts claim
			// in its ID tokens.
			ID: "portal", Name: "Portal", Public: true, AuthMethod: "none",
			GrantTypes:        []string{"authorization_code"},
			Scopes:            []string{"openid", "profile", "phone", claims.ScopeAccounts},
			RedirectURIs:      []string{"https://portal.example/callback"},
			AccountsInIDToken: true,
		}},
		LoginURL:      func(id string) string { return "/login?authRequestID=" + id },
		Users:         st,
		RefreshTokens: st,
		State:         memauth.New(clk),
		Sessions:      tp.sessions,
		Keys:          noKeys{},
		Logout:        notifier{tp},
		Accounts: func(_ context.Context, userID string) ([]claims.Account, error) {
			if userID == "usr_penny" {
				return []claims.Account{pennysChild}, nil
			}
			return nil, nil
		},
		Algorithm: "ES256",
		CryptoKey: [32]byte{1, 2, 3},
		Tokens:    config.Tokens{IDTokenTTL: time.Hour, AccessTokenTTL: 5 * time.Minute, AuthRequestTTL: 30 * time.Minute, ACR: "https://refeds.org/profile/mfa"},
		Clock:     clk,
	})
	if err != nil {
		t.Fatal(err)
	}
	tp.Provider = p
	return tp
}

type notifier struct{ tp *testProvider }

func (n notifier) SessionEnded(_ context.Context, s session.Session) {
	n.tp.ended = append(n.tp.ended, s.ID)
}

// noKeys: these tests sign nothing.
type noKeys struct{}

func (noKeys) Signing(context.Context, string) (keys.Key, error) { return keys.Key{}, errNoKeys }
func (noKeys) Public(context.Context) ([]keys.Key, error)        { return nil, nil }

var errNoKeys = errors.New("test: no signing keys")

// newSession stores a live browser session of userID and returns its ID.
func (tp *testProvider) newSession(t *testing.T, id, userID string) string {
	t.Helper()
	now := tp.clk.Now()
	if err := tp.sessions.Create(t.Context(), session.Session{
		ID: id, UserID: userID, AuthTime: now, CreatedAt: now, LastSeen: now,
		IdleTimeout: 15 * time.Minute, ExpiresAt: now.Add(12 * time.Hour),
	}); err != nil {
		t.Fatal(err)
	}
	return id
}

func (tp *testProvider) alive(t *testing.T, id string) bool {
	t.Helper()
	_, err := tp.sessions.Get(t.Context(), id)
	return err == nil
}
