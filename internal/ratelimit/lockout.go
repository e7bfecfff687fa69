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
//   - on a right password: failed = 0 and lockCount = 0, so the doubling
//     starts again from Base.
type Lockout struct {
	// Threshold is the number of wrong passwords in a row that lock the
	// account; at least 1.
	Threshold int
	// Base is how long the first lock lasts; each further lock doubles it.
	Base time.Duration
	// Max caps the length of a lock.
	Max time.Duration
}

// DefaultLockout returns design.md §3.3's policy: 10 wrong passwords in a row
// lock the account for 15 minutes, doubling with each further lock up to 24
// hours.
func DefaultLockout() Lockout {
	return Lockout{Threshold: 10, Base: 15 * time.Minute, Max: 24 * time.Hour}
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

// Locked reports whether an account locked until lockedUntil is still locked
// at now. The lock ends at lockedUntil exactly; the zero time is never locked.
func (l Lockout) Locked(lockedUntil, now time.Time) bool {
	return now.Before(lockedUntil)
}
