package adminapi_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/notify"
	"github.com/carekey/carekey/internal/session"
	"github.com/carekey/carekey/internal/store"
)

// DELETE /users/{id}/totp removes the authenticator app, audited, emails
// the user and signs them out everywhere.
func TestRemoveApp(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	if err := f.apps.AddApp(ctx, "usr_penny", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 1, ""); err != nil {
		t.Fatal(err)
	}
	r := f.do(t, "admin", http.MethodGet, "/admin/v1/users/usr_penny", "")
	if r.body["authenticator_app"] != true {
		t.Fatalf("user before removal: %v, want authenticator_app true", r.body)
	}
	if err := f.sessions.Create(ctx, session.Session{ID: "sess_app", UserID: "usr_penny", AuthTime: now, AMR: []string{"pwd", "otp", "mfa"},
		CreatedAt: now, LastSeen: now, IdleTimeout: time.Hour, ExpiresAt: now.Add(8 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := f.st.CreateRefreshToken(ctx, store.RefreshToken{ID: "rt_app", FamilyID: "fam_app", ClientID: "dashboard", UserID: "usr_penny",
		AuthTime: now, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	expect(t, f.do(t, "noscope", http.MethodDelete, "/admin/v1/users/usr_penny/totp", ""), http.StatusForbidden)
	if u, _ := f.st.GetUser(ctx, "usr_penny"); u.TOTPSecret == "" {
		t.Fatal("removed without the admin scope")
	}

	r = f.do(t, "admin", http.MethodDelete, "/admin/v1/users/usr_penny/totp", "")
	expect(t, r, http.StatusOK)
	if r.body["authenticator_app"] != false {
		t.Errorf("answer %v, want authenticator_app false", r.body)
	}
	if u, _ := f.st.GetUser(ctx, "usr_penny"); u.TOTPSecret != "" || u.TOTPLastStep != 0 {
		t.Errorf("app still there: %+v", u)
	}
	if _, err := f.sessions.Get(ctx, "sess_app"); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("session after removal: %v, want ErrNotFound", err)
	}
	if len(f.ended.ids) != 1 || f.ended.ids[0] != "sess_app" {
		t.Errorf("back-channel logout for %v, want sess_app", f.ended.ids)
	}
	if rt, _ := f.st.GetRefreshToken(ctx, "rt_app"); rt.RevokedAt.IsZero() {
		t.Error("refresh token not revoked")
	}
	if m, ok := f.mail.LastEmail("penny@example.org"); !ok || m.Template != notify.TemplateAppRemoved {
		t.Errorf("email %+v, want app_removed", m)
	}
	var types []string
	for _, e := range changes(t, f.st) {
		if e.Type == "user.app_removed" || e.Type == "user.sessions_revoked" {
			types = append(types, e.Type+"/"+e.Actor+"/"+e.Detail["reason"])
		}
	}
	if got := strings.Join(types, ","); got != "user.app_removed/admin:sync/,user.sessions_revoked/admin:sync/app_removed" {
		t.Errorf("audit = %s", got)
	}
	// Nothing left to remove, and no such user: 404.
	expect(t, f.do(t, "admin", http.MethodDelete, "/admin/v1/users/usr_penny/totp", ""), http.StatusNotFound)
	expect(t, f.do(t, "admin", http.MethodDelete, "/admin/v1/users/usr_nobody/totp", ""), http.StatusNotFound)
}
