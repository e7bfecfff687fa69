package signin

import (
	"slices"
	"testing"

	"github.com/carekey/carekey/internal/flow/journeytest"
)

// TestEveryStateEventPair walks every (state, event) pair: the listed ones
// move to the state the journey names, every other pair is refused and leaves
// the state as it was.
func TestEveryStateEventPair(t *testing.T) {
	want := map[State]map[Event]State{
		StatePassword:   {EventPasswordOK: StateConfirm, EventPasswordOKNoPhone: StateEnrolEmail, EventCancel: StateCancelled},
		StateEnrolEmail: {EventEmailCodeOK: StateEnrol, EventResendEmail: StateEnrolEmail, EventCancel: StateCancelled},
		StateEnrol:      {EventPhoneEntered: StateConfirm, EventCancel: StateCancelled},
		StateConfirm:    {EventSendCode: StateCode, EventPlaceCall: StateCall, EventCancel: StateCancelled},
		StateCode:       {EventSendCode: StateCode, EventPlaceCall: StateCall, EventCodeOK: StateVerified, EventCancel: StateCancelled},
		StateCall: {EventPlaceCall: StateCall, EventSendCode: StateCode, EventCallAnswered: StateVerified,
			EventCallFailed: StateConfirm, EventCancel: StateCancelled},
		StateVerified:  {},
		StateCancelled: {},
	}
	journeytest.EveryPair(t, Table(), want)
}

// TestEveryStateReachesTheEnd checks that from every state some path of
// events ends in verified or cancelled, and that those two are final.
func TestEveryStateReachesTheEnd(t *testing.T) {
	journeytest.Ends(t, Table(), StateVerified, StateCancelled)
	// Only the phone step leads to verified: no path skips it.
	for _, s := range []State{StatePassword, StateEnrolEmail, StateEnrol, StateConfirm} {
		for _, e := range Table().Events() {
			if next, err := Table().Next(s, e); err == nil && next == StateVerified {
				t.Errorf("%s --%s--> verified skips the second factor", s, e)
			}
		}
	}
}

// TestStatesAndEventsAreListed: the table names every state and event the
// journey declares, so the walk above covers them all.
func TestStatesAndEventsAreListed(t *testing.T) {
	states := []State{StatePassword, StateEnrolEmail, StateEnrol, StateConfirm, StateCode, StateCall, StateVerified, StateCancelled}
	events := []Event{EventPasswordOK, EventPasswordOKNoPhone, EventEmailCodeOK, EventResendEmail, EventPhoneEntered, EventSendCode,
		EventPlaceCall, EventCodeOK, EventCallAnswered, EventCallFailed, EventCancel}
	if !sameSet(Table().States(), states) || !sameSet(Table().Events(), events) {
		t.Errorf("Table().States() = %v, Table().Events() = %v; want %v and %v", Table().States(), Table().Events(), states, events)
	}
}

func sameSet[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			return false
		}
	}
	return true
}

// TestDiagramMatchesTable keeps states.mermaid the table's own diagram.
func TestDiagramMatchesTable(t *testing.T) {
	journeytest.DiagramMatches(t, "states.mermaid", Table().Mermaid())
}
