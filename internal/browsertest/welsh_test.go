package browsertest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/carekey/carekey/pkg/text"
)

// Issue 14, acceptance 3: the whole registration and sign-in in Welsh, start
// to finish. Welsh is chosen once, with the dashboard's language link; the
// dashboard asks carekey for it (ui_locales), and every page after that,
// carekey's and the dashboard's, is read in Welsh (each step finds its
// buttons, labels, headings and error messages by their Welsh words) and
// checked with axe-core. The emailed codes come in Welsh too.
func TestWelshRegisterAndSignIn(t *testing.T) {
	t.Parallel()
	s := startStack(t, 0, 0)
	ctx := browser(t, true)
	s.chooseLanguage(t, ctx, text.Welsh)
	s.registerFromMyAccount(t, ctx)
	s.enrol(t, ctx, true)
	s.pageIsIn(t, ctx, text.Welsh)
	s.messagesAreIn(t, text.Welsh)

	// Penny signs in on another computer, in Welsh, without JavaScript.
	ctx = browser(t, false)
	s.chooseLanguage(t, ctx, text.Welsh)
	s.signIn(t, ctx, false)
	s.pageIsIn(t, ctx, text.Welsh)
	s.messagesAreIn(t, text.Welsh)
}

// messagesAreIn checks that the code that confirmed Nina's email address
// and the newest SMS code of the dev outbox are worded in l.
func (s *stack) messagesAreIn(t *testing.T, l text.Lang) {
	t.Helper()
	email := longestWords(l.Get("notify.verify_email.subject"))
	sms := longestWords(l.Get("notify.sms.sign_in_code"))
	var sawEmail, sawSMS bool
	for _, m := range s.app.Senders().Outbox.Messages() { // newest first
		switch {
		case m.Channel == "email" && m.To == ninaEmail && strings.Contains(m.Subject, email):
			sawEmail = true // the code that confirmed her address
		case m.Channel == "sms" && m.Code != nil && !sawSMS:
			sawSMS = true
			if !strings.Contains(m.Body, sms) {
				t.Errorf("SMS %q is not in %s (want %q)", m.Body, l.Name(), sms)
			}
		}
	}
	if !sawEmail || !sawSMS {
		t.Errorf("outbox: email code in %s %v, SMS code %v; want both", l.Name(), sawEmail, sawSMS)
	}
}

// chooseLanguage opens the dashboard and selects its link to l (the
// language's name in itself); the stack then reads the pages in l.
func (s *stack) chooseLanguage(t *testing.T, ctx context.Context, l text.Lang) {
	t.Helper()
	s.lang = text.English
	run(t, ctx, "choose "+l.Name(),
		chromedp.Navigate(s.dash.URL+"/"),
		chromedp.Click(link(l.Name())),
		chromedp.WaitVisible(fmt.Sprintf(`//html[@lang=%q]`, l)),
	)
	s.lang = l
}

// pageIsIn checks that the page in the tab declares language l.
func (s *stack) pageIsIn(t *testing.T, ctx context.Context, l text.Lang) {
	t.Helper()
	lang := get(t, ctx, "the page's language", chromedp.Evaluate[string](`document.documentElement.lang`))
	if lang != string(l) {
		t.Errorf("page at %s has lang %q, want %q", location(ctx), lang, l)
	}
}

// longestWords is the longest run of words of a message between its verbs
// (%s, %d), which the message holds whatever fills them.
func longestWords(msg string) string {
	var longest string
	for _, part := range verbs.Split(msg, -1) {
		if part = strings.TrimSpace(part); len(part) > len(longest) {
			longest = part
		}
	}
	return longest
}
