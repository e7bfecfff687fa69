package app

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/carekey/carekey/internal/clock"
	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/notify"
	"github.com/carekey/carekey/internal/notify/govuknotify"
	"github.com/carekey/carekey/internal/notify/httpsms"
	"github.com/carekey/carekey/internal/notify/twilio"
	"github.com/carekey/carekey/internal/web"
	"github.com/carekey/carekey/pkg/text"
)

// openPhoneSenders builds the SMS sender and voice caller from the sms and
// voice sections (GOV.UK Notify, Twilio or a generic HTTP gateway). A section without a provider
// gives nil: journeys then answer "something went wrong" and log why.
func openPhoneSenders(cfg *config.Config, clk clock.Clock) (notify.SMSSender, notify.VoiceCaller, error) {
	var sms notify.SMSSender
	switch cfg.SMS.Provider {
	case "govuknotify":
		n := cfg.SMS.GovUKNotify
		c, err := govuknotify.New(govuknotify.Config{
			BaseURL: n.BaseURL,
			APIKey:  n.APIKey,
			SMSTemplates: map[string]string{
				notify.TemplateSignInCode: n.SignInCodeTemplate, notify.TemplatePhoneChanged: n.PhoneChangedTemplate,
				govuknotify.WelshKey(notify.TemplateSignInCode):   n.SignInCodeTemplateCy,
				govuknotify.WelshKey(notify.TemplatePhoneChanged): n.PhoneChangedTemplateCy,
			},
			Clock: clk,
		})
		if err != nil {
			return nil, nil, fmt.Errorf("sms.govuknotify: %w", err)
		}
		sms = c
	case "twilio":
		c, err := newTwilio(cfg.SMS.Twilio, cfg.Issuer+"/webhooks/twilio/voice")
		if err != nil {
			return nil, nil, fmt.Errorf("sms.twilio: %w", err)
		}
		sms = c
	case "http":
		h := cfg.SMS.HTTP
		c, err := httpsms.New(httpsms.Config{URL: h.URL, Secret: h.Secret, Timeout: h.Timeout})
		if err != nil {
			return nil, nil, fmt.Errorf("sms.http: %w", err)
		}
		sms = c
	}
	var voice notify.VoiceCaller
	if cfg.Voice.Provider == "twilio" {
		c, err := newTwilio(cfg.Voice.Twilio, cfg.Voice.Twilio.WebhookURL)
		if err != nil {
			return nil, nil, fmt.Errorf("voice.twilio: %w", err)
		}
		voice = c
	}
	return sms, voice, nil
}

func newTwilio(t config.TwilioPhone, webhookURL string) (*twilio.Client, error) {
	return twilio.New(twilio.Config{
		BaseURL:    t.BaseURL,
		AccountSID: t.AccountSID,
		AuthToken:  t.AuthToken,
		From:       t.From,
		WebhookURL: webhookURL,
	})
}

// voiceWebhook authenticates Twilio's Call Me webhooks when voice.provider
// is twilio (also in dev mode, where the outbox places the calls), or nil.
func voiceWebhook(cfg *config.Config) (web.VoiceWebhook, error) {
	if cfg.Voice.Provider != "twilio" {
		return nil, nil
	}
	c, err := newTwilio(cfg.Voice.Twilio, cfg.Voice.Twilio.WebhookURL)
	if err != nil {
		return nil, fmt.Errorf("voice.twilio: %w", err)
	}
	return twilioWebhook{c}, nil
}

// twilioWebhook adapts the Twilio client to web.VoiceWebhook.
type twilioWebhook struct{ c *twilio.Client }

var _ web.VoiceWebhook = twilioWebhook{}

func (t twilioWebhook) Verify(r *http.Request) (url.Values, error) { return t.c.VerifyRequest(r) }
func (twilioWebhook) Gather(form url.Values) (string, bool)        { return twilio.ParseGather(form) }
func (twilioWebhook) Status(form url.Values) (string, string)      { return twilio.ParseStatus(form) }
func (twilioWebhook) Answer(w http.ResponseWriter, l text.Lang, words string) {
	twilio.WriteTwiMLIn(w, l, words)
}
