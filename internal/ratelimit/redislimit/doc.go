// Package redislimit is the Redis ratelimit.Limiter, shared by every carekey
// process. One Lua script per event reads the previous and current window
// counters of a key, decides with ratelimit.Evaluate's integer test, and only
// when allowed does INCR and PEXPIRE on the current window's counter: the
// decision and the count are one atomic step.
//
//	lim := redislimit.New(rdb, "carekey:rl:", clock.System())
//	res, err := lim.Allow(ctx, phoneE164, ratelimit.Defaults().CodesPerPhone)
//
// Window boundaries come from the injected clock, not from Redis' TIME, so
// tests move them with clocktest. Keys are
//
//	<prefix>{<name>:<window ms>:<key>}:<window index>
//
// with a TTL of two windows from their last increment, after which they are no
// longer read. The hash tag puts both windows of a key in one Redis Cluster
// slot, so the script (and Reset's DEL) may touch both. The tag is the first
// {...} of the key, so a } inside key shortens it for both windows alike: they
// still share a slot (TestConformanceCluster runs the suite on a Cluster).
package redislimit
