package ratelimit

import (
	"errors"
	"fmt"
	"time"
)

// Lockout is the policy that locks an account after Threshold wrong passwords
// in a row. It is pure: the caller keeps the counters durable (in PostgreSQL,
// with the user) and passes them in.
//
// The caller's life cycle for one account:
//
//   - before checking a password: if l.Locked(lockedUntil, now), refuse
//     (HTTP 429, a message that does not reveal whether the account exists);
//   - on a wrong password: failed, lockCount, lockedUntil = l.Fail(failed,
//     lockCount, now), saved in the same write that records the attempt;
//   - on a right password: failed = 0, and lockCount = 0 unless wrong phone
//     codes are outstanding (FailCode), so the doubling starts again from
//     Base;
//   - on a wrong phone code: failedCodes, lockCount, lockedUntil =
//     l.FailCode(failedCodes, lockCount, now); a right code resets both.
//
// The lock is progressive. SourceBackoff comes first: it counts the attempts
// at one account from one source (SourceKey(account, ip)) in the rate
// limiter, and the right password resets it (Limiter.Reset). A source over
// it gets HTTP 429 with Retry-After for that account only, whether or not the
// account exists, while the account's owner, elsewhere, still signs in. The
// hard lock needs Threshold wrong passwords in a row from all sources
// together, so with SourceBackoff.Max below Threshold one source alone
// cannot lock an account before its backoff has run out at least once.
type Lockout struct {
	// Threshold is the number of wrong passwords in a row that lock the
	// account; at least 1.
	Threshold int
	// Base is how long the first lock lasts; each further lock doubles it.
	Base time.Duration
	// Max caps the length of a lock.
	Max time.Duration
	// SourceBackoff limits the attempts at one account from one source
	// (an IP address). A zero Max turns it off.
	SourceBackoff Limit
}

// SourceKey is the rate-limit key of attempts at account (a normalised
// email address, the same for unknown ones) from ip.
func SourceKey(account, ip string) string { return account + "|" + ip }

// DefaultLockout returns design.md §3.3's policy: 10 wrong passwords in a row
// lock the account for 15 minutes, doubling with each further lock up to 24
// hours; before that, one source gets 5 attempts at an account per 15
// minutes.
func DefaultLockout() Lockout {
	return Lockout{Threshold: 10, Base: 15 * time.Minute, Max: 24 * time.Hour,
		SourceBackoff: Limit{Name: "signin-source", Max: 5, Window: 15 * time.Minute}}
}

// Validate reports what is wrong with l, every problem at once.
func (l Lockout) Validate() error {
	var errs []error
	if l.Threshold < 1 {
		errs = append(errs, fmt.Errorf("lockout threshold %d is below 1", l.Threshold))
	}
	if l.Base <= 0 {
		errs = append(errs, fmt.Errorf("lockout base %s is not positive", l.Base))
	}
	if l.Max < l.Base {
		errs = append(errs, fmt.Errorf("lockout max %s is below base %s", l.Max, l.Base))
	}
	if l.SourceBackoff.Max != 0 {
		if err := l.SourceBackoff.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("lockout source backoff: %w", err))
		}
	}
	return errors.Join(errs...)
}

// LockFor returns how long a lock lasts after lockCount previous locks:
// Base * 2^lockCount, capped at Max. A negative lockCount counts as 0.
func (l Lockout) LockFor(lockCount int) time.Duration {
	d := l.Base
	for i := 0; i < lockCount && d < l.Max; i++ {
		d *= 2
	}
	return min(d, l.Max)
}

// Fail counts one more wrong password for an account with failed wrong
// passwords in a row and lockCount previous locks. When failed reaches
// Threshold the account is locked until now + LockFor(lockCount), failed
// restarts at 0 and lockCount grows by one; otherwise lockedUntil is the zero
// time and lockCount is unchanged.
func (l Lockout) Fail(failed, lockCount int, now time.Time) (newFailed, newLockCount int, lockedUntil time.Time) {
	failed++
	if failed < l.Threshold {
		return failed, lockCount, time.Time{}
	}
	return 0, lockCount + 1, now.Add(l.LockFor(lockCount))
}

// FailCode counts one more wrong phone code for an account with failed wrong
// codes in a row (since its last right code, across sign-ins) and lockCount
// previous locks. From Threshold on, every wrong code locks the account
// until now + LockFor(lockCount) and lockCount grows by one. Unlike Fail the
// count does not restart at a lock: a right password does not prove the
// owner, so after the first lock whoever holds it gets one guess per
// (doubling) lock period until a right code resets the count.
func (l Lockout) FailCode(failed, lockCount int, now time.Time) (newFailed, newLockCount int, lockedUntil time.Time) {
	failed++
	if failed < l.Threshold {
		return failed, lockCount, time.Time{}
	}
	return failed, lockCount + 1, now.Add(l.LockFor(lockCount))
}

// Locked reports whether an account locked until lockedUntil is still locked
// at now. The lock ends at lockedUntil exactly; the zero time is never locked.
func (l Lockout) Locked(lockedUntil, now time.Time) bool {
	return now.Before(lockedUntil)
}
