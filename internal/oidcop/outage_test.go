package oidcop

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/carekey/carekey/internal/authstate"
	"github.com/carekey/carekey/internal/secret"
	"github.com/carekey/carekey/internal/store"
	"github.com/carekey/carekey/internal/store/memstore"
)

// downState is a state store whose writes of access tokens fail while down,
// as Redis does in an outage.
type downState struct {
	authstate.Store
	down bool
}

var errRedisDown = errors.New("dial tcp 127.0.0.1:6379: connect: connection refused")

func (d *downState) SaveCode(ctx context.Context, codeHash, authRequestID string, expiresAt time.Time) error {
	if d.down {
		return errRedisDown
	}
	return d.Store.SaveCode(ctx, codeHash, authRequestID, expiresAt)
}

func (d *downState) DeleteAuthRequest(ctx context.Context, id string) error {
	if d.down {
		return errRedisDown
	}
	return d.Store.DeleteAuthRequest(ctx, id)
}

func (d *downState) CreateAccessToken(ctx context.Context, t authstate.AccessToken) error {
	if d.down {
		return errRedisDown
	}
	return d.Store.CreateAccessToken(ctx, t)
}

// refreshAs rotates rt for client, as op does for the refresh_token grant
// once it has authenticated client (Provider.Handler puts its ID in ctx).
func (r *rig) refreshAs(t *testing.T, client, rt string) (string, error) {
	t.Helper()
	ctx := withClientID(t.Context(), client)
	req, err := r.s.TokenRequestByRefreshToken(ctx, rt)
	if err != nil {
		return "", err
	}
	_, next, _, err := r.s.CreateAccessAndRefreshTokens(ctx, req, rt)
	return next, err
}

// A refresh that fails because the state store is down consumes nothing:
// the client's token works once it is back, and its family lives on.
func TestRefreshSurvivesStateOutage(t *testing.T) {
	r := newRig(t, 0)
	state := &downState{Store: r.state}
	r.s.cfg.State = state
	_, rt := r.exchange(t, "portal", t0)

	state.down = true
	r.clk.Advance(time.Minute)
	_, err := r.refreshAs(t, "portal", rt)
	var oe *oidc.Error
	if !errors.As(err, &oe) || oe.ErrorType != oidc.ServerError {
		t.Fatalf("refresh in the outage: %v, want server_error", err)
	}
	if tok, _ := r.st.GetRefreshToken(t.Context(), secret.HashToken(rt)); !tok.UsedAt.IsZero() {
		t.Error("the refresh token was consumed by a refresh that failed")
	}

	state.down = false
	r.clk.Advance(time.Hour) // long after any retry grace
	next, err := r.refreshAs(t, "portal", rt)
	if err != nil {
		t.Fatalf("refresh after the outage: %v", err)
	}
	if _, err := r.refreshAs(t, "portal", next); err != nil {
		t.Errorf("its successor: %v", err)
	}
}

// A refresh retried within the grace (its answer lost) is served again; the
// successor the client never received is dead, and a replay of it, or of
// the first token after the grace, revokes the family.
func TestRefreshRetryGrace(t *testing.T) {
	const grace = 30 * time.Second
	for _, tc := range []struct {
		name      string
		after     time.Duration // between the refresh and its repetition
		useFirst  bool          // the client used the first answer before the repetition
		client    string        // presenting the token again
		wantRetry bool
	}{
		{"retry at once", 0, false, "portal", true},
		{"retry at the end of the grace", grace, false, "portal", true},
		{"replay after the grace", grace + time.Nanosecond, false, "portal", false},
		{"replay after the successor was used", time.Second, true, "portal", false},
		{"replay by another client", 0, false, "other", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, 0)
			r.s.cfg.Tokens.RefreshRetryGrace = grace
			_, rt := r.exchange(t, "portal", t0)
			lost, err := r.refreshAs(t, "portal", rt)
			if err != nil {
				t.Fatal(err)
			}
			if tc.useFirst {
				if _, err := r.refreshAs(t, "portal", lost); err != nil {
					t.Fatal(err)
				}
			}
			r.clk.Advance(tc.after)
			again, err := r.refreshAs(t, tc.client, rt)
			if !tc.wantRetry {
				if !errors.Is(err, op.ErrInvalidRefreshToken) {
					t.Fatalf("replay: %v, want ErrInvalidRefreshToken", err)
				}
				tok, _ := r.st.GetRefreshToken(t.Context(), secret.HashToken(lost))
				if tok.RevokedAt.IsZero() {
					t.Error("a replay left the family alive")
				}
				return
			}
			if err != nil {
				t.Fatalf("retry: %v", err)
			}
			if again == lost {
				t.Error("the retry returned the lost token")
			}
			r.clk.Advance(time.Minute)
			if _, err := r.refreshAs(t, "portal", again); err != nil {
				t.Errorf("the retry's token: %v", err)
			}
			// The lost answer surfacing now is a replay.
			if _, err := r.refreshAs(t, "portal", lost); !errors.Is(err, op.ErrInvalidRefreshToken) {
				t.Errorf("lost token presented: %v, want ErrInvalidRefreshToken", err)
			}
			if tok, _ := r.st.GetRefreshToken(t.Context(), secret.HashToken(again)); tok.RevokedAt.IsZero() {
				t.Error("presenting the lost token left the family alive")
			}
		})
	}
}

// downStore is the system of record during a PostgreSQL outage.
type downStore struct{ *memstore.Store }

var errPostgresDown = errors.New(`failed to connect to user=carekey database=carekey: 10.0.0.5:5432 (db.internal): dial error`)

func (downStore) GetUser(context.Context, string) (store.User, error) {
	return store.User{}, errPostgresDown
}
func (downStore) GetRefreshToken(context.Context, string) (store.RefreshToken, error) {
	return store.RefreshToken{}, errPostgresDown
}
func (downStore) GetRefreshTokenWithUser(context.Context, string) (store.RefreshToken, store.User, error) {
	return store.RefreshToken{}, store.User{}, errPostgresDown
}
func (downStore) CreateRefreshToken(context.Context, store.RefreshToken, ...store.AuditEvent) error {
	return errPostgresDown
}
func (downStore) RevokeRefreshFamily(context.Context, string, time.Time) error {
	return errPostgresDown
}

// Every storage method op calls answers a backend failure as server_error
// with no description: op sends the description to the client, and the
// cause names the database, its user and its address. The cause stays
// the parent, for the log.
func TestBackendErrorsAreGeneric(t *testing.T) {
	r := newRig(t, 0)
	ctx := t.Context()
	at, rt := r.exchange(t, "portal", t0)
	r.issueCode(t, authstate.AuthRequest{ID: "ar-2", ClientID: "portal", UserID: "usr_p", SessionID: "cookie-1", AuthTime: t0,
		Scopes: []string{"openid", "offline_access"}, Done: true, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}, "code-2")
	codeReq, err := r.s.AuthRequestByCode(ctx, "code-2")
	if err != nil {
		t.Fatal(err)
	}
	if err := r.state.CreateAuthRequest(ctx, authstate.AuthRequest{ID: "ar-3", ClientID: "portal", UserID: "usr_p", SessionID: "cookie-1",
		AuthTime: t0, Done: true, BrowserHash: browserHash("browser-1"), CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	down := downStore{r.st}
	r.s.cfg.Users, r.s.cfg.RefreshTokens = down, down
	state := &downState{Store: r.state, down: true}
	r.s.cfg.State = state
	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"TokenRequestByRefreshToken", func() error { _, err := r.s.TokenRequestByRefreshToken(ctx, rt); return err }},
		{"CreateAccessAndRefreshTokens", func() error {
			_, _, _, err := r.s.CreateAccessAndRefreshTokens(ctx, codeReq, "")
			return err
		}},
		{"CreateAccessAndRefreshTokens refresh", func() error {
			_, _, _, err := r.s.CreateAccessAndRefreshTokens(ctx, &refreshRequest{}, rt)
			return err
		}},
		{"SetUserinfoFromToken", func() error {
			return r.s.SetUserinfoFromToken(ctx, new(oidc.UserInfo), at, "usr_p", "")
		}},
		{"SetUserinfoFromScopes", func() error {
			return r.s.SetUserinfoFromScopes(ctx, new(oidc.UserInfo), "usr_p", "portal", []string{"openid"})
		}},
		{"SaveAuthCode", func() error { return r.s.SaveAuthCode(WithBrowser(ctx, "browser-1"), "ar-3", "code-3") }},
		{"SaveAuthCode with the user readable", func() error {
			r.s.cfg.Users = r.st
			defer func() { r.s.cfg.Users = down }()
			return r.s.SaveAuthCode(WithBrowser(ctx, "browser-1"), "ar-3", "code-3")
		}},
		{"DeleteAuthRequest", func() error { return r.s.DeleteAuthRequest(ctx, "ar-3") }},
		{"GetRefreshTokenInfo", func() error { _, _, err := r.s.GetRefreshTokenInfo(ctx, "portal", rt); return err }},
		{"RevokeToken", func() error {
			if err := r.s.RevokeToken(ctx, secret.HashToken(rt), "", "portal"); err != nil {
				return err
			}
			return nil
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if err == nil {
				t.Fatal("no error with the database down")
			}
			e := oidc.DefaultToServerError(err, err.Error()) // as op answers it
			if e.Description != "" {
				t.Errorf("description sent to the client = %q, want none", e.Description)
			}
			if e.ErrorType != oidc.ServerError {
				t.Errorf("error = %q, want server_error", e.ErrorType)
			}
			if !errors.Is(err, errPostgresDown) && !errors.Is(err, errRedisDown) {
				t.Errorf("the cause is lost for the log: %v", err)
			}
		})
	}
}
