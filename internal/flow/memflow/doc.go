// Package memflow keeps journey flows in memory, for dev mode and tests. It
// passes flow/flowtest like flow/redisflow: Update is compare-and-swap under a
// mutex, an expired flow stays readable for GracePeriod after its ExpiresAt,
// times come back in UTC and empty fields come back nil, as from Redis.
//
//	flows := memflow.New(clock.System())
package memflow
