package storetest

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"reflect"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/store"
)

func testAudit(t *testing.T, s store.Store) {
	ctx := t.Context()
	if err := s.AppendAudit(ctx); err != nil {
		t.Fatalf("AppendAudit(): %v", err)
	}
	evs := []store.AuditEvent{
		{Time: base, Type: "user.created", UserID: "u1", Actor: "user", IP: "192.0.2.1",
			Detail: map[string]string{"client": "portal", "journey": "registration"}},
		{Time: base.Add(time.Second + 999), Type: "signin.password_failed", UserID: "u1", ClientID: "portal", Actor: "user", IP: "2001:db8::1"},
		{Time: base.Add(2 * time.Second), Type: "user.created", UserID: "u2", Actor: "admin:console"},
		{Time: base.Add(3 * time.Second), Type: "keys.rotated", Actor: "system"},
	}
	if err := s.AppendAudit(ctx, evs[:2]...); err != nil {
		t.Fatalf("AppendAudit: %v", err)
	}
	if err := s.AppendAudit(ctx, evs[2:]...); err != nil {
		t.Fatalf("AppendAudit: %v", err)
	}
	all := auditEvents(t, s, store.AuditFilter{})
	checkEvents(t, all, evs)
	for i := 1; i < len(all); i++ {
		if all[i].ID <= all[i-1].ID {
			t.Errorf("IDs not increasing: %d then %d", all[i-1].ID, all[i].ID)
		}
	}
	if all[0].ID == 0 {
		t.Errorf("first event has ID 0: the store must assign IDs")
	}
	for _, tc := range []struct {
		name string
		have store.AuditFilter
		want []store.AuditEvent
	}{
		{"user", store.AuditFilter{UserID: "u1"}, evs[:2]},
		{"type", store.AuditFilter{Type: "user.created"}, []store.AuditEvent{evs[0], evs[2]}},
		{"user and type", store.AuditFilter{UserID: "u2", Type: "user.created"}, evs[2:3]},
		{"limit keeps the oldest", store.AuditFilter{Limit: 3}, evs[:3]},
		{"limit with filter", store.AuditFilter{Type: "user.created", Limit: 1}, evs[:1]},
		{"no match", store.AuditFilter{UserID: "nobody"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkEvents(t, auditEvents(t, s, tc.have), tc.want)
		})
	}
	// Later events get higher IDs than earlier ones.
	if err := s.AppendAudit(ctx, store.AuditEvent{Time: base, Type: "late"}); err != nil {
		t.Fatalf("AppendAudit: %v", err)
	}
	late := auditEvents(t, s, store.AuditFilter{Type: "late"})
	if len(late) != 1 || late[0].ID <= all[len(all)-1].ID {
		t.Errorf("late event = %+v, want an ID above %d", late, all[len(all)-1].ID)
	}
}

func appendAll(t *testing.T, s store.Store, evs ...store.AuditEvent) {
	t.Helper()
	for _, e := range evs {
		if err := s.AppendAudit(t.Context(), e); err != nil {
			t.Fatalf("AppendAudit: %v", err)
		}
	}
}

func ids(evs []store.AuditEvent) []int64 {
	out := make([]int64, len(evs))
	for i, e := range evs {
		out[i] = e.ID
	}
	return out
}

// testAuditPaging: the admin API pages by an after-ID cursor and filters by
// time range.
func testAuditPaging(t *testing.T, s store.Store) {
	var evs []store.AuditEvent
	for i := range 5 {
		evs = append(evs, store.AuditEvent{Time: base.Add(time.Duration(i) * time.Hour), Type: "t", UserID: "u1"})
	}
	appendAll(t, s, evs...)
	appendAll(t, s, store.AuditEvent{Type: "no time", UserID: "u1"}) // matches no time range
	all := auditEvents(t, s, store.AuditFilter{})
	for _, tc := range []struct {
		name string
		have store.AuditFilter
		want []int64
	}{
		{"after", store.AuditFilter{AfterID: all[1].ID}, ids(all[2:])},
		{"no range", store.AuditFilter{UserID: "u1"}, ids(all)},
		{"after with limit", store.AuditFilter{AfterID: all[1].ID, Limit: 2}, ids(all[2:4])},
		{"after the last", store.AuditFilter{AfterID: all[5].ID}, ids(nil)},
		{"since is inclusive", store.AuditFilter{Since: base.Add(3 * time.Hour)}, ids(all[3:5])},
		{"until is exclusive", store.AuditFilter{Until: base.Add(2 * time.Hour)}, ids(all[:2])},
		{"range", store.AuditFilter{Since: base.Add(time.Hour), Until: base.Add(3 * time.Hour), UserID: "u1"}, ids(all[1:3])},
		{"range of another user", store.AuditFilter{Since: base.Add(time.Hour), UserID: "u2"}, ids(nil)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ids(auditEvents(t, s, tc.have)); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ListAudit(%+v) IDs = %v, want %v", tc.have, got, tc.want)
			}
		})
	}
}

// testAuditChain: each row holds the hash of the one before it, and
// VerifyAudit names the row after one that was changed or removed.
func testAuditChain(t *testing.T, s store.Store) {
	n, err := store.VerifyAudit(t.Context(), s, 2)
	if err != nil || n != 0 {
		t.Fatalf("VerifyAudit on an empty trail = %d, %v", n, err)
	}
	appendAll(t, s,
		store.AuditEvent{Time: base, Type: "user.created", UserID: "u1", Actor: "user", IP: "192.0.2.1",
			Detail: map[string]string{"b": "2", "a": "ünïcode", "": "empty key"}},
		store.AuditEvent{Type: "no time"},
		store.AuditEvent{Time: base.Add(time.Second), Type: "signin.password_failed", UserID: "u1", ClientID: "portal", IP: "2001:db8::1"},
	)
	// Events written with a change join the same chain.
	if err := s.CreateUser(t.Context(), newUser("u9", "chain@example.org"), store.AuditEvent{Time: base, Type: "user.created", UserID: "u9"}); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	all := auditEvents(t, s, store.AuditFilter{})
	if !bytes.Equal(all[0].PrevHash, make([]byte, store.AuditHashSize)) {
		t.Errorf("first row's PrevHash = %x, want zeros", all[0].PrevHash)
	}
	for i, e := range all {
		if len(e.Hash) != store.AuditHashSize || !bytes.Equal(e.Hash, store.AuditHash(e.PrevHash, e)) {
			t.Errorf("row %d: Hash %x does not cover its content", e.ID, e.Hash)
		}
		if i > 0 && !bytes.Equal(e.PrevHash, all[i-1].Hash) {
			t.Errorf("row %d: PrevHash %x, want the Hash of row %d", e.ID, e.PrevHash, all[i-1].ID)
		}
	}
	if n, err := store.VerifyAudit(t.Context(), s, 2); err != nil || n != len(all) {
		t.Errorf("VerifyAudit = %d, %v; want %d, nil", n, err, len(all))
	}
	// A changed or missing row breaks the link of the row after it.
	for _, tc := range []struct {
		name   string
		change func([]store.AuditEvent) []store.AuditEvent
		want   int64
	}{
		{"detail edited", func(e []store.AuditEvent) []store.AuditEvent { e[0].Detail["b"] = "3"; return e }, all[1].ID},
		{"IP edited and rehashed", func(e []store.AuditEvent) []store.AuditEvent {
			e[1].IP = "198.51.100.1"
			e[1].Hash = store.AuditHash(e[1].PrevHash, e[1])
			return e
		}, all[2].ID},
		{"row removed", func(e []store.AuditEvent) []store.AuditEvent { return append(e[:1:1], e[2:]...) }, all[2].ID},
		{"last row edited", func(e []store.AuditEvent) []store.AuditEvent { e[len(e)-1].Type = "x"; return e }, all[len(all)-1].ID},
		{"first row removed", func(e []store.AuditEvent) []store.AuditEvent { return e[1:] }, all[1].ID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows := tc.change(auditEvents(t, s, store.AuditFilter{}))
			_, err := store.VerifyAudit(t.Context(), fixedTrail(rows), 2)
			var ce *store.AuditChainError
			if !errors.As(err, &ce) || !errors.Is(err, store.ErrAuditChain) || ce.ID != tc.want {
				t.Errorf("VerifyAudit = %v, want a broken link at row %d", err, tc.want)
			}
		})
	}
}

// fixedTrail lists rows a test changed, as a store would.
type fixedTrail []store.AuditEvent

func (f fixedTrail) ListAudit(_ context.Context, flt store.AuditFilter) ([]store.AuditEvent, error) {
	var out []store.AuditEvent
	for _, e := range f {
		if e.ID > flt.AfterID && (flt.Limit == 0 || len(out) < flt.Limit) {
			out = append(out, e)
		}
	}
	return out, nil
}

// testAuditChainConcurrent: appenders racing each other still form one chain.
func testAuditChainConcurrent(t *testing.T, s store.Store) {
	const writers, each = 8, 5
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				e := store.AuditEvent{Time: base, Type: "race", Detail: map[string]string{"w": strconv.Itoa(w), "i": strconv.Itoa(i)}}
				if err := s.AppendAudit(t.Context(), e, e); err != nil {
					t.Errorf("AppendAudit: %v", err)
				}
			}
		})
	}
	wg.Wait()
	if n, err := store.VerifyAudit(t.Context(), s, 7); err != nil || n != 2*writers*each {
		t.Errorf("VerifyAudit = %d, %v; want %d, nil", n, err, 2*writers*each)
	}
}

// testAuditPrune: pruning drops the oldest rows and leaves a checkpoint, so
// the trail still verifies.
func testAuditPrune(t *testing.T, s store.Store) {
	ctx := t.Context()
	now := base.Add(100 * time.Hour)
	if n, err := s.PruneAudit(ctx, now, now); err != nil || n != 0 {
		t.Fatalf("PruneAudit on an empty trail = %d, %v", n, err)
	}
	for i := range 5 {
		appendAll(t, s, store.AuditEvent{Time: base.Add(time.Duration(i) * time.Hour), Type: "t" + strconv.Itoa(i)})
	}
	before := auditEvents(t, s, store.AuditFilter{})
	n, err := s.PruneAudit(ctx, base.Add(90*time.Minute), now)
	if err != nil || n != 2 {
		t.Fatalf("PruneAudit = %d, %v; want 2 rows deleted", n, err)
	}
	after := auditEvents(t, s, store.AuditFilter{})
	if len(after) != 4 || after[0].ID != before[2].ID || after[3].Type != store.AuditPruned {
		t.Fatalf("after pruning: %+v, want rows from %d and a checkpoint", after, before[2].ID)
	}
	if cp := after[3].Detail; cp["first_id"] != strconv.FormatInt(before[2].ID, 10) || cp["prev_hash"] != hex.EncodeToString(before[1].Hash) {
		t.Errorf("checkpoint detail %v", cp)
	}
	if v, err := store.VerifyAudit(ctx, s, 2); err != nil || v != 4 {
		t.Errorf("VerifyAudit after pruning = %d, %v; want 4, nil", v, err)
	}
	// Nothing old enough: nothing deleted, no checkpoint.
	if n, err := s.PruneAudit(ctx, base, now); err != nil || n != 0 {
		t.Errorf("PruneAudit with nothing old = %d, %v", n, err)
	}
	// Everything old: the newest row (the checkpoint) stays, and a new one follows.
	if n, err := s.PruneAudit(ctx, now.Add(time.Hour), now.Add(time.Hour)); err != nil || n != 3 {
		t.Errorf("PruneAudit of everything = %d, %v; want 3", n, err)
	}
	appendAll(t, s, store.AuditEvent{Time: now, Type: "later"})
	rest := auditEvents(t, s, store.AuditFilter{})
	if len(rest) != 3 || rest[0].Type != store.AuditPruned || rest[1].Type != store.AuditPruned {
		t.Errorf("after pruning everything: %+v", rest)
	}
	if v, err := store.VerifyAudit(ctx, s, 0); err != nil || v != 3 {
		t.Errorf("VerifyAudit after pruning everything = %d, %v; want 3, nil", v, err)
	}
	// A prefix removed without a checkpoint is caught at the first row kept.
	_, err = store.VerifyAudit(ctx, fixedTrail(rest[1:]), 0)
	var ce *store.AuditChainError
	if !errors.As(err, &ce) || ce.ID != rest[1].ID {
		t.Errorf("VerifyAudit without the checkpoint = %v, want a break at row %d", err, rest[1].ID)
	}
}
