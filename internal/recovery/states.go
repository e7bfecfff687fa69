package recovery

import (
	"errors"
	"fmt"
)

// State is where a forgotten-password flow stands (flow.Flow.State of kind
// "recovery").
type State string

// Recovery states (states.mermaid).
const (
	StateEmail    State = "email"    // "Forgot your password?": the email address
	StateVerify   State = "verify"   // the 8-digit code from the email
	StatePassword State = "password" // the new password twice
	StateDone     State = "done"     // changed; the flow is deleted
)

// Event is something that happens to a recovery flow.
type Event string

// Recovery events.
const (
	EventSubmitEmail    Event = "submit_email"
	EventSubmitCode     Event = "submit_code"
	EventResend         Event = "resend"
	EventBack           Event = "back"
	EventSubmitPassword Event = "submit_password"
)

// ErrBadTransition means the event does not apply in the flow's state:
// nothing changes and the current step is shown again.
var ErrBadTransition = errors.New("recovery: event does not apply in this state")

func transitions() map[State]map[Event]State {
	return map[State]map[Event]State{
		StateEmail: {EventSubmitEmail: StateVerify},
		StateVerify: {
			EventSubmitCode: StatePassword,
			EventResend:     StateVerify,
			EventBack:       StateEmail,
		},
		StatePassword: {EventSubmitPassword: StateDone},
		StateDone:     {},
	}
}

// States lists every state.
func States() []State { return []State{StateEmail, StateVerify, StatePassword, StateDone} }

// Events lists every event.
func Events() []Event {
	return []Event{EventSubmitEmail, EventSubmitCode, EventResend, EventBack, EventSubmitPassword}
}

// Next returns the state e leads to from s, or ErrBadTransition.
func Next(s State, e Event) (State, error) {
	to, ok := transitions()[s][e]
	if !ok {
		return s, fmt.Errorf("%w: %s in %s", ErrBadTransition, e, s)
	}
	return to, nil
}

// Can reports whether e applies in s.
func Can(s State, e Event) bool {
	_, ok := transitions()[s][e]
	return ok
}
