package journeytest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/carekey/carekey/internal/flow"
)

// recorder notes failures instead of failing the test.
type recorder struct {
	testing.TB
	errors int
}

func (r *recorder) Errorf(string, ...any) { r.errors++ }
func (r *recorder) Helper()               {}

func TestDiagramMatches(t *testing.T) {
	const want = "stateDiagram-v2\n    [*] --> a\n    a --> b : go\n    b --> [*]\n"
	for _, tc := range []struct {
		name, diagram string
		wantErrors    int
	}{
		{"exact", want, 0},
		{"with comments", "%% The journey.\n%% Kept equal to the table.\nstateDiagram-v2\n    [*] --> a\n  %% a note\n    a --> b : go\n    b --> [*]\n", 0},
		{"a move missing", "stateDiagram-v2\n    [*] --> a\n    b --> [*]\n", 1},
		{"a move too many", want + "    b --> a : back\n", 1},
		{"another layout", "stateDiagram-v2\n  [*] --> a\n  a --> b: go\n  b --> [*]\n", 1},
		{"empty", "", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "states.mermaid")
			if err := os.WriteFile(path, []byte(tc.diagram), 0o600); err != nil {
				t.Fatal(err)
			}
			r := &recorder{TB: t}
			DiagramMatches(r, path, want)
			if r.errors != tc.wantErrors {
				t.Errorf("%d errors, want %d", r.errors, tc.wantErrors)
			}
		})
	}
}

type state string
type event string

// TestEveryPairOnATable walks a small table whose moves are as listed.
func TestEveryPairOnATable(t *testing.T) {
	move := flow.Move[state, event]
	tbl := flow.NewTable("a", move("a", "go", "b"), move("b", "back", "a"), move("b", "go", "c"))
	EveryPair(t, tbl, map[state]map[event]state{"a": {"go": "b"}, "b": {"back": "a", "go": "c"}, "c": {}})
}

func TestEnds(t *testing.T) {
	move := flow.Move[state, event]
	for _, tc := range []struct {
		name       string
		table      flow.Table[state, event]
		ends       []state
		wantErrors int
	}{
		{"one end", flow.NewTable("a", move("a", "go", "b"), move("b", "go", "c")), []state{"c"}, 0},
		{"two ends, both reachable", flow.NewTable("a", move("a", "go", "b"), move("a", "stop", "x")), []state{"b", "x"}, 0},
		{"an end not named", flow.NewTable("a", move("a", "go", "b"), move("a", "stop", "x")), []state{"b"}, 2}, // x is final, and x cannot reach b
		{"an end that is not final", flow.NewTable("a", move("a", "go", "b"), move("b", "go", "c")), []state{"b", "c"}, 1},
		{"an end out of reach", flow.NewTable("a", move("a", "go", "b"), move("a", "stop", "x"), move("b", "go", "y")), []state{"y", "x"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &recorder{TB: t}
			Ends(r, tc.table, tc.ends...)
			if r.errors != tc.wantErrors {
				t.Errorf("%d errors, want %d", r.errors, tc.wantErrors)
			}
		})
	}
}
