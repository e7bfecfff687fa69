package emailcode

import (
	"context"

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
