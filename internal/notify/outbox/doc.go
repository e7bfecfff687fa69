// Package outbox is the dev-mode stand-in for every sender: it keeps the
// last messages in memory and shows them, so that a developer (or a test
// driving the running program) can read a code or answer a call without an
// email account or a phone.
//
//	o := outbox.New(clk, func(ctx context.Context, ref string) error {
//		_, err := phones.CallAnswered(ctx, ref, true) // what the Twilio webhook would do
//		return err
//	})
//	mux.Handle("/dev/", o.Handler())
//
// Handler serves
//
//	GET  /dev/outbox                  an HTML table, newest first, with a "Press #" button per pending call
//	GET  /dev/outbox.json             {"messages":[{"id","channel","to","subject","body","code","sent_at"}]}, newest first
//	POST /dev/outbox/{id}/press-hash  answers a pending call: onPressHash(reference), then 303 to /dev/outbox
//
// In the JSON, channel is "email", "sms" or "voice"; subject is "" except
// for email; body is the email's plain text, the SMS's text or what the call
// says; code is the message's one-time code or null; sent_at is RFC 3339.
//
// The outbox is for dev mode only: internal/app refuses it in production.
package outbox
