package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/carekey/carekey/internal/store"
)

// CreateSigningKey stores k, or returns store.ErrConflict if the ID is taken.
func (s *Store) CreateSigningKey(ctx context.Context, k store.SigningKey) error {
	if _, err := s.pool.Exec(ctx, `INSERT INTO signing_keys
		(id, algorithm, private_key, public_key, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6)`,
		k.ID, k.Algorithm, orEmpty(k.PrivateKey), orEmpty(k.PublicKey), ts(k.CreatedAt), ts(k.ExpiresAt),
	); err != nil {
		return fmt.Errorf("create signing key %s: %w", k.ID, mapErr(err))
	}
	return nil
}

// ListSigningKeys returns every key, oldest first (ties by ID).
func (s *Store) ListSigningKeys(ctx context.Context) ([]store.SigningKey, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, algorithm, private_key, public_key, created_at, expires_at
		FROM signing_keys ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("list signing keys: %w", err)
	}
	keys, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.SigningKey, error) {
		var (
			k                store.SigningKey
			created, expires pgtype.Timestamptz
		)
		if err := row.Scan(&k.ID, &k.Algorithm, &k.PrivateKey, &k.PublicKey, &created, &expires); err != nil {
			return store.SigningKey{}, err
		}
		k.PrivateKey, k.PublicKey = orNil(k.PrivateKey), orNil(k.PublicKey)
		k.CreatedAt, k.ExpiresAt = fromTS(created), fromTS(expires)
		return k, nil
	})
	if err != nil {
		return nil, fmt.Errorf("list signing keys: %w", err)
	}
	return keys, nil
}

// ResealSigningKey replaces the key's private blob if it is still oldPrivate.
func (s *Store) ResealSigningKey(ctx context.Context, id string, oldPrivate, newPrivate []byte) error {
	tag, err := s.pool.Exec(ctx, `UPDATE signing_keys SET private_key = $3 WHERE id = $1 AND private_key = $2`,
		id, oldPrivate, newPrivate)
	if err != nil {
		return fmt.Errorf("reseal signing key %s: %w", id, err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var exists bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM signing_keys WHERE id = $1)`, id).Scan(&exists); err != nil {
		return fmt.Errorf("reseal signing key %s: %w", id, err)
	}
	if !exists {
		return fmt.Errorf("reseal signing key %s: %w", id, store.ErrNotFound)
	}
	return fmt.Errorf("reseal signing key %s: %w", id, store.ErrConflict)
}

// DeleteSigningKey removes a key; a missing key is not an error.
func (s *Store) DeleteSigningKey(ctx context.Context, id string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM signing_keys WHERE id = $1`, id); err != nil {
		return fmt.Errorf("delete signing key %s: %w", id, err)
	}
	return nil
}

// DeleteExpired removes refresh tokens and signing keys whose expires_at is at
// or before now (NULL: never expires) and returns how many it removed.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time) (int, error) {
	var n int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		for _, q := range []string{
			`DELETE FROM refresh_tokens WHERE expires_at <= $1`,
			`DELETE FROM signing_keys WHERE expires_at <= $1`,
		} {
			// Planned for now's value (genericPlans): a range.
			tag, err := tx.Exec(ctx, q, pgx.QueryExecModeSimpleProtocol, ts(now))
			if err != nil {
				return err
			}
			n += tag.RowsAffected()
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("delete expired: %w", err)
	}
	return int(n), nil
}
