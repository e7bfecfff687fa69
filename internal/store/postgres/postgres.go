package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/multitracer"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/carekey/carekey/internal/store"
)

var _ store.Store = (*Store)(nil)

// Config says how to reach the database.
type Config struct {
	// URL is a libpq connection string or URL; its search_path, if any, picks
	// the schema. It may hold a password: Open never puts it in an error.
	URL string
	// MaxConns caps the pool; 0 keeps pgx's default (the larger of 4 and the
	// number of CPUs).
	MaxConns int32
	// ConnectTimeout bounds each new connection and the ping in Open; 0:
	// DefaultConnectTimeout.
	ConnectTimeout time.Duration
	// QueryTimeout bounds every statement and every wait for a free
	// connection, whatever the caller's context; 0: none beyond the caller's.
	QueryTimeout time.Duration
	// Tracer, optional, also sees every statement (OpenTelemetry); it runs
	// inside the QueryTimeout deadline, composed with multitracer.
	Tracer pgx.QueryTracer
}

// DefaultConnectTimeout is Config.ConnectTimeout when unset.
const DefaultConnectTimeout = 5 * time.Second

// Store is the PostgreSQL store.Store. It is safe for concurrent use.
type Store struct {
	pool *pgxpool.Pool
}

// Open connects to the database and pings it. It does not migrate: call
// Migrate (or run `idp migrate`) for that.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	pc, err := pgxpool.ParseConfig(cfg.URL)
	if err != nil {
		// pgx redacts passwords here only on a best-effort basis, so the
		// cause is withheld.
		return nil, errors.New("open postgres: malformed connection string (details withheld: it may contain a password)")
	}
	if cfg.MaxConns > 0 {
		pc.MaxConns = cfg.MaxConns
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	pc.ConnConfig.ConnectTimeout = cfg.ConnectTimeout
	genericPlans(pc.ConnConfig)
	var tracers []pgx.QueryTracer
	if cfg.QueryTimeout > 0 {
		tracers = append(tracers, deadlines{cfg.QueryTimeout})
	}
	if cfg.Tracer != nil {
		tracers = append(tracers, cfg.Tracer)
	}
	switch len(tracers) {
	case 1:
		pc.ConnConfig.Tracer = tracers[0]
	case 2:
		pc.ConnConfig.Tracer = multitracer.New(tracers...)
	}
	password := pc.ConnConfig.Password
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, redact(fmt.Errorf("open postgres: %w", err), password)
	}
	pctx, cancel := context.WithTimeout(ctx, cfg.ConnectTimeout)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		if ctx.Err() == nil && (pctx.Err() != nil || pgconn.Timeout(err) || errors.Is(err, context.DeadlineExceeded)) {
			return nil, fmt.Errorf("open postgres: %s did not answer within %s (postgres.connect_timeout)", hostOf(pc), cfg.ConnectTimeout)
		}
		return nil, redact(fmt.Errorf("open postgres: ping: %w", err), password)
	}
	return &Store{pool: pool}, nil
}

// genericPlans has the pool's sessions plan each prepared statement once
// (plan_cache_mode force_generic_plan) unless the connection string chose
// a mode, as a parameter or in its options.
//
// Every statement is prepared once per connection (pgx's statement cache),
// but PostgreSQL's default (auto) plans it afresh for every execution whose
// custom plan is estimated cheaper than the generic one, and for the audit
// append (it unnests arrays of unknown length) it always is: 160 µs of
// planning for 90 µs of execution, a quarter of PostgreSQL's CPU per
// sign-in (docs/performance.md). The store's statements find rows by key, so
// one plan serves every value; the few that range over a table by time or
// ID with values that decide the plan (audit listing and pruning, the
// expiry sweep) go by the simple protocol, planned for their values.
func genericPlans(cc *pgx.ConnConfig) {
	if _, set := cc.RuntimeParams["plan_cache_mode"]; set || strings.Contains(cc.RuntimeParams["options"], "plan_cache_mode") {
		return
	}
	cc.RuntimeParams["plan_cache_mode"] = "force_generic_plan"
}

// hostOf names the server of pc, without credentials.
func hostOf(pc *pgxpool.Config) string {
	return fmt.Sprintf("%s:%d", pc.ConnConfig.Host, pc.ConnConfig.Port)
}

// redactedError is err with the password masked in its message; errors.Is and
// errors.As still see err.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

func redact(err error, password string) error {
	if password == "" || !strings.Contains(err.Error(), password) {
		return err
	}
	return &redactedError{msg: strings.ReplaceAll(err.Error(), password, "xxxxx"), err: err}
}

// Pool returns the connection pool, for callers that share it (the audit
// recorder in a wider transaction, health checks).
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("ping postgres: %w", err)
	}
	return nil
}

// Close closes the pool, waiting for connections in use to be returned.
func (s *Store) Close() { s.pool.Close() }

// mapErr turns unique violations into store.ErrConflict and missing rows into
// store.ErrNotFound, keeping the cause.
func mapErr(err error) error {
	var pgErr *pgconn.PgError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &pgErr) && pgErr.Code == "23505":
		return fmt.Errorf("%w: %w", store.ErrConflict, err)
	case errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("%w: %w", store.ErrNotFound, err)
	}
	return err
}

// ts is the stored form of a time: UTC, truncated to microseconds (what
// timestamptz keeps), zero as NULL.
func ts(t time.Time) pgtype.Timestamptz {
	if t.IsZero() {
		return pgtype.Timestamptz{}
	}
	return pgtype.Timestamptz{Time: t.UTC().Truncate(time.Microsecond), Valid: true}
}

// fromTS is the inverse of ts.
func fromTS(t pgtype.Timestamptz) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

// norm is the time the database will return for t.
func norm(t time.Time) time.Time { return fromTS(ts(t)) }

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func orNil[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}
