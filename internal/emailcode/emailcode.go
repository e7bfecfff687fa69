package emailcode

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/carekey/carekey/internal/flow"
	"github.com/carekey/carekey/internal/secret"
)

// Rules are the limits of emailed codes.
type Rules struct {
	Digits      int           // 8
	TTL         time.Duration // 30 minutes
	Cooldown    time.Duration // 60 s between a send and a resend
	MaxAttempts int           // 5 wrong tries per code
	MaxSends    int           // 5 codes per flow
}

// DefaultRules returns design.md §3.1's limits.
func DefaultRules() Rules {
	return Rules{Digits: 8, TTL: 30 * time.Minute, Cooldown: time.Minute, MaxAttempts: 5, MaxSends: 5}
}

// OrDefault returns r, or DefaultRules if r is the zero Rules (a service's
// optional Codes left unset).
func (r Rules) OrDefault() Rules {
	if r == (Rules{}) {
		return DefaultRules()
	}
	return r
}

// Channel is flow.Code.Channel for emailed codes.
const Channel = "email"

// dataLimit is the flow data key holding how many tries (counted over the
// whole flow) the live code allows.
const dataLimit = "code_attempt_limit"

// Sentinel errors.
var (
	// ErrCooldown: a resend came within the cooldown; nothing changed.
	ErrCooldown = errors.New("emailcode: a code was sent moments ago")
	// ErrTooManySends: the flow has sent its maximum of codes.
	ErrTooManySends = errors.New("emailcode: too many codes sent")
	// ErrNoCode: there is no live code (none sent, consumed, or killed by Back).
	ErrNoCode = errors.New("emailcode: no code to check")
	// ErrExpired: the code's 30 minutes have passed.
	ErrExpired = errors.New("emailcode: code expired")
	// ErrTooManyTries: the code has had its wrong tries; a new code is needed.
	ErrTooManyTries = errors.New("emailcode: too many wrong tries")
	// ErrWrongCode: the code typed is not the one sent (the try was counted).
	ErrWrongCode = errors.New("emailcode: wrong code")
	// ErrWrongState: the flow is not at the step that takes a code.
	ErrWrongState = errors.New("emailcode: flow is not waiting for a code")
)

// LimitError says when the refused action may be tried again. It wraps one of
// ErrCooldown, ErrTooManySends or ErrTooManyTries.
type LimitError struct {
	Err        error
	RetryAfter time.Duration // 0: not by waiting (start again / new code)
}

func (e *LimitError) Error() string { return fmt.Sprintf("%v (retry after %s)", e.Err, e.RetryAfter) }

// Unwrap returns the sentinel.
func (e *LimitError) Unwrap() error { return e.Err }

// Issue puts a new code, given by its HMAC, on f for target. resend is true for
// "Please send me a new code" (the cooldown applies) and false for the code
// of a newly entered address. It returns a *LimitError (ErrCooldown,
// ErrTooManySends) and leaves f unchanged if the rules forbid a send. The
// count of tries carries over (see the package doc).
func Issue(f *flow.Flow, mac []byte, target string, now time.Time, r Rules, resend bool) error {
	prev := f.Code
	if prev != nil {
		if prev.Sends >= r.MaxSends {
			return &LimitError{Err: ErrTooManySends}
		}
		if wait := prev.LastSentAt.Add(r.Cooldown).Sub(now); resend && wait > 0 {
			return &LimitError{Err: ErrCooldown, RetryAfter: roundUp(wait)}
		}
	}
	c := &flow.Code{HMAC: mac, Channel: Channel, Target: target, ExpiresAt: now.Add(r.TTL), LastSentAt: now, Sends: 1}
	limit := r.MaxAttempts
	if prev != nil {
		c.Sends = prev.Sends + 1
		c.Attempts = prev.Attempts // a resend never resets the count
		limit = attemptLimit(*f, r)
		if c.Attempts >= limit { // the old code used its tries: 5 more
			limit = c.Attempts + r.MaxAttempts
		}
	}
	f.Code = c
	f.Set(dataLimit, strconv.Itoa(limit))
	return nil
}

// Kill makes f's code unusable (Back to change the address), keeping the
// counts of sends and tries.
func Kill(f *flow.Flow) {
	if f.Code != nil {
		f.Code.HMAC = nil
	}
}

// Redeem checks typed (spaces and hyphens stripped, so pasting works) against
// the live code of flow id in state, in one compare-and-swap: the try is
// counted and saved before the constant-time comparison; the right code is
// consumed and next moves the flow on in the same write. It returns the flow
// as saved, or ErrWrongState, ErrNoCode, ErrExpired, ErrWrongCode or a
// *LimitError wrapping ErrTooManyTries (the wrong try that used the last one
// returns it too), or a store error.
func Redeem(ctx context.Context, flows flow.Store, id string, pepper secret.Pepper, typed string, now time.Time, r Rules,
	state string, next func(f *flow.Flow) error) (flow.Flow, error) {
	typed = secret.NormalizeCode(typed)
	var result error
	f, err := flows.Update(ctx, id, func(f *flow.Flow) error {
		result = nil // fn may run more than once
		c := f.Code
		limit := attemptLimit(*f, r)
		switch {
		case f.State != state:
			return ErrWrongState
		case c == nil || c.HMAC == nil:
			return ErrNoCode
		case !now.Before(c.ExpiresAt):
			return ErrExpired
		case c.Attempts >= limit:
			return &LimitError{Err: ErrTooManyTries}
		}
		c.Attempts++ // saved even when the code is wrong
		if !pepper.Verify(typed, c.HMAC) {
			result = ErrWrongCode
			if c.Attempts >= limit {
				result = &LimitError{Err: ErrTooManyTries}
			}
			return nil
		}
		c.HMAC = nil // single use
		return next(f)
	})
	if err != nil {
		return f, fmt.Errorf("redeem code of flow %s: %w", id, err)
	}
	return f, result
}

func attemptLimit(f flow.Flow, r Rules) int {
	if n, err := strconv.Atoi(f.Data[dataLimit]); err == nil && n > 0 {
		return n
	}
	return r.MaxAttempts
}

func roundUp(d time.Duration) time.Duration {
	return max(time.Second, (d+time.Second-1)/time.Second*time.Second)
}
