// Package emailcode is the one-time code discipline shared by the journeys
// that email an 8-digit code (registration step 3 and forgotten password):
// design.md §3.1 and style.md habit 9.
//
// A flow carries at most one live code, stored only as an HMAC with the
// server pepper (flow.Code). Issue puts a code on a flow: the first, a resend
// (cooldown 60 s, at most 5 sends per flow) or one for a new address after
// Back. Redeem counts the attempt before a constant-time comparison and, for
// the right code, consumes it and moves the flow on in the same
// compare-and-swap, so of many concurrent submissions exactly one succeeds.
//
// Tries: a code dies after 5 wrong tries ("a new code is needed"). The count
// of tries belongs to the flow and is never reset: a resend while the code is
// still alive hands the new code only the tries the old one had left; only
// when a code has used all its tries does a new code bring 5 more. With at
// most 5 sends, a flow allows at most 25 guesses of a 10^8 space.
//
//	err := emailcode.Issue(f, secret.HMAC(pepper, code), addr, now, rules, true)
//	f, err := emailcode.Redeem(ctx, flows, id, pepper, typed, now, rules, "verify",
//		func(f *flow.Flow) error { f.State = "done"; return nil })
package emailcode
