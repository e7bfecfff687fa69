package oidcop

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/authstate"
	"github.com/carekey/carekey/internal/authstate/memauth"
	"github.com/carekey/carekey/internal/store"
	"github.com/carekey/carekey/internal/store/memstore"
)

// aheadState is memauth with CreateAccessTokenAhead as redisauth has it: the
// write waits, queued, for the next call that carries queued writes (the
// record of a code's tokens, a swap) or for its await. DeleteAccessToken
// carries nothing, as rediscas.Delete sends its DEL alone: a delete before
// the queued write would leave the token in place.
type aheadState struct {
	*memauth.Store
	queued  []authstate.AccessToken
	created []string // IDs of the access tokens written, in order
	log     *[]string
}

func (a *aheadState) flush(ctx context.Context) error {
	for _, t := range a.queued {
		if err := a.Store.CreateAccessToken(ctx, t); err != nil {
			return err
		}
		a.created = append(a.created, t.ID)
		*a.log = append(*a.log, "create access token")
	}
	a.queued = nil
	return nil
}

func (a *aheadState) CreateAccessTokenAhead(ctx context.Context, t authstate.AccessToken) func() error {
	a.queued = append(a.queued, t)
	return func() error { return a.flush(ctx) }
}

func (a *aheadState) CreateAccessToken(ctx context.Context, t authstate.AccessToken) error {
	a.queued = append(a.queued, t)
	return a.flush(ctx)
}

func (a *aheadState) AddCodeTokens(ctx context.Context, codeHash string, t authstate.CodeTokens) error {
	if err := a.flush(ctx); err != nil {
		return err
	}
	*a.log = append(*a.log, "record code tokens")
	return a.Store.AddCodeTokens(ctx, codeHash, t)
}

// loggedRefreshTokens is memstore's refresh tokens, logged, and failing to
// store a new family's first token when fail is set.
type loggedRefreshTokens struct {
	*memstore.Store
	fail bool
	log  *[]string
}

var errStoreDown = errors.New("test: the system of record is down")

func (l *loggedRefreshTokens) CreateRefreshToken(ctx context.Context, t store.RefreshToken, events ...store.AuditEvent) error {
	if l.fail {
		return errStoreDown
	}
	*l.log = append(*l.log, "store refresh token")
	return l.Store.CreateRefreshToken(ctx, t, events...)
}

func (l *loggedRefreshTokens) RotateRefreshToken(ctx context.Context, oldID string, next store.RefreshToken, now time.Time) error {
	*l.log = append(*l.log, "rotate refresh token")
	return l.Store.RotateRefreshToken(ctx, oldID, next, now)
}

// aheadRig is a rig whose state store sends a code's access token ahead.
func aheadRig(t *testing.T) (*rig, *aheadState, *loggedRefreshTokens, *[]string) {
	t.Helper()
	r := newRig(t, 0)
	var log []string
	state := &aheadState{Store: r.state, log: &log}
	refresh := &loggedRefreshTokens{Store: r.st, log: &log}
	r.s.cfg.State, r.s.cfg.RefreshTokens = state, refresh
	return r, state, refresh, &log
}

// A code's access token is written with the record of the code's tokens,
// in one round trip, after the refresh token is stored; a refresh writes
// its access token before it rotates (nothing is consumed if that fails).
func TestCodeAccessTokenRidesWithTheRecord(t *testing.T) {
	r, _, _, log := aheadRig(t)
	at, rt := r.exchange(t, "portal", t0)
	if want := []string{"store refresh token", "create access token", "record code tokens"}; !slices.Equal(*log, want) {
		t.Errorf("code exchange: %q, want %q", *log, want)
	}
	if _, _, err := r.s.liveAccessToken(t.Context(), at, "usr_p"); err != nil {
		t.Errorf("the code's access token: %v", err)
	}
	*log = nil
	if _, err := r.refresh(t, rt); err != nil {
		t.Fatal(err)
	}
	if want := []string{"create access token", "rotate refresh token"}; !slices.Equal(*log, want) {
		t.Errorf("refresh: %q, want %q", *log, want)
	}
}

// When the refresh token cannot be stored, the code's access token, still
// queued, is not left behind: its write goes first, then its delete.
func TestCodeAccessTokenGoneWhenTheRefreshTokenFails(t *testing.T) {
	r, state, refresh, _ := aheadRig(t)
	refresh.fail = true
	r.issueCode(t, authstate.AuthRequest{ID: "ar-fail", ClientID: "portal", UserID: "usr_p", SessionID: "cookie-1", AuthTime: t0,
		Scopes: []string{"openid", "offline_access"}, Done: true, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}, "code-fail")
	ar, err := r.s.AuthRequestByCode(t.Context(), "code-fail")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := r.s.CreateAccessAndRefreshTokens(t.Context(), ar, ""); err == nil {
		t.Fatal("tokens issued without their refresh token stored")
	}
	if len(state.created) != 1 {
		t.Fatalf("access tokens written: %q, want the one, then deleted", state.created)
	}
	if _, err := r.state.GetAccessToken(t.Context(), state.created[0]); !errors.Is(err, authstate.ErrNotFound) {
		t.Errorf("the access token of a failed exchange: %v, want ErrNotFound", err)
	}
}

// A replay between the code's consumption and the record of its tokens
// revokes the access token sent ahead with that record.
func TestCodeReplayRevokesTheAccessTokenSentAhead(t *testing.T) {
	r, state, _, _ := aheadRig(t)
	r.issueCode(t, authstate.AuthRequest{ID: "ar-race", ClientID: "portal", UserID: "usr_p", AuthTime: t0, Scopes: []string{"openid"},
		Done: true, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}, "code-race")
	ar, err := r.s.AuthRequestByCode(t.Context(), "code-race")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.s.AuthRequestByCode(t.Context(), "code-race"); err == nil {
		t.Fatal("a code was exchanged twice")
	}
	if _, _, err := r.s.CreateAccessToken(t.Context(), ar); err == nil {
		t.Error("tokens issued for a code replayed during its exchange")
	}
	if len(state.created) != 1 {
		t.Fatalf("access tokens written: %q, want the one, then deleted", state.created)
	}
	if _, err := r.state.GetAccessToken(t.Context(), state.created[0]); !errors.Is(err, authstate.ErrNotFound) {
		t.Errorf("the access token of a replayed code: %v, want ErrNotFound", err)
	}
}
