package app_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/pkg/claims"
)

const devAdminSecret = "dev-admin-secret-not-for-production"

// admin calls the admin API with a client-credentials token of dev-admin.
func (e *env) admin(t testing.TB, method, path, body string, want int) map[string]any {
	t.Helper()
	resp, tok := e.tokenRequest(t, "dev-admin", devAdminSecret, url.Values{"grant_type": {"client_credentials"}, "scope": {claims.ScopeAdmin}})
	at, _ := tok["access_token"].(string)
	if resp.StatusCode != http.StatusOK || at == "" {
		t.Fatalf("client credentials: %d %v", resp.StatusCode, tok)
	}
	req, _ := http.NewRequestWithContext(t.Context(), method, e.issuer+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+at)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	r, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(mustStatus(t, r, want)), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// accountNames reads the accounts claim from claims decoded as JSON.
func accountNames(t testing.TB, raw any) []string {
	t.Helper()
	accs, err := claims.ParseAccounts(raw)
	if err != nil {
		t.Fatalf("accounts claim: %v", err)
	}
	var names []string
	for _, a := range accs {
		names = append(names, a.Name+"/"+a.Birthdate+"/"+a.Relationship)
	}
	return names
}

// TestAccountsClaimFollowsGrants: a grant puts the account in userinfo; after
// a revocation the next userinfo leaves it out. The ID token never carries the
// accounts claim (issue 10, point 12: it travels through browsers).
func TestAccountsClaimFollowsGrants(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		acc := e.admin(t, http.MethodPut, "/admin/v1/accounts/by-ref/case-system/T-1", `{"name":"Aaron QQ Test","birthdate":"2012-12-12"}`, http.StatusCreated)
		accID, _ := acc["id"].(string)
		grant := "/admin/v1/users/usr_penny/grants/" + accID
		e.admin(t, http.MethodPut, grant, `{"relationship":"child"}`, http.StatusCreated)
		e.admin(t, http.MethodPut, grant, `{"relationship":"child"}`, http.StatusOK) // idempotent

		r := e.rp("dashboard", dashSecret, dashRedirect, "profile", claims.ScopeAccounts, "offline_access")
		ctx := oidc.ClientContext(t.Context(), r.http)
		verifier := oauth2.GenerateVerifier()
		tok, err := r.conf.Exchange(ctx, e.login(e.browser(), r, verifier, "n-acc"), oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatalf("exchange: %v", err)
		}
		const aaron = "Aaron QQ Test/2012-12-12/child"
		idClaims := func(raw string) []string {
			t.Helper()
			idt, err := r.verifier.Verify(ctx, raw)
			if err != nil {
				t.Fatalf("verify ID token: %v", err)
			}
			var cl map[string]any
			if err := idt.Claims(&cl); err != nil {
				t.Fatal(err)
			}
			return accountNames(t, cl[claims.ClaimAccounts])
		}
		userinfo := func(at string) []string {
			t.Helper()
			ui, err := r.provider.UserInfo(ctx, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: at, TokenType: "Bearer"}))
			if err != nil {
				t.Fatalf("userinfo: %v", err)
			}
			var cl map[string]any
			if err := ui.Claims(&cl); err != nil {
				t.Fatal(err)
			}
			return accountNames(t, cl[claims.ClaimAccounts])
		}
		raw, _ := tok.Extra("id_token").(string)
		inID, inUI := idClaims(raw), userinfo(tok.AccessToken)
		if len(inID) != 0 || !slices.Contains(inUI, aaron) {
			t.Fatalf("after the grant: ID token accounts %v, userinfo %v; want %s in userinfo only", inID, inUI, aaron)
		}
		if !slices.IsSorted(inUI) {
			t.Errorf("accounts claim not ordered by name: %v", inUI)
		}

		e.admin(t, http.MethodDelete, grant, "", http.StatusOK)
		next := e.refresh(t, "dashboard", dashSecret, tok.RefreshToken, http.StatusOK)
		raw2, _ := next["id_token"].(string)
		at2, _ := next["access_token"].(string)
		if got := idClaims(raw2); len(got) != 0 {
			t.Errorf("the refreshed ID token lists accounts: %v", got)
		}
		if got := userinfo(at2); slices.Contains(got, aaron) {
			t.Errorf("userinfo still lists the revoked account: %v", got)
		}
	})
}

// TestAccountsClaimOnlyForClientsAllowedTheScope: a client whose config does
// not allow the accounts scope gets no accounts claim even when it asks.
func TestAccountsClaimOnlyForClientsAllowedTheScope(t *testing.T) {
	e := startWith(t, false, func(cfg *config.Config) {
		for i := range cfg.Clients {
			if cfg.Clients[i].ID == "dashboard" {
				cfg.Clients[i].Scopes = slices.DeleteFunc(cfg.Clients[i].Scopes, func(s string) bool { return s == claims.ScopeAccounts })
			}
		}
	})
	r := e.rp("dashboard", dashSecret, dashRedirect, "profile", claims.ScopeAccounts)
	ctx := oidc.ClientContext(t.Context(), r.http)
	verifier := oauth2.GenerateVerifier()
	code := e.login(e.browser(), r, verifier, "n-1")
	tok, err := r.conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := r.verifier.Verify(ctx, raw)
	if err != nil {
		t.Fatal(err)
	}
	var cl map[string]any
	_ = idt.Claims(&cl)
	if _, ok := cl[claims.ClaimAccounts]; ok || cl["name"] != "Penny QQ Plumber" {
		t.Errorf("ID token claims = %v, want a name and no accounts", cl)
	}
	ui, err := r.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		t.Fatal(err)
	}
	cl = nil
	_ = ui.Claims(&cl)
	if _, ok := cl[claims.ClaimAccounts]; ok {
		t.Errorf("userinfo = %v, want no accounts", cl)
	}
}

// TestDevSeedsTheGuidesAccounts: in dev mode Penny manages the guide's three
// accounts and Sam one, as the accounts claim lists them.
func TestDevSeedsTheGuidesAccounts(t *testing.T) {
	e := start(t, false)
	r := e.rp("dashboard", dashSecret, dashRedirect, claims.ScopeAccounts)
	ctx := oidc.ClientContext(t.Context(), r.http)
	verifier := oauth2.GenerateVerifier()
	tok, err := r.conf.Exchange(ctx, e.login(e.browser(), r, verifier, "n-1"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	ui, err := r.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		t.Fatal(err)
	}
	var cl map[string]any
	_ = ui.Claims(&cl)
	want := []string{"Charlie QQ Cherry/2013-11-07/child", "Pedro QQ Plumber/2006-05-01/child", "Peter QQ Plumber/1981-02-04/self"}
	if got := accountNames(t, cl[claims.ClaimAccounts]); !slices.Equal(got, want) {
		t.Errorf("Penny's accounts = %v, want %v", got, want)
	}
	sam := e.admin(t, http.MethodGet, "/admin/v1/users/usr_sam/grants", "", http.StatusOK)
	if gs, _ := sam["grants"].([]any); len(gs) != 1 {
		t.Errorf("Sam's grants = %v, want one", sam)
	}
}
