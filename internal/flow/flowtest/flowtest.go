package flowtest

import (
	"context"
	"errors"
	"reflect"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/clock/clocktest"
	"github.com/carekey/carekey/internal/flow"
)

// Run checks that a flow.Store keeps the contract. open returns a fresh,
// empty store that reads the time from clk.
func Run(t *testing.T, open func(t *testing.T, clk *clocktest.Clock) flow.Store) {
	for _, tc := range []struct {
		name string
		run  func(*testing.T, *clocktest.Clock, flow.Store)
	}{
		{"NotFoundIsSentinel", testNotFound},
		{"CreateConflict", testCreateConflict},
		{"RoundTrip", testRoundTrip},
		{"RoundTripEmpty", testRoundTripEmpty},
		{"Update", testUpdate},
		{"UpdateFnError", testUpdateFnError},
		{"ExpiryAndGrace", testExpiryAndGrace},
		{"UpdateConcurrent", testUpdateConcurrent},
		{"ConsumeCodeConcurrent", testConsumeCodeConcurrent},
		{"DeleteIdempotent", testDeleteIdempotent},
		{"CancelledContext", testCancelledContext},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := clocktest.New(start)
			tc.run(t, clk, open(t, clk))
		})
	}
}

// start has a non-UTC zone and nanoseconds, so that round trips prove the
// conversion to UTC and that no precision is lost.
var start = time.Date(2025, 3, 3, 9, 0, 0, 123456789, time.FixedZone("CET", 3600))

// grace is how long the contract's backends keep an expired flow readable.
const grace = time.Hour

const lifetime = 30 * time.Minute

func newFlow(clk *clocktest.Clock, id string) flow.Flow {
	now := clk.Now()
	return flow.Flow{
		ID:        id,
		Kind:      "register",
		State:     "profile",
		CSRFHash:  []byte{1, 2, 3},
		CreatedAt: now,
		ExpiresAt: now.Add(lifetime),
	}
}

// inUTC is f as a store returns it: times in UTC.
func inUTC(f flow.Flow) flow.Flow {
	f.CreatedAt = f.CreatedAt.UTC()
	f.ExpiresAt = f.ExpiresAt.UTC()
	if f.Code != nil {
		c := *f.Code
		c.ExpiresAt = c.ExpiresAt.UTC()
		c.LastSentAt = c.LastSentAt.UTC()
		f.Code = &c
	}
	return f
}

func mustCreate(t *testing.T, st flow.Store, f flow.Flow) {
	t.Helper()
	if err := st.Create(t.Context(), f); err != nil {
		t.Fatalf("Create(%s): %v", f.ID, err)
	}
}

func mustGet(t *testing.T, st flow.Store, id string) flow.Flow {
	t.Helper()
	f, err := st.Get(t.Context(), id)
	if err != nil {
		t.Fatalf("Get(%s): %v", id, err)
	}
	return f
}

func checkFlow(t *testing.T, name string, have, want flow.Flow) {
	t.Helper()
	if !reflect.DeepEqual(have, want) {
		t.Errorf("%s:\nhave %+v (code %+v)\nwant %+v (code %+v)", name, have, have.Code, want, want.Code)
	}
	times := []time.Time{have.CreatedAt, have.ExpiresAt}
	if have.Code != nil {
		times = append(times, have.Code.ExpiresAt, have.Code.LastSentAt)
	}
	for _, tm := range times {
		if !tm.IsZero() && tm.Location() != time.UTC {
			t.Errorf("%s: time %v not in UTC", name, tm)
		}
	}
}

func checkIs(t *testing.T, name string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: err = %v, want %v", name, err, want)
	}
}

func testNotFound(t *testing.T, _ *clocktest.Clock, st flow.Store) {
	_, err := st.Get(t.Context(), "missing")
	checkIs(t, "Get", err, flow.ErrNotFound)
	called := false
	_, err = st.Update(t.Context(), "missing", func(*flow.Flow) error { called = true; return nil })
	checkIs(t, "Update", err, flow.ErrNotFound)
	if called {
		t.Error("Update called fn on a missing flow")
	}
}

func testCreateConflict(t *testing.T, clk *clocktest.Clock, st flow.Store) {
	f := newFlow(clk, "f1")
	mustCreate(t, st, f)
	other := newFlow(clk, "f1")
	other.Kind = "signin"
	checkIs(t, "Create with a taken ID", st.Create(t.Context(), other), flow.ErrConflict)
	if have := mustGet(t, st, "f1"); have.Kind != "register" {
		t.Errorf("Kind = %q after a refused Create, want register", have.Kind)
	}
}

func testRoundTrip(t *testing.T, clk *clocktest.Clock, st flow.Store) {
	now := clk.Now()
	f := flow.Flow{
		ID:       "f1",
		Kind:     "signin",
		State:    "code",
		Version:  7, // the store sets 1
		CSRFHash: []byte{0, 1, 2, 254, 255},
		Code: &flow.Code{
			HMAC:       []byte{9, 8, 7, 0},
			Channel:    "sms",
			Target:     "+447700900047",
			ExpiresAt:  now.Add(5 * time.Minute),
			Attempts:   2,
			Sends:      3,
			LastSentAt: now.Add(-time.Nanosecond),
		},
		Data:      map[string]string{"user_id": "usr_01", "auth_request": "ar_1", "empty": ""},
		CreatedAt: now.Add(-time.Second),
		ExpiresAt: now.Add(lifetime),
	}
	mustCreate(t, st, f)
	want := inUTC(f)
	want.Version = 1
	checkFlow(t, "Get", mustGet(t, st, "f1"), want)
}

func testRoundTripEmpty(t *testing.T, clk *clocktest.Clock, st flow.Store) {
	f := flow.Flow{ID: "f1", ExpiresAt: clk.Now().Add(lifetime)}
	mustCreate(t, st, f)
	want := inUTC(f)
	want.Version = 1
	checkFlow(t, "Get", mustGet(t, st, "f1"), want)
}

func testUpdate(t *testing.T, clk *clocktest.Clock, st flow.Store) {
	f := newFlow(clk, "f1")
	f.Data = map[string]string{"keep": "me"}
	mustCreate(t, st, f)
	clk.Advance(time.Minute)
	sent := clk.Now()
	have, err := st.Update(t.Context(), "f1", func(f *flow.Flow) error {
		f.State = "verify_email"
		f.Data["email"] = "penny@example.com"
		f.Code = &flow.Code{HMAC: []byte{1}, Channel: "email", ExpiresAt: sent.Add(lifetime), Sends: 1, LastSentAt: sent}
		f.Version = 100 // the store owns Version
		f.ID = "other"  // and the ID
		return nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	want := inUTC(f)
	want.Version = 2
	want.State = "verify_email"
	want.Data = map[string]string{"keep": "me", "email": "penny@example.com"}
	want.Code = &flow.Code{HMAC: []byte{1}, Channel: "email", ExpiresAt: sent.Add(lifetime).UTC(), Sends: 1, LastSentAt: sent.UTC()}
	checkFlow(t, "Update result", have, want)
	checkFlow(t, "Get after Update", mustGet(t, st, "f1"), want)
	_, err = st.Get(t.Context(), "other")
	checkIs(t, "Get(other): fn changed the ID", err, flow.ErrNotFound)

	have, err = st.Update(t.Context(), "f1", func(f *flow.Flow) error { f.Code = nil; return nil })
	if err != nil {
		t.Fatalf("second Update: %v", err)
	}
	want.Version, want.Code = 3, nil
	checkFlow(t, "second Update result", have, want)
	checkFlow(t, "Get after second Update", mustGet(t, st, "f1"), want)
}

func testUpdateFnError(t *testing.T, clk *clocktest.Clock, st flow.Store) {
	f := newFlow(clk, "f1")
	mustCreate(t, st, f)
	errStop := errors.New("stop")
	_, err := st.Update(t.Context(), "f1", func(f *flow.Flow) error {
		f.State = "changed"
		f.CSRFHash[0] = 99 // changing the copy fn was given must not reach the store
		return errStop
	})
	checkIs(t, "Update with a failing fn", err, errStop)
	want := inUTC(f)
	want.Version = 1
	checkFlow(t, "Get after a failing fn", mustGet(t, st, "f1"), want)
}

func testExpiryAndGrace(t *testing.T, clk *clocktest.Clock, st flow.Store) {
	f := newFlow(clk, "f1")
	mustCreate(t, st, f)
	for _, tc := range []struct {
		name      string
		have      time.Time
		wantFound bool
		wantValid bool
	}{
		{"1ns before ExpiresAt", f.ExpiresAt.Add(-time.Nanosecond), true, true},
		{"at ExpiresAt", f.ExpiresAt, true, false},
		{"1ns before the grace period ends", f.ExpiresAt.Add(grace - time.Nanosecond), true, false},
		{"at the end of the grace period", f.ExpiresAt.Add(grace), false, false},
	} {
		clk.Set(tc.have)
		have, err := st.Get(t.Context(), "f1")
		switch {
		case tc.wantFound && err != nil:
			t.Errorf("%s: Get: %v", tc.name, err)
		case tc.wantFound && have.Valid(clk.Now()) != tc.wantValid:
			t.Errorf("%s: Valid = %v, want %v", tc.name, have.Valid(clk.Now()), tc.wantValid)
		case !tc.wantFound:
			checkIs(t, tc.name+": Get", err, flow.ErrNotFound)
			_, err := st.Update(t.Context(), "f1", func(*flow.Flow) error { return nil })
			checkIs(t, tc.name+": Update", err, flow.ErrNotFound)
		}
	}
}

func testUpdateConcurrent(t *testing.T, clk *clocktest.Clock, st flow.Store) {
	const n = 20
	mustCreate(t, st, newFlow(clk, "f1"))
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = st.Update(t.Context(), "f1", func(f *flow.Flow) error {
				c, _ := strconv.Atoi(f.Data["n"])
				if f.Data == nil {
					f.Data = make(map[string]string)
				}
				f.Data["n"] = strconv.Itoa(c + 1)
				return nil
			})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Update %d: %v", i, err)
		}
	}
	have := mustGet(t, st, "f1")
	if have.Data["n"] != strconv.Itoa(n) || have.Version != n+1 {
		t.Errorf("after %d Updates: n = %s, Version = %d; want %d, %d (a lost update)", n, have.Data["n"], have.Version, n, n+1)
	}
}

func testConsumeCodeConcurrent(t *testing.T, clk *clocktest.Clock, st flow.Store) {
	const n = 20
	f := newFlow(clk, "f1")
	f.Code = &flow.Code{HMAC: []byte{1, 2}, Channel: "email", ExpiresAt: clk.Now().Add(lifetime)}
	mustCreate(t, st, f)
	errNoCode := errors.New("no code")
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = st.Update(t.Context(), "f1", func(f *flow.Flow) error {
				if f.Code == nil {
					return errNoCode
				}
				f.Code, f.State = nil, "done"
				return nil
			})
		})
	}
	wg.Wait()
	wins := 0
	for i, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, errNoCode):
			t.Errorf("Update %d: err = %v, want nil or fn's error", i, err)
		}
	}
	if wins != 1 {
		t.Errorf("%d of %d concurrent Updates consumed the code, want exactly 1", wins, n)
	}
	if have := mustGet(t, st, "f1"); have.Code != nil || have.State != "done" || have.Version != 2 {
		t.Errorf("after consuming: Code = %+v, State = %q, Version = %d; want nil, done, 2", have.Code, have.State, have.Version)
	}
}

func testDeleteIdempotent(t *testing.T, clk *clocktest.Clock, st flow.Store) {
	mustCreate(t, st, newFlow(clk, "f1"))
	for i := range 2 {
		if err := st.Delete(t.Context(), "f1"); err != nil {
			t.Fatalf("Delete %d: %v", i+1, err)
		}
	}
	_, err := st.Get(t.Context(), "f1")
	checkIs(t, "Get after Delete", err, flow.ErrNotFound)
	if err := st.Delete(t.Context(), "never"); err != nil {
		t.Errorf("Delete(never) = %v, want nil", err)
	}
	mustCreate(t, st, newFlow(clk, "f1")) // the ID is free again
}

func testCancelledContext(t *testing.T, clk *clocktest.Clock, st flow.Store) {
	mustCreate(t, st, newFlow(clk, "f1"))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"Create", func() error { return st.Create(ctx, newFlow(clk, "f2")) }},
		{"Get", func() error { _, err := st.Get(ctx, "f1"); return err }},
		{"Update", func() error {
			_, err := st.Update(ctx, "f1", func(f *flow.Flow) error { f.State = "x"; return nil })
			return err
		}},
		{"Delete", func() error { return st.Delete(ctx, "f1") }},
	} {
		if err := tc.call(); !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context: err = %v, want context.Canceled", tc.name, err)
		}
	}
	if have := mustGet(t, st, "f1"); have.Version != 1 || have.State != "profile" {
		t.Errorf("after cancelled calls: Version = %d, State = %q; want 1, profile", have.Version, have.State)
	}
}
