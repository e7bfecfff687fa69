package redissession_test

import (
	"context"
	"testing"

	"github.com/carekey/carekey/internal/clock/clocktest"
	"github.com/carekey/carekey/internal/rediscas"
	"github.com/carekey/carekey/internal/session"
	"github.com/carekey/carekey/internal/session/redissession"
	"github.com/carekey/carekey/internal/session/sessiontest"
	"github.com/carekey/carekey/internal/testenv"
)

// TestConformanceOneMemo runs the suite with every call in one request's
// memo (rediscas.WithMemo), as the app serves requests: what a request
// remembers never makes the store answer wrong.
func TestConformanceOneMemo(t *testing.T) {
	sessiontest.Run(t, func(t *testing.T, clk *clocktest.Clock) session.Store {
		c, prefix := testenv.RedisClient(t)
		return memoStore{redissession.New(c, prefix, clk), rediscas.WithMemo(t.Context())}
	})
}

// memoStore makes every call in one context, whatever its caller passes.
type memoStore struct {
	s   session.Store
	ctx context.Context
}

func (m memoStore) Create(_ context.Context, s session.Session) error { return m.s.Create(m.ctx, s) }
func (m memoStore) Get(_ context.Context, id string) (session.Session, error) {
	return m.s.Get(m.ctx, id)
}
func (m memoStore) Touch(_ context.Context, id string) (session.Session, error) {
	return m.s.Touch(m.ctx, id)
}
func (m memoStore) AddClient(_ context.Context, id, clientID string) error {
	return m.s.AddClient(m.ctx, id, clientID)
}
func (m memoStore) Delete(_ context.Context, id string) error { return m.s.Delete(m.ctx, id) }
func (m memoStore) ListByUser(_ context.Context, userID string) ([]session.Session, error) {
	return m.s.ListByUser(m.ctx, userID)
}
func (m memoStore) DeleteByUser(_ context.Context, userID string) ([]session.Session, error) {
	return m.s.DeleteByUser(m.ctx, userID)
}
