package oidcop

import (
	"context"
	"errors"
	"fmt"

	"github.com/carekey/carekey/internal/authstate"
	"github.com/carekey/carekey/internal/secret"
	"github.com/carekey/carekey/internal/session"
	"github.com/carekey/carekey/internal/store"
)

// An auth request belongs to the browser that started it (design.md §4): when
// /authorize hands over to the login UI, the web layer gives the browser a
// binding token in a __Host- cookie and hands it to the provider with
// WithBrowser; the request stores only the token's hash. Sign-in for the
// request, its completion and its callback are refused to any other browser,
// and the request yields at most one code, only while its session lives and
// its user's credentials are unchanged.

// Sentinel errors of the login hand-off. The web layer answers each with 400
// and no code.
var (
	// ErrWrongBrowser: the auth request was started by another browser.
	ErrWrongBrowser = errors.New("oidcop: auth request belongs to another browser")
	// ErrNotSignedIn: the auth request has not been completed by a sign-in.
	ErrNotSignedIn = errors.New("oidcop: auth request not signed in")
	// ErrCodeIssued: the auth request has already yielded its one code.
	ErrCodeIssued = errors.New("oidcop: auth request already answered")
	// ErrSessionEnded: the session that signed in for the auth request has
	// ended, or the user's password or phone was reset since.
	ErrSessionEnded = errors.New("oidcop: session ended or credentials changed")
)

type browserCtxKey struct{}

// WithBrowser returns ctx carrying the browser's binding token (from its
// cookie), for /authorize (which binds the new request to it) and the
// callback (which checks it).
func WithBrowser(ctx context.Context, token string) context.Context {
	return context.WithValue(ctx, browserCtxKey{}, token)
}

// BrowserFromContext returns the binding token set by WithBrowser, or "".
func BrowserFromContext(ctx context.Context) string {
	s, _ := ctx.Value(browserCtxKey{}).(string)
	return s
}

// browserHash is what an auth request stores of a binding token.
func browserHash(token string) string { return secret.HashToken(token) }

// SameBrowser reports, in constant time, whether the browser holding token
// started the auth request. A request without a binding belongs to no one.
func SameBrowser(r authstate.AuthRequest, token string) bool {
	return token != "" && r.BrowserHash != "" && secret.Equal(r.BrowserHash, browserHash(token))
}

// answerable reports why auth request r may not yield a code to the browser
// holding token (nil if it may): another browser, not signed in, code already
// issued, or its session or credentials gone.
func (s *storage) answerable(ctx context.Context, r authstate.AuthRequest, token string) error {
	switch {
	case !SameBrowser(r, token):
		return ErrWrongBrowser
	case !r.Done:
		return ErrNotSignedIn
	case r.CodeIssued:
		return ErrCodeIssued
	}
	return s.signInStands(ctx, r)
}

// signInStands reports whether the sign-in that completed r still stands: its
// session lives and belongs to its user, and the user's credentials have not
// been reset since (store.User.TokensValidAfter). ErrSessionEnded if not.
func (s *storage) signInStands(ctx context.Context, r authstate.AuthRequest) error {
	if r.SessionID != "" {
		sess, err := s.cfg.Sessions.Get(ctx, r.SessionID)
		if errors.Is(err, session.ErrNotFound) || (err == nil && sess.UserID != r.UserID) {
			return ErrSessionEnded
		}
		if err != nil {
			return fmt.Errorf("load session of auth request %s: %w", r.ID, err)
		}
	}
	u, err := s.user(ctx, r.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return ErrSessionEnded
	}
	if err != nil {
		return fmt.Errorf("load user of auth request %s: %w", r.ID, err)
	}
	if r.AuthTime.Before(u.TokensValidAfter) {
		return ErrSessionEnded
	}
	return nil
}

// ReadAhead has the next read of the request's stores also read auth
// request id and session sessionID (a browser's session cookie, usually the
// request's), when the stores can (a Redis backend): the callback then
// reads both in one round trip.
func (p *Provider) ReadAhead(ctx context.Context, id, sessionID string) {
	if ra, ok := p.storage.cfg.State.(interface {
		ReadAheadAuthRequest(ctx context.Context, id string)
	}); ok && id != "" {
		ra.ReadAheadAuthRequest(ctx, id)
	}
	if ra, ok := p.storage.cfg.Sessions.(interface {
		ReadAhead(ctx context.Context, id string)
	}); ok && sessionID != "" {
		ra.ReadAhead(ctx, sessionID)
	}
}

// CheckCallback reports whether the browser holding token may receive the
// code of auth request id at the callback: nil, authstate.ErrNotFound, or one
// of ErrWrongBrowser, ErrNotSignedIn, ErrCodeIssued and ErrSessionEnded. The
// web layer calls it before handing the callback to op, to answer a refusal
// with a page rather than a redirect; SaveAuthCode enforces the same rules
// atomically.
func (p *Provider) CheckCallback(ctx context.Context, id, token string) error {
	r, err := p.storage.cfg.State.GetAuthRequest(ctx, id)
	if err != nil {
		return fmt.Errorf("callback for auth request %s: %w", id, err)
	}
	if err := p.storage.answerable(ctx, r, token); err != nil {
		return fmt.Errorf("callback for auth request %s: %w", id, err)
	}
	return nil
}
