package browsertest

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/testenv"
	"github.com/carekey/carekey/pkg/text"
)

// Issue 14, acceptance 1, the last state: carekey on PostgreSQL and Redis
// (production mode), reached through proxies the test cuts. While a backend
// is down the sign-in is a 503 page of the layout that says so and offers a
// way forward, with no axe-core violation, JS on and off; when the backend
// is back, the same browser signs in as before.
func TestOutageStateAccessible(t *testing.T) {
	for _, withJS := range []bool{true, false} {
		for _, down := range []string{"postgres", "redis"} {
			t.Run(fmt.Sprintf("%s/js=%v", down, withJS), func(t *testing.T) {
				t.Parallel()
				var pg, rd *testenv.Proxy
				s := startStackIn(t, config.ModeServe, 0, 0, func(c *config.Config) {
					u, err := url.Parse(testenv.PostgresURL(t))
					if err != nil {
						t.Fatalf("parse postgres URL: %v", err)
					}
					pg = testenv.NewProxy(t, u.Host)
					u.Host = pg.Addr()
					c.Postgres.URL, c.Postgres.Migrate = u.String(), "auto"
					opts, prefix := testenv.Redis(t)
					rd = testenv.NewProxy(t, opts.Addr)
					c.Redis.Addrs, c.Redis.DB, c.Redis.KeyPrefix = []string{rd.Addr()}, opts.DB, prefix
					c.Dev = config.Dev{InsecureCookies: true, Outbox: true}
				}, nil)
				proxy := map[string]*testenv.Proxy{"postgres": pg, "redis": rd}[down]
				ctx := browser(t, withJS)

				run(t, ctx, "the sign-in page", chromedp.Navigate(s.idp.URL+"/signin"), chromedp.WaitVisible(byLabel("Email address")))
				proxy.Cut()
				run(t, ctx, "sign in during the outage",
					chromedp.SendKeys(byLabel("Email address"), pennyEmail),
					chromedp.SendKeys(byLabel("Password"), pennyPassword),
					chromedp.Click(button("Sign in")),
				)
				waitFor(t, ctx, "the outage page", fmt.Sprintf(`//*[contains(normalize-space(.), %q)]`, text.Get(text.ServiceUnavailable)))
				s.isAPage(t, ctx, "the sign-in during a "+down+" outage", text.Get(text.ServiceUnavailable))

				run(t, ctx, "the sign-in page during the outage", chromedp.Navigate(s.idp.URL+"/signin"), chromedp.WaitVisible(`//h1`))
				s.isAPage(t, ctx, "the sign-in page during a "+down+" outage", "")

				proxy.Restore()
				run(t, ctx, "the sign-in page after the outage", chromedp.Navigate(s.idp.URL+"/signin"), chromedp.WaitVisible(byLabel("Email address")))
			})
		}
	}
}
