// Package memauth keeps OpenID Connect auth requests, authorization codes and
// access tokens in memory, for dev mode and tests. It passes
// authstate/authstatetest like authstate/redisauth and judges expiry by its
// injected clock.Clock. Times come back in UTC; empty lists come back nil, as
// from Redis.
//
//	oidcState := memauth.New(clock.System())
package memauth
