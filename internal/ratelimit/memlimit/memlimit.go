package memlimit

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/carekey/carekey/internal/clock"
	"github.com/carekey/carekey/internal/ratelimit"
)

var _ ratelimit.Limiter = (*Limiter)(nil)

// gcEvery is how often, in clock time, Allow sweeps out stale entries.
const gcEvery = time.Minute

// entry holds one key's counters under one limit.
type entry struct {
	window   int64 // window length in ms, to tell when the entry is stale
	index    int64 // the window current counts; index-1 is previous's
	previous int
	current  int
}

// Limiter is an in-memory ratelimit.Limiter, safe for concurrent use.
type Limiter struct {
	clk clock.Clock

	mu      sync.Mutex
	entries map[string]*entry
	lastGC  time.Time
}

// New returns an empty Limiter whose windows follow clk.
func New(clk clock.Clock) *Limiter {
	return &Limiter{clk: clk, entries: map[string]*entry{}}
}

// mapKey keeps limits apart: the name has no ':' (Limit.Validate), so the
// first ':' ends it; the window length keeps a reconfigured limit apart.
func mapKey(key string, l ratelimit.Limit) string {
	return l.Name + ":" + strconv.FormatInt(l.Window.Milliseconds(), 10) + ":" + key
}

// Allow counts one event for key under l if it is within the limit.
func (m *Limiter) Allow(ctx context.Context, key string, l ratelimit.Limit) (ratelimit.Result, error) {
	if err := ctx.Err(); err != nil {
		return ratelimit.Result{}, fmt.Errorf("allow %s: %w", l.Name, err)
	}
	if err := l.Validate(); err != nil {
		return ratelimit.Result{}, err
	}
	now := m.clk.Now()
	index, _, window := ratelimit.Window(l, now)

	m.mu.Lock()
	defer m.mu.Unlock()
	m.collect(now)
	k := mapKey(key, l)
	e := m.entries[k]
	if e == nil {
		e = &entry{window: window, index: index}
		m.entries[k] = e
	}
	switch {
	case e.index == index:
	case e.index == index-1:
		e.index, e.previous, e.current = index, e.current, 0
	default: // both windows have passed (or the clock went back): start afresh
		e.index, e.previous, e.current = index, 0, 0
	}
	res := ratelimit.Evaluate(l, now, e.previous, e.current)
	if res.Allowed {
		e.current++
	}
	return res, nil
}

// Reset forgets key's events under l.
func (m *Limiter) Reset(ctx context.Context, key string, l ratelimit.Limit) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("reset %s: %w", l.Name, err)
	}
	if err := l.Validate(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.entries, mapKey(key, l))
	return nil
}

// collect drops entries whose current window ended more than one window ago,
// at most once per gcEvery. m.mu must be held.
func (m *Limiter) collect(now time.Time) {
	if now.Sub(m.lastGC) < gcEvery && !now.Before(m.lastGC) {
		return
	}
	m.lastGC = now
	ms := now.UnixMilli()
	for k, e := range m.entries {
		if (e.index+2)*e.window <= ms {
			delete(m.entries, k)
		}
	}
}
