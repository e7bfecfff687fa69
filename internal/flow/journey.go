package flow

import (
	"context"
	"fmt"
	"time"

	"github.com/carekey/carekey/internal/clock"
)

// DefaultTTL is how long a journey's flow lives when Journey.TTL is zero.
const DefaultTTL = time.Hour

// Journey starts flows of one kind and moves them through the kind's
// transition table: the part every journey service shares. Each service
// keeps its own steps (what a move stores, sends or checks) and calls Start
// and Update for the rest.
type Journey[S, E ~string] struct {
	Kind  string        // Flow.Kind
	Table Table[S, E]   // the moves
	Flows Store         // where the flows are kept
	Clock clock.Clock   // expiry is judged by it
	TTL   time.Duration // optional: DefaultTTL
}

// Start creates the flow id (a new random ID) at the table's start, bound
// to the browser by csrfHash (the hash of the CSRF token it holds), holding
// data (nil: none) and expiring TTL from now.
func (j Journey[S, E]) Start(ctx context.Context, id string, csrfHash []byte, data map[string]string) (Flow, error) {
	now := j.Clock.Now()
	ttl := j.TTL
	if ttl == 0 {
		ttl = DefaultTTL
	}
	f := Flow{ID: id, Kind: j.Kind, State: string(j.Table.Start()), CSRFHash: csrfHash, Data: map[string]string{},
		CreatedAt: now, ExpiresAt: now.Add(ttl)}
	for k, v := range data {
		f.Data[k] = v
	}
	if err := j.Flows.Create(ctx, f); err != nil {
		return f, fmt.Errorf("create %s flow: %w", j.Kind, err)
	}
	return f, nil
}

// Load returns flow id if e applies in its state, to check a step's own
// limits before the compare-and-swap (Update) that takes it; an error
// wrapping ErrTransition otherwise, or the store's (ErrNotFound). It does
// not judge expiry: Update does.
func (j Journey[S, E]) Load(ctx context.Context, id string, e E) (Flow, error) {
	return j.load(ctx, id, e, time.Time{})
}

// Check is Load that judges expiry too, as Update will (ErrExpired first,
// then ErrTransition): for a step whose own checks are costly (a password
// hashed) and must not run for a flow the compare-and-swap would refuse.
func (j Journey[S, E]) Check(ctx context.Context, id string, e E) (Flow, error) {
	return j.load(ctx, id, e, j.Clock.Now())
}

// load reads flow id and checks that e moves it, judging expiry at now
// unless now is zero.
func (j Journey[S, E]) load(ctx context.Context, id string, e E, now time.Time) (Flow, error) {
	f, err := j.Flows.Get(ctx, id)
	if err != nil {
		return f, fmt.Errorf("load flow %s: %w", id, err)
	}
	if !now.IsZero() {
		probe := f
		return f, Advance(&probe, now, j.Table, e)
	}
	_, err = j.Table.Next(S(f.State), e)
	return f, err
}

// Update applies e to flow id in one compare-and-swap: Advance (ErrExpired,
// ErrTransition), then change, if not nil, edits the moved flow (like the
// fn of Store.Update, it may run more than once and must only change f). An
// error from either saves nothing and is returned, wrapped by the store.
func (j Journey[S, E]) Update(ctx context.Context, id string, e E, change func(f *Flow) error) (Flow, error) {
	now := j.Clock.Now()
	return j.Flows.Update(ctx, id, func(f *Flow) error {
		if err := Advance(f, now, j.Table, e); err != nil {
			return err
		}
		if change != nil {
			return change(f)
		}
		return nil
	})
}

// Do is Update for a step that needs nothing back: change (nil: none) edits
// the moved flow, and an error names the event and the flow.
func (j Journey[S, E]) Do(ctx context.Context, id string, e E, change func(f *Flow)) error {
	_, err := j.Update(ctx, id, e, func(f *Flow) error {
		if change != nil {
			change(f)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s in flow %s: %w", e, id, err)
	}
	return nil
}
