package storetest

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/store"
)

func newAccount(id, ref, name, birthdate string) store.Account {
	return store.Account{ID: id, Name: name, Birthdate: birthdate, Source: "case-system", ExternalRef: ref, CreatedAt: base, UpdatedAt: base}
}

func checkAccount(t *testing.T, have, want store.Account) {
	t.Helper()
	checkTime(t, "CreatedAt", have.CreatedAt, want.CreatedAt)
	checkTime(t, "UpdatedAt", have.UpdatedAt, want.UpdatedAt)
	have.CreatedAt, have.UpdatedAt, want.CreatedAt, want.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if have != want {
		t.Errorf("account = %+v\nwant      %+v", have, want)
	}
}

func checkGrant(t *testing.T, have, want store.Grant) {
	t.Helper()
	checkTime(t, "GrantedAt", have.GrantedAt, want.GrantedAt)
	checkTime(t, "ExpiresAt", have.ExpiresAt, want.ExpiresAt)
	checkTime(t, "RevokedAt", have.RevokedAt, want.RevokedAt)
	for _, g := range []*store.Grant{&have, &want} {
		g.GrantedAt, g.ExpiresAt, g.RevokedAt = time.Time{}, time.Time{}, time.Time{}
	}
	if have != want {
		t.Errorf("grant = %+v\nwant    %+v", have, want)
	}
}

func mustUpsertAccount(t *testing.T, s store.Store, a store.Account, events ...store.AuditEvent) store.Account {
	t.Helper()
	got, _, err := s.UpsertAccount(t.Context(), a, events...)
	if err != nil {
		t.Fatalf("UpsertAccount(%s): %v", a.ID, err)
	}
	return got
}

func mustGrant(t *testing.T, s store.Store, g store.Grant, events ...store.AuditEvent) store.Grant {
	t.Helper()
	got, _, err := s.Grant(t.Context(), g, events...)
	if err != nil {
		t.Fatalf("Grant(%s → %s): %v", g.UserID, g.AccountID, err)
	}
	return got
}

func testUpsertAccount(t *testing.T, s store.Store) {
	ctx := t.Context()
	ev := func(typ string) store.AuditEvent {
		return store.AuditEvent{Time: base, Type: typ, Actor: "admin:sync"}
	}
	charlie := newAccount("acc_1", "C-100", "Charlie QQ Cherry", "2013-11-07")
	got, created, err := s.UpsertAccount(ctx, charlie, ev("account.created"))
	if err != nil || !created {
		t.Fatalf("UpsertAccount = %v, %v; want created", created, err)
	}
	checkAccount(t, got, charlie)
	if got, err := s.GetAccount(ctx, "acc_1"); err != nil {
		t.Fatalf("GetAccount: %v", err)
	} else {
		checkAccount(t, got, charlie)
	}

	// The same values again, under a fresh ID: the existing account, no change,
	// no audit event.
	again := charlie
	again.ID, again.UpdatedAt = "acc_other", base.Add(time.Hour)
	got, created, err = s.UpsertAccount(ctx, again, ev("account.updated"))
	if err != nil || created {
		t.Fatalf("UpsertAccount again = %v, %v; want existing", created, err)
	}
	checkAccount(t, got, charlie)
	if _, err := s.GetAccount(ctx, "acc_other"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetAccount(acc_other) err = %v, want ErrNotFound: an idempotent upsert made a second account", err)
	}
	if evs := auditEvents(t, s, store.AuditFilter{}); len(evs) != 1 {
		t.Errorf("audit after an unchanged upsert = %+v, want one event", evs)
	}

	// New values under the same reference update the account in place.
	renamed := again
	renamed.Name, renamed.Birthdate = "Charlie QQ Cherry-Plumber", ""
	got, created, err = s.UpsertAccount(ctx, renamed, ev("account.updated"))
	if err != nil || created {
		t.Fatalf("UpsertAccount renamed = %v, %v; want updated", created, err)
	}
	want := charlie
	want.Name, want.Birthdate, want.UpdatedAt = renamed.Name, "", renamed.UpdatedAt
	checkAccount(t, got, want)
	if got, err := s.GetAccount(ctx, "acc_1"); err != nil {
		t.Fatalf("GetAccount: %v", err)
	} else {
		checkAccount(t, got, want)
	}
	if evs := auditEvents(t, s, store.AuditFilter{Type: "account.updated"}); len(evs) != 1 {
		t.Errorf("update events = %+v, want one", evs)
	}

	// The same reference in another source is another account.
	other := newAccount("acc_2", "C-100", "Someone Else", "")
	other.Source = "other-system"
	if _, created, err := s.UpsertAccount(ctx, other); err != nil || !created {
		t.Errorf("UpsertAccount(other source) = %v, %v; want created", created, err)
	}
	// A taken ID under a new reference is a conflict, and stores nothing.
	clash := newAccount("acc_1", "C-200", "Clash", "")
	if _, _, err := s.UpsertAccount(ctx, clash, ev("account.created")); !errors.Is(err, store.ErrConflict) {
		t.Errorf("UpsertAccount(taken ID) err = %v, want ErrConflict", err)
	}
	if n := len(auditEvents(t, s, store.AuditFilter{Type: "account.created"})); n != 1 {
		t.Errorf("account.created events = %d, want 1: a refused upsert wrote its event", n)
	}
}

func testListAccounts(t *testing.T, s store.Store) {
	ctx := t.Context()
	for _, a := range []store.Account{
		newAccount("acc_c", "R3", "C", ""), newAccount("acc_a", "R1", "A", ""), newAccount("acc_b", "R2", "B", ""),
	} {
		mustUpsertAccount(t, s, a)
	}
	x := newAccount("acc_x", "R1", "X", "")
	x.Source = "other"
	mustUpsertAccount(t, s, x)
	ids := func(as []store.Account) []string {
		var out []string
		for _, a := range as {
			out = append(out, a.ID)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		have store.AccountFilter
		want []string
	}{
		{"all", store.AccountFilter{}, []string{"acc_a", "acc_b", "acc_c", "acc_x"}},
		{"source", store.AccountFilter{Source: "case-system"}, []string{"acc_a", "acc_b", "acc_c"}},
		{"first page", store.AccountFilter{Limit: 2}, []string{"acc_a", "acc_b"}},
		{"next page", store.AccountFilter{After: "acc_b", Limit: 2}, []string{"acc_c", "acc_x"}},
		{"past the end", store.AccountFilter{After: "acc_x"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.ListAccounts(ctx, tc.have)
			if err != nil {
				t.Fatalf("ListAccounts: %v", err)
			}
			if !reflect.DeepEqual(ids(got), tc.want) {
				t.Errorf("ListAccounts(%+v) = %v, want %v", tc.have, ids(got), tc.want)
			}
		})
	}
}

// grantFixture makes user u1 and accounts acc_1 (Charlie) and acc_2 (Pedro).
func grantFixture(t *testing.T, s store.Store) {
	t.Helper()
	mustCreateUser(t, s, newUser("u1", "penny@example.org"))
	mustUpsertAccount(t, s, newAccount("acc_1", "C-1", "Charlie QQ Cherry", "2013-11-07"))
	mustUpsertAccount(t, s, newAccount("acc_2", "C-2", "Pedro QQ Plumber", "2006-05-01"))
}

func testGrant(t *testing.T, s store.Store) {
	ctx := t.Context()
	grantFixture(t, s)
	g := store.Grant{UserID: "u1", AccountID: "acc_1", Relationship: "child", GrantedBy: "admin:sync",
		GrantedAt: base, ExpiresAt: base.Add(24 * time.Hour)}
	ev := store.AuditEvent{Time: base, Type: "grant.created", UserID: "u1", Actor: "admin:sync", Detail: map[string]string{"account": "acc_1"}}
	got, created, err := s.Grant(ctx, g, ev)
	if err != nil || !created {
		t.Fatalf("Grant = %v, %v; want created", created, err)
	}
	checkGrant(t, got, g)

	// The same grant again is idempotent: the existing one, nothing written.
	again := g
	again.GrantedAt, again.GrantedBy = base.Add(time.Minute), "admin:other"
	got, created, err = s.Grant(ctx, again, ev)
	if err != nil || created {
		t.Fatalf("Grant again = %v, %v; want existing", created, err)
	}
	checkGrant(t, got, g)
	// A different live grant of the same pair is a conflict.
	diff := again
	diff.Relationship = "parent"
	if _, _, err := s.Grant(ctx, diff, ev); !errors.Is(err, store.ErrConflict) {
		t.Errorf("Grant(other relationship) err = %v, want ErrConflict", err)
	}
	if evs := auditEvents(t, s, store.AuditFilter{Type: "grant.created"}); len(evs) != 1 {
		t.Errorf("grant events = %d, want 1", len(evs))
	}
	list, err := s.ListGrants(ctx, "u1")
	if err != nil || len(list) != 1 {
		t.Fatalf("ListGrants = %+v, %v; want one", list, err)
	}
	checkGrant(t, list[0], g)

	// Unknown user or account: ErrNotFound, nothing stored.
	for _, tc := range []struct {
		name string
		have store.Grant
	}{
		{"unknown user", store.Grant{UserID: "nobody", AccountID: "acc_1", Relationship: "child", GrantedAt: base}},
		{"unknown account", store.Grant{UserID: "u1", AccountID: "acc_none", Relationship: "child", GrantedAt: base}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := s.Grant(ctx, tc.have, ev); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("Grant err = %v, want ErrNotFound", err)
			}
		})
	}
	if _, err := s.ListGrants(ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ListGrants(nobody) err = %v, want ErrNotFound", err)
	}
	if evs := auditEvents(t, s, store.AuditFilter{Type: "grant.created"}); len(evs) != 1 {
		t.Errorf("grant events after refusals = %d, want 1", len(evs))
	}
}

func testRevokeGrant(t *testing.T, s store.Store) {
	ctx := t.Context()
	grantFixture(t, s)
	g := mustGrant(t, s, store.Grant{UserID: "u1", AccountID: "acc_1", Relationship: "child", GrantedBy: "admin:a", GrantedAt: base})
	mustGrant(t, s, store.Grant{UserID: "u1", AccountID: "acc_2", Relationship: "child", GrantedBy: "admin:a", GrantedAt: base})
	at := base.Add(time.Hour)
	ev := store.AuditEvent{Time: at, Type: "grant.revoked", UserID: "u1", Actor: "admin:a"}
	got, err := s.RevokeGrant(ctx, "u1", "acc_1", at, ev)
	if err != nil {
		t.Fatalf("RevokeGrant: %v", err)
	}
	want := g
	want.RevokedAt = at
	checkGrant(t, got, want)
	// Again: unchanged, nothing written.
	if got, err := s.RevokeGrant(ctx, "u1", "acc_1", at.Add(time.Hour), ev); err != nil {
		t.Fatalf("RevokeGrant again: %v", err)
	} else {
		checkGrant(t, got, want)
	}
	if evs := auditEvents(t, s, store.AuditFilter{Type: "grant.revoked"}); len(evs) != 1 {
		t.Errorf("revoke events = %d, want 1", len(evs))
	}
	live, err := s.ListLiveAccountsForUser(ctx, "u1", at)
	if err != nil || len(live) != 1 || live[0].ID != "acc_2" {
		t.Errorf("live accounts after revoke = %+v, %v; want only acc_2", live, err)
	}
	for _, tc := range []struct{ name, user, account string }{
		{"unknown user", "nobody", "acc_1"},
		{"unknown account", "u1", "acc_none"},
		{"never granted", "u1", "acc_3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := s.RevokeGrant(ctx, tc.user, tc.account, at, ev); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("RevokeGrant err = %v, want ErrNotFound", err)
			}
		})
	}
	// Granting again after a revocation makes a new live grant.
	regrant := store.Grant{UserID: "u1", AccountID: "acc_1", Relationship: "parent", GrantedBy: "admin:b", GrantedAt: at.Add(time.Minute)}
	got, created, err := s.Grant(ctx, regrant)
	if err != nil || !created {
		t.Fatalf("Grant after revoke = %v, %v; want created", created, err)
	}
	checkGrant(t, got, regrant)
	if live, _ := s.ListLiveAccountsForUser(ctx, "u1", at.Add(time.Hour)); len(live) != 2 || live[0].Relationship != "parent" {
		t.Errorf("live accounts after re-grant = %+v, want both, acc_1 as parent", live)
	}
}

func testLiveAccounts(t *testing.T, s store.Store) {
	ctx := t.Context()
	grantFixture(t, s)
	mustCreateUser(t, s, newUser("u2", "sam@example.org"))
	mustUpsertAccount(t, s, newAccount("acc_0", "C-0", "Peter QQ Plumber", "1981-02-04"))
	mustUpsertAccount(t, s, newAccount("acc_9", "C-9", "Charlie QQ Cherry", "")) // same name: ordered by ID
	exp := base.Add(time.Hour)
	mustGrant(t, s, store.Grant{UserID: "u1", AccountID: "acc_0", Relationship: "self", GrantedAt: base})
	mustGrant(t, s, store.Grant{UserID: "u1", AccountID: "acc_2", Relationship: "child", GrantedAt: base, ExpiresAt: exp})
	mustGrant(t, s, store.Grant{UserID: "u1", AccountID: "acc_9", Relationship: "child", GrantedAt: base})
	mustGrant(t, s, store.Grant{UserID: "u1", AccountID: "acc_1", Relationship: "child", GrantedAt: base})
	mustGrant(t, s, store.Grant{UserID: "u2", AccountID: "acc_1", Relationship: "parent", GrantedAt: base})
	for _, tc := range []struct {
		name string
		user string
		now  time.Time
		want []string
	}{
		{"ordered by name then ID", "u1", base, []string{"acc_1", "acc_9", "acc_2", "acc_0"}},
		{"just before expiry", "u1", exp.Add(-time.Microsecond), []string{"acc_1", "acc_9", "acc_2", "acc_0"}},
		{"expired at the boundary", "u1", exp, []string{"acc_1", "acc_9", "acc_0"}},
		{"another user", "u2", base, []string{"acc_1"}},
		{"unknown user", "nobody", base, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.ListLiveAccountsForUser(ctx, tc.user, tc.now)
			if err != nil {
				t.Fatalf("ListLiveAccountsForUser: %v", err)
			}
			var ids []string
			for _, a := range got {
				ids = append(ids, a.ID)
			}
			if !reflect.DeepEqual(ids, tc.want) {
				t.Errorf("accounts = %v, want %v", ids, tc.want)
			}
		})
	}
	got, _ := s.ListLiveAccountsForUser(ctx, "u1", base)
	if len(got) != 4 {
		t.Fatalf("got %d accounts", len(got))
	}
	want := store.AccountWithRelationship{Account: newAccount("acc_2", "C-2", "Pedro QQ Plumber", "2006-05-01"), Relationship: "child", ExpiresAt: exp}
	checkAccount(t, got[2].Account, want.Account)
	checkTime(t, "ExpiresAt", got[2].ExpiresAt, want.ExpiresAt)
	if got[2].Relationship != "child" || got[3].Relationship != "self" {
		t.Errorf("relationships = %q, %q; want child, self", got[2].Relationship, got[3].Relationship)
	}
}

// testGrantConcurrent has N goroutines grant the same pair: exactly one
// creates it, and one audit event is written.
func testGrantConcurrent(t *testing.T, s store.Store) {
	grantFixture(t, s)
	const n = 8
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		created int
		errs    []error
	)
	for range n {
		wg.Go(func() {
			_, c, err := s.Grant(t.Context(), store.Grant{UserID: "u1", AccountID: "acc_1", Relationship: "child", GrantedAt: base},
				store.AuditEvent{Time: base, Type: "grant.created", UserID: "u1"})
			mu.Lock()
			defer mu.Unlock()
			if c {
				created++
			}
			if err != nil {
				errs = append(errs, err)
			}
		})
	}
	wg.Wait()
	if created != 1 || len(errs) != 0 {
		t.Errorf("%d of %d grants created (errors %v), want exactly 1 and no errors", created, n, errs)
	}
	if evs := auditEvents(t, s, store.AuditFilter{Type: "grant.created"}); len(evs) != 1 {
		t.Errorf("grant events = %d, want 1", len(evs))
	}
}

func testAccountsCancelledContext(t *testing.T, s store.Store) {
	grantFixture(t, s)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	for _, tc := range []struct {
		name string
		have func() error
	}{
		{"UpsertAccount", func() error { _, _, err := s.UpsertAccount(ctx, newAccount("acc_5", "C-5", "X", "")); return err }},
		{"GetAccount", func() error { _, err := s.GetAccount(ctx, "acc_1"); return err }},
		{"ListAccounts", func() error { _, err := s.ListAccounts(ctx, store.AccountFilter{}); return err }},
		{"Grant", func() error {
			_, _, err := s.Grant(ctx, store.Grant{UserID: "u1", AccountID: "acc_1", Relationship: "child", GrantedAt: base})
			return err
		}},
		{"ListLiveAccountsForUser", func() error { _, err := s.ListLiveAccountsForUser(ctx, "u1", base); return err }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.have(); !errors.Is(err, context.Canceled) {
				t.Errorf("err = %v, want context.Canceled", err)
			}
		})
	}
	if got, _ := s.ListGrants(t.Context(), "u1"); len(got) != 0 {
		t.Errorf("grants after a cancelled Grant = %+v, want none", got)
	}
}
