// Package ratelimit holds carekey's throttling contract and policies: keyed
// rate limits (Limiter, Limit, Result, Defaults) and the account lockout
// policy after wrong passwords (Lockout). It imports only the standard library
// and internal/clock; backends live in redislimit (production) and memlimit
// (tests, single-process development), and both pass the conformance suite in
// ratelimittest.
//
// # Rate limits
//
// A Limit allows at most Max events per Window for one key (an IP address, a
// user ID, an E.164 phone number, an email address), counted under the
// limit's Name so that one key can be limited by several limits at once:
//
//	res, err := limiter.Allow(ctx, ip, limits.SigninPerIP)
//	if err != nil {
//		return fmt.Errorf("check sign-in rate for ip: %w", err)
//	}
//	if !res.Allowed {
//		// HTTP 429 with Retry-After: res.RetryAfter, and a message that
//		// says nothing about whether the account exists.
//	}
//
// Journeys call it through Allow, the one helper that turns a refusal into
// an error: a *LimitedError (matching ErrLimited) whose RetryAfter the web
// layer sends as Retry-After with HTTP 429; a nil Limiter or a zero Limit
// allows everything.
//
// # Algorithm: sliding window counter
//
// Each limit keeps two fixed-window counters per key: the current window and
// the previous one. Windows are aligned to the Unix epoch and computed from
// the injected clock.Clock (never from the server's clock), so tests move
// them with clocktest. An event at elapsed time e into a window of length W is
// allowed when
//
//	previous*(W-e)/W + current + 1 <= Max
//
// that is, the previous window counts in proportion to how much of it still
// lies within the last W. Only allowed events are counted: a client that is
// refused and waits RetryAfter does get in. The arithmetic is done on whole
// milliseconds in integers (Evaluate), identically in every backend.
//
// Burst bound: a single fixed window never holds more than Max events, so no
// span of length W ever sees more than 2×Max; a steady client gets Max per
// window. The worst case needs the previous window's events bunched at its
// very end; the weighting assumes they were spread evenly.
//
// # Lockout
//
// Lockout is pure policy, kept durable by the caller (store, PostgreSQL):
// ten wrong passwords in a row lock the account for 15 minutes, each further
// lock doubles that, up to 24 hours. See Lockout.Fail.
package ratelimit
