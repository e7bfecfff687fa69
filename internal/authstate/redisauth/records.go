package redisauth

import (
	"time"

	"github.com/carekey/carekey/internal/authstate"
)

// request is the stored form of an auth request: empty fields omitted, the
// ID in the key only.
type request struct {
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
	HintSubject         string    `json:"hint_sub,omitempty"`
	ACRValues           []string  `json:"acr_values,omitempty"`
	BrowserHash         string    `json:"browser,omitempty"`
	CodeIssued          bool      `json:"code_issued,omitempty"`
	UserID              string    `json:"user_id,omitempty"`
	SessionID           string    `json:"session_id,omitempty"`
	AuthTime            time.Time `json:"auth_time,omitzero"`
	AMR                 []string  `json:"amr,omitempty"`
	Done                bool      `json:"done,omitempty"`
	CreatedAt           time.Time `json:"created_at,omitzero"`
	ExpiresAt           time.Time `json:"expires_at,omitzero"`
}

func toRequest(r authstate.AuthRequest) request {
	return request{
		ClientID:            r.ClientID,
		RedirectURI:         r.RedirectURI,
		State:               r.State,
		Nonce:               r.Nonce,
		Scopes:              r.Scopes,
		ResponseType:        r.ResponseType,
		ResponseMode:        r.ResponseMode,
		CodeChallenge:       r.CodeChallenge,
		CodeChallengeMethod: r.CodeChallengeMethod,
		Prompt:              r.Prompt,
		MaxAge:              r.MaxAge,
		UILocales:           r.UILocales,
		LoginHint:           r.LoginHint,
		HintSubject:         r.HintSubject,
		ACRValues:           r.ACRValues,
		BrowserHash:         r.BrowserHash,
		CodeIssued:          r.CodeIssued,
		UserID:              r.UserID,
		SessionID:           r.SessionID,
		AuthTime:            r.AuthTime.UTC(),
		AMR:                 r.AMR,
		Done:                r.Done,
		CreatedAt:           r.CreatedAt.UTC(),
		ExpiresAt:           r.ExpiresAt.UTC(),
	}
}

// authRequest is rec, freshly decoded, as the contract's type.
func (rec request) authRequest(id string) authstate.AuthRequest {
	return authstate.AuthRequest{
		ID:                  id,
		ClientID:            rec.ClientID,
		RedirectURI:         rec.RedirectURI,
		State:               rec.State,
		Nonce:               rec.Nonce,
		Scopes:              rec.Scopes,
		ResponseType:        rec.ResponseType,
		ResponseMode:        rec.ResponseMode,
		CodeChallenge:       rec.CodeChallenge,
		CodeChallengeMethod: rec.CodeChallengeMethod,
		Prompt:              rec.Prompt,
		MaxAge:              rec.MaxAge,
		UILocales:           rec.UILocales,
		LoginHint:           rec.LoginHint,
		HintSubject:         rec.HintSubject,
		ACRValues:           rec.ACRValues,
		BrowserHash:         rec.BrowserHash,
		CodeIssued:          rec.CodeIssued,
		UserID:              rec.UserID,
		SessionID:           rec.SessionID,
		AuthTime:            rec.AuthTime.UTC(),
		AMR:                 rec.AMR,
		Done:                rec.Done,
		CreatedAt:           rec.CreatedAt.UTC(),
		ExpiresAt:           rec.ExpiresAt.UTC(),
	}
}

// token is the stored form of an access token, the ID in the key only.
type token struct {
	ClientID       string    `json:"client_id,omitempty"`
	Subject        string    `json:"sub,omitempty"`
	SessionID      string    `json:"sid,omitempty"`
	RefreshTokenID string    `json:"refresh_token_id,omitempty"`
	Scopes         []string  `json:"scopes,omitempty"`
	Audience       []string  `json:"aud,omitempty"`
	CreatedAt      time.Time `json:"created_at,omitzero"`
	ExpiresAt      time.Time `json:"expires_at,omitzero"`
}

func toToken(t authstate.AccessToken) token {
	return token{
		ClientID:       t.ClientID,
		Subject:        t.Subject,
		SessionID:      t.SessionID,
		RefreshTokenID: t.RefreshTokenID,
		Scopes:         t.Scopes,
		Audience:       t.Audience,
		CreatedAt:      t.CreatedAt.UTC(),
		ExpiresAt:      t.ExpiresAt.UTC(),
	}
}

func (rec token) accessToken(id string) authstate.AccessToken {
	return authstate.AccessToken{
		ID:             id,
		ClientID:       rec.ClientID,
		Subject:        rec.Subject,
		SessionID:      rec.SessionID,
		RefreshTokenID: rec.RefreshTokenID,
		Scopes:         rec.Scopes,
		Audience:       rec.Audience,
		CreatedAt:      rec.CreatedAt.UTC(),
		ExpiresAt:      rec.ExpiresAt.UTC(),
	}
}
