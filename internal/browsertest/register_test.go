package browsertest

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
)

const (
	ninaEmail    = "nina.newcomer@example.com"
	ninaPassword = "Fresh-Start-2024!"
)

// Registration from the dashboard's sign-in, then the first sign-in, which
// asks for a phone number (enrolment), offers a call and takes an SMS code,
// back to the dashboard, and carekey's own signed-in and signed-out pages:
// every page checked with axe-core, with its validation errors shown too.
func TestRegisterAndEnrolAccessible(t *testing.T) {
	t.Parallel()
	testRegisterAndEnrol(t, true)
}

// The same journey with JavaScript disabled.
func TestRegisterAndEnrolAccessibleWithoutJavaScript(t *testing.T) {
	t.Parallel()
	testRegisterAndEnrol(t, false)
}

func testRegisterAndEnrol(t *testing.T, withJS bool) {
	s := startStack(t, 0, 0)
	ctx := browser(t, withJS)
	if withJS {
		s.register(t, ctx) // from the sign-in page's "Sign up now"
	} else {
		s.registerFromMyAccount(t, ctx) // the guide's "Register for new account"
	}
	s.enrol(t, ctx, withJS)

	run(t, ctx, "visit carekey itself", chromedp.Navigate(s.idp.URL+"/"), chromedp.WaitVisible(heading("You are signed in")))
	checkAccessibility(t, ctx, "carekey's signed-in page")
	s.changePhone(t, ctx, withJS)
	run(t, ctx, "sign out at carekey", chromedp.Click(button("Sign out")), chromedp.WaitVisible(heading("You have signed out")))
	checkAccessibility(t, ctx, "carekey's signed-out page")
}

// register walks the three steps of /register from the dashboard's sign-in
// ("Sign up now"), each first with mistakes, and ends on the sign-in page.
func (s *stack) register(t *testing.T, ctx context.Context) {
	t.Helper()
	run(t, ctx, "sign up from the dashboard's sign-in",
		chromedp.Navigate(s.dash.URL+"/"),
		chromedp.Click(link(s.w("Sign in"))),
		chromedp.WaitVisible(heading(s.w("Sign in"))),
		chromedp.Click(link(s.w("Sign up now"))),
		chromedp.WaitVisible(heading(s.w("Register for a new account"))),
	)
	s.registerSteps(t, ctx)
}

// registerFromMyAccount starts registration as the guide does, from the
// dashboard's My Account page ("New users": "Register for new account",
// which asks carekey with prompt=create), then walks the same steps.
func (s *stack) registerFromMyAccount(t *testing.T, ctx context.Context) {
	t.Helper()
	run(t, ctx, "My Account",
		chromedp.Navigate(s.dash.URL+"/"),
		chromedp.WaitVisible(heading(s.w("My Account"))),
		chromedp.WaitVisible(link(s.w("Register for an account here"))),
		chromedp.Click(link(s.w("Register for new account"))),
		chromedp.WaitVisible(heading(s.w("Register for a new account"))),
	)
	s.registerSteps(t, ctx)
}

// registerSteps walks the three steps of /register, each first with
// mistakes, and ends on the sign-in page.
func (s *stack) registerSteps(t *testing.T, ctx context.Context) {
	t.Helper()
	checkAccessibility(t, ctx, "registration step 1")
	run(t, ctx, "step 1 left empty",
		chromedp.Click(button(s.w("Next"))),
		chromedp.WaitVisible(problem(s.w("Please enter your forename"))),
	)
	checkAccessibility(t, ctx, "registration step 1 with errors")
	run(t, ctx, "step 1",
		chromedp.SendKeys(byLabel(s.w("Forename")), "Nina"),
		chromedp.SendKeys(byLabel(s.w("Surname")), "Newcomer"),
		chromedp.Click(byLabel(s.w("Yes"))),
		chromedp.SendKeys(byLabel(s.w("Role")), "Foster carer"),
		chromedp.SendKeys(byLabel(s.w("Organisation")), "Norfolk Fostering"),
		chromedp.SendKeys(byLabel(s.w("Street")), "1 King Street"),
		chromedp.SendKeys(byLabel(s.w("Town")), "Norwich"),
		chromedp.SendKeys(byLabel(s.w("Post code")), "NR1 2DH"),
		chromedp.Click(button(s.w("Next"))),
		chromedp.WaitVisible(fmt.Sprintf(`//p[normalize-space(.)=%q]`, s.w("Step 2 of 3"))),
	)
	checkAccessibility(t, ctx, "registration step 2")
	run(t, ctx, "step 2 with a weak password typed differently twice",
		chromedp.SendKeys(byLabel(s.w("Email address")), ninaEmail),
		chromedp.SendKeys(byLabel(s.w("Password")), "weak"),
		chromedp.SendKeys(byLabel(s.w("Confirm password")), "other"),
		chromedp.Click(button(s.w("Next"))),
		chromedp.WaitVisible(problem(s.w("The passwords you entered do not match"))),
	)
	checkAccessibility(t, ctx, "registration step 2 with errors")
	run(t, ctx, "step 2",
		chromedp.SendKeys(byLabel(s.w("Password")), ninaPassword),
		chromedp.SendKeys(byLabel(s.w("Confirm password")), ninaPassword),
		chromedp.Click(button(s.w("Next"))),
		chromedp.WaitVisible(fmt.Sprintf(`//p[normalize-space(.)=%q]`, s.w("Step 3 of 3"))),
	)
	checkAccessibility(t, ctx, "registration step 3")
	run(t, ctx, "step 3 with a wrong code",
		chromedp.SendKeys(byLabel(s.w("Code")), "00000000"),
		chromedp.Click(button(s.w("Next"))),
		chromedp.WaitVisible(problem(s.w("The code you have entered does not match our records. Please try again, or request a new code."))),
	)
	checkAccessibility(t, ctx, "registration step 3 with an error")
	run(t, ctx, "step 3",
		chromedp.SendKeys(byLabel(s.w("Code")), s.emailCode(t, ninaEmail)),
		chromedp.Click(button(s.w("Next"))),
		chromedp.WaitVisible(heading(s.w("Sign in"))),
	)
}

// enrol signs the new user in: carekey asks for the code it emailed to the
// account (first a wrong one), then for a phone number (first with a
// wrong one), offers a call (the call-waiting page), takes an SMS code instead
// (first a wrong one) and completes the dashboard's sign-in.
func (s *stack) enrol(t *testing.T, ctx context.Context, withJS bool) {
	t.Helper()
	run(t, ctx, "sign in with the new account",
		chromedp.SendKeys(byLabel(s.w("Email address")), ninaEmail),
		chromedp.SendKeys(byLabel(s.w("Password")), ninaPassword),
		chromedp.Click(button(s.w("Sign in"))),
		chromedp.WaitVisible(byLabel(s.w("Code"))),
	)
	checkAccessibility(t, ctx, "enrolment's emailed code")
	run(t, ctx, "enrolment's emailed code, wrong",
		chromedp.SendKeys(byLabel(s.w("Code")), "00000000"),
		chromedp.Click(button(s.w("Next"))),
		chromedp.WaitVisible(problem(s.w("The code you have entered does not match our records. Please try again, or request a new code."))),
	)
	checkAccessibility(t, ctx, "enrolment's emailed code with an error")
	run(t, ctx, "enrolment's emailed code",
		chromedp.SendKeys(byLabel(s.w("Code")), s.emailCode(t, ninaEmail)),
		chromedp.Click(button(s.w("Next"))),
		chromedp.WaitVisible(byLabel(s.w("Phone Number"))),
	)
	checkAccessibility(t, ctx, "enrolment")
	run(t, ctx, "enrol a number that is not one",
		chromedp.SendKeys(byLabel(s.w("Phone Number")), "123"),
		chromedp.Click(button(s.w("Continue"))),
		chromedp.WaitVisible(problem(s.w("Please enter a valid phone number. The number you entered is too short."))),
	)
	checkAccessibility(t, ctx, "enrolment with an error")
	run(t, ctx, "enrol a mobile number",
		chromedp.Clear(byLabel(s.w("Phone Number"))),
		chromedp.SendKeys(byLabel(s.w("Phone Number")), "07700 900456"),
		chromedp.Click(button(s.w("Continue"))),
		chromedp.WaitVisible(button(s.w("Call Me"))),
	)
	run(t, ctx, "ask for a call",
		chromedp.Click(button(s.w("Call Me"))),
		chromedp.WaitVisible(button(s.w("Send a code by text message instead"))),
	)
	checkAccessibility(t, ctx, "call waiting")
	run(t, ctx, "take a text message instead",
		chromedp.Click(button(s.w("Send a code by text message instead"))),
		chromedp.WaitVisible(byLabel(s.w("Enter your verification code"))),
	)
	run(t, ctx, "enter a wrong code", s.enterSMSCode("000000", withJS)...)
	waitFor(t, ctx, "the wrong code reported", problem(s.w("The verification code you have entered does not match our records. Please try again, or request a new code.")))
	checkAccessibility(t, ctx, "code entry with an error")
	run(t, ctx, "enter the code", s.enterSMSCode(s.lastCode(t), withJS)...)
	waitHeading(t, ctx, s.w("My Account"))
	checkAccessibility(t, ctx, "the dashboard's welcome page")
}

// changePhone changes the new user's phone from carekey's signed-in page
// (first with the number they have already), confirms the new number by SMS
// and returns to the signed-in page.
func (s *stack) changePhone(t *testing.T, ctx context.Context, withJS bool) {
	t.Helper()
	run(t, ctx, "open Change your phone number",
		chromedp.Click(link(s.w("Change your phone number"))),
		chromedp.WaitVisible(heading(s.w("Change your phone number"))),
	)
	checkAccessibility(t, ctx, "change your phone number")
	run(t, ctx, "enter the number already in use",
		chromedp.SendKeys(byLabel(s.w("Phone Number")), "07700 900456"),
		chromedp.Click(button(s.w("Continue"))),
		chromedp.WaitVisible(problem(s.w("This is already your phone number. Please enter a different number."))),
	)
	checkAccessibility(t, ctx, "change your phone number with an error")
	run(t, ctx, "enter a new number",
		chromedp.Clear(byLabel(s.w("Phone Number"))),
		chromedp.SendKeys(byLabel(s.w("Phone Number")), "07700 900789"),
		chromedp.Click(button(s.w("Continue"))),
		chromedp.WaitVisible(button(s.w("Send Code"))),
	)
	checkAccessibility(t, ctx, "confirm the new number")
	run(t, ctx, "send a code to the new number",
		chromedp.Click(button(s.w("Send Code"))),
		chromedp.WaitVisible(byLabel(s.w("Enter your verification code"))),
	)
	run(t, ctx, "enter the code", s.enterSMSCode(s.lastCode(t), withJS)...)
	waitHeading(t, ctx, s.w("Your phone number has been changed"))
	checkAccessibility(t, ctx, "phone number changed")
	run(t, ctx, "back to carekey", chromedp.Click(link(s.w("Continue"))), chromedp.WaitVisible(heading(s.w("You are signed in"))))
}
