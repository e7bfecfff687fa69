package dashboard

import (
	"net/http"
	"strings"
	"testing"
)

// pennyClaims are the guide's user with her three accounts, deliberately not
// in name order.
const pennyClaims = `{
	"sub": "usr_penny", "name": "Penny QQ Plumber", "email": "penny.plumber.portal@example.com",
	"sid": "sess_1", "iss": "http://idp.test:8080", "aud": "dashboard",
	"accounts": [
		{"id": "acc_peter", "name": "Peter QQ Plumber", "birthdate": "1981-02-04", "relationship": "self"},
		{"id": "acc_charlie", "name": "Charlie QQ Cherry", "birthdate": "2013-11-07", "relationship": "child"},
		{"id": "acc_pedro", "name": "Pedro QQ Plumber", "birthdate": "2006-05-01", "relationship": "child"}
	]
}`

const samClaims = `{
	"sub": "usr_sam", "given_name": "Sam", "family_name": "Single", "email": "sam.single.portal@example.com",
	"accounts": [{"id": "acc_sam", "name": "Sam QQ Single", "birthdate": "1990-06-15", "relationship": "self"}]
}`

const noAccountClaims = `{
	"sub": "usr_nora", "name": "Nora None", "email": "nora@example.com", "email_verified": true,
	"nonce": "n-0S6", "at_hash": "abc"
}`

func TestChooserShowsTheGuidesWords(t *testing.T) {
	td := newTest(t, nil)
	w := td.get("/", td.signIn(t, pennyClaims))
	if w.Code != http.StatusOK {
		t.Fatalf("GET / status = %d, want 200", w.Code)
	}
	body := w.Body.String()
	assertInOrder(t, textOf(body),
		"Norfolk County Council", "Penny QQ Plumber", "Logout",
		"Care, support and health", "Children&#39;s Services Portal", "My Account",
		"Select an account to manage",
		"Welcome, Penny QQ Plumber.",
		"Please select the account you would like to access.",
		"Select an Account",
		"Charlie QQ Cherry", "07 Nov 2013", "View Social Care Dashboard",
		"Pedro QQ Plumber", "01 May 2006", "View Social Care Dashboard",
		"Peter QQ Plumber", "04 Feb 1981", "View Social Care Dashboard",
	)
	assertInOrder(t, body,
		`<summary>Penny QQ Plumber</summary>`,
		`<h1 class="govuk-heading-l">Select an account to manage</h1>`,
		`<h2 id="accounts-heading" class="govuk-heading-m">Select an Account</h2>`,
		`href="/accounts/acc_charlie"`, `href="/accounts/acc_pedro"`, `href="/accounts/acc_peter"`,
	)
	if n := strings.Count(body, ">View Social Care Dashboard</a>"); n != 3 {
		t.Errorf("%d links View Social Care Dashboard, want 3", n)
	}
}

func TestHeaderMenuLogsOutWithoutJavaScript(t *testing.T) {
	td := newTest(t, nil)
	c := td.signIn(t, pennyClaims)
	body := td.get("/", c).Body.String()
	assertInOrder(t, body,
		`<details>`, `<summary>Penny QQ Plumber</summary>`,
		`<form method="post" action="/logout" id="logout-form">`,
		`<input type="hidden" name="csrf_token" value="`+td.csrfOf(t, c)+`">`,
		`<button type="submit" class="user-menu__logout">Logout</button>`,
		`</form>`, `</details>`)
}

func TestSingleAccountGoesStraightToItsDashboard(t *testing.T) {
	td := newTest(t, nil)
	c := td.signIn(t, samClaims)
	w := td.get("/", c)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/accounts/acc_sam" {
		t.Fatalf("GET / = %d %q, want 303 /accounts/acc_sam", w.Code, w.Header().Get("Location"))
	}
	w = td.get("/accounts/acc_sam", c)
	if w.Code != http.StatusOK {
		t.Fatalf("GET /accounts/acc_sam status = %d, want 200", w.Code)
	}
	text := textOf(w.Body.String())
	assertInOrder(t, text, "Sam Single", "Logout", "Sam QQ Single", "Social Care Dashboard", "15 Jun 1990")
	if strings.Contains(text, "Select a different account") {
		t.Error("single account page links back to a chooser")
	}
}

func TestNoAccountsShowsWelcomeAndClaims(t *testing.T) {
	td := newTest(t, nil)
	w := td.get("/", td.signIn(t, noAccountClaims))
	if w.Code != http.StatusOK {
		t.Fatalf("GET / status = %d, want 200", w.Code)
	}
	text := textOf(w.Body.String())
	assertInOrder(t, text, "Welcome, Nora None.", "Email address", "nora@example.com", "Email address verified", "Yes")
	for _, hidden := range []string{"n-0S6", "abc", "Select an Account"} {
		if strings.Contains(text, hidden) {
			t.Errorf("page shows %q", hidden)
		}
	}
}

func TestAccountPage(t *testing.T) {
	for _, tc := range []struct {
		name       string
		claims     string
		path       string
		signedOut  bool
		wantStatus int
		wantText   []string
		notText    []string
	}{
		{
			name: "one of several", claims: pennyClaims, path: "/accounts/acc_pedro",
			wantStatus: http.StatusOK,
			wantText:   []string{"My Account", "Pedro QQ Plumber", "Pedro QQ Plumber", "Social Care Dashboard", "01 May 2006", "Select a different account"},
		},
		{
			name: "not in the claim", claims: pennyClaims, path: "/accounts/acc_sam",
			wantStatus: http.StatusNotFound,
			wantText:   []string{"Page not found"},
			notText:    []string{"Social Care Dashboard"},
		},
		{
			name: "signed out", claims: pennyClaims, path: "/accounts/acc_pedro", signedOut: true,
			wantStatus: http.StatusUnauthorized,
			wantText:   []string{"Sign in"},
			notText:    []string{"Pedro QQ Plumber"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			td := newTest(t, nil)
			c := td.signIn(t, tc.claims)
			var cookies []*http.Cookie
			if !tc.signedOut {
				cookies = append(cookies, c)
			}
			w := td.get(tc.path, cookies...)
			if w.Code != tc.wantStatus {
				t.Fatalf("GET %s status = %d, want %d", tc.path, w.Code, tc.wantStatus)
			}
			text := textOf(w.Body.String())
			assertInOrder(t, text, tc.wantText...)
			for _, s := range tc.notText {
				if strings.Contains(text, s) {
					t.Errorf("page shows %q", s)
				}
			}
		})
	}
}

func TestSignedOutHomeHasSignIn(t *testing.T) {
	td := newTest(t, nil)
	w := td.get("/")
	if w.Code != http.StatusOK {
		t.Fatalf("GET / status = %d, want 200", w.Code)
	}
	body := w.Body.String()
	if !strings.Contains(body, `<a class="govuk-button" href="/login">Sign in</a>`) {
		t.Errorf("no Sign in link in:\n%s", body)
	}
	if strings.Contains(body, "<summary>") {
		t.Error("signed-out page shows a user menu")
	}
}

// TestPagesBasics checks what every page needs (WCAG-minded) and what CSP forbids.
func TestPagesBasics(t *testing.T) {
	td := newTest(t, nil)
	penny := td.signIn(t, pennyClaims)
	nora := td.signIn(t, noAccountClaims)
	for _, tc := range []struct {
		name string
		path string
		c    []*http.Cookie
	}{
		{"signed out", "/", nil},
		{"chooser", "/", []*http.Cookie{penny}},
		{"account", "/accounts/acc_charlie", []*http.Cookie{penny}},
		{"welcome", "/", []*http.Cookie{nora}},
		{"not found", "/accounts/nope", []*http.Cookie{penny}},
		{"callback error", "/callback?error=access_denied", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := td.get(tc.path, tc.c...)
			body := w.Body.String()
			for _, want := range []string{
				`<html lang="en">`, `<a class="govuk-skip-link" href="#main">Skip to main content</a>`,
				`<main id="main" tabindex="-1">`, `<header`, `<h1 class="govuk-heading-l">`, "<title>",
			} {
				if !strings.Contains(body, want) {
					t.Errorf("page lacks %s", want)
				}
			}
			// No inline script: the only script is the idle warning, from /static/.
			scripts := strings.ReplaceAll(body, `<script src="/static/idle.js" defer></script>`, "")
			for _, bad := range []string{"<script", " style=", "onclick", `tabindex="1"`} {
				if strings.Contains(scripts, bad) {
					t.Errorf("page contains %s", bad)
				}
			}
			if ct := w.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("Content-Type = %q", ct)
			}
		})
	}
}

func TestSecurityHeaders(t *testing.T) {
	td := newTest(t, nil)
	for _, path := range []string{"/", "/static/dashboard.css", "/no-such-page", "/callback"} {
		t.Run(path, func(t *testing.T) {
			w := td.get(path)
			for k, want := range map[string]string{
				"Content-Security-Policy": "default-src 'self'; base-uri 'none'; object-src 'none'; " +
					"frame-ancestors 'none'; form-action 'self' http://idp.test:8080",
				"X-Content-Type-Options": "nosniff",
				"Referrer-Policy":        "no-referrer",
				"X-Frame-Options":        "DENY",
			} {
				if have := w.Header().Get(k); have != want {
					t.Errorf("%s = %q, want %q", k, have, want)
				}
			}
		})
	}
	if cc := td.get("/").Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("page Cache-Control = %q, want no-store", cc)
	}
	if w := td.get("/static/dashboard.css"); w.Code != http.StatusOK || !strings.Contains(w.Header().Get("Content-Type"), "text/css") {
		t.Errorf("stylesheet: %d %q", w.Code, w.Header().Get("Content-Type"))
	}
}
