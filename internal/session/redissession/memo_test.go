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

// memoStore makes every call with one memo, whatever context its caller
// passes (its cancellation and deadline still count).
type memoStore struct {
	s   session.Store
	ctx context.Context
}

func (m memoStore) Create(ctx context.Context, s session.Session) error {
	return m.s.Create(m.in(ctx), s)
}
func (m memoStore) Get(ctx context.Context, id string) (session.Session, error) {
	return m.s.Get(m.in(ctx), id)
}
func (m memoStore) Touch(ctx context.Context, id string) (session.Session, error) {
	return m.s.Touch(m.in(ctx), id)
}
func (m memoStore) AddClient(ctx context.Context, id, clientID string) error {
	return m.s.AddClient(m.in(ctx), id, clientID)
}
func (m memoStore) Delete(ctx context.Context, id string) error { return m.s.Delete(m.in(ctx), id) }
func (m memoStore) ListByUser(ctx context.Context, userID string) ([]session.Session, error) {
	return m.s.ListByUser(m.in(ctx), userID)
}
func (m memoStore) DeleteByUser(ctx context.Context, userID string) ([]session.Session, error) {
	return m.s.DeleteByUser(m.in(ctx), userID)
}

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
