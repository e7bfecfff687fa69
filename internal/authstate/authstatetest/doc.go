// Package authstatetest is the conformance suite for authstate.Store. Every
// backend runs it from a few lines; each subtest gets a fresh, empty store on a
// fake clock that the suite moves:
//
//	func TestConformance(t *testing.T) {
//		authstatetest.Run(t, func(t *testing.T, clk *clocktest.Clock) authstate.Store {
//			return memauth.New(clk)
//		})
//	}
//
// It checks the sentinel errors, a round trip of every field (times in UTC, to
// the nanosecond; MaxAge nil and 0 kept apart), expiry at the exact boundary
// of requests, codes and tokens, that a failing fn saves nothing, that 20
// concurrent updates lose nothing, that of 20 concurrent ConsumeCode calls
// exactly one wins and the others see ErrCodeReused, that a replayed code
// gives back every token recorded for it and no token recorded while it is
// replayed escapes, idempotent deletes, and that a cancelled context is
// reported as context.Canceled.
package authstatetest
