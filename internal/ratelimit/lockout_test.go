package ratelimit

import (
	"testing"
	"time"
)

func TestLockFor(t *testing.T) {
	l := DefaultLockout()
	for _, tc := range []struct {
		have int
		want time.Duration
	}{
		{-1, 15 * time.Minute},
		{0, 15 * time.Minute},
		{1, 30 * time.Minute},
		{2, time.Hour},
		{3, 2 * time.Hour},
		{4, 4 * time.Hour},
		{5, 8 * time.Hour},
		{6, 16 * time.Hour},
		{7, 24 * time.Hour},
		{8, 24 * time.Hour},
		{1000, 24 * time.Hour},
	} {
		if got := l.LockFor(tc.have); got != tc.want {
			t.Errorf("LockFor(%d) = %s, want %s", tc.have, got, tc.want)
		}
	}
}

// TestFailSequence walks one account through wrong passwords: nine do not
// lock, the tenth locks for 15 minutes, the next ten for 30, and so on up to
// the 24-hour cap.
func TestFailSequence(t *testing.T) {
	l := DefaultLockout()
	now := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	failed, locks := 0, 0
	for _, want := range []time.Duration{
		15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 4 * time.Hour,
		8 * time.Hour, 16 * time.Hour, 24 * time.Hour, 24 * time.Hour,
	} {
		var until time.Time
		for i := 1; i < l.Threshold; i++ {
			failed, locks, until = l.Fail(failed, locks, now)
			if !until.IsZero() || failed != i {
				t.Fatalf("wrong password %d after %d locks: failed=%d until=%s, want failed=%d and no lock",
					i, locks, failed, until, i)
			}
		}
		prevLocks := locks
		failed, locks, until = l.Fail(failed, locks, now)
		if have := until.Sub(now); have != want || failed != 0 || locks != prevLocks+1 {
			t.Fatalf("wrong password %d after %d locks: failed=%d locks=%d lock=%s, want failed=0 locks=%d lock=%s",
				l.Threshold, prevLocks, failed, locks, have, prevLocks+1, want)
		}
		now = until // the user waits it out and tries again
	}
}

func TestFail(t *testing.T) {
	l := DefaultLockout()
	now := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name          string
		failed, locks int
		wantFailed    int
		wantLocks     int
		wantLockedFor time.Duration // 0: not locked
	}{
		{"first wrong password", 0, 0, 1, 0, 0},
		{"ninth wrong password", 8, 0, 9, 0, 0},
		{"tenth wrong password locks 15m", 9, 0, 0, 1, 15 * time.Minute},
		{"tenth after one lock locks 30m", 9, 1, 0, 2, 30 * time.Minute},
		{"tenth after two locks locks 1h", 9, 2, 0, 3, time.Hour},
		{"tenth after many locks is capped at 24h", 9, 40, 0, 41, 24 * time.Hour},
		{"over the threshold (policy lowered) locks", 15, 0, 0, 1, 15 * time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			failed, locks, until := l.Fail(tc.failed, tc.locks, now)
			var lockedFor time.Duration
			if !until.IsZero() {
				lockedFor = until.Sub(now)
			}
			if failed != tc.wantFailed || locks != tc.wantLocks || lockedFor != tc.wantLockedFor {
				t.Errorf("Fail(%d, %d) = (%d, %d, +%s), want (%d, %d, +%s)", tc.failed, tc.locks,
					failed, locks, lockedFor, tc.wantFailed, tc.wantLocks, tc.wantLockedFor)
			}
		})
	}
}

func TestLocked(t *testing.T) {
	l := DefaultLockout()
	until := time.Date(2025, 3, 3, 9, 15, 0, 0, time.UTC)
	for _, tc := range []struct {
		name        string
		lockedUntil time.Time
		now         time.Time
		want        bool
	}{
		{"never locked", time.Time{}, until, false},
		{"during the lock", until, until.Add(-time.Minute), true},
		{"a nanosecond before the end", until, until.Add(-time.Nanosecond), true},
		{"at the boundary instant: unlocked", until, until, false},
		{"after the lock", until, until.Add(time.Second), false},
		{"other time zone, same instant", until, until.In(time.FixedZone("BST", 3600)), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if have := l.Locked(tc.lockedUntil, tc.now); have != tc.want {
				t.Errorf("Locked(%s, %s) = %v, want %v", tc.lockedUntil, tc.now, have, tc.want)
			}
		})
	}
}

func TestLockoutValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		have Lockout
		want bool // valid
	}{
		{"default", DefaultLockout(), true},
		{"zero", Lockout{}, false},
		{"threshold 0", Lockout{Threshold: 0, Base: time.Minute, Max: time.Hour}, false},
		{"max below base", Lockout{Threshold: 3, Base: time.Hour, Max: time.Minute}, false},
		{"max equals base", Lockout{Threshold: 3, Base: time.Hour, Max: time.Hour}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.have.Validate(); (err == nil) != tc.want {
				t.Errorf("Validate() = %v, want valid=%v", err, tc.want)
			}
		})
	}
}
