package redisauth

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/carekey/carekey/internal/authstate"
	"github.com/carekey/carekey/internal/clock"
	"github.com/carekey/carekey/internal/rediscas"
)

var _ authstate.Store = (*Store)(nil)

// Store is a Redis authstate.Store.
type Store struct{ kv rediscas.Keyspace }

// New returns a store that keeps its keys in c under prefix and reads the
// time from clk.
func New(c redis.UniversalClient, prefix string, clk clock.Clock) *Store {
	return &Store{rediscas.Keyspace{Client: c, Prefix: prefix, Clock: clk}}
}

func (s *Store) requestKey(id string) string { return s.kv.Key("authreq", id) }
func (s *Store) codeKey(hash string) string  { return s.kv.Key("code", hash) }
func (s *Store) tokenKey(id string) string   { return s.kv.Key("token", id) }

// jsonCodec stores a T as the JSON of its stored form R (to and from
// convert), live until the time end gives, authstate.ErrNotFound after.
func jsonCodec[T, R any](s *Store, to func(T) R, from func(R) T, end func(T) time.Time) rediscas.Codec[T] {
	return rediscas.Codec[T]{
		Encode: func(v T) ([]byte, error) { return json.Marshal(to(v)) },
		Decode: func(b []byte) (T, error) {
			var rec R
			if err := json.Unmarshal(b, &rec); err != nil {
				var zero T
				return zero, fmt.Errorf("decode: %w", err)
			}
			return from(rec), nil
		},
		Live: func(v T) error {
			if !s.kv.Clock.Now().Before(end(v)) {
				return authstate.ErrNotFound
			}
			return nil
		},
		Missing: authstate.ErrNotFound,
	}
}

// requestCodec stores auth request id.
func (s *Store) requestCodec(id string) rediscas.Codec[authstate.AuthRequest] {
	return jsonCodec(s, toRequest, func(rec request) authstate.AuthRequest { return rec.authRequest(id) },
		func(r authstate.AuthRequest) time.Time { return r.ExpiresAt })
}

// create stores v under key with SET NX, for a record that expires at end.
func (s *Store) create(ctx context.Context, key string, v any, end time.Time) error {
	return s.createAhead(ctx, key, v, end)()
}

// createAhead is create whose write rides with the request's next round
// trip (rediscas.CreateAhead); await returns create's answer.
func (s *Store) createAhead(ctx context.Context, key string, v any, end time.Time) (await func() error) {
	b, err := json.Marshal(v)
	if err != nil {
		return func() error { return err }
	}
	created := rediscas.CreateAhead(ctx, s.kv.Client, key, b, rediscas.TTL(end, s.kv.Clock.Now()))
	return func() error {
		ok, err := created()
		if err != nil {
			return err
		}
		if !ok {
			return authstate.ErrConflict
		}
		return nil
	}
}

// CreateAuthRequest stores r. Returns authstate.ErrConflict if the ID is taken.
func (s *Store) CreateAuthRequest(ctx context.Context, r authstate.AuthRequest) error {
	if err := s.create(ctx, s.requestKey(r.ID), toRequest(r), r.ExpiresAt); err != nil {
		return fmt.Errorf("create auth request %s: %w", r.ID, err)
	}
	return nil
}

// GetAuthRequest returns the request, or authstate.ErrNotFound.
func (s *Store) GetAuthRequest(ctx context.Context, id string) (authstate.AuthRequest, error) {
	r, err := rediscas.Get(ctx, s.kv.Client, s.requestKey(id), s.requestCodec(id))
	if err != nil {
		return authstate.AuthRequest{}, fmt.Errorf("get auth request %s: %w", id, err)
	}
	return r, nil
}

// UpdateAuthRequest calls fn on the request and saves the result if the key
// has not changed since it was read (rediscas: one GET, then a
// compare-and-swap script); otherwise it calls fn again on the request as it
// now is, a bounded number of times. If fn returns an error nothing is saved.
func (s *Store) UpdateAuthRequest(ctx context.Context, id string, fn func(r *authstate.AuthRequest) error) (authstate.AuthRequest, error) {
	out, err := rediscas.UpdateValue(ctx, s.kv.Client, s.requestKey(id), s.requestCodec(id), func(r *authstate.AuthRequest) (time.Duration, error) {
		if err := fn(r); err != nil {
			return 0, err
		}
		r.ID = id
		return rediscas.TTL(r.ExpiresAt, s.kv.Clock.Now()), nil
	})
	if err != nil {
		return authstate.AuthRequest{}, fmt.Errorf("update auth request %s: %w", id, err)
	}
	return out, nil
}

// ReadAheadAuthRequest has the request's next Redis round trip read auth
// request id too, for a GetAuthRequest or UpdateAuthRequest later in the
// request (rediscas.ReadAhead).
func (s *Store) ReadAheadAuthRequest(ctx context.Context, id string) {
	rediscas.ReadAhead(ctx, s.requestKey(id))
}

// DeleteAuthRequest removes it; deleting a missing request is not an error.
func (s *Store) DeleteAuthRequest(ctx context.Context, id string) error {
	if err := rediscas.DeleteLater(ctx, s.kv.Client, s.requestKey(id)); err != nil {
		return fmt.Errorf("delete auth request %s: %w", id, err)
	}
	return nil
}

// codeBinding is the stored form of a code and, once consumed, of the
// record of the used code.
type codeBinding struct {
	AuthRequestID string    `json:"ar"`
	ExpiresAt     time.Time `json:"ea"`
	Used          bool      `json:"u,omitempty"`
	UsedUntil     time.Time `json:"uu,omitzero"`
	Replayed      bool      `json:"r,omitempty"`
	AccessTokens  []string  `json:"at,omitempty"`
	Families      []string  `json:"rtf,omitempty"`
}

// end is when the binding (unused) or the record (used) ends.
func (c codeBinding) end() time.Time {
	if c.Used {
		return c.UsedUntil
	}
	return c.ExpiresAt
}

// SaveCode binds codeHash to an auth request until expiresAt. Returns
// authstate.ErrConflict if codeHash is already bound.
func (s *Store) SaveCode(ctx context.Context, codeHash, authRequestID string, expiresAt time.Time) error {
	rec := codeBinding{AuthRequestID: authRequestID, ExpiresAt: expiresAt.UTC()}
	if err := s.create(ctx, s.codeKey(codeHash), rec, expiresAt); err != nil {
		return fmt.Errorf("save code: %w", err)
	}
	return nil
}

// SaveCodeAhead is SaveCode whose write rides with the request's next
// Redis round trip (the swap that marks the auth request answered); await
// returns SaveCode's answer, drop deletes the code again (with the next
// round trip) when it is not to be given out after all.
func (s *Store) SaveCodeAhead(ctx context.Context, codeHash, authRequestID string, expiresAt time.Time) (await func() error, drop func()) {
	rec := codeBinding{AuthRequestID: authRequestID, ExpiresAt: expiresAt.UTC()}
	created := s.createAhead(ctx, s.codeKey(codeHash), rec, expiresAt)
	await = func() error {
		if err := created(); err != nil {
			return fmt.Errorf("save code: %w", err)
		}
		return nil
	}
	drop = func() {
		if created() == nil {
			_ = rediscas.DeleteLater(ctx, s.kv.Client, s.codeKey(codeHash))
		}
	}
	return await, drop
}

// codeCodec stores a code's binding, live until its end.
func (s *Store) codeCodec() rediscas.Codec[codeBinding] {
	same := func(c codeBinding) codeBinding { return c }
	return jsonCodec(s, same, same, codeBinding.end)
}

// updateCode calls fn on the live code record and saves it, with a TTL to its
// end, if the key has not changed since it was read (rediscas); otherwise it
// calls fn again on the record as it now is, a bounded number of times. If fn
// returns an error nothing is saved. A missing or ended record is
// authstate.ErrNotFound.
func (s *Store) updateCode(ctx context.Context, codeHash string, fn func(c *codeBinding) error) error {
	_, err := rediscas.UpdateValue(ctx, s.kv.Client, s.codeKey(codeHash), s.codeCodec(), func(rec *codeBinding) (time.Duration, error) {
		if err := fn(rec); err != nil {
			return 0, err
		}
		return rediscas.TTL(rec.end(), s.kv.Clock.Now()), nil
	})
	return err
}

// ConsumeCode returns the auth request ID bound to codeHash and marks the code
// used until usedUntil in one optimistic transaction: of N concurrent calls
// exactly one succeeds; later ones mark it replayed and get
// authstate.ErrCodeReused.
func (s *Store) ConsumeCode(ctx context.Context, codeHash string, usedUntil time.Time) (string, error) {
	var id string
	var reused bool
	err := s.updateCode(ctx, codeHash, func(c *codeBinding) error {
		id, reused = "", c.Used // fn may run again
		if c.Used {
			c.Replayed = true
			return nil
		}
		id, c.Used, c.UsedUntil = c.AuthRequestID, true, usedUntil.UTC()
		// The exchange reads the auth request next: with this swap.
		rediscas.ReadAhead(ctx, s.requestKey(id))
		return nil
	})
	switch {
	case err != nil:
		return "", fmt.Errorf("consume code: %w", err)
	case reused:
		return "", fmt.Errorf("consume code: %w", authstate.ErrCodeReused)
	}
	return id, nil
}

// AddCodeTokens records t for a used code, or returns
// authstate.ErrCodeReused if the code was presented again since.
func (s *Store) AddCodeTokens(ctx context.Context, codeHash string, t authstate.CodeTokens) error {
	err := s.updateCode(ctx, codeHash, func(c *codeBinding) error {
		switch {
		case !c.Used:
			return authstate.ErrNotFound
		case c.Replayed:
			return authstate.ErrCodeReused
		}
		c.AccessTokens = append(c.AccessTokens, t.AccessTokenIDs...)
		c.Families = append(c.Families, t.RefreshFamilyIDs...)
		return nil
	})
	if err != nil {
		return fmt.Errorf("add code tokens: %w", err)
	}
	return nil
}

// UsedCodeTokens returns the tokens recorded for a used code.
func (s *Store) UsedCodeTokens(ctx context.Context, codeHash string) (authstate.CodeTokens, error) {
	rec, err := rediscas.Get(ctx, s.kv.Client, s.codeKey(codeHash), s.codeCodec())
	if err == nil && !rec.Used {
		err = authstate.ErrNotFound
	}
	if err != nil {
		return authstate.CodeTokens{}, fmt.Errorf("used code tokens: %w", err)
	}
	return authstate.CodeTokens{AccessTokenIDs: rec.AccessTokens, RefreshFamilyIDs: rec.Families}, nil
}

// CreateAccessToken stores t. Returns authstate.ErrConflict if the ID is taken.
func (s *Store) CreateAccessToken(ctx context.Context, t authstate.AccessToken) error {
	if err := s.create(ctx, s.tokenKey(t.ID), toToken(t), t.ExpiresAt); err != nil {
		return fmt.Errorf("create access token: %w", err)
	}
	return nil
}

// CreateAccessTokenAhead is CreateAccessToken whose write rides with the
// request's next Redis round trip (the swap that records the tokens a code
// issued), ahead of it; await returns CreateAccessToken's answer, sending
// the write first if nothing has carried it yet.
//
// On a Redis Cluster the token is written at once: a pipeline's commands
// go to their keys' nodes concurrently, in no order between nodes, and the
// record must not name a token before it exists (a replay that revoked the
// recorded token could otherwise be overtaken by its write).
func (s *Store) CreateAccessTokenAhead(ctx context.Context, t authstate.AccessToken) (await func() error) {
	if _, cluster := s.kv.Client.(*redis.ClusterClient); cluster {
		err := s.CreateAccessToken(ctx, t)
		return func() error { return err }
	}
	created := s.createAhead(ctx, s.tokenKey(t.ID), toToken(t), t.ExpiresAt)
	return func() error {
		if err := created(); err != nil {
			return fmt.Errorf("create access token: %w", err)
		}
		return nil
	}
}

// GetAccessToken returns the token, or authstate.ErrNotFound.
func (s *Store) GetAccessToken(ctx context.Context, id string) (authstate.AccessToken, error) {
	codec := jsonCodec(s, toToken, func(rec token) authstate.AccessToken { return rec.accessToken(id) },
		func(t authstate.AccessToken) time.Time { return t.ExpiresAt })
	t, err := rediscas.Get(ctx, s.kv.Client, s.tokenKey(id), codec)
	if err != nil {
		return authstate.AccessToken{}, fmt.Errorf("get access token: %w", err)
	}
	return t, nil
}

// DeleteAccessToken removes it; deleting a missing token is not an error.
func (s *Store) DeleteAccessToken(ctx context.Context, id string) error {
	if err := rediscas.Delete(ctx, s.kv.Client, s.tokenKey(id)); err != nil {
		return fmt.Errorf("delete access token: %w", err)
	}
	return nil
}

// Ping reports whether Redis answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.kv.Client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("ping redis: %w", err)
	}
	return nil
}
