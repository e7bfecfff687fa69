package redisflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/carekey/carekey/internal/clock"
	"github.com/carekey/carekey/internal/flow"
	"github.com/carekey/carekey/internal/rediscas"
)

var _ flow.Store = (*Store)(nil)

const (
	// GracePeriod is how long an expired flow stays readable after its
	// ExpiresAt, so that the user can be told it expired.
	GracePeriod = time.Hour
)

// Store is a Redis flow.Store.
type Store struct{ kv rediscas.Keyspace }

// New returns a store that keeps its keys in c under prefix and reads the
// time from clk.
func New(c redis.UniversalClient, prefix string, clk clock.Clock) *Store {
	return &Store{rediscas.Keyspace{Client: c, Prefix: prefix, Clock: clk}}
}

// record is the stored form of a flow, the ID in the key only.
type record struct {
	Kind      string            `json:"k,omitempty"`
	State     string            `json:"s,omitempty"`
	Version   int64             `json:"v"`
	CSRFHash  []byte            `json:"csrf,omitempty"`
	Code      *code             `json:"code,omitempty"`
	Data      map[string]string `json:"d,omitempty"`
	CreatedAt time.Time         `json:"ca,omitzero"`
	ExpiresAt time.Time         `json:"ea,omitzero"`
}

// code is the stored form of a flow.Code, its fields in the same order, so
// that each converts to the other.
type code struct {
	HMAC       []byte    `json:"h,omitempty"`
	Channel    string    `json:"ch,omitempty"`
	Target     string    `json:"t,omitempty"`
	ExpiresAt  time.Time `json:"ea,omitzero"`
	Attempts   int       `json:"a,omitempty"`
	Sends      int       `json:"n,omitempty"`
	LastSentAt time.Time `json:"ls,omitzero"`
}

func encode(f flow.Flow) ([]byte, error) {
	r := record{
		Kind:      f.Kind,
		State:     f.State,
		Version:   f.Version,
		CSRFHash:  f.CSRFHash,
		Data:      f.Data,
		CreatedAt: f.CreatedAt.UTC(),
		ExpiresAt: f.ExpiresAt.UTC(),
	}
	if f.Code != nil {
		c := code(utc(*f.Code))
		r.Code = &c
	}
	return json.Marshal(r)
}

// utc returns c with its times in UTC.
func utc(c flow.Code) flow.Code {
	c.ExpiresAt, c.LastSentAt = c.ExpiresAt.UTC(), c.LastSentAt.UTC()
	return c
}

func decode(id string, b []byte) (flow.Flow, error) {
	var r record
	if err := json.Unmarshal(b, &r); err != nil {
		return flow.Flow{}, fmt.Errorf("decode flow %s: %w", id, err)
	}
	f := flow.Flow{
		ID:        id,
		Kind:      r.Kind,
		State:     r.State,
		Version:   r.Version,
		CSRFHash:  r.CSRFHash,
		Data:      r.Data,
		CreatedAt: r.CreatedAt.UTC(),
		ExpiresAt: r.ExpiresAt.UTC(),
	}
	if r.Code != nil {
		c := utc(flow.Code(*r.Code))
		f.Code = &c
	}
	return f, nil
}

func (s *Store) key(id string) string { return s.kv.Key("flow", id) }

// ttl is the Redis TTL of f: until its grace period ends, plus a margin.
func ttl(f flow.Flow, now time.Time) time.Duration {
	return rediscas.TTL(f.ExpiresAt.Add(GracePeriod), now)
}

// codec stores flow id (the ID in the key only): live until GracePeriod has
// passed after its ExpiresAt, flow.ErrNotFound after.
func (s *Store) codec(id string) rediscas.Codec[flow.Flow] {
	return rediscas.Codec[flow.Flow]{
		Encode: encode,
		Decode: func(b []byte) (flow.Flow, error) { return decode(id, b) },
		Live: func(f flow.Flow) error {
			if !s.kv.Clock.Now().Before(f.ExpiresAt.Add(GracePeriod)) {
				return flow.ErrNotFound
			}
			return nil
		},
		Missing: flow.ErrNotFound,
	}
}

// Create stores f with Version 1. Returns flow.ErrConflict if the ID is taken.
func (s *Store) Create(ctx context.Context, f flow.Flow) error {
	f.Version = 1
	b, err := encode(f)
	if err != nil {
		return fmt.Errorf("create flow %s: %w", f.ID, err)
	}
	ok, err := rediscas.Create(ctx, s.kv.Client, s.key(f.ID), b, ttl(f, s.kv.Clock.Now()))
	if err != nil {
		return fmt.Errorf("create flow %s: %w", f.ID, err)
	}
	if !ok {
		return fmt.Errorf("create flow %s: %w", f.ID, flow.ErrConflict)
	}
	return nil
}

// CreateAhead is Create whose write rides with the request's next Redis
// round trip (rediscas.CreateAhead); await returns what Create would.
func (s *Store) CreateAhead(ctx context.Context, f flow.Flow) (await func() error) {
	f.Version = 1
	b, err := encode(f)
	if err != nil {
		return func() error { return fmt.Errorf("create flow %s: %w", f.ID, err) }
	}
	created := rediscas.CreateAhead(ctx, s.kv.Client, s.key(f.ID), b, ttl(f, s.kv.Clock.Now()))
	return func() error {
		ok, err := created()
		if err != nil {
			return fmt.Errorf("create flow %s: %w", f.ID, err)
		}
		if !ok {
			return fmt.Errorf("create flow %s: %w", f.ID, flow.ErrConflict)
		}
		return nil
	}
}

// Get returns the flow, or flow.ErrNotFound once GracePeriod has passed
// after its ExpiresAt.
func (s *Store) Get(ctx context.Context, id string) (flow.Flow, error) {
	f, err := rediscas.Get(ctx, s.kv.Client, s.key(id), s.codec(id))
	if err != nil {
		return flow.Flow{}, fmt.Errorf("get flow %s: %w", id, err)
	}
	return f, nil
}

// Update calls fn on the flow and saves the result with Version incremented,
// if the key has not changed since it was read (rediscas: one GET, then a
// compare-and-swap script); otherwise it calls fn again on the flow as it now
// is, up to rediscas.MaxAttempts times, then returns flow.ErrConflict. If fn
// returns an error nothing is saved.
func (s *Store) Update(ctx context.Context, id string, fn func(f *flow.Flow) error) (flow.Flow, error) {
	out, err := rediscas.UpdateValue(ctx, s.kv.Client, s.key(id), s.codec(id), func(f *flow.Flow) (time.Duration, error) {
		version := f.Version
		if err := fn(f); err != nil {
			return 0, err
		}
		f.ID, f.Version = id, version+1
		return ttl(*f, s.kv.Clock.Now()), nil
	})
	if errors.Is(err, rediscas.ErrConflict) {
		return flow.Flow{}, fmt.Errorf("update flow %s: %d attempts lost the race: %w", id, rediscas.MaxAttempts, flow.ErrConflict)
	}
	if err != nil {
		return flow.Flow{}, fmt.Errorf("update flow %s: %w", id, err)
	}
	return out, nil
}

// Delete removes a flow; deleting a missing flow is not an error.
func (s *Store) Delete(ctx context.Context, id string) error {
	if err := rediscas.DeleteLater(ctx, s.kv.Client, s.key(id)); err != nil {
		return fmt.Errorf("delete flow %s: %w", id, err)
	}
	return nil
}
