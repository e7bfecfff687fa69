package app

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/carekey/carekey/internal/rediscas"
	"github.com/carekey/carekey/internal/testenv"
)

// A write a request queued (rediscas.Later) has landed before the
// response's header goes out, so that the answer cannot lead the browser
// to a request that misses it.
func TestQueuedWritesLandBeforeTheAnswer(t *testing.T) {
	c, prefix := testenv.RedisClient(t)
	key := prefix + "queued"
	h := withRedisMemo(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		queued := rediscas.Later(r.Context(), func(ctx context.Context, p redis.Pipeliner) {
			p.Set(ctx, key, "1", time.Minute)
		})
		if !queued {
			t.Error("no memo in the request: nothing queued")
		}
		w.WriteHeader(http.StatusSeeOther)
	}), c, slog.New(slog.DiscardHandler))
	rec := &checkingWriter{ResponseRecorder: httptest.NewRecorder(), check: func() {
		if c.Exists(context.Background(), key).Val() != 1 {
			t.Error("the queued write had not landed when the header went out")
		}
	}}
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/signin", nil))
	if rec.Code != http.StatusSeeOther {
		t.Errorf("status %d, want 303", rec.Code)
	}
}

type checkingWriter struct {
	*httptest.ResponseRecorder
	check func()
}

func (c *checkingWriter) WriteHeader(code int) {
	c.check()
	c.ResponseRecorder.WriteHeader(code)
}
