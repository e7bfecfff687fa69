// Package notifytest provides Recorder, a recording fake of the notify
// senders for journey tests: it keeps every message it is given, so a test
// can read the code a journey sent, and it can be told to fail the next
// send, so a test can drive the "busy or unavailable" paths.
//
//	rec := &notifytest.Recorder{}
//	svc := registration.New(…, rec, …)
//	… register penny@example.com …
//	code := rec.Emails()[0].Code
//
//	rec.FailNext(fmt.Errorf("twilio: %w", notify.ErrUndeliverable))
//
// It is a fake, not a mock of any vendor: the vendors' adapters are tested
// against httptest and go-smtp servers in their own packages.
package notifytest
