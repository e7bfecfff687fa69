package notifytest_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/carekey/carekey/internal/notify"
	"github.com/carekey/carekey/internal/notify/notifytest"
)

var tpl = notify.Templates{ServiceName: "Children's Services Portal", CouncilName: "Norfolk County Council"}

func TestRecords(t *testing.T) {
	var r notifytest.Recorder
	ctx := t.Context()
	for _, err := range []error{
		r.SendEmail(ctx, tpl.VerifyEmail("penny@example.com", "11111111")),
		r.SendEmail(ctx, tpl.VerifyEmail("penny@example.com", "22222222")),
		r.SendSMS(ctx, tpl.SignInCodeSMS("+447700900047", "123456")),
		r.PlaceCall(ctx, tpl.SignInCall("+447700900047", "ref_1")),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(r.Emails()) != 2 || len(r.SMSs()) != 1 || len(r.Calls()) != 1 {
		t.Fatalf("have %d emails, %d SMSs, %d calls", len(r.Emails()), len(r.SMSs()), len(r.Calls()))
	}
	if m, ok := r.LastEmail("penny@example.com"); !ok || m.Code != "22222222" {
		t.Errorf("LastEmail: have %q %v", m.Code, ok)
	}
	if m, ok := r.LastSMS("+447700900047"); !ok || m.Code != "123456" {
		t.Errorf("LastSMS: have %q %v", m.Code, ok)
	}
	if c, ok := r.LastCall("+447700900047"); !ok || c.Reference != "ref_1" {
		t.Errorf("LastCall: have %q %v", c.Reference, ok)
	}
	if _, ok := r.LastEmail("nobody@example.com"); ok {
		t.Error("LastEmail found a message to nobody")
	}
	r.Reset()
	if len(r.Emails())+len(r.SMSs())+len(r.Calls()) != 0 {
		t.Error("Reset kept messages")
	}
}

func TestFailNext(t *testing.T) {
	var r notifytest.Recorder
	ctx := t.Context()
	busy := fmt.Errorf("twilio: %w", notify.ErrUndeliverable)
	r.FailNext(busy)
	r.FailNext(notify.ErrTemporary)
	if err := r.PlaceCall(ctx, tpl.SignInCall("+447700900047", "ref")); !errors.Is(err, notify.ErrUndeliverable) {
		t.Errorf("first send: have %v", err)
	}
	if err := r.SendSMS(ctx, tpl.SignInCodeSMS("+447700900047", "123456")); !errors.Is(err, notify.ErrTemporary) {
		t.Errorf("second send: have %v", err)
	}
	if err := r.SendEmail(ctx, tpl.PasswordChanged("penny@example.com")); err != nil {
		t.Errorf("third send: have %v", err)
	}
	if len(r.Calls()) != 0 || len(r.SMSs()) != 0 || len(r.Emails()) != 1 {
		t.Errorf("failed sends were recorded")
	}
}

func TestCancelledContext(t *testing.T) {
	var r notifytest.Recorder
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := r.SendEmail(ctx, tpl.PasswordChanged("penny@example.com")); !errors.Is(err, context.Canceled) {
		t.Errorf("have %v", err)
	}
	if len(r.Emails()) != 0 {
		t.Error("recorded a send whose context was cancelled")
	}
}

func TestConcurrent(t *testing.T) {
	var r notifytest.Recorder
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			_ = r.SendSMS(t.Context(), tpl.SignInCodeSMS("+447700900047", fmt.Sprint(i)))
			_ = r.SMSs()
		})
	}
	wg.Wait()
	if n := len(r.SMSs()); n != 50 {
		t.Errorf("have %d, want 50", n)
	}
}
