package browsertest

import (
	"bytes"
	"encoding/base64"
	"image"
	_ "image/png" // the QR code is a PNG
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/carekey/carekey/internal/totp"
)

// Issue 16, acceptance 2: Penny, signed in with her phone, sets up an
// authenticator app by scanning the QR code carekey shows (decoded here
// from the image's pixels, as an app would), confirms it with a code
// computed from it, signs out, and signs in again choosing "Use your
// authenticator app": her session's AMR holds otp. Without JavaScript
// every step is a plain form; with it the code page submits itself.
func TestAuthenticatorApp(t *testing.T) {
	t.Parallel()
	authenticatorApp(t, false)
}

func TestAuthenticatorAppWithJavaScript(t *testing.T) {
	t.Parallel()
	authenticatorApp(t, true)
}

func authenticatorApp(t *testing.T, withJS bool) {
	s := startStack(t, 0, 0) // configs/dev.yaml turns mfa.app on
	ctx := browser(t, withJS)
	s.signIn(t, ctx, withJS)

	run(t, ctx, "open the set-up page",
		chromedp.Navigate(s.idp.URL+"/account/app"),
		chromedp.WaitVisible(heading("Set up an authenticator app")),
	)
	checkAccessibility(t, ctx, "Set up an authenticator app")
	src := get(t, ctx, "read the QR code", chromedp.Evaluate[string](`document.getElementById("app-qr").getAttribute("src")`))
	alt := get(t, ctx, "read its alt text", chromedp.Evaluate[string](`document.getElementById("app-qr").getAttribute("alt")`))
	if alt == "" {
		t.Error("the QR code has no alt text")
	}
	key := scanQR(t, src)
	if typed := get(t, ctx, "read the key", chromedp.Text(chromedp.ID("app-key"))); strings.TrimSpace(typed) != key.Secret {
		t.Errorf("the key for manual entry %q is not the QR code's %q", typed, key.Secret)
	}
	run(t, ctx, "confirm the app with its first code",
		chromedp.SendKeys(byLabel("Enter the 6-digit code from your app"), appCode(t, key.Secret, 0)),
		chromedp.Click(button("Continue")),
		chromedp.WaitVisible(heading("Your authenticator app")),
	)
	run(t, ctx, "sign out",
		chromedp.Navigate(s.idp.URL+"/"),
		chromedp.WaitVisible(button("Sign out")),
		chromedp.Click(button("Sign out")),
		chromedp.WaitVisible(heading("You have signed out")),
	)

	run(t, ctx, "sign in again",
		chromedp.Navigate(s.idp.URL+"/signin"),
		chromedp.WaitVisible(heading("Sign in")),
		chromedp.SendKeys(byLabel("Email address"), pennyEmail),
		chromedp.SendKeys(byLabel("Password"), pennyPassword),
		chromedp.Click(button("Sign in")),
		chromedp.WaitVisible(button("Use your authenticator app")),
		chromedp.WaitVisible(button("Send Code")),
		chromedp.WaitVisible(button("Call Me")),
	)
	run(t, ctx, "use the app",
		chromedp.Click(button("Use your authenticator app")),
		chromedp.WaitVisible(byLabel("Enter the 6-digit code from your app")),
	)
	checkAccessibility(t, ctx, "the app's code page")
	// The set-up used this step's code, which cannot be used again: type
	// the next step's, as an app whose clock runs a little ahead shows
	// (one step of tolerance), rather than wait up to 30 seconds.
	enter := []chromedp.Action[chromedp.Void]{chromedp.SendKeys(byLabel("Enter the 6-digit code from your app"), appCode(t, key.Secret, 1))}
	if !withJS {
		enter = append(enter, chromedp.Click(button("Verify Code")))
	}
	run(t, ctx, "enter the app's code", enter...)
	waitHeading(t, ctx, "You are signed in")
	sessions, err := s.app.Backends().Sessions.ListByUser(t.Context(), "usr_penny")
	if err != nil {
		t.Fatal(err)
	}
	if len(sessions) != 1 || !slices.Contains(sessions[0].AMR, "otp") || !slices.Contains(sessions[0].AMR, "mfa") {
		t.Errorf("sessions after signing in with the app: %+v, want one whose AMR holds otp and mfa", sessions)
	}
}

// scanQR decodes the QR code in a data:image/png URL and returns the key
// its otpauth:// URL carries.
func scanQR(t *testing.T, src string) totp.Key {
	t.Helper()
	b64, ok := strings.CutPrefix(src, "data:image/png;base64,")
	if !ok {
		t.Fatalf("QR code src %.40q…, want a PNG data: URL", src)
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatalf("QR code: %v", err)
	}
	img, _, err := image.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("QR code PNG: %v", err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatalf("QR code bitmap: %v", err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("scan the QR code: %v", err)
	}
	key, err := totp.ParseURL(res.GetText())
	if err != nil || !strings.HasPrefix(res.GetText(), "otpauth://totp/") {
		t.Fatalf("the QR code holds %q: %v", res.GetText(), err)
	}
	return key
}

// appCode is the code an authenticator app with secret shows now, or
// ahead steps later.
func appCode(t *testing.T, secret string, ahead int64) string {
	t.Helper()
	c, err := totp.Code(secret, totp.Step(time.Now())+ahead)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
