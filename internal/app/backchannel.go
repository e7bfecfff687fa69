package app

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/carekey/carekey/internal/backchannel"
	"github.com/carekey/carekey/internal/clock"
	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/keys"
	"github.com/carekey/carekey/internal/session"
	"github.com/carekey/carekey/internal/store"
)

// newBackchannel builds what is told of every browser session that ends
// (sign-out button, end_session, password reset, admin actions): it revokes
// the refresh tokens issued in the session and sends back-channel logout
// tokens to the clients that held it. App.Close stops the sender's retries.
func (a *App) newBackchannel(cfg *config.Config, km *keys.Manager, clk clock.Clock, logger *slog.Logger) (*sessionEnd, error) {
	s, err := backchannel.New(backchannel.Config{
		Issuer:    cfg.Issuer,
		Clients:   cfg.Clients,
		Keys:      km,
		Algorithm: cfg.Keys.Algorithm,
		Clock:     clk,
		Logger:    logger,
	})
	if err != nil {
		return nil, err
	}
	a.closers = append(a.closers, s.Close)
	return &sessionEnd{tokens: a.backends.Store, audit: a.backends.Store, sender: s, clock: clk, logger: logger}, nil
}

// sessionRefreshTokens revokes the refresh tokens of one session (store.Store).
type sessionRefreshTokens interface {
	RevokeSessionRefreshTokens(ctx context.Context, sessionID string, now time.Time) error
}

// sessionEnd is the one place every path that ends a session reports to
// (oidcop.LogoutNotifier, recovery.LogoutNotifier), so that no path can end
// a session and leave its refresh tokens alive (issue 10 point 3).
type sessionEnd struct {
	tokens sessionRefreshTokens
	audit  interface {
		AppendAudit(ctx context.Context, events ...store.AuditEvent) error
	}
	sender *backchannel.Sender
	clock  clock.Clock
	logger *slog.Logger
}

// SessionEnded revokes the refresh token families issued in sess (matched by
// its public ID, as they are stored), records the end in the audit trail
// (with the request's client address: sourceStore) and starts back-channel
// logout. The revocation is one indexed UPDATE; delivery runs in the
// background.
func (e *sessionEnd) SessionEnded(ctx context.Context, sess session.Session) {
	now := e.clock.Now()
	sid := session.PublicID(sess.ID)
	if err := e.tokens.RevokeSessionRefreshTokens(ctx, sid, now); err != nil {
		e.logger.ErrorContext(ctx, "revoke refresh tokens of an ended session", "user", sess.UserID, "err", err)
	}
	if err := e.audit.AppendAudit(ctx, store.AuditEvent{Time: now, Type: "session.ended", UserID: sess.UserID, Actor: "system",
		Detail: map[string]string{"sid": sid, "clients": strings.Join(sess.Clients, " ")}}); err != nil {
		e.logger.ErrorContext(ctx, "audit event not written", "type", "session.ended", "user", sess.UserID, "err", err)
	}
	e.sender.SessionEnded(ctx, sess)
}
