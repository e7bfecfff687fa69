package render_test

import (
	"bytes"
	"html"
	"html/template"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/web/render"
	"github.com/carekey/carekey/pkg/text"
	"github.com/carekey/carekey/ui"
)

var brand = config.Branding{ServiceName: "Children's Services Portal", CouncilName: "Norfolk County Council"}

// allPages are the templates in ui/templates, the layout excepted.
var allPages = []string{"signin", "signin_enrol_email", "signin_enrol", "signin_confirm", "signin_code", "signin_call",
	"signed_in", "logged_out", "error", "coming_soon",
	"register_profile", "register_credentials", "register_verify",
	"forgot_email", "forgot_verify", "forgot_password", "forgot_done",
	"confirm_logout", "account_phone", "account_phone_done", "signin_app", "account_app"}

func newPages(t *testing.T, logs *bytes.Buffer) *render.Pages {
	t.Helper()
	var logger *slog.Logger
	if logs != nil {
		logger = slog.New(slog.NewTextHandler(logs, nil))
	}
	p, err := render.New(ui.Templates(), brand, logger, allPages...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// pageData has every field any page reads, as the handlers fill them.
func pageData() map[string]any {
	return map[string]any{
		"Masked": "XXX-XXX-XXX47", "ChangePhone": false, "Reauth": false, "Landline": false, "SMS": true, "Call": true,
		"Countries": []map[string]string{{"Code": "44", "Name": "United Kingdom"}, {"Code": "353", "Name": "Ireland"}},
		"Country":   "44", "Sent": false, "Registered": false,
		"Rules":   []text.Message{text.M("password.min_length", 14), text.M("password.letter")},
		"Heading": text.TitleSignIn, "Message": text.M(text.TooManyRequests), "StartAgain": "/signin", "RetryIn": "", "BackTo": "",
		"Email": "penny.plumber@example.org", "Next": "https://rp.example/", "MAC": "m",
		"App": true, "ReauthApp": false, "ChangeApp": false, "HasApp": false, "Added": false, "Removed": false,
		"SetupID": "flw_1", "QR": template.URL("data:image/png;base64,iVBORw0KGgo="), "Key": "JBSWY3DPEHPK3PXP",
	}
}

// guideWords are the words of the council's guides (/work/shared/seeds)
// and of our own pages that each page must show, verbatim.
var guideWords = map[string][]string{
	"signin": {"<h1 class=\"govuk-heading-l\">Sign in</h1>", `<label for="email" class="govuk-label">Email address</label>`, `<label for="password" class="govuk-label">Password</label>`,
		">Forgot your password?</a>", `<button type="submit" class="govuk-button">Sign in</button>`,
		`Don't have an account? <a href="/register">Sign up now</a>`},
	"signin_confirm": {"<h1 class=\"govuk-heading-l\">Confirm your identity</h1>",
		"You need to confirm your identity using your phone number every time you sign in.",
		"<dt>Phone Number</dt>", "<dd>XXX-XXX-XXX47</dd>", ">Send Code</button>", ">Call Me</button>", ">Cancel</button>",
		">Use your authenticator app</button>"},
	"signin_app": {"<h1 class=\"govuk-heading-l\">Confirm your identity</h1>", `<label for="code" class="govuk-label">Enter the 6-digit code from your app</label>`,
		`autocomplete="one-time-code"`, `inputmode="numeric"`, ">Verify Code</button>", ">Send Code</button>", ">Cancel</button>"},
	"account_app": {"<h1 class=\"govuk-heading-l\">Set up an authenticator app</h1>", `src="data:image/png;base64,iVBORw0KGgo="`, `alt="QR code to scan with your authenticator app.`,
		"JBSWY3DPEHPK3PXP", `<label for="code" class="govuk-label">Enter the 6-digit code from your app</label>`, `name="setup" value="flw_1"`},
	"signin_code": {"<h1 class=\"govuk-heading-l\">Confirm your identity</h1>",
		"You need to confirm your identity using your phone number every time you sign in.", "<dt>Phone Number</dt>",
		`<label for="code" class="govuk-label">Enter your verification code below, or send a new code</label>`, ">Cancel</button>"},
	"signin_call":  {"<h1 class=\"govuk-heading-l\">Confirm your identity</h1>", "We are calling XXX-XXX-XXX47.", "press the # key", ">Cancel</button>"},
	"signin_enrol": {"<h1 class=\"govuk-heading-l\">Confirm your identity</h1>", `<label for="country" class="govuk-label">Country Code</label>`, `<label for="phone" class="govuk-label">Phone Number</label>`, ">Cancel</button>"},
	"signin_enrol_email": {"<h1 class=\"govuk-heading-l\">Confirm your identity</h1>", `<label for="code" class="govuk-label">Code *</label>`,
		">Please send me a new code</button>", "If you can't find this email, it may be in your spam/junk email folder."},
	"register_profile": {"<h1 class=\"govuk-heading-l\">Register for a new account</h1>", "Fields marked with asterisk are mandatory and must be completed.",
		`<label for="forename" class="govuk-label">Forename *</label>`, `<label for="surname" class="govuk-label">Surname *</label>`,
		"<legend class=\"govuk-fieldset__legend govuk-fieldset__legend--s\">Is this account being used in a professional capacity?</legend>", `<label for="role" class="govuk-label">Role *</label>`,
		`<label for="organisation" class="govuk-label">Organisation *</label>`, `<label for="street" class="govuk-label">Street *</label>`, `<label for="town" class="govuk-label">Town *</label>`,
		`<label for="postcode" class="govuk-label">Post code *</label>`,
		"NB: The address details you add at this stage should be your work address details.", ">Next</button>"},
	"register_credentials": {"<h1 class=\"govuk-heading-l\">Register for a new account</h1>",
		"Please enter your work email address and enter a password twice. Press <strong>Next</strong> to proceed.",
		`<label for="email" class="govuk-label">Email address *</label>`, `<label for="password" class="govuk-label">Password *</label>`,
		`<label for="confirm_password" class="govuk-label">Confirm password *</label>`,
		"Your password must meet the password policy. Guidance on this policy can be found on screen.",
		"<h2 class=\"govuk-heading-m\">Password policy</h2>", "Your password must meet the following requirements:",
		"<li>It must be at least 14 characters long</li>", ">Next</button>"},
	"register_verify": {"<h1 class=\"govuk-heading-l\">Register for a new account</h1>",
		"We have just sent you an email to confirm your email address. Please enter the code this contains below. Use the <strong>back</strong> button below if you would like to change your email address and try again or <strong>Please send me a new code</strong> if you need another one.",
		"If you can't find this email, it may be in your spam/junk email folder.", `<label for="code" class="govuk-label">Code *</label>`,
		">Please send me a new code</button>", ">Next</button>", ">Back</button>", `action="/register/verify"`},
	"forgot_email":    {"<h1 class=\"govuk-heading-l\">Forgot your password?</h1>", `<label for="email" class="govuk-label">Email address *</label>`, ">Next</button>"},
	"forgot_verify":   {"<h1 class=\"govuk-heading-l\">Forgot your password?</h1>", `<label for="code" class="govuk-label">Code *</label>`, ">Please send me a new code</button>", `action="/forgot-password/verify"`},
	"forgot_password": {"<h1 class=\"govuk-heading-l\">Choose a new password</h1>", `<label for="password" class="govuk-label">Password *</label>`, `<label for="confirm_password" class="govuk-label">Confirm password *</label>`, "<h2 class=\"govuk-heading-m\">Password policy</h2>"},
	"forgot_done":     {"<h1 class=\"govuk-panel__title\">Sign in</h1>", "<p>Too many attempts. Please wait a few minutes and try again.</p>", `<a href="/signin" class="govuk-button">Sign in</a>`},
	"signed_in": {"<h1 class=\"govuk-heading-l\">You are signed in</h1>", "as penny.plumber@example.org", ">Sign out</button>", "Change your phone number",
		`<a href="/account/app">Set up an authenticator app</a>`},
	"logged_out":         {"<h1 class=\"govuk-heading-l\">You have signed out</h1>", `<a href="/signin">Sign in again</a>`},
	"error":              {"<h1 class=\"govuk-heading-l\">Sign in</h1>", "<p>Too many attempts. Please wait a few minutes and try again.</p>", `<a href="/signin" class="govuk-button">Start again</a>`},
	"coming_soon":        {"<h1 class=\"govuk-heading-l\">Sign in</h1>", "<p>Too many attempts. Please wait a few minutes and try again.</p>", `<a href="/signin">Back to sign in</a>`},
	"confirm_logout":     {"<h1 class=\"govuk-heading-l\">Sign out</h1>", ">Sign out</button>", `<a href="/">Stay signed in</a>`},
	"account_phone":      {"<h1 class=\"govuk-heading-l\">Change your phone number</h1>", `<label for="country" class="govuk-label">Country Code</label>`, `<label for="phone" class="govuk-label">Phone Number</label>`},
	"account_phone_done": {"<h1 class=\"govuk-panel__title\">Your phone number has been changed</h1>", "XXX-XXX-XXX47"},
}

var (
	controlRE  = regexp.MustCompile(`<(input|select|textarea)\b[^>]*>`)
	idRE       = regexp.MustCompile(`\bid="([^"]+)"`)
	describeRE = regexp.MustCompile(`aria-describedby="([^"]+)"`)
	summaryRE  = regexp.MustCompile(`<div class="govuk-error-summary"[^>]*>[\s\S]*?</div>`)
	hrefHashRE = regexp.MustCompile(`href="#([^"]+)"`)
)

// controls returns the IDs of the page's visible form controls, failing
// for one without an ID (it could have no label).
func controls(t *testing.T, name, body string) []string {
	t.Helper()
	var ids []string
	for _, c := range controlRE.FindAllString(body, -1) {
		if strings.Contains(c, `type="hidden"`) {
			continue
		}
		m := idRE.FindStringSubmatch(c)
		if m == nil {
			t.Errorf("%s: control without an id: %s", name, c)
			continue
		}
		ids = append(ids, m[1])
	}
	return ids
}

func contains(body, want string) bool {
	return strings.Contains(body, want) || strings.Contains(body, strings.ReplaceAll(want, "'", "&#39;"))
}

// Every page renders in English with the guides' words, a title naming the
// brand, and a <label for> for every visible control.
func TestEveryPageRendersWithGuideWordsAndLabels(t *testing.T) {
	pages := newPages(t, nil)
	for _, name := range allPages {
		t.Run(name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			pages.Render(rec, httptest.NewRequest(http.MethodGet, "/", nil), http.StatusOK, name, &render.Page{Title: "T", CSRF: "tok", Data: pageData()})
			body := rec.Body.String()
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d:\n%s", rec.Code, body)
			}
			words, ok := guideWords[name]
			if !ok {
				t.Fatalf("no guide words listed for page %s", name)
			}
			for _, want := range append(words, `<html lang="en">`, "<title>T - "+html.EscapeString(brand.ServiceName)+"</title>",
				`<a href="#main" class="govuk-skip-link">Skip to main content</a>`) {
				if !contains(body, want) {
					t.Errorf("lacks %q", want)
				}
			}
			ids := controls(t, name, body)
			if want := strings.Count(body, "<label for="); len(ids) != want {
				t.Errorf("%d controls %v, %d labels", len(ids), ids, want)
			}
			for _, id := range ids {
				if !strings.Contains(body, `<label for="`+id+`"`) {
					t.Errorf("control %s has no <label for>", id)
				}
			}
			if strings.Contains(body, "tabindex=\"1") || strings.Contains(body, "<script>") || strings.Contains(body, " onclick=") {
				t.Error("positive tabindex or inline script")
			}
			// Every form posts the CSRF token.
			if n, m := strings.Count(body, "<form "), strings.Count(body, `name="csrf_token" value="tok"`); n != m {
				t.Errorf("%d forms, %d CSRF fields", n, m)
			}
		})
	}
}

// With an error on each field, a page titles itself "Error:", lists the
// errors in a summary whose links reach the fields, and ties each field to
// its message (aria-describedby names an element that exists).
func TestEveryPageShowsFieldErrors(t *testing.T) {
	pages := newPages(t, nil)
	for _, name := range allPages {
		t.Run(name, func(t *testing.T) {
			clean := httptest.NewRecorder()
			pages.Render(clean, httptest.NewRequest(http.MethodGet, "/", nil), http.StatusOK, name, &render.Page{Title: "T", Data: pageData()})
			ids := controls(t, name, clean.Body.String())
			page := &render.Page{Title: "T", Data: pageData()}
			for _, id := range ids {
				page.Errors = append(page.Errors, render.FieldError{Field: id, Text: text.M(text.FormOutOfDate)})
			}
			page.AddError(text.SomethingWentWrong, "") // a form-level error
			rec := httptest.NewRecorder()
			pages.Render(rec, httptest.NewRequest(http.MethodPost, "/", nil), http.StatusUnprocessableEntity, name, page)
			body := rec.Body.String()
			if rec.Code != http.StatusUnprocessableEntity {
				t.Fatalf("status %d", rec.Code)
			}
			if !strings.Contains(body, "<title>Error: T - ") || !strings.Contains(body, `<h2 class="govuk-error-summary__title" id="error-summary-title">There is a problem</h2>`) {
				t.Error("no Error: title or no error summary")
			}
			summary := summaryRE.FindString(body)
			if !strings.Contains(summary, html.EscapeString(text.Get(text.SomethingWentWrong))) {
				t.Error("form-level error not in the summary")
			}
			all := map[string]bool{}
			for _, m := range idRE.FindAllStringSubmatch(body, -1) {
				all[m[1]] = true
			}
			for _, id := range ids {
				if !strings.Contains(summary, `<a href="#`+id+`">`+html.EscapeString(text.Get(text.FormOutOfDate))+`</a>`) {
					t.Errorf("summary does not link to %s", id)
				}
			}
			for _, m := range hrefHashRE.FindAllStringSubmatch(body, -1) {
				if !all[m[1]] {
					t.Errorf("link to #%s, which is not on the page", m[1])
				}
			}
			for _, m := range describeRE.FindAllStringSubmatch(body, -1) {
				if !all[m[1]] {
					t.Errorf("aria-describedby=%q names nothing on the page", m[1])
				}
			}
		})
	}
}

// Render sends the whole page with its length, as HTML that no cache may
// keep, under the status asked, branded.
func TestRenderHeaders(t *testing.T) {
	rec := httptest.NewRecorder()
	newPages(t, nil).Render(rec, httptest.NewRequest(http.MethodGet, "/", nil), http.StatusTeapot, "logged_out", &render.Page{Title: "Bye"})
	h := rec.Header()
	if rec.Code != http.StatusTeapot || h.Get("Content-Type") != "text/html; charset=utf-8" || h.Get("Cache-Control") != "no-store" ||
		h.Get("Content-Length") != strconv.Itoa(rec.Body.Len()) {
		t.Errorf("status %d, headers %v, body %d bytes", rec.Code, h, rec.Body.Len())
	}
	if body := rec.Body.String(); !strings.Contains(body, "<title>Bye - Children&#39;s Services Portal</title>") ||
		!strings.Contains(body, `<span class="council">Norfolk County Council</span>`) {
		t.Errorf("brand not filled in:\n%s", body)
	}
}

// An unknown page or a template that fails is a plain 500 with the
// generic words, logged; never half a page.
func TestRenderFailures(t *testing.T) {
	var logs bytes.Buffer
	rec := httptest.NewRecorder()
	newPages(t, &logs).Render(rec, httptest.NewRequest(http.MethodGet, "/", nil), http.StatusOK, "no_such_page", &render.Page{})
	if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), text.Get(text.SomethingWentWrong)) ||
		!strings.Contains(logs.String(), "no_such_page") {
		t.Errorf("unknown page: %d %q, log %q", rec.Code, rec.Body, logs.String())
	}

	fsys := fstest.MapFS{
		"layout.html": {Data: []byte(`{{define "layout"}}<html><p>before</p>{{template "main" .}}</html>{{end}}`)},
		"broken.html": {Data: []byte(`{{define "main"}}{{.Data.Missing}}{{end}}`)},
	}
	logs.Reset()
	p, err := render.New(fsys, brand, slog.New(slog.NewTextHandler(&logs, nil)), "broken")
	if err != nil {
		t.Fatal(err)
	}
	rec = httptest.NewRecorder()
	p.Render(rec, httptest.NewRequest(http.MethodGet, "/", nil), http.StatusOK, "broken", &render.Page{Data: struct{}{}})
	if rec.Code != http.StatusInternalServerError || strings.Contains(rec.Body.String(), "before") || !strings.Contains(logs.String(), "render page") {
		t.Errorf("failing template: %d %q, log %q; want 500 without the page's start", rec.Code, rec.Body, logs.String())
	}
}

// New fails, naming the page, when a page is missing or does not parse.
func TestNewNeedsEveryPage(t *testing.T) {
	if _, err := render.New(ui.Templates(), brand, nil, "signin", "no_such_page"); err == nil || !strings.Contains(err.Error(), "no_such_page") {
		t.Errorf("missing page: %v", err)
	}
	fsys := fstest.MapFS{"layout.html": {Data: []byte(`{{define "layout"}}{{end}}`)}, "bad.html": {Data: []byte(`{{if}}`)}}
	if _, err := render.New(fsys, brand, nil, "bad"); err == nil || !strings.Contains(err.Error(), "bad") {
		t.Errorf("unparsable page: %v", err)
	}
}

// Error renders the error page: heading, message by ID, and a "Start
// again" link only when there is somewhere to start again.
func TestErrorPage(t *testing.T) {
	pages := newPages(t, nil)
	rec := httptest.NewRecorder()
	pages.Error(rec, httptest.NewRequest(http.MethodGet, "/", nil), http.StatusGone, "Sign in", text.LinkInvalid, "/signin")
	body := rec.Body.String()
	if rec.Code != http.StatusGone || !strings.Contains(body, "<h1 class=\"govuk-heading-l\">Sign in</h1>") || !strings.Contains(body, html.EscapeString(text.Get(text.LinkInvalid))) ||
		!strings.Contains(body, `<a href="/signin" class="govuk-button">Start again</a>`) || !strings.Contains(body, "<title>Sign in - ") {
		t.Errorf("error page %d:\n%s", rec.Code, body)
	}
	rec = httptest.NewRecorder()
	pages.Error(rec, httptest.NewRequest(http.MethodGet, "/", nil), http.StatusBadRequest, "Sign out", text.LinkInvalid, "")
	if strings.Contains(rec.Body.String(), "Start again") {
		t.Error("Start again shown with nowhere to start")
	}
	// The 429 page says when to try again and links back.
	wait := text.M(text.WaitMinutes, 4)
	rec = httptest.NewRecorder()
	pages.Render(rec, httptest.NewRequest(http.MethodGet, "/", nil), http.StatusTooManyRequests, "error", &render.Page{
		Title: text.TitleSignIn, Data: render.ErrorData{Heading: text.TitleSignIn, Message: text.M(text.TooManyRequests), RetryIn: &wait, BackTo: "/signin"},
	})
	if body := rec.Body.String(); !strings.Contains(body, "You can try again in about 4 minutes.") || !strings.Contains(body, `<a href="/signin">Back to sign in</a>`) {
		t.Errorf("429 page:\n%s", body)
	}
}

func TestPageHelpers(t *testing.T) {
	p := &render.Page{Values: map[string]string{"email": "a@example.org"}}
	p.AddError(text.FormOutOfDate, "email")
	p.AddError(text.SomethingWentWrong, "")
	if fe := p.FieldError("email"); fe == nil || fe.Text.ID != text.FormOutOfDate {
		t.Errorf("FieldError(email) = %v", fe)
	}
	if fe := p.FieldError("password"); fe != nil {
		t.Errorf("FieldError(password) = %v, want nil", fe)
	}
	if fe := p.FieldError(""); fe == nil || fe.Text.ID != text.SomethingWentWrong {
		t.Errorf("form-level error = %v", fe)
	}
	if p.Value("email") != "a@example.org" || p.Value("x") != "" || (&render.Page{}).Value("x") != "" {
		t.Error("Value")
	}
	if at := p.At("/register"); at.Page != p || at.Path != "/register" {
		t.Errorf("At = %+v", at)
	}
}
