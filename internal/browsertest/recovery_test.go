package browsertest

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
)

// Penny forgets her password: /forgot-password from the sign-in page, each
// step first with a mistake, then the sign-in page refusing the old password.
// Every page is checked with axe-core, with JavaScript on and off.
func TestForgotPasswordAccessible(t *testing.T) {
	for _, withJS := range []bool{true, false} {
		t.Run(fmt.Sprintf("js=%v", withJS), func(t *testing.T) {
			t.Parallel()
			forgotPassword(t, withJS)
		})
	}
}

func forgotPassword(t *testing.T, withJS bool) {
	const newPassword = "Another-Horse-77!"
	s := startStack(t, 0, 0)
	ctx := browser(t, withJS)

	run(t, ctx, "Forgot your password? from the sign-in page",
		chromedp.Navigate(s.idp.URL+"/signin"),
		chromedp.Click(link("Forgot your password?")),
		chromedp.WaitVisible(heading("Forgot your password?")),
	)
	checkAccessibility(t, ctx, "forgot password: email")
	run(t, ctx, "no email address",
		chromedp.Click(button("Next")),
		chromedp.WaitVisible(problem("Please enter your email address")),
	)
	checkAccessibility(t, ctx, "forgot password: email with an error")
	run(t, ctx, "Penny's email address",
		chromedp.SendKeys(byLabel("Email address"), pennyEmail),
		chromedp.Click(button("Next")),
		chromedp.WaitVisible(byLabel("Code")),
	)
	checkAccessibility(t, ctx, "forgot password: code")
	run(t, ctx, "a wrong code",
		chromedp.SendKeys(byLabel("Code"), "00000000"),
		chromedp.Click(button("Next")),
		chromedp.WaitVisible(problem("The code you have entered does not match our records. Please try again, or request a new code.")),
	)
	checkAccessibility(t, ctx, "forgot password: code with an error")
	run(t, ctx, "the emailed code",
		chromedp.SendKeys(byLabel("Code"), s.emailCode(t, pennyEmail)),
		chromedp.Click(button("Next")),
		chromedp.WaitVisible(heading("Choose a new password")),
	)
	checkAccessibility(t, ctx, "forgot password: new password")
	run(t, ctx, "a weak password typed differently twice",
		chromedp.SendKeys(byLabel("Password"), "weak"),
		chromedp.SendKeys(byLabel("Confirm password"), "other"),
		chromedp.Click(button("Next")),
		chromedp.WaitVisible(problem("The passwords you entered do not match")),
	)
	checkAccessibility(t, ctx, "forgot password: new password with errors")
	run(t, ctx, "a good password",
		chromedp.SendKeys(byLabel("Password"), newPassword),
		chromedp.SendKeys(byLabel("Confirm password"), newPassword),
		chromedp.Click(button("Next")),
		chromedp.WaitVisible(heading("Your password has been changed")),
	)
	checkAccessibility(t, ctx, "forgot password: done")
	run(t, ctx, "the old password no longer works",
		chromedp.Click(link("Sign in")),
		chromedp.WaitVisible(heading("Sign in")),
		chromedp.SendKeys(byLabel("Email address"), pennyEmail),
		chromedp.SendKeys(byLabel("Password"), pennyPassword),
		chromedp.Click(button("Sign in")),
		chromedp.WaitVisible(problem("The email address or password you entered is incorrect.")),
	)
	checkAccessibility(t, ctx, "carekey's sign-in page with an error")
	run(t, ctx, "the new one does",
		chromedp.SendKeys(byLabel("Password"), newPassword),
		chromedp.Click(button("Sign in")),
		chromedp.WaitVisible(heading("Confirm your identity")),
	)
}
