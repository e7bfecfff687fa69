// Package onetimecode is the one-time code discipline shared by the journeys
// that send a code to type back: the 8-digit code emailed at registration
// step 3, forgotten password and sign-in's enrolment (EmailRules), and the
// 6-digit code sign-in sends by SMS (SMSRules). design.md §3.1 and style.md
// habit 9.
//
// A flow carries at most one live code, stored only as an HMAC with the
// server pepper (flow.Code, with its Channel). Issue puts a code on a flow:
// the first, a resend (after the cooldown, up to Rules.MaxSends per flow) or
// one for a new address after Back. Try counts the attempt before a
// constant-time comparison and consumes the right code (single use), inside
// the caller's compare-and-swap; Redeem does that and moves the flow on in
// the same write, so of many concurrent submissions exactly one succeeds.
//
// Tries: a code dies after Rules.MaxAttempts wrong tries. The count of
// tries belongs to the flow and is never reset: a resend hands the new code
// only the tries the old one had left. With Rules.RenewTries (emailed
// codes) a new code sent after the old one used all its tries brings
// MaxAttempts more: with 5 sends of 5 tries, a flow allows at most 25
// guesses of a 10^8 space. Without it (SMS codes) MaxAttempts wrong tries
// end the flow's codes: 5 guesses of a 10^6 space.
//
//	err := onetimecode.Issue(f, pepper.MAC(code), addr, now, onetimecode.EmailRules(), true)
//	f, err := onetimecode.Redeem(ctx, flows, id, pepper, typed, now, rules, "verify",
//		func(f *flow.Flow) error { f.State = "done"; return nil })
package onetimecode
