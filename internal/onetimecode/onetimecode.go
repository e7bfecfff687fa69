package onetimecode

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/carekey/carekey/internal/flow"
	"github.com/carekey/carekey/internal/secret"
)

// Rules are the limits of one kind of code.
type Rules struct {
	Channel     string        // flow.Code.Channel: ChannelEmail or ChannelSMS
	Digits      int           // how many digits a code has
	TTL         time.Duration // how long a code lives
	Cooldown    time.Duration // between a send and a resend
	MaxAttempts int           // wrong tries (see RenewTries)
	MaxSends    int           // codes per flow
	// RenewTries: a code sent after the last one used up its tries brings
	// MaxAttempts more (emailed codes). Without it MaxAttempts is the
	// flow's whole allowance, however many codes are sent (SMS codes).
	RenewTries bool
}

// The channels of flow.Code.Channel.
const (
	ChannelEmail = "email"
	ChannelSMS   = "sms"
)

// EmailRules returns design.md §3.1's limits of emailed codes: 8 digits, 30
// minutes, 60 s cooldown, 5 tries per code, 5 sends per flow.
func EmailRules() Rules {
	return Rules{Channel: ChannelEmail, Digits: 8, TTL: 30 * time.Minute, Cooldown: time.Minute,
		MaxAttempts: 5, MaxSends: 5, RenewTries: true}
}

// SMSRules returns the default limits of the sign-in's SMS code: 6 digits,
// 10 minutes, 30 s cooldown, 5 tries per flow, 5 sends per flow.
func SMSRules() Rules {
	return Rules{Channel: ChannelSMS, Digits: 6, TTL: 10 * time.Minute, Cooldown: 30 * time.Second,
		MaxAttempts: 5, MaxSends: 5}
}

// Or returns r, or def if r is the zero Rules (a service's optional rules
// left unset).
func (r Rules) Or(def Rules) Rules {
	if r == (Rules{}) {
		return def
	}
	return r
}

// dataLimit is the flow data key holding how many tries (counted over the
// whole flow) the live code allows, for rules that renew tries.
const dataLimit = "code_attempt_limit"

// Sentinel errors of sending (Issue, Admit); nothing was changed.
var (
	ErrCooldown     = errors.New("onetimecode: a code was sent moments ago") // within Rules.Cooldown of a send
	ErrTooManySends = errors.New("onetimecode: too many codes sent")         // the flow has sent Rules.MaxSends codes
)

// Sentinel errors of checking (Try, Redeem). Only ErrWrongCode counted a try.
var (
	ErrNoCode       = errors.New("onetimecode: no code to check")               // none sent, consumed, or killed by Back
	ErrExpired      = errors.New("onetimecode: code expired")                   // Rules.TTL has passed since the send
	ErrTooManyTries = errors.New("onetimecode: too many wrong tries")           // a new code is needed
	ErrWrongCode    = errors.New("onetimecode: wrong code")                     // not the code sent
	ErrWrongState   = errors.New("onetimecode: flow is not waiting for a code") // (Redeem) not the step that takes a code
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

// Issue puts a new code, given by its HMAC, on f for target. resend is true
// when the cooldown applies ("Please send me a new code") and false for the
// code of a newly entered address, or where the caller checked the cooldown
// itself (CoolingDown). It returns a *LimitError (ErrTooManySends, then
// ErrCooldown) and leaves f unchanged if the rules forbid a send. The count
// of tries carries over (see the package doc).
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
	c := &flow.Code{HMAC: mac, Channel: r.Channel, Target: target, ExpiresAt: now.Add(r.TTL), LastSentAt: now, Sends: 1}
	limit := r.MaxAttempts
	if prev != nil {
		c.Sends = prev.Sends + 1
		c.Attempts = prev.Attempts // a resend never resets the count
		limit = attemptLimit(*f, r)
		if c.Attempts >= limit { // the old code used its tries: more (RenewTries)
			limit = c.Attempts + r.MaxAttempts
		}
	}
	f.Code = c
	if r.RenewTries {
		f.Set(dataLimit, strconv.Itoa(limit))
	}
	return nil
}

// CoolingDown reports whether c is a code of r's channel sent less than
// r.Cooldown before now: a resend now would be refused.
func CoolingDown(c *flow.Code, now time.Time, r Rules) bool {
	return c != nil && c.Channel == r.Channel && now.Sub(c.LastSentAt) < r.Cooldown
}

// Kill makes f's code unusable (Back to change the address), keeping the
// counts of sends and tries.
func Kill(f *flow.Flow) {
	if f.Code != nil {
		f.Code.HMAC = nil
	}
}

// Try checks typed, as it is, against f's live code of r's channel, inside
// the caller's compare-and-swap. Before anything is counted it returns
// ErrNoCode (no live code of the channel), ErrExpired or a *LimitError
// wrapping ErrTooManyTries. Otherwise the try is counted before the
// constant-time comparison and Try returns ErrWrongCode, after which the
// caller must save f (the count), or nil: the right code, now consumed
// (its HMAC cleared; the counts of sends and tries stay).
func Try(f *flow.Flow, pepper secret.Pepper, typed string, now time.Time, r Rules) error {
	c := f.Code
	switch {
	case c == nil || c.HMAC == nil || c.Channel != r.Channel:
		return ErrNoCode
	case !now.Before(c.ExpiresAt):
		return ErrExpired
	case c.Attempts >= attemptLimit(*f, r):
		return &LimitError{Err: ErrTooManyTries}
	}
	c.Attempts++ // saved even when the code is wrong
	if !pepper.Verify(typed, c.HMAC) {
		return ErrWrongCode
	}
	c.HMAC = nil // single use
	return nil
}

// Redeem checks typed (spaces and hyphens stripped, so pasting works) against
// the live code of flow id in state, in one compare-and-swap: the try is
// counted and saved before the constant-time comparison (Try); the right code
// is consumed and next moves the flow on in the same write. It returns the
// flow as saved, or ErrWrongState, ErrNoCode, ErrExpired, ErrWrongCode or a
// *LimitError wrapping ErrTooManyTries (the wrong try that used the last one
// returns it too), or a store error.
func Redeem(ctx context.Context, flows flow.Store, id string, pepper secret.Pepper, typed string, now time.Time, r Rules,
	state string, next func(f *flow.Flow) error) (flow.Flow, error) {
	typed = secret.NormalizeCode(typed)
	var result error
	f, err := flows.Update(ctx, id, func(f *flow.Flow) error {
		result = nil // fn may run more than once
		if f.State != state {
			return ErrWrongState
		}
		switch err := Try(f, pepper, typed, now, r); {
		case errors.Is(err, ErrWrongCode):
			result = err
			if f.Code.Attempts >= attemptLimit(*f, r) {
				result = &LimitError{Err: ErrTooManyTries}
			}
			return nil // the try is saved
		case err != nil:
			return err
		}
		return next(f)
	})
	if err != nil {
		return f, fmt.Errorf("redeem code of flow %s: %w", id, err)
	}
	return f, result
}

// attemptLimit is how many tries, counted over the whole flow, f's code
// allows.
func attemptLimit(f flow.Flow, r Rules) int {
	if !r.RenewTries {
		return r.MaxAttempts
	}
	if n, err := strconv.Atoi(f.Data[dataLimit]); err == nil && n > 0 {
		return n
	}
	return r.MaxAttempts
}

func roundUp(d time.Duration) time.Duration {
	return max(time.Second, (d+time.Second-1)/time.Second*time.Second)
}
