package recovery

import (
	"errors"
	"testing"

	"github.com/carekey/carekey/internal/flow/journeytest"
)

// TestEveryStateEventPair walks every (state, event) pair: listed pairs move
// to their target, all others return ErrBadTransition and stay put.
func TestEveryStateEventPair(t *testing.T) {
	want := map[State]map[Event]State{
		StateEmail:    {EventSubmitEmail: StateVerify},
		StateVerify:   {EventSubmitCode: StatePassword, EventResend: StateVerify, EventBack: StateEmail},
		StatePassword: {EventSubmitPassword: StateDone},
		StateDone:     {},
	}
	if len(States()) != len(want) {
		t.Fatalf("States() = %v, want the %d states of the journey", States(), len(want))
	}
	for _, s := range States() {
		for _, e := range Events() {
			t.Run(string(s)+"/"+string(e), func(t *testing.T) {
				got, err := Next(s, e)
				to, ok := want[s][e]
				switch {
				case ok && (err != nil || got != to):
					t.Fatalf("Next(%s, %s) = %s, %v; want %s", s, e, got, err, to)
				case !ok && (!errors.Is(err, ErrBadTransition) || got != s):
					t.Fatalf("Next(%s, %s) = %s, %v; want %s, ErrBadTransition", s, e, got, err, s)
				}
				if Can(s, e) != ok {
					t.Fatalf("Can(%s, %s) = %v", s, e, !ok)
				}
			})
		}
	}
}

// TestEveryStateReachesDone: every state can be reached from the start,
// and from each state but done, done can be reached; done is the only end.
func TestEveryStateReachesDone(t *testing.T) {
	if err := table().Check(); err != nil {
		t.Error(err)
	}
	for _, s := range States() {
		if !table().Reachable(s)[StateDone] {
			t.Errorf("%s cannot reach done", s)
		}
		if table().Final(s) != (s == StateDone) {
			t.Errorf("Final(%s) = %v", s, !(s == StateDone))
		}
	}
}

// TestDiagramMatchesTable: states.mermaid is the table's own diagram.
func TestDiagramMatchesTable(t *testing.T) {
	journeytest.DiagramMatches(t, "states.mermaid", table().Mermaid())
}
