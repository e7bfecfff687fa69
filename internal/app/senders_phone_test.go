package app

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/carekey/carekey/internal/clock"
	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/notify"
	"github.com/carekey/carekey/pkg/text"
)

// With GOV.UK Notify for SMS, each kind of text goes out with its own
// configured template: the sign-in code, and the notice to the old number
// after a phone change.
func TestNotifySMSTemplates(t *testing.T) {
	var got []string
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			TemplateID string `json:"template_id"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		got = append(got, body.TemplateID)
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"id":"740e5834-3a29-46b4-9a6f-16142fde533a"}`))
	}))
	defer api.Close()
	cfg := &config.Config{Issuer: "https://signin.council.gov.uk", SMS: config.SMS{Provider: "govuknotify", GovUKNotify: config.NotifySMS{
		BaseURL:              api.URL,
		APIKey:               "carekey-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0",
		SignInCodeTemplate:   "11111111-1111-4111-8111-111111111111",
		PhoneChangedTemplate: "22222222-2222-4222-8222-222222222222",
		SignInCodeTemplateCy: "33333333-3333-4333-8333-333333333333",
	}}}
	sms, _, err := openPhoneSenders(cfg, clock.System())
	if err != nil {
		t.Fatal(err)
	}
	tpl := notify.Templates{ServiceName: "Children's Services Portal"}
	for _, m := range []notify.SMS{tpl.SignInCodeSMS("+447700900047", "123456"), tpl.PhoneChangedSMS("+447700900047")} {
		if err := sms.SendSMS(t.Context(), m); err != nil {
			t.Fatalf("%s: %v", m.Template, err)
		}
	}
	if len(got) != 2 || got[0] != cfg.SMS.GovUKNotify.SignInCodeTemplate || got[1] != cfg.SMS.GovUKNotify.PhoneChangedTemplate {
		t.Fatalf("template IDs sent = %q", got)
	}
	// In Welsh: the Welsh code template; no Welsh notice template, so the English one.
	got = nil
	cy := tpl.In(text.Welsh)
	for _, m := range []notify.SMS{cy.SignInCodeSMS("+447700900047", "123456"), cy.PhoneChangedSMS("+447700900047")} {
		if err := sms.SendSMS(t.Context(), m); err != nil {
			t.Fatalf("%s: %v", m.Template, err)
		}
	}
	if len(got) != 2 || got[0] != cfg.SMS.GovUKNotify.SignInCodeTemplateCy || got[1] != cfg.SMS.GovUKNotify.PhoneChangedTemplate {
		t.Fatalf("Welsh template IDs sent = %q", got)
	}
}

// sms.provider http posts each text to the configured gateway with its secret.
func TestHTTPSMSGateway(t *testing.T) {
	var got []string
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			To string `json:"to"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		got = append(got, r.Header.Get("Authorization")+" "+body.To)
		w.WriteHeader(http.StatusAccepted)
	}))
	defer gw.Close()
	cfg := &config.Config{Issuer: "https://signin.council.gov.uk", SMS: config.SMS{Provider: "http",
		HTTP: config.HTTPSMS{URL: gw.URL + "/sms", Secret: "s3cret"}}}
	sms, _, err := openPhoneSenders(cfg, clock.System())
	if err != nil {
		t.Fatal(err)
	}
	tpl := notify.Templates{ServiceName: "Children's Services Portal"}
	if err := sms.SendSMS(t.Context(), tpl.SignInCodeSMS("+447700900047", "123456")); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != "Bearer s3cret +447700900047" {
		t.Fatalf("gateway got %q", got)
	}
}
