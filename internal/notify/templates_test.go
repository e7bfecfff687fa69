package notify_test

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/carekey/carekey/internal/notify"
	"github.com/carekey/carekey/pkg/text"
)

var tpl = notify.Templates{ServiceName: "Children's Services Portal", CouncilName: "Norfolk County Council"}

func TestEmails(t *testing.T) {
	for _, tc := range []struct {
		name        string
		have        notify.Email
		wantSubject string
		wantKind    string
		wantCode    string
		wantText    []string // each appears in Text and, HTML-escaped, in HTML
		wantParams  map[string]string
		wantLinks   int
	}{{
		name:        "VerifyEmail",
		have:        tpl.VerifyEmail("penny@example.com", "12345678"),
		wantSubject: "Children's Services Portal: confirm your email address",
		wantKind:    notify.TemplateVerifyEmail,
		wantCode:    "12345678",
		wantText:    []string{"12345678", "expires in 30 minutes", "If you did not ask for this, you can ignore this email."},
		wantParams:  map[string]string{"code": "12345678", "service_name": "Children's Services Portal"},
	}, {
		name:        "AlreadyRegistered",
		have:        tpl.AlreadyRegistered("penny@example.com", "https://signin.example.gov.uk/signin", "https://signin.example.gov.uk/forgot-password"),
		wantSubject: "Children's Services Portal: you already have an account",
		wantKind:    notify.TemplateAlreadyRegistered,
		wantText:    []string{"You already have an account", "https://signin.example.gov.uk/signin", "https://signin.example.gov.uk/forgot-password"},
		wantParams:  map[string]string{"sign_in_url": "https://signin.example.gov.uk/signin", "reset_url": "https://signin.example.gov.uk/forgot-password"},
		wantLinks:   2,
	}, {
		name:        "PasswordResetCode",
		have:        tpl.PasswordResetCode("penny@example.com", "87654321"),
		wantSubject: "Children's Services Portal: reset your password",
		wantKind:    notify.TemplatePasswordResetCode,
		wantCode:    "87654321",
		wantText:    []string{"87654321", "expires in 30 minutes", "If you did not ask for this, you can ignore this email."},
		wantParams:  map[string]string{"code": "87654321"},
	}, {
		name:        "PasswordChanged",
		have:        tpl.PasswordChanged("penny@example.com"),
		wantSubject: "Children's Services Portal: your password has been changed",
		wantKind:    notify.TemplatePasswordChanged,
		wantText:    []string{"has been changed", "contact Norfolk County Council"},
		wantParams:  map[string]string{"council_name": "Norfolk County Council"},
	}, {
		name:        "PhoneChanged",
		have:        tpl.PhoneChanged("penny@example.com"),
		wantSubject: "Children's Services Portal: your phone number has been changed",
		wantKind:    notify.TemplatePhoneChanged,
		wantText:    []string{"The phone number for your Children's Services Portal account has been changed.", "If this wasn't you, contact Norfolk County Council"},
		wantParams:  map[string]string{"council_name": "Norfolk County Council", "service_name": "Children's Services Portal"},
	}, {
		name:        "AppAdded",
		have:        tpl.AppAdded("penny@example.com"),
		wantSubject: "Children's Services Portal: an authenticator app has been set up",
		wantKind:    notify.TemplateAppAdded,
		wantText:    []string{"An authenticator app has been set up for your Children's Services Portal account.", "If this wasn't you, contact Norfolk County Council"},
		wantParams:  map[string]string{"council_name": "Norfolk County Council", "service_name": "Children's Services Portal"},
	}, {
		name:        "AppRemoved",
		have:        tpl.AppRemoved("penny@example.com"),
		wantSubject: "Children's Services Portal: your authenticator app has been removed",
		wantKind:    notify.TemplateAppRemoved,
		wantText:    []string{"The authenticator app has been removed from your Children's Services Portal account.", "If this wasn't you, contact Norfolk County Council"},
		wantParams:  map[string]string{"council_name": "Norfolk County Council", "service_name": "Children's Services Portal"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			m := tc.have
			if m.To != "penny@example.com" || m.Subject != tc.wantSubject || m.Template != tc.wantKind || m.Code != tc.wantCode {
				t.Errorf("have to=%q subject=%q template=%q code=%q, want %q %q %q %q",
					m.To, m.Subject, m.Template, m.Code, "penny@example.com", tc.wantSubject, tc.wantKind, tc.wantCode)
			}
			for _, s := range tc.wantText {
				if !strings.Contains(m.Text, s) {
					t.Errorf("text lacks %q:\n%s", s, m.Text)
				}
				if !strings.Contains(m.HTML, strings.ReplaceAll(s, "'", "&#39;")) {
					t.Errorf("HTML lacks %q:\n%s", s, m.HTML)
				}
			}
			for k, v := range tc.wantParams {
				if m.Params[k] != v {
					t.Errorf("Params[%q] = %q, want %q", k, m.Params[k], v)
				}
			}
			if !strings.Contains(m.HTML, `<html lang="en">`) || !strings.Contains(m.HTML, "<title>Children&#39;s Services Portal") {
				t.Errorf("HTML lacks lang or title:\n%s", m.HTML)
			}
			if n := strings.Count(m.HTML, "<a "); n != tc.wantLinks {
				t.Errorf("HTML has %d links, want %d:\n%s", n, tc.wantLinks, m.HTML)
			}
			if strings.Contains(m.Text, "<") {
				t.Errorf("plain text holds markup:\n%s", m.Text)
			}
		})
	}
}

func TestHTMLEscapes(t *testing.T) {
	evil := notify.Templates{ServiceName: `<script>alert(1)</script>`, CouncilName: `"Council" & co`}
	m := evil.AlreadyRegistered("a@example.com", "javascript:alert(1)", `https://x.example/?a="b"`)
	for _, bad := range []string{"<script>", "javascript:", `"b"`, `"Council"`} {
		if strings.Contains(m.HTML, bad) {
			t.Errorf("HTML holds unescaped %q:\n%s", bad, m.HTML)
		}
	}
	if !strings.Contains(m.HTML, "&lt;script&gt;") {
		t.Errorf("HTML lacks the escaped service name:\n%s", m.HTML)
	}
}

func TestSignInCodeSMS(t *testing.T) {
	have := tpl.SignInCodeSMS("+447700900047", "123456")
	want := "123456 is your Children's Services Portal verification code. It expires in 10 minutes. Do not share it."
	if have.Body != want || have.To != "+447700900047" || have.Code != "123456" || have.Template != notify.TemplateSignInCode {
		t.Errorf("have %+v, want body %q", have, want)
	}
	if have.Params["code"] != "123456" || have.Params["service_name"] != "Children's Services Portal" {
		t.Errorf("have params %v", have.Params)
	}
}

func TestPhoneChangedSMS(t *testing.T) {
	have := tpl.PhoneChangedSMS("+447700900047")
	want := "Your phone number for Children's Services Portal was changed. If this wasn't you, contact Norfolk County Council straight away."
	if have.Body != want || have.To != "+447700900047" || have.Code != "" || have.Template != notify.TemplatePhoneChanged {
		t.Errorf("have %+v, want body %q and no code", have, want)
	}
	if have.Params["service_name"] != "Children's Services Portal" || have.Params["council_name"] != "Norfolk County Council" {
		t.Errorf("have params %v", have.Params)
	}
	// Plain words only: no link, and no number (old or new) in the text.
	for _, bad := range []string{"http", "www.", "+44", "900047"} {
		if strings.Contains(have.Body, bad) {
			t.Errorf("body holds %q: %s", bad, have.Body)
		}
	}
	if have := (notify.Templates{ServiceName: "Portal"}).PhoneChangedSMS("+447700900047"); !strings.Contains(have.Body, "contact the council") {
		t.Errorf("without a council name: %q", have.Body)
	}
}

func TestSignInCall(t *testing.T) {
	have := tpl.SignInCall("+447700900047", "ref123")
	want := notify.Call{
		To:        "+447700900047",
		Reference: "ref123",
		Say: "This is Norfolk County Council's Children's Services Portal. Someone is signing in to your account. " +
			"If this is you, press the hash key now. If it is not you, hang up.",
		Lang: text.English,
	}
	if have != want {
		t.Errorf("have %+v\nwant %+v", have, want)
	}
}

func TestLogValueHidesSecrets(t *testing.T) {
	var b strings.Builder
	log := slog.New(slog.NewTextHandler(&b, nil))
	log.Info("sent",
		"email", tpl.VerifyEmail("penny@example.com", "12345678"),
		"sms", tpl.SignInCodeSMS("+447700900047", "654321"),
		"call", tpl.SignInCall("+447700900047", "secret-reference"))
	out := b.String()
	for _, bad := range []string{"12345678", "654321", "secret-reference", "penny@", "900047"} {
		if strings.Contains(out, bad) {
			t.Errorf("log holds %q: %s", bad, out)
		}
	}
	for _, want := range []string{"p***@example.com", "***47", "verify_email"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q: %s", want, out)
		}
	}
}

// A call that confirms a new number for a signed-in user must not say that
// someone is signing in (issue 14).
func TestPhoneChangeCallSaysWhatIsHappening(t *testing.T) {
	c := notify.Templates{CouncilName: "Norfolk County Council", ServiceName: "Children's Services Portal"}.PhoneChangeCall("+447700900047", "ref")
	if strings.Contains(c.Say, "signing in") || !strings.Contains(c.Say, "adding this number") || c.Reference != "ref" {
		t.Errorf("phone change call = %+v", c)
	}
}
