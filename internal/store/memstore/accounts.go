package memstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/carekey/carekey/internal/store"
)

type accountRef struct{ source, ref string }

type grantKey struct{ userID, accountID string }

func cloneAccount(a store.Account) store.Account {
	a.CreatedAt, a.UpdatedAt = ts(a.CreatedAt), ts(a.UpdatedAt)
	return a
}

func cloneGrant(g store.Grant) store.Grant {
	g.GrantedAt, g.ExpiresAt, g.RevokedAt = ts(g.GrantedAt), ts(g.ExpiresAt), ts(g.RevokedAt)
	return g
}

// UpsertAccount creates or updates the account with a's external reference.
func (s *Store) UpsertAccount(ctx context.Context, a store.Account, events ...store.AuditEvent) (store.Account, bool, error) {
	if err := ctx.Err(); err != nil {
		return store.Account{}, false, fmt.Errorf("upsert account %s/%s: %w", a.Source, a.ExternalRef, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := accountRef{a.Source, a.ExternalRef}
	if id, ok := s.byRef[key]; ok {
		old := s.accounts[id]
		if old.Name == a.Name && old.Birthdate == a.Birthdate {
			return old, false, nil
		}
		old.Name, old.Birthdate, old.UpdatedAt = a.Name, a.Birthdate, ts(a.UpdatedAt)
		s.accounts[id] = old
		s.appendAudit(events)
		return old, false, nil
	}
	if _, taken := s.accounts[a.ID]; taken {
		return store.Account{}, false, fmt.Errorf("upsert account %s: id taken: %w", a.ID, store.ErrConflict)
	}
	a = cloneAccount(a)
	s.accounts[a.ID] = a
	s.byRef[key] = a.ID
	s.appendAudit(events)
	return a, true, nil
}

// GetAccount returns the account with that ID, or store.ErrNotFound.
func (s *Store) GetAccount(ctx context.Context, id string) (store.Account, error) {
	if err := ctx.Err(); err != nil {
		return store.Account{}, fmt.Errorf("get account %s: %w", id, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.accounts[id]
	if !ok {
		return store.Account{}, fmt.Errorf("get account %s: %w", id, store.ErrNotFound)
	}
	return a, nil
}

// ListAccounts returns matching accounts ordered by ID.
func (s *Store) ListAccounts(ctx context.Context, f store.AccountFilter) ([]store.Account, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	s.mu.Lock()
	var out []store.Account
	for _, a := range s.accounts {
		if (f.Source == "" || a.Source == f.Source) && a.ID > f.After {
			out = append(out, a)
		}
	}
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b store.Account) int { return cmp.Compare(a.ID, b.ID) })
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

// Grant stores g unless a live grant of the user to the account exists.
func (s *Store) Grant(ctx context.Context, g store.Grant, events ...store.AuditEvent) (store.Grant, bool, error) {
	if err := ctx.Err(); err != nil {
		return store.Grant{}, false, fmt.Errorf("grant %s to %s: %w", g.AccountID, g.UserID, err)
	}
	g = cloneGrant(g)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkUserAccount(g.UserID, g.AccountID); err != nil {
		return store.Grant{}, false, fmt.Errorf("grant %s to %s: %w", g.AccountID, g.UserID, err)
	}
	k := grantKey{g.UserID, g.AccountID}
	if old, ok := s.grants[k]; ok && old.Live(g.GrantedAt) {
		if old.Relationship != g.Relationship || !old.ExpiresAt.Equal(g.ExpiresAt) {
			return old, false, fmt.Errorf("grant %s to %s: a different live grant exists: %w", g.AccountID, g.UserID, store.ErrConflict)
		}
		return old, false, nil
	}
	g.RevokedAt = time.Time{}
	s.grants[k] = g
	s.appendAudit(events)
	return g, true, nil
}

// checkUserAccount returns store.ErrNotFound unless both exist; the caller holds mu.
func (s *Store) checkUserAccount(userID, accountID string) error {
	if _, ok := s.users[userID]; !ok {
		return fmt.Errorf("user %s: %w", userID, store.ErrNotFound)
	}
	if _, ok := s.accounts[accountID]; !ok {
		return fmt.Errorf("account %s: %w", accountID, store.ErrNotFound)
	}
	return nil
}

// RevokeGrant revokes the user's grant to the account.
func (s *Store) RevokeGrant(ctx context.Context, userID, accountID string, now time.Time, events ...store.AuditEvent) (store.Grant, error) {
	if err := ctx.Err(); err != nil {
		return store.Grant{}, fmt.Errorf("revoke grant %s of %s: %w", accountID, userID, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := grantKey{userID, accountID}
	g, ok := s.grants[k]
	if !ok {
		return store.Grant{}, fmt.Errorf("revoke grant %s of %s: %w", accountID, userID, store.ErrNotFound)
	}
	if !g.RevokedAt.IsZero() {
		return g, nil
	}
	g.RevokedAt = ts(now)
	s.grants[k] = g
	s.appendAudit(events)
	return g, nil
}

// ListGrants returns every grant of the user, ordered by account ID.
func (s *Store) ListGrants(ctx context.Context, userID string) ([]store.Grant, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("list grants of %s: %w", userID, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[userID]; !ok {
		return nil, fmt.Errorf("list grants of %s: %w", userID, store.ErrNotFound)
	}
	var out []store.Grant
	for k, g := range s.grants {
		if k.userID == userID {
			out = append(out, g)
		}
	}
	slices.SortFunc(out, func(a, b store.Grant) int { return cmp.Compare(a.AccountID, b.AccountID) })
	return out, nil
}

// ListLiveAccountsForUser returns the accounts live grants let the user manage.
func (s *Store) ListLiveAccountsForUser(ctx context.Context, userID string, now time.Time) ([]store.AccountWithRelationship, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("list accounts of %s: %w", userID, err)
	}
	now = ts(now)
	s.mu.Lock()
	var out []store.AccountWithRelationship
	for k, g := range s.grants {
		if k.userID == userID && g.Live(now) {
			out = append(out, store.AccountWithRelationship{Account: s.accounts[k.accountID], Relationship: g.Relationship, ExpiresAt: g.ExpiresAt})
		}
	}
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b store.AccountWithRelationship) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}
