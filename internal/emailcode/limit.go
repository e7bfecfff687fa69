package emailcode

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/carekey/carekey/internal/flow"
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

// Admit checks, before a code is made, whether flow f may send one to the
// address target: first f's own limits (Issue's maximum of sends and, for a
// resend, its cooldown), tried on a copy so that f's code is not replaced,
// then the keyed limit l on the address ("email:"+target). In that order a
// send the flow refuses does not use up the address's allowance. f is not
// changed. It returns Issue's *LimitError, or Allow's.
func Admit(ctx context.Context, f flow.Flow, target string, now time.Time, r Rules, resend bool,
	limiter ratelimit.Limiter, l ratelimit.Limit) error {
	f.Data = maps.Clone(f.Data) // Issue writes the attempt limit there
	if err := Issue(&f, nil, target, now, r, resend); err != nil {
		return err
	}
	return Allow(ctx, limiter, l, "email:"+target)
}
