package ratelimit_test

import (
	"testing"
	"time"

	"github.com/carekey/carekey/internal/clock/clocktest"
	"github.com/carekey/carekey/internal/ratelimit"
	"github.com/carekey/carekey/internal/ratelimit/memlimit"
)

// account is the durable state the sign-in service keeps in the user row.
type account struct {
	failed, locks int
	until         time.Time
}

// attempt plays one password attempt at account "a@b.example" from ip the
// way internal/signin uses the policy: the per-source backoff first (its
// counter in the limiter, reset by the right password), then the hard lock
// (counters in the user row). It returns "429", "locked", "wrong" or "ok".
func attempt(t *testing.T, l ratelimit.Lockout, lim ratelimit.Limiter, a *account, ip string, right bool, now time.Time) string {
	t.Helper()
	key := ratelimit.SourceKey("a@b.example", ip)
	res, err := lim.Allow(t.Context(), key, l.SourceBackoff)
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case !res.Allowed:
		return "429"
	case l.Locked(a.until, now):
		return "locked"
	case !right:
		var until time.Time
		a.failed, a.locks, until = l.Fail(a.failed, a.locks, now)
		if !until.IsZero() {
			a.until = until
		}
		return "wrong"
	}
	if err := lim.Reset(t.Context(), key, l.SourceBackoff); err != nil {
		t.Fatal(err)
	}
	a.failed, a.locks = 0, 0
	return "ok"
}

// step is n attempts from ip (right or wrong password) after waiting wait,
// each expected to answer want.
type step struct {
	wait  time.Duration
	ip    string
	right bool
	n     int
	want  string
}

// TestProgressiveLock: one source meets its backoff long before the account
// locks; only failures from many sources (or over a long time) lock it.
func TestProgressiveLock(t *testing.T) {
	const ip1, ip2, ip3 = "192.0.2.1", "192.0.2.2", "198.51.100.7"
	for _, tc := range []struct {
		name      string
		steps     []step
		wantLocks int
	}{
		{"one source backs off after 5 and cannot lock", []step{
			{ip: ip1, n: 5, want: "wrong"},
			{ip: ip1, n: 100, want: "429"},
		}, 0},
		{"the owner elsewhere still signs in", []step{
			{ip: ip1, n: 5, want: "wrong"},
			{ip: ip1, n: 1, want: "429"},
			{ip: ip2, right: true, n: 1, want: "ok"},
		}, 0},
		{"the right password resets the source's run", []step{
			{ip: ip1, n: 4, want: "wrong"},
			{ip: ip1, right: true, n: 1, want: "ok"},
			{ip: ip1, n: 5, want: "wrong"},
			{ip: ip1, n: 1, want: "429"},
		}, 0},
		{"the backoff runs out with its window", []step{
			{ip: ip1, n: 5, want: "wrong"},
			{wait: 30 * time.Minute, ip: ip1, n: 4, want: "wrong"},
		}, 0},
		{"one source alone locks only after waiting out its backoff", []step{
			{ip: ip1, n: 5, want: "wrong"},
			{ip: ip1, n: 1, want: "429"},
			{wait: 30 * time.Minute, ip: ip1, n: 5, want: "wrong"},
			{ip: ip2, right: true, n: 1, want: "locked"},
		}, 1},
		{"two sources lock the account", []step{
			{ip: ip1, n: 5, want: "wrong"},
			{ip: ip2, n: 5, want: "wrong"},
			{ip: ip3, right: true, n: 1, want: "locked"},
		}, 1},
		{"an address with no account backs off the same way", []step{
			{ip: ip3, n: 5, want: "wrong"},
			{ip: ip3, right: true, n: 1, want: "429"},
		}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := clocktest.New(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
			l := ratelimit.DefaultLockout()
			lim := memlimit.New(clk)
			var a account
			for i, s := range tc.steps {
				clk.Advance(s.wait)
				for j := range s.n {
					if have := attempt(t, l, lim, &a, s.ip, s.right, clk.Now()); have != s.want {
						t.Fatalf("step %d, attempt %d from %s: have %s, want %s", i, j+1, s.ip, have, s.want)
					}
				}
			}
			if a.locks != tc.wantLocks {
				t.Errorf("locks %d, want %d", a.locks, tc.wantLocks)
			}
		})
	}
}

// TestFailCode: wrong phone codes lock from the threshold on, and every
// further one locks again, doubling, until a right code resets the count.
func TestFailCode(t *testing.T) {
	l := ratelimit.DefaultLockout()
	now := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name                 string
		failed, locks        int
		wantFailed, wantLock int
		wantFor              time.Duration // 0: no lock
	}{
		{"first wrong code", 0, 0, 1, 0, 0},
		{"ninth", 8, 0, 9, 0, 0},
		{"tenth locks", 9, 0, 10, 1, 15 * time.Minute},
		{"eleventh locks again, doubled", 10, 1, 11, 2, 30 * time.Minute},
		{"capped at max", 30, 9, 31, 10, 24 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			failed, locks, until := l.FailCode(tc.failed, tc.locks, now)
			if failed != tc.wantFailed || locks != tc.wantLock {
				t.Errorf("failed %d locks %d, want %d %d", failed, locks, tc.wantFailed, tc.wantLock)
			}
			if have := until.Sub(now); (tc.wantFor == 0 && !until.IsZero()) || (tc.wantFor != 0 && have != tc.wantFor) {
				t.Errorf("locked until %v (for %s), want for %s", until, have, tc.wantFor)
			}
		})
	}
}
