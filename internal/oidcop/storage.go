package oidcop

import (
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sync/atomic"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/carekey/carekey/internal/authstate"
	"github.com/carekey/carekey/internal/keys"
	"github.com/carekey/carekey/internal/secret"
	"github.com/carekey/carekey/internal/session"
	"github.com/carekey/carekey/internal/store"
)

// storage implements op.Storage. Each method's comment says when op calls it.
type storage struct {
	cfg        Config
	clients    map[string]*client
	clientKeys *clientKeys // private_key_jwt clients' public keys (clientauth.go)
}

var (
	_ op.Storage                        = (*storage)(nil)
	_ op.ClientCredentialsStorage       = (*storage)(nil)
	_ op.CanSetUserinfoFromRequest      = (*storage)(nil)
	_ op.CanTerminateSessionFromRequest = (*storage)(nil)
)

func (s *storage) now() time.Time { return s.cfg.Clock.Now() }

// authRequest adapts a stored auth request to op.AuthRequest; acr is the
// configured tokens.acr, claimed once the request is signed in with two
// factors.
type authRequest struct {
	r   authstate.AuthRequest
	acr string
}

// authRequest wraps a stored auth request with the configured acr.
func (s *storage) authRequest(r authstate.AuthRequest) authRequest {
	return authRequest{r: r, acr: s.cfg.Tokens.ACR}
}

// acrFor is the acr of a sign-in with the methods amr: the configured value
// when it used two factors (amr has "mfa"), else none.
func acrFor(acr string, amr []string) string {
	if slices.Contains(amr, "mfa") {
		return acr
	}
	return ""
}

var _ op.AuthRequest = authRequest{}

func (a authRequest) GetID() string          { return a.r.ID }
func (a authRequest) GetACR() string         { return acrFor(a.acr, a.r.AMR) }
func (a authRequest) GetAMR() []string       { return a.r.AMR }
func (a authRequest) GetAudience() []string  { return []string{a.r.ClientID} }
func (a authRequest) GetAuthTime() time.Time { return a.r.AuthTime }
func (a authRequest) GetClientID() string    { return a.r.ClientID }
func (a authRequest) GetNonce() string       { return a.r.Nonce }
func (a authRequest) GetRedirectURI() string { return a.r.RedirectURI }
func (a authRequest) GetScopes() []string    { return a.r.Scopes }
func (a authRequest) GetState() string       { return a.r.State }
func (a authRequest) GetSubject() string     { return a.r.UserID }
func (a authRequest) Done() bool             { return a.r.Done }
func (a authRequest) GetResponseType() oidc.ResponseType {
	return oidc.ResponseType(a.r.ResponseType)
}
func (a authRequest) GetResponseMode() oidc.ResponseMode {
	return oidc.ResponseMode(a.r.ResponseMode)
}
func (a authRequest) GetCodeChallenge() *oidc.CodeChallenge {
	if a.r.CodeChallenge == "" {
		return nil
	}
	return &oidc.CodeChallenge{Challenge: a.r.CodeChallenge, Method: oidc.CodeChallengeMethod(a.r.CodeChallengeMethod)}
}

// CreateAuthRequest is called by /authorize once op has validated the client,
// redirect URI, response type and scopes.
// hintSubject is the subject of the verified id_token_hint, if any.
func (s *storage) CreateAuthRequest(ctx context.Context, req *oidc.AuthRequest, hintSubject string) (op.AuthRequest, error) {
	c, ok := s.clients[req.ClientID]
	if !ok {
		return nil, oidc.ErrInvalidClient().WithDescription("unknown client")
	}
	switch {
	case req.CodeChallenge == "" && c.cfg.Public:
		return nil, oidc.ErrInvalidRequest().WithDescription("PKCE with code_challenge_method=S256 is required")
	case req.CodeChallenge != "" && req.CodeChallengeMethod != oidc.CodeChallengeMethodS256:
		return nil, oidc.ErrInvalidRequest().WithDescription("code_challenge_method must be S256")
	}
	browser := BrowserFromContext(ctx)
	if browser == "" {
		// The web layer binds every request to its browser; without a binding
		// no one could complete it safely.
		return nil, oidc.ErrServerError().WithDescription("authorization request not bound to a browser")
	}
	now := s.now()
	r := authstate.AuthRequest{
		ID:                  secret.ID("ar_"),
		BrowserHash:         browserHash(browser),
		ClientID:            req.ClientID,
		RedirectURI:         req.RedirectURI,
		State:               req.State,
		Nonce:               req.Nonce,
		Scopes:              req.Scopes,
		ResponseType:        string(req.ResponseType),
		ResponseMode:        string(req.ResponseMode),
		CodeChallenge:       req.CodeChallenge,
		CodeChallengeMethod: string(req.CodeChallengeMethod),
		Prompt:              req.Prompt,
		MaxAge:              req.MaxAge,
		LoginHint:           req.LoginHint,
		HintSubject:         hintSubject,
		ACRValues:           req.ACRValues,
		CreatedAt:           now,
		ExpiresAt:           now.Add(s.cfg.Tokens.AuthRequestTTL),
	}
	for _, t := range req.UILocales {
		r.UILocales = append(r.UILocales, t.String())
	}
	if err := s.cfg.State.CreateAuthRequest(ctx, r); err != nil {
		return nil, serverError(ctx, fmt.Errorf("create auth request: %w", err))
	}
	return s.authRequest(r), nil
}

// AuthRequestByID is called by the callback after sign-in and by op when it
// needs the request again.
func (s *storage) AuthRequestByID(ctx context.Context, id string) (op.AuthRequest, error) {
	r, err := s.cfg.State.GetAuthRequest(ctx, id)
	switch {
	case errors.Is(err, authstate.ErrNotFound):
		return nil, oidc.ErrInvalidRequest().WithDescription("unknown or expired authorization request").WithParent(err)
	case err != nil:
		return nil, serverError(ctx, fmt.Errorf("auth request %s: %w", id, err))
	}
	return s.authRequest(r), nil
}

// AuthRequestByCode is called by the token endpoint. The code is consumed here,
// atomically, and the auth request is removed: one code, one set of tokens. A
// code presented again revokes the tokens its first exchange issued (RFC 6749
// §4.1.2).
func (s *storage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	hash := secret.HashToken(code)
	id, err := s.cfg.State.ConsumeCode(ctx, hash, s.now().Add(s.usedCodeTTL()))
	switch {
	case errors.Is(err, authstate.ErrCodeReused):
		s.revokeCodeTokens(ctx, hash)
		return nil, oidc.ErrInvalidGrant().WithDescription("invalid or used code").WithParent(err)
	case errors.Is(err, authstate.ErrNotFound):
		return nil, oidc.ErrInvalidGrant().WithDescription("invalid or used code").WithParent(err)
	case err != nil: // Redis did not answer: the code may still be good
		return nil, serverError(ctx, fmt.Errorf("consume code: %w", err))
	}
	r, err := s.cfg.State.GetAuthRequest(ctx, id)
	switch {
	case errors.Is(err, authstate.ErrNotFound):
		return nil, oidc.ErrInvalidGrant().WithDescription("invalid or used code").WithParent(err)
	case err != nil:
		return nil, serverError(ctx, fmt.Errorf("auth request of code: %w", err))
	}
	if err := s.cfg.State.DeleteAuthRequest(ctx, id); err != nil {
		return nil, serverError(ctx, fmt.Errorf("delete auth request: %w", err))
	}
	if !r.Done {
		return nil, oidc.ErrInvalidGrant().WithDescription("invalid or used code")
	}
	// The sign-in behind the code must still stand: a code whose session
	// ended (sign-out, password reset) or whose user's credentials were reset
	// yields no tokens.
	if err := s.signInStands(ctx, r); errors.Is(err, ErrSessionEnded) {
		return nil, oidc.ErrInvalidGrant().WithDescription("the sign-in behind this code has ended")
	} else if err != nil {
		return nil, serverError(ctx, err)
	}
	return codeRequest{s.authRequest(r), hash}, nil
}

// codeRequest is the auth request of a code being exchanged: the tokens
// issued for it are recorded against the code (recordCodeTokens).
type codeRequest struct {
	authRequest
	codeHash string
}

// usedCodeTTL is how long a used code is remembered, so that a replay can
// still revoke what it issued: as long as those tokens live unrotated.
func (s *storage) usedCodeTTL() time.Duration {
	return max(s.cfg.Tokens.AccessTokenTTL, s.cfg.Tokens.RefreshTokenTTL)
}

// recordCodeTokens records the tokens just issued for req if it is a code
// exchange. If the code has meanwhile been presented again, it revokes them
// and refuses the exchange.
func (s *storage) recordCodeTokens(ctx context.Context, req op.TokenRequest, t authstate.CodeTokens) error {
	cr, ok := req.(codeRequest)
	if !ok {
		return nil
	}
	err := s.cfg.State.AddCodeTokens(ctx, cr.codeHash, t)
	switch {
	case errors.Is(err, authstate.ErrCodeReused):
		s.revokeTokens(ctx, t, cr.r.ClientID, "authorization code replayed during its exchange")
		s.audit(ctx, store.AuditEvent{Type: auditCodeReplayed, UserID: cr.r.UserID, ClientID: cr.r.ClientID,
			Detail: map[string]string{"when": "during its exchange"}})
		return oidc.ErrInvalidGrant().WithDescription("invalid or used code")
	case err != nil:
		return serverError(ctx, fmt.Errorf("record tokens of code: %w", err))
	}
	return nil
}

// revokeCodeTokens revokes what the first exchange of a replayed code issued.
func (s *storage) revokeCodeTokens(ctx context.Context, codeHash string) {
	t, err := s.cfg.State.UsedCodeTokens(ctx, codeHash)
	if err != nil {
		s.cfg.Logger.ErrorContext(ctx, "tokens of a replayed code", "err", err)
		return
	}
	s.revokeTokens(ctx, t, "", "authorization code replayed")
	s.audit(ctx, store.AuditEvent{Type: auditCodeReplayed, Actor: "unknown",
		Detail: map[string]string{"access_tokens": fmt.Sprint(len(t.AccessTokenIDs)), "refresh_families": fmt.Sprint(len(t.RefreshFamilyIDs))}})
}

// revokeTokens deletes the access tokens and revokes the refresh families of t.
func (s *storage) revokeTokens(ctx context.Context, t authstate.CodeTokens, clientID, why string) {
	for _, id := range t.AccessTokenIDs {
		if err := s.cfg.State.DeleteAccessToken(ctx, id); err != nil {
			s.cfg.Logger.ErrorContext(ctx, "revoke access token", "err", err)
		}
	}
	for _, f := range t.RefreshFamilyIDs {
		if err := s.cfg.RefreshTokens.RevokeRefreshFamily(ctx, f, s.now()); err != nil {
			s.cfg.Logger.ErrorContext(ctx, "revoke refresh token family", "family", f, "err", err)
		}
	}
	s.cfg.Logger.WarnContext(ctx, "tokens revoked", "client", clientID, "access_tokens", len(t.AccessTokenIDs),
		"refresh_families", len(t.RefreshFamilyIDs), "reason", why)
}

// SaveAuthCode is called by the callback when it issues a code. It marks the
// request answered in the same atomic step that checks it may be: the browser
// that started it (from the context, see WithBrowser), signed in, not yet
// answered, its sign-in still standing. So an auth request yields at most one
// code, ever, and only to its own browser.
func (s *storage) SaveAuthCode(ctx context.Context, id, code string) error {
	token := BrowserFromContext(ctx)
	have, err := s.cfg.State.GetAuthRequest(ctx, id)
	switch {
	case errors.Is(err, authstate.ErrNotFound):
		return oidc.ErrInvalidRequest().WithDescription("unknown or expired authorization request").WithParent(err)
	case err != nil:
		return serverError(ctx, fmt.Errorf("auth request %s: %w", id, err))
	}
	if err := s.signInStands(ctx, have); errors.Is(err, ErrSessionEnded) {
		return oidc.ErrAccessDenied().WithDescription("the sign-in for this request has ended").WithParent(err)
	} else if err != nil {
		return serverError(ctx, err)
	}
	// The code is written with the swap that marks the request answered,
	// when the store can (one round trip), and deleted again if the swap
	// refuses: nobody but this request knows it until the redirect.
	codeHash, codeEnd := secret.HashToken(code), s.now().Add(s.cfg.Tokens.CodeTTL)
	saved := func() error { return s.cfg.State.SaveCode(ctx, codeHash, id, codeEnd) }
	drop := func() {}
	if sa, ok := s.cfg.State.(interface {
		SaveCodeAhead(ctx context.Context, codeHash, authRequestID string, expiresAt time.Time) (func() error, func())
	}); ok {
		saved, drop = sa.SaveCodeAhead(ctx, codeHash, id, codeEnd)
	}
	_, err = s.cfg.State.UpdateAuthRequest(ctx, id, func(r *authstate.AuthRequest) error {
		switch {
		case !SameBrowser(*r, token):
			return ErrWrongBrowser
		case !r.Done:
			return ErrNotSignedIn
		case r.CodeIssued:
			return ErrCodeIssued
		}
		r.CodeIssued = true
		return nil
	})
	if err != nil {
		drop()
		return oidc.ErrInvalidRequest().WithDescription("authorization request already answered or not yours").WithParent(err)
	}
	if err := saved(); err != nil {
		return serverError(ctx, fmt.Errorf("save code: %w", err))
	}
	return nil
}

// DeleteAuthRequest is called by op after tokens were issued for a code.
func (s *storage) DeleteAuthRequest(ctx context.Context, id string) error {
	if err := s.cfg.State.DeleteAuthRequest(ctx, id); err != nil {
		return serverError(ctx, fmt.Errorf("delete auth request %s: %w", id, err))
	}
	return nil
}

// tokenInfo is what every token request carries, whatever its origin.
// sessionID is the session's public ID (session.PublicID), never its cookie.
type tokenInfo struct {
	subject, clientID, sessionID string
	scopes, audience, amr        []string
	authTime                     time.Time
}

func infoOf(req op.TokenRequest) tokenInfo {
	if cr, ok := req.(codeRequest); ok {
		req = cr.authRequest
	}
	t := tokenInfo{subject: req.GetSubject(), scopes: req.GetScopes(), audience: req.GetAudience()}
	switch r := req.(type) {
	case authRequest:
		t.clientID, t.amr, t.authTime = r.r.ClientID, r.r.AMR, r.r.AuthTime
		if r.r.SessionID != "" {
			t.sessionID = session.PublicID(r.r.SessionID)
		}
	case *refreshRequest: // stored with the public ID already
		t.clientID, t.sessionID, t.amr, t.authTime = r.t.ClientID, r.t.SessionID, r.t.AMR, r.t.AuthTime
	case *clientCredentialsRequest:
		t.clientID = r.clientID
	}
	return t
}

// CreateAccessToken is called by the token endpoint when no refresh token is
// issued (no offline_access, client credentials).
func (s *storage) CreateAccessToken(ctx context.Context, req op.TokenRequest) (string, time.Time, error) {
	info := infoOf(req)
	id, exp, written, err := s.createAccessTokenFor(ctx, req, info, "")
	if err != nil {
		return "", time.Time{}, err
	}
	recorded := s.recordCodeTokens(ctx, req, authstate.CodeTokens{AccessTokenIDs: []string{id}})
	if err := written(); err != nil {
		return "", time.Time{}, err
	}
	if recorded != nil {
		return "", time.Time{}, recorded
	}
	s.auditIssued(ctx, req, info, false)
	return id, exp, nil
}

// accessTokenAhead is a state store that can send an access token's write
// ahead, to ride with the request's next round trip (redisauth).
type accessTokenAhead interface {
	CreateAccessTokenAhead(ctx context.Context, t authstate.AccessToken) (await func() error)
}

// createAccessTokenFor creates an access token for req. For a code
// exchange, whose next state-store write is the swap that records the
// tokens the code issued (recordCodeTokens), a store that can sends the
// token's write ahead with that swap, in one round trip (issue 13; the
// token exists before the record names it, as the pipeline runs in order):
// written then awaits it and must be called, after the record. Otherwise the
// token is written at once and written returns nil.
func (s *storage) createAccessTokenFor(ctx context.Context, req op.TokenRequest, info tokenInfo, refreshID string) (id string, exp time.Time, written func() error, err error) {
	ahead, ok := s.cfg.State.(accessTokenAhead)
	if _, code := req.(codeRequest); !ok || !code {
		id, exp, err = s.createAccessToken(ctx, info, refreshID)
		return id, exp, func() error { return nil }, err
	}
	t := s.newAccessToken(info, refreshID)
	await := ahead.CreateAccessTokenAhead(ctx, t)
	return t.ID, t.ExpiresAt, func() error {
		if err := await(); err != nil {
			return serverError(ctx, fmt.Errorf("create access token: %w", err))
		}
		return nil
	}, nil
}

func (s *storage) createAccessToken(ctx context.Context, info tokenInfo, refreshID string) (string, time.Time, error) {
	t := s.newAccessToken(info, refreshID)
	if err := s.cfg.State.CreateAccessToken(ctx, t); err != nil {
		return "", time.Time{}, serverError(ctx, fmt.Errorf("create access token: %w", err))
	}
	return t.ID, t.ExpiresAt, nil
}

// newAccessToken is a new access token for info, not yet stored.
func (s *storage) newAccessToken(info tokenInfo, refreshID string) authstate.AccessToken {
	now := s.now()
	return authstate.AccessToken{
		ID:             secret.ID("at_"),
		ClientID:       info.clientID,
		Subject:        info.subject,
		SessionID:      info.sessionID,
		RefreshTokenID: refreshID,
		Scopes:         info.scopes,
		Audience:       info.audience,
		CreatedAt:      now,
		ExpiresAt:      now.Add(s.cfg.Tokens.AccessTokenTTL),
	}
}

// CreateAccessAndRefreshTokens is called by the token endpoint for a code with
// offline_access (currentRefreshToken empty: a new family) and for every
// refresh (the presented token is rotated).
//
// The access token is written (to the state store) before the refresh token
// is rotated (in the system of record): if the first write fails nothing is
// consumed, so the client's current token still works once the state store is
// back. A refresh retried within tokens.refresh_retry_grace, its answer lost,
// replaces the successor the client never received (storeRefreshToken).
func (s *storage) CreateAccessAndRefreshTokens(ctx context.Context, req op.TokenRequest, current string) (string, string, time.Time, error) {
	info := infoOf(req)
	now := s.now()
	token := secret.Token()
	next := store.RefreshToken{
		ID:        secret.HashToken(token),
		ClientID:  info.clientID,
		UserID:    info.subject,
		SessionID: info.sessionID,
		Scopes:    info.scopes,
		Audience:  info.audience,
		AMR:       info.amr,
		AuthTime:  info.authTime,
		CreatedAt: now,
		ExpiresAt: now.Add(s.cfg.Tokens.RefreshTokenTTL),
	}
	if end := s.familyEnd(info.clientID, info.authTime); end.Before(next.ExpiresAt) {
		next.ExpiresAt = end // a rotation never extends the family past its absolute end
	}
	var old store.RefreshToken
	rr, isRefresh := req.(*refreshRequest)
	switch {
	case current == "":
		next.FamilyID = secret.ID("rtf_")
	case isRefresh && rr.t.ID == secret.HashToken(current):
		// Read by TokenRequestByRefreshToken in this request: the rotation
		// below consumes it atomically, whatever happened since.
		old = rr.t
		next.FamilyID, next.ParentID, next.Scopes = old.FamilyID, old.ID, rr.scopes // op may have narrowed the scopes
	default:
		var err error
		old, err = s.cfg.RefreshTokens.GetRefreshToken(ctx, secret.HashToken(current))
		switch {
		case errors.Is(err, store.ErrNotFound):
			return "", "", time.Time{}, refreshRefused()
		case err != nil:
			return "", "", time.Time{}, serverError(ctx, fmt.Errorf("get refresh token: %w", err))
		}
		next.FamilyID, next.ParentID = old.FamilyID, old.ID
		if isRefresh {
			next.Scopes = rr.scopes // op may have narrowed the scopes (SetCurrentScopes)
		}
	}
	// A code's access token is written with the record of the code's tokens
	// (createAccessTokenFor), after the refresh token: a code consumes
	// nothing in the system of record, so that order loses nothing.
	id, exp, written, err := s.createAccessTokenFor(ctx, req, info, next.ID)
	if err != nil {
		return "", "", time.Time{}, err
	}
	// A new family's first token is written with its token.issued event, in
	// one round trip (issue 13); a rotation is not audited (auditIssued).
	issued, audited := s.issued(ctx, req, info, true)
	if err := s.storeRefreshToken(ctx, old, next, now, issued, audited && old.ID == ""); err != nil {
		// The access token's write first, if it is still queued: a delete
		// sent before it would leave it in place.
		if written() == nil {
			if derr := s.cfg.State.DeleteAccessToken(ctx, id); derr != nil {
				s.cfg.Logger.ErrorContext(ctx, "delete access token of a failed refresh", "err", derr)
			}
		}
		return "", "", time.Time{}, err
	}
	recorded := s.recordCodeTokens(ctx, req, authstate.CodeTokens{AccessTokenIDs: []string{id}, RefreshFamilyIDs: []string{next.FamilyID}})
	if err := written(); err != nil {
		// Nobody will get the refresh token just stored.
		s.revokeTokens(ctx, authstate.CodeTokens{RefreshFamilyIDs: []string{next.FamilyID}}, info.clientID, "access token not stored")
		return "", "", time.Time{}, err
	}
	if recorded != nil {
		return "", "", time.Time{}, recorded
	}
	if audited && old.ID != "" {
		s.audit(ctx, issued)
	}
	return id, token, exp, nil
}

// storeRefreshToken stores next: the first of a new family when old is zero
// (with issued, if withIssued and the provider audits), else old's
// successor. A used old token is a retry within the grace or a replay, which
// revokes the family.
func (s *storage) storeRefreshToken(ctx context.Context, old, next store.RefreshToken, now time.Time, issued store.AuditEvent, withIssued bool) error {
	if old.ID == "" {
		var events []store.AuditEvent
		if withIssued && s.cfg.Audit != nil {
			events = append(events, issued)
		}
		if err := s.cfg.RefreshTokens.CreateRefreshToken(ctx, next, events...); err != nil {
			return serverError(ctx, fmt.Errorf("create refresh token: %w", err))
		}
		return nil
	}
	err := s.cfg.RefreshTokens.RotateRefreshToken(ctx, old.ID, next, now)
	if errors.Is(err, store.ErrTokenUsed) && s.cfg.Tokens.RefreshRetryGrace > 0 {
		// Used meanwhile or before: a concurrent or repeated request.
		err = s.cfg.RefreshTokens.RetryRefreshRotation(ctx, old.ID, next, now.Add(-s.cfg.Tokens.RefreshRetryGrace), now)
		if err == nil {
			s.cfg.Logger.InfoContext(ctx, "refresh retried within the grace", "family", old.FamilyID, "client", old.ClientID)
		}
	}
	switch {
	case errors.Is(err, store.ErrTokenUsed):
		s.revokeFamily(ctx, old, "refresh token reused during rotation")
		return refreshRefused()
	case errors.Is(err, store.ErrTokenRevoked), errors.Is(err, store.ErrNotFound):
		return refreshRefused()
	case err != nil:
		return serverError(ctx, fmt.Errorf("rotate refresh token: %w", err))
	}
	return nil
}

// familyEnd is the absolute end of a refresh token family of clientID whose
// sign-in was at authTime: the client's refresh_absolute_timeout, else the
// session's absolute timeout, after it.
func (s *storage) familyEnd(clientID string, authTime time.Time) time.Time {
	d := s.cfg.SessionAbsolute
	if c, ok := s.clients[clientID]; ok && c.cfg.RefreshAbsoluteTimeout > 0 {
		d = c.cfg.RefreshAbsoluteTimeout
	}
	if d <= 0 {
		d = s.cfg.Tokens.RefreshTokenTTL
	}
	return authTime.Add(d)
}

// revokeFamily revokes t's family because a used token was presented again,
// and records it: a sign the token was stolen.
func (s *storage) revokeFamily(ctx context.Context, t store.RefreshToken, why string) {
	if err := s.cfg.RefreshTokens.RevokeRefreshFamily(ctx, t.FamilyID, s.now()); err != nil {
		s.cfg.Logger.ErrorContext(ctx, "revoke refresh token family", "family", t.FamilyID, "err", err)
		return
	}
	s.cfg.Logger.WarnContext(ctx, "refresh token family revoked", "family", t.FamilyID, "client", t.ClientID, "user", t.UserID, "reason", why)
	s.audit(ctx, store.AuditEvent{Type: auditRefreshReused, UserID: t.UserID, ClientID: t.ClientID,
		Detail: map[string]string{"family": t.FamilyID, "reason": why}})
}

// inRetryGrace reports whether used token t presented again at now may be a
// retry of a refresh whose answer was lost (tokens.refresh_retry_grace).
func (s *storage) inRetryGrace(t store.RefreshToken, now time.Time) bool {
	g := s.cfg.Tokens.RefreshRetryGrace
	return g > 0 && !now.After(t.UsedAt.Add(g))
}

// refreshRequest adapts a stored refresh token to op.RefreshTokenRequest.
type refreshRequest struct {
	t      store.RefreshToken
	scopes []string
	acr    string // the configured tokens.acr
}

var _ op.RefreshTokenRequest = (*refreshRequest)(nil)

func (r *refreshRequest) GetAMR() []string                 { return r.t.AMR }
func (r *refreshRequest) GetACR() string                   { return acrFor(r.acr, r.t.AMR) }
func (r *refreshRequest) GetAudience() []string            { return r.t.Audience }
func (r *refreshRequest) GetAuthTime() time.Time           { return r.t.AuthTime }
func (r *refreshRequest) GetClientID() string              { return r.t.ClientID }
func (r *refreshRequest) GetScopes() []string              { return r.scopes }
func (r *refreshRequest) GetSubject() string               { return r.t.UserID }
func (r *refreshRequest) SetCurrentScopes(scopes []string) { r.scopes = scopes }

// TokenRequestByRefreshToken is called by the token endpoint for the
// refresh_token grant. A token that was already rotated is a replay: the
// family is revoked. A family whose sign-in came before the user's
// TokensValidAfter (password or phone reset) is dead.
func (s *storage) TokenRequestByRefreshToken(ctx context.Context, token string) (op.RefreshTokenRequest, error) {
	t, u, err := s.cfg.RefreshTokens.GetRefreshTokenWithUser(ctx, secret.HashToken(token))
	if err := s.checkRefreshToken(ctx, t, err); err != nil {
		return nil, err
	}
	if u.ID == "" || t.AuthTime.Before(u.TokensValidAfter) {
		return nil, op.ErrInvalidRefreshToken
	}
	rememberUser(ctx, u) // for the ID token's claims
	return &refreshRequest{t: t, scopes: t.Scopes, acr: s.cfg.Tokens.ACR}, nil
}

// checkRefreshToken says whether t, just read with err, may be refreshed.
func (s *storage) checkRefreshToken(ctx context.Context, t store.RefreshToken, err error) error {
	now := s.now()
	switch {
	case errors.Is(err, store.ErrNotFound):
		return op.ErrInvalidRefreshToken
	case err != nil:
		return serverError(ctx, fmt.Errorf("get refresh token: %w", err))
	case !t.UsedAt.IsZero() && (!t.RevokedAt.IsZero() || !s.inRetryGrace(t, now) ||
		clientIDFromContext(ctx) != t.ClientID): // a retry comes from the client op authenticated
		s.revokeFamily(ctx, t, "used refresh token presented again")
		return op.ErrInvalidRefreshToken
	case !t.RevokedAt.IsZero(), !now.Before(t.ExpiresAt),
		!now.Before(s.familyEnd(t.ClientID, t.AuthTime)): // the client's cap may have been lowered since
		return op.ErrInvalidRefreshToken
	}
	// A used token presented by its own client within
	// tokens.refresh_retry_grace may be a retry of a refresh whose answer
	// was lost: the rotation (storeRefreshToken) tells it from a replay.
	return nil
}

// TerminateSession is not used: TerminateSessionFromRequest replaces it.
func (s *storage) TerminateSession(context.Context, string, string) error { return nil }

// TerminateSessionFromRequest is called by /end_session after op validated the
// id_token_hint and post_logout_redirect_uri. It ends the browser session named
// by the hint's sid claim, and has back-channel logout tokens sent to the
// clients that held it. The browser's own session ends here only when the hint
// names it: anything else (no hint, another session's hint) may be a cross-site
// request, so the browser is sent to ConfirmLogoutPath to confirm by a
// CSRF-protected POST (ConfirmLogout), on to the same validated redirect.
func (s *storage) TerminateSessionFromRequest(ctx context.Context, req *op.EndSessionRequest) (string, error) {
	// The hint carries the public sid, never the session ID: match it against
	// the browser's own session, else against the hinted user's sessions.
	var hintSID string
	if req.IDTokenHintClaims != nil {
		hintSID, _ = req.IDTokenHintClaims.Claims["sid"].(string)
	}
	own := SessionIDFromContext(ctx)
	ownHinted := own != "" && hintSID != "" && session.PublicID(own) == hintSID
	var ids []string
	if ownHinted {
		ids = append(ids, own)
	}
	if hintSID != "" && req.UserID != "" && !ownHinted {
		sessions, err := s.cfg.Sessions.ListByUser(ctx, req.UserID)
		if err != nil {
			return "", serverError(ctx, fmt.Errorf("list sessions of %s: %w", req.UserID, err))
		}
		for _, ss := range sessions {
			if session.PublicID(ss.ID) == hintSID && !slices.Contains(ids, ss.ID) {
				ids = append(ids, ss.ID)
			}
		}
	}
	for _, id := range ids {
		if err := s.endSession(ctx, id); err != nil {
			return "", serverError(ctx, err)
		}
	}
	if own != "" && !ownHinted {
		_, err := s.cfg.Sessions.Get(ctx, own)
		switch {
		case err == nil:
			return s.confirmLogoutURL(req.RedirectURI), nil
		case !errors.Is(err, session.ErrNotFound):
			return "", serverError(ctx, fmt.Errorf("load session: %w", err))
		}
	}
	return req.RedirectURI, nil
}

// ConfirmLogoutPath is carekey's "Sign out" page, where /end_session sends a
// browser whose own session it may not end unasked. Its query holds next (the
// validated post-logout redirect) and mac (next's HMAC), for ConfirmLogout.
const ConfirmLogoutPath = "/end_session/confirm"

func (s *storage) confirmLogoutURL(next string) string {
	q := url.Values{"next": {next}, "mac": {s.logoutMAC(next)}}
	return ConfirmLogoutPath + "?" + q.Encode()
}

// logoutMAC is next's HMAC under a key derived from CryptoKey for this use
// only (CryptoKey itself encrypts op's tokens).
func (s *storage) logoutMAC(next string) string {
	return base64.RawURLEncoding.EncodeToString(secret.HMAC(s.logoutKey(), next))
}

func (s *storage) checkLogoutMAC(next, mac string) bool {
	sum, err := base64.RawURLEncoding.DecodeString(mac)
	return err == nil && secret.Verify(s.logoutKey(), next, sum)
}

func (s *storage) logoutKey() []byte {
	return secret.HMAC(s.cfg.CryptoKey[:], "carekey oidcop end_session confirmation")
}

// endSession deletes a browser session and tells the LogoutNotifier, if the
// session was still alive.
func (s *storage) endSession(ctx context.Context, sid string) error {
	sess, err := s.cfg.Sessions.Get(ctx, sid)
	if err != nil && !errors.Is(err, session.ErrNotFound) {
		return fmt.Errorf("load session: %w", err)
	}
	if err := s.cfg.Sessions.Delete(ctx, sid); err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	if err == nil && s.cfg.Logout != nil {
		s.cfg.Logout.SessionEnded(ctx, sess)
	}
	return nil
}

// GetRefreshTokenInfo is called by /revoke to tell a refresh token from an
// access token. It finds the token whichever client it was issued to:
// RevokeToken refuses another client's.
func (s *storage) GetRefreshTokenInfo(ctx context.Context, _, token string) (string, string, error) {
	t, err := s.cfg.RefreshTokens.GetRefreshToken(ctx, secret.HashToken(token))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return "", "", op.ErrInvalidRefreshToken
	case err != nil:
		return "", "", serverError(ctx, fmt.Errorf("get refresh token: %w", err))
	}
	return t.UserID, t.ID, nil
}

// errNotYourToken answers a client that asks to revoke a token issued to
// another client: RFC 7009 §2.1 has the request refused, and the token is
// left alone.
func errNotYourToken() *oidc.Error {
	return oidc.ErrUnauthorizedClient().WithDescription("the token was not issued to this client")
}

// RevokeToken is called by /revoke with an access token ID, a refresh token
// ID (from GetRefreshTokenInfo) or, for an access_token hint op could not
// decode, the token as given. Revoking a refresh token revokes its family. A
// token issued to another client is refused with unauthorized_client and
// stays valid (RFC 7009 §2.1); an unknown token is not an error (§2.2).
func (s *storage) RevokeToken(ctx context.Context, tokenOrID, _ string, clientID string) *oidc.Error {
	t, err := s.cfg.RefreshTokens.GetRefreshToken(ctx, tokenOrID)
	if errors.Is(err, store.ErrNotFound) { // a refresh token sent with token_type_hint=access_token
		t, err = s.cfg.RefreshTokens.GetRefreshToken(ctx, secret.HashToken(tokenOrID))
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return serverError(ctx, err)
	}
	if err == nil {
		if t.ClientID != clientID {
			return errNotYourToken()
		}
		if err := s.cfg.RefreshTokens.RevokeRefreshFamily(ctx, t.FamilyID, s.now()); err != nil {
			return serverError(ctx, err)
		}
		s.audit(ctx, store.AuditEvent{Type: auditTokenRevoked, UserID: t.UserID, ClientID: clientID,
			Detail: map[string]string{"token": "refresh", "family": t.FamilyID}})
		return nil
	}
	at, err := s.cfg.State.GetAccessToken(ctx, tokenOrID)
	if errors.Is(err, authstate.ErrNotFound) {
		return nil // RFC 7009: an unknown token is not an error
	}
	if err != nil {
		return serverError(ctx, err)
	}
	if at.ClientID != clientID {
		return errNotYourToken()
	}
	if err := s.cfg.State.DeleteAccessToken(ctx, at.ID); err != nil {
		return serverError(ctx, err)
	}
	userID := at.Subject
	if _, isClient := s.clients[userID]; isClient {
		userID = ""
	}
	s.audit(ctx, store.AuditEvent{Type: auditTokenRevoked, UserID: userID, ClientID: clientID,
		Detail: map[string]string{"token": "access"}})
	return nil
}

// signingKey adapts a keys.Key to op.SigningKey and op.Key.
type signingKey struct{ k keys.Key }

func (k signingKey) SignatureAlgorithm() jose.SignatureAlgorithm {
	return jose.SignatureAlgorithm(k.k.Algorithm)
}
func (k signingKey) Algorithm() jose.SignatureAlgorithm { return k.SignatureAlgorithm() }
func (k signingKey) Key() any                           { return k.k.Private }
func (k signingKey) ID() string                         { return k.k.ID }
func (k signingKey) Use() string                        { return "sig" }

type publicKey struct{ signingKey }

func (k publicKey) Key() any {
	switch p := k.k.Public.(type) {
	case *ecdsa.PublicKey, *rsa.PublicKey:
		return p
	}
	return k.k.Public
}

// SigningKey is called for every ID token. It signs with the algorithm of the
// client named in the token request (id_token_signing_alg), else the default.
func (s *storage) SigningKey(ctx context.Context) (op.SigningKey, error) {
	alg := s.cfg.Algorithm
	if c, ok := s.clients[clientIDFromContext(ctx)]; ok && c.cfg.IDTokenAlg != "" {
		alg = c.cfg.IDTokenAlg
	}
	k, err := s.cfg.Keys.Signing(ctx, alg)
	if err != nil {
		return nil, serverError(ctx, fmt.Errorf("signing key: %w", err))
	}
	return signingKey{k}, nil
}

// SignatureAlgorithms is called by discovery: the default algorithm and any
// other a client is registered for.
func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return s.algorithms(), nil
}

func (s *storage) algorithms() []jose.SignatureAlgorithm {
	algs := []jose.SignatureAlgorithm{jose.SignatureAlgorithm(s.cfg.Algorithm)}
	for _, c := range s.clients {
		if a := jose.SignatureAlgorithm(c.cfg.IDTokenAlg); a != "" && !slices.Contains(algs, a) {
			algs = append(algs, a)
		}
	}
	slices.Sort(algs)
	return algs
}

// KeySet is called by /keys and when op verifies its own tokens (id_token_hint).
func (s *storage) KeySet(ctx context.Context) ([]op.Key, error) {
	ks, err := s.cfg.Keys.Public(ctx)
	if err != nil {
		return nil, serverError(ctx, fmt.Errorf("key set: %w", err))
	}
	out := make([]op.Key, 0, len(ks))
	for _, k := range ks {
		out = append(out, publicKey{signingKey{k}})
	}
	return out, nil
}

// GetClientByClientID is called whenever op meets a client_id.
func (s *storage) GetClientByClientID(_ context.Context, id string) (op.Client, error) {
	c, ok := s.clients[id]
	if !ok {
		return nil, oidc.ErrInvalidClient().WithDescription("unknown client")
	}
	return c, nil
}

// AuthorizeClientIDSecret is called by the token, introspection and revocation
// endpoints for confidential clients.
func (s *storage) AuthorizeClientIDSecret(_ context.Context, id, secretValue string) error {
	c, ok := s.clients[id]
	if !ok || !c.checkSecret(secretValue) {
		return oidc.ErrInvalidClient().WithDescription("client authentication failed")
	}
	return nil
}

// ClientCredentials is called by the token endpoint for client_credentials.
// A private_key_jwt client comes with no secret: its assertion was verified
// by checkAssertion before op called this.
func (s *storage) ClientCredentials(ctx context.Context, id, secretValue string) (op.Client, error) {
	c, ok := s.clients[id]
	switch {
	case ok && c.cfg.AuthMethod == "private_key_jwt":
		if assertedClient(ctx) != id || secretValue != "" {
			return nil, oidc.ErrInvalidClient().WithDescription("client authentication failed")
		}
	default:
		if err := s.AuthorizeClientIDSecret(ctx, id, secretValue); err != nil {
			return nil, err
		}
	}
	if !c.hasGrant("client_credentials") {
		return nil, oidc.ErrUnauthorizedClient().WithDescription("client_credentials not allowed for this client")
	}
	return c, nil
}

type clientCredentialsRequest struct {
	clientID string
	scopes   []string
}

func (r *clientCredentialsRequest) GetSubject() string    { return r.clientID }
func (r *clientCredentialsRequest) GetAudience() []string { return []string{r.clientID} }
func (r *clientCredentialsRequest) GetScopes() []string   { return r.scopes }

// ClientCredentialsTokenRequest is called after ClientCredentials succeeded.
func (s *storage) ClientCredentialsTokenRequest(_ context.Context, id string, scopes []string) (op.TokenRequest, error) {
	c, ok := s.clients[id]
	if !ok {
		return nil, oidc.ErrInvalidClient()
	}
	for _, sc := range scopes {
		if !c.IsScopeAllowed(sc) {
			return nil, oidc.ErrInvalidScope().WithDescription("scope not allowed: %s", sc)
		}
	}
	return &clientCredentialsRequest{clientID: id, scopes: slices.Clone(scopes)}, nil
}

// ValidateJWTProfileScopes is for the JWT profile grant, which carekey does not offer.
func (s *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, oidc.ErrUnsupportedGrantType().WithDescription("jwt profile is not supported")
}

// Health is called by op's /healthz and /ready.
func (s *storage) Health(ctx context.Context) error {
	if s.cfg.Health == nil {
		return nil
	}
	return s.cfg.Health(ctx)
}

// refreshRefused refuses a refresh token at the token endpoint once op has
// validated the request: op would answer a plain error as server_error.
func refreshRefused() *oidc.Error {
	return oidc.ErrInvalidGrant().WithParent(op.ErrInvalidRefreshToken)
}

// serverError is a backend failure as a client sees it: server_error with a
// generic description. err is kept as the parent for the log (op logs it), never
// sent: it may name the database, its user and its address.
func serverError(ctx context.Context, err error) *oidc.Error {
	if f, ok := ctx.Value(backendFailedKey{}).(*atomic.Bool); ok {
		f.Store(true) // the token endpoint answers 503, whatever op makes of it
	}
	return oidc.ErrServerError().WithParent(err)
}

type backendFailedKey struct{}
