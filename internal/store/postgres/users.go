package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/carekey/carekey/internal/store"
)

const userColumns = `id, email, email_verified, given_name, family_name, password_hash,
	phone, phone_verified, professional, role, organisation, street, town, postcode,
	failed_logins, locked_until, lock_count, created_at, updated_at,
	failed_codes, tokens_valid_after`

// userArgs are u's values in userColumns order.
func userArgs(u store.User) []any {
	p := u.Profile
	return []any{u.ID, u.Email, u.EmailVerified, u.GivenName, u.FamilyName, u.PasswordHash,
		u.Phone, u.PhoneVerified, p.Professional, p.Role, p.Organisation, p.Street, p.Town, p.Postcode,
		u.FailedLogins, ts(u.LockedUntil), u.LockCount, ts(u.CreatedAt), ts(u.UpdatedAt),
		u.FailedCodes, ts(u.TokensValidAfter)}
}

func scanUser(row pgx.Row) (store.User, error) {
	var (
		u                            store.User
		p                            = &u.Profile
		locked, createdAt, updatedAt pgtype.Timestamptz
		validAfter                   pgtype.Timestamptz
	)
	err := row.Scan(&u.ID, &u.Email, &u.EmailVerified, &u.GivenName, &u.FamilyName, &u.PasswordHash,
		&u.Phone, &u.PhoneVerified, &p.Professional, &p.Role, &p.Organisation, &p.Street, &p.Town, &p.Postcode,
		&u.FailedLogins, &locked, &u.LockCount, &createdAt, &updatedAt,
		&u.FailedCodes, &validAfter)
	if err != nil {
		return store.User{}, mapErr(err)
	}
	u.LockedUntil, u.CreatedAt, u.UpdatedAt = fromTS(locked), fromTS(createdAt), fromTS(updatedAt)
	u.TokensValidAfter = fromTS(validAfter)
	return u, nil
}

// normUser is u as the database will return it.
func normUser(u store.User) store.User {
	u.LockedUntil, u.CreatedAt, u.UpdatedAt = norm(u.LockedUntil), norm(u.CreatedAt), norm(u.UpdatedAt)
	u.TokensValidAfter = norm(u.TokensValidAfter)
	return u
}

// CreateUser stores u, its first password-history entry and events in one
// transaction.
func (s *Store) CreateUser(ctx context.Context, u store.User, events ...store.AuditEvent) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO users (`+userColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)`,
			userArgs(u)...); err != nil {
			return mapErr(err)
		}
		if u.PasswordHash != "" {
			if err := addPasswordHistory(ctx, tx, u.ID, u.PasswordHash, u.CreatedAt); err != nil {
				return err
			}
		}
		return appendAudit(ctx, tx, events)
	})
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

// UpdateUser locks the user's row, calls fn once and saves the result with the
// events fn returns, all in one transaction.
func (s *Store) UpdateUser(ctx context.Context, id string, fn func(u *store.User) ([]store.AuditEvent, error)) (store.User, error) {
	var saved store.User
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		old, err := scanUser(tx.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return err
		}
		u := old
		events, err := fn(&u)
		if err != nil {
			return err
		}
		u.ID = id
		if _, err := tx.Exec(ctx, `UPDATE users SET (`+userColumns+`)
			= ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)
			WHERE id = $1`, userArgs(u)...); err != nil {
			return mapErr(err)
		}
		if u.PasswordHash != old.PasswordHash && u.PasswordHash != "" {
			if err := addPasswordHistory(ctx, tx, id, u.PasswordHash, u.UpdatedAt); err != nil {
				return err
			}
		}
		if err := appendAudit(ctx, tx, events); err != nil {
			return err
		}
		saved = normUser(u)
		return nil
	})
	if err != nil {
		return store.User{}, fmt.Errorf("update user %s: %w", id, err)
	}
	return saved, nil
}

func addPasswordHistory(ctx context.Context, tx pgx.Tx, userID, hash string, at time.Time) error {
	if _, err := tx.Exec(ctx, `INSERT INTO password_history (user_id, password_hash, created_at)
		VALUES ($1, $2, $3)`, userID, hash, ts(at)); err != nil {
		return fmt.Errorf("add password history: %w", mapErr(err))
	}
	return nil
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
