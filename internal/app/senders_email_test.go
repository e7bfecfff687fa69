package app

import (
	"testing"

	"github.com/carekey/carekey/internal/clock"
	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/notify/govuknotify"
	"github.com/carekey/carekey/internal/notify/smtp"
)

func TestOpenEmailSender(t *testing.T) {
	const key = "carekey-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0"
	for _, tc := range []struct {
		name    string
		have    config.Email
		want    string // "smtp", "notify", "" (none)
		wantErr bool
	}{
		{"none", config.Email{}, "", false},
		{"smtp", config.Email{Provider: "smtp", From: "S <no-reply@council.gov.uk>", SMTP: config.EmailSMTP{Host: "h", Port: 587, TLS: "starttls"}}, "smtp", false},
		{"smtp bad from", config.Email{Provider: "smtp", From: "a\r\nb", SMTP: config.EmailSMTP{Host: "h"}}, "", true},
		{"notify", config.Email{Provider: "govuknotify", GOVUKNotify: config.EmailNotify{APIKey: key, Templates: map[string]string{"verify_email": "x"}}}, "notify", false},
		{"notify bad key", config.Email{Provider: "govuknotify", GOVUKNotify: config.EmailNotify{APIKey: "nope"}}, "", true},
		{"unknown", config.Email{Provider: "pigeon"}, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := openEmailSender(&config.Config{Email: tc.have}, clock.System())
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v", err)
			}
			switch s.(type) {
			case *smtp.Sender:
				if tc.want != "smtp" {
					t.Fatalf("got SMTP, want %q", tc.want)
				}
			case *govuknotify.Client:
				if tc.want != "notify" {
					t.Fatalf("got Notify, want %q", tc.want)
				}
			case nil:
				if tc.want != "" {
					t.Fatalf("got none, want %q", tc.want)
				}
			}
		})
	}
}
