package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/store"
)

func newKey(id string, created time.Time) store.SigningKey {
	return store.SigningKey{
		ID:         id,
		Algorithm:  "ES256",
		PrivateKey: []byte("encrypted-private-" + id),
		PublicKey:  []byte{0x30, 0x59, 0x00, 0xff, byte(len(id))},
		CreatedAt:  created,
	}
}

func testSigningKeys(t *testing.T, s store.Store) {
	ctx := t.Context()
	if keys, err := s.ListSigningKeys(ctx); err != nil || len(keys) != 0 {
		t.Fatalf("ListSigningKeys on an empty store = %v, %v; want none", keys, err)
	}
	k3 := newKey("k3", base.Add(2*time.Hour))
	k3.ExpiresAt = base.Add(48 * time.Hour)
	k3.Algorithm = "RS256"
	kb := newKey("kb", base) // same CreatedAt as ka: ties go by ID
	ka := newKey("ka", base)
	k0 := newKey("k0", base.Add(-time.Hour))
	for _, k := range []store.SigningKey{k3, kb, ka, k0} {
		if err := s.CreateSigningKey(ctx, k); err != nil {
			t.Fatalf("CreateSigningKey(%s): %v", k.ID, err)
		}
	}
	if err := s.CreateSigningKey(ctx, newKey("ka", base.Add(time.Hour))); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CreateSigningKey(duplicate) err = %v, want store.ErrConflict", err)
	}
	keys, err := s.ListSigningKeys(ctx)
	if err != nil {
		t.Fatalf("ListSigningKeys: %v", err)
	}
	want := []store.SigningKey{k0, ka, kb, k3}
	if len(keys) != len(want) {
		t.Fatalf("ListSigningKeys = %d keys, want %d", len(keys), len(want))
	}
	for i := range keys {
		checkKey(t, keys[i], want[i])
	}
	// The caller owns the returned bytes.
	keys[0].PrivateKey[0] = 'X'
	if again, _ := s.ListSigningKeys(ctx); again[0].PrivateKey[0] == 'X' {
		t.Errorf("stored key changed through a returned slice")
	}
	for _, id := range []string{"ka", "ka", "never-existed"} {
		if err := s.DeleteSigningKey(ctx, id); err != nil {
			t.Errorf("DeleteSigningKey(%s): %v", id, err)
		}
	}
	keys, err = s.ListSigningKeys(ctx)
	if err != nil {
		t.Fatalf("ListSigningKeys: %v", err)
	}
	var ids []string
	for _, k := range keys {
		ids = append(ids, k.ID)
	}
	if fmt.Sprint(ids) != "[k0 kb k3]" {
		t.Errorf("after delete: keys %v, want [k0 kb k3]", ids)
	}
}

func newToken(id, family, user string) store.RefreshToken {
	return store.RefreshToken{
		ID:        id,
		FamilyID:  family,
		ClientID:  "portal",
		UserID:    user,
		SessionID: "s-" + user,
		Scopes:    []string{"openid", "email", "offline_access"},
		Audience:  []string{"portal"},
		AMR:       []string{"pwd", "sms"},
		AuthTime:  base.Add(-time.Minute),
		CreatedAt: base,
		ExpiresAt: base.Add(30 * 24 * time.Hour),
	}
}

func mustCreateToken(t *testing.T, s store.Store, tok store.RefreshToken) {
	t.Helper()
	if err := s.CreateRefreshToken(t.Context(), tok); err != nil {
		t.Fatalf("CreateRefreshToken(%s): %v", tok.ID, err)
	}
}

func mustGetToken(t *testing.T, s store.Store, id string) store.RefreshToken {
	t.Helper()
	tok, err := s.GetRefreshToken(t.Context(), id)
	if err != nil {
		t.Fatalf("GetRefreshToken(%s): %v", id, err)
	}
	return tok
}

// GetRefreshTokenWithUser returns the token, used or revoked ones too, with
// its user as GetUser does; a token whose user is gone comes with a zero User.
func testRefreshTokenWithUser(t *testing.T, s store.Store) {
	ctx := t.Context()
	u := newUser("u1", "ann@example.org")
	mustCreateUser(t, s, u)
	tok := newToken("t1", "f1", "u1")
	tok.UsedAt = base.Add(time.Minute)
	tok.RevokedAt = base.Add(2 * time.Minute)
	mustCreateToken(t, s, tok)
	orphan := newToken("t2", "f2", "gone")
	mustCreateToken(t, s, orphan)

	gotT, gotU, err := s.GetRefreshTokenWithUser(ctx, "t1")
	if err != nil {
		t.Fatalf("GetRefreshTokenWithUser(t1): %v", err)
	}
	checkToken(t, gotT, tok)
	want, err := s.GetUser(ctx, "u1")
	if err != nil {
		t.Fatal(err)
	}
	checkUser(t, gotU, want)

	gotT, gotU, err = s.GetRefreshTokenWithUser(ctx, "t2")
	if err != nil {
		t.Fatalf("GetRefreshTokenWithUser(t2): %v", err)
	}
	checkToken(t, gotT, orphan)
	if gotU.ID != "" {
		t.Errorf("user of a token whose user is gone = %+v, want the zero User", gotU)
	}
}

// CreateRefreshToken writes its audit events with the token, in the chain,
// and none when it refuses a taken ID.
func testCreateRefreshTokenAudited(t *testing.T, s store.Store) {
	ctx := t.Context()
	issued := store.AuditEvent{Time: base, Type: "token.issued", UserID: "u1", ClientID: "portal", Actor: "client:portal",
		Detail: map[string]string{"grant": "authorization_code", "refresh_token": "yes"}}
	if err := s.CreateRefreshToken(ctx, newToken("t1", "f1", "u1"), issued); err != nil {
		t.Fatalf("CreateRefreshToken: %v", err)
	}
	if err := s.CreateRefreshToken(ctx, newToken("t1", "f2", "u1"), issued); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CreateRefreshToken(taken ID) err = %v, want store.ErrConflict", err)
	}
	checkToken(t, mustGetToken(t, s, "t1"), newToken("t1", "f1", "u1"))
	checkEvents(t, auditEvents(t, s, store.AuditFilter{}), []store.AuditEvent{issued})
	if n, err := store.VerifyAudit(ctx, s, 0); err != nil || n != 1 {
		t.Errorf("VerifyAudit = %d, %v; want 1, nil", n, err)
	}
}

func testRefreshTokenRoundTrip(t *testing.T, s store.Store) {
	ctx := t.Context()
	tok := newToken("t1", "f1", "u1")
	tok.AuthTime = base.Add(-time.Minute + 321) // below a microsecond
	tok.UsedAt = base.Add(time.Minute)
	tok.RevokedAt = base.Add(2 * time.Minute)
	mustCreateToken(t, s, tok)
	checkToken(t, mustGetToken(t, s, "t1"), tok)

	if err := s.CreateRefreshToken(ctx, newToken("t1", "f2", "u2")); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CreateRefreshToken(duplicate) err = %v, want store.ErrConflict", err)
	}
	checkToken(t, mustGetToken(t, s, "t1"), tok)

	// The store keeps its own copy of the slices.
	tok2 := newToken("t2", "f2", "u2")
	mustCreateToken(t, s, tok2)
	tok2.Scopes[0] = "changed"
	got := mustGetToken(t, s, "t2")
	if got.Scopes[0] != "openid" {
		t.Errorf("stored scopes changed through the caller's slice: %v", got.Scopes)
	}
	got.AMR[0] = "changed"
	if again := mustGetToken(t, s, "t2"); again.AMR[0] != "pwd" {
		t.Errorf("stored AMR changed through a returned slice: %v", again.AMR)
	}
}

func testRotateRefreshToken(t *testing.T, s store.Store) {
	old := newToken("t1", "f1", "u1")
	mustCreateToken(t, s, old)
	now := base.Add(time.Hour)
	next := newToken("t2", "f1", "u1")
	next.CreatedAt, next.ExpiresAt = now, now.Add(30*24*time.Hour)
	if err := s.RotateRefreshToken(t.Context(), "t1", next, now); err != nil {
		t.Fatalf("RotateRefreshToken: %v", err)
	}
	wantOld := old
	wantOld.UsedAt = now
	checkToken(t, mustGetToken(t, s, "t1"), wantOld)
	checkToken(t, mustGetToken(t, s, "t2"), next)
	// The new token rotates in turn.
	third := newToken("t3", "f1", "u1")
	if err := s.RotateRefreshToken(t.Context(), "t2", third, now.Add(time.Minute)); err != nil {
		t.Fatalf("RotateRefreshToken(t2): %v", err)
	}
	checkToken(t, mustGetToken(t, s, "t3"), third)
}

func testRotateRefused(t *testing.T, s store.Store) {
	ctx := t.Context()
	now := base.Add(time.Hour)
	used := newToken("used", "f1", "u1")
	used.UsedAt = base.Add(time.Minute)
	revoked := newToken("revoked", "f2", "u1")
	revoked.RevokedAt = base.Add(time.Minute)
	fresh := newToken("fresh", "f3", "u1")
	taken := newToken("taken", "f4", "u1")
	for _, tok := range []store.RefreshToken{used, revoked, fresh, taken} {
		mustCreateToken(t, s, tok)
	}
	for _, tc := range []struct {
		name   string
		old    string
		next   string
		want   error
		before store.RefreshToken
	}{
		{"used", "used", "n1", store.ErrTokenUsed, used},
		{"revoked", "revoked", "n2", store.ErrTokenRevoked, revoked},
		{"next ID taken", "fresh", "taken", store.ErrConflict, fresh},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := s.RotateRefreshToken(ctx, tc.old, newToken(tc.next, "fx", "u1"), now)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			// Nothing stored: the old token is unchanged, the next one absent.
			checkToken(t, mustGetToken(t, s, tc.old), tc.before)
			if tc.next != "taken" {
				if _, err := s.GetRefreshToken(ctx, tc.next); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("next token: err = %v, want store.ErrNotFound", err)
				}
			} else {
				checkToken(t, mustGetToken(t, s, "taken"), taken)
			}
		})
	}
	// A token that was rotated and then had its family revoked: revoked.
	if err := s.RevokeRefreshFamily(ctx, "f1", now); err != nil {
		t.Fatalf("RevokeRefreshFamily: %v", err)
	}
	if err := s.RotateRefreshToken(ctx, "used", newToken("n3", "f1", "u1"), now); !errors.Is(err, store.ErrTokenRevoked) {
		t.Errorf("rotate used+revoked: err = %v, want store.ErrTokenRevoked", err)
	}
}

func testRotateConcurrent(t *testing.T, s store.Store) {
	mustCreateToken(t, s, newToken("t0", "f1", "u1"))
	const n = 20
	now := base.Add(time.Hour)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			errs[i] = s.RotateRefreshToken(t.Context(), "t0", newToken(fmt.Sprintf("next-%d", i), "f1", "u1"), now)
		})
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Errorf("rotations %d and %d both succeeded", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, store.ErrTokenUsed):
			t.Errorf("rotation %d: err = %v, want nil or store.ErrTokenUsed", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no rotation succeeded")
	}
	for i := range n {
		_, err := s.GetRefreshToken(t.Context(), fmt.Sprintf("next-%d", i))
		if i == winner && err != nil {
			t.Errorf("winner's token: %v", err)
		}
		if i != winner && !errors.Is(err, store.ErrNotFound) {
			t.Errorf("loser %d's token: err = %v, want store.ErrNotFound", i, err)
		}
	}
}

func testRevoke(t *testing.T, s store.Store) {
	ctx := t.Context()
	toks := []store.RefreshToken{
		newToken("a1", "fa", "u1"), newToken("a2", "fa", "u1"),
		newToken("b1", "fb", "u1"),
		newToken("c1", "fc", "u2"), newToken("d1", "fd", "u2"),
		newToken("e1", "fe", "u3"),
	}
	for _, tok := range toks {
		mustCreateToken(t, s, tok)
	}
	t1, t2, t3 := base.Add(time.Hour), base.Add(2*time.Hour), base.Add(3*time.Hour)
	steps := []struct {
		name string
		do   func() error
	}{
		{"revoke d1", func() error { return s.RevokeRefreshToken(ctx, "d1", t1) }},
		{"revoke d1 again", func() error { return s.RevokeRefreshToken(ctx, "d1", t2) }},
		{"revoke family fa", func() error { return s.RevokeRefreshFamily(ctx, "fa", t2) }},
		{"revoke family fa again", func() error { return s.RevokeRefreshFamily(ctx, "fa", t3) }},
		{"revoke family nobody has", func() error { return s.RevokeRefreshFamily(ctx, "fz", t3) }},
		{"revoke user u2", func() error { return s.RevokeUserRefreshTokens(ctx, "u2", t3) }},
		{"revoke user u2 again", func() error { return s.RevokeUserRefreshTokens(ctx, "u2", base.Add(4*time.Hour)) }},
		{"revoke user with no tokens", func() error { return s.RevokeUserRefreshTokens(ctx, "u9", t3) }},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
	}
	// The first revocation's time stays.
	for _, tc := range []struct {
		have string
		want time.Time
	}{
		{"a1", t2}, {"a2", t2}, {"b1", time.Time{}}, {"c1", t3}, {"d1", t1}, {"e1", time.Time{}},
	} {
		checkTime(t, tc.have+" RevokedAt", mustGetToken(t, s, tc.have).RevokedAt, tc.want)
	}
}

// testRevokeSession: ending a session revokes the tokens of every family and
// client issued in it, and no other session's.
func testRevokeSession(t *testing.T, s store.Store) {
	ctx := t.Context()
	inSession := func(id, family, sid string) store.RefreshToken {
		tok := newToken(id, family, "u1")
		tok.SessionID = sid
		return tok
	}
	dash := inSession("s1-dash", "f-dash", "sid-1")
	dash.ClientID = "dashboard"
	for _, tok := range []store.RefreshToken{
		inSession("s1-a", "f-a", "sid-1"), inSession("s1-a2", "f-a", "sid-1"), dash,
		inSession("s2-a", "f-b", "sid-2"), inSession("none", "f-c", ""),
	} {
		mustCreateToken(t, s, tok)
	}
	t1, t2 := base.Add(time.Hour), base.Add(2*time.Hour)
	if err := s.RevokeSessionRefreshTokens(ctx, "sid-1", t1); err != nil {
		t.Fatalf("RevokeSessionRefreshTokens(sid-1): %v", err)
	}
	for _, args := range []struct {
		sid string
		at  time.Time
	}{{"sid-1", t2}, {"sid-9", t2}, {"", t2}} { // again, unknown, empty: no error, no change
		if err := s.RevokeSessionRefreshTokens(ctx, args.sid, args.at); err != nil {
			t.Errorf("RevokeSessionRefreshTokens(%q): %v", args.sid, err)
		}
	}
	for _, tc := range []struct {
		have string
		want time.Time
	}{
		{"s1-a", t1}, {"s1-a2", t1}, {"s1-dash", t1}, {"s2-a", time.Time{}}, {"none", time.Time{}},
	} {
		checkTime(t, tc.have+" RevokedAt", mustGetToken(t, s, tc.have).RevokedAt, tc.want)
	}
}

func testDeleteExpired(t *testing.T, s store.Store) {
	ctx := t.Context()
	now := base.Add(24 * time.Hour).Truncate(time.Microsecond)
	tok := func(id string, exp time.Time) store.RefreshToken {
		tk := newToken(id, "f-"+id, "u1")
		tk.ExpiresAt = exp
		return tk
	}
	key := func(id string, exp time.Time) store.SigningKey {
		k := newKey(id, base)
		k.ExpiresAt = exp
		return k
	}
	for _, tk := range []store.RefreshToken{
		tok("t-past", now.Add(-time.Hour)),
		tok("t-now", now), // expires exactly now: expired
		tok("t-later", now.Add(time.Microsecond)),
		tok("t-never", time.Time{}),
	} {
		mustCreateToken(t, s, tk)
	}
	for _, k := range []store.SigningKey{
		key("k-past", now.Add(-time.Hour)),
		key("k-now", now),
		key("k-later", now.Add(time.Microsecond)),
		key("k-never", time.Time{}),
	} {
		if err := s.CreateSigningKey(ctx, k); err != nil {
			t.Fatalf("CreateSigningKey(%s): %v", k.ID, err)
		}
	}
	n, err := s.DeleteExpired(ctx, now)
	if err != nil {
		t.Fatalf("DeleteExpired: %v", err)
	}
	if n != 4 {
		t.Errorf("DeleteExpired removed %d, want 4", n)
	}
	for _, tc := range []struct {
		have string
		want bool // still there
	}{{"t-past", false}, {"t-now", false}, {"t-later", true}, {"t-never", true}} {
		_, err := s.GetRefreshToken(ctx, tc.have)
		if tc.want && err != nil || !tc.want && !errors.Is(err, store.ErrNotFound) {
			t.Errorf("token %s after DeleteExpired: err = %v, want kept=%v", tc.have, err, tc.want)
		}
	}
	keys, err := s.ListSigningKeys(ctx)
	if err != nil {
		t.Fatalf("ListSigningKeys: %v", err)
	}
	var ids []string
	for _, k := range keys {
		ids = append(ids, k.ID)
	}
	if fmt.Sprint(ids) != "[k-later k-never]" {
		t.Errorf("keys after DeleteExpired = %v, want [k-later k-never]", ids)
	}
	if n, err := s.DeleteExpired(ctx, now); err != nil || n != 0 {
		t.Errorf("second DeleteExpired = %d, %v; want 0, nil", n, err)
	}
}
