package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrInvalidLimit is returned (wrapped) by Allow and Reset for a Limit that
// fails Validate.
var ErrInvalidLimit = errors.New("ratelimit: invalid limit")

// Limit allows at most Max events per Window for each key.
type Limit struct {
	// Name identifies the limit, so that the same key counts separately
	// under different limits. It must be non-empty and contain no ':'.
	Name string
	// Max is the number of events allowed per Window; at least 1.
	Max int
	// Window is the length of the sliding window; at least 1 ms, counted in
	// whole milliseconds.
	Window time.Duration
}

// Validate reports, wrapping ErrInvalidLimit, what is wrong with l.
func (l Limit) Validate() error {
	var errs []error
	if l.Name == "" {
		errs = append(errs, fmt.Errorf("%w: name is empty", ErrInvalidLimit))
	}
	if strings.Contains(l.Name, ":") {
		errs = append(errs, fmt.Errorf("%w %q: name contains ':'", ErrInvalidLimit, l.Name))
	}
	if l.Max < 1 {
		errs = append(errs, fmt.Errorf("%w %q: max %d is below 1", ErrInvalidLimit, l.Name, l.Max))
	}
	if l.Window < time.Millisecond {
		errs = append(errs, fmt.Errorf("%w %q: window %s is below 1ms", ErrInvalidLimit, l.Name, l.Window))
	}
	return errors.Join(errs...)
}

// Result says whether an event was allowed.
type Result struct {
	// Allowed is true when the event was within the limit and was counted.
	Allowed bool
	// Remaining is how many more events would be allowed right now; 0 when
	// denied.
	Remaining int
	// RetryAfter is how long until one more event would be allowed, rounded
	// up to whole seconds: at least 1 s when denied, 0 when allowed.
	RetryAfter time.Duration
}

// Limiter counts events per key under a Limit. Implementations are safe for
// concurrent use, and Allow is atomic: N concurrent calls for one key never
// allow more than the limit permits.
type Limiter interface {
	// Allow counts one event for key under l, if it is within the limit,
	// and says whether it was. It is called before the action it guards
	// (sending a code, checking a password). Errors: ErrInvalidLimit for
	// a bad l; the context's error when ctx is done; otherwise a backend
	// failure, which callers should treat as "not allowed".
	Allow(ctx context.Context, key string, l Limit) (Result, error)
	// Reset forgets the events counted for key under l, for instance after
	// an administrator clears a block. Resetting a key with no events is not
	// an error.
	Reset(ctx context.Context, key string, l Limit) error
}

// Window locates now in l's fixed windows: index is the number of whole
// windows since the Unix epoch, elapsed how far now lies into window index,
// and window the window length, all in milliseconds. Backends key their
// counters by index; index-1 is the previous window.
func Window(l Limit, now time.Time) (index, elapsed, window int64) {
	window = l.Window.Milliseconds()
	ms := now.UnixMilli()
	index = ms / window
	elapsed = ms % window
	if elapsed < 0 { // before 1970: floor, not truncate
		index--
		elapsed += window
	}
	return index, elapsed, window
}

// Evaluate decides one event at now, given the counts of the previous and the
// current window before it. When Allowed, the caller must add one to the
// current window's count. Backends that decide inside their store (a Lua
// script) must use the same integer test:
//
//	previous*(window-elapsed) + (current+1)*window <= Max*window
func Evaluate(l Limit, now time.Time, previous, current int) Result {
	_, elapsed, window := Window(l, now)
	prev, cur, limit := int64(previous), int64(current), int64(l.Max)
	left := window - elapsed // weight of the previous window, in ms
	if prev*left+(cur+1)*window <= limit*window {
		cur++
		return Result{Allowed: true, Remaining: int((limit*window-prev*left)/window - cur)}
	}
	// Denied: find the first elapsed time e at which one more event fits,
	// counting no more events meanwhile.
	var wait int64
	if cur+1 <= limit {
		// Later in this window, once the previous window weighs less:
		// prev*(window-e) <= (limit-cur-1)*window.
		e := window - (limit-cur-1)*window/prev
		wait = e - elapsed
	} else {
		// In the next window, where this one is the previous:
		// cur*(window-e) <= (limit-1)*window.
		e := window - (limit-1)*window/cur
		wait = window - elapsed + e
	}
	return Result{RetryAfter: roundUpSeconds(time.Duration(wait) * time.Millisecond)}
}

// roundUpSeconds rounds d up to whole seconds, with 1 s at least, so that a
// client waiting the Retry-After header's seconds is let in.
func roundUpSeconds(d time.Duration) time.Duration {
	s := (d + time.Second - 1) / time.Second * time.Second
	return max(s, time.Second)
}
