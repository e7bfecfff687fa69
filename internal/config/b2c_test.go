package config

import (
	"slices"
	"testing"
	"time"
)

func TestValidateB2C(t *testing.T) {
	const ropc = `  ropc:
    token_url: https://council.b2clogin.com/council.onmicrosoft.com/B2C_1_ROPC/oauth2/v2.0/token
    client_id: 6c1d2c77-3b9e-4a4e-9a59-0f1e2d3c4b5a
`
	for _, tc := range []struct {
		name      string
		have      string
		wantErrs  []string
		wantScope string
		wantCut   time.Time
	}{
		{name: "absent", have: ``},
		{name: "attributes", have: "b2c:\n  attributes: {role: extension_0123456789abcdef0123456789abcdef_Role, organisation: companyName, postcode: postalCode, town: city, street: streetAddress, professional: extension_0123456789abcdef0123456789abcdef_IsProfessional}\n"},
		{name: "attribute with a hyphenated app ID", have: "b2c:\n  attributes: {role: extension_01234567-89ab-cdef-0123-456789abcdef_Role}\n", wantErrs: []string{"b2c.attributes.role"}},
		{name: "attribute unknown", have: "b2c:\n  attributes: {town: mail, postcode: extension__Postcode}\n", wantErrs: []string{"b2c.attributes.postcode", "b2c.attributes.town"}},
		{name: "ropc", have: "b2c:\n" + ropc, wantScope: "openid 6c1d2c77-3b9e-4a4e-9a59-0f1e2d3c4b5a offline_access"},
		{name: "ropc with cutoff date", have: "b2c:\n" + ropc + "  cutoff: 2027-03-31\n", wantScope: "openid 6c1d2c77-3b9e-4a4e-9a59-0f1e2d3c4b5a offline_access",
			wantCut: time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC)},
		{name: "ropc with cutoff time", have: "b2c:\n" + ropc + "  cutoff: \"2027-03-31T18:00:00+01:00\"\n", wantScope: "openid 6c1d2c77-3b9e-4a4e-9a59-0f1e2d3c4b5a offline_access",
			wantCut: time.Date(2027, 3, 31, 17, 0, 0, 0, time.UTC)},
		{name: "cutoff not a date", have: "b2c:\n" + ropc + "  cutoff: next spring\n", wantErrs: []string{"b2c.cutoff"}},
		{name: "ropc over http", have: "b2c:\n  ropc: {token_url: \"http://council.b2clogin.com/t\", client_id: 6c1d2c77-3b9e-4a4e-9a59-0f1e2d3c4b5a}\n", wantErrs: []string{"b2c.ropc.token_url"}},
		{name: "ropc on localhost", have: "b2c:\n  ropc: {token_url: \"http://127.0.0.1:9999/t\", client_id: 6c1d2c77-3b9e-4a4e-9a59-0f1e2d3c4b5a, scope: openid}\n", wantScope: "openid"},
		{name: "ropc client id not a GUID", have: "b2c:\n  ropc: {token_url: \"https://b2c.example/t\", client_id: portal}\n", wantErrs: []string{"b2c.ropc.client_id"}},
		{name: "ropc client id without URL", have: "b2c:\n  ropc: {client_id: 6c1d2c77-3b9e-4a4e-9a59-0f1e2d3c4b5a}\n", wantErrs: []string{"b2c.ropc.token_url"}},
		{name: "ropc scope without openid", have: "b2c:\n  ropc: {token_url: \"https://b2c.example/t\", client_id: 6c1d2c77-3b9e-4a4e-9a59-0f1e2d3c4b5a, scope: offline_access}\n", wantErrs: []string{"b2c.ropc.scope"}},
		{name: "ropc timeout too long", have: "b2c:\n" + ropc + "    timeout: 1m\n", wantErrs: []string{"b2c.ropc.timeout"}},
		{name: "ropc timeout negative", have: "b2c:\n" + ropc + "    timeout: -1s\n", wantErrs: []string{"b2c.ropc.timeout"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := loadBytes(withSections(t, tc.have), t.TempDir(), Options{}, readSecretFile)
			if err != nil || len(l.problems) > 0 {
				t.Fatalf("load: %v %v", err, l.problems)
			}
			err = l.cfg.Validate(ModeServe)
			got := problemPaths(t, err)
			slices.Sort(got)
			if !slices.Equal(got, tc.wantErrs) {
				t.Fatalf("problem paths %q, want %q: %v", got, tc.wantErrs, err)
			}
			if err != nil {
				return
			}
			if l.cfg.B2C.ROPC.Scope != tc.wantScope {
				t.Errorf("scope %q, want %q", l.cfg.B2C.ROPC.Scope, tc.wantScope)
			}
			if l.cfg.B2C.ROPC.Timeout != 5*time.Second {
				t.Errorf("timeout %s, want the 5s default", l.cfg.B2C.ROPC.Timeout)
			}
			if cut, _ := l.cfg.B2C.CutoffTime(); !cut.Equal(tc.wantCut) {
				t.Errorf("cutoff %s, want %s", cut, tc.wantCut)
			}
		})
	}
}
