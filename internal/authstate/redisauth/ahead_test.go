package redisauth_test

import (
	"errors"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/authstate"
	"github.com/carekey/carekey/internal/authstate/redisauth"
	"github.com/carekey/carekey/internal/clock/clocktest"
	"github.com/carekey/carekey/internal/rediscas"
	"github.com/carekey/carekey/internal/testenv"
)

// SaveCodeAhead: a code kept is bound to its request; a code dropped is
// gone once the request's queued writes have gone out.
func TestSaveCodeAhead(t *testing.T) {
	c, prefix := testenv.RedisClient(t)
	clk := clocktest.New(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	st := redisauth.New(c, prefix, clk)
	end := clk.Now().Add(time.Minute)

	ctx := rediscas.WithMemo(t.Context())
	saved, _ := st.SaveCodeAhead(ctx, "kept", "ar_1", end)
	if err := saved(); err != nil {
		t.Fatal(err)
	}
	if id, err := st.ConsumeCode(t.Context(), "kept", end); err != nil || id != "ar_1" {
		t.Errorf("kept code: %q, %v; want ar_1", id, err)
	}

	ctx = rediscas.WithMemo(t.Context())
	_, drop := st.SaveCodeAhead(ctx, "dropped", "ar_2", end)
	drop()
	if err := rediscas.Flush(ctx, c); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ConsumeCode(t.Context(), "dropped", end); !errors.Is(err, authstate.ErrNotFound) {
		t.Errorf("dropped code: %v, want authstate.ErrNotFound", err)
	}
}
