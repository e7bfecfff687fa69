// Package redistrips counts the round trips and commands a go-redis client
// sends, so that a test can hold a code path to a budget (issue 13: a whole
// sign-in in at most 12 Redis round trips).
//
// A Counter is a redis.Hook: add it to a client (or pass it to
// app.Options.RedisHooks) and read Counts before and after the work. A
// single command is one round trip; a pipeline (MULTI/EXEC included) is one
// round trip however many commands it holds. A script run with
// redis.Script.Run costs two round trips the first time a server sees it
// (EVALSHA, NOSCRIPT, then EVAL) and one afterwards: measure the steady
// state by running the work once before counting.
//
//	var n redistrips.Counter
//	client.AddHook(&n)
//	before := n.Counts()
//	doWork(ctx)
//	spent := n.Counts().Sub(before)
//	t.Logf("%d round trips: %v", spent.Trips, spent.Log)
package redistrips
