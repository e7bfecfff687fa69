// Package journeytest checks a journey's transition table (internal/signin,
// internal/registration, internal/recovery) from its tests: that the Mermaid
// diagram kept beside it draws exactly the table's moves, and which states a
// state can lead to. The table is read through the journey's own Next, so
// what is checked is what the journey does.
package journeytest

import (
	"os"
	"regexp"
	"testing"
)

// Next is a journey's transition function: the state event e leads to from
// s, or an error when e does not apply in s.
type Next[S, E ~string] func(s S, e E) (S, error)

// edge is one move: from, event, to.
type edge [3]string

// moves tries every (state, event) pair and returns those that apply.
func moves[S, E ~string](states []S, events []E, next Next[S, E]) map[edge]bool {
	m := map[edge]bool{}
	for _, s := range states {
		for _, e := range events {
			if to, err := next(s, e); err == nil {
				m[edge{string(s), string(e), string(to)}] = true
			}
		}
	}
	return m
}

// diagramEdge matches a drawn move, "from --> to: event" (spaces around the
// colon optional); "[*]" lines are not moves.
var diagramEdge = regexp.MustCompile(`(?m)^\s*(\w+) --> (\w+)\s*:\s*(\w+)\s*$`)

// DiagramMatches fails t unless the stateDiagram-v2 in the file at path
// draws exactly the moves next allows among states and events.
func DiagramMatches[S, E ~string](t testing.TB, path string, states []S, events []E, next Next[S, E]) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	drawn := map[edge]bool{}
	for _, m := range diagramEdge.FindAllStringSubmatch(string(b), -1) {
		drawn[edge{m[1], m[3], m[2]}] = true
	}
	table := moves(states, events, next)
	for k := range table {
		if !drawn[k] {
			t.Errorf("%s lacks %s --> %s : %s", path, k[0], k[2], k[1])
		}
	}
	for k := range drawn {
		if !table[k] {
			t.Errorf("%s draws %s --> %s : %s, which the table lacks", path, k[0], k[2], k[1])
		}
	}
}

// Reachable returns every state some path of events leads to from s, s
// included.
func Reachable[S, E ~string](s S, events []E, next Next[S, E]) map[S]bool {
	seen := map[S]bool{s: true}
	queue := []S{s}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		for _, e := range events {
			if to, err := next(cur, e); err == nil && !seen[to] {
				seen[to] = true
				queue = append(queue, to)
			}
		}
	}
	return seen
}
