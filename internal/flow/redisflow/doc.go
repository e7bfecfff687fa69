// Package redisflow keeps journey flows in Redis (single node, Sentinel or
// Cluster, through redis.UniversalClient). It passes flow/flowtest like
// flow/memflow.
//
// Each flow is one key, prefix+"flow:"+id, holding compact JSON. Create uses
// SET NX; Update reads the flow and writes it back with internal/rediscas's
// compare-and-swap script, which sets the key only if it still holds what was
// read (so its Version too): two round trips, retried on the value that won
// up to a bound and then reported as flow.ErrConflict. Expiry is judged by
// the injected clock.Clock: an expired flow stays readable for GracePeriod
// after its ExpiresAt, then Get reports flow.ErrNotFound. The Redis TTL (that
// lifetime plus a margin, at least 1 s) only collects garbage.
//
// On a Redis Cluster: a flow is one key and every command, the
// compare-and-swap script included, touches that key only, so it stays in one
// hash slot without a hash tag (TestConformanceCluster runs the suite on a
// Cluster).
//
//	flows := redisflow.New(client, "carekey:", clock.System())
package redisflow
