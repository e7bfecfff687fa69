// Package govuknotify sends emails and text messages through GOV.UK Notify's
// REST API (https://docs.notifications.service.gov.uk/rest-api.html), with
// net/http only.
//
// Notify sends from templates kept in the service's Notify account: carekey
// sends a template ID and the personalisation (notify.Email.Params or
// notify.SMS.Params), not the text it renders itself. Config maps each
// carekey message kind (notify.TemplateVerifyEmail, ...) to a Notify
// template ID; the templates there use the personalisation keys the
// notify.Templates methods fill (code, service_name, council_name,
// sign_in_url, reset_url).
//
// A message in Welsh (notify.Email.Lang, notify.SMS.Lang) is sent with the
// kind's Welsh template, configured under the kind followed by ".cy"
// (WelshKey), or with the English template if the kind has none.
//
// Each request carries "Authorization: Bearer <JWT>": an HS256 token with
// claims {"iss": service ID, "iat": now} signed with the API key's secret.
// The API key "{key_name}-{service_id}-{secret_key}" holds both: the last 36
// characters are the secret, the 36 before the hyphen that precedes it the
// service ID.
//
//	c, err := govuknotify.New(govuknotify.Config{
//		APIKey:         key,
//		EmailTemplates: map[string]string{
//			notify.TemplateVerifyEmail:                      "f33517ff-…",
//			govuknotify.WelshKey(notify.TemplateVerifyEmail): "0c6b2f5e-…", // optional
//		},
//		SMSTemplates:   map[string]string{notify.TemplateSignInCode: "a1b2…"},
//	})
//
// Errors: a 400 about the recipient (an invalid address or number, or a
// recipient a trial-mode or team key may not send to) is
// notify.ErrUndeliverable; 403 is ErrAuth; 429 and 5xx are
// notify.ErrTemporary. Every error from the API carries an *APIError.
package govuknotify
