package registration

import (
	"testing"

	"github.com/carekey/carekey/internal/flow/journeytest"
)

// TestEveryStateEventPair walks every (state, event) pair: listed pairs move
// to their target, all others return ErrBadTransition and stay put.
func TestEveryStateEventPair(t *testing.T) {
	want := map[State]map[Event]State{
		StateProfile:     {EventSubmitProfile: StateCredentials},
		StateCredentials: {EventSubmitCredentials: StateVerify, EventBack: StateProfile},
		StateVerify:      {EventSubmitCode: StateDone, EventResend: StateVerify, EventBack: StateCredentials},
		StateDone:        {},
	}
	journeytest.EveryPair(t, journeytest.Journey[State, Event]{States: States(), Events: Events(), Next: Next, Can: Can}, ErrBadTransition, want)
}

// TestEveryStateReachesDone: every state can be reached from the start,
// and from each state but done, done can be reached; done is the only end.
func TestEveryStateReachesDone(t *testing.T) {
	journeytest.Ends(t, table(), StateDone)
}

// TestDiagramMatchesTable: states.mermaid is the table's own diagram.
func TestDiagramMatchesTable(t *testing.T) {
	journeytest.DiagramMatches(t, "states.mermaid", table().Mermaid())
}
