// Package authstate defines the short-lived OpenID Connect state: authorization
// requests waiting for the user to sign in, authorization codes and access
// tokens. Backends live in authstate/redisauth and authstate/memauth and pass
// authstate/authstatetest. Records carry their own ExpiresAt; an expired record
// is reported as ErrNotFound, judged by the backend's injected clock.
package authstate

import (
	"context"
	"errors"
	"time"
)

// Sentinel errors.
var (
	// ErrNotFound: unknown, consumed or expired.
	ErrNotFound = errors.New("authstate: not found")
	// ErrConflict: the ID is taken.
	ErrConflict = errors.New("authstate: conflict")
	// ErrCodeReused: an authorization code was presented after it had been
	// exchanged. The caller revokes the tokens that exchange issued
	// (RFC 6749 §4.1.2).
	ErrCodeReused = errors.New("authstate: code already used")
)

// AuthRequest is an OIDC authorization request from a relying party.
type AuthRequest struct {
	ID                  string
	ClientID            string
	RedirectURI         string
	State               string
	Nonce               string
	Scopes              []string
	ResponseType        string
	ResponseMode        string
	CodeChallenge       string
	CodeChallengeMethod string
	Prompt              []string
	MaxAge              *uint // seconds; nil: not given
	UILocales           []string
	LoginHint           string
	ACRValues           []string
	// BrowserHash is the SHA-256 (hex) of the browser-binding cookie of the
	// browser that started the request: only that browser may sign in for
	// it and receive its code.
	BrowserHash string
	// HintSubject is the subject of a verified id_token_hint: the request
	// may be answered only for that user.
	HintSubject string

	// Set when the user has signed in for this request.
	UserID    string
	SessionID string
	AuthTime  time.Time
	AMR       []string
	Done      bool
	// CodeIssued: the request's one code has been issued; it yields no other.
	CodeIssued bool

	CreatedAt time.Time
	ExpiresAt time.Time
}

// AccessToken is the server-side record of an opaque access token.
type AccessToken struct {
	ID             string
	ClientID       string
	Subject        string
	SessionID      string
	RefreshTokenID string
	Scopes         []string
	Audience       []string
	CreatedAt      time.Time
	ExpiresAt      time.Time
}

// CodeTokens are the tokens one exchange of an authorization code issued.
type CodeTokens struct {
	AccessTokenIDs   []string
	RefreshFamilyIDs []string
}

// Store keeps short-lived OIDC state.
type Store interface {
	// CreateAuthRequest stores r. Returns ErrConflict if the ID is taken.
	CreateAuthRequest(ctx context.Context, r AuthRequest) error
	// GetAuthRequest returns the request, or ErrNotFound.
	GetAuthRequest(ctx context.Context, id string) (AuthRequest, error)
	// UpdateAuthRequest calls fn on the request and saves the result atomically
	// (fn may run more than once). Returns ErrNotFound or fn's error.
	UpdateAuthRequest(ctx context.Context, id string, fn func(r *AuthRequest) error) (AuthRequest, error)
	// DeleteAuthRequest removes it; deleting a missing request is not an error.
	DeleteAuthRequest(ctx context.Context, id string) error

	// SaveCode binds a code (the caller passes its hash) to an auth request
	// until expiresAt.
	SaveCode(ctx context.Context, codeHash, authRequestID string, expiresAt time.Time) error
	// ConsumeCode returns the auth request ID bound to codeHash and, in the
	// same atomic step, turns the binding into a record of a used code kept
	// until usedUntil: of N concurrent calls exactly one succeeds. While that
	// record lasts every later call marks the code replayed and returns
	// ErrCodeReused (the caller then revokes its UsedCodeTokens); an unknown
	// or expired code is ErrNotFound.
	ConsumeCode(ctx context.Context, codeHash string, usedUntil time.Time) (authRequestID string, err error)
	// AddCodeTokens records t as issued for the used code codeHash, atomically
	// with ConsumeCode's replay mark: if the code has been presented again
	// since it was consumed it records nothing and returns ErrCodeReused, and
	// the caller revokes t itself. ErrNotFound: no record of the code.
	AddCodeTokens(ctx context.Context, codeHash string, t CodeTokens) error
	// UsedCodeTokens returns every token AddCodeTokens recorded for the used
	// code codeHash, or ErrNotFound.
	UsedCodeTokens(ctx context.Context, codeHash string) (CodeTokens, error)

	// CreateAccessToken stores t. Returns ErrConflict if the ID is taken.
	CreateAccessToken(ctx context.Context, t AccessToken) error
	// GetAccessToken returns the token, or ErrNotFound.
	GetAccessToken(ctx context.Context, id string) (AccessToken, error)
	// DeleteAccessToken removes it; deleting a missing token is not an error.
	DeleteAccessToken(ctx context.Context, id string) error

	// Ping reports whether the backend is reachable.
	Ping(ctx context.Context) error
}
