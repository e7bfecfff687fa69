package registration

import "github.com/carekey/carekey/internal/flow"

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
// posted for an earlier step): nothing changes and the current step is shown
// again. It is flow.ErrTransition, the error of every journey's table.
var ErrBadTransition = flow.ErrTransition

// table is the registration journey (states.mermaid draws it). A pair
// missing here changes nothing. (A function, not a package variable, so
// nothing can change the table.)
func table() flow.Table[State, Event] {
	move := flow.Move[State, Event]
	return flow.NewTable(StateProfile,
		move(StateProfile, EventSubmitProfile, StateCredentials),
		move(StateCredentials, EventSubmitCredentials, StateVerify),
		move(StateCredentials, EventBack, StateProfile),
		move(StateVerify, EventSubmitCode, StateDone),
		move(StateVerify, EventResend, StateVerify), // a new code replaces the old; tries carry over
		move(StateVerify, EventBack, StateCredentials),
	)
}

// journey starts and moves this service's flows through the table.
func (s *Service) journey() flow.Journey[State, Event] {
	return flow.Journey[State, Event]{Kind: Kind, Table: table(), Flows: s.Flows, Clock: s.Clock, TTL: s.FlowTTL}
}

// States lists every state.
func States() []State { return table().States() }

// Events lists every event.
func Events() []Event { return table().Events() }

// Next returns the state e leads to from s, or s and ErrBadTransition.
func Next(s State, e Event) (State, error) { return table().Next(s, e) }

// Can reports whether e applies in s.
func Can(s State, e Event) bool { return table().Can(s, e) }
