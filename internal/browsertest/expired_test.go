package browsertest

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Issue 14, acceptance 1, "session expired" without JavaScript: no
// countdown runs, so the dashboard finds the session idle on the server
// when the user comes back. It ends the IdP session too (the logging-out
// page, then Continue), the signed-out page says why, in the layout, with
// no axe-core violation, and carekey asks for the password again. Before,
// only the dashboard's session ended, and "Sign in" let anyone at the desk
// back in.
func TestSessionExpiredWithoutJavaScript(t *testing.T) {
	t.Parallel()
	const idle = 3 * time.Second
	s := startStack(t, idle, 2*time.Second)
	ctx := browser(t, false)
	s.signIn(t, ctx, false)
	time.Sleep(idle + 500*time.Millisecond) // idle, as a user away from the desk
	run(t, ctx, "come back after the idle timeout",
		chromedp.Navigate(s.dash.URL+"/"),
		chromedp.WaitVisible(heading("Logging you out")),
	)
	checkAccessibility(t, ctx, "the dashboard's logging-out page after an idle timeout")
	run(t, ctx, "continue to the sign-in service",
		chromedp.Click(button("Continue")),
		chromedp.WaitVisible(link("Sign in")),
		chromedp.WaitVisible(`//*[@role="status"]//p[starts-with(normalize-space(.), "You have been logged out because you were inactive")]`),
	)
	checkAccessibility(t, ctx, "the dashboard after an idle timeout, without JavaScript")
	s.idpAsksToSignIn(t, ctx)
}
