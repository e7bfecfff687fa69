package sessiontest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/clock/clocktest"
	"github.com/carekey/carekey/internal/session"
)

// Run checks that a session.Store keeps the contract. open returns a fresh,
// empty store that reads the time from clk.
func Run(t *testing.T, open func(t *testing.T, clk *clocktest.Clock) session.Store) {
	for _, tc := range []struct {
		name string
		run  func(*testing.T, *clocktest.Clock, session.Store)
	}{
		{"NotFoundIsSentinel", testNotFound},
		{"CreateTaken", testCreateTaken},
		{"RoundTrip", testRoundTrip},
		{"RoundTripEmpty", testRoundTripEmpty},
		{"IdleBoundary", testIdleBoundary},
		{"AbsoluteBoundary", testAbsoluteBoundary},
		{"TouchSlides", testTouchSlides},
		{"AddClientSet", testAddClientSet},
		{"AddClientConcurrent", testAddClientConcurrent},
		{"DeleteIdempotent", testDeleteIdempotent},
		{"ListByUser", testListByUser},
		{"DeleteByUser", testDeleteByUser},
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

const (
	idle     = 15 * time.Minute
	absolute = 2 * time.Hour
)

// newSession is a session of userID that starts at the clock's now, with the
// design's idle timeout and a short absolute one.
func newSession(clk *clocktest.Clock, id, userID string) session.Session {
	now := clk.Now()
	return session.Session{
		ID:          id,
		UserID:      userID,
		AuthTime:    now,
		AMR:         []string{"pwd", "sms", "mfa"},
		CreatedAt:   now,
		LastSeen:    now,
		IdleTimeout: idle,
		ExpiresAt:   now.Add(absolute),
	}
}

// inUTC is s as a store returns it: times in UTC.
func inUTC(s session.Session) session.Session {
	s.AuthTime = s.AuthTime.UTC()
	s.CreatedAt = s.CreatedAt.UTC()
	s.LastSeen = s.LastSeen.UTC()
	s.ExpiresAt = s.ExpiresAt.UTC()
	return s
}

func mustCreate(t *testing.T, st session.Store, s session.Session) {
	t.Helper()
	if err := st.Create(t.Context(), s); err != nil {
		t.Fatalf("Create(%s): %v", s.ID, err)
	}
}

func checkSession(t *testing.T, name string, have, want session.Session) {
	t.Helper()
	if !reflect.DeepEqual(have, want) {
		t.Errorf("%s:\nhave %+v\nwant %+v", name, have, want)
	}
	for _, tm := range []time.Time{have.AuthTime, have.CreatedAt, have.LastSeen, have.ExpiresAt} {
		if !tm.IsZero() && tm.Location() != time.UTC {
			t.Errorf("%s: time %v not in UTC", name, tm)
		}
	}
}

func checkNotFound(t *testing.T, name string, err error) {
	t.Helper()
	if !errors.Is(err, session.ErrNotFound) {
		t.Errorf("%s: err = %v, want session.ErrNotFound", name, err)
	}
}

func ids(l []session.Session) []string {
	out := make([]string, 0, len(l))
	for _, s := range l {
		out = append(out, s.ID)
	}
	return out
}

func testNotFound(t *testing.T, _ *clocktest.Clock, st session.Store) {
	ctx := t.Context()
	_, err := st.Get(ctx, "missing")
	checkNotFound(t, "Get", err)
	_, err = st.Touch(ctx, "missing")
	checkNotFound(t, "Touch", err)
	checkNotFound(t, "AddClient", st.AddClient(ctx, "missing", "rp"))
	if l, err := st.ListByUser(ctx, "nobody"); err != nil || len(l) != 0 {
		t.Errorf("ListByUser(nobody) = %v, %v; want none, nil", l, err)
	}
	if l, err := st.DeleteByUser(ctx, "nobody"); err != nil || len(l) != 0 {
		t.Errorf("DeleteByUser(nobody) = %v, %v; want none, nil", l, err)
	}
}

func testCreateTaken(t *testing.T, clk *clocktest.Clock, st session.Store) {
	s := newSession(clk, "s1", "u1")
	mustCreate(t, st, s)
	other := newSession(clk, "s1", "u2")
	if err := st.Create(t.Context(), other); err == nil {
		t.Fatal("Create with a taken ID: err = nil")
	}
	have, err := st.Get(t.Context(), "s1")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if have.UserID != "u1" {
		t.Errorf("UserID = %q after a refused Create, want u1", have.UserID)
	}
	if l, _ := st.ListByUser(t.Context(), "u2"); len(l) != 0 {
		t.Errorf("ListByUser(u2) = %v after a refused Create, want none", ids(l))
	}
}

func testRoundTrip(t *testing.T, clk *clocktest.Clock, st session.Store) {
	now := clk.Now()
	s := session.Session{
		ID:          "s1",
		UserID:      "usr_01",
		AuthTime:    now.Add(-time.Second),
		AMR:         []string{"pwd", "tel", "mfa"},
		Clients:     []string{"dashboard", "dev-public"},
		CreatedAt:   now.Add(-time.Millisecond),
		LastSeen:    now.Add(-time.Nanosecond),
		IdleTimeout: idle + time.Nanosecond,
		ExpiresAt:   now.Add(12 * time.Hour),
	}
	mustCreate(t, st, s)
	have, err := st.Get(t.Context(), s.ID)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	checkSession(t, "Get", have, inUTC(s))
	l, err := st.ListByUser(t.Context(), s.UserID)
	if err != nil || len(l) != 1 {
		t.Fatalf("ListByUser = %v, %v; want one session", ids(l), err)
	}
	checkSession(t, "ListByUser", l[0], inUTC(s))
}

func testRoundTripEmpty(t *testing.T, clk *clocktest.Clock, st session.Store) {
	now := clk.Now()
	s := session.Session{ID: "s1", UserID: "u1", LastSeen: now, IdleTimeout: idle, ExpiresAt: now.Add(absolute)}
	mustCreate(t, st, s)
	have, err := st.Get(t.Context(), s.ID)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	checkSession(t, "Get", have, inUTC(s))
}

func testIdleBoundary(t *testing.T, clk *clocktest.Clock, st session.Store) {
	ctx := t.Context()
	mustCreate(t, st, newSession(clk, "s1", "u1"))
	clk.Advance(idle - time.Nanosecond)
	if _, err := st.Get(ctx, "s1"); err != nil {
		t.Fatalf("Get 1ns before the idle timeout: %v", err)
	}
	clk.Advance(time.Nanosecond)
	_, err := st.Get(ctx, "s1")
	checkNotFound(t, "Get at the idle timeout", err)
	_, err = st.Touch(ctx, "s1")
	checkNotFound(t, "Touch at the idle timeout", err)
	checkNotFound(t, "AddClient at the idle timeout", st.AddClient(ctx, "s1", "rp"))
	if l, err := st.ListByUser(ctx, "u1"); err != nil || len(l) != 0 {
		t.Errorf("ListByUser at the idle timeout = %v, %v; want none", ids(l), err)
	}
}

func testAbsoluteBoundary(t *testing.T, clk *clocktest.Clock, st session.Store) {
	ctx := t.Context()
	s := newSession(clk, "s1", "u1")
	mustCreate(t, st, s)
	step := idle - time.Second // 14m59s
	touches := 0
	for clk.Now().Add(step).Before(s.ExpiresAt) {
		clk.Advance(step)
		have, err := st.Touch(ctx, "s1")
		if err != nil {
			t.Fatalf("Touch %d at %v: %v", touches+1, clk.Now(), err)
		}
		if !have.LastSeen.Equal(clk.Now()) {
			t.Fatalf("Touch: LastSeen = %v, want %v", have.LastSeen, clk.Now())
		}
		touches++
	}
	if touches < 4 {
		t.Fatalf("only %d touches; the test is not testing the sliding timeout", touches)
	}
	clk.Set(s.ExpiresAt.Add(-time.Nanosecond))
	if _, err := st.Get(ctx, "s1"); err != nil {
		t.Fatalf("Get 1ns before ExpiresAt: %v", err)
	}
	clk.Set(s.ExpiresAt)
	_, err := st.Get(ctx, "s1")
	checkNotFound(t, "Get at ExpiresAt, though touched recently", err)
	_, err = st.Touch(ctx, "s1")
	checkNotFound(t, "Touch at ExpiresAt", err)
}

func testTouchSlides(t *testing.T, clk *clocktest.Clock, st session.Store) {
	ctx := t.Context()
	s := newSession(clk, "s1", "u1")
	mustCreate(t, st, s)

	clk.Advance(10 * time.Minute)
	if _, err := st.Get(ctx, "s1"); err != nil { // must not slide
		t.Fatalf("Get: %v", err)
	}
	touched, err := st.Touch(ctx, "s1")
	if err != nil {
		t.Fatalf("Touch: %v", err)
	}
	want := inUTC(s)
	want.LastSeen = clk.Now().UTC()
	checkSession(t, "Touch", touched, want)
	have, err := st.Get(ctx, "s1")
	if err != nil {
		t.Fatalf("Get after Touch: %v", err)
	}
	checkSession(t, "Get after Touch", have, want)

	// Get at 10m did not slide; Touch at 10m did, so at 24m59s it is alive.
	clk.Set(want.LastSeen.Add(idle - time.Nanosecond))
	if _, err := st.Get(ctx, "s1"); err != nil {
		t.Fatalf("Get 1ns before the touched idle timeout: %v", err)
	}
	clk.Advance(time.Nanosecond)
	_, err = st.Get(ctx, "s1")
	checkNotFound(t, "Get at the touched idle timeout", err)

	// Get alone never slides.
	s2 := newSession(clk, "s2", "u1")
	mustCreate(t, st, s2)
	clk.Advance(idle / 2)
	if _, err := st.Get(ctx, "s2"); err != nil {
		t.Fatalf("Get s2: %v", err)
	}
	clk.Advance(idle / 2)
	_, err = st.Get(ctx, "s2")
	checkNotFound(t, "Get s2 after an idle timeout with only a Get", err)
}

func testAddClientSet(t *testing.T, clk *clocktest.Clock, st session.Store) {
	ctx := t.Context()
	s := newSession(clk, "s1", "u1")
	mustCreate(t, st, s)
	for _, c := range []string{"a", "b", "a", "c", "b"} {
		if err := st.AddClient(ctx, "s1", c); err != nil {
			t.Fatalf("AddClient(%s): %v", c, err)
		}
	}
	have, err := st.Get(ctx, "s1")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	want := inUTC(s)
	want.Clients = []string{"a", "b", "c"}
	checkSession(t, "Get", have, want) // AddClient changes nothing else, nor slides
}

func testAddClientConcurrent(t *testing.T, clk *clocktest.Clock, st session.Store) {
	const n = 20
	mustCreate(t, st, newSession(clk, "s1", "u1"))
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { errs[i] = st.AddClient(t.Context(), "s1", fmt.Sprintf("rp%02d", i)) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("AddClient %d: %v", i, err)
		}
	}
	have, err := st.Get(t.Context(), "s1")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	got := slices.Sorted(slices.Values(have.Clients))
	var want []string
	for i := range n {
		want = append(want, fmt.Sprintf("rp%02d", i))
	}
	if !slices.Equal(got, want) {
		t.Errorf("Clients = %v, want %v (a lost update)", got, want)
	}
}

func testDeleteIdempotent(t *testing.T, clk *clocktest.Clock, st session.Store) {
	ctx := t.Context()
	mustCreate(t, st, newSession(clk, "s1", "u1"))
	for i := range 2 {
		if err := st.Delete(ctx, "s1"); err != nil {
			t.Fatalf("Delete %d: %v", i+1, err)
		}
	}
	_, err := st.Get(ctx, "s1")
	checkNotFound(t, "Get after Delete", err)
	if l, err := st.ListByUser(ctx, "u1"); err != nil || len(l) != 0 {
		t.Errorf("ListByUser after Delete = %v, %v; want none", ids(l), err)
	}
	if err := st.Delete(ctx, "never"); err != nil {
		t.Errorf("Delete(never) = %v, want nil", err)
	}
}

func testListByUser(t *testing.T, clk *clocktest.Clock, st session.Store) {
	ctx := t.Context()
	a1 := newSession(clk, "a1", "alice")
	mustCreate(t, st, a1)
	short := newSession(clk, "a-short", "alice")
	short.IdleTimeout = time.Minute
	mustCreate(t, st, short)
	clk.Advance(time.Minute)
	a2 := newSession(clk, "a2", "alice")
	mustCreate(t, st, a2)
	mustCreate(t, st, newSession(clk, "b1", "bob"))

	for _, tc := range []struct {
		user string
		want []string
	}{
		{"alice", []string{"a1", "a2"}}, // oldest first; a-short has expired
		{"bob", []string{"b1"}},
		{"carol", nil},
	} {
		l, err := st.ListByUser(ctx, tc.user)
		if err != nil {
			t.Fatalf("ListByUser(%s): %v", tc.user, err)
		}
		if have := ids(l); !slices.Equal(have, tc.want) {
			t.Errorf("ListByUser(%s) = %v, want %v", tc.user, have, tc.want)
		}
	}
	l, _ := st.ListByUser(ctx, "alice")
	if len(l) == 2 {
		checkSession(t, "ListByUser(alice)[1]", l[1], inUTC(a2))
	}
}

func testDeleteByUser(t *testing.T, clk *clocktest.Clock, st session.Store) {
	ctx := t.Context()
	for _, s := range []session.Session{
		newSession(clk, "a1", "alice"),
		newSession(clk, "b1", "bob"),
	} {
		mustCreate(t, st, s)
	}
	gone := newSession(clk, "a-gone", "alice")
	gone.IdleTimeout = time.Minute
	mustCreate(t, st, gone)
	clk.Advance(time.Minute)
	mustCreate(t, st, newSession(clk, "a2", "alice"))
	if err := st.AddClient(ctx, "a2", "dashboard"); err != nil {
		t.Fatalf("AddClient: %v", err)
	}

	l, err := st.DeleteByUser(ctx, "alice")
	if err != nil {
		t.Fatalf("DeleteByUser(alice): %v", err)
	}
	if have, want := ids(l), []string{"a1", "a2"}; !slices.Equal(have, want) {
		t.Errorf("DeleteByUser(alice) returned %v, want %v", have, want)
	}
	if len(l) == 2 && !slices.Equal(l[1].Clients, []string{"dashboard"}) {
		t.Errorf("DeleteByUser(alice)[1].Clients = %v, want [dashboard] (for back-channel logout)", l[1].Clients)
	}
	for _, id := range []string{"a1", "a2", "a-gone"} {
		_, err := st.Get(ctx, id)
		checkNotFound(t, "Get("+id+") after DeleteByUser", err)
	}
	if l, err := st.ListByUser(ctx, "alice"); err != nil || len(l) != 0 {
		t.Errorf("ListByUser(alice) after DeleteByUser = %v, %v; want none", ids(l), err)
	}
	if _, err := st.Get(ctx, "b1"); err != nil {
		t.Errorf("Get(b1), another user's session, after DeleteByUser(alice): %v", err)
	}
	if l, err := st.ListByUser(ctx, "bob"); err != nil || !slices.Equal(ids(l), []string{"b1"}) {
		t.Errorf("ListByUser(bob) = %v, %v; want [b1]", ids(l), err)
	}
	l, err = st.DeleteByUser(ctx, "alice")
	if err != nil || len(l) != 0 {
		t.Errorf("second DeleteByUser(alice) = %v, %v; want none, nil", ids(l), err)
	}
}

func testCancelledContext(t *testing.T, clk *clocktest.Clock, st session.Store) {
	mustCreate(t, st, newSession(clk, "s1", "u1"))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"Create", func() error { return st.Create(ctx, newSession(clk, "s2", "u1")) }},
		{"Get", func() error { _, err := st.Get(ctx, "s1"); return err }},
		{"Touch", func() error { _, err := st.Touch(ctx, "s1"); return err }},
		{"AddClient", func() error { return st.AddClient(ctx, "s1", "rp") }},
		{"Delete", func() error { return st.Delete(ctx, "s1") }},
		{"ListByUser", func() error { _, err := st.ListByUser(ctx, "u1"); return err }},
		{"DeleteByUser", func() error { _, err := st.DeleteByUser(ctx, "u1"); return err }},
	} {
		if err := tc.call(); !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context: err = %v, want context.Canceled", tc.name, err)
		}
	}
	if _, err := st.Get(t.Context(), "s1"); err != nil {
		t.Errorf("Get after cancelled calls: %v (a cancelled call changed the store)", err)
	}
}
