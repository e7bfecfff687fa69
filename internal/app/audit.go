package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/store"
	"github.com/carekey/carekey/internal/store/postgres"
)

// ErrNoRetention is PruneAudit's answer when audit.retention keeps every row.
var ErrNoRetention = errors.New("audit.retention is not set: every row is kept")

// VerifyAudit walks the PostgreSQL audit chain (idp audit verify) and returns
// how many rows it checked, or an error wrapping a *store.AuditChainError
// that names the first broken link.
func VerifyAudit(ctx context.Context, cfg *config.Config) (int, error) {
	pg, err := postgres.Open(ctx, postgres.Config{URL: cfg.Postgres.URL, MaxConns: 2})
	if err != nil {
		return 0, fmt.Errorf("open postgres: %w", err)
	}
	defer pg.Close()
	return store.VerifyAudit(ctx, pg, 0)
}

// PruneAudit (idp audit prune) deletes audit rows older than now minus
// audit.retention, leaving a checkpoint, and returns how many it deleted. It
// verifies the chain first and prunes nothing when it is broken, so a
// checkpoint never vouches for rows that were tampered with. The database
// role needs DELETE on audit_events, which the application's role lacks.
func PruneAudit(ctx context.Context, cfg *config.Config, now time.Time) (int, error) {
	if cfg.Audit.Retention <= 0 {
		return 0, ErrNoRetention
	}
	pg, err := postgres.Open(ctx, postgres.Config{URL: cfg.Postgres.URL, MaxConns: 2})
	if err != nil {
		return 0, fmt.Errorf("open postgres: %w", err)
	}
	defer pg.Close()
	if _, err := store.VerifyAudit(ctx, pg, 0); err != nil {
		return 0, fmt.Errorf("before pruning: %w", err)
	}
	return pg.PruneAudit(ctx, now.Add(-cfg.Audit.Retention), now)
}
