package redislimit

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/carekey/carekey/internal/ratelimit"
	"github.com/carekey/carekey/internal/rediscas"
)

var _ ratelimit.OrderedLimiter = (*Limiter)(nil)

// giveBack takes back one event counted in KEYS[1] (a current window's
// counter), for a check that AllowEach counted after a refused one.
var giveBack = redis.NewScript(`
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if cur > 0 then
  redis.call('DECR', KEYS[1])
end
return cur
`)

// AllowEach decides checks in one pipeline: each check is the single-slot
// script Allow runs (so the pipeline is cluster-safe: go-redis sends each
// command to its key's node). All are counted at once; the allowed checks
// after the first refused one are then given back, in a second round trip
// that only a refusal costs. Between the two, a concurrent call may see
// those counters one higher than they end.
func (r *Limiter) AllowEach(ctx context.Context, checks []ratelimit.Check) (int, ratelimit.Result, error) {
	return r.AllowEachAhead(ctx, checks)()
}

var _ ratelimit.AheadLimiter = (*Limiter)(nil)

// AllowEachAhead is AllowEach whose pipeline rides with the request's next
// Redis round trip (rediscas.Ahead: the read of the flow, say); await
// returns what AllowEach would, sending the pipeline first if nothing has
// carried it yet. Without a request memo it is AllowEach, sent at once.
func (r *Limiter) AllowEachAhead(ctx context.Context, checks []ratelimit.Check) (await func() (int, ratelimit.Result, error)) {
	fail := func(err error) func() (int, ratelimit.Result, error) {
		return func() (int, ratelimit.Result, error) { return -1, ratelimit.Result{}, err }
	}
	if err := ctx.Err(); err != nil {
		return fail(fmt.Errorf("allow: %w", err))
	}
	for _, c := range checks {
		if err := c.Limit.Validate(); err != nil {
			return fail(err)
		}
	}
	now := r.clk.Now()
	calls := make([]call, len(checks))
	for i, c := range checks {
		index, elapsed, window := ratelimit.Window(c.Limit, now)
		cur, prev := r.keys(c.Key, c.Limit, index)
		calls[i] = call{keys: []string{cur, prev}, args: []any{c.Limit.Max, window, window - elapsed, 2 * window}}
	}
	sent := rediscas.Ahead(ctx, r.rdb, func(ctx context.Context, p redis.Pipeliner) {
		for i := range calls {
			calls[i].cmd = allow.EvalSha(ctx, p, calls[i].keys, calls[i].args...)
		}
	})
	return func() (int, ratelimit.Result, error) {
		sent()
		return r.decide(ctx, checks, calls, now)
	}
}

// call is one check's script run.
type call struct {
	keys []string
	args []any
	cmd  *redis.Cmd
}

// decide reads the answers of calls (running again whole the scripts a
// node did not have cached), and gives back the checks allowed after the
// first refused one.
func (r *Limiter) decide(ctx context.Context, checks []ratelimit.Check, calls []call, now time.Time) (int, ratelimit.Result, error) {
	missing := false
	for _, c := range calls {
		if c.cmd == nil {
			return -1, ratelimit.Result{}, fmt.Errorf("allow: scripts not sent")
		}
		missing = missing || noScript(c.cmd.Err())
	}
	if missing {
		// The script is not cached on some node: send it whole for the
		// checks that did not run (the others counted already).
		if _, err := r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i := range calls {
				if noScript(calls[i].cmd.Err()) {
					calls[i].cmd = allow.Eval(ctx, p, calls[i].keys, calls[i].args...)
				}
			}
			return nil
		}); err != nil {
			return -1, ratelimit.Result{}, fmt.Errorf("allow: run scripts: %w", err)
		}
	}
	refused, res := -1, ratelimit.Result{}
	var back []string
	for i, c := range calls {
		vals, err := c.cmd.Int64Slice()
		if err != nil {
			return -1, ratelimit.Result{}, fmt.Errorf("allow %s: run script: %w", checks[i].Limit.Name, err)
		}
		if len(vals) != 3 {
			return -1, ratelimit.Result{}, fmt.Errorf("allow %s: script returned %d values, want 3", checks[i].Limit.Name, len(vals))
		}
		rs := ratelimit.Evaluate(checks[i].Limit, now, int(vals[2]), int(vals[1]))
		if rs.Allowed != (vals[0] == 1) {
			return -1, ratelimit.Result{}, fmt.Errorf("allow %s: script and ratelimit.Evaluate disagree", checks[i].Limit.Name)
		}
		switch {
		case refused < 0 && !rs.Allowed:
			refused, res = i, rs
		case refused >= 0 && rs.Allowed:
			back = append(back, c.keys[0])
		}
	}
	if len(back) > 0 {
		if _, err := r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, k := range back {
				giveBack.Eval(ctx, p, []string{k}) // rare: the whole script, no NOSCRIPT round
			}
			return nil
		}); err != nil {
			return -1, ratelimit.Result{}, fmt.Errorf("allow: give back: %w", err)
		}
	}
	return refused, res, nil
}

func noScript(err error) bool {
	return err != nil && strings.HasPrefix(err.Error(), "NOSCRIPT")
}
