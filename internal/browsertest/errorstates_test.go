package browsertest

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/carekey/carekey/internal/clock/clocktest"
	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/pkg/text"
)

// Issue 14, acceptance 1: every error state is a page in the layout, with a
// title, a language and a way forward, and axe-core finds nothing on it,
// with JavaScript on and off: OIDC errors (an unknown client, a redirect
// address the client does not have, a request without its parameters), a
// page that does not exist, a method the address does not take, a sign-in
// form left open past its flow's life (410, "Start again"), and too many
// attempts (429, when to try again).
func TestErrorStatesAccessible(t *testing.T) {
	for _, withJS := range []bool{true, false} {
		t.Run(fmt.Sprintf("js=%v", withJS), func(t *testing.T) {
			t.Parallel()
			clk := clocktest.New(time.Now())
			s := startStackWith(t, 0, 0, func(c *config.Config) {
				c.RateLimits.SigninPerIP = config.RateLimit{Max: 2, Window: time.Hour}
			}, clk)
			ctx := browser(t, withJS)
			authorize := func(q url.Values) string { return s.idp.URL + "/authorize?" + q.Encode() }
			for _, st := range []struct {
				name, path string
				words      string // shown on the page
			}{
				{"an unknown client", authorize(url.Values{"client_id": {"no-such-client"}, "redirect_uri": {s.dash.URL + "/callback"},
					"response_type": {"code"}, "scope": {"openid"}}), ""},
				{"a redirect address the client does not have", authorize(url.Values{"client_id": {"dashboard"},
					"redirect_uri": {"https://evil.example/callback"}, "response_type": {"code"}, "scope": {"openid"}}), ""},
				{"an authorization request without its parameters", s.idp.URL + "/authorize", ""},
				{"a page that does not exist", s.idp.URL + "/no-such-page", text.Get(text.NotFoundDetail)},
				{"a method the address does not take", s.idp.URL + "/signin/call", text.Get(text.MethodNotAllowed)},
			} {
				run(t, ctx, st.name, chromedp.Navigate(st.path), chromedp.WaitVisible(`//h1`))
				s.isAPage(t, ctx, st.name, st.words)
			}

			// A sign-in form left open for 31 minutes: its flow has ended.
			run(t, ctx, "the sign-in page", chromedp.Navigate(s.idp.URL+"/signin"), chromedp.WaitVisible(byLabel("Email address")))
			clk.Advance(31 * time.Minute)
			run(t, ctx, "a sign-in form past its flow's life",
				chromedp.SendKeys(byLabel("Email address"), pennyEmail),
				chromedp.SendKeys(byLabel("Password"), "Wrong-password-123"),
				chromedp.Click(button("Sign in")),
				chromedp.WaitVisible(link("Start again")),
			)
			s.isAPage(t, ctx, "a sign-in form past its flow's life", text.Get(text.FlowExpired))

			// Wrong passwords from one address until it is held back.
			for i := 0; ; i++ {
				run(t, ctx, "a wrong password",
					chromedp.Navigate(s.idp.URL+"/signin"),
					chromedp.WaitVisible(`//h1`),
				)
				body := get(t, ctx, "read the page", chromedp.Evaluate[string](`document.body.innerText`))
				if strings.Contains(body, text.Get(text.TooManyRequests)) {
					break
				}
				if i == 5 {
					t.Fatalf("never held back; last page:\n%s", body)
				}
				run(t, ctx, "sign in with a wrong password",
					chromedp.SendKeys(byLabel("Email address"), pennyEmail),
					chromedp.SendKeys(byLabel("Password"), "Wrong-password-123"),
					chromedp.Click(button("Sign in")),
				)
				// Wait for the answer, not the h1 of the page the form was
				// on: navigating while the post is still in flight aborts it.
				waitFor(t, ctx, "the answer to a wrong password", fmt.Sprintf(
					`//*[contains(normalize-space(.), %q) or contains(normalize-space(.), %q)]`,
					text.Get(text.SignInFailed), text.Get(text.TooManyRequests)))
				body = get(t, ctx, "read the page", chromedp.Evaluate[string](`document.body.innerText`))
				if strings.Contains(body, text.Get(text.TooManyRequests)) {
					break
				}
			}
			s.isAPage(t, ctx, "too many attempts", text.Get(text.TooManyRequests))
		})
	}
}

// isAPage checks that the page in the tab is one of the layout's (a title,
// a language, the header and footer, a way forward), shows words (when
// given), and has no axe-core violation.
func (s *stack) isAPage(t *testing.T, ctx context.Context, name, words string) {
	t.Helper()
	title := get(t, ctx, "the title of "+name, chromedp.Evaluate[string](`document.title`))
	lang := get(t, ctx, "the language of "+name, chromedp.Evaluate[string](`document.documentElement.lang`))
	body := get(t, ctx, "the words of "+name, chromedp.Evaluate[string](`document.body.innerText`))
	links := get(t, ctx, "the ways forward of "+name,
		chromedp.Evaluate[int](`document.querySelectorAll("main a[href], main button, header a[href]").length`))
	if title == "" || lang == "" || links == 0 {
		t.Errorf("%s: title %q, lang %q, %d ways forward; want a page of the layout", name, title, lang, links)
	}
	if words != "" && !strings.Contains(body, words) {
		t.Errorf("%s: the page does not say %q:\n%s", name, words, body)
	}
	checkAccessibility(t, ctx, name)
}
