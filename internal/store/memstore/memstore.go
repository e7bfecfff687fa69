package memstore

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/carekey/carekey/internal/store"
)

var _ store.Store = (*Store)(nil)

// Store is an in-memory store.Store, safe for concurrent use.
type Store struct {
	mu        sync.Mutex
	users     map[string]*userRecord
	byEmail   map[string]string // email → user ID
	byExtID   map[string]string // external ID → user ID
	keys      map[string]store.SigningKey
	tokens    map[string]store.RefreshToken
	audit     []store.AuditEvent
	nextAudit int64
	auditHead []byte // Hash of the last event appended

	accounts map[string]store.Account // by ID
	byRef    map[accountRef]string    // (source, external ref) → account ID
	grants   map[grantKey]store.Grant
}

type userRecord struct {
	user    store.User
	version int      // bumped on every save, for UpdateUser's optimistic retry
	history []string // password hashes, oldest first
}

// New returns an empty store.
func New() *Store {
	return &Store{
		users:   make(map[string]*userRecord),
		byEmail: make(map[string]string),
		byExtID: make(map[string]string),
		keys:    make(map[string]store.SigningKey),
		tokens:  make(map[string]store.RefreshToken),

		accounts: make(map[string]store.Account),
		byRef:    make(map[accountRef]string),
		grants:   make(map[grantKey]store.Grant),
	}
}

// ts is the stored form of a time: UTC, truncated to microseconds; zero stays zero.
func ts(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}

func cloneUser(u store.User) store.User {
	u.LockedUntil, u.CreatedAt, u.UpdatedAt = ts(u.LockedUntil), ts(u.CreatedAt), ts(u.UpdatedAt)
	u.TokensValidAfter, u.TOTPAddedAt = ts(u.TokensValidAfter), ts(u.TOTPAddedAt)
	return u
}

func cloneBytes(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return slices.Clone(b)
}

func cloneStrings(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return slices.Clone(s)
}

func cloneKey(k store.SigningKey) store.SigningKey {
	k.PrivateKey, k.PublicKey = cloneBytes(k.PrivateKey), cloneBytes(k.PublicKey)
	k.CreatedAt, k.ExpiresAt = ts(k.CreatedAt), ts(k.ExpiresAt)
	return k
}

func cloneToken(t store.RefreshToken) store.RefreshToken {
	t.Scopes, t.Audience, t.AMR = cloneStrings(t.Scopes), cloneStrings(t.Audience), cloneStrings(t.AMR)
	t.AuthTime, t.CreatedAt, t.ExpiresAt = ts(t.AuthTime), ts(t.CreatedAt), ts(t.ExpiresAt)
	t.UsedAt, t.RevokedAt = ts(t.UsedAt), ts(t.RevokedAt)
	return t
}

func cloneEvent(e store.AuditEvent) store.AuditEvent {
	e.Time = ts(e.Time)
	if len(e.Detail) == 0 {
		e.Detail = nil
	} else {
		e.Detail = maps.Clone(e.Detail)
	}
	e.PrevHash, e.Hash = slices.Clone(e.PrevHash), slices.Clone(e.Hash)
	return e
}

// appendAudit assigns IDs, chains and appends; the caller holds mu.
func (s *Store) appendAudit(events []store.AuditEvent) {
	for _, e := range events {
		s.nextAudit++
		e = cloneEvent(e)
		e.ID = s.nextAudit
		e.PrevHash = s.auditHead
		if e.PrevHash == nil {
			e.PrevHash = make([]byte, store.AuditHashSize) // the first row ever
		}
		e.Hash = store.AuditHash(e.PrevHash, e)
		s.auditHead = e.Hash
		s.audit = append(s.audit, e)
	}
}

// CreateUser stores u, its first password-history entry and events.
func (s *Store) CreateUser(ctx context.Context, u store.User, events ...store.AuditEvent) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("create user %s: %w", u.ID, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[u.ID]; ok {
		return fmt.Errorf("create user %s: id taken: %w", u.ID, store.ErrConflict)
	}
	if _, ok := s.byEmail[u.Email]; ok {
		return fmt.Errorf("create user %s: email taken: %w", u.ID, store.ErrConflict)
	}
	if _, ok := s.byExtID[u.ExternalID]; ok && u.ExternalID != "" {
		return fmt.Errorf("create user %s: external ID taken: %w", u.ID, store.ErrConflict)
	}
	rec := &userRecord{user: cloneUser(u)}
	if u.PasswordHash != "" {
		rec.history = []string{u.PasswordHash}
	}
	s.users[u.ID] = rec
	s.byEmail[u.Email] = u.ID
	if u.ExternalID != "" {
		s.byExtID[u.ExternalID] = u.ID
	}
	s.appendAudit(events)
	return nil
}

// GetUser returns the user with that ID, or store.ErrNotFound.
func (s *Store) GetUser(ctx context.Context, id string) (store.User, error) {
	if err := ctx.Err(); err != nil {
		return store.User{}, fmt.Errorf("get user %s: %w", id, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.users[id]
	if !ok {
		return store.User{}, fmt.Errorf("get user %s: %w", id, store.ErrNotFound)
	}
	return rec.user, nil
}

// ListAppUsers returns the IDs of the users with an authenticator app, in
// ID order.
func (s *Store) ListAppUsers(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("list app users: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for id, rec := range s.users {
		if rec.user.TOTPSecret != "" {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids, nil
}

// GetUserByEmail returns the user with exactly that email, or store.ErrNotFound.
func (s *Store) GetUserByEmail(ctx context.Context, email string) (store.User, error) {
	if err := ctx.Err(); err != nil {
		return store.User{}, fmt.Errorf("get user by email: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.byEmail[email]
	if !ok {
		return store.User{}, fmt.Errorf("get user by email: %w", store.ErrNotFound)
	}
	return s.users[id].user, nil
}

// GetUserByExternalID returns the user imported with that external ID, or
// store.ErrNotFound.
func (s *Store) GetUserByExternalID(ctx context.Context, externalID string) (store.User, error) {
	if err := ctx.Err(); err != nil {
		return store.User{}, fmt.Errorf("get user by external ID: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.byExtID[externalID]
	if !ok || externalID == "" {
		return store.User{}, fmt.Errorf("get user by external ID: %w", store.ErrNotFound)
	}
	return s.users[id].user, nil
}

var _ store.UpdaterFrom = (*Store)(nil)

// UpdateUserFrom is UpdateUser: in memory, reading the user again costs
// nothing (fn runs on the user as stored, which is read if nothing changed).
func (s *Store) UpdateUserFrom(ctx context.Context, read store.User, fn func(u *store.User) ([]store.AuditEvent, error)) (store.User, error) {
	return s.UpdateUser(ctx, read.ID, fn)
}

// UpdateUser calls fn on a copy of the user outside the lock and saves the
// result if nobody saved the user in between; otherwise it calls fn again on
// the newer copy.
func (s *Store) UpdateUser(ctx context.Context, id string, fn func(u *store.User) ([]store.AuditEvent, error)) (store.User, error) {
	for {
		if err := ctx.Err(); err != nil {
			return store.User{}, fmt.Errorf("update user %s: %w", id, err)
		}
		s.mu.Lock()
		rec, ok := s.users[id]
		if !ok {
			s.mu.Unlock()
			return store.User{}, fmt.Errorf("update user %s: %w", id, store.ErrNotFound)
		}
		u, version := rec.user, rec.version
		s.mu.Unlock()

		events, err := fn(&u)
		if err != nil {
			return store.User{}, fmt.Errorf("update user %s: %w", id, err)
		}
		u.ID = id
		u = cloneUser(u)

		s.mu.Lock()
		rec, ok = s.users[id]
		switch {
		case !ok:
			s.mu.Unlock()
			return store.User{}, fmt.Errorf("update user %s: %w", id, store.ErrNotFound)
		case rec.version != version:
			s.mu.Unlock()
			continue // saved by someone else meanwhile: run fn on the new value
		}
		if other, taken := s.byEmail[u.Email]; taken && other != id {
			s.mu.Unlock()
			return store.User{}, fmt.Errorf("update user %s: email taken: %w", id, store.ErrConflict)
		}
		if other, taken := s.byExtID[u.ExternalID]; taken && other != id && u.ExternalID != "" {
			s.mu.Unlock()
			return store.User{}, fmt.Errorf("update user %s: external ID taken: %w", id, store.ErrConflict)
		}
		if u.PasswordHash != rec.user.PasswordHash && u.PasswordHash != "" {
			rec.history = append(rec.history, u.PasswordHash)
		}
		delete(s.byEmail, rec.user.Email)
		s.byEmail[u.Email] = id
		delete(s.byExtID, rec.user.ExternalID)
		if u.ExternalID != "" {
			s.byExtID[u.ExternalID] = id
		}
		rec.user = u
		rec.version++
		s.appendAudit(events)
		s.mu.Unlock()
		return u, nil
	}
}

// PasswordHistory returns the user's last n password hashes, newest first.
func (s *Store) PasswordHistory(ctx context.Context, userID string, n int) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("password history of %s: %w", userID, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.users[userID]
	if !ok || n <= 0 {
		return nil, nil
	}
	var out []string
	for i := len(rec.history) - 1; i >= 0 && len(out) < n; i-- {
		out = append(out, rec.history[i])
	}
	return out, nil
}

// CreateSigningKey stores k, or returns store.ErrConflict if the ID is taken.
func (s *Store) CreateSigningKey(ctx context.Context, k store.SigningKey) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("create signing key %s: %w", k.ID, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.keys[k.ID]; ok {
		return fmt.Errorf("create signing key %s: %w", k.ID, store.ErrConflict)
	}
	s.keys[k.ID] = cloneKey(k)
	return nil
}

// ListSigningKeys returns every key, oldest first (ties by ID).
func (s *Store) ListSigningKeys(ctx context.Context) ([]store.SigningKey, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("list signing keys: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]store.SigningKey, 0, len(s.keys))
	for _, k := range s.keys {
		out = append(out, cloneKey(k))
	}
	slices.SortFunc(out, func(a, b store.SigningKey) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// ResealSigningKey replaces the key's private blob if it is still oldPrivate.
func (s *Store) ResealSigningKey(ctx context.Context, id string, oldPrivate, newPrivate []byte) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("reseal signing key %s: %w", id, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.keys[id]
	switch {
	case !ok:
		return fmt.Errorf("reseal signing key %s: %w", id, store.ErrNotFound)
	case !bytes.Equal(k.PrivateKey, oldPrivate):
		return fmt.Errorf("reseal signing key %s: %w", id, store.ErrConflict)
	}
	k.PrivateKey = cloneBytes(newPrivate)
	s.keys[id] = k
	return nil
}

// DeleteSigningKey removes a key; a missing key is not an error.
func (s *Store) DeleteSigningKey(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("delete signing key %s: %w", id, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.keys, id)
	return nil
}

// CreateRefreshToken stores t and events, or returns store.ErrConflict if
// the ID is taken.
func (s *Store) CreateRefreshToken(ctx context.Context, t store.RefreshToken, events ...store.AuditEvent) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("create refresh token: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.tokens[t.ID]; ok {
		return fmt.Errorf("create refresh token: %w", store.ErrConflict)
	}
	s.tokens[t.ID] = cloneToken(t)
	s.appendAudit(events)
	return nil
}

// GetRefreshToken returns the token with that ID, or store.ErrNotFound.
func (s *Store) GetRefreshToken(ctx context.Context, id string) (store.RefreshToken, error) {
	if err := ctx.Err(); err != nil {
		return store.RefreshToken{}, fmt.Errorf("get refresh token: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[id]
	if !ok {
		return store.RefreshToken{}, fmt.Errorf("get refresh token: %w", store.ErrNotFound)
	}
	return cloneToken(t), nil
}

// GetRefreshTokenWithUser returns the token with that ID and its user (zero
// if gone), or store.ErrNotFound.
func (s *Store) GetRefreshTokenWithUser(ctx context.Context, id string) (store.RefreshToken, store.User, error) {
	if err := ctx.Err(); err != nil {
		return store.RefreshToken{}, store.User{}, fmt.Errorf("get refresh token with user: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[id]
	if !ok {
		return store.RefreshToken{}, store.User{}, fmt.Errorf("get refresh token with user: %w", store.ErrNotFound)
	}
	var u store.User
	if rec, ok := s.users[t.UserID]; ok {
		u = rec.user
	}
	return cloneToken(t), u, nil
}

// RotateRefreshToken marks oldID used at now and stores next, atomically.
func (s *Store) RotateRefreshToken(ctx context.Context, oldID string, next store.RefreshToken, now time.Time) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("rotate refresh token: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.tokens[oldID]
	switch {
	case !ok:
		return fmt.Errorf("rotate refresh token: %w", store.ErrNotFound)
	case !old.RevokedAt.IsZero():
		return fmt.Errorf("rotate refresh token: %w", store.ErrTokenRevoked)
	case !old.UsedAt.IsZero():
		return fmt.Errorf("rotate refresh token: %w", store.ErrTokenUsed)
	}
	if _, taken := s.tokens[next.ID]; taken {
		return fmt.Errorf("rotate refresh token: next: %w", store.ErrConflict)
	}
	old.UsedAt = ts(now)
	s.tokens[oldID] = old
	s.tokens[next.ID] = cloneToken(next)
	return nil
}

// RetryRefreshRotation redoes the rotation of oldID: its unused successor is
// marked used and next stored, if oldID was used at or after usedSince.
func (s *Store) RetryRefreshRotation(ctx context.Context, oldID string, next store.RefreshToken, usedSince, now time.Time) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("retry refresh rotation: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.tokens[oldID]
	switch {
	case !ok:
		return fmt.Errorf("retry refresh rotation: %w", store.ErrNotFound)
	case !old.RevokedAt.IsZero():
		return fmt.Errorf("retry refresh rotation: %w", store.ErrTokenRevoked)
	case old.UsedAt.IsZero(), old.UsedAt.Before(ts(usedSince)):
		return fmt.Errorf("retry refresh rotation: %w", store.ErrTokenUsed)
	}
	successor := ""
	for id, t := range s.tokens {
		if t.ParentID == oldID && t.UsedAt.IsZero() && t.RevokedAt.IsZero() {
			successor = id
		}
	}
	if successor == "" {
		return fmt.Errorf("retry refresh rotation: successor: %w", store.ErrTokenUsed)
	}
	if _, taken := s.tokens[next.ID]; taken {
		return fmt.Errorf("retry refresh rotation: next: %w", store.ErrConflict)
	}
	t := s.tokens[successor]
	t.UsedAt = ts(now)
	s.tokens[successor] = t
	s.tokens[next.ID] = cloneToken(next)
	return nil
}

// RevokeRefreshToken revokes one token; revoking it again keeps the first time.
func (s *Store) RevokeRefreshToken(ctx context.Context, id string, now time.Time) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("revoke refresh token: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.tokens[id]; !ok {
		return fmt.Errorf("revoke refresh token: %w", store.ErrNotFound)
	}
	s.revokeWhere(now, func(t store.RefreshToken) bool { return t.ID == id })
	return nil
}

// RevokeRefreshFamily revokes every token of the family.
func (s *Store) RevokeRefreshFamily(ctx context.Context, familyID string, now time.Time) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("revoke refresh family %s: %w", familyID, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.revokeWhere(now, func(t store.RefreshToken) bool { return t.FamilyID == familyID })
	return nil
}

// RevokeUserRefreshTokens revokes every token of the user.
func (s *Store) RevokeUserRefreshTokens(ctx context.Context, userID string, now time.Time) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("revoke refresh tokens of %s: %w", userID, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.revokeWhere(now, func(t store.RefreshToken) bool { return t.UserID == userID })
	return nil
}

// RevokeSessionRefreshTokens revokes every token issued in the session.
func (s *Store) RevokeSessionRefreshTokens(ctx context.Context, sessionID string, now time.Time) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("revoke refresh tokens of session: %w", err)
	}
	if sessionID == "" {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.revokeWhere(now, func(t store.RefreshToken) bool { return t.SessionID == sessionID })
	return nil
}

// revokeWhere sets RevokedAt on matching tokens not yet revoked; the caller holds mu.
func (s *Store) revokeWhere(now time.Time, match func(store.RefreshToken) bool) {
	for id, t := range s.tokens {
		if match(t) && t.RevokedAt.IsZero() {
			t.RevokedAt = ts(now)
			s.tokens[id] = t
		}
	}
}

// AppendAudit appends events, assigning increasing IDs.
func (s *Store) AppendAudit(ctx context.Context, events ...store.AuditEvent) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("append audit: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.appendAudit(events)
	return nil
}

var _ store.ClearAuditor = (*Store)(nil)

// AppendAuditIfClear reads the user and, if they are clear at at, appends
// events, under one lock.
func (s *Store) AppendAuditIfClear(ctx context.Context, userID string, at time.Time, events ...store.AuditEvent) (store.User, bool, error) {
	if err := ctx.Err(); err != nil {
		return store.User{}, false, fmt.Errorf("append audit if clear: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.users[userID]
	if !ok {
		return store.User{}, false, fmt.Errorf("get user %s: %w", userID, store.ErrNotFound)
	}
	if !rec.user.ClearAt(at) {
		return rec.user, false, nil
	}
	s.appendAudit(events)
	return rec.user, true, nil
}

// ListAudit returns matching events, oldest first; a limit keeps the oldest.
func (s *Store) ListAudit(ctx context.Context, f store.AuditFilter) ([]store.AuditEvent, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("list audit: %w", err)
	}
	since, until := ts(f.Since), ts(f.Until)
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []store.AuditEvent
	for _, e := range s.audit {
		if f.Limit > 0 && len(out) == f.Limit {
			break
		}
		if (f.UserID == "" || e.UserID == f.UserID) && (f.Type == "" || e.Type == f.Type) && e.ID > f.AfterID &&
			(since.IsZero() || !e.Time.Before(since)) && (until.IsZero() || !e.Time.IsZero() && e.Time.Before(until)) {
			out = append(out, cloneEvent(e))
		}
	}
	return out, nil
}

// PruneAudit deletes the oldest events before before (keeping the newest)
// and appends a checkpoint.
func (s *Store) PruneAudit(ctx context.Context, before, now time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("prune audit: %w", err)
	}
	before = ts(before)
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for n < len(s.audit)-1 && s.audit[n].Time.Before(before) {
		n++
	}
	if n == 0 {
		return 0, nil
	}
	last, first := s.audit[n-1], s.audit[n]
	s.audit = slices.Delete(s.audit, 0, n)
	s.appendAudit([]store.AuditEvent{store.AuditCheckpoint(now, first.ID, last.Hash, n)})
	return n, nil
}

// DeleteExpired removes refresh tokens and signing keys whose ExpiresAt is at
// or before now (zero: never expires) and returns how many it removed.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("delete expired: %w", err)
	}
	now = ts(now)
	expired := func(exp time.Time) bool { return !exp.IsZero() && !exp.After(now) }
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for id, t := range s.tokens {
		if expired(t.ExpiresAt) {
			delete(s.tokens, id)
			n++
		}
	}
	for id, k := range s.keys {
		if expired(k.ExpiresAt) {
			delete(s.keys, id)
			n++
		}
	}
	return n, nil
}

// Ping reports whether the store is usable: always, unless ctx is done.
func (s *Store) Ping(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("ping: %w", err)
	}
	return nil
}

// Close does nothing: there is nothing to release.
func (s *Store) Close() {}
