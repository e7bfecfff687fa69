package memauth

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/carekey/carekey/internal/authstate"
	"github.com/carekey/carekey/internal/clock"
)

var _ authstate.Store = (*Store)(nil)

// Store is an in-memory authstate.Store, safe for concurrent use.
type Store struct {
	clk clock.Clock

	mu        sync.Mutex
	requests  map[string]authstate.AuthRequest
	codes     map[string]code
	tokens    map[string]authstate.AccessToken
	sweepSize int // sweep expired records when there are this many
}

// code is a code binding and, once consumed, the record of the used code.
type code struct {
	authRequestID string
	expiresAt     time.Time
	used          bool
	usedUntil     time.Time
	replayed      bool
	tokens        authstate.CodeTokens
}

// live reports whether the binding (unused) or the record (used) lasts at now.
func (c code) live(now time.Time) bool {
	if c.used {
		return now.Before(c.usedUntil)
	}
	return now.Before(c.expiresAt)
}

// New returns an empty store that reads the time from clk.
func New(clk clock.Clock) *Store {
	return &Store{
		clk:       clk,
		requests:  make(map[string]authstate.AuthRequest),
		codes:     make(map[string]code),
		tokens:    make(map[string]authstate.AccessToken),
		sweepSize: 64,
	}
}

// CreateAuthRequest stores r. Returns authstate.ErrConflict if the ID is taken.
func (m *Store) CreateAuthRequest(ctx context.Context, r authstate.AuthRequest) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("create auth request: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, err := m.request(r.ID); err == nil {
		return fmt.Errorf("create auth request %s: %w", r.ID, authstate.ErrConflict)
	}
	m.maybeSweep()
	m.requests[r.ID] = cloneRequest(r)
	return nil
}

// GetAuthRequest returns the request, or authstate.ErrNotFound.
func (m *Store) GetAuthRequest(ctx context.Context, id string) (authstate.AuthRequest, error) {
	if err := ctx.Err(); err != nil {
		return authstate.AuthRequest{}, fmt.Errorf("get auth request: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	r, err := m.request(id)
	if err != nil {
		return authstate.AuthRequest{}, fmt.Errorf("get auth request %s: %w", id, err)
	}
	return cloneRequest(r), nil
}

// UpdateAuthRequest calls fn on a copy of the request and saves the result.
// If fn returns an error nothing is saved.
func (m *Store) UpdateAuthRequest(ctx context.Context, id string, fn func(r *authstate.AuthRequest) error) (authstate.AuthRequest, error) {
	if err := ctx.Err(); err != nil {
		return authstate.AuthRequest{}, fmt.Errorf("update auth request: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	r, err := m.request(id)
	if err != nil {
		return authstate.AuthRequest{}, fmt.Errorf("update auth request %s: %w", id, err)
	}
	r = cloneRequest(r)
	if err := fn(&r); err != nil {
		return authstate.AuthRequest{}, fmt.Errorf("update auth request %s: %w", id, err)
	}
	r.ID = id
	m.requests[id] = cloneRequest(r)
	return cloneRequest(r), nil
}

// DeleteAuthRequest removes it; deleting a missing request is not an error.
func (m *Store) DeleteAuthRequest(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("delete auth request: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.requests, id)
	return nil
}

// SaveCode binds codeHash to an auth request until expiresAt. Returns
// authstate.ErrConflict if codeHash is already bound.
func (m *Store) SaveCode(ctx context.Context, codeHash, authRequestID string, expiresAt time.Time) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("save code: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if c, ok := m.codes[codeHash]; ok && c.live(m.clk.Now()) {
		return fmt.Errorf("save code: %w", authstate.ErrConflict)
	}
	m.maybeSweep()
	m.codes[codeHash] = code{authRequestID: authRequestID, expiresAt: expiresAt}
	return nil
}

// ConsumeCode returns the auth request ID bound to codeHash and marks the
// code used until usedUntil, under one lock: of concurrent calls exactly one
// succeeds, and later ones mark it replayed and get authstate.ErrCodeReused.
func (m *Store) ConsumeCode(ctx context.Context, codeHash string, usedUntil time.Time) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("consume code: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.codes[codeHash]
	switch {
	case !ok || !c.live(m.clk.Now()):
		delete(m.codes, codeHash)
		return "", fmt.Errorf("consume code: %w", authstate.ErrNotFound)
	case c.used:
		c.replayed = true
		m.codes[codeHash] = c
		return "", fmt.Errorf("consume code: %w", authstate.ErrCodeReused)
	}
	c.used, c.usedUntil = true, usedUntil
	m.codes[codeHash] = c
	return c.authRequestID, nil
}

// AddCodeTokens records t for a used code, or returns
// authstate.ErrCodeReused if the code was presented again since.
func (m *Store) AddCodeTokens(ctx context.Context, codeHash string, t authstate.CodeTokens) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("add code tokens: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.codes[codeHash]
	switch {
	case !ok || !c.used || !c.live(m.clk.Now()):
		return fmt.Errorf("add code tokens: %w", authstate.ErrNotFound)
	case c.replayed:
		return fmt.Errorf("add code tokens: %w", authstate.ErrCodeReused)
	}
	c.tokens.AccessTokenIDs = append(slices.Clip(c.tokens.AccessTokenIDs), t.AccessTokenIDs...)
	c.tokens.RefreshFamilyIDs = append(slices.Clip(c.tokens.RefreshFamilyIDs), t.RefreshFamilyIDs...)
	m.codes[codeHash] = c
	return nil
}

// UsedCodeTokens returns the tokens recorded for a used code.
func (m *Store) UsedCodeTokens(ctx context.Context, codeHash string) (authstate.CodeTokens, error) {
	if err := ctx.Err(); err != nil {
		return authstate.CodeTokens{}, fmt.Errorf("used code tokens: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.codes[codeHash]
	if !ok || !c.used || !c.live(m.clk.Now()) {
		return authstate.CodeTokens{}, fmt.Errorf("used code tokens: %w", authstate.ErrNotFound)
	}
	return authstate.CodeTokens{
		AccessTokenIDs:   cloneList(c.tokens.AccessTokenIDs),
		RefreshFamilyIDs: cloneList(c.tokens.RefreshFamilyIDs),
	}, nil
}

// CreateAccessToken stores t. Returns authstate.ErrConflict if the ID is taken.
func (m *Store) CreateAccessToken(ctx context.Context, t authstate.AccessToken) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("create access token: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.tokens[t.ID]; ok && m.clk.Now().Before(old.ExpiresAt) {
		return fmt.Errorf("create access token: %w", authstate.ErrConflict)
	}
	m.maybeSweep()
	m.tokens[t.ID] = cloneToken(t)
	return nil
}

// GetAccessToken returns the token, or authstate.ErrNotFound.
func (m *Store) GetAccessToken(ctx context.Context, id string) (authstate.AccessToken, error) {
	if err := ctx.Err(); err != nil {
		return authstate.AccessToken{}, fmt.Errorf("get access token: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.tokens[id]
	if !ok || !m.clk.Now().Before(t.ExpiresAt) {
		delete(m.tokens, id)
		return authstate.AccessToken{}, fmt.Errorf("get access token: %w", authstate.ErrNotFound)
	}
	return cloneToken(t), nil
}

// DeleteAccessToken removes it; deleting a missing token is not an error.
func (m *Store) DeleteAccessToken(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("delete access token: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.tokens, id)
	return nil
}

// Ping reports only a cancelled context: memory is always reachable.
func (m *Store) Ping(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("ping: %w", err)
	}
	return nil
}

// request returns a live auth request, dropping it if it has expired. m.mu
// must be held.
func (m *Store) request(id string) (authstate.AuthRequest, error) {
	r, ok := m.requests[id]
	if !ok {
		return authstate.AuthRequest{}, authstate.ErrNotFound
	}
	if !m.clk.Now().Before(r.ExpiresAt) {
		delete(m.requests, id)
		return authstate.AuthRequest{}, authstate.ErrNotFound
	}
	return r, nil
}

// maybeSweep drops expired records once there are sweepSize of them, and
// doubles the size for the next sweep, so that sweeping costs amortised
// constant time per write. m.mu must be held.
func (m *Store) maybeSweep() {
	if len(m.requests)+len(m.codes)+len(m.tokens) < m.sweepSize {
		return
	}
	now := m.clk.Now()
	for id, r := range m.requests {
		if !now.Before(r.ExpiresAt) {
			delete(m.requests, id)
		}
	}
	for h, c := range m.codes {
		if !c.live(now) {
			delete(m.codes, h)
		}
	}
	for id, t := range m.tokens {
		if !now.Before(t.ExpiresAt) {
			delete(m.tokens, id)
		}
	}
	m.sweepSize = max(64, 2*(len(m.requests)+len(m.codes)+len(m.tokens)))
}

// cloneRequest deep-copies r in the form Redis would return: UTC times, nil
// empty lists.
func cloneRequest(r authstate.AuthRequest) authstate.AuthRequest {
	r.Scopes = cloneList(r.Scopes)
	r.Prompt = cloneList(r.Prompt)
	r.UILocales = cloneList(r.UILocales)
	r.ACRValues = cloneList(r.ACRValues)
	r.AMR = cloneList(r.AMR)
	if r.MaxAge != nil {
		v := *r.MaxAge
		r.MaxAge = &v
	}
	r.AuthTime = r.AuthTime.UTC()
	r.CreatedAt = r.CreatedAt.UTC()
	r.ExpiresAt = r.ExpiresAt.UTC()
	return r
}

func cloneToken(t authstate.AccessToken) authstate.AccessToken {
	t.Scopes = cloneList(t.Scopes)
	t.Audience = cloneList(t.Audience)
	t.CreatedAt = t.CreatedAt.UTC()
	t.ExpiresAt = t.ExpiresAt.UTC()
	return t
}

func cloneList(l []string) []string {
	if len(l) == 0 {
		return nil
	}
	return slices.Clone(l)
}
