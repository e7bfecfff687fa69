package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// A pgx batch is one round trip: its statements go out in one pipeline ended
// by one Sync. Without BEGIN they run in one implicit transaction, which the
// first error rolls back whole.

// step is one queued statement of a batch and what its error is called.
type step struct {
	what string
	sql  string
	args []any
}

// execBatch sends steps as one batch (one round trip, one implicit
// transaction) and returns the first error, named by its step and passed
// through mapErr.
func execBatch(ctx context.Context, db interface {
	SendBatch(context.Context, *pgx.Batch) pgx.BatchResults
}, steps []step) error {
	b := &pgx.Batch{}
	for _, s := range steps {
		b.Queue(s.sql, s.args...)
	}
	br := db.SendBatch(ctx, b)
	for _, s := range steps {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return fmt.Errorf("%s: %w", s.what, mapErr(err))
		}
	}
	return br.Close()
}

// rollbackTimeout bounds the ROLLBACK after a failed two-batch transaction;
// a connection that cannot roll back is closed by the pool instead.
const rollbackTimeout = 5 * time.Second

// rollback ends conn's open transaction, if any, even when ctx has been
// cancelled. If it fails, releasing conn closes it (pgxpool drops a
// connection left inside a transaction).
func rollback(ctx context.Context, conn *pgxpool.Conn) {
	if conn.Conn().PgConn().TxStatus() == 'I' {
		return
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
	defer cancel()
	_, _ = conn.Exec(rctx, "rollback")
}

// waitingTx runs steps in a transaction that may wait on other
// transactions' locks: BEGIN goes out with the steps, COMMIT only once they
// have all answered (two round trips), so a caller that gives up while a
// step waits leaves nothing committed.
func (s *Store) waitingTx(ctx context.Context, steps []step) (err error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	defer func() {
		if err != nil {
			rollback(ctx, conn)
		}
	}()
	if err := execBatch(ctx, conn, append([]step{{"begin", "begin", nil}}, steps...)); err != nil {
		return err
	}
	_, err = conn.Exec(ctx, "commit")
	return err
}
