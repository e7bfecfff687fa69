// Package smtp sends carekey's emails through an SMTP relay, using net/smtp
// from the standard library.
//
// Each message is a MIME multipart/alternative of the plain-text and HTML
// bodies, UTF-8, quoted-printable, with Date and Message-ID headers. The
// connection is protected by STARTTLS (the default, and required: a server
// that does not offer it is refused unless Insecure is set) or implicit TLS;
// AUTH PLAIN is used when a username is configured.
//
//	s, err := smtp.New(smtp.Config{
//		Host: "smtp.example.gov.uk", Port: 587,
//		Username: "carekey", Password: pw,
//		From: "Children's Services Portal <no-reply@example.gov.uk>",
//	})
//	err = s.SendEmail(ctx, tpl.VerifyEmail(to, code))
//
// A recipient the server rejects with a 5xx reply is reported as
// notify.ErrUndeliverable; 4xx replies and network failures as
// notify.ErrTemporary. Header values holding CR, LF or NUL are refused, so a
// crafted address or subject cannot add headers.
package smtp
