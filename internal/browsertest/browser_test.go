package browsertest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/carekey/carekey/internal/app"
	"github.com/carekey/carekey/internal/clock"
	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/dashboard"
	"github.com/carekey/carekey/pkg/text"
)

const (
	chromium      = "/usr/bin/chromium"
	pennyEmail    = "penny.plumber.portal@example.com"
	pennyPassword = "Correct-Horse-42!"
	// stepTimeout bounds each step in the browser.
	stepTimeout = 15 * time.Second
)

// stack is carekey and the dashboard, each on its own test server.
type stack struct {
	app *app.App
	// lang is the language the test reads the pages in (lang_test.go).
	lang text.Lang
	idp  *httptest.Server
	dash *httptest.Server
}

// startStack runs carekey in dev mode and the dashboard with the given idle
// timings (zero: the defaults, 15 and 10 minutes).
func startStack(t *testing.T, idle, warn time.Duration) *stack {
	t.Helper()
	return startStackWith(t, idle, warn, nil, nil)
}

// startStackWith is startStack with carekey's config changed by mod and its
// time from clk (each optional).
func startStackWith(t *testing.T, idle, warn time.Duration, mod func(*config.Config), clk clock.Clock) *stack {
	t.Helper()
	return startStackIn(t, config.ModeDev, idle, warn, mod, clk)
}

// startStackIn is startStackWith in the given mode: in config.ModeServe, mod
// must name the PostgreSQL and Redis carekey runs on (see outage_test.go).
func startStackIn(t *testing.T, mode config.Mode, idle, warn time.Duration, mod func(*config.Config), clk clock.Clock) *stack {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	cfg, err := config.Load(filepath.Join(filepath.Dir(file), "..", "..", "configs", "dev.yaml"), config.Options{Env: func(string) string { return "" }})
	if err != nil {
		t.Fatalf("load dev config: %v", err)
	}
	idp := httptest.NewServer(nil)
	t.Cleanup(idp.Close)
	dash := httptest.NewServer(nil)
	t.Cleanup(dash.Close)
	cfg.Issuer = idp.URL
	cfg.Dev.DashboardURL = "" // the test builds its own, with its own timings
	cfg.Dev.SeedPassword = pennyPassword
	for i, c := range cfg.Clients {
		if c.ID == "dashboard" {
			cfg.Clients[i].RedirectURIs = []string{dash.URL + "/callback"}
			cfg.Clients[i].PostLogoutURIs = []string{dash.URL + "/"}
			cfg.Clients[i].BackchannelLogoutURI = dash.URL + "/backchannel-logout"
		}
	}
	if mod != nil {
		mod(cfg)
	}
	a, err := app.New(t.Context(), app.Options{Config: cfg, Mode: mode, Clock: clk, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("start carekey: %v", err)
	}
	t.Cleanup(a.Close)
	idp.Config.Handler = a.Handler()
	d, err := dashboard.New(dashboard.Config{
		Issuer: idp.URL, ClientID: "dashboard", ClientSecret: cfg.Dev.DashboardSecret, BaseURL: dash.URL,
		IdleTimeout: idle, WarnAfter: warn,
	})
	if err != nil {
		t.Fatalf("dashboard: %v", err)
	}
	dash.Config.Handler = d.Handler()
	return &stack{app: a, idp: idp, dash: dash}
}

// browser starts a headless chromium for the test and returns its context.
func browser(t *testing.T, withJS bool) context.Context {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s missing but CI=true: browser tests must run", chromium)
		}
		t.Skipf("%s missing (apt-get install chromium)", chromium)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(func() {
		if t.Failed() {
			screenshot(t, ctx)
		}
		cancelCtx()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil { // start the browser
		t.Fatalf("start chromium: %v", err)
	}
	if !withJS {
		if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
			t.Fatalf("disable JavaScript: %v", err)
		}
		ctx = context.WithValue(ctx, noScriptKey{}, true)
	}
	return ctx
}

// noScriptKey marks the context of a browser whose pages run no JavaScript
// (checkAccessibility turns scripts on for the moment axe-core runs).
type noScriptKey struct{}

// screenshot saves the page as it is to $TEST_OUTPUT_DIR or a temporary
// directory (never the source tree).
func screenshot(t *testing.T, ctx context.Context) {
	dir := os.Getenv("TEST_OUTPUT_DIR")
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "carekey-browsertest-"); err != nil {
			t.Logf("screenshot: %v", err)
			return
		}
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	png, err := chromedp.Run(sctx, chromedp.FullScreenshot(90))
	if err != nil {
		t.Logf("screenshot: %v", err)
		return
	}
	html, _ := chromedp.Run(sctx, chromedp.OuterHTML(chromedp.CSS("html")))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Logf("screenshot: %v", err)
		return
	}
	base := filepath.Join(dir, strings.NewReplacer("/", "_", " ", "_").Replace(t.Name()))
	_ = os.WriteFile(base+".png", png, 0o644)
	_ = os.WriteFile(base+".html", []byte(html), 0o644)
	t.Logf("screenshot of the failure: %s.png (and .html)", base)
}

// byLabel is the XPath of the input whose id the label starting with text
// names (label[for]).
func byLabel(text string) string {
	return fmt.Sprintf(`//input[@id=//label[starts-with(normalize-space(.), %q)]/@for]`, text)
}

// button is the XPath of a button (or submit) with the given text.
func button(text string) string {
	return fmt.Sprintf(`//button[normalize-space(.)=%q]`, text)
}

// link is the XPath of a link with the given text.
func link(text string) string {
	return fmt.Sprintf(`//a[normalize-space(.)=%q]`, text)
}

// notice is the XPath of a status message with the given text.
func notice(text string) string {
	return fmt.Sprintf(`//*[@role="status"]//p[normalize-space(.)=%q]`, text)
}

// heading is the XPath of the page's h1 with the given text.
func heading(text string) string {
	return fmt.Sprintf(`//h1[normalize-space(.)=%q]`, text)
}

func run(t *testing.T, ctx context.Context, step string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		t.Fatalf("%s (at %s): %v", step, location(ctx), err)
	}
}

// get runs one action that returns a value.
func get[T any](t *testing.T, ctx context.Context, step string, a chromedp.Action[T]) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(sctx, a)
	if err != nil {
		t.Fatalf("%s (at %s): %v", step, location(ctx), err)
	}
	return v
}

// location is where the tab is, for failure messages (bounded: a broken
// tab must not hang the test).
func location(ctx context.Context) string {
	lctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	url, _ := chromedp.Run(lctx, chromedp.Location())
	return url
}

// problem is the XPath of the error summary's link with the given message.
func problem(message string) string {
	return fmt.Sprintf(`//div[@class="govuk-error-summary"]//a[normalize-space(.)=%q]`, message)
}

// waitHeading waits until the page's h1 reads text (see waitFor).
func waitHeading(t *testing.T, ctx context.Context, text string) {
	t.Helper()
	waitFor(t, ctx, "heading "+text, heading(text))
}

// waitFor waits until the element at xpath is visible, polling from a fresh
// query each time (a query begun before a navigation may wait on the old
// document, as when a script submits the form).
func waitFor(t *testing.T, ctx context.Context, what, xpath string) {
	t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for {
		sctx, cancel := context.WithTimeout(ctx, time.Second)
		err := chromedp.Do(sctx, chromedp.WaitVisible(xpath))
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			url, _ := chromedp.Run(ctx, chromedp.Location())
			t.Fatalf("wait for %s (at %s): %v", what, url, err)
		}
	}
}

// signIn takes the browser from the dashboard's signed-out page through
// carekey's sign-in and phone confirmation (the SMS code read from the dev
// outbox, as Penny would read her phone) back to the dashboard.
func (s *stack) signIn(t *testing.T, ctx context.Context, withJS bool) {
	t.Helper()
	run(t, ctx, "open the dashboard",
		chromedp.Navigate(s.dash.URL+"/"),
		chromedp.WaitVisible(link(s.w("Sign in"))),
	)
	checkAccessibility(t, ctx, "the dashboard's signed-out page")
	run(t, ctx, "go to carekey", chromedp.Click(link(s.w("Sign in"))), chromedp.WaitVisible(heading(s.w("Sign in"))))
	checkAccessibility(t, ctx, "carekey's sign-in page")
	run(t, ctx, "sign in",
		chromedp.SendKeys(byLabel(s.w("Email address")), pennyEmail),
		chromedp.SendKeys(byLabel(s.w("Password")), pennyPassword),
		chromedp.Click(button(s.w("Sign in"))),
		chromedp.WaitVisible(heading(s.w("Confirm your identity"))),
	)
	checkAccessibility(t, ctx, "Confirm your identity")
	run(t, ctx, "send a code",
		chromedp.Click(button(s.w("Send Code"))),
		chromedp.WaitVisible(byLabel(s.w("Enter your verification code"))),
	)
	checkAccessibility(t, ctx, "code entry")
	run(t, ctx, "enter the code", s.enterSMSCode(s.lastCode(t), withJS)...)
	waitHeading(t, ctx, s.w("Select an account to manage"))
}

// enterSMSCode types code on the "Confirm your identity" code page. With
// JavaScript the form submits itself once the code is typed
// (autosubmit.js); without it the user selects Verify Code.
func (s *stack) enterSMSCode(code string, withJS bool) []chromedp.Action[chromedp.Void] {
	steps := []chromedp.Action[chromedp.Void]{chromedp.SendKeys(byLabel(s.w("Enter your verification code")), code)}
	if !withJS {
		steps = append(steps, chromedp.Click(button(s.w("Verify Code"))))
	}
	return steps
}

func (s *stack) lastCode(t *testing.T) string {
	t.Helper()
	for _, m := range s.app.Senders().Outbox.Messages() {
		if m.Channel == "sms" && m.Code != nil {
			return *m.Code
		}
	}
	t.Fatal("no SMS code in the dev outbox")
	return ""
}

// emailCode is the code in the newest email to addr in the dev outbox, as
// its owner would read it.
func (s *stack) emailCode(t *testing.T, addr string) string {
	t.Helper()
	for _, m := range s.app.Senders().Outbox.Messages() {
		if m.Channel == "email" && m.To == addr && m.Code != nil {
			return *m.Code
		}
	}
	t.Fatalf("no emailed code to %s in the dev outbox", addr)
	return ""
}

// idpAsksToSignIn checks that a fresh /authorize (the dashboard's "Sign in")
// shows carekey's sign-in page, so the IdP session is gone.
func (s *stack) idpAsksToSignIn(t *testing.T, ctx context.Context) {
	t.Helper()
	run(t, ctx, "a fresh sign-in asks for the password again",
		chromedp.Navigate(s.dash.URL+"/"),
		chromedp.Click(link(s.w("Sign in"))),
		chromedp.WaitVisible(heading(s.w("Sign in"))),
		chromedp.WaitVisible(byLabel(s.w("Password"))),
	)
}

// chooserAndLogout checks the chooser (acceptance 1 of issue 6), picks an
// account, and logs out from the name menu. The dashboard then posts the
// logout to carekey from a form (issue 10, point 12): script submits it;
// without JavaScript the user selects Continue.
func (s *stack) chooserAndLogout(t *testing.T, ctx context.Context, withJS bool) {
	t.Helper()
	text := get(t, ctx, "read the chooser", chromedp.Text(chromedp.CSS("main")))
	text = strings.Join(strings.Fields(text), " ")
	for _, want := range []string{
		"Welcome, Penny QQ Plumber.", "Please select the account you would like to access.", "Select an Account",
		"Charlie QQ Cherry", "07 Nov 2013", "Pedro QQ Plumber", "01 May 2006", "Peter QQ Plumber", "04 Feb 1981",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("chooser lacks %q:\n%s", want, text)
		}
	}
	if n := strings.Count(text, "View Social Care Dashboard"); n != 3 {
		t.Errorf("%d accounts on the chooser, want 3", n)
	}
	checkAccessibility(t, ctx, "the account chooser")
	run(t, ctx, "pick Charlie",
		chromedp.Click(`//li[.//h3[normalize-space(.)="Charlie QQ Cherry"]]//a[normalize-space(.)="View Social Care Dashboard"]`),
		chromedp.WaitVisible(`//h1[contains(., "Charlie QQ Cherry")]`),
	)
	checkAccessibility(t, ctx, "an account's page")
	run(t, ctx, "open the name menu",
		chromedp.Click(`//summary[normalize-space(.)="Penny QQ Plumber"]`),
		chromedp.WaitVisible(button("Logout")),
	)
	checkAccessibility(t, ctx, "the open name menu")
	if withJS {
		run(t, ctx, "log out",
			chromedp.Click(button("Logout")),
			chromedp.WaitVisible(link("Sign in")),
			chromedp.WaitVisible(notice("You have been signed out.")),
		)
	} else {
		run(t, ctx, "log out",
			chromedp.Click(button("Logout")),
			chromedp.WaitVisible(heading("Logging you out")),
		)
		checkAccessibility(t, ctx, "the dashboard's logging-out page")
		run(t, ctx, "continue to the sign-in service",
			chromedp.Click(button("Continue")),
			chromedp.WaitVisible(link("Sign in")),
			chromedp.WaitVisible(notice("You have been signed out.")),
		)
	}
	checkAccessibility(t, ctx, "the dashboard after logout")
	url := get(t, ctx, "location", chromedp.Location())
	if url != s.dash.URL+"/" && !strings.HasPrefix(url, s.dash.URL+"/?") {
		t.Errorf("after logout at %s, want the dashboard's signed-out page", url)
	}
}

// Acceptance 1 of issue 6: Penny signs in at the dashboard, sees her three
// accounts, picks one, logs out from the name menu, and is asked to sign in
// again.
func TestSignInChooseLogout(t *testing.T) {
	t.Parallel()
	s := startStack(t, 0, 0)
	ctx := browser(t, true)
	s.signIn(t, ctx, true)
	s.chooserAndLogout(t, ctx, true)
	s.idpAsksToSignIn(t, ctx)
}

// The same journey with JavaScript disabled.
func TestSignInChooseLogoutWithoutJavaScript(t *testing.T) {
	t.Parallel()
	s := startStack(t, 0, 0)
	ctx := browser(t, false)
	s.signIn(t, ctx, false)
	s.chooserAndLogout(t, ctx, false)
	s.idpAsksToSignIn(t, ctx)
}

var mmss = regexp.MustCompile(`^\d\d:\d\d$`)

// Acceptance 3 of issue 6 (browser part), with the timings shortened: the
// countdown dialog opens after WarnAfter, takes focus, a key press closes it
// and returns focus; left alone it logs out at zero, at the dashboard and at
// carekey.
func TestIdleWarning(t *testing.T) {
	t.Parallel()
	s := startStack(t, 6*time.Second, 2*time.Second)
	ctx := browser(t, true)
	s.signIn(t, ctx, true)

	// axe-core is loaded now, so that the check while the dialog is open
	// (a few seconds with these timings) only has to run it.
	injectAxe(t, ctx)
	run(t, ctx, "the warning opens", chromedp.WaitVisible(`//dialog[@id="idle-dialog"][@open]`))
	focused := get(t, ctx, "focus", chromedp.Evaluate[string](`document.activeElement ? document.activeElement.id : ""`))
	countdown := get(t, ctx, "countdown", chromedp.Text(chromedp.ID("idle-countdown")))
	live := get(t, ctx, "live region", chromedp.Poll[string](`document.getElementById("idle-live").textContent`, chromedp.WithPollingTimeout(3*time.Second)))
	checkAccessibility(t, ctx, "the idle warning")
	if open := get(t, ctx, "the dialog is still open", chromedp.Evaluate[bool](`document.getElementById("idle-dialog").open`)); !open {
		t.Fatal("the idle warning closed while axe-core ran: it did not check the open dialog")
	}
	if focused != "idle-stay" {
		t.Errorf("focus on %q when the dialog opened, want the Stay signed in button", focused)
	}
	if !mmss.MatchString(countdown) {
		t.Errorf("countdown %q, want mm:ss", countdown)
	}
	if !strings.HasPrefix(live, "You will be logged out in ") {
		t.Errorf("live region says %q", live)
	}

	run(t, ctx, "a key press dismisses it",
		chromedp.KeyEvent("a"),
		chromedp.WaitNotPresent(`//dialog[@id="idle-dialog"][@open]`),
	)
	focused = get(t, ctx, "focus", chromedp.Evaluate[string](`document.activeElement ? document.activeElement.id : ""`))
	if focused == "idle-stay" {
		t.Error("focus stayed on the closed dialog")
	}

	run(t, ctx, "left alone, it opens again and logs out at zero",
		chromedp.WaitVisible(`//dialog[@id="idle-dialog"][@open]`),
		chromedp.WaitVisible(link("Sign in")),
		chromedp.WaitVisible(heading("My Account")),
		chromedp.WaitVisible(`//*[@role="status"]//p[starts-with(normalize-space(.), "You have been logged out because you were inactive")]`),
	)
	checkAccessibility(t, ctx, "the dashboard after the idle logout")
	s.idpAsksToSignIn(t, ctx)
}

// Issue 10, point 11: a link to /end_session without id_token_hint does not
// sign the user out but shows carekey's Sign out page; its button does, with
// and without JavaScript.
func TestEndSessionAsksBeforeSigningOut(t *testing.T) {
	t.Parallel()
	for _, withJS := range []bool{true, false} {
		s := startStack(t, 0, 0)
		ctx := browser(t, withJS)
		s.signIn(t, ctx, withJS)
		run(t, ctx, "follow a sign-out link from elsewhere",
			chromedp.Navigate(s.idp.URL+"/end_session"),
			chromedp.WaitVisible(heading("Sign out")),
			chromedp.WaitVisible(button("Sign out")),
			chromedp.WaitVisible(link("Stay signed in")),
		)
		checkAccessibility(t, ctx, "carekey's Sign out page")
		run(t, ctx, "sign out",
			chromedp.Click(button("Sign out")),
			chromedp.WaitVisible(heading("You have signed out")),
		)
		run(t, ctx, "carekey asks to sign in again",
			chromedp.Navigate(s.idp.URL+"/"),
			chromedp.WaitVisible(heading("Sign in")),
			chromedp.WaitVisible(byLabel("Password")),
		)
	}
}
