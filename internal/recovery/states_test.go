package recovery

import (
	"errors"
	"os"
	"regexp"
	"testing"
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

// TestEveryStateReachesDone: from each state but done, done can be reached.
func TestEveryStateReachesDone(t *testing.T) {
	for _, s := range States() {
		seen := map[State]bool{s: true}
		queue := []State{s}
		for len(queue) > 0 {
			cur := queue[0]
			queue = queue[1:]
			for _, to := range transitions()[cur] {
				if !seen[to] {
					seen[to] = true
					queue = append(queue, to)
				}
			}
		}
		if !seen[StateDone] {
			t.Errorf("%s cannot reach done", s)
		}
	}
}

// TestDiagramMatchesTable: states.mermaid draws exactly the table's edges.
func TestDiagramMatchesTable(t *testing.T) {
	b, err := os.ReadFile("states.mermaid")
	if err != nil {
		t.Fatal(err)
	}
	drawn := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\s*(\w+) --> (\w+): (\w+)$`).FindAllStringSubmatch(string(b), -1) {
		drawn[m[1]+" "+m[3]+" "+m[2]] = true
	}
	table := map[string]bool{}
	for s, es := range transitions() {
		for e, to := range es {
			table[string(s)+" "+string(e)+" "+string(to)] = true
		}
	}
	for k := range table {
		if !drawn[k] {
			t.Errorf("states.mermaid lacks %s", k)
		}
	}
	for k := range drawn {
		if !table[k] {
			t.Errorf("states.mermaid draws %s, which the table lacks", k)
		}
	}
}
