package rediscas

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// Later queues a write that only has to land before the request answers:
// a clean-up (deleting a finished flow, a used auth request) or a counter
// reset. It rides in the pipeline of the request's next round trip
// (Update's swap, Create, Pipelined, a Read's GET) or, failing that, goes
// out with Flush, which
// the app calls before the response's first byte. Without a memo in ctx
// there is no request to wait for: Later returns false and queues nothing,
// and the caller writes at once.
//
// fn adds its commands to p; it must not read their results. Their errors
// are returned by Flush (joined) even when they rode with another write.
func Later(ctx context.Context, fn func(ctx context.Context, p redis.Pipeliner)) bool {
	m := memoOf(ctx)
	if m == nil {
		return false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.later = append(m.later, fn)
	return true
}

// DeleteLater deletes key, at once without a memo, else with the request's
// next write (Later); either way the memo knows it gone, so that this
// request no longer reads it.
func DeleteLater(ctx context.Context, c redis.Cmdable, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if KnownGone(ctx, key) {
		return nil
	}
	if !Later(ctx, func(ctx context.Context, p redis.Pipeliner) { p.Del(ctx, key) }) {
		return Delete(ctx, c, key)
	}
	Gone(ctx, key)
	return nil
}

// Flush sends the writes Later queued that no other write has carried, in
// one pipeline, and returns the errors of every queued write since the last
// Flush. Nothing queued costs nothing.
func Flush(ctx context.Context, c redis.Cmdable) error {
	m := memoOf(ctx)
	if m == nil {
		return nil
	}
	if fns := m.takeLater(); len(fns) > 0 {
		_, _ = Pipelined(ctx, c, func(redis.Pipeliner) error { return nil }, fns...)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	err := errors.Join(m.laterErrs...)
	m.laterErrs = nil
	return err
}

// Pipelined is c.Pipelined(ctx, fn) with the writes Later queued in front of
// fn's commands, in the same round trip. It returns the commands fn added
// (the queued ones' errors are kept for Flush) and the first of their errors.
func Pipelined(ctx context.Context, c redis.Cmdable, fn func(p redis.Pipeliner) error, queued ...func(context.Context, redis.Pipeliner)) ([]redis.Cmder, error) {
	m := memoOf(ctx)
	if queued == nil {
		queued = m.takeLater()
	}
	n := 0
	cmds, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, q := range queued {
			q(ctx, p)
		}
		n = p.Len()
		return fn(p)
	})
	if len(cmds) < n { // the pipeline did not run (fn failed, say)
		m.laterFailed(fmt.Errorf("queued writes: %w", err))
		return nil, err
	}
	for _, cmd := range cmds[:n] {
		if e := cmd.Err(); e != nil && !errors.Is(e, redis.Nil) {
			m.laterFailed(fmt.Errorf("queued %s: %w", cmd.Name(), e))
		}
	}
	own := cmds[n:]
	err = nil
	for _, cmd := range own {
		if e := cmd.Err(); e != nil {
			err = e
			break
		}
	}
	return own, err
}

func (m *memo) takeLater() []func(context.Context, redis.Pipeliner) {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	fns := m.later
	m.later = nil
	return fns
}

func (m *memo) laterFailed(err error) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.laterErrs = append(m.laterErrs, err)
}

func (m *memo) hasLater() bool {
	if m == nil {
		return false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.later) > 0
}

// Ahead queues fn's commands, whose results the caller needs later in the
// request, to ride with the request's next round trip of any kind (a
// Read's GET too, unlike Later's writes, which wait for a write). It
// returns await, which sends them at once if nothing has carried them yet;
// after await, the commands fn added hold their results (or errors).
// Without a memo they go at once.
func Ahead(ctx context.Context, c redis.Cmdable, fn func(ctx context.Context, p redis.Pipeliner)) (await func()) {
	sent := false
	queued := Later(ctx, func(ctx context.Context, p redis.Pipeliner) {
		sent = true
		fn(ctx, p)
	})
	if !queued {
		_, _ = c.Pipelined(ctx, func(p redis.Pipeliner) error { fn(ctx, p); return nil })
		return func() {}
	}
	return func() {
		if !sent {
			_, _ = Pipelined(ctx, c, func(redis.Pipeliner) error { return nil })
		}
	}
}
