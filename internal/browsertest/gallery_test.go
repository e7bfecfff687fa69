package browsertest

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/carekey/carekey/pkg/text"
)

// updateGallery rewrites docs/screens.md and docs/screens/ from the run:
//
//	go test -run TestGallery ./internal/browsertest/ -update-gallery
var updateGallery = flag.Bool("update-gallery", false, "write the screenshots to docs/screens/ and docs/screens.md")

// galleryWidths are the widths every page is shown at: a laptop, and the
// 320 CSS px that WCAG 2.2's reflow criterion (1.4.10) asks pages to fit
// without scrolling sideways.
var galleryWidths = []int64{1280, 320}

// shot is one page of the gallery.
type shot struct {
	name, title string
}

// TestGallery walks the pages of a sign-in, a registration, forgot
// password and the error pages at each of galleryWidths, with JavaScript
// on. At every page and width: no sideways scrolling (WCAG 1.4.10) and, at
// 320 px, no axe-core violation; a screenshot of each goes to
// $TEST_OUTPUT_DIR (or a temporary directory), or with -update-gallery to
// docs/screens/, indexed by docs/screens.md.
func TestGallery(t *testing.T) {
	t.Parallel()
	dir := galleryDir(t)
	var shots []shot
	for _, lang := range text.Langs() {
		for _, width := range galleryWidths {
			s := startStack(t, 0, 0)
			s.lang = lang
			ctx := browser(t, true)
			run(t, ctx, "size the window", chromedp.EmulateViewport(width, 900))
			shots = s.galleryWalk(t, ctx, width, dir)
		}
	}
	if *updateGallery {
		writeGalleryIndex(t, dir, shots)
	}
}

// galleryWalk visits each page, checks it and saves its screenshot as
// NN-name-WIDTH.jpg in dir; it returns the pages in order.
func (s *stack) galleryWalk(t *testing.T, ctx context.Context, width int64, dir string) []shot {
	t.Helper()
	var shots []shot
	page := func(name, title string) {
		t.Helper()
		shots = append(shots, shot{name, title})
		where := fmt.Sprintf("%s at %d px", title, width)
		// The page fits the window: nothing to scroll sideways.
		if wide := get(t, ctx, "page width "+where, chromedp.Evaluate[bool](
			`document.documentElement.scrollWidth > window.innerWidth + 1`)); wide {
			t.Errorf("%s scrolls sideways (WCAG 1.4.10 reflow)", where)
		}
		if width <= 320 {
			checkAccessibility(t, ctx, where)
		}
		png := get(t, ctx, "screenshot "+where, chromedp.FullScreenshot(60))
		file := filepath.Join(dir, shotFile(len(shots), name, width, s.lang))
		if err := os.WriteFile(file, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	text := func(s string) string { return fmt.Sprintf(`//*[normalize-space(.)=%q]`, s) }

	if s.lang != englishGallery {
		// The language link of the dashboard's home: the dashboard asks
		// carekey for the same language (ui_locales).
		run(t, ctx, "choose "+s.lang.Name(), chromedp.Navigate(s.dash.URL+"/"),
			chromedp.Click(link(s.lang.Name())), chromedp.WaitVisible(fmt.Sprintf(`//html[@lang=%q]`, s.lang)))
	}

	run(t, ctx, "My Account", chromedp.Navigate(s.dash.URL+"/"), chromedp.WaitVisible(heading(s.w("My Account"))))
	page("my-account", "Dashboard: My Account (signed out)")
	run(t, ctx, "Sign in", chromedp.Click(link(s.w("Sign in"))), chromedp.WaitVisible(heading(s.w("Sign in"))))
	page("sign-in", "Sign in")
	run(t, ctx, "Sign in with nothing typed", chromedp.Click(button(s.w("Sign in"))),
		chromedp.WaitVisible(`//*[contains(@class, "error-summary")]`))
	page("sign-in-errors", "Sign in, with errors")
	run(t, ctx, "sign in",
		chromedp.SendKeys(byLabel(s.w("Email address")), pennyEmail),
		chromedp.SendKeys(byLabel(s.w("Password")), pennyPassword),
		chromedp.Click(button(s.w("Sign in"))),
		chromedp.WaitVisible(heading(s.w("Confirm your identity"))),
	)
	page("confirm", "Confirm your identity")
	run(t, ctx, "Send Code", chromedp.Click(button(s.w("Send Code"))), chromedp.WaitVisible(byLabel(s.w("Enter your verification code"))))
	page("code", "Enter your verification code")
	run(t, ctx, "enter the code", s.enterSMSCode(s.lastCode(t), true)...)
	waitHeading(t, ctx, s.w("Select an account to manage"))
	page("chooser", "Dashboard: Select an account to manage")
	run(t, ctx, "carekey signed in", chromedp.Navigate(s.idp.URL+"/"), chromedp.WaitVisible(heading(s.w("You are signed in"))))
	page("signed-in", "carekey: You are signed in")
	run(t, ctx, "sign out at carekey", chromedp.Click(button(s.w("Sign out"))), chromedp.WaitVisible(heading(s.w("You have signed out"))))
	page("signed-out", "carekey: You have signed out")

	run(t, ctx, "registration", chromedp.Navigate(s.idp.URL+"/register"), chromedp.WaitVisible(heading(s.w("Register for a new account"))))
	page("register-1", "Register, step 1 of 3")
	run(t, ctx, "step 1 left empty", chromedp.Click(button(s.w("Next"))), chromedp.WaitVisible(`//*[contains(@class, "error-summary")]`))
	page("register-1-errors", "Register, step 1 with errors")
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
		chromedp.WaitVisible(text(s.w("Step 2 of 3"))),
	)
	page("register-2", "Register, step 2 of 3")
	run(t, ctx, "step 2 with a weak password",
		chromedp.SendKeys(byLabel(s.w("Email address")), ninaEmail),
		chromedp.SendKeys(byLabel(s.w("Password")), "weak"),
		chromedp.SendKeys(byLabel(s.w("Confirm password")), "weak"),
		chromedp.Click(button(s.w("Next"))),
		chromedp.WaitVisible(`//*[contains(@class, "error-summary")]`),
	)
	page("register-2-errors", "Register, step 2: the password policy's failed rules")
	run(t, ctx, "step 2",
		chromedp.SendKeys(byLabel(s.w("Password")), ninaPassword),
		chromedp.SendKeys(byLabel(s.w("Confirm password")), ninaPassword),
		chromedp.Click(button(s.w("Next"))),
		chromedp.WaitVisible(text(s.w("Step 3 of 3"))),
	)
	page("register-3", "Register, step 3 of 3")

	run(t, ctx, "forgot password", chromedp.Navigate(s.idp.URL+"/forgot-password"), chromedp.WaitVisible(`//h1`))
	page("forgot-password", "Forgot your password?")
	run(t, ctx, "a page that does not exist", chromedp.Navigate(s.idp.URL+"/no-such-page"), chromedp.WaitVisible(heading(s.w("Page not found"))))
	page("not-found", "carekey: Page not found")
	run(t, ctx, "a sign-in link that is not valid", chromedp.Navigate(s.idp.URL+"/login?authRequestID=not-a-request"),
		chromedp.WaitVisible(`//h1`))
	page("link-problem", "carekey: a sign-in link that is not valid")
	return shots
}

// galleryDir is where the screenshots go: docs/screens/ with
// -update-gallery (emptied first), else $TEST_OUTPUT_DIR or a temporary
// directory.
func galleryDir(t *testing.T) string {
	t.Helper()
	if *updateGallery {
		_, file, _, _ := runtime.Caller(0)
		dir := filepath.Join(filepath.Dir(file), "..", "..", "docs", "screens")
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	if d := os.Getenv("TEST_OUTPUT_DIR"); d != "" {
		dir := filepath.Join(d, "screens")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	return t.TempDir()
}

// englishGallery is the language of the gallery's unsuffixed files.
const englishGallery = text.English

// shotFile names the screenshot of the n-th page at width in lang:
// NN-name-WIDTH.jpg in English, NN-name-WIDTH-cy.jpg in Welsh.
func shotFile(n int, name string, width int64, lang text.Lang) string {
	if lang == englishGallery || lang == "" {
		return fmt.Sprintf("%02d-%s-%d.jpg", n, name, width)
	}
	return fmt.Sprintf("%02d-%s-%d-%s.jpg", n, name, width, lang)
}

// writeGalleryIndex writes docs/screens.md: every page at every width.
func writeGalleryIndex(t *testing.T, dir string, shots []shot) {
	t.Helper()
	var b strings.Builder
	b.WriteString("# carekey's pages\n\n")
	b.WriteString("Every page of a sign-in, a registration, forgot password and the error pages, at 1280 and\n")
	b.WriteString("320 CSS px, as `TestGallery` (internal/browsertest) saw them in Debian's chromium. Generated:\n")
	b.WriteString("do not edit; run `go test -run TestGallery ./internal/browsertest/ -update-gallery` after a\n")
	b.WriteString("change to the pages. Each page is shown in English, then in Welsh (Cymraeg).\n\n")
	for i, s := range shots {
		fmt.Fprintf(&b, "## %d. %s\n\n", i+1, s.title)
		for _, l := range text.Langs() {
			fmt.Fprintf(&b, "%s:\n\n", l.Name())
			for _, w := range galleryWidths {
				fmt.Fprintf(&b, "![%s at %d px, %s](screens/%s) ", s.title, w, l.Name(), shotFile(i+1, s.name, w, l))
			}
			b.WriteString("\n\n")
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "..", "screens.md"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}
