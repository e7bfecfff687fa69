// Package sessiontest is the conformance suite for session.Store. Every backend
// runs it from a few lines; each subtest gets a fresh, empty store on a fake
// clock that the suite moves:
//
//	func TestConformance(t *testing.T) {
//		sessiontest.Run(t, func(t *testing.T, clk *clocktest.Clock) session.Store {
//			return memsession.New(clk)
//		})
//	}
//
// It checks the sentinel error, a round trip of every field (times in UTC, to
// the nanosecond), expiry at the exact boundary of both the idle and the
// absolute timeout, that Touch slides the idle timer and Get does not, that
// concurrent AddClient calls lose nothing, the per-user index (ListByUser,
// DeleteByUser touches no one else), idempotent deletes, and that a cancelled
// context is reported as context.Canceled.
package sessiontest
