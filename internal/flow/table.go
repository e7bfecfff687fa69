package flow

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// More sentinel errors, of the journeys' state machines.
var (
	// ErrTransition: the event does not apply in the flow's state (a form
	// posted for an earlier step). Nothing changes; the current step is
	// shown again.
	ErrTransition = errors.New("flow: event does not apply in this state")
	// ErrExpired: the flow's time is up; the user must start again.
	ErrExpired = errors.New("flow: expired")
)

// Row is one move of a journey: event Event in state From leads to To.
type Row[S, E ~string] struct {
	From  S
	Event E
	To    S
}

// Move returns the row "event e in state from leads to to".
func Move[S, E ~string](from S, e E, to S) Row[S, E] { return Row[S, E]{From: from, Event: e, To: to} }

// Edge is one way out of a state: event Event leads to To. From turns the
// edges of one state into rows.
type Edge[S, E ~string] struct {
	Event E
	To    S
}

// On returns the edge "event e leads to to".
func On[S, E ~string](e E, to S) Edge[S, E] { return Edge[S, E]{Event: e, To: to} }

// From returns the rows leaving s, one for each edge, in order: a journey
// writes its table a state at a time (NewTableFrom).
func From[S, E ~string](s S, edges ...Edge[S, E]) []Row[S, E] {
	rows := make([]Row[S, E], len(edges))
	for i, e := range edges {
		rows[i] = Row[S, E]{From: s, Event: e.Event, To: e.To}
	}
	return rows
}

// Table is a journey's transition table: the moves its (state, event) pairs
// make. A pair it does not list changes nothing. A Table is an immutable
// value: build it with NewTable, from a func, never keep one in a package
// variable that could be changed.
type Table[S, E ~string] struct {
	start  S
	rows   []Row[S, E]
	states []S
	events []E
	next   map[S]map[E]S
}

// NewTable builds the table of a journey that begins in start, from its
// rows. States lists start first and then every state in the order the rows
// first name it; Events lists the events in the order the rows first name
// them. A state no row leaves is final. NewTable panics if two rows leave
// the same state on the same event: a table is a constant of the program,
// and a test that builds it finds the mistake.
func NewTable[S, E ~string](start S, rows ...Row[S, E]) Table[S, E] {
	t := Table[S, E]{start: start, rows: append([]Row[S, E](nil), rows...), next: map[S]map[E]S{}}
	seenState := map[S]bool{}
	addState := func(s S) {
		if !seenState[s] {
			seenState[s] = true
			t.states = append(t.states, s)
		}
	}
	seenEvent := map[E]bool{}
	addState(start)
	for _, r := range rows {
		addState(r.From)
		addState(r.To)
		if !seenEvent[r.Event] {
			seenEvent[r.Event] = true
			t.events = append(t.events, r.Event)
		}
		if t.next[r.From] == nil {
			t.next[r.From] = map[E]S{}
		}
		if to, dup := t.next[r.From][r.Event]; dup {
			panic(fmt.Sprintf("flow: two rows for %s in %s (to %s and %s)", r.Event, r.From, to, r.To))
		}
		t.next[r.From][r.Event] = r.To
	}
	return t
}

// NewTableFrom is NewTable with the rows given a state at a time, each
// group from From:
//
//	flow.NewTableFrom(StateEmail,
//		from(StateEmail, on(EventSubmitEmail, StateVerify)),
//		from(StateVerify, on(EventSubmitCode, StateDone), on(EventBack, StateEmail)))
func NewTableFrom[S, E ~string](start S, groups ...[]Row[S, E]) Table[S, E] {
	var rows []Row[S, E]
	for _, g := range groups {
		rows = append(rows, g...)
	}
	return NewTable(start, rows...)
}

// Start returns the state every flow of the journey begins in.
func (t Table[S, E]) Start() S { return t.start }

// Next returns the state e leads to from s, or s and an error wrapping
// ErrTransition when the table does not list the pair.
func (t Table[S, E]) Next(s S, e E) (S, error) {
	to, ok := t.next[s][e]
	if !ok {
		return s, fmt.Errorf("%w: %s in %s", ErrTransition, e, s)
	}
	return to, nil
}

// Can reports whether e applies in s.
func (t Table[S, E]) Can(s S, e E) bool {
	_, ok := t.next[s][e]
	return ok
}

// Final reports whether no event leaves s.
func (t Table[S, E]) Final(s S) bool { return len(t.next[s]) == 0 }

// States lists every state: the start first, then in the order the rows
// first name them.
func (t Table[S, E]) States() []S { return append([]S(nil), t.states...) }

// Events lists every event, in the order the rows first name them.
func (t Table[S, E]) Events() []E { return append([]E(nil), t.events...) }

// Rows lists the moves in the order they were given.
func (t Table[S, E]) Rows() []Row[S, E] { return append([]Row[S, E](nil), t.rows...) }

// Mermaid draws the table as a Mermaid stateDiagram-v2: the start, every
// row in order ("from --> to : event"), then an end marker after each final
// state. A journey's states.mermaid is this text (with %% comments), kept
// equal by its test.
func (t Table[S, E]) Mermaid() string {
	var b strings.Builder
	b.WriteString("stateDiagram-v2\n")
	fmt.Fprintf(&b, "    [*] --> %s\n", t.start)
	for _, r := range t.rows {
		fmt.Fprintf(&b, "    %s --> %s : %s\n", r.From, r.To, r.Event)
	}
	for _, s := range t.states {
		if t.Final(s) {
			fmt.Fprintf(&b, "    %s --> [*]\n", s)
		}
	}
	return b.String()
}

// Reachable returns every state some path of events leads to from s, s
// included.
func (t Table[S, E]) Reachable(s S) map[S]bool {
	seen := map[S]bool{s: true}
	queue := []S{s}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		for _, r := range t.rows {
			if r.From == cur && !seen[r.To] {
				seen[r.To] = true
				queue = append(queue, r.To)
			}
		}
	}
	return seen
}

// Check reports, all at once, what makes the journey unfinishable: a state
// the start cannot reach, a state from which no final state can be reached
// (a trap, with no way out), or a journey with no final state at all. Tests
// call it on each journey's table.
func (t Table[S, E]) Check() error {
	var errs []error
	fromStart := t.Reachable(t.start)
	finals := 0
	for _, s := range t.states {
		if t.Final(s) {
			finals++
		}
		if !fromStart[s] {
			errs = append(errs, fmt.Errorf("%s cannot be reached from %s", s, t.start))
		}
		out := false
		for r := range t.Reachable(s) {
			out = out || t.Final(r)
		}
		if !out {
			errs = append(errs, fmt.Errorf("%s has no way to a final state", s))
		}
	}
	if finals == 0 {
		errs = append(errs, errors.New("no final state"))
	}
	return errors.Join(errs...)
}

// Advance moves f by e through t. It is meant for the fn of Store.Update,
// where the check and the move are one compare-and-swap: it returns an error
// wrapping ErrExpired if f is not valid at now (the injected clock's time),
// or t's ErrTransition if e does not apply in f's state. f changes only when
// it returns nil.
func Advance[S, E ~string](f *Flow, now time.Time, t Table[S, E], e E) error {
	if !f.Valid(now) {
		return fmt.Errorf("%w: flow %s at %s", ErrExpired, f.ID, f.ExpiresAt.UTC().Format(time.RFC3339))
	}
	next, err := t.Next(S(f.State), e)
	if err != nil {
		return err
	}
	f.State = string(next)
	return nil
}
