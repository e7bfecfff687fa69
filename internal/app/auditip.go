package app

import (
	"context"
	"time"

	"github.com/carekey/carekey/internal/clientip"
	"github.com/carekey/carekey/internal/metrics"
	"github.com/carekey/carekey/internal/store"
)

// sourceStore is the system of record with one addition: every audit event
// written while serving a request, by whichever service, carries the
// request's client address (clientip, resolved once per request behind the
// trusted proxies) unless its writer set one. So no security event lacks its
// source, and no service has to thread the address through (issue 10, point
// 16). Events written are also counted (countAudit, observability.go).
type sourceStore struct {
	store.Store
	m *metrics.Metrics
}

var _ store.Store = sourceStore{}

// withSource fills the IP of events that have none from ctx.
func withSource(ctx context.Context, events []store.AuditEvent) []store.AuditEvent {
	ip, ok := clientip.FromContext(ctx)
	if !ok || ip == "" {
		return events
	}
	for i := range events {
		if events[i].IP == "" {
			events[i].IP = ip
		}
	}
	return events
}

// counted counts events once their write succeeded.
func (s sourceStore) counted(err error, events []store.AuditEvent) {
	if err == nil {
		countAudit(s.m, events)
	}
}

func (s sourceStore) CreateUser(ctx context.Context, u store.User, events ...store.AuditEvent) error {
	err := s.Store.CreateUser(ctx, u, withSource(ctx, events)...)
	s.counted(err, events)
	return err
}

func (s sourceStore) UpdateUser(ctx context.Context, id string, fn func(u *store.User) ([]store.AuditEvent, error)) (store.User, error) {
	var written []store.AuditEvent // those of the attempt that committed
	u, err := s.Store.UpdateUser(ctx, id, sourced(ctx, fn, &written))
	s.counted(err, written)
	return u, err
}

// sourced is fn with withSource on its events, keeping in written those of
// its last run.
func sourced(ctx context.Context, fn func(u *store.User) ([]store.AuditEvent, error), written *[]store.AuditEvent) func(u *store.User) ([]store.AuditEvent, error) {
	return func(u *store.User) ([]store.AuditEvent, error) {
		events, err := fn(u)
		*written = events
		return withSource(ctx, events), err
	}
}

var _ store.UpdaterFrom = sourceStore{}

// UpdateUserFrom is the store's UpdateUserFrom (UpdateUser if it has none),
// with the sources filled and counted as UpdateUser's.
func (s sourceStore) UpdateUserFrom(ctx context.Context, read store.User, fn func(u *store.User) ([]store.AuditEvent, error)) (store.User, error) {
	up, ok := s.Store.(store.UpdaterFrom)
	if !ok {
		return s.UpdateUser(ctx, read.ID, fn)
	}
	var written []store.AuditEvent // those of the attempt that committed
	u, err := up.UpdateUserFrom(ctx, read, sourced(ctx, fn, &written))
	s.counted(err, written)
	return u, err
}

var _ store.ClearAuditor = sourceStore{}

// AppendAuditIfClear is the store's (GetUser and AppendAudit if it has
// none), with the sources filled and counted as AppendAudit's.
func (s sourceStore) AppendAuditIfClear(ctx context.Context, userID string, at time.Time, events ...store.AuditEvent) (store.User, bool, error) {
	ca, ok := s.Store.(store.ClearAuditor)
	if !ok {
		u, err := s.GetUser(ctx, userID)
		if err != nil || !u.ClearAt(at) {
			return u, false, err
		}
		return u, true, s.AppendAudit(ctx, events...)
	}
	u, appended, err := ca.AppendAuditIfClear(ctx, userID, at, withSource(ctx, events)...)
	if appended {
		s.counted(err, events)
	}
	return u, appended, err
}

func (s sourceStore) AppendAudit(ctx context.Context, events ...store.AuditEvent) error {
	err := s.Store.AppendAudit(ctx, withSource(ctx, events)...)
	s.counted(err, events)
	return err
}

func (s sourceStore) CreateRefreshToken(ctx context.Context, t store.RefreshToken, events ...store.AuditEvent) error {
	err := s.Store.CreateRefreshToken(ctx, t, withSource(ctx, events)...)
	s.counted(err, events)
	return err
}

func (s sourceStore) UpsertAccount(ctx context.Context, a store.Account, events ...store.AuditEvent) (store.Account, bool, error) {
	return s.Store.UpsertAccount(ctx, a, withSource(ctx, events)...)
}

func (s sourceStore) Grant(ctx context.Context, g store.Grant, events ...store.AuditEvent) (store.Grant, bool, error) {
	return s.Store.Grant(ctx, g, withSource(ctx, events)...)
}

func (s sourceStore) RevokeGrant(ctx context.Context, userID, accountID string, now time.Time, events ...store.AuditEvent) (store.Grant, error) {
	return s.Store.RevokeGrant(ctx, userID, accountID, now, withSource(ctx, events)...)
}
