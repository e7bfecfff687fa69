package twilio

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// ErrBadSignature means a webhook request's X-Twilio-Signature is missing or
// wrong: it did not come from Twilio, or was changed on the way.
var ErrBadSignature = errors.New("twilio: bad webhook signature")

// VerifyRequest checks that r was signed by Twilio with the auth token and
// returns its parameters: the POST form and the URL query (ref) together,
// all of them covered by the signature.
//
// The signed URL is the configured WebhookURL's scheme and host followed by
// r's path and query as received (r.URL.RequestURI()), so the webhook must
// be served at the path WebhookURL names, not behind a prefix-stripping
// proxy. The Host header is ignored: an attacker controls it.
func (c *Client) VerifyRequest(r *http.Request) (url.Values, error) {
	if err := r.ParseForm(); err != nil {
		return nil, fmt.Errorf("parse webhook form: %w", err)
	}
	got := r.Header.Get("X-Twilio-Signature")
	if got == "" {
		return nil, fmt.Errorf("no X-Twilio-Signature: %w", ErrBadSignature)
	}
	full := c.webhook.Scheme + "://" + c.webhook.Host + r.URL.RequestURI()
	want := Signature(c.cfg.AuthToken, full, r.PostForm)
	if subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return nil, ErrBadSignature
	}
	return r.Form, nil
}

// Signature computes X-Twilio-Signature as Twilio documents it:
// base64(HMAC-SHA1(authToken, fullURL + name₁ + value₁ + name₂ + value₂ …))
// with the POST parameters sorted by name (and a repeated name's values
// sorted, each once, as Twilio's own libraries do).
func Signature(authToken, fullURL string, post url.Values) string {
	var b strings.Builder
	b.WriteString(fullURL)
	for _, name := range slices.Sorted(maps.Keys(post)) {
		values := slices.Compact(slices.Sorted(slices.Values(post[name])))
		for _, v := range values {
			b.WriteString(name)
			b.WriteString(v)
		}
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// ParseGather reads the Gather webhook: the call's reference and whether
// the key pressed was #. (With numDigits=1 and no finishOnKey, pressing #
// posts Digits=#.)
func ParseGather(form url.Values) (ref string, pressedHash bool) {
	return form.Get("ref"), form.Get("Digits") == "#"
}

// ParseStatus reads the status callback: the call's reference and its final
// CallStatus (completed, busy, no-answer, failed or canceled).
func ParseStatus(form url.Values) (ref, status string) {
	return form.Get("ref"), form.Get("CallStatus")
}
