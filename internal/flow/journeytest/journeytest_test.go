package journeytest

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

type state string
type event string

// A small journey: a --go--> b --go--> c; b --back--> a.
func next(s state, e event) (state, error) {
	switch {
	case s == "a" && e == "go":
		return "b", nil
	case s == "b" && e == "go":
		return "c", nil
	case s == "b" && e == "back":
		return "a", nil
	}
	return s, errors.New("does not apply")
}

var (
	states = []state{"a", "b", "c"}
	events = []event{"go", "back"}
)

func TestReachable(t *testing.T) {
	if r := Reachable("a", events, next); !r["a"] || !r["b"] || !r["c"] {
		t.Errorf("from a: %v", r)
	}
	if r := Reachable("c", events, next); len(r) != 1 || !r["c"] {
		t.Errorf("from c: %v", r)
	}
}

// recorder notes failures instead of failing the test.
type recorder struct {
	testing.TB
	errors int
}

func (r *recorder) Errorf(string, ...any) { r.errors++ }
func (r *recorder) Helper()               {}

func TestDiagramMatches(t *testing.T) {
	for _, tc := range []struct {
		name, diagram string
		wantErrors    int
	}{
		{"exact", "stateDiagram-v2\n  [*] --> a\n  a --> b: go\n  b --> c : go\n  b --> a: back\n  c --> [*]\n", 0},
		{"a move missing", "stateDiagram-v2\n  a --> b: go\n  b --> c: go\n", 1},
		{"a move too many", "stateDiagram-v2\n  a --> b: go\n  b --> c: go\n  b --> a: back\n  c --> a: back\n", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "states.mermaid")
			if err := os.WriteFile(path, []byte(tc.diagram), 0o600); err != nil {
				t.Fatal(err)
			}
			r := &recorder{TB: t}
			DiagramMatches(r, path, states, events, next)
			if r.errors != tc.wantErrors {
				t.Errorf("%d errors, want %d", r.errors, tc.wantErrors)
			}
		})
	}
}
