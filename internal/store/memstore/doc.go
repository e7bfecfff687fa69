// Package memstore is the in-memory store.Store used by dev mode and by tests
// of the services above the store. It passes the same conformance suite
// (store/storetest) as store/postgres.
//
// One mutex guards everything; values are deep-copied on the way in and out, so
// callers never share slices or maps with the store. Times are stored in UTC,
// truncated to microseconds, as PostgreSQL stores them.
//
//	s := memstore.New()
//	defer s.Close()
package memstore
