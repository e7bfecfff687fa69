package signin_test

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/flow"
	"github.com/carekey/carekey/internal/notify"
	"github.com/carekey/carekey/internal/notify/notifytest"
	phonenum "github.com/carekey/carekey/internal/phone"
	"github.com/carekey/carekey/internal/secret"
	"github.com/carekey/carekey/internal/signin"
	"github.com/carekey/carekey/internal/store"
	"github.com/carekey/carekey/pkg/text"
)

const newPhone = "+447700900222"

// newChangeFlow is a flow as the web layer hands it to StartChange.
func (f *fixture) newChangeFlow() flow.Flow {
	return flow.Flow{ID: secret.ID("flw_"), Kind: "signin", State: string(signin.StatePassword), CreatedAt: f.clk.Now(),
		ExpiresAt: f.clk.Now().Add(30 * time.Minute), Data: map[string]string{}}
}

func TestStartChange(t *testing.T) {
	for _, tc := range []struct {
		name    string
		input   string
		wantErr error
	}{
		{"invalid number", "12", phonenum.ErrInvalid},
		{"letters", "0800 FLOWERS", phonenum.ErrInvalid},
		{"the current number", "07700 900047", signin.ErrSamePhone},
		{"the current number written otherwise", "+44 (0)7700 900047", signin.ErrSamePhone},
		{"a new number", "07700 900222", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			fl := f.newChangeFlow()
			err := f.phones.StartChange(t.Context(), fl, "usr_p", phone, tc.input, "44")
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("have %v, want %v", err, tc.wantErr)
			}
			got, getErr := f.flows.Get(t.Context(), fl.ID)
			if tc.wantErr != nil {
				if !errors.Is(getErr, flow.ErrNotFound) {
					t.Errorf("a refused number created a flow: %+v (%v)", got, getErr)
				}
				return
			}
			if getErr != nil {
				t.Fatal(getErr)
			}
			want := map[string]string{signin.DataUser: "usr_p", signin.DataPurpose: signin.PurposeChangePhone,
				signin.DataPhone: newPhone, signin.DataPhoneKind: "mobile"}
			for k, v := range want {
				if got.Data[k] != v {
					t.Errorf("Data[%s] = %q, want %q", k, got.Data[k], v)
				}
			}
			if got.State != string(signin.StateConfirm) || got.Data[signin.DataEnrolling] != "" {
				t.Errorf("state %s enrolling %q, want confirm and not an enrolment", got.State, got.Data[signin.DataEnrolling])
			}
			// The code goes to the new number, not the current one.
			if err := f.phones.SendCode(t.Context(), fl.ID); err != nil {
				t.Fatal(err)
			}
			if _, ok := f.sender.LastSMS(newPhone); !ok {
				t.Error("no code sent to the new number")
			}
			if _, ok := f.sender.LastSMS(phone); ok {
				t.Error("a code went to the current number")
			}
			if u, _ := f.users.GetUser(t.Context(), "usr_p"); u.Phone != phone {
				t.Errorf("phone %q changed before the new one was confirmed", u.Phone)
			}
		})
	}
}

func TestChangePhone(t *testing.T) {
	f := newFixture(t)
	f.svc.SMS, f.svc.Email = f.sender, f.sender
	f.svc.Templates = notify.Templates{ServiceName: "Portal", CouncilName: "Norfolk County Council"}
	if err := f.svc.ChangePhone(t.Context(), signin.PhoneChange{UserID: "usr_p", Phone: newPhone, Kind: "mobile", Method: "sms", IP: "192.0.2.1"}); err != nil {
		t.Fatal(err)
	}
	u, _ := f.users.GetUser(t.Context(), "usr_p")
	if u.Phone != newPhone || !u.PhoneVerified {
		t.Errorf("phone %q verified %v, want %s verified", u.Phone, u.PhoneVerified, newPhone)
	}
	ev, err := f.users.ListAudit(t.Context(), store.AuditFilter{UserID: "usr_p", Type: "user.phone_changed"})
	if err != nil || len(ev) != 1 {
		t.Fatalf("%d phone_changed events (%v), want 1", len(ev), err)
	}
	if d := ev[0].Detail; d["old"] != "***47" || d["new"] != "***22" || d["method"] != "sms" || ev[0].IP != "192.0.2.1" {
		t.Errorf("audit detail %v ip %q", d, ev[0].IP)
	}
	if sms, ok := f.sender.LastSMS(phone); !ok || sms.Template != notify.TemplatePhoneChanged || !strings.Contains(sms.Body, "was changed") {
		t.Errorf("no notice to the old number: %+v", sms)
	}
	if _, ok := f.sender.LastSMS(newPhone); ok {
		t.Error("the notice went to the new number")
	}
	if m, ok := f.sender.LastEmail(email); !ok || m.Template != notify.TemplatePhoneChanged {
		t.Errorf("no notice by email: %+v", m)
	}
	if failed, _ := f.users.ListAudit(t.Context(), store.AuditFilter{Type: "user.phone_change_notice_failed"}); len(failed) != 0 {
		t.Errorf("notices sent, yet %d failures audited", len(failed))
	}
}

// A notice that cannot be sent is logged and audited; the change stands.
func TestChangePhoneNoticeFailureKeepsTheChange(t *testing.T) {
	for _, tc := range []struct {
		name        string
		setup       func(f *fixture)
		wantFailed  []string // channels audited as failed
		wantSentSMS bool
	}{
		{"SMS refused", func(f *fixture) {
			f.svc.SMS, f.svc.Email = f.sender, f.sender
			f.sender.FailNext(notify.ErrUndeliverable) // the SMS goes first
		}, []string{"sms"}, false},
		{"email down", func(f *fixture) {
			mail := &notifytest.Recorder{}
			mail.FailNext(notify.ErrTemporary)
			f.svc.SMS, f.svc.Email = f.sender, mail
		}, []string{"email"}, true},
		{"no senders", func(f *fixture) {}, []string{"sms", "email"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			var logs bytes.Buffer
			f.svc.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			tc.setup(f)
			if err := f.svc.ChangePhone(t.Context(), signin.PhoneChange{UserID: "usr_p", Phone: newPhone, Kind: "mobile", Method: "tel"}); err != nil {
				t.Fatalf("a failed notice undid the change: %v", err)
			}
			if u, _ := f.users.GetUser(t.Context(), "usr_p"); u.Phone != newPhone {
				t.Errorf("phone %q, want %s", u.Phone, newPhone)
			}
			if ev, _ := f.users.ListAudit(t.Context(), store.AuditFilter{UserID: "usr_p", Type: "user.phone_changed"}); len(ev) != 1 {
				t.Errorf("%d phone_changed events, want 1", len(ev))
			}
			failed, _ := f.users.ListAudit(t.Context(), store.AuditFilter{UserID: "usr_p", Type: "user.phone_change_notice_failed"})
			var channels []string
			for _, e := range failed {
				channels = append(channels, e.Detail["channel"])
				if strings.Contains(e.Detail["to"], "900047") || strings.Contains(e.Detail["to"], "penny@") {
					t.Errorf("audit holds an unmasked recipient: %v", e.Detail)
				}
			}
			if strings.Join(channels, ",") != strings.Join(tc.wantFailed, ",") {
				t.Errorf("failed notices audited for %v, want %v", channels, tc.wantFailed)
			}
			if _, ok := f.sender.LastSMS(phone); ok != tc.wantSentSMS {
				t.Errorf("SMS to the old number sent: %v, want %v", ok, tc.wantSentSMS)
			}
			out := logs.String()
			if !strings.Contains(out, "phone change notice not sent") || strings.Contains(out, "900047") || strings.Contains(out, "900222") {
				t.Errorf("want a warning without full numbers, got:\n%s", out)
			}
		})
	}
}

// Notices about an account go in its saved language, whatever the page's.
func TestChangePhoneNoticesInTheSavedLanguage(t *testing.T) {
	f := newFixture(t)
	f.svc.SMS, f.svc.Email = f.sender, f.sender
	if _, err := f.users.UpdateUser(t.Context(), "usr_p", func(u *store.User) ([]store.AuditEvent, error) {
		u.Language = "cy"
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	ctx := text.WithLang(t.Context(), text.English)
	if err := f.svc.ChangePhone(ctx, signin.PhoneChange{UserID: "usr_p", Phone: newPhone, Kind: "mobile", Method: "sms", IP: "192.0.2.1"}); err != nil {
		t.Fatal(err)
	}
	if sms, _ := f.sender.LastSMS(phone); sms.Lang != text.Welsh {
		t.Errorf("SMS notice in %q, want Welsh", sms.Lang)
	}
	if m, _ := f.sender.LastEmail(email); m.Lang != text.Welsh {
		t.Errorf("email notice in %q, want Welsh", m.Lang)
	}
}
