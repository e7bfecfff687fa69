package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/carekey/carekey/internal/store"
)

// appendAudit chains and inserts events inside tx, in order, so their IDs
// increase. It locks the chain head (migration 0005) until tx ends: audit
// appends are serialised from here to commit, other work is not. Callers
// append their events last, after the change they record, to keep that short.
func appendAudit(ctx context.Context, tx pgx.Tx, events []store.AuditEvent) error {
	if len(events) == 0 {
		return nil
	}
	var prev []byte
	if err := tx.QueryRow(ctx, `SELECT hash FROM audit_chain_head FOR UPDATE`).Scan(&prev); err != nil {
		return fmt.Errorf("append audit: lock chain head: %w", err)
	}
	var last int64
	for _, e := range events {
		var detail []byte
		if len(e.Detail) > 0 {
			var err error
			if detail, err = json.Marshal(e.Detail); err != nil {
				return fmt.Errorf("append audit %s: %w", e.Type, err)
			}
		}
		// The ID is part of what the hash covers, so take it first.
		if err := tx.QueryRow(ctx, `SELECT nextval(pg_get_serial_sequence('audit_events', 'id'))`).Scan(&e.ID); err != nil {
			return fmt.Errorf("append audit %s: next id: %w", e.Type, err)
		}
		e.Time = norm(e.Time)
		e.PrevHash = prev
		e.Hash = store.AuditHash(prev, e)
		if _, err := tx.Exec(ctx, `INSERT INTO audit_events
			(id, time, type, user_id, client_id, actor, ip, detail, prev_hash, hash)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			e.ID, ts(e.Time), e.Type, e.UserID, e.ClientID, e.Actor, e.IP, detail, e.PrevHash, e.Hash); err != nil {
			return fmt.Errorf("append audit %s: %w", e.Type, err)
		}
		prev, last = e.Hash, e.ID
	}
	if _, err := tx.Exec(ctx, `UPDATE audit_chain_head SET last_id = $1, hash = $2`, last, prev); err != nil {
		return fmt.Errorf("append audit: move chain head: %w", err)
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
	if f.AfterID > 0 {
		add("id >", f.AfterID)
	}
	if !f.Since.IsZero() {
		add("time >=", ts(f.Since))
	}
	if !f.Until.IsZero() {
		add("time <", ts(f.Until))
	}
	q := `SELECT id, time, type, user_id, client_id, actor, ip, detail, prev_hash, hash FROM audit_events`
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
		if err := row.Scan(&e.ID, &at, &e.Type, &e.UserID, &e.ClientID, &e.Actor, &e.IP, &detail, &e.PrevHash, &e.Hash); err != nil {
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

// PruneAudit deletes the oldest rows before before (the newest stays) and
// appends a checkpoint, in one transaction holding the chain head. The
// append-only trigger lets the DELETE through only because this transaction
// sets carekey.audit_prune; the role also needs DELETE on audit_events.
func (s *Store) PruneAudit(ctx context.Context, before, now time.Time) (int, error) {
	var n int
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT 1 FROM audit_chain_head FOR UPDATE`); err != nil {
			return fmt.Errorf("lock chain head: %w", err)
		}
		// The first row kept: the oldest at or after before, or the newest.
		var first pgtype.Int8
		if err := tx.QueryRow(ctx, `SELECT LEAST(
				(SELECT min(id) FROM audit_events WHERE time >= $1),
				(SELECT max(id) FROM audit_events))`, ts(before)).Scan(&first); err != nil {
			return fmt.Errorf("find first row kept: %w", err)
		}
		if !first.Valid {
			return nil // no rows
		}
		var lastDeleted []byte
		err := tx.QueryRow(ctx, `SELECT hash FROM audit_events WHERE id < $1 ORDER BY id DESC LIMIT 1`, first.Int64).Scan(&lastDeleted)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // nothing older
		}
		if err != nil {
			return fmt.Errorf("read last row deleted: %w", err)
		}
		if _, err := tx.Exec(ctx, `SET LOCAL carekey.audit_prune = 'on'`); err != nil {
			return fmt.Errorf("allow prune: %w", err)
		}
		tag, err := tx.Exec(ctx, `DELETE FROM audit_events WHERE id < $1`, first.Int64)
		if err != nil {
			return fmt.Errorf("delete: %w", err)
		}
		if _, err := tx.Exec(ctx, `SET LOCAL carekey.audit_prune = 'off'`); err != nil {
			return fmt.Errorf("end prune: %w", err)
		}
		n = int(tag.RowsAffected())
		return appendAudit(ctx, tx, []store.AuditEvent{store.AuditCheckpoint(now, first.Int64, lastDeleted, n)})
	})
	if err != nil {
		return 0, fmt.Errorf("prune audit: %w", err)
	}
	return n, nil
}
