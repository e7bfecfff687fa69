// Package memsession keeps browser sessions in memory, for dev mode and tests.
// It passes session/sessiontest like session/redissession, and judges expiry by
// its injected clock.Clock. Times come back in UTC; empty lists come back nil,
// as from Redis.
//
//	sessions := memsession.New(clock.System())
package memsession
