package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// Issue 14's proof "keyboard only": Penny signs in at the dashboard, picks
// an account and logs out using nothing but Tab, typing and Enter, with and
// without JavaScript. Every element the Tab key reaches shows where the
// focus is (WCAG 2.4.7), and on carekey's sign-in page the order is the
// form's: the skip link first, then the email address, then the password
// (WCAG 2.4.3).
func TestKeyboardOnlySignIn(t *testing.T) {
	t.Parallel()
	for _, withJS := range []bool{true, false} {
		t.Run(fmt.Sprintf("javascript=%v", withJS), func(t *testing.T) {
			s := startStack(t, 0, 0)
			ctx := browser(t, withJS)
			run(t, ctx, "open the dashboard", chromedp.Navigate(s.dash.URL+"/"), chromedp.WaitVisible(link("Sign in")))
			tabTo(t, ctx, "the dashboard's Sign in link", func(f focus) bool { return f.Tag == "a" && f.Text == "Sign in" })
			press(t, ctx, kb.Enter)
			waitHeading(t, ctx, "Sign in")

			order := tabTo(t, ctx, "the Sign in button", func(f focus) bool { return f.Tag == "button" && f.Text == "Sign in" })
			if len(order) == 0 || order[0].Text != "Skip to main content" {
				t.Errorf("the first Tab reaches %+v, want the skip link", first(order))
			}
			t.Logf("sign-in page focus order: %v", names(order))
			email, pw, forgot := at(order, "email"), at(order, "password"), atText(order, "Forgot your password?")
			if !(email >= 0 && email < pw && (forgot < 0 || pw < forgot)) {
				t.Errorf("sign-in page focus order %v: want the email address, the password, then the rest", names(order))
			}

			run(t, ctx, "start the page again", chromedp.Reload(), chromedp.WaitVisible(heading("Sign in")))
			tabTo(t, ctx, "the email field", func(f focus) bool { return f.ID == "email" })
			press(t, ctx, pennyEmail)
			tabTo(t, ctx, "the password field", func(f focus) bool { return f.ID == "password" })
			press(t, ctx, pennyPassword)
			press(t, ctx, kb.Enter)
			waitHeading(t, ctx, "Confirm your identity")

			tabTo(t, ctx, "Send Code", func(f focus) bool { return f.Text == "Send Code" })
			press(t, ctx, kb.Enter)
			waitFor(t, ctx, "the code field", byLabel("Enter your verification code"))
			tabTo(t, ctx, "the code field", func(f focus) bool { return f.Tag == "input" && f.Type != "hidden" && f.ID == "code" })
			press(t, ctx, s.lastCode(t))
			if !withJS { // with JavaScript the sixth digit submits the form
				press(t, ctx, kb.Enter)
			}
			waitHeading(t, ctx, "Select an account to manage")

			tabTo(t, ctx, "an account's link", func(f focus) bool { return f.Text == "View Social Care Dashboard" })
			press(t, ctx, kb.Enter)
			waitFor(t, ctx, "the account's page", `//h1[contains(., "QQ")]`)
			tabTo(t, ctx, "the name menu", func(f focus) bool { return f.Tag == "summary" })
			press(t, ctx, kb.Enter)
			tabTo(t, ctx, "Logout", func(f focus) bool { return f.Text == "Logout" })
			press(t, ctx, kb.Enter)
			if !withJS {
				waitHeading(t, ctx, "Logging you out")
				tabTo(t, ctx, "Continue", func(f focus) bool { return f.Text == "Continue" })
				press(t, ctx, kb.Enter)
			}
			waitFor(t, ctx, "signed out", notice("You have been signed out."))
		})
	}
}

// focus describes the focused element.
type focus struct {
	Tag, ID, Type, Text string
	// Visible: the element shows that it has the focus (an outline or a
	// box shadow, as GOV.UK Frontend's focus style).
	Visible bool
}

const focused = `(() => {
  const e = document.activeElement;
  if (!e || e === document.body) return "{}";
  const st = getComputedStyle(e);
  const visible = (st.outlineStyle !== "none" && parseFloat(st.outlineWidth) > 0) || st.boxShadow !== "none";
  const text = (e.tagName === "INPUT" ? (e.type === "submit" ? e.value : "") : e.innerText || "").trim().replace(/\s+/g, " ");
  return JSON.stringify({Tag: e.tagName.toLowerCase(), ID: e.id, Type: e.type || "", Text: text, Visible: visible});
})()`

// tabTo presses Tab until want holds for the focused element, checking
// that each element reached shows its focus; it returns the elements
// reached in order.
func tabTo(t *testing.T, ctx context.Context, what string, want func(focus) bool) []focus {
	t.Helper()
	var order []focus
	for range 40 {
		press(t, ctx, kb.Tab)
		var f focus
		if err := json.Unmarshal([]byte(get(t, ctx, "read the focus", chromedp.Evaluate[string](focused))), &f); err != nil {
			t.Fatal(err)
		}
		if f.Tag == "" {
			continue
		}
		order = append(order, f)
		if !f.Visible {
			t.Errorf("at %s, %+v has the focus but does not show it (WCAG 2.4.7)", location(ctx), f)
		}
		if want(f) {
			return order
		}
	}
	t.Fatalf("at %s, the keyboard never reaches %s; it reached %v", location(ctx), what, names(order))
	return nil
}

func press(t *testing.T, ctx context.Context, keys string) {
	t.Helper()
	run(t, ctx, "press "+strings.ReplaceAll(keys, "\t", "Tab"), chromedp.KeyEvent(keys))
}

func at(order []focus, id string) int {
	return slices.IndexFunc(order, func(f focus) bool { return f.ID == id })
}

func atText(order []focus, text string) int {
	return slices.IndexFunc(order, func(f focus) bool { return f.Text == text })
}

func first(order []focus) focus {
	if len(order) == 0 {
		return focus{}
	}
	return order[0]
}

func names(order []focus) []string {
	var out []string
	for _, f := range order {
		n := f.Tag
		if f.ID != "" {
			n += "#" + f.ID
		}
		if f.Text != "" {
			n += " " + f.Text
		}
		out = append(out, n)
	}
	return out
}
