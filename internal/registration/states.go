package registration

import (
	"errors"
	"fmt"
)

// State is where a registration flow stands (flow.Flow.State of kind
// "register").
type State string

// Registration states, in the order a user meets them (states.mermaid).
const (
	// StateProfile: step 1, name, role, organisation and work address.
	StateProfile State = "profile"
	// StateCredentials: step 2, work email and password twice.
	StateCredentials State = "credentials"
	// StateVerify: step 3, the 8-digit code from the email.
	StateVerify State = "verify"
	// StateDone: the code was right and the user is being created; the flow
	// is deleted in the same request. Nothing leaves this state.
	StateDone State = "done"
)

// Event is something that happens to a registration flow.
type Event string

// Registration events.
const (
	EventSubmitProfile     Event = "submit_profile"     // step 1 "Next" with valid answers
	EventSubmitCredentials Event = "submit_credentials" // step 2 "Next" with a valid email and password
	EventSubmitCode        Event = "submit_code"        // step 3 "Next" with the right code
	EventResend            Event = "resend"             // "Please send me a new code"
	EventBack              Event = "back"               // "Back"
)

// ErrBadTransition means the event does not apply in the flow's state (a form
// posted for an earlier step): nothing changes and the current step is shown.
var ErrBadTransition = errors.New("registration: event does not apply in this state")

// transitions is the registration journey. A pair missing here changes
// nothing. (A function, not a package variable, so nothing can change it.)
func transitions() map[State]map[Event]State {
	return map[State]map[Event]State{
		StateProfile: {
			EventSubmitProfile: StateCredentials,
		},
		StateCredentials: {
			EventSubmitCredentials: StateVerify,
			EventBack:              StateProfile,
		},
		StateVerify: {
			EventSubmitCode: StateDone,
			EventResend:     StateVerify, // a new code replaces the old; tries carry over
			EventBack:       StateCredentials,
		},
		StateDone: {},
	}
}

// States lists every state.
func States() []State { return []State{StateProfile, StateCredentials, StateVerify, StateDone} }

// Events lists every event.
func Events() []Event {
	return []Event{EventSubmitProfile, EventSubmitCredentials, EventSubmitCode, EventResend, EventBack}
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
