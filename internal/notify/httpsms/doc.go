// Package httpsms sends text messages through a generic HTTP SMS gateway: a
// council's own gateway, an aggregator without a carekey adapter, or the
// load tool (cmd/idp-load) standing in for a phone network on loopback.
//
// Each message is one POST of JSON to the configured URL:
//
//	POST /sms HTTP/1.1
//	Authorization: Bearer <secret>
//	Content-Type: application/json
//
//	{"to":"+447700900047","body":"123456 is your … verification code. …",
//	 "template":"sign_in_code","reference":"sms_…"}
//
// to is E.164; body is the text to deliver as is; template is the kind of
// message (notify.Template…), for a gateway that words messages itself;
// reference is unique per message, for the gateway's deduplication and
// logs. The one-time code is only in body.
//
// The gateway answers any 2xx when it has accepted the message. Other
// answers map to the notify contract:
//
//	422 Unprocessable Content    notify.ErrUndeliverable (the gateway refused the number)
//	401, 403                     ErrAuth (wrong secret)
//	408, 429, 5xx, no answer     notify.ErrTemporary
//	any other status             a plain error
//
// The URL must be https, since every request carries the secret and a
// code; plain http is allowed only to a loopback address (a gateway on the
// same machine). New refuses anything else.
//
//	c, err := httpsms.New(httpsms.Config{URL: "https://sms.example.gov.uk/send", Secret: s})
//	err = c.SendSMS(ctx, tpl.SignInCodeSMS("+447700900047", code))
package httpsms
