package oidcop

import (
	"context"
	"strings"

	"github.com/carekey/carekey/internal/clientip"
	"github.com/carekey/carekey/internal/store"
)

// Auditor appends audit events to the system of record.
type Auditor interface {
	AppendAudit(ctx context.Context, events ...store.AuditEvent) error
}

// Audit event types the provider records (issue 10, point 16).
const (
	auditTokenIssued   = "token.issued"        // a code or client credentials exchanged for tokens
	auditRefreshReused = "token.refresh_reuse" // a used refresh token presented again: its family revoked
	auditCodeReplayed  = "token.code_replay"   // a used code presented again: what it issued revoked
	auditTokenRevoked  = "token.revoked"       // a client revoked one of its tokens (RFC 7009)
)

// audit appends e (event). A failed write is logged at error level with the
// event's type, never dropped silently (the request it records has already
// been answered or decided).
func (s *storage) audit(ctx context.Context, e store.AuditEvent) {
	if s.cfg.Audit == nil {
		return
	}
	e = s.event(ctx, e)
	if err := s.cfg.Audit.AppendAudit(ctx, e); err != nil {
		s.cfg.Logger.ErrorContext(ctx, "audit event not written", "type", e.Type, "user", e.UserID, "client", e.ClientID, "err", err)
	}
}

// event is e with the time, the request's client address and, if it has
// none, the client as its actor.
func (s *storage) event(ctx context.Context, e store.AuditEvent) store.AuditEvent {
	e.Time = s.now()
	if e.IP == "" {
		e.IP, _ = clientip.FromContext(ctx)
	}
	if e.Actor == "" {
		e.Actor = "client:" + e.ClientID
	}
	return e
}

// auditIssued records tokens issued for a code or client credentials (not
// each refresh: the refresh token table itself records every rotation).
func (s *storage) auditIssued(ctx context.Context, req any, info tokenInfo, refresh bool) {
	if e, ok := s.issued(ctx, req, info, refresh); ok {
		s.audit(ctx, e)
	}
}

// issued is the event of auditIssued, if req is a grant it records.
func (s *storage) issued(ctx context.Context, req any, info tokenInfo, refresh bool) (store.AuditEvent, bool) {
	var grant string
	switch req.(type) {
	case codeRequest:
		grant = "authorization_code"
	case *clientCredentialsRequest:
		grant = "client_credentials"
	default:
		return store.AuditEvent{}, false
	}
	detail := map[string]string{"grant": grant, "scope": strings.Join(info.scopes, " ")}
	if info.sessionID != "" {
		detail["sid"] = info.sessionID // public ID
	}
	if refresh {
		detail["refresh_token"] = "yes"
	}
	userID := info.subject
	if grant == "client_credentials" {
		userID = ""
	}
	return s.event(ctx, store.AuditEvent{Type: auditTokenIssued, UserID: userID, ClientID: info.clientID, Detail: detail}), true
}
