package browsertest

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
)

// The error pages of carekey (a sign-in link that is not valid) and of the
// dashboard (a sign-in callback it did not start), with JavaScript on and
// off.
func TestErrorPagesAccessible(t *testing.T) {
	for _, withJS := range []bool{true, false} {
		t.Run(fmt.Sprintf("js=%v", withJS), func(t *testing.T) {
			t.Parallel()
			errorPages(t, withJS)
		})
	}
}

func errorPages(t *testing.T, withJS bool) {
	s := startStack(t, 0, 0)
	ctx := browser(t, withJS)
	run(t, ctx, "a sign-in link that is not valid",
		chromedp.Navigate(s.idp.URL+"/login?authRequestID=not-a-request"),
		chromedp.WaitVisible(`//p[starts-with(normalize-space(.), "This sign-in link is not valid")]`),
	)
	checkAccessibility(t, ctx, "carekey's error page")
	run(t, ctx, "a callback the dashboard did not start",
		chromedp.Navigate(s.dash.URL+"/callback?state=forged&code=forged"),
		chromedp.WaitVisible(heading("Your sign-in has expired")),
	)
	checkAccessibility(t, ctx, "the dashboard's error page")
}
