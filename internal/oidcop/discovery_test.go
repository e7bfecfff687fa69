package oidcop

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
)

// Discovery advertises exactly what carekey does (design.md §4, issue 15):
// the code flow only, the grants its clients are registered for, no device
// flow, no JWT bearer grant, no signed client authentication.
func TestDiscoveryAdvertisesOnlyWhatWorks(t *testing.T) {
	tp := newTestProvider(t) // one client: authorization_code and refresh_token
	h := tp.Handler()
	rec := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodGet, "https://idp.example/.well-known/openid-configuration", nil)
	r.Header.Set("Origin", "https://dashboard.example")
	h.ServeHTTP(rec, r)
	if rec.Code != http.StatusOK {
		t.Fatalf("discovery: %d %s", rec.Code, rec.Body)
	}
	var d map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &d); err != nil {
		t.Fatal(err)
	}
	strs := func(k string) []string {
		var out []string
		for _, v := range d[k].([]any) {
			out = append(out, v.(string))
		}
		return out
	}
	if got := strs("response_types_supported"); !slices.Equal(got, []string{"code"}) {
		t.Errorf("response_types_supported = %v, want [code]", got)
	}
	if got := strs("grant_types_supported"); !slices.Equal(got, []string{"authorization_code", "refresh_token"}) {
		t.Errorf("grant_types_supported = %v, want [authorization_code refresh_token]", got)
	}
	for _, k := range []string{"token_endpoint_auth_methods_supported", "introspection_endpoint_auth_methods_supported", "revocation_endpoint_auth_methods_supported"} {
		if got := strs(k); !slices.Contains(got, "client_secret_basic") || !slices.Contains(got, "client_secret_post") {
			t.Errorf("%s = %v, want client_secret_basic and client_secret_post", k, got)
		}
	}
	if got := strs("acr_values_supported"); !slices.Equal(got, []string{"https://refeds.org/profile/mfa"}) {
		t.Errorf("acr_values_supported = %v, want the configured tokens.acr", got)
	}
	if got := strs("prompt_values_supported"); !slices.Equal(got, []string{"none", "login", "select_account", "create"}) {
		t.Errorf("prompt_values_supported = %v, want none, login, select_account and create", got)
	}
	for _, k := range []string{"device_authorization_endpoint", "check_session_iframe", "request_object_signing_alg_values_supported",
		"token_endpoint_auth_signing_alg_values_supported", "introspection_endpoint_auth_signing_alg_values_supported",
		"revocation_endpoint_auth_signing_alg_values_supported"} {
		if v, ok := d[k]; ok {
			t.Errorf("discovery advertises %s = %v", k, v)
		}
	}
	// Issue 14: the pages speak English and Welsh; a client may ask for
	// either with ui_locales.
	if got := strs("ui_locales_supported"); !slices.Equal(got, []string{"en", "cy"}) {
		t.Errorf("ui_locales_supported = %v, want [en cy]", got)
	}
	if d["issuer"] != "https://idp.example" || d["token_endpoint"] != "https://idp.example/oauth/token" {
		t.Errorf("issuer %v, token endpoint %v", d["issuer"], d["token_endpoint"])
	}
	if got := rec.Header().Get("Access-Control-Allow-Origin"); got != "https://dashboard.example" {
		t.Errorf("CORS for a registered origin: %q", got)
	}

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "https://idp.example/device_authorization", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("/device_authorization: %d, want 404", rec.Code)
	}
}
