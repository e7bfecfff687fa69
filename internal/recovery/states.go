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
	EventSubmitEmail    Event = "submit_email"
	EventSubmitCode     Event = "submit_code"
	EventResend         Event = "resend"
	EventBack           Event = "back"
	EventSubmitPassword Event = "submit_password"
)

// ErrBadTransition means the event does not apply in the flow's state (a form
// posted for an earlier step): nothing changes and the current step is shown
// again. It is flow.ErrTransition, the error of every journey's table.
var ErrBadTransition = flow.ErrTransition

// table is the forgotten-password journey (states.mermaid draws it). A pair
// missing here changes nothing. (A function, not a package variable, so
// nothing can change the table.)
func table() flow.Table[State, Event] {
	move := flow.Move[State, Event]
	return flow.NewTable(StateEmail,
		move(StateEmail, EventSubmitEmail, StateVerify),
		move(StateVerify, EventSubmitCode, StatePassword),
		move(StateVerify, EventResend, StateVerify), // a new code replaces the old; tries carry over
		move(StateVerify, EventBack, StateEmail),
		move(StatePassword, EventSubmitPassword, StateDone),
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
