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
// Records are created with SET NX. UpdateAuthRequest is an optimistic
// WATCH/MULTI transaction retried a bounded number of times; ConsumeCode is a
// single GETDEL, so of N concurrent calls exactly one gets the binding. Expiry
// is judged by the injected clock.Clock; a Redis TTL (the remaining lifetime by
// that clock, plus a margin, at least 1 s) only collects garbage.
//
//	oidcState := redisauth.New(client, "carekey:", clock.System())
package redisauth
