package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/carekey/carekey/internal/store"
)

// appendAudit inserts events inside tx, in order, so their IDs increase.
func appendAudit(ctx context.Context, tx pgx.Tx, events []store.AuditEvent) error {
	for _, e := range events {
		var detail []byte
		if len(e.Detail) > 0 {
			var err error
			if detail, err = json.Marshal(e.Detail); err != nil {
				return fmt.Errorf("append audit %s: %w", e.Type, err)
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO audit_events
			(time, type, user_id, client_id, actor, ip, detail)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			ts(e.Time), e.Type, e.UserID, e.ClientID, e.Actor, e.IP, detail); err != nil {
			return fmt.Errorf("append audit %s: %w", e.Type, err)
		}
	}
	return nil
}

// AppendAudit appends events in one transaction.
func (s *Store) AppendAudit(ctx context.Context, events ...store.AuditEvent) error {
	if err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		return appendAudit(ctx, tx, events)
	}); err != nil {
		return fmt.Errorf("append audit: %w", err)
	}
	return nil
}

// ListAudit returns matching events, oldest first; a limit keeps the oldest.
func (s *Store) ListAudit(ctx context.Context, f store.AuditFilter) ([]store.AuditEvent, error) {
	var (
		where []string
		args  []any
	)
	add := func(cond string, arg any) {
		args = append(args, arg)
		where = append(where, cond+" $"+strconv.Itoa(len(args)))
	}
	if f.UserID != "" {
		add("user_id =", f.UserID)
	}
	if f.Type != "" {
		add("type =", f.Type)
	}
	q := `SELECT id, time, type, user_id, client_id, actor, ip, detail FROM audit_events`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY id"
	if f.Limit > 0 {
		args = append(args, f.Limit)
		q += " LIMIT $" + strconv.Itoa(len(args))
	}
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list audit: %w", err)
	}
	events, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.AuditEvent, error) {
		var (
			e      store.AuditEvent
			at     pgtype.Timestamptz
			detail []byte
		)
		if err := row.Scan(&e.ID, &at, &e.Type, &e.UserID, &e.ClientID, &e.Actor, &e.IP, &detail); err != nil {
			return store.AuditEvent{}, err
		}
		e.Time = fromTS(at)
		if detail != nil {
			if err := json.Unmarshal(detail, &e.Detail); err != nil {
				return store.AuditEvent{}, fmt.Errorf("decode detail of event %d: %w", e.ID, err)
			}
		}
		return e, nil
	})
	if err != nil {
		return nil, fmt.Errorf("list audit: %w", err)
	}
	return orNil(events), nil
}
