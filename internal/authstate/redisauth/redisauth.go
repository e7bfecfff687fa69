package redisauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/carekey/carekey/internal/authstate"
	"github.com/carekey/carekey/internal/clock"
	"github.com/carekey/carekey/internal/rediscas"
)

var _ authstate.Store = (*Store)(nil)

const (
	// ttlMargin is added to a record's remaining lifetime for its Redis TTL,
	// so that a replica whose clock runs a little behind still finds it.
	ttlMargin = 5 * time.Second
)

// errContention: an update lost rediscas.MaxAttempts races in a row.
var errContention = errors.New("redisauth: too much contention")

// Store is a Redis authstate.Store.
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

func (s *Store) requestKey(id string) string { return s.prefix + "authreq:" + id }
func (s *Store) codeKey(hash string) string  { return s.prefix + "code:" + hash }
func (s *Store) tokenKey(id string) string   { return s.prefix + "token:" + id }

// ttl is the Redis TTL of a record that expires at end.
func ttl(end, now time.Time) time.Duration {
	return max(end.Sub(now)+ttlMargin, time.Second).Round(time.Second)
}

// create stores v under key with SET NX, for a record that expires at end.
func (s *Store) create(ctx context.Context, key string, v any, end time.Time) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	ok, err := s.c.SetNX(ctx, key, b, ttl(end, s.clk.Now())).Result()
	if err != nil {
		rediscas.Forget(ctx, key)
		return err
	}
	if !ok {
		return authstate.ErrConflict
	}
	rediscas.Remember(ctx, key, b)
	return nil
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
	r, err := s.getRequest(ctx, id)
	if err != nil {
		return authstate.AuthRequest{}, fmt.Errorf("get auth request %s: %w", id, err)
	}
	return r, nil
}

func (s *Store) getRequest(ctx context.Context, id string) (authstate.AuthRequest, error) {
	b, err := rediscas.Get(ctx, s.c, s.requestKey(id))
	if errors.Is(err, rediscas.ErrNotFound) {
		return authstate.AuthRequest{}, authstate.ErrNotFound
	}
	if err != nil {
		return authstate.AuthRequest{}, err
	}
	return s.liveRequest(id, b)
}

// liveRequest decodes a stored request, or returns authstate.ErrNotFound if
// it has expired.
func (s *Store) liveRequest(id string, b []byte) (authstate.AuthRequest, error) {
	r, err := decodeRequest(id, b)
	if err != nil {
		return authstate.AuthRequest{}, err
	}
	if !s.clk.Now().Before(r.ExpiresAt) {
		return authstate.AuthRequest{}, authstate.ErrNotFound
	}
	return r, nil
}

func decodeRequest(id string, b []byte) (authstate.AuthRequest, error) {
	var rec request
	if err := json.Unmarshal(b, &rec); err != nil {
		return authstate.AuthRequest{}, fmt.Errorf("decode auth request: %w", err)
	}
	return rec.authRequest(id), nil
}

// UpdateAuthRequest calls fn on the request and saves the result if the key
// has not changed since it was read (rediscas: one GET, then a
// compare-and-swap script); otherwise it calls fn again on the request as it
// now is, a bounded number of times. If fn returns an error nothing is saved.
func (s *Store) UpdateAuthRequest(ctx context.Context, id string, fn func(r *authstate.AuthRequest) error) (authstate.AuthRequest, error) {
	var out authstate.AuthRequest
	err := rediscas.Update(ctx, s.c, s.requestKey(id), func(old []byte) (rediscas.Write, error) {
		r, err := s.liveRequest(id, old)
		if err != nil {
			return rediscas.Write{}, err
		}
		if err := fn(&r); err != nil {
			return rediscas.Write{}, err
		}
		r.ID = id
		b, err := json.Marshal(toRequest(r))
		if err != nil {
			return rediscas.Write{}, err
		}
		if out, err = decodeRequest(id, b); err != nil { // what was stored, as Get returns it
			return rediscas.Write{}, err
		}
		return rediscas.Write{Value: b, TTL: ttl(r.ExpiresAt, s.clk.Now())}, nil
	})
	if err != nil {
		return authstate.AuthRequest{}, fmt.Errorf("update auth request %s: %w", id, casError(err))
	}
	return out, nil
}

// casError maps rediscas's sentinels to the contract's.
func casError(err error) error {
	switch {
	case errors.Is(err, rediscas.ErrNotFound):
		return authstate.ErrNotFound
	case errors.Is(err, rediscas.ErrConflict):
		return errContention
	}
	return err
}

// DeleteAuthRequest removes it; deleting a missing request is not an error.
func (s *Store) DeleteAuthRequest(ctx context.Context, id string) error {
	return s.del(ctx, s.requestKey(id), "auth request "+id)
}

// del deletes key, unless this request knows it gone already (rediscas
// memo); what names the record in the error.
func (s *Store) del(ctx context.Context, key, what string) error {
	if rediscas.KnownGone(ctx, key) {
		return nil
	}
	if err := s.c.Del(ctx, key).Err(); err != nil {
		rediscas.Forget(ctx, key)
		return fmt.Errorf("delete %s: %w", what, err)
	}
	rediscas.Gone(ctx, key)
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

// updateCode calls fn on the live code record and saves it, with a TTL to its
// end, if the key has not changed since it was read (rediscas); otherwise it
// calls fn again on the record as it now is, a bounded number of times. If fn
// returns an error nothing is saved. A missing or ended record is
// authstate.ErrNotFound.
func (s *Store) updateCode(ctx context.Context, codeHash string, fn func(c *codeBinding) error) error {
	err := rediscas.Update(ctx, s.c, s.codeKey(codeHash), func(old []byte) (rediscas.Write, error) {
		var rec codeBinding
		if err := json.Unmarshal(old, &rec); err != nil {
			return rediscas.Write{}, fmt.Errorf("decode: %w", err)
		}
		now := s.clk.Now()
		if !now.Before(rec.end()) {
			return rediscas.Write{}, authstate.ErrNotFound
		}
		if err := fn(&rec); err != nil {
			return rediscas.Write{}, err
		}
		b, err := json.Marshal(rec)
		if err != nil {
			return rediscas.Write{}, err
		}
		return rediscas.Write{Value: b, TTL: ttl(rec.end(), now)}, nil
	})
	return casError(err)
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
	b, err := rediscas.Get(ctx, s.c, s.codeKey(codeHash))
	if errors.Is(err, rediscas.ErrNotFound) {
		return authstate.CodeTokens{}, fmt.Errorf("used code tokens: %w", authstate.ErrNotFound)
	}
	if err != nil {
		return authstate.CodeTokens{}, fmt.Errorf("used code tokens: %w", err)
	}
	var rec codeBinding
	if err := json.Unmarshal(b, &rec); err != nil {
		return authstate.CodeTokens{}, fmt.Errorf("used code tokens: decode: %w", err)
	}
	if !rec.Used || !s.clk.Now().Before(rec.end()) {
		return authstate.CodeTokens{}, fmt.Errorf("used code tokens: %w", authstate.ErrNotFound)
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

// GetAccessToken returns the token, or authstate.ErrNotFound.
func (s *Store) GetAccessToken(ctx context.Context, id string) (authstate.AccessToken, error) {
	b, err := rediscas.Get(ctx, s.c, s.tokenKey(id))
	if errors.Is(err, rediscas.ErrNotFound) {
		return authstate.AccessToken{}, fmt.Errorf("get access token: %w", authstate.ErrNotFound)
	}
	if err != nil {
		return authstate.AccessToken{}, fmt.Errorf("get access token: %w", err)
	}
	var rec token
	if err := json.Unmarshal(b, &rec); err != nil {
		return authstate.AccessToken{}, fmt.Errorf("get access token: decode: %w", err)
	}
	t := rec.accessToken(id)
	if !s.clk.Now().Before(t.ExpiresAt) {
		return authstate.AccessToken{}, fmt.Errorf("get access token: %w", authstate.ErrNotFound)
	}
	return t, nil
}

// DeleteAccessToken removes it; deleting a missing token is not an error.
func (s *Store) DeleteAccessToken(ctx context.Context, id string) error {
	return s.del(ctx, s.tokenKey(id), "access token")
}

// Ping reports whether Redis answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.c.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("ping redis: %w", err)
	}
	return nil
}
