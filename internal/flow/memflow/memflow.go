package memflow

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/carekey/carekey/internal/clock"
	"github.com/carekey/carekey/internal/flow"
)

var _ flow.Store = (*Store)(nil)

// GracePeriod is how long an expired flow stays readable after its ExpiresAt,
// so that the user can be told it expired. The same as redisflow's.
const GracePeriod = time.Hour

// Store is an in-memory flow.Store, safe for concurrent use.
type Store struct {
	clk clock.Clock

	mu        sync.Mutex
	flows     map[string]flow.Flow
	sweepSize int // sweep gone flows when len(flows) reaches this
}

// New returns an empty store that reads the time from clk.
func New(clk clock.Clock) *Store {
	return &Store{clk: clk, flows: make(map[string]flow.Flow), sweepSize: 64}
}

// Create stores f with Version 1. Returns flow.ErrConflict if the ID is taken.
func (m *Store) Create(ctx context.Context, f flow.Flow) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("create flow: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, err := m.get(f.ID); err == nil {
		return fmt.Errorf("create flow %s: %w", f.ID, flow.ErrConflict)
	}
	if len(m.flows) >= m.sweepSize {
		m.sweep()
	}
	f.Version = 1
	m.flows[f.ID] = clone(f)
	return nil
}

// Get returns the flow, or flow.ErrNotFound once GracePeriod has passed
// after its ExpiresAt.
func (m *Store) Get(ctx context.Context, id string) (flow.Flow, error) {
	if err := ctx.Err(); err != nil {
		return flow.Flow{}, fmt.Errorf("get flow: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	f, err := m.get(id)
	if err != nil {
		return flow.Flow{}, fmt.Errorf("get flow %s: %w", id, err)
	}
	return clone(f), nil
}

// Update calls fn on a copy of the flow and saves the result with Version
// incremented. If fn returns an error nothing is saved.
func (m *Store) Update(ctx context.Context, id string, fn func(f *flow.Flow) error) (flow.Flow, error) {
	if err := ctx.Err(); err != nil {
		return flow.Flow{}, fmt.Errorf("update flow: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	f, err := m.get(id)
	if err != nil {
		return flow.Flow{}, fmt.Errorf("update flow %s: %w", id, err)
	}
	f = clone(f)
	if err := fn(&f); err != nil {
		return flow.Flow{}, fmt.Errorf("update flow %s: %w", id, err)
	}
	f.ID = id
	f.Version = m.flows[id].Version + 1
	m.flows[id] = clone(f)
	return clone(f), nil
}

// Delete removes a flow; deleting a missing flow is not an error.
func (m *Store) Delete(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("delete flow: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.flows, id)
	return nil
}

// get returns the flow unless it is missing or past its grace period, in
// which case it is dropped. m.mu must be held.
func (m *Store) get(id string) (flow.Flow, error) {
	f, ok := m.flows[id]
	if !ok {
		return flow.Flow{}, flow.ErrNotFound
	}
	if gone(f, m.clk.Now()) {
		delete(m.flows, id)
		return flow.Flow{}, flow.ErrNotFound
	}
	return f, nil
}

func gone(f flow.Flow, now time.Time) bool { return !now.Before(f.ExpiresAt.Add(GracePeriod)) }

// sweep drops gone flows, and sets the size for the next sweep so that
// sweeping costs amortised constant time per Create. m.mu must be held.
func (m *Store) sweep() {
	now := m.clk.Now()
	for id, f := range m.flows {
		if gone(f, now) {
			delete(m.flows, id)
		}
	}
	m.sweepSize = max(64, 2*len(m.flows))
}

// clone deep-copies f in the form Redis would return: UTC times, nil for
// empty byte slices and maps.
func clone(f flow.Flow) flow.Flow {
	f.CSRFHash = cloneBytes(f.CSRFHash)
	if len(f.Data) == 0 {
		f.Data = nil
	} else {
		f.Data = maps.Clone(f.Data)
	}
	f.CreatedAt = f.CreatedAt.UTC()
	f.ExpiresAt = f.ExpiresAt.UTC()
	if f.Code != nil {
		c := *f.Code
		c.HMAC = cloneBytes(c.HMAC)
		c.ExpiresAt = c.ExpiresAt.UTC()
		c.LastSentAt = c.LastSentAt.UTC()
		f.Code = &c
	}
	return f
}

func cloneBytes(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return bytes.Clone(b)
}
