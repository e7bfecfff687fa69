package signin

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/carekey/carekey/internal/clock"
	"github.com/carekey/carekey/internal/flow"
	"github.com/carekey/carekey/internal/notify"
	"github.com/carekey/carekey/internal/ratelimit"
	"github.com/carekey/carekey/internal/secret"
)

// Sentinel errors of phone confirmation. The web layer maps each to the
// hosted service's words.
var (
	ErrWrongCode        = errors.New("signin: wrong code")
	ErrNoCode           = errors.New("signin: no code to check (expired, used or too many tries)")
	ErrTooManySends     = errors.New("signin: too many codes sent for this sign-in")
	ErrCooldown         = errors.New("signin: a code was sent moments ago")
	ErrCallNotAnswered  = errors.New("signin: the call was not answered with #")
	ErrUnknownReference = errors.New("signin: unknown or used call reference")
)

// RateLimitedError says when the phone may be sent another code or call.
type RateLimitedError struct{ RetryAfter time.Duration }

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("signin: rate limited, retry after %s", e.RetryAfter)
}

// Flow data keys used by phone confirmation.
const (
	DataCallRef   = "call_ref_hash" // SHA-256 of the call reference's secret part
	DataCallState = "call_state"    // "", "pending", "verified", "failed"
)

// Phones sends and checks the second factor: a 6-digit SMS code or a voice
// call answered with #. Codes are stored as an HMAC with the pepper, counted
// before a constant-time comparison, single use, and replaced (never reset)
// by a resend.
type Phones struct {
	Flows     flow.Store
	SMS       notify.SMSSender
	Voice     notify.VoiceCaller
	Templates notify.Templates
	Limiter   ratelimit.Limiter
	Limits    ratelimit.Limits
	Pepper    []byte
	Clock     clock.Clock

	CodeTTL     time.Duration // default 10m
	MaxAttempts int           // default 5
	MaxSends    int           // default 5 per flow
	Cooldown    time.Duration // default 30s between sends
}

func (p *Phones) defaults() (ttl time.Duration, attempts, sends int, cooldown time.Duration) {
	ttl, attempts, sends, cooldown = p.CodeTTL, p.MaxAttempts, p.MaxSends, p.Cooldown
	if ttl == 0 {
		ttl = 10 * time.Minute
	}
	if attempts == 0 {
		attempts = 5
	}
	if sends == 0 {
		sends = 5
	}
	if cooldown == 0 {
		cooldown = 30 * time.Second
	}
	return
}

func (p *Phones) limit(ctx context.Context, l ratelimit.Limit, key string) error {
	if p.Limiter == nil || l.Max == 0 {
		return nil
	}
	res, err := p.Limiter.Allow(ctx, key, l)
	if err != nil {
		return fmt.Errorf("rate limit %s: %w", l.Name, err)
	}
	if !res.Allowed {
		return &RateLimitedError{RetryAfter: res.RetryAfter}
	}
	return nil
}

// SendCode sends a new 6-digit code by SMS to phone (E.164) for the flow. The
// new code replaces any earlier one; the count of wrong tries carries over.
func (p *Phones) SendCode(ctx context.Context, flowID, phone string) error {
	ttl, _, maxSends, cooldown := p.defaults()
	now := p.Clock.Now()
	code := secret.NumericCode(6)
	if err := p.limit(ctx, p.Limits.CodesPerPhone, phone); err != nil {
		return err
	}
	_, err := p.Flows.Update(ctx, flowID, func(f *flow.Flow) error {
		prev := f.Code
		if prev != nil && prev.Sends >= maxSends {
			return ErrTooManySends
		}
		if prev != nil && prev.Channel == "sms" && now.Sub(prev.LastSentAt) < cooldown {
			return ErrCooldown
		}
		c := &flow.Code{HMAC: secret.HMAC(p.Pepper, code), Channel: "sms", Target: phone, ExpiresAt: now.Add(ttl), LastSentAt: now, Sends: 1}
		if prev != nil {
			c.Sends = prev.Sends + 1
			c.Attempts = prev.Attempts
		}
		f.Code = c
		return nil
	})
	if err != nil {
		return fmt.Errorf("store code for flow %s: %w", flowID, err)
	}
	if err := p.SMS.SendSMS(ctx, p.Templates.SignInCodeSMS(phone, code)); err != nil {
		return fmt.Errorf("send code: %w", err)
	}
	return nil
}

// VerifyCode checks a code typed by the user. The attempt is counted before
// the comparison; a right code is consumed in the same write, so of many
// concurrent submissions exactly one succeeds.
func (p *Phones) VerifyCode(ctx context.Context, flowID, typed string) error {
	_, maxAttempts, _, _ := p.defaults()
	now := p.Clock.Now()
	var ok bool
	_, err := p.Flows.Update(ctx, flowID, func(f *flow.Flow) error {
		ok = false // fn may be retried
		c := f.Code
		if c == nil || c.Channel != "sms" || !now.Before(c.ExpiresAt) || c.Attempts >= maxAttempts {
			return ErrNoCode
		}
		c.Attempts++ // saved even when the code is wrong
		if secret.Verify(p.Pepper, typed, c.HMAC) {
			ok = true
			f.Code = nil
			f.Set(DataCallState, "")
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("check code for flow %s: %w", flowID, err)
	}
	if !ok {
		return ErrWrongCode
	}
	return nil
}

// PlaceCall calls phone; the call asks the user to press #. The reference in
// the call is "<flowID>.<secret>": the flow keeps only the secret's hash.
func (p *Phones) PlaceCall(ctx context.Context, flowID, phone string) error {
	tok := secret.Token()
	if err := p.limit(ctx, p.Limits.CallsPerPhone, phone); err != nil {
		return err
	}
	_, err := p.Flows.Update(ctx, flowID, func(f *flow.Flow) error {
		f.Set(DataCallRef, secret.HashToken(tok))
		f.Set(DataCallState, "pending")
		return nil
	})
	if err != nil {
		return fmt.Errorf("store call reference for flow %s: %w", flowID, err)
	}
	if err := p.Voice.PlaceCall(ctx, p.Templates.SignInCall(phone, flowID+"."+tok)); err != nil {
		return fmt.Errorf("place call: %w", err)
	}
	return nil
}

// CallAnswered records the outcome of a call named by its reference: pressed
// reports whether the user pressed #. A reference is good for one outcome.
func (p *Phones) CallAnswered(ctx context.Context, reference string, pressed bool) error {
	flowID, tok, ok := strings.Cut(reference, ".")
	if !ok || flowID == "" || tok == "" {
		return ErrUnknownReference
	}
	_, err := p.Flows.Update(ctx, flowID, func(f *flow.Flow) error {
		want := f.Data[DataCallRef]
		if want == "" || f.Data[DataCallState] != "pending" || !secret.Equal(secret.HashToken(tok), want) {
			return ErrUnknownReference
		}
		delete(f.Data, DataCallRef)
		if pressed {
			f.Set(DataCallState, "verified")
		} else {
			f.Set(DataCallState, "failed")
		}
		return nil
	})
	if errors.Is(err, flow.ErrNotFound) {
		return ErrUnknownReference
	}
	return err
}
