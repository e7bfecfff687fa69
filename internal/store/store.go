// Package store is carekey's system of record: users, their password history,
// managed accounts and grants, signing keys, refresh tokens and the audit
// trail. It defines the contract (Store) and its sentinel errors; backends
// live in store/postgres and store/memstore, and both pass the one
// conformance suite in store/storetest.
//
// Every method takes ctx first and returns promptly when it is cancelled. Times
// go in and come out in UTC. Read-modify-write goes through updater closures
// that the backend makes atomic, so callers change only the fields they own.
package store

import (
	"context"
	"errors"
	"time"
)

// Sentinel errors. Callers branch on them with errors.Is.
var (
	// ErrNotFound: no record with that key.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict: a unique key (user ID, email, external ID, key ID, token
	// ID) is taken.
	ErrConflict = errors.New("store: conflict")
	// ErrTokenUsed: a refresh token was presented for rotation after it had
	// already been rotated: a sign of theft, so the caller revokes the family.
	ErrTokenUsed = errors.New("store: refresh token already used")
	// ErrTokenRevoked: the refresh token (or its family) was revoked.
	ErrTokenRevoked = errors.New("store: refresh token revoked")
)

// User is a person who signs in to carekey.
type User struct {
	ID            string
	Email         string // normalised: trimmed and lower-case; unique
	EmailVerified bool
	GivenName     string
	FamilyName    string
	PasswordHash  string // argon2id PHC string
	Phone         string // E.164; empty until a phone is enrolled
	PhoneVerified bool
	Profile       Profile

	// Lockout bookkeeping (design.md §3.3), durable here so a cache flush
	// cannot reset it.
	FailedLogins int       // wrong passwords in a row
	LockedUntil  time.Time // zero: not locked
	LockCount    int       // locks so far, for the doubling lock period
	// FailedCodes counts wrong phone codes in a row across every sign-in flow,
	// so restarting sign-in cannot reset the guesses (issue 10 point 5).
	FailedCodes int

	// TokensValidAfter: tokens, codes and completed auth requests of this user
	// issued or authenticated before it are dead (set when the password or the
	// phone is reset). Zero: no such limit.
	TokensValidAfter time.Time

	// The authenticator app (issue 16). TOTPSecret is the app's secret
	// sealed by the caller with the signing-key keyring (keys.Cipher,
	// base64); empty: no app. TOTPLastStep is the last RFC 6238 time step a
	// code was accepted for: a code of that step or an earlier one is a
	// replay. TOTPAddedAt is when the app was confirmed (zero: no app).
	TOTPSecret   string
	TOTPLastStep int64
	TOTPAddedAt  time.Time

	// ExternalID is the user's object ID in the directory they were
	// imported from (Azure AD B2C); unique when set, empty for users who
	// registered here. Imports find the user by it (GetUserByExternalID).
	ExternalID string
	// PasswordPending: the password was not migrated with the import; the
	// first sign-in checks it against the old directory and stores its hash
	// here (PasswordHash stays empty until then).
	PasswordPending bool

	// Language is the language the user reads carekey in, a BCP 47 tag:
	// "en" or "cy". Their emails, texts and calls are worded in it. Empty:
	// not chosen, which means English.
	Language string

	CreatedAt time.Time
	UpdatedAt time.Time
}

// Profile is what registration step 1 asks for.
type Profile struct {
	Professional bool
	Role         string
	Organisation string
	Street       string
	Town         string
	Postcode     string
}

// SigningKey is one key pair of the provider's key set. The private key is
// encrypted at rest by the caller (internal/keys); the store keeps bytes.
type SigningKey struct {
	ID         string
	Algorithm  string // "ES256" or "RS256"
	PrivateKey []byte // encrypted PKCS #8
	PublicKey  []byte // PKIX DER
	CreatedAt  time.Time
	// ExpiresAt: after it the key is neither used nor published. Zero: never.
	ExpiresAt time.Time
}

// RefreshToken is one refresh token. Rotation links tokens into a family: the
// family is revoked as a whole when a used token is presented again.
type RefreshToken struct {
	ID       string // SHA-256 (hex) of the token the client holds, never the token
	FamilyID string
	// ParentID is the ID of the token this one was rotated from; empty for
	// the first token of a family.
	ParentID string
	ClientID string
	UserID   string
	// SessionID is the public ID (session.PublicID) of the browser session the
	// family was issued in, never the session cookie.
	SessionID string
	Scopes    []string
	Audience  []string
	AMR       []string
	AuthTime  time.Time
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time // zero until rotated
	RevokedAt time.Time // zero until revoked
}

// AuditEvent is one security-relevant action. Audit events are appended in the
// same transaction as the change they record.
type AuditEvent struct {
	ID       int64 // assigned by the store, increasing
	Time     time.Time
	Type     string // e.g. "user.created", "signin.password_failed"
	UserID   string // subject of the action, if any
	ClientID string // OIDC or admin client, if any
	Actor    string // who did it: "user", "admin:<client>", "system"
	IP       string
	Detail   map[string]string // never secrets, codes or passwords
	// PrevHash and Hash chain the rows (audit.go); set by the store.
	PrevHash []byte
	Hash     []byte
}

// AuditFilter selects audit events; zero fields match everything.
type AuditFilter struct {
	UserID  string
	Type    string
	AfterID int64     // only rows with a higher ID: the paging cursor
	Since   time.Time // only rows at or after
	Until   time.Time // only rows before
	Limit   int       // 0: all
}

// Store is the system-of-record contract. Consumers declare the smaller
// interfaces they use; this one is for the conformance suite and internal/app.
type Store interface {
	// AccountStore: managed accounts and grants (accounts.go).
	AccountStore

	// CreateUser stores u, its first password-history entry (when
	// u.PasswordHash is set) and events, in one transaction. Returns
	// ErrConflict if the ID or the email is taken.
	CreateUser(ctx context.Context, u User, events ...AuditEvent) error
	// GetUser returns the user with that ID, or ErrNotFound.
	GetUser(ctx context.Context, id string) (User, error)
	// GetUserByEmail returns the user with that (normalised) email, or ErrNotFound.
	GetUserByEmail(ctx context.Context, email string) (User, error)
	// GetUserByExternalID returns the user imported with that external
	// (B2C object) ID, or ErrNotFound; an empty id is never found.
	GetUserByExternalID(ctx context.Context, externalID string) (User, error)
	// UpdateUser calls fn on the user inside a transaction and saves the result
	// together with the audit events fn returns. fn may run more than once, so it
	// must only change u. When PasswordHash changes, the new hash is appended to
	// the password history. Returns ErrNotFound, ErrConflict (email taken), or
	// fn's error (wrapped) after saving nothing.
	UpdateUser(ctx context.Context, id string, fn func(u *User) ([]AuditEvent, error)) (User, error)
	// PasswordHistory returns the user's last n password hashes, newest first
	// (the current one included).
	PasswordHistory(ctx context.Context, userID string, n int) ([]string, error)
	// ListAppUsers returns the IDs of the users with an authenticator app
	// (TOTPSecret set), in ID order. Called when the encryption key is
	// replaced, to reseal their secrets (`idp keys reencrypt`).
	ListAppUsers(ctx context.Context) ([]string, error)

	// CreateSigningKey stores k. Returns ErrConflict if the ID is taken.
	CreateSigningKey(ctx context.Context, k SigningKey) error
	// ListSigningKeys returns every key, oldest first (ties by ID).
	ListSigningKeys(ctx context.Context) ([]SigningKey, error)
	// DeleteSigningKey removes a key; deleting a missing key is not an error.
	DeleteSigningKey(ctx context.Context, id string) error
	// ResealSigningKey replaces key id's encrypted private half with
	// newPrivate if it is still oldPrivate (re-encryption under a new
	// encryption key). Returns ErrNotFound, or ErrConflict if the stored blob
	// is not oldPrivate (another replica resealed it first).
	ResealSigningKey(ctx context.Context, id string, oldPrivate, newPrivate []byte) error

	// CreateRefreshToken stores t and events (token.issued), in one
	// transaction. Returns ErrConflict if the ID is taken.
	CreateRefreshToken(ctx context.Context, t RefreshToken, events ...AuditEvent) error
	// GetRefreshToken returns the token with that ID (used or revoked ones
	// too), or ErrNotFound.
	GetRefreshToken(ctx context.Context, id string) (RefreshToken, error)
	// GetRefreshTokenWithUser returns the token with that ID (used or
	// revoked ones too) and its user, read together: the refresh grant needs
	// both. Returns ErrNotFound if there is no such token; a token whose
	// user no longer exists comes with a zero User.
	GetRefreshTokenWithUser(ctx context.Context, id string) (RefreshToken, User, error)
	// RotateRefreshToken marks oldID used at now and stores next, atomically.
	// Of concurrent rotations of one token exactly one succeeds; the others get
	// ErrTokenUsed. Returns ErrNotFound, ErrTokenUsed or ErrTokenRevoked and
	// stores nothing in those cases.
	RotateRefreshToken(ctx context.Context, oldID string, next RefreshToken, now time.Time) error
	// RetryRefreshRotation redoes the rotation of oldID for a client that
	// never received its result: if oldID was used at or after usedSince, is
	// not revoked, and a token rotated from it (ParentID oldID) is neither
	// used nor revoked, it marks that successor used at now and stores next
	// (whose ParentID is oldID), atomically. Of concurrent retries exactly one
	// succeeds. Returns ErrNotFound, ErrTokenRevoked, or ErrTokenUsed (oldID
	// unused, used before usedSince, or its successor used: a replay), and
	// stores nothing in those cases.
	RetryRefreshRotation(ctx context.Context, oldID string, next RefreshToken, usedSince, now time.Time) error
	// RevokeRefreshToken revokes one token (idempotent; ErrNotFound if missing).
	RevokeRefreshToken(ctx context.Context, id string, now time.Time) error
	// RevokeRefreshFamily revokes every token of the family (idempotent).
	RevokeRefreshFamily(ctx context.Context, familyID string, now time.Time) error
	// RevokeUserRefreshTokens revokes every token of the user (idempotent).
	RevokeUserRefreshTokens(ctx context.Context, userID string, now time.Time) error
	// RevokeSessionRefreshTokens revokes every token issued in the browser
	// session whose public ID is sessionID (idempotent). Called when that
	// session ends.
	RevokeSessionRefreshTokens(ctx context.Context, sessionID string, now time.Time) error

	// AppendAudit appends events on their own (when no other change goes with them).
	AppendAudit(ctx context.Context, events ...AuditEvent) error
	// ListAudit returns matching events, oldest first (in ID order).
	ListAudit(ctx context.Context, f AuditFilter) ([]AuditEvent, error)
	// PruneAudit deletes the oldest rows, in ID order up to the first row at
	// or after before (the newest row always stays), and appends a checkpoint event (AuditPruned) at now so
	// that VerifyAudit still holds; it returns how many rows it deleted (0: no
	// checkpoint either). It is the only way rows leave the trail; on
	// PostgreSQL it needs a role allowed to DELETE from audit_events.
	PruneAudit(ctx context.Context, before, now time.Time) (int, error)

	// DeleteExpired removes refresh tokens and signing keys that expired before
	// now, and returns how many records it removed.
	DeleteExpired(ctx context.Context, now time.Time) (int, error)
	// Ping reports whether the backend is reachable.
	Ping(ctx context.Context) error
	// Close releases the backend's resources.
	Close()
}

// UpdaterFrom is a Store that saves a change to a user read moments before
// without reading the row again first. UpdateUserFrom is UpdateUser(read.ID,
// fn) that calls fn on read: if the row still holds read, what fn changed
// and its events are saved at once (PostgreSQL: one round trip, where
// UpdateUser takes two); if the row has changed since (or fn fails on
// read), it is UpdateUser, fn running again on the row as it is. Either
// way fn's result is saved only on the row it was computed from.
type UpdaterFrom interface {
	UpdateUserFrom(ctx context.Context, read User, fn func(u *User) ([]AuditEvent, error)) (User, error)
}

// ClearAuditor is a Store that reads a user and appends audit events in one
// round trip, the events only if the user is clear at the time given: not
// locked (LockedUntil zero or not after it) and with no wrong codes or lock
// doubling outstanding (FailedCodes and LockCount zero). It returns the user
// as read and whether the events were appended; ErrNotFound (nothing
// appended) for a missing user. A right phone code, the usual case, is
// checked and audited this way; anything else takes the longer path.
type ClearAuditor interface {
	AppendAuditIfClear(ctx context.Context, userID string, at time.Time, events ...AuditEvent) (User, bool, error)
}

// ClearAt reports whether u is clear at t in ClearAuditor's sense: not
// locked, no wrong codes or lock doubling outstanding.
func (u User) ClearAt(t time.Time) bool {
	return !t.Before(u.LockedUntil) && u.FailedCodes == 0 && u.LockCount == 0
}
