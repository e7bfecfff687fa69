package signin_test

import (
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/clock/clocktest"
	"github.com/carekey/carekey/internal/flow"
	"github.com/carekey/carekey/internal/flow/memflow"
	"github.com/carekey/carekey/internal/notify/notifytest"
	"github.com/carekey/carekey/internal/password"
	"github.com/carekey/carekey/internal/ratelimit"
	"github.com/carekey/carekey/internal/ratelimit/memlimit"
	"github.com/carekey/carekey/internal/secret"
	"github.com/carekey/carekey/internal/signin"
	"github.com/carekey/carekey/internal/store"
	"github.com/carekey/carekey/internal/store/memstore"
	"github.com/carekey/carekey/pkg/text"
)

const (
	pw    = "Correct-Horse-42!"
	email = "penny@example.com"
	phone = "+447700900047"
)

type fixture struct {
	clk    *clocktest.Clock
	users  *memstore.Store
	flows  *memflow.Store
	sender *notifytest.Recorder
	svc    *signin.Service
	phones *signin.Journey
	pepper []byte
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	clk := clocktest.New(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	users := memstore.New()
	// A queue long enough for the 100 parallel tries of TestParallelWrongPasswordsLockOnce.
	hasher := password.NewHasherLimits(password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, password.Limits{Concurrency: 8, Queue: 1000})
	hash, err := hasher.Hash(t.Context(), pw)
	if err != nil {
		t.Fatal(err)
	}
	if err := users.CreateUser(t.Context(), store.User{ID: "usr_p", Email: email, PasswordHash: hash, Phone: phone,
		PhoneVerified: true, CreatedAt: clk.Now(), UpdatedAt: clk.Now()}); err != nil {
		t.Fatal(err)
	}
	f := &fixture{clk: clk, users: users, flows: memflow.New(clk), sender: &notifytest.Recorder{}, pepper: []byte("0123456789abcdef0123456789abcdef")}
	f.svc = &signin.Service{Users: users, Hasher: hasher, Clock: clk, Logger: slog.New(slog.DiscardHandler), Lockout: ratelimit.DefaultLockout()}
	f.phones = &signin.Journey{Flows: f.flows, SMS: f.sender, Voice: f.sender, Pepper: secret.Pepper{f.pepper}, Clock: clk, Audit: users}
	return f
}

// flowAt creates a sign-in flow in state s for the user.
func (f *fixture) flowAt(t *testing.T, s signin.State) string {
	t.Helper()
	id := secret.ID("flw_")
	err := f.flows.Create(t.Context(), flow.Flow{ID: id, Kind: "signin", State: string(s), CreatedAt: f.clk.Now(),
		ExpiresAt: f.clk.Now().Add(30 * time.Minute), Data: map[string]string{signin.DataUser: "usr_p", signin.DataPhone: phone}})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (f *fixture) lastCode(t *testing.T) string {
	t.Helper()
	m, ok := f.sender.LastSMS(phone)
	if !ok {
		t.Fatal("no SMS sent")
	}
	return m.Code
}

func TestParallelWrongPasswordsLockOnce(t *testing.T) {
	f := newFixture(t)
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() {
			if _, err := f.svc.Password(t.Context(), signin.Attempt{Email: email, Password: "wrong", IP: "192.0.2.1"}); !errors.Is(err, signin.ErrInvalidCredentials) {
				t.Errorf("wrong password: %v", err)
			}
		})
	}
	wg.Wait()
	u, _ := f.users.GetUser(t.Context(), "usr_p")
	if u.LockCount != 1 || u.FailedLogins != 0 || !u.LockedUntil.Equal(f.clk.Now().Add(15*time.Minute)) {
		t.Errorf("locks %d, failed %d, until %v: want one 15-minute lock", u.LockCount, u.FailedLogins, u.LockedUntil)
	}
	counted, _ := f.users.ListAudit(t.Context(), store.AuditFilter{UserID: "usr_p", Type: "signin.password_failed"})
	if len(counted) != 10 {
		t.Errorf("%d wrong passwords counted, want 10", len(counted))
	}
	// Locked: the right password is refused like a wrong one.
	if _, err := f.svc.Password(t.Context(), signin.Attempt{Email: email, Password: pw}); !errors.Is(err, signin.ErrInvalidCredentials) {
		t.Errorf("right password while locked: %v", err)
	}
	// At the end of the lock it works again, and the unlock is audited.
	f.clk.Advance(15 * time.Minute)
	if _, err := f.svc.Password(t.Context(), signin.Attempt{Email: email, Password: pw}); err != nil {
		t.Errorf("right password after the lock: %v", err)
	}
	if ev, _ := f.users.ListAudit(t.Context(), store.AuditFilter{UserID: "usr_p", Type: "user.unlocked"}); len(ev) != 1 {
		t.Errorf("%d unlock events, want 1", len(ev))
	}
}

func TestLockDoubles(t *testing.T) {
	f := newFixture(t)
	for lock, want := range []time.Duration{15 * time.Minute, 30 * time.Minute, time.Hour} {
		for range 10 {
			_, _ = f.svc.Password(t.Context(), signin.Attempt{Email: email, Password: "wrong"})
		}
		u, _ := f.users.GetUser(t.Context(), "usr_p")
		if have := u.LockedUntil.Sub(f.clk.Now()); have != want {
			t.Errorf("lock %d lasts %s, want %s", lock+1, have, want)
		}
		f.clk.Advance(want)
	}
}

func TestSigninRateLimit(t *testing.T) {
	f := newFixture(t)
	f.svc.Limiter = memlimit.New(f.clk)
	f.svc.Limits = ratelimit.Limits{SigninPerIP: ratelimit.Limit{Name: "ip", Max: 2, Window: time.Minute}}
	for range 2 {
		_, _ = f.svc.Password(t.Context(), signin.Attempt{Email: "x@example.com", Password: "wrong", IP: "192.0.2.9"})
	}
	_, err := f.svc.Password(t.Context(), signin.Attempt{Email: email, Password: pw, IP: "192.0.2.9"})
	var limited *signin.RateLimitedError
	if !errors.As(err, &limited) || limited.RetryAfter < time.Second {
		t.Errorf("third attempt from one IP: %v", err)
	}
	if _, err := f.svc.Password(t.Context(), signin.Attempt{Email: email, Password: pw, IP: "192.0.2.10"}); err != nil {
		t.Errorf("another IP: %v", err)
	}
}

func TestCodeLifecycle(t *testing.T) {
	for _, tc := range []struct {
		name    string
		advance time.Duration
		wrong   int
		want    error
	}{
		{name: "right code", want: nil},
		{name: "just before expiry", advance: 10*time.Minute - time.Nanosecond, want: nil},
		{name: "at expiry", advance: 10 * time.Minute, want: signin.ErrNoCode},
		{name: "after 4 wrong tries", wrong: 4, want: nil},
		{name: "after 5 wrong tries", wrong: 5, want: signin.ErrNoCode},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			id := f.flowAt(t, signin.StateConfirm)
			if err := f.phones.SendCode(t.Context(), id); err != nil {
				t.Fatal(err)
			}
			code := f.lastCode(t)
			wrong := "000000"
			if code == wrong {
				wrong = "111111"
			}
			for range tc.wrong {
				if _, err := f.phones.VerifyCode(t.Context(), id, wrong); !errors.Is(err, signin.ErrWrongCode) && !errors.Is(err, signin.ErrNoCode) {
					t.Fatalf("wrong code: %v", err)
				}
			}
			f.clk.Advance(tc.advance)
			fl, err := f.phones.VerifyCode(t.Context(), id, code)
			if !errors.Is(err, tc.want) {
				t.Fatalf("have %v, want %v", err, tc.want)
			}
			if tc.want == nil && fl.State != string(signin.StateVerified) {
				t.Errorf("state %s, want verified", fl.State)
			}
			if tc.want == nil {
				if _, err := f.phones.VerifyCode(t.Context(), id, code); !errors.Is(err, signin.ErrNoCode) {
					t.Errorf("code used twice: %v", err)
				}
			}
		})
	}
}

func TestCodeStoredOnlyAsHMAC(t *testing.T) {
	f := newFixture(t)
	id := f.flowAt(t, signin.StateConfirm)
	if err := f.phones.SendCode(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	fl, _ := f.flows.Get(t.Context(), id)
	code := f.lastCode(t)
	if fl.Code == nil || strings.Contains(string(fl.Code.HMAC), code) || !secret.Verify(f.pepper, code, fl.Code.HMAC) {
		t.Errorf("flow code %+v", fl.Code)
	}
	for k, v := range fl.Data {
		if strings.Contains(v, code) {
			t.Errorf("flow data %s holds the code", k)
		}
	}
	events, _ := f.users.ListAudit(t.Context(), store.AuditFilter{})
	for _, e := range events {
		for _, v := range e.Detail {
			if strings.Contains(v, code) {
				t.Errorf("audit event %s holds the code", e.Type)
			}
		}
	}
}

func TestConcurrentRightCodesOneWins(t *testing.T) {
	f := newFixture(t)
	id := f.flowAt(t, signin.StateConfirm)
	if err := f.phones.SendCode(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	code := f.lastCode(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 20 {
		wg.Go(func() {
			if _, err := f.phones.VerifyCode(t.Context(), id, code); err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("%d of 20 won, want 1", wins)
	}
}

func TestResendNeverResetsTries(t *testing.T) {
	f := newFixture(t)
	f.phones.Cooldown = time.Second
	id := f.flowAt(t, signin.StateConfirm)
	if err := f.phones.SendCode(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		_, _ = f.phones.VerifyCode(t.Context(), id, "000000")
	}
	// Within the cooldown nothing is sent.
	if err := f.phones.SendCode(t.Context(), id); !errors.Is(err, signin.ErrCooldown) || len(f.sender.SMSs()) != 1 {
		t.Errorf("resend within cooldown: %v, %d sent", err, len(f.sender.SMSs()))
	}
	f.clk.Advance(time.Second)
	if err := f.phones.SendCode(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	fl, _ := f.flows.Get(t.Context(), id)
	if fl.Code.Attempts != 3 || fl.Code.Sends != 2 {
		t.Errorf("after resend: attempts %d sends %d, want 3 and 2", fl.Code.Attempts, fl.Code.Sends)
	}
}

func TestCallOutcomes(t *testing.T) {
	f := newFixture(t)
	id := f.flowAt(t, signin.StateConfirm)
	if err := f.phones.PlaceCall(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	calls := f.sender.Calls()
	if len(calls) != 1 {
		t.Fatalf("%d calls", len(calls))
	}
	ref := calls[0].Reference
	fl, _ := f.flows.Get(t.Context(), id)
	if strings.Contains(fl.Data[signin.DataCallRef], strings.SplitN(ref, ".", 2)[1]) {
		t.Error("the flow keeps the reference's secret in plain")
	}
	for _, forged := range []string{"", "nodot", id + ".wrong", "flw_other." + strings.SplitN(ref, ".", 2)[1]} {
		if _, err := f.phones.CallAnswered(t.Context(), forged, true); !errors.Is(err, signin.ErrUnknownReference) {
			t.Errorf("forged %q: %v", forged, err)
		}
	}
	if _, err := f.phones.FinishCall(t.Context(), id); !errors.Is(err, signin.ErrCallPending) {
		t.Errorf("before #: %v", err)
	}
	if _, err := f.phones.CallAnswered(t.Context(), ref, true); err != nil {
		t.Fatal(err)
	}
	if _, err := f.phones.CallAnswered(t.Context(), ref, true); !errors.Is(err, signin.ErrUnknownReference) {
		t.Errorf("used reference: %v", err)
	}
	fl, err := f.phones.FinishCall(t.Context(), id)
	if err != nil || fl.State != string(signin.StateVerified) {
		t.Errorf("after #: %v, state %s", err, fl.State)
	}
	if _, err := f.phones.FinishCall(t.Context(), id); !errors.Is(err, flow.ErrTransition) {
		t.Errorf("second Continue: %v, want flow.ErrTransition", err)
	}
}

func TestCallTimesOut(t *testing.T) {
	f := newFixture(t)
	id := f.flowAt(t, signin.StateConfirm)
	if err := f.phones.PlaceCall(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(2 * time.Minute)
	fl, err := f.phones.FinishCall(t.Context(), id)
	if !errors.Is(err, signin.ErrCallNotAnswered) || fl.State != string(signin.StateConfirm) {
		t.Errorf("after the timeout: %v, state %s", err, fl.State)
	}
}

func TestBadTransitionsChangeNothing(t *testing.T) {
	f := newFixture(t)
	id := f.flowAt(t, signin.StatePassword)
	if err := f.phones.SendCode(t.Context(), id); !errors.Is(err, flow.ErrTransition) {
		t.Errorf("Send Code before the password: %v", err)
	}
	if err := f.phones.PlaceCall(t.Context(), id); !errors.Is(err, flow.ErrTransition) {
		t.Errorf("Call Me before the password: %v", err)
	}
	if _, err := f.phones.VerifyCode(t.Context(), id, "123456"); !errors.Is(err, signin.ErrNoCode) {
		t.Errorf("code before the password: %v", err)
	}
	fl, _ := f.flows.Get(t.Context(), id)
	if fl.State != string(signin.StatePassword) || fl.Code != nil || len(f.sender.SMSs())+len(f.sender.Calls()) != 0 {
		t.Errorf("flow changed: %+v", fl)
	}
}

// The right password changes the user record only when there is something
// to reset, so the usual sign-in writes its audit row and no column (issue
// 13); UpdatedAt moves only with a real change.
func TestRightPasswordWritesOnlyWhatChanged(t *testing.T) {
	for _, tc := range []struct {
		name        string
		failed      int
		wantUpdated bool
	}{
		{"nothing to reset", 0, false},
		{"wrong passwords to forget", 2, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			created := f.clk.Now()
			if _, err := f.users.UpdateUser(t.Context(), "usr_p", func(u *store.User) ([]store.AuditEvent, error) {
				u.FailedLogins = tc.failed
				return nil, nil
			}); err != nil {
				t.Fatal(err)
			}
			f.clk.Advance(time.Hour)
			if _, err := f.svc.Password(t.Context(), signin.Attempt{Email: email, Password: pw}); err != nil {
				t.Fatalf("right password: %v", err)
			}
			u, err := f.users.GetUser(t.Context(), "usr_p")
			if err != nil {
				t.Fatal(err)
			}
			want := created
			if tc.wantUpdated {
				want = f.clk.Now()
			}
			if !u.UpdatedAt.Equal(want) || u.FailedLogins != 0 {
				t.Errorf("UpdatedAt %v, FailedLogins %d; want %v, 0", u.UpdatedAt, u.FailedLogins, want)
			}
			if ok, _ := f.users.ListAudit(t.Context(), store.AuditFilter{UserID: "usr_p", Type: "signin.password_ok"}); len(ok) != 1 {
				t.Errorf("%d signin.password_ok events, want 1", len(ok))
			}
		})
	}
}

// The sign-in code is worded in the language of the page the person is
// reading.
func TestCodeSMSInThePagesLanguage(t *testing.T) {
	for _, l := range text.Langs() {
		f := newFixture(t)
		id := f.flowAt(t, signin.StateConfirm)
		if err := f.phones.SendCode(text.WithLang(t.Context(), l), id); err != nil {
			t.Fatal(err)
		}
		if m, _ := f.sender.LastSMS(phone); m.Lang != l {
			t.Errorf("page in %s: SMS in %q", l, m.Lang)
		}
	}
}

// The language a person signs in in becomes their account's, for the
// notices sent about it later; signing in in the same language writes
// nothing (an account with none saved is English).
func TestSignInSavesTheLanguage(t *testing.T) {
	f := newFixture(t)
	for _, step := range []struct {
		page  text.Lang
		saved string
	}{
		{text.English, ""}, // nothing saved is English: no change
		{text.Welsh, "cy"},
		{text.Welsh, "cy"},
		{text.English, "en"},
	} {
		before, _ := f.users.GetUser(t.Context(), "usr_p")
		u, err := f.svc.Password(text.WithLang(t.Context(), step.page), signin.Attempt{Email: email, Password: pw})
		if err != nil {
			t.Fatal(err)
		}
		if u.Language != step.saved {
			t.Errorf("signed in in %s: saved %q, want %q", step.page, u.Language, step.saved)
		}
		if after, _ := f.users.GetUser(t.Context(), "usr_p"); (before.Language == step.saved) != after.UpdatedAt.Equal(before.UpdatedAt) {
			t.Errorf("signed in in %s: updated at %v → %v; want a write only when the language changes", step.page, before.UpdatedAt, after.UpdatedAt)
		}
		f.clk.Advance(time.Minute)
	}
}
