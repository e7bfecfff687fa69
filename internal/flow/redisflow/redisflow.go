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
)

var _ flow.Store = (*Store)(nil)

const (
	// GracePeriod is how long an expired flow stays readable after its
	// ExpiresAt, so that the user can be told it expired.
	GracePeriod = time.Hour
	// ttlMargin is added to a flow's remaining lifetime for its Redis TTL, so
	// that a replica whose clock runs a little behind still finds it.
	ttlMargin = 5 * time.Second
	// maxRetries bounds Update's optimistic transactions.
	maxRetries = 64
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
		return fmt.Errorf("create flow %s: %w", f.ID, err)
	}
	if !ok {
		return fmt.Errorf("create flow %s: %w", f.ID, flow.ErrConflict)
	}
	return nil
}

// Get returns the flow, or flow.ErrNotFound once GracePeriod has passed
// after its ExpiresAt.
func (s *Store) Get(ctx context.Context, id string) (flow.Flow, error) {
	f, err := s.get(ctx, s.c, id)
	if err != nil {
		return flow.Flow{}, fmt.Errorf("get flow %s: %w", id, err)
	}
	return f, nil
}

func (s *Store) get(ctx context.Context, c redis.Cmdable, id string) (flow.Flow, error) {
	b, err := c.Get(ctx, s.key(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return flow.Flow{}, flow.ErrNotFound
	}
	if err != nil {
		return flow.Flow{}, err
	}
	f, err := decode(id, b)
	if err != nil {
		return flow.Flow{}, err
	}
	if !s.clk.Now().Before(f.ExpiresAt.Add(GracePeriod)) {
		return flow.Flow{}, flow.ErrNotFound
	}
	return f, nil
}

// errFn marks an error returned by the caller's fn, so that Update returns it
// rather than retrying.
type errFn struct{ err error }

func (e errFn) Error() string { return e.err.Error() }

// Update calls fn on the flow and saves the result with Version incremented,
// if the key has not changed since it was read (WATCH); otherwise it reads
// again and calls fn again, up to maxRetries times, then returns
// flow.ErrConflict. If fn returns an error nothing is saved.
func (s *Store) Update(ctx context.Context, id string, fn func(f *flow.Flow) error) (flow.Flow, error) {
	key := s.key(id)
	var out flow.Flow
	txf := func(tx *redis.Tx) error {
		f, err := s.get(ctx, tx, id)
		if err != nil {
			return err
		}
		version := f.Version
		if err := fn(&f); err != nil {
			return errFn{err}
		}
		f.ID = id
		f.Version = version + 1
		b, err := encode(f)
		if err != nil {
			return err
		}
		if _, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, key, b, ttl(f, s.clk.Now()))
			return nil
		}); err != nil {
			return err
		}
		out, err = decode(id, b) // return what was stored, as Get would
		return err
	}
	for range maxRetries {
		err := s.c.Watch(ctx, txf, key)
		if fe, ok := errors.AsType[errFn](err); ok {
			return flow.Flow{}, fmt.Errorf("update flow %s: %w", id, fe.err)
		}
		if err == nil {
			return out, nil
		}
		if !errors.Is(err, redis.TxFailedErr) {
			return flow.Flow{}, fmt.Errorf("update flow %s: %w", id, err)
		}
		if err := ctx.Err(); err != nil {
			return flow.Flow{}, fmt.Errorf("update flow %s: %w", id, err)
		}
	}
	return flow.Flow{}, fmt.Errorf("update flow %s: %d attempts lost the race: %w", id, maxRetries, flow.ErrConflict)
}

// Delete removes a flow; deleting a missing flow is not an error.
func (s *Store) Delete(ctx context.Context, id string) error {
	if err := s.c.Del(ctx, s.key(id)).Err(); err != nil {
		return fmt.Errorf("delete flow %s: %w", id, err)
	}
	return nil
}
