package oidcop

import (
	"testing"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/carekey/carekey/pkg/claims"
)

// The ID token may travel through browsers (id_token_hint in URLs) and relying
// parties' logs, so it carries no phone number and, unless its client is
// configured with accounts_in_id_token, no accounts claim (the children's
// names and birth dates): userinfo, answered to the holder of the access
// token, does (issue 10, point 12).
func TestIDTokenLeavesOutPhoneAndAccounts(t *testing.T) {
	tp := newTestProvider(t)
	s := tp.storage
	scopes := []string{"openid", "profile", "email", "phone", claims.ScopeAccounts}

	idt := new(oidc.UserInfo)
	if err := s.SetUserinfoFromScopes(t.Context(), idt, "usr_penny", "dashboard", scopes); err != nil {
		t.Fatal(err)
	}
	if idt.Subject != "usr_penny" || idt.Name != "Penny QQ Plumber" || idt.Email == "" {
		t.Errorf("ID token lost its other claims: %+v", idt)
	}
	if idt.PhoneNumber != "" || idt.PhoneNumberVerified {
		t.Errorf("ID token carries phone_number %q (verified %v)", idt.PhoneNumber, idt.PhoneNumberVerified)
	}
	if v, ok := idt.Claims[claims.ClaimAccounts]; ok {
		t.Errorf("ID token carries the accounts claim: %v", v)
	}

	at, _, err := s.createAccessToken(t.Context(), tokenInfo{subject: "usr_penny", clientID: "dashboard", scopes: scopes}, "")
	if err != nil {
		t.Fatal(err)
	}
	ui := new(oidc.UserInfo)
	if err := s.SetUserinfoFromToken(t.Context(), ui, at, "usr_penny", ""); err != nil {
		t.Fatal(err)
	}
	if ui.PhoneNumber != "+447700900047" || !bool(ui.PhoneNumberVerified) {
		t.Errorf("userinfo phone_number = %q (verified %v), want the user's", ui.PhoneNumber, ui.PhoneNumberVerified)
	}
	accs, err := claims.ParseAccounts(ui.Claims[claims.ClaimAccounts])
	if err != nil || len(accs) != 1 || accs[0] != pennysChild {
		t.Errorf("userinfo accounts = %v (%v), want %v", accs, err, pennysChild)
	}
}

// A client configured with accounts_in_id_token (it keeps ID tokens out of
// URLs, logging out by POST) gets the accounts claim in its ID tokens too,
// still without the phone number.
func TestIDTokenCarriesAccountsForClientsThatAskIt(t *testing.T) {
	s := newTestProvider(t).storage
	idt := new(oidc.UserInfo)
	if err := s.SetUserinfoFromScopes(t.Context(), idt, "usr_penny", "portal", []string{"openid", "profile", "phone", claims.ScopeAccounts}); err != nil {
		t.Fatal(err)
	}
	accs, err := claims.ParseAccounts(idt.Claims[claims.ClaimAccounts])
	if err != nil || len(accs) != 1 || accs[0] != pennysChild {
		t.Errorf("ID token accounts = %v (%v), want %v", accs, err, pennysChild)
	}
	if idt.PhoneNumber != "" {
		t.Errorf("ID token carries phone_number %q", idt.PhoneNumber)
	}
	// Without the accounts scope in the request, no claim either way.
	idt = new(oidc.UserInfo)
	if err := s.SetUserinfoFromScopes(t.Context(), idt, "usr_penny", "portal", []string{"openid", "profile"}); err != nil {
		t.Fatal(err)
	}
	if v, ok := idt.Claims[claims.ClaimAccounts]; ok {
		t.Errorf("ID token without the accounts scope carries accounts: %v", v)
	}
}
