package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/carekey/carekey/internal/store"
)

const tokenColumns = `id, family_id, client_id, user_id, session_id, scopes, audience, amr,
	auth_time, created_at, expires_at, used_at, revoked_at, parent_id`

const insertTokenSQL = `INSERT INTO refresh_tokens (` + tokenColumns + `)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`

// CreateRefreshToken stores t and events in one batch (one round trip; two
// if another transaction holds the audit chain head), or returns
// store.ErrConflict if the ID is taken.
func (s *Store) CreateRefreshToken(ctx context.Context, t store.RefreshToken, events ...store.AuditEvent) error {
	args, err := auditArgs(events)
	if err == nil {
		steps := []step{{"insert", insertTokenSQL, tokenArgs(t)}}
		err = execBatch(ctx, s.pool, appendAuditStep(steps, appendAuditNowaitSQL, args))
		if busyHead(err) {
			err = s.waitingTx(ctx, appendAuditStep(steps, appendAuditSQL, args))
		}
	}
	if err != nil {
		return fmt.Errorf("create refresh token: %w", err)
	}
	return nil
}

// GetRefreshToken returns the token with that ID, or store.ErrNotFound.
func (s *Store) GetRefreshToken(ctx context.Context, id string) (store.RefreshToken, error) {
	t, err := scanToken(s.pool.QueryRow(ctx, `SELECT `+tokenColumns+` FROM refresh_tokens WHERE id = $1`, id))
	if err != nil {
		return store.RefreshToken{}, fmt.Errorf("get refresh token: %w", err)
	}
	return t, nil
}

func scanToken(row pgx.Row) (store.RefreshToken, error) {
	var (
		t                                         store.RefreshToken
		authTime, created, expires, used, revoked pgtype.Timestamptz
	)
	err := row.Scan(
		&t.ID, &t.FamilyID, &t.ClientID, &t.UserID, &t.SessionID, &t.Scopes, &t.Audience, &t.AMR,
		&authTime, &created, &expires, &used, &revoked, &t.ParentID)
	if err != nil {
		return store.RefreshToken{}, mapErr(err)
	}
	t.Scopes, t.Audience, t.AMR = orNil(t.Scopes), orNil(t.Audience), orNil(t.AMR)
	t.AuthTime, t.CreatedAt, t.ExpiresAt = fromTS(authTime), fromTS(created), fromTS(expires)
	t.UsedAt, t.RevokedAt = fromTS(used), fromTS(revoked)
	return t, nil
}

// GetRefreshTokenWithUser reads the token and its user in one batch: one
// round trip.
func (s *Store) GetRefreshTokenWithUser(ctx context.Context, id string) (store.RefreshToken, store.User, error) {
	b := &pgx.Batch{}
	b.Queue(`SELECT `+tokenColumns+` FROM refresh_tokens WHERE id = $1`, id)
	b.Queue(`SELECT `+userColumns+` FROM users WHERE id = (SELECT user_id FROM refresh_tokens WHERE id = $1)`, id)
	br := s.pool.SendBatch(ctx, b)
	t, err := scanToken(br.QueryRow())
	var u store.User
	if err == nil {
		u, err = scanUser(br.QueryRow())
		if errors.Is(err, store.ErrNotFound) {
			u, err = store.User{}, nil // the token outlived its user
		}
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return store.RefreshToken{}, store.User{}, fmt.Errorf("get refresh token with user: %w", err)
	}
	return t, u, nil
}

// insertNextSQL inserts the token in $1…$14 (tokenColumns order) if the CTE
// "used" that precedes it returned a row: rotation in one statement, so one
// round trip and one transaction.
const insertNextSQL = `INSERT INTO refresh_tokens (` + tokenColumns + `)
	SELECT $1::text, $2::text, $3::text, $4::text, $5::text, $6::text[], $7::text[], $8::text[],
		$9::timestamptz, $10::timestamptz, $11::timestamptz, $12::timestamptz, $13::timestamptz, $14::text
	FROM (SELECT FROM used LIMIT 1) AS consumed`

func tokenArgs(t store.RefreshToken, more ...any) []any {
	return append([]any{t.ID, t.FamilyID, t.ClientID, t.UserID, t.SessionID,
		orEmpty(t.Scopes), orEmpty(t.Audience), orEmpty(t.AMR),
		ts(t.AuthTime), ts(t.CreatedAt), ts(t.ExpiresAt), ts(t.UsedAt), ts(t.RevokedAt), t.ParentID}, more...)
}

// RotateRefreshToken consumes oldID with a conditional UPDATE (so that of
// concurrent rotations exactly one matches a row) and stores next in the
// same statement: one round trip. When the UPDATE matches nothing it reads
// the row to say why.
func (s *Store) RotateRefreshToken(ctx context.Context, oldID string, next store.RefreshToken, now time.Time) error {
	tag, err := s.pool.Exec(ctx, `WITH used AS (
			UPDATE refresh_tokens SET used_at = $16
			WHERE id = $15 AND used_at IS NULL AND revoked_at IS NULL
			RETURNING id)
		`+insertNextSQL, tokenArgs(next, oldID, ts(now))...)
	if err == nil && tag.RowsAffected() == 0 {
		var used, revoked bool
		err = s.pool.QueryRow(ctx, `SELECT used_at IS NOT NULL, revoked_at IS NOT NULL
			FROM refresh_tokens WHERE id = $1`, oldID).Scan(&used, &revoked)
		switch {
		case err != nil:
		case revoked:
			err = store.ErrTokenRevoked
		case used:
			err = store.ErrTokenUsed
		default:
			err = errors.New("token neither consumed nor refused") // cannot happen under READ COMMITTED
		}
	}
	if err != nil {
		return fmt.Errorf("rotate refresh token: %w", mapErr(err))
	}
	return nil
}

// retryRotationSQL marks the unused successor of $15 used if $15 was used
// since $16, and inserts the next token. Its test that parent_id is not
// empty repeats the predicate of the partial index on parent_id (migration
// 0006): the statement's one generic plan (genericPlans) can use the index
// only if the query itself implies it, whatever $15 is.
const retryRotationSQL = `WITH used AS (
		UPDATE refresh_tokens SET used_at = $17
		WHERE parent_id = $15 AND parent_id <> '' AND used_at IS NULL AND revoked_at IS NULL
		AND EXISTS (SELECT 1 FROM refresh_tokens o WHERE o.id = $15
			AND o.used_at >= $16 AND o.revoked_at IS NULL)
		RETURNING id)
	` + insertNextSQL

// RetryRefreshRotation marks oldID's unused successor used and stores next
// in one statement (so of concurrent retries exactly one matches a row).
// When the UPDATE matches nothing it reads oldID to say why.
func (s *Store) RetryRefreshRotation(ctx context.Context, oldID string, next store.RefreshToken, usedSince, now time.Time) error {
	tag, err := s.pool.Exec(ctx, retryRotationSQL, tokenArgs(next, oldID, ts(usedSince), ts(now))...)
	if err == nil && tag.RowsAffected() == 0 {
		var revoked bool
		err = s.pool.QueryRow(ctx, `SELECT revoked_at IS NOT NULL FROM refresh_tokens WHERE id = $1`, oldID).Scan(&revoked)
		switch {
		case err != nil:
		case revoked:
			err = store.ErrTokenRevoked
		default:
			err = store.ErrTokenUsed // unused, used too long ago, or its successor used
		}
	}
	if err != nil {
		return fmt.Errorf("retry refresh rotation: %w", mapErr(err))
	}
	return nil
}

// RevokeRefreshToken revokes one token; revoking it again keeps the first time.
func (s *Store) RevokeRefreshToken(ctx context.Context, id string, now time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE refresh_tokens SET revoked_at = coalesce(revoked_at, $2)
		WHERE id = $1`, id, ts(now))
	if err != nil {
		return fmt.Errorf("revoke refresh token: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("revoke refresh token: %w", store.ErrNotFound)
	}
	return nil
}

// RevokeRefreshFamily revokes every token of the family not yet revoked.
func (s *Store) RevokeRefreshFamily(ctx context.Context, familyID string, now time.Time) error {
	if _, err := s.pool.Exec(ctx, `UPDATE refresh_tokens SET revoked_at = $2
		WHERE family_id = $1 AND revoked_at IS NULL`, familyID, ts(now)); err != nil {
		return fmt.Errorf("revoke refresh family %s: %w", familyID, err)
	}
	return nil
}

// RevokeUserRefreshTokens revokes every token of the user not yet revoked.
func (s *Store) RevokeUserRefreshTokens(ctx context.Context, userID string, now time.Time) error {
	if _, err := s.pool.Exec(ctx, `UPDATE refresh_tokens SET revoked_at = $2
		WHERE user_id = $1 AND revoked_at IS NULL`, userID, ts(now)); err != nil {
		return fmt.Errorf("revoke refresh tokens of %s: %w", userID, err)
	}
	return nil
}

// RevokeSessionRefreshTokens revokes every token of the session not yet
// revoked (index refresh_tokens_session_id_idx).
func (s *Store) RevokeSessionRefreshTokens(ctx context.Context, sessionID string, now time.Time) error {
	if sessionID == "" {
		return nil
	}
	if _, err := s.pool.Exec(ctx, `UPDATE refresh_tokens SET revoked_at = $2
		WHERE session_id = $1 AND revoked_at IS NULL`, sessionID, ts(now)); err != nil {
		return fmt.Errorf("revoke refresh tokens of session: %w", err)
	}
	return nil
}
