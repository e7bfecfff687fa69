package onetimecode

import (
	"context"
	"maps"
	"time"

	"github.com/carekey/carekey/internal/flow"
	"github.com/carekey/carekey/internal/ratelimit"
)

// ErrRateLimited: a keyed rate limit (codes per address, registrations per
// IP) refused the action. It is ratelimit.ErrLimited, matched by the
// *ratelimit.LimitedError (with its RetryAfter) that Allow returns.
var ErrRateLimited = ratelimit.ErrLimited

// Allow is ratelimit.Allow: the journeys' one rate-limit helper, kept here
// for the journeys that call it by this name.
func Allow(ctx context.Context, limiter ratelimit.Limiter, l ratelimit.Limit, key string) error {
	return ratelimit.Allow(ctx, limiter, l, key)
}

// Admit checks, before a code is made, whether flow f may send one to
// target: first f's own limits (Issue's maximum of sends and, for a resend,
// its cooldown), tried on a copy so that f's code is not replaced, then the
// keyed limit l on the target (r.Channel+":"+target, e.g.
// "email:a@example.com"). In that order a send the flow refuses does not use
// up the target's allowance. f is not changed. It returns Issue's
// *LimitError, or Allow's *ratelimit.LimitedError.
func Admit(ctx context.Context, f flow.Flow, target string, now time.Time, r Rules, resend bool,
	limiter ratelimit.Limiter, l ratelimit.Limit) error {
	f.Data = maps.Clone(f.Data) // Issue writes the attempt limit there
	if err := Issue(&f, nil, target, now, r, resend); err != nil {
		return err
	}
	return Allow(ctx, limiter, l, r.Channel+":"+target)
}
