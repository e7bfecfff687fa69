package recovery

import (
	"testing"

	"github.com/carekey/carekey/internal/flow/journeytest"
)

// TestEveryStateEventPair walks every (state, event) pair: listed pairs move
// to their target, all others return flow.ErrTransition and stay put.
func TestEveryStateEventPair(t *testing.T) {
	want := map[State]map[Event]State{
		StateEmail:    {EventSubmitEmail: StateVerify},
		StateVerify:   {EventSubmitCode: StatePassword, EventResend: StateVerify, EventBack: StateEmail},
		StatePassword: {EventSubmitPassword: StateDone},
		StateDone:     {},
	}
	journeytest.EveryPair(t, Table(), want)
}

// TestEveryStateReachesDone: every state can be reached from the start,
// and from each state but done, done can be reached; done is the only end.
func TestEveryStateReachesDone(t *testing.T) {
	journeytest.Ends(t, Table(), StateDone)
}

// TestDiagramMatchesTable: states.mermaid is the table's own diagram.
func TestDiagramMatchesTable(t *testing.T) {
	journeytest.DiagramMatches(t, "states.mermaid", Table().Mermaid())
}
