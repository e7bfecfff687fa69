// Package memlimit is an in-memory ratelimit.Limiter for tests and
// single-process development: a mutex and a map of per-key window counters.
// Counts are lost on restart and not shared between processes; production
// uses redislimit.
//
//	lim := memlimit.New(clock.System())
//	res, err := lim.Allow(ctx, ip, ratelimit.Defaults().SigninPerIP)
//
// Old counters are collected as Allow goes: at most once a minute of clock
// time, every entry whose windows have both passed is dropped, so memory
// follows the keys active in the last two windows.
package memlimit
