package registration_test

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/clock/clocktest"
	"github.com/carekey/carekey/internal/flow"
	"github.com/carekey/carekey/internal/flow/memflow"
	"github.com/carekey/carekey/internal/notify"
	"github.com/carekey/carekey/internal/notify/notifytest"
	"github.com/carekey/carekey/internal/onetimecode"
	"github.com/carekey/carekey/internal/password"
	"github.com/carekey/carekey/internal/ratelimit"
	"github.com/carekey/carekey/internal/ratelimit/memlimit"
	"github.com/carekey/carekey/internal/registration"
	"github.com/carekey/carekey/internal/secret"
	"github.com/carekey/carekey/internal/store"
	"github.com/carekey/carekey/internal/store/memstore"
	"github.com/carekey/carekey/pkg/text"
)

const goodPassword = "Correct-Horse-42!"

type rig struct {
	t     *testing.T
	svc   *registration.Service
	clk   *clocktest.Clock
	mail  *notifytest.Recorder
	store *memstore.Store
	flows flow.Store
}

func newRig(t *testing.T) *rig {
	clk := clocktest.New(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	r := &rig{t: t, clk: clk, mail: &notifytest.Recorder{}, store: memstore.New(), flows: memflow.New(clk)}
	r.svc = &registration.Service{
		Flows: r.flows, Users: r.store,
		Hasher:    password.NewHasher(password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 4),
		Policy:    password.DefaultPolicy(),
		Email:     r.mail,
		Templates: notify.Templates{ServiceName: "Children's Services Portal"},
		Pepper:    secret.Pepper{[]byte("0123456789abcdef0123456789abcdef")},
		Clock:     clk,
		BaseURL:   "https://signin.example",
		Limiter:   memlimit.New(clk),
		Limits:    ratelimit.Defaults(),
	}
	return r
}

func profile() registration.Profile {
	return registration.Profile{Forename: "Penny", Surname: "Plumber", Professional: "yes", Role: "Carer",
		Organisation: "Self", Street: "1 High Street", Town: "Norwich", Postcode: "nr12dh"}
}

// toVerify starts a flow and takes it to step 3 for email.
func (r *rig) toVerify(email string) string {
	r.t.Helper()
	f, err := r.svc.Start(r.t.Context(), []byte("csrf"), "ar_1")
	if err != nil {
		r.t.Fatal(err)
	}
	if err := r.svc.SubmitProfile(r.t.Context(), f.ID, profile(), "192.0.2.1"); err != nil {
		r.t.Fatalf("profile: %v", err)
	}
	if err := r.svc.SubmitCredentials(r.t.Context(), f.ID, registration.Credentials{Email: email, Password: goodPassword, Confirm: goodPassword}); err != nil {
		r.t.Fatalf("credentials: %v", err)
	}
	return f.ID
}

func (r *rig) code(to string) string {
	r.t.Helper()
	m, ok := r.mail.LastEmail(to)
	if !ok || m.Code == "" {
		r.t.Fatalf("no code emailed to %s", to)
	}
	return m.Code
}

func TestRegistrationCreatesUserWithHistoryAndAudit(t *testing.T) {
	r := newRig(t)
	id := r.toVerify("  New.User@Example.COM ")
	code := r.code("new.user@example.com")
	f, _ := r.flows.Get(t.Context(), id)
	if strings.Contains(f.Data[registration.DataPasswordHash], goodPassword) || !strings.HasPrefix(f.Data[registration.DataPasswordHash], "$argon2id$") {
		t.Fatal("the flow must hold the argon2id hash only")
	}
	for _, v := range f.Data {
		if strings.Contains(v, code) {
			t.Fatal("the code is in the flow data")
		}
	}
	done, err := r.svc.SubmitCode(t.Context(), id, code[:4]+" "+code[4:], "192.0.2.1")
	if err != nil {
		t.Fatalf("code: %v", err)
	}
	if done.AuthRequest != "ar_1" || done.UserID == "" {
		t.Fatalf("completed %+v", done)
	}
	u, err := r.store.GetUserByEmail(t.Context(), "new.user@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if u.Profile.Postcode != "NR1 2DH" || u.GivenName != "Penny" || !u.EmailVerified || !u.Profile.Professional {
		t.Fatalf("user %+v", u)
	}
	if h, _ := r.store.PasswordHistory(t.Context(), u.ID, 9); len(h) != 1 || h[0] != u.PasswordHash {
		t.Fatalf("history %v", h)
	}
	if ev, _ := r.store.ListAudit(t.Context(), store.AuditFilter{UserID: u.ID, Type: "user.registered"}); len(ev) != 1 {
		t.Fatalf("audit %v", ev)
	}
	if _, err := r.flows.Get(t.Context(), id); !errors.Is(err, flow.ErrNotFound) {
		t.Fatalf("flow not deleted: %v", err)
	}
}

func TestCredentialsErrorsListEveryRule(t *testing.T) {
	r := newRig(t)
	f, _ := r.svc.Start(t.Context(), nil, "")
	_ = r.svc.SubmitProfile(t.Context(), f.ID, profile(), "ip")
	err := r.svc.SubmitCredentials(t.Context(), f.ID, registration.Credentials{Email: "a@b.example\r\nBcc: c@d.example", Password: "1 short", Confirm: "other"})
	var inv *text.Invalid
	if !errors.As(err, &inv) {
		t.Fatalf("got %v", err)
	}
	var got []string
	for _, fm := range inv.Fields {
		got = append(got, fm.Field+": "+fm.Message.String())
	}
	want := []string{
		"email: " + text.Get(text.EmailInvalid),
		"password: It must be at least 14 characters long",
		"password: It must contain only letters, digits, and special characters",
		"password: It must start with a letter",
		"password: It must contain at least one upper-case letter",
		"password: It must contain at least one special character.",
		"confirm_password: " + text.Get(text.PasswordsDiffer),
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if cur, _ := r.flows.Get(t.Context(), f.ID); cur.State != string(registration.StateCredentials) || len(r.mail.Emails()) != 0 {
		t.Fatal("a form with errors changed the flow or sent mail")
	}
}

func TestAlreadyRegisteredGetsWarningNotCode(t *testing.T) {
	r := newRig(t)
	if err := r.store.CreateUser(t.Context(), store.User{ID: "usr_old", Email: "old@example.com", CreatedAt: r.clk.Now(), UpdatedAt: r.clk.Now()}); err != nil {
		t.Fatal(err)
	}
	id := r.toVerify("old@example.com")
	m, _ := r.mail.LastEmail("old@example.com")
	if m.Template != notify.TemplateAlreadyRegistered || m.Code != "" || !strings.Contains(m.Text, "https://signin.example/forgot-password") {
		t.Fatalf("email %+v", m)
	}
	f, _ := r.flows.Get(t.Context(), id)
	if f.State != string(registration.StateVerify) || f.Code == nil {
		t.Fatalf("flow %+v must look like any other", f)
	}
	if _, err := r.svc.SubmitCode(t.Context(), id, "12345678", "ip"); !errors.Is(err, onetimecode.ErrWrongCode) {
		t.Fatalf("code: %v", err)
	}
}

func TestSendFailureLosesNothing(t *testing.T) {
	r := newRig(t)
	f, _ := r.svc.Start(t.Context(), nil, "")
	_ = r.svc.SubmitProfile(t.Context(), f.ID, profile(), "ip")
	r.mail.FailNext(notify.ErrTemporary)
	err := r.svc.SubmitCredentials(t.Context(), f.ID, registration.Credentials{Email: "x@example.com", Password: goodPassword, Confirm: goodPassword})
	if !errors.Is(err, registration.ErrSendFailed) {
		t.Fatalf("got %v", err)
	}
	cur, _ := r.flows.Get(t.Context(), f.ID)
	if cur.State != string(registration.StateCredentials) || cur.Data[registration.FieldPostcode] != "NR1 2DH" {
		t.Fatalf("flow after failed send: %+v", cur)
	}
	// Trying again works, straight away.
	if err := r.svc.SubmitCredentials(t.Context(), f.ID, registration.Credentials{Email: "x@example.com", Password: goodPassword, Confirm: goodPassword}); err != nil {
		t.Fatal(err)
	}
	// A failed resend keeps the live code.
	code := r.code("x@example.com")
	r.clk.Advance(time.Minute)
	r.mail.FailNext(notify.ErrTemporary)
	if err := r.svc.Resend(t.Context(), f.ID); !errors.Is(err, registration.ErrSendFailed) {
		t.Fatalf("resend: %v", err)
	}
	if _, err := r.svc.SubmitCode(t.Context(), f.ID, code, "ip"); err != nil {
		t.Fatalf("old code after failed resend: %v", err)
	}
}

func TestBackKillsCodeAndEarlierFormsChangeNothing(t *testing.T) {
	r := newRig(t)
	id := r.toVerify("a@example.com")
	code := r.code("a@example.com")
	if err := r.svc.SubmitProfile(t.Context(), id, profile(), "ip"); !errors.Is(err, flow.ErrTransition) {
		t.Fatalf("profile posted at step 3: %v", err)
	}
	if err := r.svc.Back(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	f, _ := r.flows.Get(t.Context(), id)
	if f.State != string(registration.StateCredentials) {
		t.Fatalf("state %s", f.State)
	}
	if _, err := r.svc.SubmitCode(t.Context(), id, code, "ip"); !errors.Is(err, flow.ErrTransition) {
		t.Fatalf("code at step 2: %v", err)
	}
	// A new address, then the old code is dead and the new one works.
	if err := r.svc.SubmitCredentials(t.Context(), id, registration.Credentials{Email: "b@example.com", Password: goodPassword, Confirm: goodPassword}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.svc.SubmitCode(t.Context(), id, code, "ip"); !errors.Is(err, onetimecode.ErrWrongCode) {
		t.Fatalf("old code: %v", err)
	}
	if _, err := r.svc.SubmitCode(t.Context(), id, r.code("b@example.com"), "ip"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.store.GetUserByEmail(t.Context(), "b@example.com"); err != nil {
		t.Fatal(err)
	}
}

func TestResendCooldownMaximumAndTries(t *testing.T) {
	r := newRig(t)
	id := r.toVerify("a@example.com")
	code := r.code("a@example.com")
	for range 3 {
		if _, err := r.svc.SubmitCode(t.Context(), id, "0000000"+code[7:8], "ip"); err == nil && code != "0000000"+code[7:8] {
			t.Fatal("wrong code accepted")
		}
	}
	if err := r.svc.Resend(t.Context(), id); !errors.Is(err, onetimecode.ErrCooldown) {
		t.Fatalf("resend at once: %v", err)
	}
	r.clk.Advance(time.Minute)
	if err := r.svc.Resend(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	f, _ := r.flows.Get(t.Context(), id)
	if f.Code.Attempts != 3 {
		t.Fatalf("attempts after resend %d, want 3", f.Code.Attempts)
	}
	for i := 3; i <= 5; i++ {
		r.clk.Advance(time.Minute)
		if err := r.svc.Resend(t.Context(), id); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	r.clk.Advance(time.Minute)
	if err := r.svc.Resend(t.Context(), id); !errors.Is(err, onetimecode.ErrTooManySends) {
		t.Fatalf("6th send: %v", err)
	}
	if n := len(r.mail.Emails()); n != 5 {
		t.Fatalf("%d emails, want 5", n)
	}
}

// TestConcurrentRightCodes: 20 parallel submissions of the right code create
// exactly one user and report exactly one completion.
func TestConcurrentRightCodes(t *testing.T) {
	r := newRig(t)
	id := r.toVerify("race@example.com")
	code := r.code("race@example.com")
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if done, err := r.svc.SubmitCode(t.Context(), id, code, "ip"); err == nil && done.UserID != "" {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d completions, want 1", wins.Load())
	}
	if ev, _ := r.store.ListAudit(t.Context(), store.AuditFilter{Type: "user.registered"}); len(ev) != 1 {
		t.Fatalf("%d users registered, want 1", len(ev))
	}
}

func TestExpiredFlow(t *testing.T) {
	r := newRig(t)
	f, _ := r.svc.Start(t.Context(), nil, "")
	r.clk.Advance(time.Hour)
	if err := r.svc.SubmitProfile(t.Context(), f.ID, profile(), "ip"); !errors.Is(err, registration.ErrExpired) {
		t.Fatalf("got %v", err)
	}
}

// TestRefusedCredentialsCostNoHash (issue 10, point 6): a step 2 that a limit
// refuses computes no argon2id hash, so refused requests cannot be used to
// burn the server's CPU.
func TestRefusedCredentialsCostNoHash(t *testing.T) {
	creds := func(email string) registration.Credentials {
		return registration.Credentials{Email: email, Password: goodPassword, Confirm: goodPassword}
	}
	for _, tc := range []struct {
		name  string
		setup func(r *rig) string // returns a flow whose next step 2 is refused
		want  error
	}{
		{"wrong state: step 1 not done", func(r *rig) string {
			f, _ := r.svc.Start(t.Context(), nil, "")
			return f.ID
		}, flow.ErrTransition},
		{"wrong state: at step 3", func(r *rig) string { return r.toVerify("a@example.com") }, flow.ErrTransition},
		{"flow expired", func(r *rig) string {
			f, _ := r.svc.Start(t.Context(), nil, "")
			_ = r.svc.SubmitProfile(t.Context(), f.ID, profile(), "ip")
			r.clk.Advance(time.Hour)
			return f.ID
		}, registration.ErrExpired},
		{"codes per address used up", func(r *rig) string {
			r.svc.Limits.EmailCodesPerAddress.Max = 1
			id := r.toVerify("a@example.com")
			_ = r.svc.Back(t.Context(), id)
			return id
		}, onetimecode.ErrRateLimited},
		{"codes per flow used up", func(r *rig) string {
			r.svc.Codes = onetimecode.EmailRules()
			r.svc.Codes.MaxSends = 1
			id := r.toVerify("a@example.com")
			_ = r.svc.Back(t.Context(), id)
			return id
		}, onetimecode.ErrTooManySends},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			id := tc.setup(r)
			before := r.svc.Hasher.Stats().Computed
			err := r.svc.SubmitCredentials(t.Context(), id, creds("a@example.com"))
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if n := r.svc.Hasher.Stats().Computed - before; n != 0 {
				t.Errorf("a refused step 2 computed %d hashes, want 0", n)
			}
		})
	}
}

// A registration made in Welsh emails its code in Welsh and saves Welsh
// with the account, for the notices that come later; one in English says so.
func TestRegistrationInTheReadersLanguage(t *testing.T) {
	for _, tc := range []struct {
		lang    text.Lang
		subject string
	}{
		{text.English, "confirm your email address"},
		{text.Welsh, "cadarnhau"},
	} {
		t.Run(string(tc.lang), func(t *testing.T) {
			r := newRig(t)
			ctx := text.WithLang(t.Context(), tc.lang)
			f, err := r.svc.Start(ctx, []byte("csrf"), "ar_1")
			if err != nil {
				t.Fatal(err)
			}
			if err := r.svc.SubmitProfile(ctx, f.ID, profile(), "192.0.2.1"); err != nil {
				t.Fatal(err)
			}
			if err := r.svc.SubmitCredentials(ctx, f.ID, registration.Credentials{Email: "nina@example.com", Password: goodPassword, Confirm: goodPassword}); err != nil {
				t.Fatal(err)
			}
			m, ok := r.mail.LastEmail("nina@example.com")
			if !ok || m.Lang != tc.lang || !strings.Contains(strings.ToLower(m.Subject), tc.subject) {
				t.Fatalf("email in %s, subject %q; want %s with %q", m.Lang, m.Subject, tc.lang, tc.subject)
			}
			if _, err := r.svc.SubmitCode(ctx, f.ID, m.Code, "192.0.2.1"); err != nil {
				t.Fatal(err)
			}
			u, err := r.store.GetUserByEmail(t.Context(), "nina@example.com")
			if err != nil || u.Language != string(tc.lang) {
				t.Fatalf("user language %q, %v; want %s", u.Language, err, tc.lang)
			}
		})
	}
}
