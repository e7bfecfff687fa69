// Package postgres is the PostgreSQL store.Store, on a pgx v5 connection pool.
// It passes the conformance suite in store/storetest.
//
//	s, err := postgres.Open(ctx, postgres.Config{URL: url, MaxConns: 10})
//	if err != nil { … }
//	defer s.Close()
//	if err := s.Migrate(ctx); err != nil { … } // safe from several replicas at once
//
// Tables live in the first schema of the connection's search_path. Migrations
// are embedded SQL files applied in name order, each in its own transaction
// under a transaction-scoped advisory lock, and recorded in schema_migrations.
//
// Writes go out in as few round trips as they can (issue 13): a batch is one
// round trip and, without BEGIN, one implicit transaction; an audit append
// is one statement (audit.go). A COMMIT shares a batch only with statements
// that do not wait on other transactions (appendAuditNowaitSQL).
//
// UpdateUser locks the row (SELECT … FOR UPDATE) for the duration of fn;
// RotateRefreshToken consumes the old token with a conditional UPDATE, so of
// concurrent rotations exactly one wins. Unique violations become
// store.ErrConflict and missing rows store.ErrNotFound. Times are stored as
// timestamptz (microseconds; zero as NULL) and come back in UTC.
package postgres
