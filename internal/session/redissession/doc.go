// Package redissession keeps browser sessions in Redis (single node, Sentinel
// or Cluster, through redis.UniversalClient). It passes session/sessiontest like
// session/memsession.
//
// Keys, all under the prefix given to New:
//
//	prefix+"session:"+id   compact JSON of the session (omitted fields are empty)
//	prefix+"user:"+userID  SET of the user's session IDs
//
// Expiry is judged by the injected clock.Clock, so fake-clock tests work; a
// Redis TTL (the remaining lifetime by that clock, plus a margin, at least 1 s)
// only collects garbage. Touch re-sets the TTL: the idle timeout slides. The
// user index lives as long as the user's longest absolute expiry and may hold
// IDs of sessions that have gone; readers skip them and prune them.
//
// Read-modify-write (Touch, AddClient) is an optimistic WATCH/MULTI
// transaction on the one session key, retried a bounded number of times. No
// command spans two keys, so Cluster needs no hash tags: the session and its
// user's index may sit in different slots, as a session is found by its ID
// alone. Create writes the session, then the index (a script on the index key
// only), and takes the session back if the index write fails; ListByUser and
// DeleteByUser read the index, then pipeline one GET or GETDEL per session,
// which a ClusterClient sends to each session's node (TestConformanceCluster
// runs the suite on a Cluster).
//
//	sessions := redissession.New(client, "carekey:", clock.System())
package redissession
