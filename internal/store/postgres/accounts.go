package postgres

import (
	"context"
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

const accountColumns = `id, name, to_char(birthdate, 'YYYY-MM-DD'), source, external_ref, created_at, updated_at`

// qualified is accountColumns for a query that joins accounts as a.
const accountColumnsA = `a.id, a.name, to_char(a.birthdate, 'YYYY-MM-DD'), a.source, a.external_ref, a.created_at, a.updated_at`

// birthdate is the column value of a YYYY-MM-DD date: NULL when empty.
func birthdate(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// accountDest are the scan destinations of accountColumns.
func accountDest(a *store.Account, bd *pgtype.Text, createdAt, updatedAt *pgtype.Timestamptz) []any {
	return []any{&a.ID, &a.Name, bd, &a.Source, &a.ExternalRef, createdAt, updatedAt}
}

func scanAccount(row pgx.Row) (store.Account, error) {
	var (
		a                    store.Account
		bd                   pgtype.Text
		createdAt, updatedAt pgtype.Timestamptz
	)
	if err := row.Scan(accountDest(&a, &bd, &createdAt, &updatedAt)...); err != nil {
		return store.Account{}, mapErr(err)
	}
	a.Birthdate, a.CreatedAt, a.UpdatedAt = bd.String, fromTS(createdAt), fromTS(updatedAt)
	return a, nil
}

// UpsertAccount creates or updates the account with a's external reference,
// locking its row so concurrent upserts of one reference serialise.
func (s *Store) UpsertAccount(ctx context.Context, a store.Account, events ...store.AuditEvent) (store.Account, bool, error) {
	var (
		saved   store.Account
		created bool
	)
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// Insert, or do nothing if the reference exists; then lock the row.
		tag, err := tx.Exec(ctx, `INSERT INTO accounts (id, name, birthdate, source, external_ref, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (source, external_ref) DO NOTHING`,
			a.ID, a.Name, birthdate(a.Birthdate), a.Source, a.ExternalRef, ts(a.CreatedAt), ts(a.UpdatedAt))
		if err != nil {
			return mapErr(err)
		}
		if tag.RowsAffected() == 1 {
			created = true
			saved = a
			saved.CreatedAt, saved.UpdatedAt = norm(a.CreatedAt), norm(a.UpdatedAt)
			return appendAudit(ctx, tx, events)
		}
		old, err := scanAccount(tx.QueryRow(ctx, `SELECT `+accountColumns+` FROM accounts
			WHERE source = $1 AND external_ref = $2 FOR UPDATE`, a.Source, a.ExternalRef))
		if err != nil {
			return err
		}
		saved = old
		if old.Name == a.Name && old.Birthdate == a.Birthdate {
			return nil
		}
		saved.Name, saved.Birthdate, saved.UpdatedAt = a.Name, a.Birthdate, norm(a.UpdatedAt)
		if _, err := tx.Exec(ctx, `UPDATE accounts SET name = $2, birthdate = $3, updated_at = $4 WHERE id = $1`,
			old.ID, a.Name, birthdate(a.Birthdate), ts(a.UpdatedAt)); err != nil {
			return mapErr(err)
		}
		return appendAudit(ctx, tx, events)
	})
	if err != nil {
		return store.Account{}, false, fmt.Errorf("upsert account %s/%s: %w", a.Source, a.ExternalRef, err)
	}
	return saved, created, nil
}

// GetAccount returns the account with that ID, or store.ErrNotFound.
func (s *Store) GetAccount(ctx context.Context, id string) (store.Account, error) {
	a, err := scanAccount(s.pool.QueryRow(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id = $1`, id))
	if err != nil {
		return store.Account{}, fmt.Errorf("get account %s: %w", id, err)
	}
	return a, nil
}

// ListAccounts returns matching accounts ordered by ID.
func (s *Store) ListAccounts(ctx context.Context, f store.AccountFilter) ([]store.Account, error) {
	var (
		where []string
		args  []any
	)
	add := func(cond string, arg any) {
		args = append(args, arg)
		where = append(where, cond+" $"+strconv.Itoa(len(args)))
	}
	if f.Source != "" {
		add("source =", f.Source)
	}
	if f.After != "" {
		add("id COLLATE \"C\" >", f.After)
	}
	q := `SELECT ` + accountColumns + ` FROM accounts`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += ` ORDER BY id COLLATE "C"`
	if f.Limit > 0 {
		args = append(args, f.Limit)
		q += " LIMIT $" + strconv.Itoa(len(args))
	}
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Account, error) { return scanAccount(row) })
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	return orNil(out), nil
}

const grantColumns = `user_id, account_id, relationship, granted_by, granted_at, expires_at, revoked_at`

func scanGrant(row pgx.Row) (store.Grant, error) {
	var (
		g                store.Grant
		at, exp, revoked pgtype.Timestamptz
	)
	if err := row.Scan(&g.UserID, &g.AccountID, &g.Relationship, &g.GrantedBy, &at, &exp, &revoked); err != nil {
		return store.Grant{}, mapErr(err)
	}
	g.GrantedAt, g.ExpiresAt, g.RevokedAt = fromTS(at), fromTS(exp), fromTS(revoked)
	return g, nil
}

// isForeignKey reports whether err is a foreign-key violation: the user or the
// account of a grant does not exist.
func isForeignKey(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23503"
}

// Grant stores g unless a live grant of the user to the account exists. The
// existing row, if any, is locked first, so concurrent grants serialise.
func (s *Store) Grant(ctx context.Context, g store.Grant, events ...store.AuditEvent) (store.Grant, bool, error) {
	var (
		saved   store.Grant
		created bool
	)
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// Make sure a row exists to lock (inserting g if none), then lock it.
		tag, err := tx.Exec(ctx, `INSERT INTO grants (`+grantColumns+`) VALUES ($1, $2, $3, $4, $5, $6, NULL)
			ON CONFLICT (user_id, account_id) DO NOTHING`,
			g.UserID, g.AccountID, g.Relationship, g.GrantedBy, ts(g.GrantedAt), ts(g.ExpiresAt))
		if isForeignKey(err) {
			return fmt.Errorf("no such user or account: %w", store.ErrNotFound)
		}
		if err != nil {
			return mapErr(err)
		}
		if tag.RowsAffected() == 1 {
			created = true
			saved = g
			saved.GrantedAt, saved.ExpiresAt, saved.RevokedAt = norm(g.GrantedAt), norm(g.ExpiresAt), time.Time{}
			return appendAudit(ctx, tx, events)
		}
		old, err := scanGrant(tx.QueryRow(ctx, `SELECT `+grantColumns+` FROM grants
			WHERE user_id = $1 AND account_id = $2 FOR UPDATE`, g.UserID, g.AccountID))
		if err != nil {
			return err
		}
		if old.Live(norm(g.GrantedAt)) {
			saved = old
			if old.Relationship != g.Relationship || !old.ExpiresAt.Equal(norm(g.ExpiresAt)) {
				return fmt.Errorf("a different live grant exists: %w", store.ErrConflict)
			}
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE grants SET relationship = $3, granted_by = $4, granted_at = $5,
			expires_at = $6, revoked_at = NULL WHERE user_id = $1 AND account_id = $2`,
			g.UserID, g.AccountID, g.Relationship, g.GrantedBy, ts(g.GrantedAt), ts(g.ExpiresAt)); err != nil {
			return mapErr(err)
		}
		created = true
		saved = g
		saved.GrantedAt, saved.ExpiresAt, saved.RevokedAt = norm(g.GrantedAt), norm(g.ExpiresAt), time.Time{}
		return appendAudit(ctx, tx, events)
	})
	if err != nil {
		if errors.Is(err, store.ErrConflict) {
			return saved, false, fmt.Errorf("grant %s to %s: %w", g.AccountID, g.UserID, err)
		}
		return store.Grant{}, false, fmt.Errorf("grant %s to %s: %w", g.AccountID, g.UserID, err)
	}
	return saved, created, nil
}

// RevokeGrant revokes the user's grant to the account.
func (s *Store) RevokeGrant(ctx context.Context, userID, accountID string, now time.Time, events ...store.AuditEvent) (store.Grant, error) {
	var saved store.Grant
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		g, err := scanGrant(tx.QueryRow(ctx, `SELECT `+grantColumns+` FROM grants
			WHERE user_id = $1 AND account_id = $2 FOR UPDATE`, userID, accountID))
		if err != nil {
			return err
		}
		saved = g
		if !g.RevokedAt.IsZero() {
			return nil
		}
		saved.RevokedAt = norm(now)
		if _, err := tx.Exec(ctx, `UPDATE grants SET revoked_at = $3 WHERE user_id = $1 AND account_id = $2`,
			userID, accountID, ts(now)); err != nil {
			return err
		}
		return appendAudit(ctx, tx, events)
	})
	if err != nil {
		return store.Grant{}, fmt.Errorf("revoke grant %s of %s: %w", accountID, userID, err)
	}
	return saved, nil
}

// ListGrants returns every grant of the user, ordered by account ID.
func (s *Store) ListGrants(ctx context.Context, userID string) ([]store.Grant, error) {
	var out []store.Grant
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE id = $1)`, userID).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return store.ErrNotFound
		}
		rows, err := tx.Query(ctx, `SELECT `+grantColumns+` FROM grants WHERE user_id = $1
			ORDER BY account_id COLLATE "C"`, userID)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Grant, error) { return scanGrant(row) })
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list grants of %s: %w", userID, err)
	}
	return orNil(out), nil
}

// ListLiveAccountsForUser returns the accounts live grants let the user manage.
func (s *Store) ListLiveAccountsForUser(ctx context.Context, userID string, now time.Time) ([]store.AccountWithRelationship, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+accountColumnsA+`, g.relationship, g.expires_at
		FROM grants g JOIN accounts a ON a.id = g.account_id
		WHERE g.user_id = $1 AND g.revoked_at IS NULL AND (g.expires_at IS NULL OR g.expires_at > $2)
		ORDER BY a.name COLLATE "C", a.id COLLATE "C"`, userID, ts(now))
	if err != nil {
		return nil, fmt.Errorf("list accounts of %s: %w", userID, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.AccountWithRelationship, error) {
		var (
			r                    store.AccountWithRelationship
			bd                   pgtype.Text
			createdAt, updatedAt pgtype.Timestamptz
			exp                  pgtype.Timestamptz
		)
		dest := append(accountDest(&r.Account, &bd, &createdAt, &updatedAt), &r.Relationship, &exp)
		if err := row.Scan(dest...); err != nil {
			return r, err
		}
		r.Birthdate, r.CreatedAt, r.UpdatedAt, r.ExpiresAt = bd.String, fromTS(createdAt), fromTS(updatedAt), fromTS(exp)
		return r, nil
	})
	if err != nil {
		return nil, fmt.Errorf("list accounts of %s: %w", userID, err)
	}
	return orNil(out), nil
}
