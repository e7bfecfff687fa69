package web

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/gorilla/mux"

	"github.com/carekey/carekey/internal/signin"
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
	// Answer replies to the key-press webhook with text said to the caller.
	Answer(w http.ResponseWriter, text string)
}

// Paths of the voice webhooks (voice.twilio.webhook_url names the first).
const (
	voiceWebhookPath       = "/webhooks/twilio/voice"
	voiceStatusWebhookPath = "/webhooks/twilio/voice/status"
)

// mountVoiceWebhooks serves the telephony webhooks when a provider is
// configured. They are outside the pages' cross-origin protection: the
// provider's signature authenticates them, and a forged one (bad signature,
// unknown or used reference) gets 403 and changes nothing.
func (s *Server) mountVoiceWebhooks(r *mux.Router) {
	if s.cfg.VoiceWebhook == nil {
		return
	}
	r.HandleFunc(voiceWebhookPath, s.voiceGather).Methods(http.MethodPost)
	r.HandleFunc(voiceStatusWebhookPath, s.voiceStatus).Methods(http.MethodPost)
}

func (s *Server) voiceGather(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	form, err := s.cfg.VoiceWebhook.Verify(r)
	if err != nil {
		s.cfg.Logger.WarnContext(ctx, "voice webhook refused", "err", err, "ip", clientIP(r))
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	ref, pressed := s.cfg.VoiceWebhook.Gather(form)
	err = s.cfg.Signin.CallAnswered(ctx, ref, pressed)
	switch {
	case errors.Is(err, signin.ErrUnknownReference):
		s.cfg.Logger.WarnContext(ctx, "voice webhook with unknown or used reference", "ip", clientIP(r))
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	case err != nil:
		s.cfg.Logger.ErrorContext(ctx, "record key press", "err", err)
		http.Error(w, "error", http.StatusInternalServerError)
		return
	}
	if pressed {
		s.cfg.VoiceWebhook.Answer(w, "Thank you. You can now return to the screen.")
		return
	}
	s.cfg.VoiceWebhook.Answer(w, "That was not the hash key, so we have not confirmed your sign-in. Goodbye.")
}

func (s *Server) voiceStatus(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	form, err := s.cfg.VoiceWebhook.Verify(r)
	if err != nil {
		s.cfg.Logger.WarnContext(ctx, "voice status webhook refused", "err", err, "ip", clientIP(r))
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	ref, status := s.cfg.VoiceWebhook.Status(form)
	err = s.cfg.Signin.CallEnded(ctx, ref, status)
	switch {
	case errors.Is(err, signin.ErrUnknownReference):
		http.Error(w, "forbidden", http.StatusForbidden)
	case err != nil:
		s.cfg.Logger.ErrorContext(ctx, "record call status", "err", err)
		http.Error(w, "error", http.StatusInternalServerError)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}
