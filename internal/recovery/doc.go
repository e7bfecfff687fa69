// Package recovery is the "Forgot your password?" journey (design.md §3.4),
// a persisted flow of kind "recovery":
//
//  1. email: the address, normalised. A code is made and put on the flow
//     for every address, and one background job (Service.Jobs) is queued
//     that looks the address up and emails the code only to an account's.
//     The request never asks whether the address has an account and never
//     waits for the job (a full queue drops it, logged and counted): an
//     unknown address gets the same screens, status, flow, work and time,
//     and no email. The account is looked up only at step 3, after the code.
//  2. verify: the 8-digit code (internal/onetimecode: 30 minutes, 5 wrong
//     tries, resend after 60 s, at most 5 sends; Back kills the code).
//  3. password: the new password twice, checked against the policy and,
//     once the form is right, the history (not the current password, nor
//     the previous 8, verified against the stored argon2id hashes; at most
//     MaxPasswordTries per flow). No argon2id runs for a refused form. Then every browser session and refresh
//     token of the user is revoked, the "password changed" email is sent,
//     audit events are written, and the user is sent to sign in (phone
//     confirmation as usual).
//
// states.go holds the transition table, states.mermaid draws it and
// states_test.go walks every (state, event) pair. The service knows nothing
// of HTTP; internal/web maps its typed errors to pages.
package recovery
