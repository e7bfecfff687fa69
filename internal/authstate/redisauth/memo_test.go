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

// memoStore makes every call in one context, whatever its caller passes.
type memoStore struct {
	s   authstate.Store
	ctx context.Context
}

func (m memoStore) CreateAuthRequest(_ context.Context, r authstate.AuthRequest) error {
	return m.s.CreateAuthRequest(m.ctx, r)
}
func (m memoStore) GetAuthRequest(_ context.Context, id string) (authstate.AuthRequest, error) {
	return m.s.GetAuthRequest(m.ctx, id)
}
func (m memoStore) UpdateAuthRequest(_ context.Context, id string, fn func(r *authstate.AuthRequest) error) (authstate.AuthRequest, error) {
	return m.s.UpdateAuthRequest(m.ctx, id, fn)
}
func (m memoStore) DeleteAuthRequest(_ context.Context, id string) error {
	return m.s.DeleteAuthRequest(m.ctx, id)
}
func (m memoStore) SaveCode(_ context.Context, codeHash, authRequestID string, expiresAt time.Time) error {
	return m.s.SaveCode(m.ctx, codeHash, authRequestID, expiresAt)
}
func (m memoStore) ConsumeCode(_ context.Context, codeHash string, usedUntil time.Time) (string, error) {
	return m.s.ConsumeCode(m.ctx, codeHash, usedUntil)
}
func (m memoStore) AddCodeTokens(_ context.Context, codeHash string, t authstate.CodeTokens) error {
	return m.s.AddCodeTokens(m.ctx, codeHash, t)
}
func (m memoStore) UsedCodeTokens(_ context.Context, codeHash string) (authstate.CodeTokens, error) {
	return m.s.UsedCodeTokens(m.ctx, codeHash)
}
func (m memoStore) CreateAccessToken(_ context.Context, t authstate.AccessToken) error {
	return m.s.CreateAccessToken(m.ctx, t)
}
func (m memoStore) GetAccessToken(_ context.Context, id string) (authstate.AccessToken, error) {
	return m.s.GetAccessToken(m.ctx, id)
}
func (m memoStore) DeleteAccessToken(_ context.Context, id string) error {
	return m.s.DeleteAccessToken(m.ctx, id)
}
func (m memoStore) Ping(_ context.Context) error { return m.s.Ping(m.ctx) }
