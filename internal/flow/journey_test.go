package flow_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/clock/clocktest"
	"github.com/carekey/carekey/internal/flow"
	"github.com/carekey/carekey/internal/flow/memflow"
)

func TestJourneyStartAndUpdate(t *testing.T) {
	clk := clocktest.New(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	j := flow.Journey[state, event]{Kind: "test", Table: small(), Flows: memflow.New(clk), Clock: clk, TTL: 10 * time.Minute}
	ctx := t.Context()

	data := map[string]string{"k": "v"}
	f, err := j.Start(ctx, "flw_1", []byte("hash"), data)
	if err != nil {
		t.Fatal(err)
	}
	data["k"] = "changed" // the flow holds its own copy
	got, err := j.Flows.Get(ctx, "flw_1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Kind != "test" || got.State != "a" || string(got.CSRFHash) != "hash" || got.Data["k"] != "v" ||
		!got.CreatedAt.Equal(clk.Now()) || !got.ExpiresAt.Equal(clk.Now().Add(10*time.Minute)) || f.ID != "flw_1" {
		t.Fatalf("started %+v", got)
	}
	if _, err := j.Start(ctx, "flw_1", nil, nil); !errors.Is(err, flow.ErrConflict) {
		t.Errorf("second Start with one ID: %v, want ErrConflict", err)
	}

	// A move and its change are saved together.
	got, err = j.Update(ctx, "flw_1", "go", func(f *flow.Flow) error { f.Set("moved", "1"); return nil })
	if err != nil || got.State != "b" || got.Data["moved"] != "1" {
		t.Fatalf("Update = %+v, %v", got, err)
	}
	// A refused pair saves nothing and never runs change.
	ran := false
	if _, err := j.Update(ctx, "flw_1", "nope", func(*flow.Flow) error { ran = true; return nil }); !errors.Is(err, flow.ErrTransition) || ran {
		t.Errorf("refused pair: %v (change ran: %v)", err, ran)
	}
	// A change that fails saves nothing, the move included.
	boom := errors.New("boom")
	if _, err := j.Update(ctx, "flw_1", "go", func(*flow.Flow) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("failing change: %v", err)
	}
	if got, _ := j.Flows.Get(ctx, "flw_1"); got.State != "b" {
		t.Errorf("state %s after refused updates, want b", got.State)
	}
	// At ExpiresAt the flow is expired: nothing moves.
	clk.Advance(10 * time.Minute)
	if _, err := j.Update(ctx, "flw_1", "go", nil); !errors.Is(err, flow.ErrExpired) {
		t.Errorf("expired flow: %v, want ErrExpired", err)
	}
}

func TestJourneyLoad(t *testing.T) {
	clk := clocktest.New(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	j := flow.Journey[state, event]{Kind: "test", Table: small(), Flows: memflow.New(clk), Clock: clk}
	if _, err := j.Start(t.Context(), "flw_3", nil, nil); err != nil {
		t.Fatal(err)
	}
	if f, err := j.Load(t.Context(), "flw_3", "go"); err != nil || f.ID != "flw_3" {
		t.Errorf("Load for an event that applies: %+v, %v", f, err)
	}
	if _, err := j.Load(t.Context(), "flw_3", "back"); !errors.Is(err, flow.ErrTransition) {
		t.Errorf("Load for an event that does not apply: %v, want ErrTransition", err)
	}
	if _, err := j.Load(t.Context(), "flw_none", "go"); !errors.Is(err, flow.ErrNotFound) {
		t.Errorf("Load of a missing flow: %v, want ErrNotFound", err)
	}
	// Load leaves expiry to Update (the store keeps an expired flow
	// readable for a while).
	clk.Advance(flow.DefaultTTL + time.Minute)
	if _, err := j.Load(t.Context(), "flw_3", "go"); err != nil {
		t.Errorf("Load of an expired flow: %v, want it loaded", err)
	}
}

func TestJourneyDefaultTTL(t *testing.T) {
	clk := clocktest.New(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	j := flow.Journey[state, event]{Kind: "test", Table: small(), Flows: memflow.New(clk), Clock: clk}
	f, err := j.Start(t.Context(), "flw_2", nil, nil)
	if err != nil || !f.ExpiresAt.Equal(clk.Now().Add(flow.DefaultTTL)) || f.Data == nil {
		t.Fatalf("Start = %+v, %v; want ExpiresAt an hour on and empty data", f, err)
	}
}

func TestJourneyCheck(t *testing.T) {
	clk := clocktest.New(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	j := flow.Journey[state, event]{Kind: "test", Table: small(), Flows: memflow.New(clk), Clock: clk}
	if _, err := j.Start(t.Context(), "flw_4", nil, nil); err != nil {
		t.Fatal(err)
	}
	if f, err := j.Check(t.Context(), "flw_4", "go"); err != nil || f.ID != "flw_4" || f.State != "a" {
		t.Errorf("Check for an event that applies: %+v, %v", f, err)
	}
	if _, err := j.Check(t.Context(), "flw_4", "back"); !errors.Is(err, flow.ErrTransition) {
		t.Errorf("Check for an event that does not apply: %v, want ErrTransition", err)
	}
	if _, err := j.Check(t.Context(), "flw_none", "go"); !errors.Is(err, flow.ErrNotFound) {
		t.Errorf("Check of a missing flow: %v, want ErrNotFound", err)
	}
	// Unlike Load, Check judges expiry, before the transition, as Update.
	clk.Advance(flow.DefaultTTL)
	for _, e := range []event{"go", "back"} {
		if _, err := j.Check(t.Context(), "flw_4", e); !errors.Is(err, flow.ErrExpired) {
			t.Errorf("Check(%s) of an expired flow: %v, want ErrExpired", e, err)
		}
	}
	if f, _ := j.Flows.Get(t.Context(), "flw_4"); f.State != "a" {
		t.Errorf("Check moved the flow to %s", f.State)
	}
}

func TestJourneyDo(t *testing.T) {
	clk := clocktest.New(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	j := flow.Journey[state, event]{Kind: "test", Table: small(), Flows: memflow.New(clk), Clock: clk}
	if _, err := j.Start(t.Context(), "flw_5", nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := j.Do(t.Context(), "flw_5", "go", func(f *flow.Flow) { f.Set("k", "v") }); err != nil {
		t.Fatal(err)
	}
	if err := j.Do(t.Context(), "flw_5", "stay", nil); err != nil {
		t.Fatal(err)
	}
	if f, _ := j.Flows.Get(t.Context(), "flw_5"); f.State != "b" || f.Data["k"] != "v" {
		t.Errorf("after Do: state %s, data %v; want b and k=v", f.State, f.Data)
	}
	err := j.Do(t.Context(), "flw_5", "nowhere", func(f *flow.Flow) { f.Set("k", "changed") })
	if !errors.Is(err, flow.ErrTransition) || !strings.Contains(err.Error(), "nowhere in flow flw_5") {
		t.Errorf("Do of an event that does not apply: %v, want ErrTransition naming it", err)
	}
	if f, _ := j.Flows.Get(t.Context(), "flw_5"); f.Data["k"] != "v" {
		t.Errorf("a refused Do changed the flow: %v", f.Data)
	}
}
