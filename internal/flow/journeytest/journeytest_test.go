package journeytest

import (
	"os"
	"path/filepath"
	"testing"
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
