package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/carekey/carekey/internal/app"
	"github.com/carekey/carekey/internal/config"
)

const auditUsage = `usage:
  idp audit verify --config FILE   walk the audit hash chain: "ok: N rows", or the first broken row (exit 1)
  idp audit prune --config FILE    delete rows older than audit.retention, leaving a checkpoint
`

// auditCmd runs `idp audit verify|prune`.
func auditCmd(ctx context.Context, args []string, now func() time.Time, stdout, stderr io.Writer) int {
	if len(args) == 0 || (args[0] != "verify" && args[0] != "prune") {
		fmt.Fprint(stderr, auditUsage)
		return 2
	}
	cfg, code := loadFlags("audit "+args[0], args[1:], config.ModeServe, "", stderr)
	if cfg == nil {
		return code
	}
	switch args[0] {
	case "verify":
		n, err := app.VerifyAudit(ctx, cfg)
		if err != nil {
			fmt.Fprintln(stderr, "idp audit verify:", err)
			return 1
		}
		fmt.Fprintf(stdout, "ok: %d rows\n", n)
	default:
		n, err := app.PruneAudit(ctx, cfg, now())
		if errors.Is(err, app.ErrNoRetention) {
			fmt.Fprintln(stdout, "nothing pruned:", err)
			return 0
		}
		if err != nil {
			fmt.Fprintln(stderr, "idp audit prune:", err)
			return 1
		}
		fmt.Fprintf(stdout, "pruned %d rows older than %s\n", n, cfg.Audit.Retention)
	}
	return 0
}
