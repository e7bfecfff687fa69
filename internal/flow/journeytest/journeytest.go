// Package journeytest checks a journey's transition table from its tests
// (internal/signin, internal/registration, internal/recovery): EveryPair
// walks every (state, event) pair through the journey's flow.Table
// against the moves the test expects, and DiagramMatches keeps the Mermaid
// file beside the table equal to the table's own flow.Table.Mermaid text,
// so the picture a reader sees is the table the journey runs.
//
//	func TestDiagramMatchesTable(t *testing.T) {
//		journeytest.DiagramMatches(t, "states.mermaid", Table().Mermaid())
//	}
package journeytest

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/carekey/carekey/internal/flow"
)

// EveryPair walks every (state, event) pair of tbl, each in a subtest: the
// pairs want lists move to their target; every other pair is refused with
// an error wrapping flow.ErrTransition and leaves the state as it was; Can
// agrees. It fails first unless tbl's states are exactly want's keys (list
// final states with no moves), so no state escapes the walk.
func EveryPair[S, E ~string](t *testing.T, tbl flow.Table[S, E], want map[S]map[E]S) {
	t.Helper()
	states := tbl.States()
	if len(states) != len(want) {
		t.Fatalf("the journey has states %v; want lists %d", states, len(want))
	}
	for _, s := range states {
		if _, ok := want[s]; !ok {
			t.Fatalf("state %s is not in want", s)
		}
		for _, e := range tbl.Events() {
			t.Run(string(s)+"/"+string(e), func(t *testing.T) {
				to, listed := want[s][e]
				got, err := tbl.Next(s, e)
				switch {
				case listed && (err != nil || got != to):
					t.Errorf("Next(%s, %s) = %s, %v; want %s", s, e, got, err, to)
				case !listed && (!errors.Is(err, flow.ErrTransition) || got != s):
					t.Errorf("Next(%s, %s) = %s, %v; want %s unchanged and %v", s, e, got, err, s, flow.ErrTransition)
				}
				if tbl.Can(s, e) != listed {
					t.Errorf("Can(%s, %s) = %v, want %v", s, e, !listed, listed)
				}
			})
		}
	}
}

// DiagramMatches fails t unless the file at path, its %% comment lines
// left out, is exactly want (flow.Table.Mermaid). The failure shows want, to
// copy into the file under its comments.
func DiagramMatches(t testing.TB, path, want string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := WithoutComments(string(b)); got != want {
		t.Errorf("%s is not the table's diagram; the table draws:\n%s", path, want)
	}
}

// WithoutComments returns a Mermaid text without its %% comment lines.
func WithoutComments(diagram string) string {
	var b strings.Builder
	for line := range strings.Lines(diagram) {
		if !strings.HasPrefix(strings.TrimSpace(line), "%%") {
			b.WriteString(line)
		}
	}
	return b.String()
}

// Ends fails t unless the table can always be finished and finishes only
// in ends: tbl.Check passes (every state reachable from the start, none a
// trap), the final states are exactly ends, and from every other state
// each of ends can be reached.
func Ends[S, E ~string](t testing.TB, tbl flow.Table[S, E], ends ...S) {
	t.Helper()
	if err := tbl.Check(); err != nil {
		t.Error(err)
	}
	for _, s := range tbl.States() {
		end := slices.Contains(ends, s)
		if tbl.Final(s) != end {
			t.Errorf("%s: final %v, want %v", s, tbl.Final(s), end)
		}
		if end {
			continue
		}
		seen := tbl.Reachable(s)
		for _, e := range ends {
			if !seen[e] {
				t.Errorf("%s cannot reach %s", s, e)
			}
		}
	}
}
