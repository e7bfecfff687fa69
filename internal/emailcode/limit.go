package emailcode

import (
	"context"
	"errors"
	"fmt"

	"github.com/carekey/carekey/internal/ratelimit"
)

// ErrRateLimited: a keyed rate limit (codes per address, registrations per IP)
// refused the action. Returned inside a *LimitError with its RetryAfter.
var ErrRateLimited = errors.New("emailcode: rate limited")

// Allow counts one event for key under l and returns a *LimitError wrapping
// ErrRateLimited when it is over the limit. A nil limiter or a zero limit
// allows everything. A limiter failure is returned (wrapped): callers treat
// it as "not allowed".
func Allow(ctx context.Context, limiter ratelimit.Limiter, l ratelimit.Limit, key string) error {
	if limiter == nil || l.Max == 0 {
		return nil
	}
	res, err := limiter.Allow(ctx, key, l)
	if err != nil {
		return fmt.Errorf("rate limit %s: %w", l.Name, err)
	}
	if !res.Allowed {
		return &LimitError{Err: ErrRateLimited, RetryAfter: res.RetryAfter}
	}
	return nil
}
