package flow_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/flow"
)

type state string
type event string

// small is a -go-> b -go-> c, b -back-> a, b -stay-> b: c is final.
func small() flow.Table[state, event] {
	return flow.NewTable[state, event]("a",
		flow.Move[state, event]("a", "go", "b"),
		flow.Move[state, event]("b", "go", "c"),
		flow.Move[state, event]("b", "back", "a"),
		flow.Move[state, event]("b", "stay", "b"),
	)
}

func TestTableNext(t *testing.T) {
	tbl := small()
	for _, tc := range []struct {
		have  state
		event event
		want  state
		ok    bool
	}{
		{"a", "go", "b", true},
		{"b", "go", "c", true},
		{"b", "back", "a", true},
		{"b", "stay", "b", true},
		{"a", "back", "a", false},
		{"a", "stay", "a", false},
		{"c", "go", "c", false},
		{"c", "back", "c", false},
		{"nowhere", "go", "nowhere", false},
		{"a", "unknown", "a", false},
	} {
		t.Run(string(tc.have)+"/"+string(tc.event), func(t *testing.T) {
			got, err := tbl.Next(tc.have, tc.event)
			if got != tc.want || (err == nil) != tc.ok {
				t.Fatalf("Next = %s, %v; want %s, ok %v", got, err, tc.want, tc.ok)
			}
			if !tc.ok && !errors.Is(err, flow.ErrTransition) {
				t.Fatalf("error %v is not ErrTransition", err)
			}
			if tbl.Can(tc.have, tc.event) != tc.ok {
				t.Fatalf("Can = %v, want %v", !tc.ok, tc.ok)
			}
		})
	}
}

func TestTableLists(t *testing.T) {
	tbl := small()
	if got, want := tbl.States(), []state{"a", "b", "c"}; !slices.Equal(got, want) {
		t.Errorf("States = %v, want %v", got, want)
	}
	if got, want := tbl.Events(), []event{"go", "back", "stay"}; !slices.Equal(got, want) {
		t.Errorf("Events = %v, want %v", got, want)
	}
	if tbl.Start() != "a" || len(tbl.Rows()) != 4 || tbl.Rows()[2] != flow.Move[state, event]("b", "back", "a") {
		t.Errorf("Start %s, Rows %v", tbl.Start(), tbl.Rows())
	}
	for s, want := range map[state]bool{"a": false, "b": false, "c": true} {
		if tbl.Final(s) != want {
			t.Errorf("Final(%s) = %v", s, !want)
		}
	}
	// The lists are copies: changing one leaves the table as it was.
	tbl.States()[0] = "x"
	tbl.Events()[0] = "x"
	tbl.Rows()[0].To = "x"
	if tbl.States()[0] != "a" || tbl.Events()[0] != "go" || tbl.Rows()[0].To != "b" {
		t.Error("a list handed out changed the table")
	}
}

func TestTableMermaid(t *testing.T) {
	want := strings.Join([]string{
		"stateDiagram-v2",
		"    [*] --> a",
		"    a --> b : go",
		"    b --> c : go",
		"    b --> a : back",
		"    b --> b : stay",
		"    c --> [*]",
		"",
	}, "\n")
	if got := small().Mermaid(); got != want {
		t.Errorf("Mermaid:\n%s\nwant:\n%s", got, want)
	}
}

func TestTableReachable(t *testing.T) {
	tbl := small()
	for _, tc := range []struct {
		from state
		want []state
	}{
		{"a", []state{"a", "b", "c"}},
		{"b", []state{"a", "b", "c"}},
		{"c", []state{"c"}},
	} {
		got := tbl.Reachable(tc.from)
		if len(got) != len(tc.want) {
			t.Errorf("from %s: %v, want %v", tc.from, got, tc.want)
		}
		for _, s := range tc.want {
			if !got[s] {
				t.Errorf("from %s: %s not reached (%v)", tc.from, s, got)
			}
		}
	}
}

func TestTableCheck(t *testing.T) {
	r := flow.Move[state, event]
	for _, tc := range []struct {
		name  string
		table flow.Table[state, event]
		want  []string // each must appear in the error; none: no error
	}{
		{"finishable", small(), nil},
		{"an island", flow.NewTable[state, event]("a", r("a", "go", "b"), r("x", "go", "b")),
			[]string{"x cannot be reached from a"}},
		{"a trap", flow.NewTable[state, event]("a", r("a", "go", "b"), r("a", "loop", "l"), r("l", "go", "m"), r("m", "go", "l")),
			[]string{"l has no way to a final state", "m has no way to a final state"}},
		{"no end at all", flow.NewTable[state, event]("a", r("a", "go", "b"), r("b", "go", "a")),
			[]string{"no final state", "a has no way to a final state", "b has no way to a final state"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.table.Check()
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("Check = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Check = nil, want %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Check = %q, lacks %q", err, w)
				}
			}
		})
	}
}

func TestNewTableRefusesTwoRowsForOnePair(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic for two rows leaving a on go")
		}
	}()
	flow.NewTable[state, event]("a",
		flow.Move[state, event]("a", "go", "b"),
		flow.Move[state, event]("a", "go", "c"))
}

func TestAdvance(t *testing.T) {
	now := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		state   state
		expires time.Time
		event   event
		want    state
		wantErr error
	}{
		{"moves", "a", now.Add(time.Second), "go", "b", nil},
		{"refused pair", "a", now.Add(time.Second), "back", "a", flow.ErrTransition},
		{"expired at the boundary", "a", now, "go", "a", flow.ErrExpired},
		{"expired beats a refused pair", "c", now.Add(-time.Hour), "go", "c", flow.ErrExpired},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := flow.Flow{ID: "flw_1", State: string(tc.state), ExpiresAt: tc.expires}
			err := flow.Advance(&f, now, small(), tc.event)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("Advance = %v, want %v", err, tc.wantErr)
			}
			if f.State != string(tc.want) {
				t.Errorf("state %s, want %s", f.State, tc.want)
			}
		})
	}
}

// TestNewTableFrom: a table written a state at a time is the table of the
// same rows written one by one.
func TestNewTableFrom(t *testing.T) {
	from, on := flow.From[state, event], flow.On[state, event]
	tbl := flow.NewTableFrom("a",
		from("a", on("go", "b")),
		from("b", on("go", "c"), on("back", "a"), on("stay", "b")),
		from("c"))
	if !slices.Equal(tbl.Rows(), small().Rows()) || tbl.Mermaid() != small().Mermaid() {
		t.Errorf("Rows = %v, want %v", tbl.Rows(), small().Rows())
	}
}
