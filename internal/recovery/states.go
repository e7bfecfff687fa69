package recovery

import "github.com/carekey/carekey/internal/flow"

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
	EventSubmitEmail    Event = "submit_email"    // "Next" with an email address (known or not: the page is the same)
	EventSubmitCode     Event = "submit_code"     // "Next" with the right code
	EventResend         Event = "resend"          // "Please send me a new code"
	EventBack           Event = "back"            // "Back" from the code
	EventSubmitPassword Event = "submit_password" // "Next" with a new password typed twice
)

// Table returns how a forgotten-password flow moves (states.mermaid is its
// picture). Use its methods; an event the table does not list for a state
// fails with flow.ErrTransition. A fresh value each call: nothing shared to
// change.
func Table() flow.Table[State, Event] {
	from, on := flow.From[State, Event], flow.On[State, Event]
	return flow.NewTableFrom(StateEmail,
		from(StateEmail, on(EventSubmitEmail, StateVerify)),
		// Resend gives a new code in place of the old, with the tries so far.
		from(StateVerify, on(EventSubmitCode, StatePassword), on(EventResend, StateVerify), on(EventBack, StateEmail)),
		from(StatePassword, on(EventSubmitPassword, StateDone)),
	)
}

// journey starts and moves this service's flows through the table.
func (s *Service) journey() flow.Journey[State, Event] {
	return flow.Journey[State, Event]{Kind: Kind, Table: Table(), Flows: s.Flows, Clock: s.Clock, TTL: s.FlowTTL}
}
