package adminapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/accounts"
	"github.com/carekey/carekey/internal/adminapi"
	"github.com/carekey/carekey/internal/authstate"
	"github.com/carekey/carekey/internal/clock/clocktest"
	"github.com/carekey/carekey/internal/keys"
	"github.com/carekey/carekey/internal/notify/notifytest"
	"github.com/carekey/carekey/internal/session"
	"github.com/carekey/carekey/internal/session/memsession"
	"github.com/carekey/carekey/internal/signin"
	"github.com/carekey/carekey/internal/store"
	"github.com/carekey/carekey/internal/store/memstore"
)

var now = time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)

// tokens is a token table standing in for the provider's verifier.
type tokens map[string]authstate.AccessToken

func (t tokens) AccessToken(_ context.Context, raw string) (authstate.AccessToken, error) {
	at, ok := t[raw]
	if !ok {
		return at, errors.New("invalid token")
	}
	return at, nil
}

type fixture struct {
	srv      *httptest.Server
	st       *memstore.Store
	sessions *memsession.Store
	ended    *endedSessions
	apps     *signin.Service // removes authenticator apps
	mail     *notifytest.Recorder
}

// endedSessions records the sessions reset-phone reports for back-channel
// logout.
type endedSessions struct {
	mu  sync.Mutex
	ids []string
}

func (e *endedSessions) SessionEnded(_ context.Context, sess session.Session) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.ids = append(e.ids, sess.ID)
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st := memstore.New()
	ctx := t.Context()
	if err := st.CreateUser(ctx, store.User{ID: "usr_penny", Email: "penny@example.org", GivenName: "Penny QQ", FamilyName: "Plumber",
		Phone: "+447700900047", PhoneVerified: true, FailedLogins: 10, LockedUntil: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	clk := clocktest.New(now)
	sessions := memsession.New(clk)
	ended := &endedSessions{}
	cipher, err := keys.NewCipher(bytes.Repeat([]byte{5}, 32))
	if err != nil {
		t.Fatal(err)
	}
	mail := &notifytest.Recorder{}
	apps := &signin.Service{Users: st, Clock: clk, Logger: slog.New(slog.DiscardHandler), AppCipher: cipher, Email: mail}
	api, err := adminapi.New(adminapi.Config{
		Apps: apps,
		Tokens: tokens{
			"admin":   {ClientID: "sync", Subject: "sync", Scopes: []string{"carekey:admin"}},
			"noscope": {ClientID: "sync", Subject: "sync", Scopes: []string{"openid"}},
			"user":    {ClientID: "dashboard", Subject: "usr_penny", Scopes: []string{"openid", "carekey:admin"}},
		},
		Accounts:      &accounts.Service{Store: st, Clock: clk},
		Users:         st,
		Audit:         st,
		Sessions:      sessions,
		RefreshTokens: st,
		Logout:        ended,
		Clock:         clk,
		MaxBodyBytes:  1024,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return &fixture{srv: srv, st: st, sessions: sessions, ended: ended, apps: apps, mail: mail}
}

type result struct {
	status int
	header http.Header
	body   map[string]any
}

func (f *fixture) do(t *testing.T, token, method, path, body string) result {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, _ := http.NewRequestWithContext(t.Context(), method, f.srv.URL+path, r)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s %s: body is not JSON: %q", method, path, raw)
	}
	return result{resp.StatusCode, resp.Header, out}
}

// expect checks status and, for a problem, its content type and the fields named.
func expect(t *testing.T, r result, status int, fields ...string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %v", r.status, status, r.body)
	}
	if status < 400 {
		return
	}
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type = %q, want application/problem+json", ct)
	}
	if r.body["type"] == "" || r.body["title"] == "" || r.body["status"] != float64(status) {
		t.Errorf("problem = %v, want type, title and status", r.body)
	}
	var named []string
	errs, _ := r.body["errors"].([]any)
	for _, e := range errs {
		named = append(named, e.(map[string]any)["field"].(string))
	}
	if strings.Join(named, ",") != strings.Join(fields, ",") {
		t.Errorf("fields named = %v, want %v", named, fields)
	}
}

func TestAuthentication(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		name  string
		token string
		want  int
	}{
		{"no token", "", http.StatusUnauthorized},
		{"unknown token", "forged", http.StatusUnauthorized},
		{"without the admin scope", "noscope", http.StatusForbidden},
		{"a user's token", "user", http.StatusForbidden},
		{"admin client", "admin", http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			expect(t, f.do(t, tc.token, http.MethodGet, "/admin/v1/accounts", ""), tc.want)
		})
	}
}

func TestAccountsAndGrants(t *testing.T) {
	f := newFixture(t)
	r := f.do(t, "admin", http.MethodPut, "/admin/v1/accounts/by-ref/case-system/C-100", `{"name":"Charlie QQ Cherry","birthdate":"2013-11-07"}`)
	expect(t, r, http.StatusCreated)
	id, _ := r.body["id"].(string)
	if !strings.HasPrefix(id, "acc_") || r.header.Get("Location") != "/admin/v1/accounts/"+id {
		t.Fatalf("created account %v at %q", r.body, r.header.Get("Location"))
	}
	// Idempotent: the same account, 200.
	r = f.do(t, "admin", http.MethodPut, "/admin/v1/accounts/by-ref/case-system/C-100", `{"name":"Charlie QQ Cherry","birthdate":"2013-11-07"}`)
	expect(t, r, http.StatusOK)
	if r.body["id"] != id {
		t.Errorf("second put gave %v, want id %s", r.body["id"], id)
	}
	expect(t, f.do(t, "admin", http.MethodGet, "/admin/v1/accounts/"+id, ""), http.StatusOK)

	grant := "/admin/v1/users/usr_penny/grants/" + id
	r = f.do(t, "admin", http.MethodPut, grant, `{"relationship":"child"}`)
	expect(t, r, http.StatusCreated)
	if r.body["live"] != true || r.body["granted_by"] != "admin:sync" {
		t.Errorf("grant = %v", r.body)
	}
	expect(t, f.do(t, "admin", http.MethodPut, grant, `{"relationship":"child"}`), http.StatusOK) // duplicate: idempotent
	expect(t, f.do(t, "admin", http.MethodPut, grant, `{"relationship":"parent"}`), http.StatusConflict)

	r = f.do(t, "admin", http.MethodGet, "/admin/v1/users/usr_penny/grants", "")
	expect(t, r, http.StatusOK)
	if gs, _ := r.body["grants"].([]any); len(gs) != 1 {
		t.Errorf("grants = %v, want one", r.body)
	}
	r = f.do(t, "admin", http.MethodDelete, grant, "")
	expect(t, r, http.StatusOK)
	if r.body["live"] != false || r.body["revoked_at"] == nil {
		t.Errorf("revoked grant = %v", r.body)
	}
	expect(t, f.do(t, "admin", http.MethodDelete, grant, ""), http.StatusOK) // idempotent

	// Every change is audited with the admin client as the actor (reads are
	// audited too: TestReadsAreAudited).
	var types []string
	for _, e := range changes(t, f.st) {
		types = append(types, e.Type)
		if e.Actor != "admin:sync" || e.ClientID != "sync" {
			t.Errorf("event %s by %q (%q), want admin:sync", e.Type, e.Actor, e.ClientID)
		}
	}
	if got := strings.Join(types, ","); got != "account.put,grant.created,grant.revoked" {
		t.Errorf("audit = %s", got)
	}
}

func TestBadInput(t *testing.T) {
	f := newFixture(t)
	r := f.do(t, "admin", http.MethodPut, "/admin/v1/accounts/by-ref/case-system/C-1", `{"name":"Pedro QQ Plumber","birthdate":"2006-05-01"}`)
	expect(t, r, http.StatusCreated)
	acc := r.body["id"].(string)
	for _, tc := range []struct {
		name, method, path, body string
		want                     int
		fields                   []string
	}{
		{"future birthdate", http.MethodPut, "/admin/v1/accounts/by-ref/case-system/C-2", `{"name":"A","birthdate":"2099-01-01"}`, 400, []string{"birthdate"}},
		{"bad birthdate", http.MethodPut, "/admin/v1/accounts/by-ref/case-system/C-2", `{"name":"A","birthdate":"1/2/2003"}`, 400, []string{"birthdate"}},
		{"no name", http.MethodPut, "/admin/v1/accounts/by-ref/case-system/C-2", `{"birthdate":"2003-02-01"}`, 400, []string{"name"}},
		{"bad source", http.MethodPut, "/admin/v1/accounts/by-ref/Case%20System/C-2", `{"name":"A"}`, 400, []string{"source"}},
		{"unknown field", http.MethodPut, "/admin/v1/accounts/by-ref/case-system/C-2", `{"name":"A","dob":"2003-02-01"}`, 400, nil},
		{"trailing data", http.MethodPut, "/admin/v1/accounts/by-ref/case-system/C-2", `{"name":"A"} {}`, 400, nil},
		{"too large", http.MethodPut, "/admin/v1/accounts/by-ref/case-system/C-2", `{"name":"` + strings.Repeat("a", 2000) + `"}`, 413, nil},
		{"unknown account", http.MethodGet, "/admin/v1/accounts/acc_none", "", 404, nil},
		{"grant to unknown user", http.MethodPut, "/admin/v1/users/nobody/grants/" + acc, `{"relationship":"child"}`, 404, nil},
		{"grant of unknown account", http.MethodPut, "/admin/v1/users/usr_penny/grants/acc_none", `{"relationship":"child"}`, 404, nil},
		{"bad relationship", http.MethodPut, "/admin/v1/users/usr_penny/grants/" + acc, `{"relationship":"Child"}`, 400, []string{"relationship"}},
		{"past expiry", http.MethodPut, "/admin/v1/users/usr_penny/grants/" + acc, `{"relationship":"child","expires_at":"2020-01-01T00:00:00Z"}`, 400, []string{"expires_at"}},
		{"malformed expiry", http.MethodPut, "/admin/v1/users/usr_penny/grants/" + acc, `{"relationship":"child","expires_at":"tomorrow"}`, 400, []string{"expires_at"}},
		{"revoke never granted", http.MethodDelete, "/admin/v1/users/usr_penny/grants/" + acc, "", 404, nil},
		{"grants of unknown user", http.MethodGet, "/admin/v1/users/nobody/grants", "", 404, nil},
		{"unlock unknown user", http.MethodPost, "/admin/v1/users/nobody/unlock", "", 404, nil},
		{"find without email", http.MethodGet, "/admin/v1/users", "", 400, []string{"email"}},
		{"bad limit", http.MethodGet, "/admin/v1/accounts?limit=0", "", 400, []string{"limit"}},
		{"no such endpoint", http.MethodGet, "/admin/v1/nothing", "", 404, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			expect(t, f.do(t, "admin", tc.method, tc.path, tc.body), tc.want, tc.fields...)
		})
	}
	if n := len(mustAudit(t, f.st)); n != 1 {
		t.Errorf("%d audit events after refused requests, want 1 (the account)", n)
	}
}

func mustAudit(t *testing.T, st *memstore.Store) []store.AuditEvent {
	t.Helper()
	evs, err := st.ListAudit(t.Context(), store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// changes are the audit events other than admin reads.
func changes(t *testing.T, st *memstore.Store) []store.AuditEvent {
	t.Helper()
	var out []store.AuditEvent
	for _, e := range mustAudit(t, st) {
		if e.Type != "admin.read" {
			out = append(out, e)
		}
	}
	return out
}

// Issue 10 point 16: an admin client reading users, accounts, grants or the
// audit trail is audited, with what it asked for; a refused read is not (it
// disclosed nothing).
func TestReadsAreAudited(t *testing.T) {
	f := newFixture(t)
	expect(t, f.do(t, "admin", http.MethodGet, "/admin/v1/users?email=penny@example.org", ""), http.StatusOK)
	expect(t, f.do(t, "admin", http.MethodGet, "/admin/v1/users/usr_penny", ""), http.StatusOK)
	expect(t, f.do(t, "admin", http.MethodGet, "/admin/v1/users/nobody", ""), http.StatusNotFound)
	expect(t, f.do(t, "admin", http.MethodGet, "/admin/v1/audit?limit=5", ""), http.StatusOK)
	var got []string
	for _, e := range mustAudit(t, f.st) {
		if e.Type == "admin.read" {
			if e.Actor != "admin:sync" || e.ClientID != "sync" {
				t.Errorf("read by %q (%q), want admin:sync", e.Actor, e.ClientID)
			}
			got = append(got, e.Detail["path"]+"?"+e.Detail["query"])
		}
	}
	want := []string{"/admin/v1/users?email=penny@example.org", "/admin/v1/users/usr_penny?", "/admin/v1/audit?limit=5"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("admin.read events %q, want %q", got, want)
	}
}

func TestUserChores(t *testing.T) {
	f := newFixture(t)
	r := f.do(t, "admin", http.MethodGet, "/admin/v1/users?email=%20Penny@Example.org", "")
	expect(t, r, http.StatusOK)
	if us, _ := r.body["users"].([]any); len(us) != 1 || us[0].(map[string]any)["id"] != "usr_penny" {
		t.Fatalf("find = %v", r.body)
	}
	r = f.do(t, "admin", http.MethodGet, "/admin/v1/users?email=nobody@example.org", "")
	if us, _ := r.body["users"].([]any); r.status != 200 || len(us) != 0 {
		t.Errorf("find nobody = %d %v, want an empty list", r.status, r.body)
	}
	ctx := t.Context()
	if err := f.sessions.Create(ctx, session.Session{ID: "sess_1", UserID: "usr_penny", AuthTime: now, CreatedAt: now, LastSeen: now,
		IdleTimeout: time.Hour, ExpiresAt: now.Add(8 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := f.st.CreateRefreshToken(ctx, store.RefreshToken{ID: "rt_1", FamilyID: "fam_1", ClientID: "dashboard", UserID: "usr_penny",
		AuthTime: now, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	expect(t, f.do(t, "admin", http.MethodPost, "/admin/v1/users/usr_penny/reset-phone", ""), http.StatusOK)
	// Whoever is signed in as the user is signed out, everywhere.
	if _, err := f.sessions.Get(ctx, "sess_1"); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("session after reset-phone: %v, want ErrNotFound", err)
	}
	if f.ended.ids == nil || f.ended.ids[0] != "sess_1" {
		t.Errorf("back-channel logout for %v, want sess_1", f.ended.ids)
	}
	if rt, _ := f.st.GetRefreshToken(ctx, "rt_1"); rt.RevokedAt.IsZero() {
		t.Error("refresh token not revoked by reset-phone")
	}
	if u, _ := f.st.GetUser(ctx, "usr_penny"); !u.TokensValidAfter.Equal(now) {
		t.Errorf("tokens valid after %v, want %v", u.TokensValidAfter, now)
	}
	expect(t, f.do(t, "admin", http.MethodPost, "/admin/v1/users/usr_penny/unlock", ""), http.StatusOK)
	expect(t, f.do(t, "admin", http.MethodPost, "/admin/v1/users/usr_penny/unlock", ""), http.StatusOK) // nothing to do
	u, _ := f.st.GetUser(t.Context(), "usr_penny")
	if u.Phone != "" || u.PhoneVerified || u.FailedLogins != 0 || !u.LockedUntil.IsZero() {
		t.Errorf("user after reset and unlock = %+v", u)
	}
	if !u.TokensValidAfter.Equal(now) { // the user's tokens die with the phone (issue 10 point 14)
		t.Errorf("TokensValidAfter after reset-phone = %v, want %v", u.TokensValidAfter, now)
	}
	var types []string
	for _, e := range changes(t, f.st) {
		types = append(types, e.Type+"/"+e.Actor+"/"+e.UserID)
	}
	if got := strings.Join(types, ","); got != "user.phone_reset/admin:sync/usr_penny,user.sessions_revoked/admin:sync/usr_penny,user.unlocked/admin:sync/usr_penny" {
		t.Errorf("audit = %s", got)
	}
}

func repoFile(rel string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", rel)
}

// TestOpenAPI checks the served document is docs/admin-api.openapi.json and
// describes every route with its method.
func TestOpenAPI(t *testing.T) {
	f := newFixture(t)
	resp, err := f.srv.Client().Get(f.srv.URL + "/admin/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	served, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	committed, err := os.ReadFile(repoFile("docs/admin-api.openapi.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(served, committed) {
		t.Fatal("docs/admin-api.openapi.json differs from the served document: cp internal/adminapi/openapi.json docs/admin-api.openapi.json")
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(served, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q", doc.OpenAPI)
	}
	api, _ := adminapi.New(adminapi.Config{Tokens: tokens{}, Accounts: &accounts.Service{}, Users: memstore.New(), Audit: memstore.New(),
		Sessions: memsession.New(clocktest.New(now)), RefreshTokens: memstore.New(), Clock: clocktest.New(now)})
	routes := api.Routes()
	if len(routes) < 10 {
		t.Fatalf("only %d routes found: %v", len(routes), routes)
	}
	documented := 0
	for _, r := range routes {
		if _, ok := doc.Paths[r.Path][strings.ToLower(r.Method)]; !ok {
			t.Errorf("%s %s is not in the OpenAPI document", r.Method, r.Path)
		}
	}
	for _, ops := range doc.Paths {
		documented += len(ops)
	}
	if documented != len(routes) {
		t.Errorf("the document describes %d operations, the API serves %d", documented, len(routes))
	}
}

// GET /users?external_id= finds a user imported from Azure AD B2C by its
// object ID (idp admin import's user_external_id column), and says whether
// its password is still pending; one of email and external_id is required.
func TestFindUserByExternalID(t *testing.T) {
	f := newFixture(t)
	if err := f.st.CreateUser(t.Context(), store.User{ID: "usr_b2c", Email: "imported@example.org", ExternalID: "0b1f6c1e-6d2a-4d38-9a51-000000000001",
		PasswordPending: true, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	r := f.do(t, "admin", http.MethodGet, "/admin/v1/users?external_id=0b1f6c1e-6d2a-4d38-9a51-000000000001", "")
	expect(t, r, http.StatusOK)
	us, _ := r.body["users"].([]any)
	if len(us) != 1 {
		t.Fatalf("find = %v", r.body)
	}
	if u := us[0].(map[string]any); u["id"] != "usr_b2c" || u["external_id"] != "0b1f6c1e-6d2a-4d38-9a51-000000000001" || u["password_pending"] != true {
		t.Errorf("user = %v", u)
	}
	r = f.do(t, "admin", http.MethodGet, "/admin/v1/users?external_id=nothing", "")
	if us, _ := r.body["users"].([]any); r.status != 200 || len(us) != 0 {
		t.Errorf("find by an unknown external ID = %d %v, want an empty list", r.status, r.body)
	}
	r = f.do(t, "admin", http.MethodGet, "/admin/v1/users?email=penny@example.org", "")
	if u := r.body["users"].([]any)[0].(map[string]any); u["external_id"] != nil || u["password_pending"] != nil {
		t.Errorf("a user registered here shows %v", u)
	}
	for _, q := range []string{"", "?email=penny@example.org&external_id=0b1f6c1e-6d2a-4d38-9a51-000000000001"} {
		expect(t, f.do(t, "admin", http.MethodGet, "/admin/v1/users"+q, ""), http.StatusBadRequest, "email")
	}
}
