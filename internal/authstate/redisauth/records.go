package redisauth

import (
	"time"

	"github.com/carekey/carekey/internal/authstate"
)

// request is the stored form of an auth request: empty fields omitted, the
// ID in the key only. Its fields are authstate.AuthRequest's, in the same
// order, so that each converts to the other (a field added to the contract
// fails to compile here until it has a JSON name).
type request struct {
	ID                  string    `json:"-"`
	ClientID            string    `json:"client_id,omitempty"`
	RedirectURI         string    `json:"redirect_uri,omitempty"`
	State               string    `json:"state,omitempty"`
	Nonce               string    `json:"nonce,omitempty"`
	Scopes              []string  `json:"scopes,omitempty"`
	ResponseType        string    `json:"response_type,omitempty"`
	ResponseMode        string    `json:"response_mode,omitempty"`
	CodeChallenge       string    `json:"code_challenge,omitempty"`
	CodeChallengeMethod string    `json:"code_challenge_method,omitempty"`
	Prompt              []string  `json:"prompt,omitempty"`
	MaxAge              *uint     `json:"max_age,omitempty"` // nil omitted; 0 kept
	UILocales           []string  `json:"ui_locales,omitempty"`
	LoginHint           string    `json:"login_hint,omitempty"`
	ACRValues           []string  `json:"acr_values,omitempty"`
	BrowserHash         string    `json:"browser,omitempty"`
	HintSubject         string    `json:"hint_sub,omitempty"`
	UserID              string    `json:"user_id,omitempty"`
	SessionID           string    `json:"session_id,omitempty"`
	AuthTime            time.Time `json:"auth_time,omitzero"`
	AMR                 []string  `json:"amr,omitempty"`
	Done                bool      `json:"done,omitempty"`
	CodeIssued          bool      `json:"code_issued,omitempty"`
	CreatedAt           time.Time `json:"created_at,omitzero"`
	ExpiresAt           time.Time `json:"expires_at,omitzero"`
}

// toRequest is r's stored form, its times in UTC.
func toRequest(r authstate.AuthRequest) request {
	rec := request(r)
	rec.AuthTime, rec.CreatedAt, rec.ExpiresAt = rec.AuthTime.UTC(), rec.CreatedAt.UTC(), rec.ExpiresAt.UTC()
	return rec
}

// authRequest is rec, freshly decoded, as the contract's type.
func (rec request) authRequest(id string) authstate.AuthRequest {
	r := authstate.AuthRequest(toRequest(authstate.AuthRequest(rec)))
	r.ID = id
	return r
}

// token is the stored form of an access token, the ID in the key only, its
// fields authstate.AccessToken's in the same order.
type token struct {
	ID             string    `json:"-"`
	ClientID       string    `json:"client_id,omitempty"`
	Subject        string    `json:"sub,omitempty"`
	SessionID      string    `json:"sid,omitempty"`
	RefreshTokenID string    `json:"refresh_token_id,omitempty"`
	Scopes         []string  `json:"scopes,omitempty"`
	Audience       []string  `json:"aud,omitempty"`
	CreatedAt      time.Time `json:"created_at,omitzero"`
	ExpiresAt      time.Time `json:"expires_at,omitzero"`
}

// toToken is t's stored form, its times in UTC.
func toToken(t authstate.AccessToken) token {
	rec := token(t)
	rec.CreatedAt, rec.ExpiresAt = rec.CreatedAt.UTC(), rec.ExpiresAt.UTC()
	return rec
}

// accessToken is rec, freshly decoded, as the contract's type.
func (rec token) accessToken(id string) authstate.AccessToken {
	t := authstate.AccessToken(toToken(authstate.AccessToken(rec)))
	t.ID = id
	return t
}
