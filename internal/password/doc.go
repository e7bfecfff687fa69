// Package password hashes passwords with argon2id and holds the council's
// password policy (design.md §3.2).
//
// Hashing: a Hasher makes standard PHC strings
// ("$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>", raw standard base64 as in
// the reference implementation) and bounds how many hashes run at once, so a
// burst of sign-ins cannot exhaust memory, and how many callers wait for
// one: beyond that a call returns ErrBusy at once (503 with Retry-After), so a
// flood of requests never queues without bound. Verify parses stored hashes
// strictly and refuses absurd parameters, reports when a hash should be
// redone with the current parameters, and VerifyDummy gives unknown users the
// same cost as known ones.
//
//	h := password.NewHasherLimits(password.DefaultParams(), password.Limits{Concurrency: 4, Queue: 32})
//	phc, err := h.Hash(ctx, pw)
//	ok, rehash, err := h.Verify(ctx, pw, phc)
//
// Policy: Check reports every failed composition rule at once as a
// *PolicyError whose rules carry the guide's exact words; CheckHistory refuses
// the current and the previous HistorySize passwords.
//
//	if err := policy.Check(pw); err != nil {
//		var pe *password.PolicyError
//		errors.As(err, &pe) // pe.Texts(): the words to show
//	}
package password
