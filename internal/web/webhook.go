package web

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/gorilla/mux"

	"github.com/carekey/carekey/internal/signin"
	"github.com/carekey/carekey/pkg/text"
)

// VoiceWebhook is the telephony provider's side of Call Me (Twilio in
// production): it authenticates the provider's webhook requests and reads
// and answers them.
type VoiceWebhook interface {
	// Verify authenticates r (Twilio: X-Twilio-Signature) and returns its
	// parameters, or an error if it was not signed by the provider.
	Verify(r *http.Request) (url.Values, error)
	// Gather reads the key-press webhook: the call's reference and whether
	// the key was #.
	Gather(form url.Values) (ref string, pressedHash bool)
	// Status reads the call-status webhook: reference and final status
	// (completed, busy, no-answer, failed, canceled).
	Status(form url.Values) (ref, status string)
	// Answer replies to the key-press webhook with words said to the
	// caller in language l.
	Answer(w http.ResponseWriter, l text.Lang, words string)
}

// Paths of the voice webhooks (voice.twilio.webhook_url names the first).
const (
	voiceWebhookPath       = "/webhooks/twilio/voice"
	voiceStatusWebhookPath = "/webhooks/twilio/voice/status"
)

// VoiceWebhooks serves the telephony provider's Call Me webhooks: the
// key-press and the call-status reports, each authenticated by the
// provider's signature, recorded on the sign-in flow by signin.Journey.
type VoiceWebhooks struct {
	Provider VoiceWebhook    // nil: the webhook routes are not served
	Phones   *signin.Journey // records key presses and call ends
	Logger   *slog.Logger
}

// Mount adds the webhooks to r when a provider is configured. They belong
// outside the pages' cross-origin protection: the provider's signature
// authenticates them, and a forged one (bad signature, unknown or used
// reference) gets 403 and changes nothing.
func (h *VoiceWebhooks) Mount(r *mux.Router) {
	if h.Provider == nil {
		return
	}
	r.HandleFunc(voiceWebhookPath, h.gather).Methods(http.MethodPost)
	r.HandleFunc(voiceStatusWebhookPath, h.status).Methods(http.MethodPost)
}

// verify authenticates a webhook request, answering 403 if it is not the
// provider's.
func (h *VoiceWebhooks) verify(w http.ResponseWriter, r *http.Request, what string) (url.Values, bool) {
	form, err := h.Provider.Verify(r)
	if err != nil {
		h.Logger.WarnContext(r.Context(), what+" refused", "err", err, "ip", clientIP(r))
		http.Error(w, "forbidden", http.StatusForbidden)
		return nil, false
	}
	return form, true
}

func (h *VoiceWebhooks) gather(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	form, ok := h.verify(w, r, "voice webhook")
	if !ok {
		return
	}
	ref, pressed := h.Provider.Gather(form)
	lang, err := h.Phones.CallAnswered(ctx, ref, pressed)
	switch {
	case errors.Is(err, signin.ErrUnknownReference):
		h.Logger.WarnContext(ctx, "voice webhook with unknown or used reference", "ip", clientIP(r))
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	case err != nil:
		h.Logger.ErrorContext(ctx, "record key press", "err", err)
		http.Error(w, "error", http.StatusInternalServerError)
		return
	}
	if pressed {
		h.Provider.Answer(w, lang, lang.Get(text.CallConfirmed))
		return
	}
	h.Provider.Answer(w, lang, lang.Get(text.CallNotHash))
}

func (h *VoiceWebhooks) status(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	form, ok := h.verify(w, r, "voice status webhook")
	if !ok {
		return
	}
	ref, status := h.Provider.Status(form)
	err := h.Phones.CallEnded(ctx, ref, status)
	switch {
	case errors.Is(err, signin.ErrUnknownReference):
		http.Error(w, "forbidden", http.StatusForbidden)
	case err != nil:
		h.Logger.ErrorContext(ctx, "record call status", "err", err)
		http.Error(w, "error", http.StatusInternalServerError)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}
