package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/carekey/carekey/internal/store"
)

const userColumns = `id, email, email_verified, given_name, family_name, password_hash,
	phone, phone_verified, professional, role, organisation, street, town, postcode,
	failed_logins, locked_until, lock_count, created_at, updated_at,
	failed_codes, tokens_valid_after, totp_secret, totp_last_step, totp_added_at, external_id, password_pending,
	language`

// userArgs are u's values in userColumns order.
func userArgs(u store.User) []any {
	p := u.Profile
	return []any{u.ID, u.Email, u.EmailVerified, u.GivenName, u.FamilyName, u.PasswordHash,
		u.Phone, u.PhoneVerified, p.Professional, p.Role, p.Organisation, p.Street, p.Town, p.Postcode,
		u.FailedLogins, ts(u.LockedUntil), u.LockCount, ts(u.CreatedAt), ts(u.UpdatedAt),
		u.FailedCodes, ts(u.TokensValidAfter), u.TOTPSecret, u.TOTPLastStep, ts(u.TOTPAddedAt),
		pgtype.Text{String: u.ExternalID, Valid: u.ExternalID != ""}, u.PasswordPending,
		u.Language}
}

// scanUser scans a row of userColumns, then into extra the columns after
// them, if any.
func scanUser(row pgx.Row, extra ...any) (store.User, error) {
	var (
		u                            store.User
		p                            = &u.Profile
		locked, createdAt, updatedAt pgtype.Timestamptz
		validAfter, totpAdded        pgtype.Timestamptz
		externalID                   pgtype.Text
	)
	err := row.Scan(append([]any{&u.ID, &u.Email, &u.EmailVerified, &u.GivenName, &u.FamilyName, &u.PasswordHash,
		&u.Phone, &u.PhoneVerified, &p.Professional, &p.Role, &p.Organisation, &p.Street, &p.Town, &p.Postcode,
		&u.FailedLogins, &locked, &u.LockCount, &createdAt, &updatedAt,
		&u.FailedCodes, &validAfter, &u.TOTPSecret, &u.TOTPLastStep, &totpAdded, &externalID, &u.PasswordPending,
		&u.Language}, extra...)...)
	if err != nil {
		return store.User{}, mapErr(err)
	}
	u.LockedUntil, u.CreatedAt, u.UpdatedAt = fromTS(locked), fromTS(createdAt), fromTS(updatedAt)
	u.TokensValidAfter, u.TOTPAddedAt = fromTS(validAfter), fromTS(totpAdded)
	u.ExternalID = externalID.String
	return u, nil
}

// normUser is u as the database will return it.
func normUser(u store.User) store.User {
	u.LockedUntil, u.CreatedAt, u.UpdatedAt = norm(u.LockedUntil), norm(u.CreatedAt), norm(u.UpdatedAt)
	u.TokensValidAfter, u.TOTPAddedAt = norm(u.TokensValidAfter), norm(u.TOTPAddedAt)
	return u
}

// CreateUser stores u, its first password-history entry and events in one
// batch: one round trip, one transaction (two if another transaction holds
// the audit chain head).
func (s *Store) CreateUser(ctx context.Context, u store.User, events ...store.AuditEvent) error {
	steps := []step{{"insert", `INSERT INTO users (` + userColumns + `)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27)`,
		userArgs(u)}}
	if u.PasswordHash != "" {
		steps = append(steps, passwordHistoryStep(u.ID, u.PasswordHash, u.CreatedAt))
	}
	args, err := auditArgs(events)
	if err == nil {
		err = execBatch(ctx, s.pool, appendAuditStep(steps, appendAuditNowaitSQL, args))
		if busyHead(err) {
			err = s.waitingTx(ctx, appendAuditStep(steps, appendAuditSQL, args))
		}
	}
	if err != nil {
		return fmt.Errorf("create user %s: %w", u.ID, err)
	}
	return nil
}

// GetUser returns the user with that ID, or store.ErrNotFound.
func (s *Store) GetUser(ctx context.Context, id string) (store.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
	if err != nil {
		return store.User{}, fmt.Errorf("get user %s: %w", id, err)
	}
	return u, nil
}

// GetUserByEmail returns the user with exactly that email, or store.ErrNotFound.
func (s *Store) GetUserByEmail(ctx context.Context, email string) (store.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE email = $1`, email))
	if err != nil {
		return store.User{}, fmt.Errorf("get user by email: %w", err)
	}
	return u, nil
}

// ListAppUsers returns the IDs of the users with an authenticator app, in
// ID order.
func (s *Store) ListAppUsers(ctx context.Context) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT id FROM users WHERE totp_secret <> '' ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list app users: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("list app users: %w", err)
	}
	return orNil(ids), nil
}

// GetUserByExternalID returns the user imported with that external ID, or
// store.ErrNotFound.
func (s *Store) GetUserByExternalID(ctx context.Context, externalID string) (store.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, userByExternalIDSQL, externalID))
	if err != nil {
		return store.User{}, fmt.Errorf("get user by external ID: %w", err)
	}
	return u, nil
}

// UpdateUser locks the user's row, calls fn and saves the result with the
// events fn returns, all in one transaction of two round trips: BEGIN with
// the SELECT … FOR UPDATE, then the UPDATE of the columns fn changed (none:
// no UPDATE), the password history, the audit events and COMMIT. If another
// transaction holds the audit chain head, that transaction rolls back and
// UpdateUser does it all again (fn runs again) with a COMMIT of its own,
// once the rest has answered (appendAuditNowaitSQL says why).
func (s *Store) UpdateUser(ctx context.Context, id string, fn func(u *store.User) ([]store.AuditEvent, error)) (store.User, error) {
	saved, err := s.updateUser(ctx, id, fn, false)
	if busyHead(err) {
		saved, err = s.updateUser(ctx, id, fn, true)
	}
	if err != nil {
		return store.User{}, fmt.Errorf("update user %s: %w", id, err)
	}
	return saved, nil
}

var _ store.UpdaterFrom = (*Store)(nil)

// sameRowSQL locks the user's row, without waiting (lock_not_available if
// another transaction holds it), if it still holds the values $2… in
// userColumns order ($1 is the ID), and fails with division_by_zero
// otherwise, which rolls back the batch it is in.
var sameRowSQL = func() string {
	var conds []string
	for i, c := range userColumnNames {
		conds = append(conds, c+" IS NOT DISTINCT FROM $"+strconv.Itoa(i+2))
	}
	return `SELECT 1 / count(*) FROM (SELECT FROM users WHERE id = $1 AND ` + strings.Join(conds, " AND ") + ` FOR UPDATE NOWAIT) AS same`
}()

// UpdateUserFrom calls fn on read and, in one batch (one round trip, one
// implicit transaction), checks and locks the row as read (sameRowSQL),
// writes the columns fn changed, the password history and fn's events
// (the chain head locked NOWAIT). Nothing in the batch waits on another
// transaction. A row that has changed, a row or head held by another
// transaction, or an fn error on read: UpdateUser instead.
func (s *Store) UpdateUserFrom(ctx context.Context, read store.User, fn func(u *store.User) ([]store.AuditEvent, error)) (store.User, error) {
	u := read
	events, err := fn(&u)
	if err != nil {
		return s.UpdateUser(ctx, read.ID, fn)
	}
	u.ID = read.ID
	steps := []step{{"check user", sameRowSQL, append([]any{read.ID}, userArgs(read)...)}}
	if set, args := changedColumns(read, u); len(args) > 1 {
		steps = append(steps, step{"update", `UPDATE users SET ` + set + ` WHERE id = $1`, args})
	}
	if u.PasswordHash != read.PasswordHash && u.PasswordHash != "" {
		steps = append(steps, passwordHistoryStep(read.ID, u.PasswordHash, u.UpdatedAt))
	}
	args, err := auditArgs(events)
	if err != nil {
		return store.User{}, err
	}
	err = execBatch(ctx, s.pool, appendAuditStep(steps, appendAuditNowaitSQL, args))
	if busyHead(err) || changedRow(err) {
		return s.UpdateUser(ctx, read.ID, fn)
	}
	if err != nil {
		return store.User{}, fmt.Errorf("update user %s: %w", read.ID, err)
	}
	return normUser(u), nil
}

// changedRow reports whether err is sameRowSQL finding the row changed.
func changedRow(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "22012" // division_by_zero
}

// updateUser is one attempt of UpdateUser; wait: the audit append waits for
// the chain head and COMMIT goes out on its own.
func (s *Store) updateUser(ctx context.Context, id string, fn func(u *store.User) ([]store.AuditEvent, error), wait bool) (_ store.User, err error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return store.User{}, err
	}
	defer conn.Release()
	defer func() {
		if err != nil {
			rollback(ctx, conn)
		}
	}()
	b := &pgx.Batch{}
	b.Queue("begin")
	b.Queue(`SELECT `+userColumns+` FROM users WHERE id = $1 FOR UPDATE`, id)
	br := conn.SendBatch(ctx, b)
	_, err = br.Exec()
	var old store.User
	if err == nil {
		old, err = scanUser(br.QueryRow())
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return store.User{}, err
	}
	u := old
	events, err := fn(&u)
	if err != nil {
		return store.User{}, err
	}
	u.ID = id
	var steps []step
	if set, args := changedColumns(old, u); len(args) > 1 {
		steps = append(steps, step{"update", `UPDATE users SET ` + set + ` WHERE id = $1`, args})
	}
	if u.PasswordHash != old.PasswordHash && u.PasswordHash != "" {
		steps = append(steps, passwordHistoryStep(id, u.PasswordHash, u.UpdatedAt))
	}
	args, err := auditArgs(events)
	if err != nil {
		return store.User{}, err
	}
	if wait {
		if err := execBatch(ctx, conn, appendAuditStep(steps, appendAuditSQL, args)); err != nil {
			return store.User{}, err
		}
		_, err = conn.Exec(ctx, "commit")
	} else {
		err = execBatch(ctx, conn, append(appendAuditStep(steps, appendAuditNowaitSQL, args), step{"commit", "commit", nil}))
	}
	if err != nil {
		return store.User{}, err
	}
	return normUser(u), nil
}

// userColumnNames are userColumns one by one.
var userColumnNames = strings.Fields(strings.ReplaceAll(userColumns, ",", " "))

// changedColumns returns the SET list of the columns whose values differ
// between old and u, and its arguments after u.ID ($1).
func changedColumns(old, u store.User) (string, []any) {
	was, is := userArgs(old), userArgs(u)
	var set []string
	args := []any{u.ID}
	for i, v := range is {
		if sameArg(was[i], v) {
			continue
		}
		args = append(args, v)
		set = append(set, userColumnNames[i]+" = $"+strconv.Itoa(len(args)))
	}
	return strings.Join(set, ", "), args
}

// sameArg reports whether two userArgs values are the same stored value.
func sameArg(a, b any) bool {
	if ta, ok := a.(pgtype.Timestamptz); ok {
		tb := b.(pgtype.Timestamptz)
		return ta.Valid == tb.Valid && ta.Time.Equal(tb.Time)
	}
	return a == b
}

func passwordHistoryStep(userID, hash string, at time.Time) step {
	return step{"add password history", `INSERT INTO password_history (user_id, password_hash, created_at)
		VALUES ($1, $2, $3)`, []any{userID, hash, ts(at)}}
}

// appendAuditStep returns steps and then the append (by sql,
// appendAuditSQL or appendAuditNowaitSQL) of the events whose auditArgs are
// args, if there are any.
func appendAuditStep(steps []step, sql string, args []any) []step {
	if len(args[0].([]pgtype.Timestamptz)) == 0 {
		return steps
	}
	return append(slices.Clip(steps), step{"append audit", sql, args})
}

// PasswordHistory returns the user's last n password hashes, newest first.
func (s *Store) PasswordHistory(ctx context.Context, userID string, n int) ([]string, error) {
	if n <= 0 {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("password history of %s: %w", userID, err)
		}
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT password_hash FROM password_history
		WHERE user_id = $1 ORDER BY id DESC LIMIT $2`, userID, n)
	if err != nil {
		return nil, fmt.Errorf("password history of %s: %w", userID, err)
	}
	hashes, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("password history of %s: %w", userID, err)
	}
	return orNil(hashes), nil
}

// userByExternalIDSQL finds a user by external_id, which only the partial
// unique index of migration 0007 (external_id IS NOT NULL) covers; "=" on
// a strict operator implies it, so the generic plan uses the index.
const userByExternalIDSQL = `SELECT ` + userColumns + ` FROM users WHERE external_id = $1`
