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
	// EventCancel: "Cancel".
	EventCancel Event = "cancel"
)

// Table returns the sign-in journey's transition table (states.mermaid
// draws it). Callers read its Next, Can, States and Events; a pair it does
// not list is refused with flow.ErrTransition and changes nothing. It is
// built on each call, so nothing can change it.
func Table() flow.Table[State, Event] {
	from, on := flow.From[State, Event], flow.On[State, Event]
	return flow.NewTableFrom(StatePassword,
		from(StatePassword, on(EventPasswordOK, StateConfirm), on(EventPasswordOKNoPhone, StateEnrolEmail),
			on(EventCancel, StateCancelled)),
		// A new emailed code replaces the old; its tries carry over.
		from(StateEnrolEmail, on(EventEmailCodeOK, StateEnrol), on(EventResendEmail, StateEnrolEmail), on(EventCancel, StateCancelled)),
		from(StateEnrol, on(EventPhoneEntered, StateConfirm), on(EventCancel, StateCancelled)),
		from(StateConfirm, on(EventSendCode, StateCode), on(EventPlaceCall, StateCall), on(EventCancel, StateCancelled)),
		// A new SMS code replaces the old; its tries carry over.
		from(StateCode, on(EventSendCode, StateCode), on(EventPlaceCall, StateCall), on(EventCodeOK, StateVerified),
			on(EventCancel, StateCancelled)),
		from(StateCall, on(EventPlaceCall, StateCall), on(EventSendCode, StateCode), on(EventCallAnswered, StateVerified),
			on(EventCallFailed, StateConfirm), on(EventCancel, StateCancelled)),
	)
}
