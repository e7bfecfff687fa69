// Package session defines browser sessions at the identity provider: who signed
// in, when, how (AMR), and which relying parties hold the session. A session
// ends after IdleTimeout without activity (sliding) or at ExpiresAt (absolute),
// whichever comes first. Backends live in session/redissession and
// session/memsession and pass session/sessiontest.
package session

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"time"
)

// ErrNotFound: no live session with that ID (unknown, deleted or expired).
var ErrNotFound = errors.New("session: not found")

// Session is one signed-in browser.
type Session struct {
	ID          string
	UserID      string
	AuthTime    time.Time
	AMR         []string
	Clients     []string // client IDs that received tokens in this session
	CreatedAt   time.Time
	LastSeen    time.Time
	IdleTimeout time.Duration
	ExpiresAt   time.Time // absolute end
}

// Valid reports whether s is alive at now: neither idle for IdleTimeout nor
// past ExpiresAt. The boundary instant itself is expired.
func (s Session) Valid(now time.Time) bool {
	return now.Before(s.LastSeen.Add(s.IdleTimeout)) && now.Before(s.ExpiresAt)
}

// Store keeps sessions. Backends read time from an injected clock.Clock.
type Store interface {
	// Create stores a new session. Returns an error if the ID is taken.
	Create(ctx context.Context, s Session) error
	// Get returns a live session, or ErrNotFound. It does not slide the idle timer.
	Get(ctx context.Context, id string) (Session, error)
	// Touch slides the idle timer to now and returns the session, or ErrNotFound.
	Touch(ctx context.Context, id string) (Session, error)
	// AddClient records that clientID received tokens in the session (set semantics).
	AddClient(ctx context.Context, id, clientID string) error
	// Delete ends a session; deleting a missing session is not an error.
	Delete(ctx context.Context, id string) error
	// ListByUser returns the user's live sessions.
	ListByUser(ctx context.Context, userID string) ([]Session, error)
	// DeleteByUser ends every session of the user and returns them.
	DeleteByUser(ctx context.Context, userID string) ([]Session, error)
}

// PublicID is the session identifier shown to relying parties (the sid claim
// of ID tokens and logout tokens). The session ID itself is the browser's
// cookie and never leaves carekey: PublicID is a one-way hash of it (the ID
// has 256 random bits, so it cannot be recovered), stable for the session's
// life so that logout tokens match the sid the relying party saw.
func PublicID(id string) string {
	sum := sha256.Sum256([]byte("carekey sid v1:" + id))
	return base64.RawURLEncoding.EncodeToString(sum[:24])
}
