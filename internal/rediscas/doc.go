// Package rediscas is read-modify-write of one Redis key by compare-and-swap,
// written once for the Redis backends (redisflow, redisauth, redissession).
//
// Update reads the key (GET), calls fn on what it holds, and writes fn's
// result with a Lua script that sets the key only if it still holds exactly
// the bytes fn was given; otherwise the script answers with what the key now
// holds, and Update calls fn again on that, up to a bound. So an update
// costs two round trips (GET, EVALSHA) when nobody else writes the key, and
// one more per lost race; WATCH/MULTI/EXEC cost three, on a connection held
// for the whole transaction.
//
// Comparing the whole value is compare-and-swap on the record's version and
// more: any write by anyone since the read, whatever it changed, is a
// conflict, as with WATCH. (A write that puts back the very same bytes is
// not, and needs not be: fn would be given the same input.)
//
// The script touches one key (KEYS[1]), so it runs on a Redis Cluster as is.
// It keeps the key's TTL (SET KEEPTTL, Redis 6.0 or later) unless fn asks for
// a new one. Script.Run sends EVALSHA and falls back to EVAL when the server
// has not cached the script yet (after a restart or a failover).
//
//	err := rediscas.Update(ctx, client, key, func(old []byte) (rediscas.Write, error) {
//		f, err := decode(old)
//		if err != nil {
//			return rediscas.Write{}, err // returned as is, nothing written
//		}
//		f.State = "next"
//		b, err := encode(f)
//		return rediscas.Write{Value: b, TTL: time.Hour}, err
//	})
//	if errors.Is(err, rediscas.ErrNotFound) { ... } // no such key
//	if errors.Is(err, rediscas.ErrConflict) { ... } // lost every race
//
// A backend whose keys each hold one encoded record describes it once, as a
// Codec (encode, decode, when a record read is live, the contract's
// not-found error), and then reads with Get and updates with UpdateValue,
// whose fn sees the decoded record and returns the key's new TTL:
//
//	f, err := rediscas.UpdateValue(ctx, kv.Client, kv.Key("flow", id), codec,
//		func(f *flow.Flow) (time.Duration, error) {
//			f.State = "next"
//			return rediscas.TTL(f.ExpiresAt, kv.Clock.Now()), nil
//		})
//
// Keyspace is what each backend holds (client, key prefix, clock), and TTL
// the Redis TTL of a record that ends at a given time.
package rediscas
