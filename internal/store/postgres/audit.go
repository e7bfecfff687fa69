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
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/carekey/carekey/internal/store"
)

// auditCTEs are the common table expressions that chain and insert events
// (the 8 arrays of auditArgs, from parameter $p on): they lock the chain
// head (migration 0005) and, one event at a time in order, take the next ID,
// hash the row as store.AuditHash does and insert it ("ins"), then move the
// head ("moved"). The ID is part of what the hash covers, so the hash is
// finished here: Go sends each event's canonical content without its
// leading ID field (auditRest), and the SQL prefixes the ID the same way
// store.AuditContent does. Taking IDs under the head lock keeps ID order and
// chain order the same across transactions. nextval sits in a subquery's
// target list, which PostgreSQL never flattens, so it runs once per row.
//
// lock is how the head is locked: "FOR UPDATE" waits for another appender
// to commit; "FOR UPDATE NOWAIT" fails at once (lock_not_available) instead.
// where, if not empty, is a condition on which all the events are appended
// or none.
func auditCTEs(p int, lock, where string) string {
	r := strings.NewReplacer("$a", "$"+strconv.Itoa(p), "$b", "$"+strconv.Itoa(p+1), "$c", "$"+strconv.Itoa(p+2),
		"$d", "$"+strconv.Itoa(p+3), "$e", "$"+strconv.Itoa(p+4), "$f", "$"+strconv.Itoa(p+5),
		"$g", "$"+strconv.Itoa(p+6), "$h", "$"+strconv.Itoa(p+7), "LOCK", lock)
	if where == "" {
		where = " true"
	} else {
		where = " " + where
	}
	return r.Replace(`ev AS (
		SELECT * FROM unnest($a::timestamptz[], $b::text[], $c::text[], $d::text[], $e::text[], $f::text[], $g::text[], $h::bytea[])
			WITH ORDINALITY AS e(time, type, user_id, client_id, actor, ip, detail, rest, n)
		WHERE` + where + `
	),
	head AS (SELECT hash FROM audit_chain_head LOCK),
	chain (n, id, prev_hash, hash) AS (
		SELECT 0::bigint, 0::bigint, NULL::bytea, hash FROM head
		UNION ALL
		SELECT s.n, s.id, s.prev, sha256(s.prev || convert_to(length(s.id::text) || ':' || s.id::text, 'UTF8') || s.rest)
		FROM (SELECT e.n, nextval(pg_get_serial_sequence('audit_events', 'id')) AS id, c.hash AS prev, e.rest
			FROM chain c JOIN ev e ON e.n = c.n + 1) s
	),
	ins AS (
		INSERT INTO audit_events (id, time, type, user_id, client_id, actor, ip, detail, prev_hash, hash)
		SELECT c.id, e.time, e.type, e.user_id, e.client_id, e.actor, e.ip, e.detail::jsonb, c.prev_hash, c.hash
		FROM chain c JOIN ev e ON e.n = c.n
	),
	moved AS (
		UPDATE audit_chain_head SET (last_id, hash) = (SELECT id, hash FROM chain ORDER BY n DESC LIMIT 1)
		WHERE EXISTS (SELECT FROM chain WHERE n > 0)
	)`)
}

// appendAuditSQL appends the events of auditArgs in one statement, waiting
// for the chain head.
var appendAuditSQL = "WITH RECURSIVE " + auditCTEs(1, "FOR UPDATE", "") + " SELECT"

// appendAuditNowaitSQL is appendAuditSQL failing at once with
// lock_not_available (busyHead) if another transaction holds the head.
//
// It lets a write and its COMMIT go out in one batch: nothing in such a
// batch waits on another transaction, so a caller that gives up (its
// context ends) cannot have its write committed afterwards by a COMMIT
// already in the pipeline. When the head is busy, the caller redoes the
// write as a transaction whose COMMIT goes out only once the rest has
// answered: one more round trip, under contention only.
var appendAuditNowaitSQL = "WITH RECURSIVE " + auditCTEs(1, "FOR UPDATE NOWAIT", "") + " SELECT"

// busyHead reports whether err is appendAuditNowaitSQL finding the chain
// head held by another transaction.
func busyHead(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "55P03" // lock_not_available
}

// auditArgs are the arguments of appendAuditSQL for events.
func auditArgs(events []store.AuditEvent) ([]any, error) {
	n := len(events)
	var (
		times   = make([]pgtype.Timestamptz, n)
		types   = make([]string, n)
		users   = make([]string, n)
		clients = make([]string, n)
		actors  = make([]string, n)
		ips     = make([]string, n)
		details = make([]*string, n)
		rests   = make([][]byte, n)
	)
	for i, e := range events {
		if len(e.Detail) > 0 {
			b, err := json.Marshal(e.Detail)
			if err != nil {
				return nil, fmt.Errorf("append audit %s: %w", e.Type, err)
			}
			d := string(b)
			details[i] = &d
		}
		e.Time = norm(e.Time)
		times[i], types[i], users[i], clients[i], actors[i], ips[i] = ts(e.Time), e.Type, e.UserID, e.ClientID, e.Actor, e.IP
		rests[i] = auditRest(e)
	}
	return []any{times, types, users, clients, actors, ips, details, rests}, nil
}

// auditRest is store.AuditContent(e) without its first field, the ID: the
// content of an ID of zero less its encoding "1:0".
func auditRest(e store.AuditEvent) []byte {
	e.ID = 0
	return store.AuditContent(e)[len("1:0"):]
}

// appendAudit chains and inserts events inside tx, in order, so their IDs
// increase, in one round trip. It locks the chain head (migration 0005)
// until tx ends: audit appends are serialised from here to commit, other
// work is not. Callers append their events last, after the change they
// record, to keep that short.
func appendAudit(ctx context.Context, tx pgx.Tx, events []store.AuditEvent) error {
	if len(events) == 0 {
		return nil
	}
	args, err := auditArgs(events)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, appendAuditSQL, args...); err != nil {
		return fmt.Errorf("append audit: %w", err)
	}
	return nil
}

// AppendAudit appends events in one statement (one transaction, one round
// trip) when the chain head is free, else in a transaction that waits for
// it (BEGIN with the append, then COMMIT: two).
func (s *Store) AppendAudit(ctx context.Context, events ...store.AuditEvent) error {
	if len(events) == 0 {
		return ctx.Err()
	}
	args, err := auditArgs(events)
	if err != nil {
		return err
	}
	_, err = s.pool.Exec(ctx, appendAuditNowaitSQL, args...)
	if busyHead(err) {
		err = s.waitingTx(ctx, []step{{"append audit", appendAuditSQL, args}})
	}
	if err != nil {
		return fmt.Errorf("append audit: %w", err)
	}
	return nil
}

var _ store.ClearAuditor = (*Store)(nil)

// appendIfClearSQL reads the user $9 and appends the events of auditArgs
// ($1–$8) if the user is clear at $10 (store.User.ClearAt), in one
// statement; it returns the user and whether it appended. The chain head is
// locked NOWAIT.
var appendIfClearSQL = `WITH RECURSIVE u AS (SELECT ` + userColumns + ` FROM users WHERE id = $9),
	clear AS (SELECT FROM u WHERE (locked_until IS NULL OR locked_until <= $10) AND failed_codes = 0 AND lock_count = 0), ` +
	auditCTEs(1, "FOR UPDATE NOWAIT", "EXISTS (SELECT FROM clear)") +
	` SELECT ` + userColumns + `, EXISTS (SELECT FROM clear) FROM u`

// AppendAuditIfClear reads the user and appends events if they are clear at
// at, in one statement (one round trip). If another transaction holds the
// chain head it reads the user, then appends with AppendAudit (which
// waits): two.
func (s *Store) AppendAuditIfClear(ctx context.Context, userID string, at time.Time, events ...store.AuditEvent) (store.User, bool, error) {
	args, err := auditArgs(events)
	if err != nil {
		return store.User{}, false, err
	}
	var isClear bool
	u, err := scanUser(s.pool.QueryRow(ctx, appendIfClearSQL, append(args, userID, ts(at))...), &isClear)
	if busyHead(err) {
		if u, err = s.GetUser(ctx, userID); err != nil {
			return store.User{}, false, err
		}
		if !u.ClearAt(at) {
			return u, false, nil
		}
		return u, true, s.AppendAudit(ctx, events...)
	}
	if err != nil {
		return store.User{}, false, fmt.Errorf("append audit if clear: %w", err)
	}
	return u, isClear, nil
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
	// Planned for its values (genericPlans): a range of time or IDs.
	rows, err := s.pool.Query(ctx, q, append([]any{pgx.QueryExecModeSimpleProtocol}, args...)...)
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
		// The ranges below are planned for their values (genericPlans).
		if err := tx.QueryRow(ctx, `SELECT LEAST(
				(SELECT min(id) FROM audit_events WHERE time >= $1),
				(SELECT max(id) FROM audit_events))`, pgx.QueryExecModeSimpleProtocol, ts(before)).Scan(&first); err != nil {
			return fmt.Errorf("find first row kept: %w", err)
		}
		if !first.Valid {
			return nil // no rows
		}
		var lastDeleted []byte
		err := tx.QueryRow(ctx, `SELECT hash FROM audit_events WHERE id < $1 ORDER BY id DESC LIMIT 1`, pgx.QueryExecModeSimpleProtocol, first.Int64).Scan(&lastDeleted)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // nothing older
		}
		if err != nil {
			return fmt.Errorf("read last row deleted: %w", err)
		}
		if _, err := tx.Exec(ctx, `SET LOCAL carekey.audit_prune = 'on'`); err != nil {
			return fmt.Errorf("allow prune: %w", err)
		}
		tag, err := tx.Exec(ctx, `DELETE FROM audit_events WHERE id < $1`, pgx.QueryExecModeSimpleProtocol, first.Int64)
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
