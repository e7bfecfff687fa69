// Package flowtest is the conformance suite for flow.Store. Every backend runs
// it from a few lines; each subtest gets a fresh, empty store on a fake clock
// that the suite moves:
//
//	func TestConformance(t *testing.T) {
//		flowtest.Run(t, func(t *testing.T, clk *clocktest.Clock) flow.Store {
//			return memflow.New(clk)
//		})
//	}
//
// It checks the sentinel errors, a round trip of every field (times in UTC, to
// the nanosecond), that the store owns Version, that an expired flow stays
// readable for exactly one hour after ExpiresAt, that a failing fn saves
// nothing, that 20 concurrent Updates lose nothing, that of 20 concurrent
// Updates consuming one code exactly one wins, idempotent deletes, and that a
// cancelled context is reported as context.Canceled.
package flowtest
