package redisauth_test

import (
	"context"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/authstate"
	"github.com/carekey/carekey/internal/authstate/authstatetest"
	"github.com/carekey/carekey/internal/authstate/redisauth"
	"github.com/carekey/carekey/internal/clock/clocktest"
	"github.com/carekey/carekey/internal/rediscas"
	"github.com/carekey/carekey/internal/testenv"
)

// TestConformanceOneMemo runs the suite with every call in one request's
// memo (rediscas.WithMemo), as the app serves requests: what a request
// remembers never makes the store answer wrong.
func TestConformanceOneMemo(t *testing.T) {
	authstatetest.Run(t, func(t *testing.T, clk *clocktest.Clock) authstate.Store {
		c, prefix := testenv.RedisClient(t)
		return memoStore{redisauth.New(c, prefix, clk), rediscas.WithMemo(t.Context())}
	})
}

// memoStore makes every call with one memo, whatever context its caller
// passes (its cancellation and deadline still count).
type memoStore struct {
	s   authstate.Store
	ctx context.Context
}

func (m memoStore) CreateAuthRequest(ctx context.Context, r authstate.AuthRequest) error {
	return m.s.CreateAuthRequest(m.in(ctx), r)
}
func (m memoStore) GetAuthRequest(ctx context.Context, id string) (authstate.AuthRequest, error) {
	return m.s.GetAuthRequest(m.in(ctx), id)
}
func (m memoStore) UpdateAuthRequest(ctx context.Context, id string, fn func(r *authstate.AuthRequest) error) (authstate.AuthRequest, error) {
	return m.s.UpdateAuthRequest(m.in(ctx), id, fn)
}
func (m memoStore) DeleteAuthRequest(ctx context.Context, id string) error {
	return m.s.DeleteAuthRequest(m.in(ctx), id)
}
func (m memoStore) SaveCode(ctx context.Context, codeHash, authRequestID string, expiresAt time.Time) error {
	return m.s.SaveCode(m.in(ctx), codeHash, authRequestID, expiresAt)
}
func (m memoStore) ConsumeCode(ctx context.Context, codeHash string, usedUntil time.Time) (string, error) {
	return m.s.ConsumeCode(m.in(ctx), codeHash, usedUntil)
}
func (m memoStore) AddCodeTokens(ctx context.Context, codeHash string, t authstate.CodeTokens) error {
	return m.s.AddCodeTokens(m.in(ctx), codeHash, t)
}
func (m memoStore) UsedCodeTokens(ctx context.Context, codeHash string) (authstate.CodeTokens, error) {
	return m.s.UsedCodeTokens(m.in(ctx), codeHash)
}
func (m memoStore) CreateAccessToken(ctx context.Context, t authstate.AccessToken) error {
	return m.s.CreateAccessToken(m.in(ctx), t)
}
func (m memoStore) GetAccessToken(ctx context.Context, id string) (authstate.AccessToken, error) {
	return m.s.GetAccessToken(m.in(ctx), id)
}
func (m memoStore) DeleteAccessToken(ctx context.Context, id string) error {
	return m.s.DeleteAccessToken(m.in(ctx), id)
}
func (m memoStore) Ping(ctx context.Context) error { return m.s.Ping(m.in(ctx)) }

// in is ctx with the values, and so the memo, of m.ctx.
func (m memoStore) in(ctx context.Context) context.Context { return withValuesOf{ctx, m.ctx} }

// withValuesOf is a context whose values come from values when its own
// Context has none.
type withValuesOf struct {
	context.Context
	values context.Context
}

func (c withValuesOf) Value(k any) any {
	if v := c.Context.Value(k); v != nil {
		return v
	}
	return c.values.Value(k)
}
