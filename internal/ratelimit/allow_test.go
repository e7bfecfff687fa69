package ratelimit

import (
	"context"
	"errors"
	"testing"
	"time"
)

// fixedLimiter answers every Allow with res and err, counting the calls.
type fixedLimiter struct {
	res   Result
	err   error
	calls int
}

func (f *fixedLimiter) Allow(context.Context, string, Limit) (Result, error) {
	f.calls++
	return f.res, f.err
}

func (f *fixedLimiter) Reset(context.Context, string, Limit) error { return nil }

func TestAllow(t *testing.T) {
	l := Limit{Name: "codes_per_phone", Max: 3, Window: time.Hour}
	down := errors.New("redis down")
	for _, tc := range []struct {
		name      string
		have      *fixedLimiter
		limit     Limit
		wantErr   error // nil: allowed
		wantRetry time.Duration
		wantCalls int
	}{
		{"allowed", &fixedLimiter{res: Result{Allowed: true, Remaining: 2}}, l, nil, 0, 1},
		{"refused", &fixedLimiter{res: Result{RetryAfter: 42 * time.Second}}, l, ErrLimited, 42 * time.Second, 1},
		{"backend failure is not allowed", &fixedLimiter{err: down}, l, down, 0, 1},
		{"zero limit allows without counting", &fixedLimiter{err: down}, Limit{Name: "off"}, nil, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Allow(t.Context(), tc.have, tc.limit, "key")
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("Allow = %v, want %v", err, tc.wantErr)
			}
			var le *LimitedError
			if errors.As(err, &le) != (tc.wantErr == ErrLimited) {
				t.Fatalf("Allow = %#v: *LimitedError only for a refusal", err)
			}
			if le != nil && (le.RetryAfter != tc.wantRetry || le.Limit != tc.limit.Name) {
				t.Errorf("LimitedError = %+v, want RetryAfter %s and limit %q", le, tc.wantRetry, tc.limit.Name)
			}
			if tc.have.calls != tc.wantCalls {
				t.Errorf("limiter called %d times, want %d", tc.have.calls, tc.wantCalls)
			}
		})
	}
	if err := Allow(t.Context(), nil, l, "key"); err != nil {
		t.Errorf("nil limiter: %v, want allowed", err)
	}
}
