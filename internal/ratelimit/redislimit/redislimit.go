package redislimit

import (
	"context"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/carekey/carekey/internal/clock"
	"github.com/carekey/carekey/internal/ratelimit"
	"github.com/carekey/carekey/internal/rediscas"
)

var _ ratelimit.Limiter = (*Limiter)(nil)

// allow is the sliding window counter step. KEYS[1] is the current window's
// counter, KEYS[2] the previous one's; ARGV are Max, the window and the time
// left in it (ms), and the TTL (ms). It returns {allowed, current before,
// previous}. All values are integers below 2^53, exact in Lua's doubles.
var allow = redis.NewScript(`
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
local prev = tonumber(redis.call('GET', KEYS[2]) or '0')
local max = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local left = tonumber(ARGV[3])
if prev * left + (cur + 1) * window <= max * window then
  redis.call('INCR', KEYS[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  return {1, cur, prev}
end
return {0, cur, prev}
`)

// Limiter is a ratelimit.Limiter on Redis, safe for concurrent use.
type Limiter struct {
	rdb    redis.UniversalClient
	prefix string
	clk    clock.Clock
}

// New returns a Limiter keeping its counters in c under prefix, with windows
// that follow clk.
func New(c redis.UniversalClient, prefix string, clk clock.Clock) *Limiter {
	return &Limiter{rdb: c, prefix: prefix, clk: clk}
}

// keys returns the Redis keys of key's counters under l for window index and
// the one before it.
func (r *Limiter) keys(key string, l ratelimit.Limit, index int64) (current, previous string) {
	base := r.prefix + "{" + l.Name + ":" + strconv.FormatInt(l.Window.Milliseconds(), 10) + ":" + key + "}:"
	return base + strconv.FormatInt(index, 10), base + strconv.FormatInt(index-1, 10)
}

// Allow counts one event for key under l if it is within the limit.
func (r *Limiter) Allow(ctx context.Context, key string, l ratelimit.Limit) (ratelimit.Result, error) {
	if err := ctx.Err(); err != nil {
		return ratelimit.Result{}, fmt.Errorf("allow %s: %w", l.Name, err)
	}
	if err := l.Validate(); err != nil {
		return ratelimit.Result{}, err
	}
	now := r.clk.Now()
	index, elapsed, window := ratelimit.Window(l, now)
	cur, prev := r.keys(key, l, index)
	vals, err := allow.Run(ctx, r.rdb, []string{cur, prev},
		l.Max, window, window-elapsed, 2*window).Int64Slice()
	if err != nil {
		return ratelimit.Result{}, fmt.Errorf("allow %s: run script: %w", l.Name, err)
	}
	if len(vals) != 3 {
		return ratelimit.Result{}, fmt.Errorf("allow %s: script returned %d values, want 3", l.Name, len(vals))
	}
	res := ratelimit.Evaluate(l, now, int(vals[2]), int(vals[1]))
	if res.Allowed != (vals[0] == 1) {
		// The script and Evaluate must apply the same test; if they
		// drift apart, say so rather than answer inconsistently.
		return ratelimit.Result{}, fmt.Errorf("allow %s: script and ratelimit.Evaluate disagree", l.Name)
	}
	return res, nil
}

// Reset forgets key's events under l by deleting its current and previous
// window counters: at once, or, in a request with a memo (rediscas.Later),
// in the pipeline of the request's next Redis write and before it answers.
func (r *Limiter) Reset(ctx context.Context, key string, l ratelimit.Limit) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("reset %s: %w", l.Name, err)
	}
	if err := l.Validate(); err != nil {
		return err
	}
	index, _, _ := ratelimit.Window(l, r.clk.Now())
	cur, prev := r.keys(key, l, index)
	if rediscas.Later(ctx, func(ctx context.Context, p redis.Pipeliner) { p.Del(ctx, cur, prev) }) {
		return nil // with the request's next write, before it answers
	}
	if err := r.rdb.Del(ctx, cur, prev).Err(); err != nil {
		return fmt.Errorf("reset %s: %w", l.Name, err)
	}
	return nil
}
