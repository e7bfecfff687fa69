// Package redissession keeps browser sessions in Redis (single node, Sentinel
// or Cluster, through redis.UniversalClient). It passes session/sessiontest like
// session/memsession.
//
// Keys, all under the prefix given to New:
//
//	prefix+"session:"+id       the session in a compact binary record (codec.go;
//	                           JSON records of earlier releases are still read)
//	prefix+"sessions:"+userID  sorted set of the user's session IDs, scored by
//	                           each session's absolute end, trimmed of ended
//	                           ones at every write
//	prefix+"user:"+userID      the plain set of earlier releases: still read
//	                           and cleaned, never written
//
// A signed-in session costs at most 512 bytes of Redis, its index entry
// counted (TestSessionSize measures it with MEMORY USAGE).
//
// Expiry is judged by the injected clock.Clock, so fake-clock tests work; a
// Redis TTL (the remaining lifetime by that clock, plus a margin, at least 1 s)
// only collects garbage. Touch re-sets the TTL: the idle timeout slides. The
// user index lives as long as the user's longest absolute expiry; it holds no
// session past its absolute end, and may hold IDs of sessions that ended
// idle, which readers skip and prune.
//
// Read-modify-write (Touch, AddClient) reads the one session key and writes it
// back with internal/rediscas's compare-and-swap script (two round trips),
// retried on the value that won a bounded number of times. No command spans
// two keys, so Cluster needs no hash tags: the session and its user's index
// may sit in different slots, as a session is found by its ID alone. Create
// pipelines the session's SET NX and the index write (a script on the index
// key only) in one round trip; it takes the session back if the index write
// fails, and puts the index back if the ID was taken; ListByUser and
// DeleteByUser read the index, then pipeline one GET or GETDEL per session,
// which a ClusterClient sends to each session's node (TestConformanceCluster
// runs the suite on a Cluster).
//
//	sessions := redissession.New(client, "carekey:", clock.System())
package redissession
