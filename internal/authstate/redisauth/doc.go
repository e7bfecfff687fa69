// Package redisauth keeps OpenID Connect auth requests, authorization codes and
// access tokens in Redis (single node, Sentinel or Cluster, through
// redis.UniversalClient). It passes authstate/authstatetest like
// authstate/memauth.
//
// Keys, all under the prefix given to New, each holding compact JSON:
//
//	prefix+"authreq:"+id    an auth request
//	prefix+"code:"+hash     the auth request ID a code is bound to, and its expiry
//	prefix+"token:"+id      an access token
//
// Records are created with SET NX. UpdateAuthRequest, ConsumeCode and
// AddCodeTokens read the record and write it back with internal/rediscas's
// compare-and-swap script (two round trips; a lost race is retried on the
// value that won, a bounded number of times), so of N concurrent ConsumeCode
// calls exactly one gets the binding and the others mark it replayed. Expiry
// is judged by the injected clock.Clock; a Redis TTL (the remaining lifetime by
// that clock, plus a margin, at least 1 s) only collects garbage.
//
// On a Redis Cluster: every record is one key and every command, the
// compare-and-swap script included, touches one key only, so each stays in
// its own hash slot without a hash tag; a code's record names its auth
// request and tokens by ID, read with separate commands
// (TestConformanceCluster runs the suite on a Cluster). A command added later
// over two keys needs them under one hash tag.
//
//	oidcState := redisauth.New(client, "carekey:", clock.System())
package redisauth
