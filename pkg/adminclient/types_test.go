package adminclient

import (
	"encoding/json"
	"testing"
	"time"
)

// TestWireFormat pins the JSON of every body the server (internal/adminapi)
// and this client share: a renamed field or a changed omitempty breaks the
// wire for deployed clients, so it must break this test first.
func TestWireFormat(t *testing.T) {
	at := time.Date(2026, 3, 31, 23, 59, 59, 0, time.UTC)
	for _, tc := range []struct {
		name string
		have any
		want string
	}{
		{"account", Account{ID: "acc_1", Name: "Charlie QQ Cherry", Birthdate: "2013-11-07", Source: "case", ExternalRef: "C-1", CreatedAt: at, UpdatedAt: at},
			`{"id":"acc_1","name":"Charlie QQ Cherry","birthdate":"2013-11-07","source":"case","external_ref":"C-1","created_at":"2026-03-31T23:59:59Z","updated_at":"2026-03-31T23:59:59Z"}`},
		{"account without birthdate", Account{ID: "acc_1"},
			`{"id":"acc_1","name":"","source":"","external_ref":"","created_at":"0001-01-01T00:00:00Z","updated_at":"0001-01-01T00:00:00Z"}`},
		{"account page", AccountPage{Accounts: []Account{}, Next: "acc_9"}, `{"accounts":[],"next":"acc_9"}`},
		{"last account page", AccountPage{Accounts: []Account{}}, `{"accounts":[]}`},
		{"account input", AccountInput{Name: "Charlie"}, `{"name":"Charlie"}`},
		{"grant", Grant{UserID: "usr_1", AccountID: "acc_1", Relationship: "child", GrantedBy: "admin:ops", GrantedAt: at, ExpiresAt: &at, Live: true},
			`{"user_id":"usr_1","account_id":"acc_1","relationship":"child","granted_by":"admin:ops","granted_at":"2026-03-31T23:59:59Z","expires_at":"2026-03-31T23:59:59Z","live":true}`},
		{"grant list", GrantList{Grants: []Grant{}}, `{"grants":[]}`},
		{"grant input", GrantInput{Relationship: "child"}, `{"relationship":"child"}`},
		{"user", User{ID: "usr_1", Email: "p@example.com", GivenName: "Penny", FamilyName: "Plumber", PhoneEnrolled: true, FailedLogins: 2, LockedUntil: &at},
			`{"id":"usr_1","email":"p@example.com","given_name":"Penny","family_name":"Plumber","phone_enrolled":true,"authenticator_app":false,"failed_logins":2,"locked_until":"2026-03-31T23:59:59Z"}`},
		{"user list", UserList{Users: []User{}}, `{"users":[]}`},
		{"audit page", AuditPage{Events: []AuditEvent{{ID: 7, Type: "user.unlocked", PrevHash: "00", Hash: "ff"}}},
			`{"events":[{"id":7,"type":"user.unlocked","prev_hash":"00","hash":"ff"}]}`},
		{"problem", Problem{Type: "urn:carekey:problem:validation", Title: "Invalid request", Status: 400, Detail: "bad",
			Instance: "/admin/v1/users", Errors: []FieldError{{Field: "email", Message: "is required"}}},
			`{"type":"urn:carekey:problem:validation","title":"Invalid request","status":400,"detail":"bad","instance":"/admin/v1/users","errors":[{"field":"email","message":"is required"}]}`},
		{"bare problem", Problem{Type: "urn:carekey:problem:internal", Title: "Internal server error", Status: 500},
			`{"type":"urn:carekey:problem:internal","title":"Internal server error","status":500}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(tc.have)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tc.want {
				t.Errorf("have %s\nwant %s", b, tc.want)
			}
		})
	}
}
