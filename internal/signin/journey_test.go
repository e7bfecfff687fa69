package signin_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/flow"
	"github.com/carekey/carekey/internal/ratelimit"
	"github.com/carekey/carekey/internal/ratelimit/memlimit"
	"github.com/carekey/carekey/internal/session/memsession"
	"github.com/carekey/carekey/internal/signin"
	"github.com/carekey/carekey/internal/store"
	"github.com/carekey/carekey/pkg/text"
)

// withLifecycle wires what Step and Finish need beyond the phone steps:
// the accounts service and a session store.
func (f *fixture) withLifecycle() *memsession.Store {
	sessions := memsession.New(f.clk)
	f.phones.Accounts = f.svc
	f.phones.Sessions = sessions
	f.phones.SessionIdle, f.phones.SessionAbsolute = 30*time.Minute, 12*time.Hour
	return sessions
}

func TestStartAndLoad(t *testing.T) {
	f := newFixture(t)
	fl, token, err := f.phones.Start(t.Context(), "ar_1", "")
	if err != nil {
		t.Fatal(err)
	}
	if fl.Kind != signin.Kind || signin.State(fl.State) != signin.StatePassword || !fl.ExpiresAt.Equal(f.clk.Now().Add(30*time.Minute)) {
		t.Errorf("started flow %+v: want kind signin at password, 30 minutes to live", fl)
	}
	if d := signin.DataOf(fl); d.AuthRequest != "ar_1" || d.Return != "" || d.ChangePhone {
		t.Errorf("DataOf = %+v, want the auth request only", d)
	}
	if got, err := f.phones.Load(t.Context(), fl.ID, token); err != nil || got.ID != fl.ID {
		t.Fatalf("Load with its token = %v, %v", got.ID, err)
	}
	for name, tok := range map[string]string{"wrong token": token + "x", "no token": ""} {
		if _, err := f.phones.Load(t.Context(), fl.ID, tok); !errors.Is(err, flow.ErrNotFound) {
			t.Errorf("%s: Load = %v, want flow.ErrNotFound", name, err)
		}
	}
	other := fl
	other.ID, other.Kind = "flw_other", "registration"
	if err := f.flows.Create(t.Context(), other); err != nil {
		t.Fatal(err)
	}
	if _, err := f.phones.Load(t.Context(), other.ID, token); !errors.Is(err, flow.ErrNotFound) {
		t.Errorf("another journey's flow: Load = %v, want flow.ErrNotFound", err)
	}
	f.clk.Advance(30 * time.Minute)
	if got, err := f.phones.Load(t.Context(), fl.ID, token); !errors.Is(err, signin.ErrExpired) || got.ID != fl.ID {
		t.Errorf("at its expiry: Load = %v, %v; want the flow and ErrExpired", got.ID, err)
	}
}

// The expiry is checked inside the compare-and-swap: a flow that expires
// between Load and Step is not moved and sends nothing.
func TestStepChecksExpiryInTheSwap(t *testing.T) {
	for _, e := range []signin.Event{signin.EventSendCode, signin.EventPlaceCall, signin.EventCancel} {
		t.Run(string(e), func(t *testing.T) {
			f := newFixture(t)
			id := f.flowAt(t, signin.StateConfirm)
			fl, err := f.flows.Get(t.Context(), id)
			if err != nil {
				t.Fatal(err)
			}
			f.clk.Advance(30 * time.Minute)
			if _, err := signin.StepFlow(f.phones, t.Context(), fl, signin.Action{Event: e}); !errors.Is(err, signin.ErrExpired) {
				t.Fatalf("Step = %v, want ErrExpired", err)
			}
			if got, err := f.flows.Get(t.Context(), id); err != nil || signin.State(got.State) != signin.StateConfirm {
				t.Errorf("flow after an expired step: %+v, %v; want it unmoved", got, err)
			}
			if n := len(f.sender.SMSs()) + len(f.sender.Calls()); n != 0 {
				t.Errorf("%d messages sent for an expired flow", n)
			}
		})
	}
}

// A send posted at a step that sends nothing is refused before the
// per-phone limit counts it, and changes nothing.
func TestStepRefusesAnotherStepsEventBeforeCounting(t *testing.T) {
	f := newFixture(t)
	f.phones.Limiter = memlimit.New(f.clk)
	f.phones.Limits = ratelimit.Limits{CodesPerPhone: ratelimit.Limit{Name: "codes", Max: 1, Window: time.Hour}}
	id := f.flowAt(t, signin.StateEnrol) // the number is not confirmed yet
	fl, _ := f.flows.Get(t.Context(), id)
	if _, err := signin.StepFlow(f.phones, t.Context(), fl, signin.Action{Event: signin.EventSendCode}); !errors.Is(err, flow.ErrTransition) {
		t.Fatalf("Step = %v, want flow.ErrTransition", err)
	}
	id = f.flowAt(t, signin.StateConfirm)
	fl, _ = f.flows.Get(t.Context(), id)
	out, err := signin.StepFlow(f.phones, t.Context(), fl, signin.Action{Event: signin.EventSendCode})
	if err != nil {
		t.Fatalf("the one allowed send: %v", err)
	}
	if signin.State(out.Flow.State) != signin.StateCode || out.Flow.Code == nil {
		t.Errorf("Step returned %+v, want the flow as saved, at code", out.Flow)
	}
}

func TestStepPasswordFormAndCredentials(t *testing.T) {
	f := newFixture(t)
	f.withLifecycle()
	fl, _, err := f.phones.Start(t.Context(), "", "")
	if err != nil {
		t.Fatal(err)
	}
	var inv *text.Invalid
	if _, err := signin.StepFlow(f.phones, t.Context(), fl, signin.Action{Event: signin.EventPasswordOK}); !errors.As(err, &inv) || len(inv.Fields) != 2 {
		t.Errorf("empty form: %v, want *text.Invalid for email and password", err)
	}
	if _, err := signin.StepFlow(f.phones, t.Context(), fl, signin.Action{Event: signin.EventPasswordOK, Email: email, Password: "wrong"}); !errors.Is(err, signin.ErrInvalidCredentials) {
		t.Errorf("wrong password: %v, want ErrInvalidCredentials", err)
	}
	out, err := signin.StepFlow(f.phones, t.Context(), fl, signin.Action{Event: signin.EventPasswordOK, Email: " PENNY@example.com", Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	if d := signin.DataOf(out.Flow); signin.State(out.Flow.State) != signin.StateConfirm || d.User != "usr_p" || d.Phone != phone || d.Enrolling {
		t.Errorf("after the password: %s %+v, want confirm for usr_p's phone", out.Flow.State, d)
	}
}

// Finish is the only place a session starts: after the right code, with a
// fresh ID and AMR pwd + sms + mfa; the flow is deleted.
func TestStepRightCodeFinishes(t *testing.T) {
	f := newFixture(t)
	sessions := f.withLifecycle()
	id := f.flowAt(t, signin.StateConfirm)
	_, err := f.flows.Update(t.Context(), id, func(fl *flow.Flow) error {
		fl.Set(signin.DataAuthRequest, "ar_1")
		fl.Set(signin.DataEnrolling, "1")
		fl.Set(signin.DataPhone, "+447700900222")
		fl.Set(signin.DataPhoneKind, "mobile")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	fl, _ := f.flows.Get(t.Context(), id)
	out, err := signin.StepFlow(f.phones, t.Context(), fl, signin.Action{Event: signin.EventSendCode})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := f.sender.LastSMS("+447700900222")
	out, err = signin.StepFlow(f.phones, t.Context(), out.Flow, signin.Action{Event: signin.EventCodeOK, Code: m.Code, IP: "192.0.2.9"})
	if err != nil || out.Done == nil {
		t.Fatalf("Step = %+v, %v; want done", out, err)
	}
	c := *out.Done
	if c.AuthRequest != "ar_1" || c.PhoneChanged || c.Session.UserID != "usr_p" || !slices.Equal(c.Session.AMR, []string{"pwd", "sms", "mfa"}) {
		t.Errorf("completion %+v", c)
	}
	if _, err := sessions.Get(t.Context(), c.Session.ID); err != nil {
		t.Errorf("session not stored: %v", err)
	}
	if _, err := f.flows.Get(t.Context(), id); !errors.Is(err, flow.ErrNotFound) {
		t.Errorf("finished flow kept: %v", err)
	}
	u, _ := f.users.GetUser(t.Context(), "usr_p")
	if u.Phone != "+447700900222" {
		t.Errorf("enrolled phone not saved: %s", u.Phone)
	}
	evs, _ := f.users.ListAudit(t.Context(), store.AuditFilter{})
	var seen bool
	for _, e := range evs {
		seen = seen || (e.Type == "signin.second_factor_ok" && e.IP == "192.0.2.9" && e.Detail["method"] == "sms")
	}
	if !seen {
		t.Errorf("no signin.second_factor_ok with method and IP: %+v", evs)
	}
}

func TestFinishRefusesAFlowNotVerified(t *testing.T) {
	f := newFixture(t)
	f.withLifecycle()
	id := f.flowAt(t, signin.StateCode)
	fl, _ := f.flows.Get(t.Context(), id)
	if _, err := f.phones.Finish(t.Context(), fl, "sms", "", func(context.Context, string) bool { return true }); !errors.Is(err, flow.ErrTransition) {
		t.Errorf("Finish before verified = %v, want flow.ErrTransition", err)
	}
}

// Step loads the flow by its ID and CSRF token, and acts on a phone change
// only for the browser signed in as its user.
func TestStepLoadsAndChecksTheOwner(t *testing.T) {
	f := newFixture(t)
	f.withLifecycle()
	fl, token := f.phones.NewFlow()
	if err := f.phones.StartChange(t.Context(), fl, "usr_p", phone, "07700 900222", "44"); err != nil {
		t.Fatal(err)
	}
	send := signin.Action{Event: signin.EventSendCode}
	if _, err := f.phones.Step(t.Context(), fl.ID, "forged", send); !errors.Is(err, flow.ErrNotFound) {
		t.Errorf("forged token: %v, want flow.ErrNotFound", err)
	}
	for name, owns := range map[string]func(context.Context, string) bool{
		"no session":   nil,
		"someone else": func(_ context.Context, id string) bool { return id == "usr_other" },
	} {
		out, err := f.phones.Step(t.Context(), fl.ID, token, signin.Action{Event: signin.EventSendCode, Owns: owns})
		if !errors.Is(err, signin.ErrNotYourChange) || out.Flow.ID != fl.ID {
			t.Errorf("%s: Step = %v (flow %q), want ErrNotYourChange with the flow", name, err, out.Flow.ID)
		}
	}
	if n := len(f.sender.SMSs()); n != 0 {
		t.Fatalf("%d codes sent for a browser that does not own the change", n)
	}
	send.Owns = func(_ context.Context, id string) bool { return id == "usr_p" }
	out, err := f.phones.Step(t.Context(), fl.ID, token, send)
	if err != nil || signin.State(out.Flow.State) != signin.StateCode {
		t.Fatalf("the owner's Send Code: %v, state %s", err, out.Flow.State)
	}
}

// An answered call on an account locked meanwhile ends the flow; Step still
// returns the flow it loaded (only a flow that could not be loaded comes
// back empty), so the caller tells "ended meanwhile" from "no flow".
func TestStepCallOnALockedAccountKeepsTheLoadedFlow(t *testing.T) {
	f := newFixture(t)
	f.withStrikes()
	f.withLifecycle()
	fl, token := f.storedAtConfirm(t)
	if _, err := f.phones.Step(t.Context(), fl.ID, token, signin.Action{Event: signin.EventPlaceCall}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.phones.CallAnswered(t.Context(), f.sender.Calls()[0].Reference, true); err != nil {
		t.Fatal(err)
	}
	if _, err := f.users.UpdateUser(t.Context(), "usr_p", func(u *store.User) ([]store.AuditEvent, error) {
		u.LockedUntil = f.clk.Now().Add(15 * time.Minute)
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	out, err := f.phones.Step(t.Context(), fl.ID, token, signin.Action{Event: signin.EventCallAnswered})
	if !errors.Is(err, flow.ErrNotFound) || out.Done != nil || out.Flow.ID != fl.ID {
		t.Fatalf("Step = %+v, %v; want flow.ErrNotFound with the loaded flow and no completion", out, err)
	}
	if _, err := f.phones.Step(t.Context(), fl.ID, token, signin.Action{Event: signin.EventCallAnswered}); !errors.Is(err, flow.ErrNotFound) {
		t.Errorf("the ended flow: %v, want flow.ErrNotFound", err)
	}
}

// A right SMS code in a sign-in writes the second factor's audit row once,
// with the account's check (store.ClearAuditor) when the user is clear,
// after the reset of wrong codes when some were outstanding, and not at all
// when the account is locked.
func TestRightCodeAuditedOnce(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(u *store.User, now time.Time)
		done   bool
	}{
		{"clear", func(*store.User, time.Time) {}, true},
		{"wrong codes outstanding", func(u *store.User, _ time.Time) { u.FailedCodes = 2 }, true},
		{"locked", func(u *store.User, now time.Time) { u.LockedUntil = now.Add(time.Minute) }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.withStrikes()
			f.withLifecycle()
			fl, token := f.storedAtConfirm(t)
			if _, err := f.phones.Step(t.Context(), fl.ID, token, signin.Action{Event: signin.EventSendCode}); err != nil {
				t.Fatal(err)
			}
			if _, err := f.users.UpdateUser(t.Context(), "usr_p", func(u *store.User) ([]store.AuditEvent, error) {
				tc.change(u, f.clk.Now())
				return nil, nil
			}); err != nil {
				t.Fatal(err)
			}
			m, _ := f.sender.LastSMS(phone)
			out, err := f.phones.Step(t.Context(), fl.ID, token, signin.Action{Event: signin.EventCodeOK, Code: m.Code, IP: "192.0.2.9"})
			if (out.Done != nil) != tc.done {
				t.Fatalf("Step = %+v, %v; want done %v", out, err, tc.done)
			}
			evs, _ := f.users.ListAudit(t.Context(), store.AuditFilter{Type: "signin.second_factor_ok"})
			want := 0
			if tc.done {
				want = 1
			}
			if len(evs) != want {
				t.Fatalf("second_factor_ok rows %+v, want %d", evs, want)
			}
			if want == 1 && (evs[0].IP != "192.0.2.9" || evs[0].Detail["method"] != "sms" || evs[0].UserID != "usr_p") {
				t.Errorf("second_factor_ok row %+v, want method sms from 192.0.2.9", evs[0])
			}
			if u, _ := f.users.GetUser(t.Context(), "usr_p"); tc.done && u.FailedCodes != 0 {
				t.Errorf("failed codes %d after a right code, want 0", u.FailedCodes)
			}
		})
	}
}

// storedAtConfirm stores a sign-in flow of usr_p at "Confirm your
// identity" and returns it with its CSRF token.
func (f *fixture) storedAtConfirm(t *testing.T) (flow.Flow, string) {
	t.Helper()
	fl, token := f.phones.NewFlow()
	fl.State = string(signin.StateConfirm)
	fl.Set(signin.DataUser, "usr_p")
	fl.Set(signin.DataPhone, phone)
	if err := f.flows.Create(t.Context(), fl); err != nil {
		t.Fatal(err)
	}
	return fl, token
}

// A send the phone's limit refuses leaves the flow as it was: the code the
// user has still works, and no other was stored or sent.
func TestRefusedSendLeavesTheFlow(t *testing.T) {
	f := newFixture(t)
	f.phones.Limiter = memlimit.New(f.clk)
	f.phones.Limits = ratelimit.Limits{CodesPerPhone: ratelimit.Limit{Name: "codes", Max: 1, Window: time.Hour}}
	id := f.flowAt(t, signin.StateConfirm)
	fl, _ := f.flows.Get(t.Context(), id)
	out, err := signin.StepFlow(f.phones, t.Context(), fl, signin.Action{Event: signin.EventSendCode})
	if err != nil {
		t.Fatalf("the one allowed send: %v", err)
	}
	first, _ := f.flows.Get(t.Context(), id)
	f.clk.Advance(time.Minute) // past the cooldown
	if _, err := signin.StepFlow(f.phones, t.Context(), out.Flow, signin.Action{Event: signin.EventSendCode}); !errors.Is(err, ratelimit.ErrLimited) {
		t.Fatalf("second send: %v, want ErrLimited", err)
	}
	after, _ := f.flows.Get(t.Context(), id)
	after.Version = first.Version // two writes later
	if !reflect.DeepEqual(after, first) {
		t.Errorf("flow after a refused send:\n%+v\nwant as it was:\n%+v", after, first)
	}
	if n := len(f.sender.SMSs()); n != 1 {
		t.Errorf("%d SMS sent, want 1", n)
	}
	if evs, _ := f.users.ListAudit(t.Context(), store.AuditFilter{Type: "signin.code_limited"}); len(evs) != 1 {
		t.Errorf("code_limited rows %+v, want 1", evs)
	}
}

// With ClientOf, the session a sign-in starts for an auth request lists
// that request's client from the start.
func TestSessionStartsWithTheClient(t *testing.T) {
	f := newFixture(t)
	sessions := f.withLifecycle()
	f.phones.ClientOf = func(_ context.Context, id string) string {
		if id != "ar_1" {
			t.Errorf("ClientOf(%q), want ar_1", id)
		}
		return "portal"
	}
	fl, token := f.phones.NewFlow()
	fl.State = string(signin.StateConfirm)
	fl.Set(signin.DataUser, "usr_p")
	fl.Set(signin.DataPhone, phone)
	fl.Set(signin.DataAuthRequest, "ar_1")
	if err := f.flows.Create(t.Context(), fl); err != nil {
		t.Fatal(err)
	}
	if _, err := f.phones.Step(t.Context(), fl.ID, token, signin.Action{Event: signin.EventSendCode}); err != nil {
		t.Fatal(err)
	}
	m, _ := f.sender.LastSMS(phone)
	out, err := f.phones.Step(t.Context(), fl.ID, token, signin.Action{Event: signin.EventCodeOK, Code: m.Code})
	if err != nil || out.Done == nil {
		t.Fatalf("Step = %+v, %v; want done", out, err)
	}
	s, err := sessions.Get(t.Context(), out.Done.Session.ID)
	if err != nil || !slices.Equal(s.Clients, []string{"portal"}) {
		t.Errorf("stored session clients %v, %v; want [portal]", s.Clients, err)
	}
}

// A call speaks the language of the page it was asked for from, and its
// answer says which, for the words said back.
func TestCallSpeaksThePagesLanguage(t *testing.T) {
	for _, l := range text.Langs() {
		f := newFixture(t)
		fl, token := f.storedAtConfirm(t)
		ctx := text.WithLang(t.Context(), l)
		if _, err := f.phones.Step(ctx, fl.ID, token, signin.Action{Event: signin.EventPlaceCall}); err != nil {
			t.Fatal(err)
		}
		call := f.sender.Calls()[0]
		if call.Lang != l {
			t.Errorf("page in %s: call in %q", l, call.Lang)
		}
		got, err := f.phones.CallAnswered(t.Context(), call.Reference, true)
		if err != nil || got != l {
			t.Errorf("page in %s: answer in %q, %v", l, got, err)
		}
	}
}
