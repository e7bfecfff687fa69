// Package signin is the sign-in journey (design.md §3.3): the password, then
// the phone at every sign-in. It knows nothing of HTTP; the web layer turns
// its typed results and sentinel errors into pages.
//
// The journey is a persisted flow (flow.Flow of kind "signin") moved by one
// table, Next(state, event), drawn in states.mermaid:
//
//	password ──password_ok──────────► confirm ──send_code──► code ──code_ok──────► verified
//	   └──password_ok_no_phone─► enrol ─┘  └───place_call──► call ──call_answered─┘
//	                                         ▲                  │
//	                                         └──call_failed─────┘     any step ──cancel──► cancelled
//
// Service.Password checks the first factor. A wrong email and a wrong
// password give the same error (ErrInvalidCredentials) after the same work:
// for an unknown email a dummy argon2id verification runs. Before any work,
// per-IP and per-account rate limits apply (*RateLimitedError, HTTP 429).
// Ten wrong passwords in a row lock the account (15 minutes, doubling to 24
// hours): the counters live in the user row and change only inside
// Users.UpdateUser, so they survive a Redis flush and concurrent wrong
// passwords never count past the threshold. While locked, even the right
// password gets ErrInvalidCredentials.
//
// Phones confirms the second factor. Send Code: a 6-digit code from
// crypto/rand, stored only as an HMAC with the server pepper, valid 10
// minutes, 5 tries counted before a constant-time compare, consumed in the
// compare-and-swap that moves the flow to verified (so of many concurrent
// right answers exactly one wins); a resend replaces the code but never
// resets the tries. Call Me: a call whose reference is "<flowID>.<secret>"
// (only the secret's hash is stored); the telephony webhook reports # with
// CallAnswered, or the end of an unanswered call with CallEnded.
//
// No session exists before StateVerified: the web layer creates one, with a
// fresh ID and AMR pwd + sms|tel + mfa, only after Next returns it. Every
// lock, failed and successful factor writes an audit event; codes never
// appear in logs or audit events.
package signin
