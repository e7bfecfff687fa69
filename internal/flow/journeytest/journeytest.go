// Package journeytest checks a journey's diagram from its tests: the
// Mermaid file kept beside the transition table (internal/signin,
// internal/registration, internal/recovery) must be the table's own
// flow.Table.Mermaid text, so the picture a reader sees is the table the
// journey runs.
//
//	func TestDiagramMatchesTable(t *testing.T) {
//		journeytest.DiagramMatches(t, "states.mermaid", table().Mermaid())
//	}
package journeytest

import (
	"os"
	"strings"
	"testing"
)

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
