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
	// ttlMargin is added to a flow's remaining lifetime for its Redis TTL, so
	// that a replica whose clock runs a little behind still finds it.
	ttlMargin = 5 * time.Second
)

// Store is a Redis flow.Store.
type Store struct {
	c      redis.UniversalClient
	prefix string
	clk    clock.Clock
}

// New returns a store that keeps its keys in c under prefix and reads the
// time from clk.
func New(c redis.UniversalClient, prefix string, clk clock.Clock) *Store {
	return &Store{c: c, prefix: prefix, clk: clk}
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
	if c := f.Code; c != nil {
		r.Code = &code{
			HMAC:       c.HMAC,
			Channel:    c.Channel,
			Target:     c.Target,
			ExpiresAt:  c.ExpiresAt.UTC(),
			Attempts:   c.Attempts,
			Sends:      c.Sends,
			LastSentAt: c.LastSentAt.UTC(),
		}
	}
	return json.Marshal(r)
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
	if c := r.Code; c != nil {
		f.Code = &flow.Code{
			HMAC:       c.HMAC,
			Channel:    c.Channel,
			Target:     c.Target,
			ExpiresAt:  c.ExpiresAt.UTC(),
			Attempts:   c.Attempts,
			Sends:      c.Sends,
			LastSentAt: c.LastSentAt.UTC(),
		}
	}
	return f, nil
}

func (s *Store) key(id string) string { return s.prefix + "flow:" + id }

// ttl is the Redis TTL of f: until its grace period ends, plus a margin.
func ttl(f flow.Flow, now time.Time) time.Duration {
	return max(f.ExpiresAt.Add(GracePeriod).Sub(now)+ttlMargin, time.Second).Round(time.Second)
}

// Create stores f with Version 1. Returns flow.ErrConflict if the ID is taken.
func (s *Store) Create(ctx context.Context, f flow.Flow) error {
	f.Version = 1
	b, err := encode(f)
	if err != nil {
		return fmt.Errorf("create flow %s: %w", f.ID, err)
	}
	ok, err := s.c.SetNX(ctx, s.key(f.ID), b, ttl(f, s.clk.Now())).Result()
	if err != nil {
		rediscas.Forget(ctx, s.key(f.ID))
		return fmt.Errorf("create flow %s: %w", f.ID, err)
	}
	if !ok {
		return fmt.Errorf("create flow %s: %w", f.ID, flow.ErrConflict)
	}
	rediscas.Remember(ctx, s.key(f.ID), b)
	return nil
}

// Get returns the flow, or flow.ErrNotFound once GracePeriod has passed
// after its ExpiresAt.
func (s *Store) Get(ctx context.Context, id string) (flow.Flow, error) {
	f, err := s.get(ctx, id)
	if err != nil {
		return flow.Flow{}, fmt.Errorf("get flow %s: %w", id, err)
	}
	return f, nil
}

func (s *Store) get(ctx context.Context, id string) (flow.Flow, error) {
	b, err := rediscas.Get(ctx, s.c, s.key(id))
	if errors.Is(err, rediscas.ErrNotFound) {
		return flow.Flow{}, flow.ErrNotFound
	}
	if err != nil {
		return flow.Flow{}, err
	}
	return s.decodeLive(id, b)
}

// decodeLive decodes a stored flow, or returns flow.ErrNotFound once
// GracePeriod has passed after its ExpiresAt.
func (s *Store) decodeLive(id string, b []byte) (flow.Flow, error) {
	f, err := decode(id, b)
	if err != nil {
		return flow.Flow{}, err
	}
	if !s.clk.Now().Before(f.ExpiresAt.Add(GracePeriod)) {
		return flow.Flow{}, flow.ErrNotFound
	}
	return f, nil
}

// Update calls fn on the flow and saves the result with Version incremented,
// if the key has not changed since it was read (rediscas: one GET, then a
// compare-and-swap script); otherwise it calls fn again on the flow as it now
// is, up to rediscas.MaxAttempts times, then returns flow.ErrConflict. If fn
// returns an error nothing is saved.
func (s *Store) Update(ctx context.Context, id string, fn func(f *flow.Flow) error) (flow.Flow, error) {
	var out flow.Flow
	err := rediscas.Update(ctx, s.c, s.key(id), func(old []byte) (rediscas.Write, error) {
		f, err := s.decodeLive(id, old)
		if err != nil {
			return rediscas.Write{}, err
		}
		version := f.Version
		if err := fn(&f); err != nil {
			return rediscas.Write{}, err
		}
		f.ID = id
		f.Version = version + 1
		b, err := encode(f)
		if err != nil {
			return rediscas.Write{}, err
		}
		if out, err = decode(id, b); err != nil { // return what was stored, as Get would
			return rediscas.Write{}, err
		}
		return rediscas.Write{Value: b, TTL: ttl(f, s.clk.Now())}, nil
	})
	switch {
	case errors.Is(err, rediscas.ErrNotFound):
		return flow.Flow{}, fmt.Errorf("update flow %s: %w", id, flow.ErrNotFound)
	case errors.Is(err, rediscas.ErrConflict):
		return flow.Flow{}, fmt.Errorf("update flow %s: %d attempts lost the race: %w", id, rediscas.MaxAttempts, flow.ErrConflict)
	case err != nil:
		return flow.Flow{}, fmt.Errorf("update flow %s: %w", id, err)
	}
	return out, nil
}

// Delete removes a flow; deleting a missing flow is not an error.
func (s *Store) Delete(ctx context.Context, id string) error {
	if rediscas.KnownGone(ctx, s.key(id)) {
		return nil // this request deleted it or found it missing
	}
	if err := s.c.Del(ctx, s.key(id)).Err(); err != nil {
		rediscas.Forget(ctx, s.key(id))
		return fmt.Errorf("delete flow %s: %w", id, err)
	}
	rediscas.Gone(ctx, s.key(id))
	return nil
}
