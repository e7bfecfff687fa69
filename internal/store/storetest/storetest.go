package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/store"
)

// Run checks that a store.Store keeps the contract. open returns a fresh,
// empty store and arranges for it to be closed when the test ends.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	for _, tc := range []struct {
		name string
		run  func(*testing.T, store.Store)
	}{
		{"NotFoundIsSentinel", testNotFound},
		{"CreateUserConflict", testCreateUserConflict},
		{"GetUserByEmail", testGetUserByEmail},
		{"GetUserByExternalID", testGetUserByExternalID},
		{"UserRoundTrip", testUserRoundTrip},
		{"UserLanguage", testUserLanguage},
		{"UpdateUser", testUpdateUser},
		{"UpdateUserFnError", testUpdateUserFnError},
		{"UpdateUserEmailConflict", testUpdateUserEmailConflict},
		{"UpdateUserConcurrent", testUpdateUserConcurrent},
		{"UpdateUserFrom", testUpdateUserFrom},
		{"AppendAuditIfClear", testAppendAuditIfClear},
		{"TOTP", testTOTP},
		{"TOTPStepConcurrent", testTOTPStepConcurrent},
		{"ListAppUsers", testListAppUsers},
		{"PasswordHistory", testPasswordHistory},
		{"SigningKeys", testSigningKeys},
		{"ResealSigningKey", testResealSigningKey},
		{"RefreshTokenRoundTrip", testRefreshTokenRoundTrip},
		{"RefreshTokenWithUser", testRefreshTokenWithUser},
		{"CreateRefreshTokenAudited", testCreateRefreshTokenAudited},
		{"RotateRefreshToken", testRotateRefreshToken},
		{"RotateRefreshTokenRefused", testRotateRefused},
		{"RotateRefreshTokenConcurrent", testRotateConcurrent},
		{"RetryRefreshRotation", testRetryRotation},
		{"RetryRefreshRotationRefused", testRetryRotationRefused},
		{"RetryRefreshRotationConcurrent", testRetryRotationConcurrent},
		{"RevokeRefreshTokens", testRevoke},
		{"RevokeSessionRefreshTokens", testRevokeSession},
		{"DeleteExpired", testDeleteExpired},
		{"Audit", testAudit},
		{"AuditPaging", testAuditPaging},
		{"AuditChain", testAuditChain},
		{"AuditChainConcurrent", testAuditChainConcurrent},
		{"AuditPrune", testAuditPrune},
		{"UpsertAccount", testUpsertAccount},
		{"ListAccounts", testListAccounts},
		{"Grant", testGrant},
		{"RevokeGrant", testRevokeGrant},
		{"LiveAccounts", testLiveAccounts},
		{"GrantConcurrent", testGrantConcurrent},
		{"AccountsCancelledContext", testAccountsCancelledContext},
		{"CancelledContext", testCancelledContext},
		{"Ping", testPing},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, open(t)) })
	}
}

// base is a time with a non-UTC zone and nanoseconds, so that round trips
// prove both the conversion to UTC and the truncation to microseconds.
var base = time.Date(2025, 3, 3, 9, 0, 0, 123456789, time.FixedZone("CET", 3600))

// norm is what the store is expected to return for a time it was given.
func norm(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}

// checkTime fails unless have is the stored form of want: the same instant
// truncated to microseconds, in UTC (or zero for zero).
func checkTime(t *testing.T, name string, have, want time.Time) {
	t.Helper()
	want = norm(want)
	if want.IsZero() {
		if !have.IsZero() {
			t.Errorf("%s = %v, want zero", name, have)
		}
		return
	}
	if !have.Equal(want) {
		t.Errorf("%s = %v, want %v", name, have, want)
	}
	if have.Location() != time.UTC {
		t.Errorf("%s location = %v, want UTC", name, have.Location())
	}
}

func checkUser(t *testing.T, have, want store.User) {
	t.Helper()
	checkTime(t, "LockedUntil", have.LockedUntil, want.LockedUntil)
	checkTime(t, "TokensValidAfter", have.TokensValidAfter, want.TokensValidAfter)
	checkTime(t, "CreatedAt", have.CreatedAt, want.CreatedAt)
	checkTime(t, "UpdatedAt", have.UpdatedAt, want.UpdatedAt)
	checkTime(t, "TOTPAddedAt", have.TOTPAddedAt, want.TOTPAddedAt)
	have.TOTPAddedAt, want.TOTPAddedAt = time.Time{}, time.Time{}
	have.LockedUntil, have.CreatedAt, have.UpdatedAt = time.Time{}, time.Time{}, time.Time{}
	want.LockedUntil, want.CreatedAt, want.UpdatedAt = time.Time{}, time.Time{}, time.Time{}
	have.TokensValidAfter, want.TokensValidAfter = time.Time{}, time.Time{}
	if !reflect.DeepEqual(have, want) {
		t.Errorf("user = %+v\nwant   %+v", have, want)
	}
}

func checkKey(t *testing.T, have, want store.SigningKey) {
	t.Helper()
	checkTime(t, "CreatedAt", have.CreatedAt, want.CreatedAt)
	checkTime(t, "ExpiresAt", have.ExpiresAt, want.ExpiresAt)
	have.CreatedAt, have.ExpiresAt = time.Time{}, time.Time{}
	want.CreatedAt, want.ExpiresAt = time.Time{}, time.Time{}
	if !reflect.DeepEqual(have, want) {
		t.Errorf("key = %+v\nwant  %+v", have, want)
	}
}

func checkToken(t *testing.T, have, want store.RefreshToken) {
	t.Helper()
	checkTime(t, "AuthTime", have.AuthTime, want.AuthTime)
	checkTime(t, "CreatedAt", have.CreatedAt, want.CreatedAt)
	checkTime(t, "ExpiresAt", have.ExpiresAt, want.ExpiresAt)
	checkTime(t, "UsedAt", have.UsedAt, want.UsedAt)
	checkTime(t, "RevokedAt", have.RevokedAt, want.RevokedAt)
	for _, p := range []*store.RefreshToken{&have, &want} {
		p.AuthTime, p.CreatedAt, p.ExpiresAt, p.UsedAt, p.RevokedAt =
			time.Time{}, time.Time{}, time.Time{}, time.Time{}, time.Time{}
	}
	if !reflect.DeepEqual(have, want) {
		t.Errorf("token = %+v\nwant    %+v", have, want)
	}
}

func checkEvents(t *testing.T, have, want []store.AuditEvent) {
	t.Helper()
	if len(have) != len(want) {
		t.Fatalf("got %d events %+v, want %d %+v", len(have), have, len(want), want)
	}
	for i := range have {
		checkTime(t, "Time", have[i].Time, want[i].Time)
		h, w := have[i], want[i]
		h.Time, w.Time = time.Time{}, time.Time{}
		w.ID = h.ID                             // assigned by the store; checked by the caller
		w.PrevHash, w.Hash = h.PrevHash, h.Hash // checked by testAuditChain
		if !reflect.DeepEqual(h, w) {
			t.Errorf("event %d = %+v\nwant      %+v", i, h, w)
		}
	}
}

func newUser(id, email string) store.User {
	return store.User{
		ID:           id,
		Email:        email,
		GivenName:    "Ann",
		FamilyName:   "Smith",
		PasswordHash: "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$" + id,
		CreatedAt:    base,
		UpdatedAt:    base,
	}
}

func mustCreateUser(t *testing.T, s store.Store, u store.User, events ...store.AuditEvent) {
	t.Helper()
	if err := s.CreateUser(t.Context(), u, events...); err != nil {
		t.Fatalf("CreateUser(%s): %v", u.ID, err)
	}
}

func auditEvents(t *testing.T, s store.Store, f store.AuditFilter) []store.AuditEvent {
	t.Helper()
	evs, err := s.ListAudit(t.Context(), f)
	if err != nil {
		t.Fatalf("ListAudit(%+v): %v", f, err)
	}
	return evs
}
