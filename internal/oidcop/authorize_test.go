package oidcop

import (
	"testing"

	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// The subject of a verified id_token_hint is kept with the auth request, so
// the sign-in pages never answer it for someone else (issue 10, point 15).
func TestAuthRequestKeepsTheHintsSubject(t *testing.T) {
	tp := newTestProvider(t)
	for _, hint := range []string{"usr_sam", ""} {
		ar, err := tp.storage.CreateAuthRequest(WithBrowser(t.Context(), browserA), &oidc.AuthRequest{
			ClientID: "dashboard", RedirectURI: "https://dashboard.example/callback", ResponseType: oidc.ResponseTypeCode,
			Scopes: []string{"openid"}, Prompt: []string{"none"},
		}, hint)
		if err != nil {
			t.Fatal(err)
		}
		got, err := tp.AuthRequest(t.Context(), ar.GetID())
		if err != nil {
			t.Fatal(err)
		}
		if got.HintSubject != hint {
			t.Errorf("HintSubject = %q, want %q", got.HintSubject, hint)
		}
	}
}
