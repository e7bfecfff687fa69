package app

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/carekey/carekey/internal/testenv"
)

func TestRedisRestartIsLogged(t *testing.T) {
	var out bytes.Buffer
	ids := []string{"aaa", "aaa", "bbb", "bbb"}
	w := &restartWatch{log: slog.New(slog.NewJSONHandler(&out, nil)), runID: func(context.Context) (string, error) {
		id := ids[0]
		ids = ids[1:]
		return id, nil
	}}
	for range 4 {
		w.check(t.Context())
	}
	if n := strings.Count(out.String(), "Redis restarted"); n != 1 {
		t.Errorf("%d restart lines, want 1:\n%s", n, out.String())
	}
	if !strings.Contains(out.String(), `"previous_run_id":"aaa"`) || !strings.Contains(out.String(), `"run_id":"bbb"`) {
		t.Errorf("restart line lacks the run IDs:\n%s", out.String())
	}
}

func TestRedisRunIDReadsTheServer(t *testing.T) {
	rc, _ := testenv.RedisClient(t)
	id, err := redisRunID(rc)(t.Context())
	if err != nil || len(id) != 40 {
		t.Errorf("run_id = %q, %v; want 40 hex characters", id, err)
	}
}
