package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrLimited is what every refusal by a keyed rate limit matches
// (errors.Is): the *LimitedError that Allow returns wraps it.
var ErrLimited = errors.New("ratelimit: over the limit")

// LimitedError says which limit refused an action and when it may be tried
// again (HTTP 429 with Retry-After). It matches ErrLimited.
type LimitedError struct {
	Limit      string        // the Limit's Name
	RetryAfter time.Duration // whole seconds, at least 1 s (Result.RetryAfter)
}

func (e *LimitedError) Error() string {
	return fmt.Sprintf("ratelimit: %s over the limit, retry after %s", e.Limit, e.RetryAfter)
}

// Unwrap returns ErrLimited.
func (e *LimitedError) Unwrap() error { return ErrLimited }

// Allow counts one event for key under l and returns a *LimitedError when it
// is over the limit. A nil limiter or a zero limit (Max 0) allows
// everything. A limiter failure is returned wrapped: callers treat it as
// "not allowed" (the action does not happen).
func Allow(ctx context.Context, limiter Limiter, l Limit, key string) error {
	if limiter == nil || l.Max == 0 {
		return nil
	}
	res, err := limiter.Allow(ctx, key, l)
	if err != nil {
		return fmt.Errorf("rate limit %s: %w", l.Name, err)
	}
	if !res.Allowed {
		return &LimitedError{Limit: l.Name, RetryAfter: res.RetryAfter}
	}
	return nil
}
