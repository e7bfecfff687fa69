// Package registration is the "Register for a new account" journey
// (design.md §3.1, the council's "Creating an account" guide): three steps
// kept in a persisted flow (flow.Flow of kind "register").
//
//  1. Profile: forename, surname, professional capacity, role, organisation
//     and work address; mandatory answers checked, the UK post code
//     normalised ("nr12dh" → "NR1 2DH"), over-long answers refused.
//  2. Credentials: work email (trimmed, lower-cased, checked) and the
//     password twice. The password must meet the council's policy
//     (password.Policy, every failed rule named in the guide's words); it is
//     hashed with argon2id at once and only the hash enters the flow.
//  3. Verify: an 8-digit code is emailed (internal/onetimecode: HMAC with the
//     pepper, 30 minutes, 5 wrong tries, resend after 60 s, 5 sends). If the
//     address already has an account, the flow looks exactly the same but the
//     address receives "you already have an account" instead of a code.
//     "Back" returns to step 2 and kills the code.
//
// The right code creates the user, the first password-history entry and the
// audit event "user.registered" in one transaction (store.CreateUser); the
// browser then goes to sign in (back into the OIDC request it came from, if
// any), where the first sign-in enrols a phone.
//
// Moves are data: states.go holds the transition table, states.mermaid draws
// it, and states_test.go walks every (state, event) pair. A form posted for
// an earlier step returns flow.ErrTransition and changes nothing; the web layer
// shows the current step. The service knows nothing of HTTP: it returns
// typed errors (*text.Invalid for a form with mistakes, onetimecode's
// sentinels and *LimitError, ErrSendFailed, ErrExpired) that internal/web
// turns into pages and status codes.
package registration
