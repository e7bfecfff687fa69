package browsertest

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// newTab opens another tab of the same browser (same cookies and storage)
// at url.
func newTab(t *testing.T, ctx context.Context, url string) context.Context {
	t.Helper()
	tab, cancel := chromedp.NewContext(ctx)
	t.Cleanup(cancel)
	// Open the tab with a context that lives as long as it: the first
	// action's context owns the tab, and run's step timeout would close it.
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	run(t, tab, "open another tab", chromedp.Navigate(url))
	return tab
}

// The session is the browser's, not the tab's: activity in one tab closes
// the idle warning of another, so a forgotten tab never logs out someone
// working elsewhere.
func TestIdleWarningSharedByTabs(t *testing.T) {
	t.Parallel()
	s := startStack(t, 6*time.Second, 2*time.Second)
	a := browser(t, true)
	s.signIn(t, a, true)
	b := newTab(t, a, s.dash.URL+"/")
	run(t, b, "the other tab warns", chromedp.WaitVisible(`//dialog[@id="idle-dialog"][@open]`))
	run(t, a, "a key press in the first tab", chromedp.KeyEvent("a"))
	run(t, b, "the other tab's warning closes", chromedp.WaitNotPresent(`//dialog[@id="idle-dialog"][@open]`))
	if h := get(t, b, "the other tab's page", chromedp.Text(chromedp.CSS("h1"))); h == "My Account" {
		t.Fatal("the other tab logged out")
	}
}

// Logging out in one tab takes the others to the signed-out page at once
// (with the default timings, so nothing else could sign them out).
func TestLogoutInOneTabSignsOutTheOthers(t *testing.T) {
	t.Parallel()
	s := startStack(t, 0, 0)
	a := browser(t, true)
	s.signIn(t, a, true)
	b := newTab(t, a, s.dash.URL+"/")
	run(t, b, "the other tab shows the chooser", chromedp.WaitVisible(heading("Select an account to manage")))
	run(t, a, "log out from the name menu",
		chromedp.Click(`//summary[normalize-space(.)="Penny QQ Plumber"]`),
		chromedp.WaitVisible(button("Logout")),
		chromedp.Click(button("Logout")),
		chromedp.WaitVisible(link("Sign in")),
	)
	wait, cancel := context.WithTimeout(b, 10*time.Second)
	defer cancel()
	run(t, wait, "the other tab is signed out too", chromedp.WaitVisible(link("Sign in")))
}
