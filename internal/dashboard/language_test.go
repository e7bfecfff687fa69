package dashboard

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/carekey/carekey/pkg/text"
)

var welshCookie = &http.Cookie{Name: langCookie, Value: "cy"}

// getWith serves a GET of target with the Accept-Language header and cookies.
func (td *testDashboard) getWith(target, acceptLanguage string, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, testBase+target, nil)
	if acceptLanguage != "" {
		r.Header.Set("Accept-Language", acceptLanguage)
	}
	for _, c := range cookies {
		r.AddCookie(c)
	}
	w := httptest.NewRecorder()
	td.h.ServeHTTP(w, r)
	return w
}

// assertNoEnglish fails if page shows the English of a dashboard message
// (the part before its first verb, if that is a few words).
func assertNoEnglish(t *testing.T, page string) {
	t.Helper()
	shown := textOf(strings.ReplaceAll(page, "&#39;", "'"))
	for _, id := range text.IDs() {
		if !strings.HasPrefix(string(id), "dashboard.") || strings.HasPrefix(string(id), "dashboard.month.") {
			continue
		}
		en, _, _ := strings.Cut(text.English.Get(id), "%")
		if en = strings.TrimSpace(en); len(en) < 12 {
			continue
		}
		if strings.Contains(shown, en) {
			t.Errorf("the Welsh page shows the English %q (%s)", en, id)
		}
	}
}

func TestChooserInWelshWithTheCookie(t *testing.T) {
	td := newTest(t, nil)
	w := td.get("/", td.signIn(t, pennyClaims), welshCookie)
	if w.Code != http.StatusOK {
		t.Fatalf("GET / status = %d, want 200", w.Code)
	}
	body := w.Body.String()
	assertInOrder(t, body,
		`<html lang="cy">`,
		`<title>Dewiswch gyfrif i&#39;w reoli - Children&#39;s Services Portal - Norfolk County Council</title>`,
		`<a class="govuk-skip-link" href="#main">Neidio i&#39;r prif gynnwys</a>`,
		`<a href="/language?lang=en&amp;next=%2F" lang="en" hreflang="en">English</a>`,
		`<nav class="user-menu" aria-label="Eich cyfrif">`,
		`<button type="submit" class="user-menu__logout">Allgofnodi</button>`,
		`<h1 class="govuk-heading-l">Dewiswch gyfrif i&#39;w reoli</h1>`,
		`<p id="idle-live"`, `data-say-minutes="%d munud" data-say-minute="1 funud" data-say-seconds="%d eiliad"`,
		`data-say-left="Byddwch yn cael eich allgofnodi ymhen %s."`,
	)
	assertInOrder(t, textOf(body),
		"Gofal, cymorth ac iechyd", "Children&#39;s Services Portal", "Fy Nghyfrif",
		"Croeso, Penny QQ Plumber.",
		"Dewiswch y cyfrif yr hoffech ei agor.",
		"Dewiswch Gyfrif",
		"Charlie QQ Cherry", "Dyddiad geni:", "07 Tach 2013", "Gweld y Dangosfwrdd Gofal Cymdeithasol",
		"Pedro QQ Plumber", "01 Mai 2006",
		"Peter QQ Plumber", "04 Chwef 1981",
		"Darperir Children&#39;s Services Portal gan Norfolk County Council.",
		"Rydych ar fin cael eich allgofnodi", "Aros wedi mewngofnodi",
	)
	assertNoEnglish(t, body)
}

// Every page the dashboard shows is in Welsh with the cookie.
func TestEveryPageInWelsh(t *testing.T) {
	td := newTest(t, func(c *Config) {
		c.Branding.PhaseBanner = "alpha"
		c.Branding.FeedbackURL = "https://example.com/feedback"
	})
	penny := td.signIn(t, pennyClaims)
	pages := map[string]*httptest.ResponseRecorder{
		"signed out":  td.get("/", welshCookie),
		"account":     td.get("/accounts/acc_pedro", penny, welshCookie),
		"not yours":   td.get("/accounts/acc_other", penny, welshCookie),
		"welcome":     td.get("/", td.signIn(t, noAccountClaims), welshCookie),
		"not found":   td.get("/no-such-page", welshCookie),
		"unavailable": td.get("/login", welshCookie),
		"refused":     td.get("/callback?error=access_denied&state=x", welshCookie),
		"expired":     td.get("/callback?state=x", welshCookie),
	}
	for name, w := range pages {
		if !strings.Contains(w.Body.String(), `<html lang="cy">`) {
			t.Errorf("%s: not in Welsh:\n%s", name, w.Body)
		}
		assertNoEnglish(t, w.Body.String())
	}
	assertInOrder(t, textOf(pages["signed out"].Body.String()),
		"Alffa", "Mae hwn yn wasanaeth newydd", "Fy Nghyfrif", "Yn newydd i Children&#39;s Services Portal?",
		"Cofrestrwch am gyfrif yma", "Defnyddwyr presennol", "Mewngofnodi", "Defnyddwyr newydd", "Cofrestru am gyfrif newydd")
	assertInOrder(t, textOf(pages["account"].Body.String()),
		"Pedro QQ Plumber", "Dangosfwrdd Gofal Cymdeithasol", "Dyddiad geni", "01 Mai 2006", "Dewis cyfrif gwahanol")
	assertInOrder(t, textOf(pages["welcome"].Body.String()),
		"Croeso, Nora None.", "Cyfeiriad e-bost", "nora@example.com", "Cyfeiriad e-bost wedi&#39;i wirio", "Ydy")
	assertInOrder(t, textOf(pages["not found"].Body.String()), "Heb ddod o hyd i&#39;r dudalen", "Mynd i Children")
	assertInOrder(t, textOf(pages["refused"].Body.String()),
		"Nid ydych wedi mewngofnodi", "Cafodd y mewngofnodi ei ganslo neu ei wrthod.", "Rhoi cynnig arall arni")

	// A user without a name is "Portal user", in Welsh too.
	w := td.get("/", td.signIn(t, `{"sub":"usr_x"}`), welshCookie)
	assertInOrder(t, w.Body.String(), `<summary>Defnyddiwr y porth</summary>`)

	// The idle logout's notice.
	idle := td.signIn(t, pennyClaims)
	td.clk.Advance(time.Hour)
	assertInOrder(t, textOf(td.get("/", idle, welshCookie).Body.String()),
		"Pwysig", "Rydych wedi cael eich allgofnodi oherwydd nad oeddech wedi gwneud unrhyw beth am 15 munud.")
}

func TestLanguageFollowsCookieThenAcceptLanguage(t *testing.T) {
	td := newTest(t, nil)
	for _, tc := range []struct {
		name, accept string
		cookie       *http.Cookie
		want         string
	}{
		{name: "neither", want: "en"},
		{name: "browser asks for Welsh", accept: "cy-GB,en;q=0.8", want: "cy"},
		{name: "browser prefers English", accept: "en-GB,cy;q=0.5", want: "en"},
		{name: "cookie Welsh", accept: "en-GB", cookie: welshCookie, want: "cy"},
		{name: "cookie English over the browser's Welsh", accept: "cy", cookie: &http.Cookie{Name: langCookie, Value: "en"}, want: "en"},
		{name: "cookie not a language", accept: "cy", cookie: &http.Cookie{Name: langCookie, Value: "fr"}, want: "cy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var cookies []*http.Cookie
			if tc.cookie != nil {
				cookies = append(cookies, tc.cookie)
			}
			body := td.getWith("/", tc.accept, cookies...).Body.String()
			if !strings.Contains(body, `<html lang="`+tc.want+`">`) {
				t.Errorf("page not in %s:\n%.300s", tc.want, body)
			}
			other := text.Lang(tc.want).Other()
			if !strings.Contains(body, `lang="`+string(other)+`" hreflang="`+string(other)+`">`+other.Name()+`</a>`) {
				t.Errorf("no link to %s", other.Name())
			}
		})
	}
}

func TestLanguageLinkSetsTheCookie(t *testing.T) {
	for _, secure := range []bool{false, true} {
		td := newTest(t, func(c *Config) { c.SecureCookies = secure })
		w := td.get("/language?lang=cy&next=%2Faccounts%2Facc_pedro")
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/accounts/acc_pedro" {
			t.Fatalf("GET /language = %d to %q, want 303 to /accounts/acc_pedro", w.Code, w.Header().Get("Location"))
		}
		c := responseCookie(w, langCookie)
		if c == nil || c.Value != "cy" || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure != secure ||
			c.Path != "/" || c.MaxAge < 30*24*60*60 {
			t.Fatalf("language cookie = %+v, want cy for the whole site, long-lived, HttpOnly, Lax, Secure=%v", c, secure)
		}
		if body := td.get("/", c).Body.String(); !strings.Contains(body, `<html lang="cy">`) {
			t.Error("the cookie set does not show the page in Welsh")
		}
		// Back to English, and no next: the start.
		w = td.get("/language?lang=en", c)
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/" {
			t.Errorf("GET /language?lang=en = %d to %q, want 303 to /", w.Code, w.Header().Get("Location"))
		}
		if c := responseCookie(w, langCookie); c == nil || c.Value != "en" {
			t.Errorf("language cookie = %+v, want en", c)
		}
	}
}

// The link goes back to the page it is on, or to the start from a page
// that cannot be asked for again.
func TestLanguageLinkGoesBackToThePage(t *testing.T) {
	td := newTest(t, nil)
	penny := td.signIn(t, pennyClaims)
	for _, tc := range []struct {
		target, want string
	}{
		{"/", `/language?lang=cy&amp;next=%2F"`},
		{"/accounts/acc_pedro", `/language?lang=cy&amp;next=%2Faccounts%2Facc_pedro"`},
		{"/callback?code=c&state=s", `/language?lang=cy&amp;next=%2F"`},
	} {
		if body := td.get(tc.target, penny).Body.String(); !strings.Contains(body, tc.want) {
			t.Errorf("GET %s: no language link %s", tc.target, tc.want)
		}
	}
}

func TestLanguageLinkRefusesAnotherSite(t *testing.T) {
	td := newTest(t, nil)
	for _, q := range []string{
		"lang=cy&next=" + url.QueryEscape("//evil.example/"),
		"lang=cy&next=" + url.QueryEscape("https://evil.example/"),
		"lang=cy&next=" + url.QueryEscape(`/\evil.example`),
		"lang=cy&next=" + url.QueryEscape("evil.example"),
		"lang=cy&next=" + url.QueryEscape("/\r\nSet-Cookie: x=1"),
		"lang=fr&next=%2F",
		"next=%2F",
	} {
		w := td.get("/language?" + q)
		if w.Code != http.StatusBadRequest {
			t.Errorf("GET /language?%s = %d to %q, want 400", q, w.Code, w.Header().Get("Location"))
		}
		if loc := w.Header().Get("Location"); loc != "" {
			t.Errorf("GET /language?%s redirects to %q", q, loc)
		}
		if c := responseCookie(w, langCookie); c != nil {
			t.Errorf("GET /language?%s set the language cookie %+v", q, c)
		}
		assertInOrder(t, textOf(w.Body.String()), "Request refused", "This language link is not valid.")
	}
}

// /login and /register ask carekey for the dashboard's language.
func TestLoginAsksForTheLanguage(t *testing.T) {
	td := newTest(t, nil)
	td.discovered()
	for _, tc := range []struct {
		name, accept string
		cookies      []*http.Cookie
		want         string
	}{
		{name: "English", want: "en"},
		{name: "Welsh cookie", cookies: []*http.Cookie{welshCookie}, want: "cy"},
		{name: "Welsh browser", accept: "cy", want: "cy"},
	} {
		for _, path := range []string{"/login", "/register"} {
			w := td.getWith(path, tc.accept, tc.cookies...)
			loc, err := url.Parse(w.Header().Get("Location"))
			if w.Code != http.StatusSeeOther || err != nil {
				t.Fatalf("%s: GET %s = %d to %q, want 303 to the issuer", tc.name, path, w.Code, w.Header().Get("Location"))
			}
			if have := loc.Query()["ui_locales"]; len(have) != 1 || have[0] != tc.want {
				t.Errorf("%s: GET %s asks with ui_locales=%q, want %q", tc.name, path, have, tc.want)
			}
		}
	}
}
