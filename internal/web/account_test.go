package web

import "testing"

// A sign-in's DataReturn names a page on an allow-list; anything else, a URL
// above all, ends at the signed-in home, so no flow can redirect elsewhere.
func TestReturnPathIsAnAllowList(t *testing.T) {
	for have, want := range map[string]string{
		returnAccountPhone:       pathAccountPhone,
		"":                       "/",
		"/account/phone":         "/",
		"https://evil.example/":  "/",
		"//evil.example/phone":   "/",
		"account_phone/../admin": "/",
	} {
		if got := returnPath(have); got != want {
			t.Errorf("returnPath(%q) = %q, want %q", have, got, want)
		}
	}
}
