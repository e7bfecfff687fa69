package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func configCheckRun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(t.Context(), append([]string{"config", "check"}, args...), &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestConfigCheckListsMissingSecretFiles: a check that cannot read a secret
// says so, and fails unless the secrets live elsewhere.
func TestConfigCheckListsMissingSecretFiles(t *testing.T) {
	code, _, errOut := configCheckRun(t, "../../configs/example.yaml")
	if code != 1 || !strings.Contains(errOut, "keys.pepper_file: /run/secrets/carekey/pepper") {
		t.Errorf("exit %d, want 1 and the missing files listed:\n%s", code, errOut)
	}
	code, out, _ := configCheckRun(t, "--secrets-elsewhere", "../../configs/example.yaml")
	if code != 0 || !strings.Contains(out, "keys.pepper_file") || !strings.Contains(out, "configs/example.yaml: ok") {
		t.Errorf("--secrets-elsewhere: exit %d, want 0 with the files listed:\n%s", code, out)
	}
}

// TestConfigCheckReportsEverythingAtOnce: type errors and unknown keys come
// with their key paths, together with every validation problem.
func TestConfigCheckReportsEverythingAtOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "carekey.yaml")
	if err := os.WriteFile(path, []byte(`issuer: https://signin.example.gov.uk
http:
  addr: ":8080"
  bogus: 1
keys:
  rotation_period: fortnight
clients:
  - id: portal
    redirect_uris: ["https://*.example.gov.uk/cb"]
    grant_types: [authorization_code]
    secret_hash: sha256:7fe08f4742add8f4667ff7f24ec13c223adb6af0bd400700cb070e8e9b864854
sms:
  provider: twilio
  twilio: {account_sid: ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, auth_token: 0123456789abcdef0123456789abcdef, from: "+441632960000", base_url: "http://sms.example.net"}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := configCheckRun(t, path)
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	for _, want := range []string{
		"http.bogus: unknown key (line 4)",
		`keys.rotation_period: must be a duration such as 90s, 15m or 12h, not "fortnight" (line 6)`,
		"clients[0].redirect_uris[0]: must not hold a wildcard",
		"sms.twilio.base_url: must be https",
		"keys.pepper: required",
		"postgres.url: required",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("output lacks %q:\n%s", want, errOut)
		}
	}
}
