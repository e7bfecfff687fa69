package authstatetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/authstate"
	"github.com/carekey/carekey/internal/clock/clocktest"
)

// Run checks that an authstate.Store keeps the contract. open returns a
// fresh, empty store that reads the time from clk.
func Run(t *testing.T, open func(t *testing.T, clk *clocktest.Clock) authstate.Store) {
	for _, tc := range []struct {
		name string
		run  func(*testing.T, *clocktest.Clock, authstate.Store)
	}{
		{"NotFoundIsSentinel", testNotFound},
		{"ConflictIsSentinel", testConflict},
		{"AuthRequestRoundTrip", testAuthRequestRoundTrip},
		{"AuthRequestRoundTripEmpty", testAuthRequestRoundTripEmpty},
		{"UpdateAuthRequest", testUpdateAuthRequest},
		{"UpdateAuthRequestFnError", testUpdateFnError},
		{"UpdateAuthRequestConcurrent", testUpdateConcurrent},
		{"AuthRequestExpiry", testAuthRequestExpiry},
		{"ConsumeCode", testConsumeCode},
		{"CodeExpiry", testCodeExpiry},
		{"ConsumeCodeConcurrent", testConsumeCodeConcurrent},
		{"CodeReplay", testCodeReplay},
		{"CodeReplayRacesIssue", testCodeReplayRace},
		{"AccessTokenRoundTrip", testAccessTokenRoundTrip},
		{"AccessTokenExpiry", testAccessTokenExpiry},
		{"DeleteIdempotent", testDeleteIdempotent},
		{"CancelledContext", testCancelledContext},
		{"Ping", testPing},
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

func newRequest(clk *clocktest.Clock, id string) authstate.AuthRequest {
	now := clk.Now()
	return authstate.AuthRequest{
		ID:           id,
		ClientID:     "dashboard",
		RedirectURI:  "https://dashboard.example/callback",
		Scopes:       []string{"openid", "accounts"},
		ResponseType: "code",
		CreatedAt:    now,
		ExpiresAt:    now.Add(30 * time.Minute),
	}
}

func newToken(clk *clocktest.Clock, id string) authstate.AccessToken {
	now := clk.Now()
	return authstate.AccessToken{ID: id, ClientID: "dashboard", Subject: "usr_01", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
}

func requestInUTC(r authstate.AuthRequest) authstate.AuthRequest {
	r.AuthTime = r.AuthTime.UTC()
	r.CreatedAt = r.CreatedAt.UTC()
	r.ExpiresAt = r.ExpiresAt.UTC()
	return r
}

func tokenInUTC(t authstate.AccessToken) authstate.AccessToken {
	t.CreatedAt = t.CreatedAt.UTC()
	t.ExpiresAt = t.ExpiresAt.UTC()
	return t
}

func check[T any](t *testing.T, name string, have, want T, times ...time.Time) {
	t.Helper()
	if !reflect.DeepEqual(have, want) {
		t.Errorf("%s:\nhave %+v\nwant %+v", name, have, want)
	}
	for _, tm := range times {
		if !tm.IsZero() && tm.Location() != time.UTC {
			t.Errorf("%s: time %v not in UTC", name, tm)
		}
	}
}

func checkRequest(t *testing.T, name string, have, want authstate.AuthRequest) {
	t.Helper()
	check(t, name, have, want, have.AuthTime, have.CreatedAt, have.ExpiresAt)
}

func checkIs(t *testing.T, name string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: err = %v, want %v", name, err, want)
	}
}

func mustCreateRequest(t *testing.T, st authstate.Store, r authstate.AuthRequest) {
	t.Helper()
	if err := st.CreateAuthRequest(t.Context(), r); err != nil {
		t.Fatalf("CreateAuthRequest(%s): %v", r.ID, err)
	}
}

func mustGetRequest(t *testing.T, st authstate.Store, id string) authstate.AuthRequest {
	t.Helper()
	r, err := st.GetAuthRequest(t.Context(), id)
	if err != nil {
		t.Fatalf("GetAuthRequest(%s): %v", id, err)
	}
	return r
}

// usedUntil is how long tests keep the record of a used code.
func usedUntil(clk *clocktest.Clock) time.Time { return clk.Now().Add(time.Hour) }

func mustSaveCode(t *testing.T, st authstate.Store, hash, authRequestID string, expiresAt time.Time) {
	t.Helper()
	if err := st.SaveCode(t.Context(), hash, authRequestID, expiresAt); err != nil {
		t.Fatalf("SaveCode(%s): %v", hash, err)
	}
}

func testNotFound(t *testing.T, clk *clocktest.Clock, st authstate.Store) {
	ctx := t.Context()
	_, err := st.GetAuthRequest(ctx, "missing")
	checkIs(t, "GetAuthRequest", err, authstate.ErrNotFound)
	called := false
	_, err = st.UpdateAuthRequest(ctx, "missing", func(*authstate.AuthRequest) error { called = true; return nil })
	checkIs(t, "UpdateAuthRequest", err, authstate.ErrNotFound)
	if called {
		t.Error("UpdateAuthRequest called fn on a missing request")
	}
	_, err = st.ConsumeCode(ctx, "missing", usedUntil(clk))
	checkIs(t, "ConsumeCode", err, authstate.ErrNotFound)
	checkIs(t, "AddCodeTokens", st.AddCodeTokens(ctx, "missing", authstate.CodeTokens{AccessTokenIDs: []string{"at1"}}), authstate.ErrNotFound)
	_, err = st.UsedCodeTokens(ctx, "missing")
	checkIs(t, "UsedCodeTokens", err, authstate.ErrNotFound)
	_, err = st.GetAccessToken(ctx, "missing")
	checkIs(t, "GetAccessToken", err, authstate.ErrNotFound)
}

func testConflict(t *testing.T, clk *clocktest.Clock, st authstate.Store) {
	ctx := t.Context()
	mustCreateRequest(t, st, newRequest(clk, "ar1"))
	other := newRequest(clk, "ar1")
	other.ClientID = "other"
	checkIs(t, "CreateAuthRequest with a taken ID", st.CreateAuthRequest(ctx, other), authstate.ErrConflict)
	if r := mustGetRequest(t, st, "ar1"); r.ClientID != "dashboard" {
		t.Errorf("ClientID = %q after a refused create, want dashboard", r.ClientID)
	}

	if err := st.CreateAccessToken(ctx, newToken(clk, "at1")); err != nil {
		t.Fatalf("CreateAccessToken: %v", err)
	}
	checkIs(t, "CreateAccessToken with a taken ID", st.CreateAccessToken(ctx, newToken(clk, "at1")), authstate.ErrConflict)

	mustSaveCode(t, st, "h1", "ar1", clk.Now().Add(time.Minute))
	checkIs(t, "SaveCode with a bound hash", st.SaveCode(ctx, "h1", "ar2", clk.Now().Add(time.Minute)), authstate.ErrConflict)
	if id, err := st.ConsumeCode(ctx, "h1", usedUntil(clk)); err != nil || id != "ar1" {
		t.Errorf("ConsumeCode(h1) = %q, %v; want ar1 (the first binding)", id, err)
	}
}

func testAuthRequestRoundTrip(t *testing.T, clk *clocktest.Clock, st authstate.Store) {
	now := clk.Now()
	zero, maxAge := uint(0), uint(3600)
	for _, r := range []authstate.AuthRequest{
		{
			ID:                  "ar1",
			ClientID:            "dashboard",
			RedirectURI:         "https://dashboard.example/callback?x=1&y=2",
			State:               "st\"ate<>&",
			Nonce:               "n-0S6_WzA2Mj",
			Scopes:              []string{"openid", "profile", "accounts", "offline_access"},
			ResponseType:        "code",
			ResponseMode:        "query",
			CodeChallenge:       "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
			CodeChallengeMethod: "S256",
			Prompt:              []string{"login", "consent"},
			MaxAge:              &maxAge,
			UILocales:           []string{"en-GB", "cy"},
			LoginHint:           "penny.plumber.portal@example.com",
			HintSubject:         "usr_01",
			ACRValues:           []string{"urn:carekey:mfa"},
			BrowserHash:         "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
			UserID:              "usr_01",
			SessionID:           "ses_01",
			AuthTime:            now.Add(-time.Nanosecond),
			AMR:                 []string{"pwd", "sms", "mfa"},
			Done:                true,
			CodeIssued:          true,
			CreatedAt:           now.Add(-time.Second),
			ExpiresAt:           now.Add(30 * time.Minute),
		},
		{ID: "ar-max-age-0", MaxAge: &zero, ExpiresAt: now.Add(time.Minute)}, // max_age=0 is not "not given"
	} {
		mustCreateRequest(t, st, r)
		checkRequest(t, "GetAuthRequest("+r.ID+")", mustGetRequest(t, st, r.ID), requestInUTC(r))
	}
}

func testAuthRequestRoundTripEmpty(t *testing.T, clk *clocktest.Clock, st authstate.Store) {
	r := authstate.AuthRequest{ID: "ar1", ExpiresAt: clk.Now().Add(time.Minute)}
	mustCreateRequest(t, st, r)
	checkRequest(t, "GetAuthRequest", mustGetRequest(t, st, "ar1"), requestInUTC(r))
}

func testUpdateAuthRequest(t *testing.T, clk *clocktest.Clock, st authstate.Store) {
	r := newRequest(clk, "ar1")
	mustCreateRequest(t, st, r)
	clk.Advance(time.Minute)
	authTime := clk.Now()
	have, err := st.UpdateAuthRequest(t.Context(), "ar1", func(r *authstate.AuthRequest) error {
		r.UserID, r.SessionID, r.AuthTime, r.Done = "usr_01", "ses_01", authTime, true
		r.AMR = []string{"pwd", "sms", "mfa"}
		r.ID = "other" // the store owns the ID
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateAuthRequest: %v", err)
	}
	want := requestInUTC(r)
	want.UserID, want.SessionID, want.AuthTime, want.Done = "usr_01", "ses_01", authTime.UTC(), true
	want.AMR = []string{"pwd", "sms", "mfa"}
	checkRequest(t, "UpdateAuthRequest result", have, want)
	checkRequest(t, "GetAuthRequest after update", mustGetRequest(t, st, "ar1"), want)
	_, err = st.GetAuthRequest(t.Context(), "other")
	checkIs(t, "GetAuthRequest(other): fn changed the ID", err, authstate.ErrNotFound)
}

func testUpdateFnError(t *testing.T, clk *clocktest.Clock, st authstate.Store) {
	r := newRequest(clk, "ar1")
	mustCreateRequest(t, st, r)
	errStop := errors.New("stop")
	_, err := st.UpdateAuthRequest(t.Context(), "ar1", func(r *authstate.AuthRequest) error {
		r.Done = true
		r.Scopes[0] = "changed" // changing the copy fn was given must not reach the store
		return errStop
	})
	checkIs(t, "UpdateAuthRequest with a failing fn", err, errStop)
	checkRequest(t, "GetAuthRequest after a failing fn", mustGetRequest(t, st, "ar1"), requestInUTC(r))
}

func testUpdateConcurrent(t *testing.T, clk *clocktest.Clock, st authstate.Store) {
	const n = 20
	mustCreateRequest(t, st, newRequest(clk, "ar1"))
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = st.UpdateAuthRequest(t.Context(), "ar1", func(r *authstate.AuthRequest) error {
				r.AMR = append(r.AMR, fmt.Sprintf("m%02d", i))
				return nil
			})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("UpdateAuthRequest %d: %v", i, err)
		}
	}
	var want []string
	for i := range n {
		want = append(want, fmt.Sprintf("m%02d", i))
	}
	if have := slices.Sorted(slices.Values(mustGetRequest(t, st, "ar1").AMR)); !slices.Equal(have, want) {
		t.Errorf("AMR = %v, want %v (a lost update)", have, want)
	}
}

func testAuthRequestExpiry(t *testing.T, clk *clocktest.Clock, st authstate.Store) {
	r := newRequest(clk, "ar1")
	mustCreateRequest(t, st, r)
	clk.Set(r.ExpiresAt.Add(-time.Nanosecond))
	mustGetRequest(t, st, "ar1")
	if _, err := st.UpdateAuthRequest(t.Context(), "ar1", func(r *authstate.AuthRequest) error { return nil }); err != nil {
		t.Fatalf("UpdateAuthRequest 1ns before ExpiresAt: %v", err)
	}
	clk.Set(r.ExpiresAt)
	_, err := st.GetAuthRequest(t.Context(), "ar1")
	checkIs(t, "GetAuthRequest at ExpiresAt", err, authstate.ErrNotFound)
	_, err = st.UpdateAuthRequest(t.Context(), "ar1", func(r *authstate.AuthRequest) error { return nil })
	checkIs(t, "UpdateAuthRequest at ExpiresAt", err, authstate.ErrNotFound)
}

func testConsumeCode(t *testing.T, clk *clocktest.Clock, st authstate.Store) {
	ctx := t.Context()
	mustSaveCode(t, st, "h1", "ar1", clk.Now().Add(time.Minute))
	mustSaveCode(t, st, "h2", "ar2", clk.Now().Add(time.Minute))
	for _, tc := range []struct {
		hash string
		want string
		err  error
	}{
		{"h1", "ar1", nil},
		{"h1", "", authstate.ErrCodeReused}, // consumed
		{"h2", "ar2", nil},                  // another code is untouched
		{"h3", "", authstate.ErrNotFound},
	} {
		have, err := st.ConsumeCode(ctx, tc.hash, usedUntil(clk))
		if have != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("ConsumeCode(%s) = %q, %v; want %q, %v", tc.hash, have, err, tc.want, tc.err)
		}
	}
}

func testCodeExpiry(t *testing.T, clk *clocktest.Clock, st authstate.Store) {
	expiresAt := clk.Now().Add(time.Minute)
	mustSaveCode(t, st, "before", "ar1", expiresAt)
	mustSaveCode(t, st, "at", "ar2", expiresAt)
	clk.Set(expiresAt.Add(-time.Nanosecond))
	if id, err := st.ConsumeCode(t.Context(), "before", usedUntil(clk)); err != nil || id != "ar1" {
		t.Errorf("ConsumeCode 1ns before expiry = %q, %v; want ar1", id, err)
	}
	clk.Set(expiresAt)
	_, err := st.ConsumeCode(t.Context(), "at", usedUntil(clk))
	checkIs(t, "ConsumeCode at expiry", err, authstate.ErrNotFound)
}

func testConsumeCodeConcurrent(t *testing.T, clk *clocktest.Clock, st authstate.Store) {
	const n = 20
	mustSaveCode(t, st, "h1", "ar1", clk.Now().Add(time.Minute))
	var wg sync.WaitGroup
	ids := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { ids[i], errs[i] = st.ConsumeCode(t.Context(), "h1", usedUntil(clk)) })
	}
	wg.Wait()
	wins := 0
	for i, err := range errs {
		switch {
		case err == nil && ids[i] == "ar1":
			wins++
		case !errors.Is(err, authstate.ErrCodeReused):
			t.Errorf("ConsumeCode %d = %q, %v; want ar1 or ErrCodeReused", i, ids[i], err)
		}
	}
	if wins != 1 {
		t.Errorf("%d of %d concurrent ConsumeCode calls won, want exactly 1", wins, n)
	}
}

// testCodeReplay: the tokens recorded for a used code are returned when it
// is presented again, until the record ends; no token is recorded after.
func testCodeReplay(t *testing.T, clk *clocktest.Clock, st authstate.Store) {
	ctx := t.Context()
	mustSaveCode(t, st, "h1", "ar1", clk.Now().Add(time.Minute))
	mustSaveCode(t, st, "h2", "ar2", clk.Now().Add(time.Minute))
	checkIs(t, "AddCodeTokens before ConsumeCode", st.AddCodeTokens(ctx, "h1", authstate.CodeTokens{AccessTokenIDs: []string{"at0"}}), authstate.ErrNotFound)
	end := clk.Now().Add(2 * time.Minute) // outlives the code itself
	if id, err := st.ConsumeCode(ctx, "h1", end); err != nil || id != "ar1" {
		t.Fatalf("ConsumeCode(h1) = %q, %v; want ar1", id, err)
	}
	if _, err := st.ConsumeCode(ctx, "h2", end); err != nil {
		t.Fatalf("ConsumeCode(h2): %v", err)
	}
	for _, ct := range []authstate.CodeTokens{
		{AccessTokenIDs: []string{"at1"}, RefreshFamilyIDs: []string{"rtf1"}},
		{AccessTokenIDs: []string{"at2"}},
	} {
		if err := st.AddCodeTokens(ctx, "h1", ct); err != nil {
			t.Fatalf("AddCodeTokens(h1, %v): %v", ct, err)
		}
	}
	if err := st.AddCodeTokens(ctx, "h2", authstate.CodeTokens{AccessTokenIDs: []string{"other"}}); err != nil {
		t.Fatalf("AddCodeTokens(h2): %v", err)
	}
	clk.Set(end.Add(-time.Nanosecond)) // the code has expired; its record has not
	_, err := st.ConsumeCode(ctx, "h1", clk.Now().Add(time.Hour))
	checkIs(t, "ConsumeCode(h1) again", err, authstate.ErrCodeReused)
	want := authstate.CodeTokens{AccessTokenIDs: []string{"at1", "at2"}, RefreshFamilyIDs: []string{"rtf1"}}
	if have, err := st.UsedCodeTokens(ctx, "h1"); err != nil || !reflect.DeepEqual(have, want) {
		t.Errorf("UsedCodeTokens(h1) = %+v, %v; want %+v", have, err, want)
	}
	checkIs(t, "AddCodeTokens after a replay", st.AddCodeTokens(ctx, "h1", authstate.CodeTokens{AccessTokenIDs: []string{"late"}}), authstate.ErrCodeReused)
	if have, _ := st.UsedCodeTokens(ctx, "h1"); !reflect.DeepEqual(have, want) {
		t.Errorf("UsedCodeTokens(h1) after a refused AddCodeTokens = %+v, want %+v", have, want)
	}
	if err := st.AddCodeTokens(ctx, "h2", authstate.CodeTokens{AccessTokenIDs: []string{"other2"}}); err != nil {
		t.Errorf("AddCodeTokens(h2), another code: %v", err)
	}
	clk.Set(end) // the record ends (ConsumeCode's second usedUntil did not extend it)
	_, err = st.ConsumeCode(ctx, "h1", clk.Now().Add(time.Hour))
	checkIs(t, "ConsumeCode(h1) after the record ended", err, authstate.ErrNotFound)
	_, err = st.UsedCodeTokens(ctx, "h1")
	checkIs(t, "UsedCodeTokens(h1) after the record ended", err, authstate.ErrNotFound)
}

// testCodeReplayRace: while tokens are being recorded for a used code, the
// code is presented again. Every token is either returned by
// UsedCodeTokens after the replay or refused to its recorder with
// ErrCodeReused: none escapes revocation.
func testCodeReplayRace(t *testing.T, clk *clocktest.Clock, st authstate.Store) {
	ctx := t.Context()
	const n = 20
	mustSaveCode(t, st, "h1", "ar1", clk.Now().Add(time.Minute))
	if _, err := st.ConsumeCode(ctx, "h1", usedUntil(clk)); err != nil {
		t.Fatalf("ConsumeCode: %v", err)
	}
	errs := make([]error, n)
	var replay error
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			errs[i] = st.AddCodeTokens(ctx, "h1", authstate.CodeTokens{AccessTokenIDs: []string{fmt.Sprint("at", i)}})
		})
		if i == n/2 {
			wg.Go(func() { _, replay = st.ConsumeCode(ctx, "h1", usedUntil(clk)) })
		}
	}
	wg.Wait()
	checkIs(t, "the replay", replay, authstate.ErrCodeReused)
	have, err := st.UsedCodeTokens(ctx, "h1")
	if err != nil {
		t.Fatalf("UsedCodeTokens: %v", err)
	}
	for i, err := range errs {
		id := fmt.Sprint("at", i)
		switch recorded := slices.Contains(have.AccessTokenIDs, id); {
		case err == nil && !recorded:
			t.Errorf("%s: AddCodeTokens succeeded but UsedCodeTokens lacks it", id)
		case errors.Is(err, authstate.ErrCodeReused) && recorded:
			t.Errorf("%s: refused with ErrCodeReused but recorded", id)
		case err != nil && !errors.Is(err, authstate.ErrCodeReused):
			t.Errorf("%s: AddCodeTokens: %v", id, err)
		}
	}
}

func testAccessTokenRoundTrip(t *testing.T, clk *clocktest.Clock, st authstate.Store) {
	now := clk.Now()
	for _, tok := range []authstate.AccessToken{
		{
			ID:             "at1",
			ClientID:       "dashboard",
			Subject:        "usr_01",
			SessionID:      "ses_01",
			RefreshTokenID: "rt_01",
			Scopes:         []string{"openid", "accounts"},
			Audience:       []string{"dashboard", "https://api.example"},
			CreatedAt:      now.Add(-time.Nanosecond),
			ExpiresAt:      now.Add(time.Hour),
		},
		{ID: "at-empty", ExpiresAt: now.Add(time.Hour)},
	} {
		if err := st.CreateAccessToken(t.Context(), tok); err != nil {
			t.Fatalf("CreateAccessToken(%s): %v", tok.ID, err)
		}
		have, err := st.GetAccessToken(t.Context(), tok.ID)
		if err != nil {
			t.Fatalf("GetAccessToken(%s): %v", tok.ID, err)
		}
		check(t, "GetAccessToken("+tok.ID+")", have, tokenInUTC(tok), have.CreatedAt, have.ExpiresAt)
	}
}

func testAccessTokenExpiry(t *testing.T, clk *clocktest.Clock, st authstate.Store) {
	tok := newToken(clk, "at1")
	if err := st.CreateAccessToken(t.Context(), tok); err != nil {
		t.Fatalf("CreateAccessToken: %v", err)
	}
	clk.Set(tok.ExpiresAt.Add(-time.Nanosecond))
	if _, err := st.GetAccessToken(t.Context(), "at1"); err != nil {
		t.Errorf("GetAccessToken 1ns before ExpiresAt: %v", err)
	}
	clk.Set(tok.ExpiresAt)
	_, err := st.GetAccessToken(t.Context(), "at1")
	checkIs(t, "GetAccessToken at ExpiresAt", err, authstate.ErrNotFound)
}

func testDeleteIdempotent(t *testing.T, clk *clocktest.Clock, st authstate.Store) {
	ctx := t.Context()
	mustCreateRequest(t, st, newRequest(clk, "ar1"))
	if err := st.CreateAccessToken(ctx, newToken(clk, "at1")); err != nil {
		t.Fatalf("CreateAccessToken: %v", err)
	}
	for i := range 2 {
		if err := st.DeleteAuthRequest(ctx, "ar1"); err != nil {
			t.Errorf("DeleteAuthRequest %d: %v", i+1, err)
		}
		if err := st.DeleteAccessToken(ctx, "at1"); err != nil {
			t.Errorf("DeleteAccessToken %d: %v", i+1, err)
		}
	}
	_, err := st.GetAuthRequest(ctx, "ar1")
	checkIs(t, "GetAuthRequest after delete", err, authstate.ErrNotFound)
	_, err = st.GetAccessToken(ctx, "at1")
	checkIs(t, "GetAccessToken after delete", err, authstate.ErrNotFound)
	mustCreateRequest(t, st, newRequest(clk, "ar1")) // the ID is free again
}

func testCancelledContext(t *testing.T, clk *clocktest.Clock, st authstate.Store) {
	mustCreateRequest(t, st, newRequest(clk, "ar1"))
	mustSaveCode(t, st, "h1", "ar1", clk.Now().Add(time.Minute))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"CreateAuthRequest", func() error { return st.CreateAuthRequest(ctx, newRequest(clk, "ar2")) }},
		{"GetAuthRequest", func() error { _, err := st.GetAuthRequest(ctx, "ar1"); return err }},
		{"UpdateAuthRequest", func() error {
			_, err := st.UpdateAuthRequest(ctx, "ar1", func(r *authstate.AuthRequest) error { r.Done = true; return nil })
			return err
		}},
		{"DeleteAuthRequest", func() error { return st.DeleteAuthRequest(ctx, "ar1") }},
		{"SaveCode", func() error { return st.SaveCode(ctx, "h2", "ar1", clk.Now().Add(time.Minute)) }},
		{"ConsumeCode", func() error { _, err := st.ConsumeCode(ctx, "h1", usedUntil(clk)); return err }},
		{"AddCodeTokens", func() error { return st.AddCodeTokens(ctx, "h1", authstate.CodeTokens{}) }},
		{"UsedCodeTokens", func() error { _, err := st.UsedCodeTokens(ctx, "h1"); return err }},
		{"CreateAccessToken", func() error { return st.CreateAccessToken(ctx, newToken(clk, "at1")) }},
		{"GetAccessToken", func() error { _, err := st.GetAccessToken(ctx, "at1"); return err }},
		{"DeleteAccessToken", func() error { return st.DeleteAccessToken(ctx, "at1") }},
		{"Ping", func() error { return st.Ping(ctx) }},
	} {
		if err := tc.call(); !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context: err = %v, want context.Canceled", tc.name, err)
		}
	}
	if r := mustGetRequest(t, st, "ar1"); r.Done {
		t.Error("a cancelled UpdateAuthRequest was saved")
	}
	if id, err := st.ConsumeCode(t.Context(), "h1", usedUntil(clk)); err != nil || id != "ar1" {
		t.Errorf("ConsumeCode after a cancelled one = %q, %v; want ar1", id, err)
	}
}

func testPing(t *testing.T, _ *clocktest.Clock, st authstate.Store) {
	if err := st.Ping(t.Context()); err != nil {
		t.Errorf("Ping: %v", err)
	}
}
