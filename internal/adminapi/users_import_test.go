package adminapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/carekey/carekey/internal/accounts"
	"github.com/carekey/carekey/internal/adminapi"
	"github.com/carekey/carekey/internal/clock/clocktest"
	"github.com/carekey/carekey/internal/password"
	"github.com/carekey/carekey/internal/session/memsession"
	"github.com/carekey/carekey/internal/store"
	"github.com/carekey/carekey/internal/store/memstore"
	"github.com/carekey/carekey/pkg/adminclient"
)

// importFixture is an API with user import enabled, on a memory store that
// holds penny@example.org, and a cheap hasher.
func importFixture(t *testing.T) (*fixture, *password.Hasher) {
	t.Helper()
	st := memstore.New()
	if err := st.CreateUser(t.Context(), store.User{ID: "usr_penny", Email: "penny@example.org", GivenName: "Penny", FamilyName: "Plumber"}); err != nil {
		t.Fatal(err)
	}
	clk := clocktest.New(now)
	h := password.NewHasher(password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 2)
	api, err := adminapi.New(adminapi.Config{
		Tokens:   tokens{"admin": {ClientID: "sync", Subject: "sync", Scopes: []string{"carekey:admin"}}},
		Accounts: &accounts.Service{Store: st, Clock: clk}, Users: st, Audit: st, Sessions: memsession.New(clk), RefreshTokens: st, Clock: clk,
		Import: &adminapi.UserImport{Users: st, Hasher: h, Policy: password.DefaultPolicy()},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return &fixture{srv: srv, st: st}, h
}

func importBody(t *testing.T, users ...adminclient.UserImport) string {
	b, err := json.Marshal(map[string]any{"users": users})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestImportUsers(t *testing.T) {
	f, h := importFixture(t)
	const pw = "Correct-Horse-42!"
	users := []adminclient.UserImport{
		{Email: " Sam@Example.org ", GivenName: "Sam", FamilyName: "Single", Phone: "07700 900123", Password: pw},         // created
		{Email: "penny@example.org", GivenName: "Penny", FamilyName: "Plumber", Phone: "+447700900047", Password: pw},     // exists
		{Email: "nope", GivenName: " ", FamilyName: "X", Phone: "12", Password: "short"},                                  // invalid
		{Email: "bench-1@example.org", GivenName: "Bench", FamilyName: "One", Phone: "+447700900001", Password: pw + "x"}, // created
	}
	r := f.do(t, "admin", http.MethodPost, "/admin/v1/users/import", importBody(t, users...))
	expect(t, r, http.StatusOK)
	raw, _ := json.Marshal(r.body["results"])
	var results []adminclient.UserImportResult
	if err := json.Unmarshal(raw, &results); err != nil || len(results) != 4 {
		t.Fatalf("results = %s (%v)", raw, err)
	}
	for i, want := range []string{adminclient.ImportCreated, adminclient.ImportExists, adminclient.ImportInvalid, adminclient.ImportCreated} {
		if results[i].Status != want {
			t.Errorf("user %d: status %q, want %q (%s)", i, results[i].Status, want, raw)
		}
	}
	var fields []string
	for _, e := range results[2].Errors {
		fields = append(fields, e.Field)
	}
	if strings.Join(fields, ",") != "email,given_name,phone,password" {
		t.Errorf("invalid user's fields = %v", fields)
	}

	u, err := f.st.GetUserByEmail(t.Context(), "sam@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != results[0].ID || u.Phone != "+447700900123" || !u.PhoneVerified || !u.EmailVerified || u.GivenName != "Sam" {
		t.Errorf("user = %+v", u)
	}
	if ok, _, err := h.Verify(t.Context(), pw, u.PasswordHash); !ok || err != nil {
		t.Errorf("the stored hash does not verify the password (%v)", err)
	}
	if hist, _ := f.st.PasswordHistory(t.Context(), u.ID, 8); len(hist) != 1 {
		t.Errorf("password history = %d entries, want 1", len(hist))
	}
	events, err := f.st.ListAudit(t.Context(), store.AuditFilter{Type: "user.imported"})
	if err != nil || len(events) != 2 {
		t.Fatalf("user.imported events = %d (%v), want 2", len(events), err)
	}
	if e := events[0]; e.Actor != "admin:sync" || e.ClientID != "sync" || strings.Contains(fmt.Sprint(e.Detail), "sam@") {
		t.Errorf("audit event = %+v (the email must be masked)", e)
	}
	if penny, _ := f.st.GetUser(t.Context(), "usr_penny"); penny.Phone != "" {
		t.Errorf("the existing user was changed: %+v", penny)
	}

	// Again: every user that was created now "exists"; nothing new.
	r = f.do(t, "admin", http.MethodPost, "/admin/v1/users/import", importBody(t, users[0], users[3]))
	expect(t, r, http.StatusOK)
	if got := fmt.Sprint(r.body["results"]); strings.Count(got, "exists") != 2 {
		t.Errorf("repeat: %s", got)
	}
}

func TestImportUsersRefusesUnusableRequests(t *testing.T) {
	f, _ := importFixture(t)
	many := make([]adminclient.UserImport, adminclient.MaxUserImportBatch+1)
	for i := range many {
		many[i] = adminclient.UserImport{Email: fmt.Sprintf("u%d@example.org", i), GivenName: "A", FamilyName: "B", Phone: "+447700900001", Password: "Correct-Horse-42!"}
	}
	expect(t, f.do(t, "admin", http.MethodPost, "/admin/v1/users/import", importBody(t, many...)), http.StatusBadRequest, "users")
	expect(t, f.do(t, "admin", http.MethodPost, "/admin/v1/users/import", `{"users":[]}`), http.StatusBadRequest, "users")
	expect(t, f.do(t, "admin", http.MethodPost, "/admin/v1/users/import", `{"users":[{"email":"a@b.example","pin":"1"}]}`), http.StatusBadRequest)
	expect(t, f.do(t, "", http.MethodPost, "/admin/v1/users/import", `{"users":[]}`), http.StatusUnauthorized)
	if n, _ := f.st.ListAudit(t.Context(), store.AuditFilter{Type: "user.imported"}); len(n) != 0 {
		t.Errorf("%d users imported by refused requests", len(n))
	}

	// Without Import configured the endpoint is not there.
	plain := newFixture(t)
	expect(t, plain.do(t, "admin", http.MethodPost, "/admin/v1/users/import", `{"users":[]}`), http.StatusNotFound)
}
