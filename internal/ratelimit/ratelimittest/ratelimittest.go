// Package ratelimittest is the conformance suite every ratelimit.Limiter
// backend runs, from a few lines in its own tests:
//
//	func TestConformance(t *testing.T) {
//		ratelimittest.Run(t, func(t *testing.T, clk *clocktest.Clock) ratelimit.Limiter {
//			return memlimit.New(clk)
//		})
//	}
//
// It checks the limit itself, the sliding window against a fake clock (exact
// counts and RetryAfter, which a fixed window would get wrong), independence
// of keys and of limit names, Reset, atomicity under 50 concurrent calls,
// invalid limits and cancelled contexts.
package ratelimittest

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/clock/clocktest"
	"github.com/carekey/carekey/internal/ratelimit"
)

// start is a window boundary for every window length the suite uses: whole
// minutes and hours since the Unix epoch.
var start = time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)

// Run checks that the Limiter returned by open keeps the contract. open
// returns a fresh, empty Limiter whose windows follow clk; clk starts at a
// window boundary.
func Run(t *testing.T, open func(t *testing.T, clk *clocktest.Clock) ratelimit.Limiter) {
	for _, tc := range []struct {
		name string
		run  func(*testing.T, *clocktest.Clock, ratelimit.Limiter)
	}{
		{"AllowUpToMax", testAllowUpToMax},
		{"RetryAfterIsEnough", testRetryAfterIsEnough},
		{"SlidingWindow", testSlidingWindow},
		{"SlidingWindowRetryAfter", testSlidingWindowRetryAfter},
		{"WindowsExpire", testWindowsExpire},
		{"KeysIndependent", testKeysIndependent},
		{"NamesIndependent", testNamesIndependent},
		{"Reset", testReset},
		{"ResetUnknownKey", testResetUnknownKey},
		{"ConcurrentAllow", testConcurrentAllow},
		{"InvalidLimit", testInvalidLimit},
		{"CancelledContext", testCancelledContext},
		{"AllowInOrder", testAllowInOrder},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := clocktest.New(start)
			tc.run(t, clk, open(t, clk))
		})
	}
}

// allowN calls Allow n times and returns the results.
func allowN(t *testing.T, lim ratelimit.Limiter, key string, l ratelimit.Limit, n int) []ratelimit.Result {
	t.Helper()
	var rs []ratelimit.Result
	for range n {
		r, err := lim.Allow(t.Context(), key, l)
		if err != nil {
			t.Fatalf("Allow(%q, %s): %v", key, l.Name, err)
		}
		rs = append(rs, r)
	}
	return rs
}

// allowed counts the allowed results.
func allowed(rs []ratelimit.Result) int {
	n := 0
	for _, r := range rs {
		if r.Allowed {
			n++
		}
	}
	return n
}

func testAllowUpToMax(t *testing.T, _ *clocktest.Clock, lim ratelimit.Limiter) {
	l := ratelimit.Limit{Name: "codes", Max: 3, Window: 15 * time.Minute}
	have := allowN(t, lim, "+447700900047", l, 5)
	want := []ratelimit.Result{
		{Allowed: true, Remaining: 2},
		{Allowed: true, Remaining: 1},
		{Allowed: true, Remaining: 0},
		// The full window weighs 2/3 a third into the next one: 2 + 1 <= 3.
		{Allowed: false, RetryAfter: 20 * time.Minute},
		{Allowed: false, RetryAfter: 20 * time.Minute},
	}
	for i := range want {
		if have[i] != want[i] {
			t.Errorf("event %d: have %+v, want %+v", i+1, have[i], want[i])
		}
	}
}

func testRetryAfterIsEnough(t *testing.T, clk *clocktest.Clock, lim ratelimit.Limiter) {
	l := ratelimit.Limit{Name: "signin", Max: 2, Window: time.Minute}
	clk.Advance(20*time.Second + 300*time.Millisecond) // off the window boundary
	allowN(t, lim, "k", l, 2)
	denied := allowN(t, lim, "k", l, 1)[0]
	if denied.Allowed || denied.RetryAfter < time.Second {
		t.Fatalf("third event: have %+v, want denied with RetryAfter >= 1s", denied)
	}
	// One second short of RetryAfter is too early (RetryAfter is rounded
	// up to seconds, and was not more than needed) ...
	clk.Advance(denied.RetryAfter - time.Second)
	if r := allowN(t, lim, "k", l, 1)[0]; r.Allowed {
		t.Fatalf("1s before RetryAfter %s: have %+v, want denied", denied.RetryAfter, r)
	}
	// ... and waiting RetryAfter lets the client in.
	clk.Advance(time.Second)
	if r := allowN(t, lim, "k", l, 1)[0]; !r.Allowed {
		t.Fatalf("after RetryAfter %s: have %+v, want allowed", denied.RetryAfter, r)
	}
}

// testSlidingWindow checks the weighting: the previous window counts in
// proportion to the part of it still within the last window length.
func testSlidingWindow(t *testing.T, clk *clocktest.Clock, lim ratelimit.Limiter) {
	l := ratelimit.Limit{Name: "sliding", Max: 10, Window: 10 * time.Minute}
	for _, step := range []struct {
		name    string
		advance time.Duration
		events  int
		want    int // allowed
	}{
		{"first window fills", 0, 12, 10},
		{"late in the same window", 9*time.Minute + 59*time.Second, 1, 0},
		{"next window starts: previous weighs in full", time.Second, 1, 0},
		{"a tenth into it: one event fits", time.Minute, 2, 1},
		{"half way: four more fit", 4 * time.Minute, 5, 4},
		{"window after: previous (5) weighs in full", 5 * time.Minute, 6, 5},
		{"two windows on: all forgotten", 20 * time.Minute, 11, 10},
	} {
		clk.Advance(step.advance)
		if have := allowed(allowN(t, lim, "k", l, step.events)); have != step.want {
			t.Fatalf("%s: %d of %d allowed, want %d", step.name, have, step.events, step.want)
		}
	}
}

func testSlidingWindowRetryAfter(t *testing.T, clk *clocktest.Clock, lim ratelimit.Limiter) {
	l := ratelimit.Limit{Name: "sliding", Max: 10, Window: 10 * time.Minute}
	allowN(t, lim, "k", l, 10)
	// Full window: the next event fits once this window weighs 9/10 in
	// the next one, 1 minute into it.
	if have, want := allowN(t, lim, "k", l, 1)[0], (ratelimit.Result{RetryAfter: 11 * time.Minute}); have != want {
		t.Errorf("full window: have %+v, want %+v", have, want)
	}
	clk.Advance(11 * time.Minute)
	if have, want := allowN(t, lim, "k", l, 1)[0], (ratelimit.Result{Allowed: true, Remaining: 0}); have != want {
		t.Errorf("after 11 minutes: have %+v, want %+v", have, want)
	}
	// Now previous=10 weighing 9/10 and current=1: the next event fits
	// when previous weighs 8/10, one minute later.
	if have, want := allowN(t, lim, "k", l, 1)[0], (ratelimit.Result{RetryAfter: time.Minute}); have != want {
		t.Errorf("previous window still heavy: have %+v, want %+v", have, want)
	}
}

func testWindowsExpire(t *testing.T, clk *clocktest.Clock, lim ratelimit.Limiter) {
	l := ratelimit.Limit{Name: "calls", Max: 3, Window: 15 * time.Minute}
	allowN(t, lim, "k", l, 4)
	clk.Advance(30 * time.Minute)
	if have := allowed(allowN(t, lim, "k", l, 4)); have != 3 {
		t.Errorf("two windows later: %d of 4 allowed, want 3", have)
	}
	clk.Advance(24 * time.Hour)
	if have := allowed(allowN(t, lim, "k", l, 4)); have != 3 {
		t.Errorf("a day later: %d of 4 allowed, want 3", have)
	}
}

func testKeysIndependent(t *testing.T, _ *clocktest.Clock, lim ratelimit.Limiter) {
	l := ratelimit.Limit{Name: "ip", Max: 2, Window: time.Minute}
	allowN(t, lim, "192.0.2.1", l, 3)
	for _, key := range []string{"192.0.2.2", "192.0.2.1 ", "", "192.0.2.1}:1", "ip:192.0.2.1"} {
		if have := allowed(allowN(t, lim, key, l, 3)); have != 2 {
			t.Errorf("key %q after 192.0.2.1 was used up: %d of 3 allowed, want 2", key, have)
		}
	}
}

func testNamesIndependent(t *testing.T, _ *clocktest.Clock, lim ratelimit.Limiter) {
	codes := ratelimit.Limit{Name: "codes-phone", Max: 2, Window: 15 * time.Minute}
	calls := ratelimit.Limit{Name: "calls-phone", Max: 2, Window: 15 * time.Minute}
	allowN(t, lim, "+447700900047", codes, 3)
	if have := allowed(allowN(t, lim, "+447700900047", calls, 3)); have != 2 {
		t.Errorf("calls after codes were used up: %d of 3 allowed, want 2", have)
	}
}

func testReset(t *testing.T, clk *clocktest.Clock, lim ratelimit.Limiter) {
	l := ratelimit.Limit{Name: "account", Max: 3, Window: 15 * time.Minute}
	other := ratelimit.Limit{Name: "other", Max: 3, Window: 15 * time.Minute}
	allowN(t, lim, "user-1", l, 3)
	allowN(t, lim, "user-2", l, 3)
	allowN(t, lim, "user-1", other, 3)
	clk.Advance(16 * time.Minute) // user-1's events now in the previous window
	allowN(t, lim, "user-1", l, 1)
	if err := lim.Reset(t.Context(), "user-1", l); err != nil {
		t.Fatalf("Reset: %v", err)
	}
	if have := allowed(allowN(t, lim, "user-1", l, 4)); have != 3 {
		t.Errorf("after Reset: %d of 4 allowed, want 3", have)
	}
	// Reset touched nothing else.
	if have := allowed(allowN(t, lim, "user-2", l, 1)); have != 0 {
		t.Errorf("another key after Reset: %d of 1 allowed, want 0 (its count must survive)", have)
	}
	if have := allowed(allowN(t, lim, "user-1", other, 1)); have != 0 {
		t.Errorf("another limit after Reset: %d of 1 allowed, want 0 (its count must survive)", have)
	}
}

func testResetUnknownKey(t *testing.T, _ *clocktest.Clock, lim ratelimit.Limiter) {
	l := ratelimit.Limit{Name: "account", Max: 3, Window: 15 * time.Minute}
	for range 2 {
		if err := lim.Reset(t.Context(), "nobody", l); err != nil {
			t.Fatalf("Reset of an unused key: %v", err)
		}
	}
}

func testConcurrentAllow(t *testing.T, _ *clocktest.Clock, lim ratelimit.Limiter) {
	l := ratelimit.Limit{Name: "race", Max: 10, Window: time.Minute}
	const callers = 50
	var (
		wg       sync.WaitGroup
		ok       atomic.Int64
		errMu    sync.Mutex
		firstErr error
	)
	release := make(chan struct{})
	for range callers {
		wg.Go(func() {
			<-release
			r, err := lim.Allow(t.Context(), "k", l)
			if err != nil {
				errMu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				errMu.Unlock()
				return
			}
			if r.Allowed {
				ok.Add(1)
			}
		})
	}
	close(release)
	wg.Wait()
	if firstErr != nil {
		t.Fatalf("concurrent Allow: %v", firstErr)
	}
	if have := ok.Load(); have != int64(l.Max) {
		t.Errorf("%d concurrent calls: %d allowed, want exactly %d", callers, have, l.Max)
	}
}

func testInvalidLimit(t *testing.T, _ *clocktest.Clock, lim ratelimit.Limiter) {
	for _, l := range []ratelimit.Limit{
		{Name: "", Max: 1, Window: time.Minute},
		{Name: "a:b", Max: 1, Window: time.Minute},
		{Name: "zero", Max: 0, Window: time.Minute},
		{Name: "nowindow", Max: 1, Window: 0},
		{Name: "tiny", Max: 1, Window: time.Microsecond},
	} {
		if _, err := lim.Allow(t.Context(), "k", l); !errors.Is(err, ratelimit.ErrInvalidLimit) {
			t.Errorf("Allow with %+v: have %v, want ErrInvalidLimit", l, err)
		}
		if err := lim.Reset(t.Context(), "k", l); !errors.Is(err, ratelimit.ErrInvalidLimit) {
			t.Errorf("Reset with %+v: have %v, want ErrInvalidLimit", l, err)
		}
	}
}

func testCancelledContext(t *testing.T, _ *clocktest.Clock, lim ratelimit.Limiter) {
	l := ratelimit.Limit{Name: "cancel", Max: 1, Window: time.Minute}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if r, err := lim.Allow(ctx, "k", l); !errors.Is(err, context.Canceled) {
		t.Errorf("Allow with a cancelled ctx: have %+v, %v; want context.Canceled", r, err)
	}
	if err := lim.Reset(ctx, "k", l); !errors.Is(err, context.Canceled) {
		t.Errorf("Reset with a cancelled ctx: have %v, want context.Canceled", err)
	}
	// The cancelled call counted nothing.
	if have := allowed(allowN(t, lim, "k", l, 1)); have != 1 {
		t.Errorf("after a cancelled Allow: %d of 1 allowed, want 1", have)
	}
}

// testAllowInOrder checks ratelimit.AllowInOrder on the limiter (in one call
// when it is a ratelimit.OrderedLimiter): every check counted while all are
// allowed; a refused check names its limit, and the checks after it are not
// counted, those before it are.
func testAllowInOrder(t *testing.T, _ *clocktest.Clock, lim ratelimit.Limiter) {
	ip := ratelimit.Limit{Name: "ip", Max: 5, Window: time.Minute}
	source := ratelimit.Limit{Name: "source", Max: 2, Window: time.Minute}
	account := ratelimit.Limit{Name: "account", Max: 4, Window: time.Minute}
	checks := []ratelimit.Check{{Limit: ip, Key: "192.0.2.1"}, {Limit: source, Key: "a|192.0.2.1"}, {Limit: account, Key: "a"}}
	for i := range 2 {
		if err := ratelimit.AllowInOrder(t.Context(), lim, checks...); err != nil {
			t.Fatalf("attempt %d: %v", i+1, err)
		}
	}
	err := ratelimit.AllowInOrder(t.Context(), lim, checks...)
	var limited *ratelimit.LimitedError
	if !errors.As(err, &limited) || limited.Limit != "source" || limited.RetryAfter < time.Second {
		t.Fatalf("third attempt: have %v, want the source limit refusing", err)
	}
	// ip counted 3 of 5, account 2 of 4: the refused source did not count
	// against the account.
	if have := allowed(allowN(t, lim, "192.0.2.1", ip, 3)); have != 2 {
		t.Errorf("ip after the refusal: %d of 3 allowed, want 2 (refused attempt counted there)", have)
	}
	if have := allowed(allowN(t, lim, "a", account, 3)); have != 2 {
		t.Errorf("account after the refusal: %d of 3 allowed, want 2 (refused attempt not counted)", have)
	}
	// A zero limit is skipped.
	if err := ratelimit.AllowInOrder(t.Context(), lim, ratelimit.Check{Limit: ratelimit.Limit{}, Key: "x"}, checks[2]); !errors.As(err, &limited) || limited.Limit != "account" {
		t.Errorf("zero limit then the used-up account: have %v, want the account limit refusing", err)
	}
}
