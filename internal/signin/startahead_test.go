package signin_test

import (
	"errors"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/clock/clocktest"
	"github.com/carekey/carekey/internal/flow"
	"github.com/carekey/carekey/internal/flow/redisflow"
	"github.com/carekey/carekey/internal/rediscas"
	"github.com/carekey/carekey/internal/signin"
	"github.com/carekey/carekey/internal/testenv"
)

// StartAhead on Redis: a flow kept is stored with its auth request; a flow
// dropped is gone once the request's queued writes have gone out.
func TestStartAhead(t *testing.T) {
	c, prefix := testenv.RedisClient(t)
	clk := clocktest.New(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	flows := redisflow.New(c, prefix, clk)
	j := &signin.Journey{Flows: flows, Clock: clk}

	ctx := rediscas.WithMemo(t.Context())
	start, _ := j.StartAhead(ctx, "ar_1", "")
	f, token, err := start()
	if err != nil || token == "" {
		t.Fatalf("kept: %v", err)
	}
	if got, err := flows.Get(t.Context(), f.ID); err != nil || signin.DataOf(got).AuthRequest != "ar_1" {
		t.Errorf("kept flow %+v, %v; want it stored for ar_1", got, err)
	}

	ctx = rediscas.WithMemo(t.Context())
	start, drop := j.StartAhead(ctx, "ar_2", "")
	drop()
	if err := rediscas.Flush(ctx, c); err != nil {
		t.Fatal(err)
	}
	f, _, err = start() // the answer of the create, which drop awaited
	if err != nil {
		t.Fatal(err)
	}
	if _, err := flows.Get(t.Context(), f.ID); !errors.Is(err, flow.ErrNotFound) {
		t.Errorf("dropped flow: %v, want flow.ErrNotFound", err)
	}
}
