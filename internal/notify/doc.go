// Package notify is the contract for carekey's outgoing messages: emails,
// SMS and voice calls, and the templates that word them.
//
// Journey services depend on the three small seams declared here and never on
// a vendor:
//
//	EmailSender  SendEmail(ctx, Email)  smtp, govuknotify, outbox (dev)
//	SMSSender    SendSMS(ctx, SMS)      twilio, govuknotify, httpsms, outbox (dev)
//	VoiceCaller  PlaceCall(ctx, Call)   twilio, outbox (dev)
//
// notifytest holds a recording fake for journey tests. Only internal/app
// chooses which implementation runs.
//
// Messages are built by Templates, which word them with the deployment's
// service and council names and fill both the rendered text (for senders
// that send what we write, such as SMTP and Twilio) and Params (for
// template-based senders such as GOV.UK Notify, whose templates live at the
// vendor and are keyed by the message's Template name):
//
//	tpl := notify.Templates{ServiceName: "Children's Services Portal", CouncilName: "Norfolk County Council"}
//	err := emails.SendEmail(ctx, tpl.VerifyEmail("penny@example.com", code))
//	switch {
//	case errors.Is(err, notify.ErrUndeliverable): // tell the user to check the address
//	case errors.Is(err, notify.ErrTemporary):     // try again later
//	}
//
// Every sender reports a recipient the provider refused with
// ErrUndeliverable and a failure worth retrying with ErrTemporary; anything
// else (bad configuration, rejected credentials) is a plain error for the log.
//
// Messages carry one-time codes, so their LogValue methods show only the kind
// of message and a masked recipient.
package notify
