package oidcop

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/carekey/carekey/internal/authstate"
	"github.com/carekey/carekey/internal/session"
	"github.com/carekey/carekey/internal/store"
	"github.com/carekey/carekey/pkg/claims"
)

type ctxKey struct{}

type clientCtxKey struct{}

func withClientID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, clientCtxKey{}, id)
}

func clientIDFromContext(ctx context.Context) string {
	s, _ := ctx.Value(clientCtxKey{}).(string)
	return s
}

// WithSessionID returns ctx carrying the browser's session ID (from its
// cookie), so /end_session can end it even without an id_token_hint.
func WithSessionID(ctx context.Context, sid string) context.Context {
	return context.WithValue(ctx, ctxKey{}, sid)
}

// SessionIDFromContext returns the session ID set by WithSessionID, or "".
func SessionIDFromContext(ctx context.Context) string {
	s, _ := ctx.Value(ctxKey{}).(string)
	return s
}

// claimsFor says where claims are going: an ID token may travel through the
// browser (id_token_hint in logout and authorize URLs, relying parties' logs),
// so it never carries the phone number, and carries the accounts claim
// (children's names and birth dates) only for a client configured with
// accounts_in_id_token, which promises to keep its ID tokens out of URLs;
// userinfo and introspection, answered only to a holder of the access token,
// carry both.
type claimsFor int

const (
	forIDToken claimsFor = iota
	forAccessToken
)

// setUserinfo fills info with the claims that scopes allow for dest.
func (s *storage) setUserinfo(ctx context.Context, info *oidc.UserInfo, userID, clientID string, scopes []string, dest claimsFor) error {
	u, err := s.user(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return oidc.ErrInvalidRequest().WithDescription("user no longer exists")
	}
	if err != nil {
		return serverError(ctx, fmt.Errorf("get user %s: %w", userID, err))
	}
	return s.fillUserinfo(ctx, info, u, clientID, scopes, dest)
}

// fillUserinfo fills info with the claims of u that scopes allow for dest.
func (s *storage) fillUserinfo(ctx context.Context, info *oidc.UserInfo, u store.User, clientID string, scopes []string, dest claimsFor) error {
	c := s.clients[clientID]
	for _, sc := range scopes {
		if c != nil && !c.IsScopeAllowed(sc) {
			continue
		}
		switch sc {
		case oidc.ScopeOpenID:
			info.Subject = u.ID
		case oidc.ScopeProfile:
			info.GivenName = u.GivenName
			info.FamilyName = u.FamilyName
			info.Name = strings.TrimSpace(u.GivenName + " " + u.FamilyName)
			info.UpdatedAt = oidc.FromTime(u.UpdatedAt)
		case oidc.ScopeEmail:
			info.Email = u.Email
			info.EmailVerified = oidc.Bool(u.EmailVerified)
		case oidc.ScopePhone:
			if dest == forAccessToken && u.Phone != "" {
				info.PhoneNumber = u.Phone
				info.PhoneNumberVerified = oidc.Bool(u.PhoneVerified)
			}
		case claims.ScopeAccounts:
			if s.cfg.Accounts == nil || dest == forIDToken && (c == nil || !c.cfg.AccountsInIDToken) {
				continue
			}
			accs, err := s.cfg.Accounts(ctx, u.ID)
			if err != nil {
				return serverError(ctx, fmt.Errorf("accounts of %s: %w", u.ID, err))
			}
			if accs == nil {
				accs = []claims.Account{}
			}
			info.AppendClaims(claims.ClaimAccounts, accs)
		}
	}
	return nil
}

// SetUserinfoFromScopes is called when op builds an ID token: no phone number,
// and the accounts claim only for a client with accounts_in_id_token (see
// claimsFor).
func (s *storage) SetUserinfoFromScopes(ctx context.Context, info *oidc.UserInfo, userID, clientID string, scopes []string) error {
	return s.setUserinfo(ctx, info, userID, clientID, scopes, forIDToken)
}

// SetUserinfoFromRequest is called after SetUserinfoFromScopes when op builds an
// ID token; it adds the session ID (sid) for logout, and a refreshed ID
// token's acr.
func (s *storage) SetUserinfoFromRequest(_ context.Context, info *oidc.UserInfo, req op.IDTokenRequest, _ []string) error {
	if cr, ok := req.(codeRequest); ok {
		req = cr.authRequest
	}
	var sid string
	switch r := req.(type) {
	case authRequest:
		if r.r.SessionID != "" {
			sid = session.PublicID(r.r.SessionID)
		}
	case *refreshRequest:
		sid = r.t.SessionID // stored as the public ID already
		// op sets acr only from an auth request; a refreshed ID token keeps
		// the sign-in's (OpenID Connect Core §12.2).
		if acr := r.GetACR(); acr != "" {
			info.AppendClaims("acr", acr)
		}
	}
	if sid != "" {
		info.AppendClaims("sid", sid)
	}
	return nil
}

// liveAccessToken returns the access token if it exists, has not expired, its
// refresh family (if any) has not been revoked and, for a user's token, it was
// issued no earlier than the user's TokensValidAfter (password or phone
// reset). It returns that user too (zero for a client's own token), so that a
// token use reads the user once.
func (s *storage) liveAccessToken(ctx context.Context, id, subject string) (authstate.AccessToken, store.User, error) {
	invalid := oidc.ErrInvalidRequest().WithDescription("invalid token")
	t, err := s.cfg.State.GetAccessToken(ctx, id)
	if err != nil {
		return t, store.User{}, invalid.WithParent(err)
	}
	if t.Subject != subject || !s.now().Before(t.ExpiresAt) {
		return t, store.User{}, invalid
	}
	if t.RefreshTokenID != "" {
		rt, err := s.cfg.RefreshTokens.GetRefreshToken(ctx, t.RefreshTokenID)
		switch {
		case errors.Is(err, store.ErrNotFound), err == nil && !rt.RevokedAt.IsZero():
			return t, store.User{}, invalid
		case err != nil:
			return t, store.User{}, serverError(ctx, fmt.Errorf("get refresh token of access token: %w", err))
		}
	}
	if _, ok := s.clients[t.Subject]; ok { // client credentials: no user
		return t, store.User{}, nil
	}
	u, err := s.user(ctx, t.Subject)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return t, u, invalid.WithParent(err)
	case err != nil:
		return t, u, serverError(ctx, fmt.Errorf("get user %s: %w", t.Subject, err))
	case t.CreatedAt.Before(u.TokensValidAfter):
		return t, u, invalid
	}
	return t, u, nil
}

// SetUserinfoFromToken is called by /userinfo with the access token's ID.
func (s *storage) SetUserinfoFromToken(ctx context.Context, info *oidc.UserInfo, tokenID, subject, _ string) error {
	t, u, err := s.liveAccessToken(ctx, tokenID, subject)
	if err != nil {
		return err
	}
	if u.ID == "" {
		return oidc.ErrInvalidRequest().WithDescription("not a user's token")
	}
	return s.fillUserinfo(ctx, info, u, t.ClientID, t.Scopes, forAccessToken)
}

// SetIntrospectionFromToken is called by /oauth/introspect for a live access
// token; clientID is the introspecting client.
func (s *storage) SetIntrospectionFromToken(ctx context.Context, resp *oidc.IntrospectionResponse, tokenID, subject, clientID string) error {
	t, u, err := s.liveAccessToken(ctx, tokenID, subject)
	if err != nil {
		return err
	}
	if t.ClientID != clientID && !slices.Contains(t.Audience, clientID) {
		return oidc.ErrInvalidRequest().WithDescription("token not issued to this client")
	}
	info := new(oidc.UserInfo)
	if u.ID != "" { // a user, not a client-credentials token
		if err := s.fillUserinfo(ctx, info, u, t.ClientID, t.Scopes, forAccessToken); err != nil {
			return err
		}
	}
	resp.SetUserInfo(info)
	resp.Active = true
	resp.Subject = t.Subject
	resp.ClientID = t.ClientID
	resp.Scope = oidc.SpaceDelimitedArray(t.Scopes)
	resp.Audience = t.Audience
	resp.Expiration = oidc.FromTime(t.ExpiresAt)
	resp.IssuedAt = oidc.FromTime(t.CreatedAt)
	resp.TokenType = oidc.BearerToken
	return nil
}

// GetPrivateClaimsFromScopes is called for JWT access tokens, which carekey
// does not issue; it adds nothing.
func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}
