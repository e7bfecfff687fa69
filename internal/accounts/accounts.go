package accounts

import (
	"context"
	"fmt"
	"time"

	"github.com/carekey/carekey/internal/clock"
	"github.com/carekey/carekey/internal/secret"
	"github.com/carekey/carekey/internal/store"
	"github.com/carekey/carekey/pkg/claims"
)

// Store is the part of the system of record the service uses.
type Store interface {
	UpsertAccount(ctx context.Context, a store.Account, events ...store.AuditEvent) (store.Account, bool, error)
	GetAccount(ctx context.Context, id string) (store.Account, error)
	ListAccounts(ctx context.Context, f store.AccountFilter) ([]store.Account, error)
	Grant(ctx context.Context, g store.Grant, events ...store.AuditEvent) (store.Grant, bool, error)
	RevokeGrant(ctx context.Context, userID, accountID string, now time.Time, events ...store.AuditEvent) (store.Grant, error)
	ListGrants(ctx context.Context, userID string) ([]store.Grant, error)
	ListLiveAccountsForUser(ctx context.Context, userID string, now time.Time) ([]store.AccountWithRelationship, error)
}

// Actor is who makes a change, as the audit trail records it.
type Actor struct {
	Name     string // "admin:<client_id>", "system"
	ClientID string // the admin client, if any
}

// Service manages accounts and grants. Store and Clock are required.
type Service struct {
	Store Store
	Clock clock.Clock
	// NewID returns a new account ID (optional: secret.ID("acc_")).
	NewID func() string
}

// AccountInput is an account as a case system sends it.
type AccountInput struct {
	Source      string
	ExternalRef string
	Name        string
	Birthdate   string // YYYY-MM-DD, or empty if unknown
}

// GrantInput grants a user an account.
type GrantInput struct {
	UserID       string
	AccountID    string
	Relationship string
	ExpiresAt    time.Time // zero: never
}

// Audit event types written by the service.
const (
	EventAccountPut   = "account.put" // created or changed
	EventGrantCreated = "grant.created"
	EventGrantRevoked = "grant.revoked"
)

// Claim returns the accounts claim of the user: the accounts of their live
// grants, ordered by name then ID. It is oidcop.Config.Accounts.
func (s *Service) Claim(ctx context.Context, userID string) ([]claims.Account, error) {
	live, err := s.Store.ListLiveAccountsForUser(ctx, userID, s.Clock.Now())
	if err != nil {
		return nil, fmt.Errorf("accounts claim of %s: %w", userID, err)
	}
	out := make([]claims.Account, 0, len(live))
	for _, a := range live {
		out = append(out, claims.Account{ID: a.ID, Name: a.Name, Birthdate: a.Birthdate, Relationship: a.Relationship})
	}
	return out, nil
}

// PutAccount creates the account with in's external reference, or updates its
// name and date of birth. It returns the account and whether it was created,
// or a *ValidationError.
func (s *Service) PutAccount(ctx context.Context, by Actor, in AccountInput) (store.Account, bool, error) {
	now := s.Clock.Now()
	if err := ValidateAccount(in, now); err != nil {
		return store.Account{}, false, err
	}
	id := secret.ID("acc_")
	if s.NewID != nil {
		id = s.NewID()
	}
	a := store.Account{ID: id, Name: in.Name, Birthdate: in.Birthdate, Source: in.Source, ExternalRef: in.ExternalRef, CreatedAt: now, UpdatedAt: now}
	// The store writes the event only if the account is created or changed;
	// (source, external_ref) names it either way.
	ev := store.AuditEvent{Time: now, Type: EventAccountPut, ClientID: by.ClientID, Actor: by.Name,
		Detail: map[string]string{"source": in.Source, "external_ref": in.ExternalRef}}
	saved, created, err := s.Store.UpsertAccount(ctx, a, ev)
	if err != nil {
		return store.Account{}, false, fmt.Errorf("put account %s/%s: %w", in.Source, in.ExternalRef, err)
	}
	return saved, created, nil
}

// Grant lets in.UserID manage in.AccountID. A live grant with the same
// relationship and expiry is returned as is (created false, nothing written);
// a different live one is store.ErrConflict. Returns store.ErrNotFound for an
// unknown user or account, or a *ValidationError.
func (s *Service) Grant(ctx context.Context, by Actor, in GrantInput) (store.Grant, bool, error) {
	now := s.Clock.Now()
	if err := ValidateGrant(in, now); err != nil {
		return store.Grant{}, false, err
	}
	g := store.Grant{UserID: in.UserID, AccountID: in.AccountID, Relationship: in.Relationship,
		GrantedBy: by.Name, GrantedAt: now, ExpiresAt: in.ExpiresAt}
	detail := map[string]string{"account": in.AccountID, "relationship": in.Relationship}
	if !in.ExpiresAt.IsZero() {
		detail["expires_at"] = in.ExpiresAt.UTC().Format(time.RFC3339)
	}
	ev := store.AuditEvent{Time: now, Type: EventGrantCreated, UserID: in.UserID, ClientID: by.ClientID, Actor: by.Name, Detail: detail}
	saved, created, err := s.Store.Grant(ctx, g, ev)
	if err != nil {
		return saved, false, fmt.Errorf("grant %s to %s: %w", in.AccountID, in.UserID, err)
	}
	return saved, created, nil
}

// Revoke revokes the user's grant to the account (idempotent) and returns it.
// Returns store.ErrNotFound if there is none.
func (s *Service) Revoke(ctx context.Context, by Actor, userID, accountID string) (store.Grant, error) {
	now := s.Clock.Now()
	ev := store.AuditEvent{Time: now, Type: EventGrantRevoked, UserID: userID, ClientID: by.ClientID, Actor: by.Name,
		Detail: map[string]string{"account": accountID}}
	g, err := s.Store.RevokeGrant(ctx, userID, accountID, now, ev)
	if err != nil {
		return store.Grant{}, fmt.Errorf("revoke %s from %s: %w", accountID, userID, err)
	}
	return g, nil
}

// Grants returns every grant of the user (store.ErrNotFound for an unknown user).
func (s *Service) Grants(ctx context.Context, userID string) ([]store.Grant, error) {
	gs, err := s.Store.ListGrants(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("grants of %s: %w", userID, err)
	}
	return gs, nil
}

// Account returns one account (store.ErrNotFound if unknown).
func (s *Service) Account(ctx context.Context, id string) (store.Account, error) {
	return s.Store.GetAccount(ctx, id)
}

// Accounts returns a page of accounts ordered by ID.
func (s *Service) Accounts(ctx context.Context, f store.AccountFilter) ([]store.Account, error) {
	return s.Store.ListAccounts(ctx, f)
}
