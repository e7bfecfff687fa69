package signin

import "github.com/carekey/carekey/internal/flow"

// State is where a sign-in flow stands (flow.Flow.State of kind "signin").
type State string

// Sign-in states, in the order a user meets them (states.mermaid).
const (
	// StatePassword: "Sign in", asking for email and password.
	StatePassword State = "password"
	// StateEnrolEmail: the password was right but the user has no phone
	// (first sign-in, or after an administrator reset). An 8-digit code was
	// emailed to the account's address; it must be typed before a phone
	// can be enrolled, so the password alone never moves the second factor.
	StateEnrolEmail State = "enrol_email"
	// StateEnrol: the emailed code was right: enter a phone. A phone change
	// (Phones.StartChange) starts here too, and leaves at once.
	StateEnrol State = "enrol"
	// StateConfirm: "Confirm your identity": Send Code, Call Me, Cancel.
	StateConfirm State = "confirm"
	// StateCode: a code was sent by SMS; waiting for it to be typed.
	StateCode State = "code"
	// StateCall: a call was placed; waiting for the user to press #.
	StateCall State = "call"
	// StateApp: "Use your authenticator app" was chosen; waiting for a code
	// from it (only for a user with an app, where the deployment offers it).
	StateApp State = "app"
	// StateVerified: the phone is confirmed. The session is created and the
	// flow deleted in the same request; nothing leaves this state.
	StateVerified State = "verified"
	// StateCancelled: the user chose Cancel; the flow is deleted.
	StateCancelled State = "cancelled"
)

// Event is something that happens to a sign-in flow.
type Event string

// Sign-in events.
const (
	// EventPasswordOK: right password, and the user has a phone.
	EventPasswordOK Event = "password_ok"
	// EventPasswordOKNoPhone: right password, but no phone yet.
	EventPasswordOKNoPhone Event = "password_ok_no_phone"
	// EventEmailCodeOK: the code emailed before enrolment was typed right.
	EventEmailCodeOK Event = "email_code_ok"
	// EventResendEmail: "Please send me a new code" at the emailed code.
	EventResendEmail Event = "resend_email"
	// EventPhoneEntered: a valid number was entered for enrolment.
	EventPhoneEntered Event = "phone_entered"
	// EventSendCode: "Send Code" or "send a new code".
	EventSendCode Event = "send_code"
	// EventPlaceCall: "Call Me" (or call again).
	EventPlaceCall Event = "place_call"
	// EventCodeOK: the right code was typed in time.
	EventCodeOK Event = "code_ok"
	// EventCallAnswered: the telephony webhook reported # and the browser
	// continued.
	EventCallAnswered Event = "call_answered"
	// EventCallFailed: no answer, busy, no # or timeout.
	EventCallFailed Event = "call_failed"
	// EventUseApp: "Use your authenticator app".
	EventUseApp Event = "use_app"
	// EventAppCodeOK: a right code from the authenticator app, of a time
	// step not used before.
	EventAppCodeOK Event = "app_code_ok"
	// EventCancel: "Cancel".
	EventCancel Event = "cancel"
)

// ErrBadTransition means the event does not apply in the flow's state (a
// form posted for an earlier step): nothing changes and the current step is
// shown again. It is flow.ErrTransition, the error of every journey's table.
var ErrBadTransition = flow.ErrTransition

// table is the sign-in journey (states.mermaid draws it). A pair missing here changes nothing. (A
// function, not a package variable, so nothing can change the table.)
func table() flow.Table[State, Event] {
	move := flow.Move[State, Event]
	return flow.NewTable(StatePassword,
		move(StatePassword, EventPasswordOK, StateConfirm),
		move(StatePassword, EventPasswordOKNoPhone, StateEnrolEmail),
		move(StatePassword, EventCancel, StateCancelled),
		move(StateEnrolEmail, EventEmailCodeOK, StateEnrol),
		move(StateEnrolEmail, EventResendEmail, StateEnrolEmail), // a new code replaces the old; tries carry over
		move(StateEnrolEmail, EventCancel, StateCancelled),
		move(StateEnrol, EventPhoneEntered, StateConfirm),
		move(StateEnrol, EventCancel, StateCancelled),
		move(StateConfirm, EventSendCode, StateCode),
		move(StateConfirm, EventPlaceCall, StateCall),
		move(StateConfirm, EventUseApp, StateApp),
		move(StateConfirm, EventCancel, StateCancelled),
		move(StateCode, EventSendCode, StateCode), // a new code replaces the old; tries carry over
		move(StateCode, EventPlaceCall, StateCall),
		move(StateCode, EventCodeOK, StateVerified),
		move(StateCode, EventCancel, StateCancelled),
		move(StateCall, EventPlaceCall, StateCall),
		move(StateCall, EventSendCode, StateCode),
		move(StateCall, EventCallAnswered, StateVerified),
		move(StateCall, EventCallFailed, StateConfirm),
		move(StateCall, EventCancel, StateCancelled),
		move(StateApp, EventAppCodeOK, StateVerified),
		move(StateApp, EventSendCode, StateCode), // the phone after all
		move(StateApp, EventPlaceCall, StateCall),
		move(StateApp, EventCancel, StateCancelled),
	)
}

// States lists every state (for tests and docs).
func States() []State { return table().States() }

// Events lists every event.
func Events() []Event { return table().Events() }

// Next returns the state e leads to from s, or s and ErrBadTransition.
func Next(s State, e Event) (State, error) { return table().Next(s, e) }

// Can reports whether e applies in s.
func Can(s State, e Event) bool { return table().Can(s, e) }
