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

// Table returns the registration journey's moves (drawn in states.mermaid):
// flow.Table's Next and Can answer what an event does in a state, and an
// unlisted pair is refused with flow.ErrTransition. Built by each call, never
// kept in a package variable.
func Table() flow.Table[State, Event] {
	from, on := flow.From[State, Event], flow.On[State, Event]
	return flow.NewTableFrom(StateProfile,
		from(StateProfile, on(EventSubmitProfile, StateCredentials)),
		from(StateCredentials, on(EventSubmitCredentials, StateVerify), on(EventBack, StateProfile)),
		// Resend: a new code replaces the old; the tries carry over.
		from(StateVerify, on(EventSubmitCode, StateDone), on(EventResend, StateVerify), on(EventBack, StateCredentials)),
	)
}

// journey starts and moves this service's flows through the table.
func (s *Service) journey() flow.Journey[State, Event] {
	return flow.Journey[State, Event]{Kind: Kind, Table: Table(), Flows: s.Flows, Clock: s.Clock, TTL: s.FlowTTL}
}
