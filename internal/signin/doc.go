// Package signin is the sign-in journey (design.md §3.3): the password, then
// the phone at every sign-in. It knows nothing of HTTP; the web layer turns
// its typed results and sentinel errors into pages.
//
// The journey is a persisted flow (flow.Flow of kind "signin") moved by one
// table, Next(state, event), drawn in states.mermaid:
//
//	password ──password_ok──────────────────────────────────► confirm ──send_code──► code ──code_ok──────► verified
//	   └──password_ok_no_phone─► enrol_email ──email_code_ok─► enrol ─┘  └──place_call──► call ──call_answered─┘
//	                                         ▲                  │  └──use_app──► app ──app_code_ok──┘
//	                                         └──call_failed─────┘     any step ──cancel──► cancelled
//
// Journey, the package's public face, owns the flow's whole lifecycle:
// Start creates it; Load reads it for a page (one read: CSRF hash, kind,
// expiry); Step is the one call of each POST: it loads the flow, refuses a
// phone change to anyone but its signed-in user, checks the event applies
// before anything is sent or counted, moves the flow in a compare-and-swap
// that checks the transition and the flow's expiry again, and returns the
// flow as saved; and Finish (from Step, after the right code or an answered
// call) ends it with a session. The web layer keeps only cookies, pages and
// the hand-off of a Completion to the OIDC provider; it reads a flow's data
// through DataOf, never by key.
//
// Service, the account side (Journey.Accounts), checks the first factor
// with Password. A wrong email and a wrong password give the same error
// (ErrInvalidCredentials) after the same work: for an unknown email a dummy
// argon2id verification runs. Before any work,
// per-IP and per-account rate limits apply (ratelimit.Allow's
// *ratelimit.LimitedError, here RateLimitedError: HTTP 429).
// Ten wrong passwords in a row lock the account (15 minutes, doubling to 24
// hours): the counters live in the user row and change only inside
// Users.UpdateUser, so they survive a Redis flush and concurrent wrong
// passwords never count past the threshold. While locked, even the right
// password gets ErrInvalidCredentials.
//
// A user imported from Azure AD B2C (issue 15) has no password hash here
// yet (PasswordPending). Its first right password is checked at the old
// tenant (Service.OldPasswords, internal/b2c's ROPC client, after the
// lockout check): right, it is hashed with argon2id and stored, the flag
// cleared ("user.password_migrated") and the phone step follows as usual;
// wrong, it is counted toward the lockout exactly as a wrong password is;
// no answer, ErrOldPasswordUnavailable ("try again later", HTTP 503) and
// nothing counted. From Service.MigrationCutoff, or with no old tenant
// configured, such a user gets ErrPasswordResetNeeded (forgot password
// sets a password and clears the flag). The password is never logged.
//
// A user without a phone (first sign-in, or after an administrator's
// reset-phone) enrols one only after typing the 8-digit code emailed to the
// account's address (onetimecode's rules: tries counted before a constant-time
// compare, single use, resend with cooldown and cap), so the password alone
// never moves the second factor; every enrolment is emailed to the user.
//
// Wrong SMS codes are counted on the user too (FailedCodes, through
// Journey.Strikes), across sign-ins: Lockout.Threshold in a row lock the
// account as wrong passwords do, and the user is emailed. Before any hard
// lock, Lockout.SourceBackoff makes one source that keeps getting an
// account's password wrong wait (429), and each lock is emailed to the owner
// with the /forgot-password link that lifts it.
//
// Journey confirms the second factor. Send Code: a 6-digit code from
// crypto/rand, stored only as an HMAC with the server pepper, valid 10
// minutes, 5 tries counted before a constant-time compare, consumed in the
// compare-and-swap that moves the flow to verified (so of many concurrent
// right answers exactly one wins); a resend replaces the code but never
// resets the tries (onetimecode.SMSRules, through onetimecode.Issue and
// Try, as the emailed code goes through onetimecode too). Call Me: a call whose reference is "<flowID>.<secret>"
// (only the secret's hash is stored); the telephony webhook reports # with
// CallAnswered, or the end of an unanswered call with CallEnded.
//
// Changing the phone later reuses the same table. Journey.StartChange creates
// a flow for a signed-in user, marked DataPurpose = PurposeChangePhone and
// bound to the user, placed at enrol and moved by phone_entered to confirm:
// the new number is then confirmed by the same Send Code / Call Me steps and
// limits. Reaching verified, such a flow starts no session: Finish checks the
// browser is still signed in as the flow's user (Action.Owns; else
// ErrNotYourChange, the flow deleted) and calls Service.ChangePhone, which
// saves the number (audit "user.phone_changed",
// numbers masked) and tells the old number by SMS and the user by email; a
// notice that cannot be sent is audited, never undoes the change. A sign-in
// may also carry DataReturn, the name of the page to go back to when no
// relying party waits (the web layer's allow-list, never a URL).
//
// The authenticator app (app.go, issue 16), where the deployment offers it
// (Journey.App): a user who has set one up may choose "Use your
// authenticator app" at "Confirm your identity" and type its code (one time
// step either side, each step once, wrong codes counted toward the lock
// like SMS codes; AMR pwd + otp + mfa). Setting it up and removing it need
// a sign-in confirmed with the phone (StartPhoneOnly); the secret is sealed
// with the signing-key keyring and waits in a flow of kind KindAppSetup
// until a first right code.
//
// No session exists before StateVerified: Finish creates one (Sessions),
// with a fresh ID and AMR pwd + sms|tel + mfa, only after Next returns it;
// a newly enrolled phone is saved then (Service.SaveEnrolledPhone). Every
// lock, failed and successful factor writes an audit event; codes never
// appear in logs or audit events.
package signin
