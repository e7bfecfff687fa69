// Package flow defines journey flows: a registration, sign-in or recovery in
// progress, stored as a record with a state, a version for compare-and-swap, an
// expiry, a CSRF token hash and an optional one-time code challenge. Backends
// live in flow/redisflow and flow/memflow and pass flow/flowtest.
//
// It is also the journeys' one engine. Each journey declares its moves as
// a Table of (from, event, to) rows; the table answers Next and Can, lists
// its States and Events, draws itself (Mermaid, the states.mermaid beside
// it) and checks that every state is reachable and can finish (Check).
// Advance applies an event inside a Store.Update fn, after checking expiry
// (ErrExpired, ErrTransition), and a Journey starts and moves the flows of
// one kind:
//
//	func Table() flow.Table[State, Event] {
//		move := flow.Move[State, Event]
//		return flow.NewTable(StateEmail,
//			move(StateEmail, EventSubmitEmail, StateVerify),
//			move(StateVerify, EventSubmitCode, StateDone))
//	}
//
//	j := flow.Journey[State, Event]{Kind: "recovery", Table: Table(), Flows: flows, Clock: clk}
//	f, err := j.Start(ctx, secret.ID("flw_"), csrfHash, nil)
//	_, err = j.Update(ctx, f.ID, EventSubmitEmail, func(f *flow.Flow) error { f.Set("email", addr); return nil })
package flow

import (
	"context"
	"errors"
	"time"
)

// Sentinel errors.
var (
	// ErrNotFound: no flow with that ID.
	ErrNotFound = errors.New("flow: not found")
	// ErrConflict: Create with an ID that is taken, or Update could not win
	// compare-and-swap within its retries.
	ErrConflict = errors.New("flow: conflict")
)

// Flow is one journey in progress.
type Flow struct {
	ID        string
	Kind      string // "signin", "register", "recovery", ...
	State     string
	Version   int64 // set by the store; incremented by every Update
	CSRFHash  []byte
	Code      *Code
	Data      map[string]string // kind-specific data; never plain secrets
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Valid reports whether f has not expired at now (the boundary is expired).
func (f Flow) Valid(now time.Time) bool { return now.Before(f.ExpiresAt) }

// Code is a one-time code challenge: only its HMAC is stored.
type Code struct {
	HMAC       []byte
	Channel    string // "email", "sms", "voice"
	Target     string // where it was sent (normalised), for the audit trail
	ExpiresAt  time.Time
	Attempts   int // wrong or right, counted before comparing
	Sends      int // how many codes this flow has sent
	LastSentAt time.Time
}

// Store keeps flows. An expired flow stays readable (so the user can be told it
// expired) until the backend's grace period after ExpiresAt has passed.
type Store interface {
	// Create stores f with Version 1. Returns ErrConflict if the ID is taken.
	Create(ctx context.Context, f Flow) error
	// Get returns the flow, or ErrNotFound.
	Get(ctx context.Context, id string) (Flow, error)
	// Update calls fn on the flow and saves the result if nobody else saved in
	// between (compare-and-swap on Version), retrying a few times. fn may run
	// more than once, so it must only change f. If fn returns an error nothing
	// is saved and the error is returned (wrapped).
	Update(ctx context.Context, id string, fn func(f *Flow) error) (Flow, error)
	// Delete removes a flow; deleting a missing flow is not an error.
	Delete(ctx context.Context, id string) error
}

// Set stores a value in f.Data, creating the map if the store returned none.
func (f *Flow) Set(key, value string) {
	if f.Data == nil {
		f.Data = map[string]string{}
	}
	f.Data[key] = value
}
