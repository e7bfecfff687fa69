// Package twilio sends text messages and places voice calls through
// Twilio's REST API (Messages and Calls, API version 2010-04-01) with
// net/http only, and verifies the webhooks Twilio sends back.
//
// A sign-in call reads notify.Call.Say inside a <Gather> that waits for one
// key. Pressing # makes Twilio POST to the configured WebhookURL with
// ?ref=<Reference> and Digits=#; when the call ends, Twilio POSTs its final
// CallStatus to WebhookURL/status?ref=<Reference>. The web layer handles
// both:
//
//	form, err := client.VerifyRequest(r) // X-Twilio-Signature, else ErrBadSignature
//	if ref, ok := twilio.ParseGather(form); ok { … mark the flow verified … }
//	twilio.WriteTwiMLIn(w, lang, lang.Get("notify.call.confirmed"))
//
//	form, err := client.VerifyRequest(r) // on WebhookURL/status
//	ref, status := twilio.ParseStatus(form) // completed, busy, no-answer, failed, canceled
//
// A call is spoken in its notify.Call.Lang: Welsh with language="cy-GB"
// and Amazon Polly's Welsh voice (voice="Polly.Gwyneth"), English with
// language="en-GB" and Twilio's default voice.
//
// Note that a call that was answered ends "completed" whether or not # was
// pressed: only the Gather webhook proves the key press.
//
// Signatures are checked as Twilio documents: base64(HMAC-SHA1(auth token,
// URL + each POST parameter's name and value, sorted by name)). The URL is
// rebuilt from the configured WebhookURL's scheme and host plus the
// request's path and query, never from the request's Host header.
//
// Errors Twilio reports about the number (21211 invalid 'To' number, 21614
// not a mobile, 21610 unsubscribed, …) are notify.ErrUndeliverable; 429 and
// 5xx are notify.ErrTemporary; 401 is ErrAuth.
package twilio
