// Package storetest is the conformance suite for store.Store. Every backend
// runs it from a few lines, each subtest on a fresh, empty store:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { return memstore.New() })
//	}
//
// Beyond create/get/update it checks that the sentinel errors hold, that
// concurrent updates lose nothing, that exactly one of N concurrent rotations of
// a refresh token wins, that expiry holds at the exact boundary (ExpiresAt <= now
// is expired), that times come back in UTC truncated to microseconds, and that a
// cancelled context is reported as context.Canceled.
package storetest
