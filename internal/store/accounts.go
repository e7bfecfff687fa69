package store

import (
	"context"
	"time"
)

// Account is a managed account: a person whose services a user may manage
// (a child, or the user themselves). Accounts come from a council's case
// system, which names each by an external reference unique within it.
type Account struct {
	ID          string // "acc_…"
	Name        string // display name
	Birthdate   string // YYYY-MM-DD, or empty if unknown
	Source      string // the system ExternalRef belongs to, e.g. "case-system"
	ExternalRef string // unique per Source
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Grant lets a user manage an account. There is at most one grant per
// (user, account); granting again after a revocation replaces it.
type Grant struct {
	UserID       string
	AccountID    string
	Relationship string // "self", "child", "parent", …
	GrantedBy    string // actor: "admin:<client>", "system"
	GrantedAt    time.Time
	ExpiresAt    time.Time // zero: never
	RevokedAt    time.Time // zero: not revoked
}

// Live reports whether g lets the user manage the account at now: not revoked
// and not expired (a grant expires at ExpiresAt exactly).
func (g Grant) Live(now time.Time) bool {
	return g.RevokedAt.IsZero() && (g.ExpiresAt.IsZero() || now.Before(g.ExpiresAt))
}

// AccountWithRelationship is an account a user may manage, with the grant's
// relationship and expiry.
type AccountWithRelationship struct {
	Account
	Relationship string
	ExpiresAt    time.Time // zero: never
}

// AccountFilter selects accounts for ListAccounts; zero fields match everything.
type AccountFilter struct {
	Source string
	After  string // paging cursor: only accounts whose ID sorts after it
	Limit  int    // 0: all
}

// AccountStore is the managed-accounts part of the system of record.
type AccountStore interface {
	// UpsertAccount creates the account with a's (Source, ExternalRef), using
	// a.ID, or updates the existing one's Name, Birthdate and UpdatedAt (its ID
	// and CreatedAt are kept). events are written in the same transaction, and
	// only when something changed: upserting the same values again is a no-op.
	// Returns the stored account and whether it was created; ErrConflict if
	// a.ID is taken by an account with another external reference.
	UpsertAccount(ctx context.Context, a Account, events ...AuditEvent) (Account, bool, error)
	// GetAccount returns the account with that ID, or ErrNotFound.
	GetAccount(ctx context.Context, id string) (Account, error)
	// ListAccounts returns matching accounts ordered by ID.
	ListAccounts(ctx context.Context, f AccountFilter) ([]Account, error)

	// Grant stores g unless the user already has a grant to the account that is
	// live at g.GrantedAt: then it returns that grant, false, and writes
	// nothing if it has the same Relationship and ExpiresAt, or ErrConflict if
	// not. A revoked or expired grant is replaced. events are written with the
	// new grant, in one transaction. Returns ErrNotFound if the user or the
	// account does not exist.
	Grant(ctx context.Context, g Grant, events ...AuditEvent) (Grant, bool, error)
	// RevokeGrant sets RevokedAt = now on the user's grant to the account and
	// writes events, in one transaction; it returns the revoked grant. Revoking
	// a revoked grant returns it unchanged and writes nothing. Returns
	// ErrNotFound if there is no grant (or no such user or account).
	RevokeGrant(ctx context.Context, userID, accountID string, now time.Time, events ...AuditEvent) (Grant, error)
	// ListGrants returns every grant of the user (revoked and expired ones too),
	// ordered by account ID. Returns ErrNotFound if there is no such user.
	ListGrants(ctx context.Context, userID string) ([]Grant, error)
	// ListLiveAccountsForUser returns the accounts the user's grants live at now
	// let them manage, ordered by name then ID; none for an unknown user.
	ListLiveAccountsForUser(ctx context.Context, userID string, now time.Time) ([]AccountWithRelationship, error)
}
