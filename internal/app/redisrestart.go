package app

import (
	"context"
	"log/slog"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
)

// restartWatch notices that Redis has restarted (or failed over to a replica
// without its data): its run_id changes. Redis keeps only short-lived state,
// so a restart signs everyone out of carekey and loses sign-ins in progress;
// without this the only sign is a wave of users back at "Sign in" (issue 11,
// docs/operations.md "What an outage costs"). Checked at each readiness probe.
type restartWatch struct {
	runID func(ctx context.Context) (string, error)
	log   *slog.Logger

	mu   sync.Mutex
	last string
}

// check reads the run_id and logs an error-level line when it changed since
// the last check. A read that fails is the readiness probe's business.
func (w *restartWatch) check(ctx context.Context) {
	id, err := w.runID(ctx)
	if err != nil || id == "" {
		return
	}
	w.mu.Lock()
	prev := w.last
	w.last = id
	w.mu.Unlock()
	if prev != "" && prev != id {
		w.log.ErrorContext(ctx, "Redis restarted or failed over without its data: every carekey session and every sign-in in progress was lost; users sign in again",
			"previous_run_id", prev, "run_id", id)
	}
}

// redisRunID reads the server's run_id (INFO server). With a Cluster it reads
// one node's: a restart of that node is noticed.
func redisRunID(rc redis.UniversalClient) func(ctx context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		info, err := rc.Info(ctx, "server").Result()
		if err != nil {
			return "", err
		}
		for line := range strings.SplitSeq(info, "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "run_id:"); ok {
				return v, nil
			}
		}
		return "", nil
	}
}
