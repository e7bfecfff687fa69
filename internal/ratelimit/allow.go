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

// Check is one limit on one key, for AllowInOrder.
type Check struct {
	Limit Limit
	Key   string
}

// OrderedLimiter is a Limiter that can decide several checks at once (one
// Redis round trip, say). AllowEach counts checks[0], checks[1], … in order
// and stops at the first refusal: the checks after it are not counted (a
// backend that counts them all at once takes them back before it returns).
// It returns the index of the refused check with its Result, or -1 when every
// check was allowed. Every check must have a Limit that passes Validate.
type OrderedLimiter interface {
	Limiter
	AllowEach(ctx context.Context, checks []Check) (refused int, res Result, err error)
}

// AllowInOrder counts checks in order, as Allow would one after the other,
// and returns the *LimitedError of the first that is over its limit: the
// checks after a refused one are not counted, so that (for instance) a
// source refused its attempts uses up none of the account's. A nil limiter
// allows everything; a zero limit (Max 0) is skipped. An OrderedLimiter
// decides them in one call.
func AllowInOrder(ctx context.Context, limiter Limiter, checks ...Check) error {
	if limiter == nil {
		return nil
	}
	live := make([]Check, 0, len(checks))
	for _, c := range checks {
		if c.Limit.Max != 0 {
			live = append(live, c)
		}
	}
	if o, ok := limiter.(OrderedLimiter); ok && len(live) > 1 {
		return limitedError(live, func() (int, Result, error) { return o.AllowEach(ctx, live) })
	}
	for _, c := range live {
		if err := Allow(ctx, limiter, c.Limit, c.Key); err != nil {
			return err
		}
	}
	return nil
}

// AheadLimiter is an OrderedLimiter that can send its checks ahead of the
// moment their answer is needed, with other work of the request (the
// Redis limiter: in the request's next round trip). AllowEachAhead returns
// await, which gives what AllowEach would.
type AheadLimiter interface {
	OrderedLimiter
	AllowEachAhead(ctx context.Context, checks []Check) (await func() (refused int, res Result, err error))
}

// AllowInOrderAhead is AllowInOrder whose checks an AheadLimiter sends
// ahead; await returns AllowInOrder's answer. Another limiter decides when
// await is called.
func AllowInOrderAhead(ctx context.Context, limiter Limiter, checks ...Check) (await func() error) {
	a, ok := limiter.(AheadLimiter)
	if !ok {
		return func() error { return AllowInOrder(ctx, limiter, checks...) }
	}
	live := make([]Check, 0, len(checks))
	for _, c := range checks {
		if c.Limit.Max != 0 {
			live = append(live, c)
		}
	}
	if len(live) == 0 {
		return func() error { return nil }
	}
	wait := a.AllowEachAhead(ctx, live)
	return func() error { return limitedError(live, wait) }
}

// limitedError turns the answer of an ordered decision on live into
// AllowInOrder's error.
func limitedError(live []Check, decide func() (int, Result, error)) error {
	i, res, err := decide()
	if err != nil {
		return fmt.Errorf("rate limits: %w", err)
	}
	if i >= 0 {
		return &LimitedError{Limit: live[i].Limit.Name, RetryAfter: res.RetryAfter}
	}
	return nil
}
