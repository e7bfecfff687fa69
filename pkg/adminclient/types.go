package adminclient

import (
	"fmt"
	"time"
)

// The admin API's JSON bodies: internal/adminapi writes and reads these
// very types, so server and client cannot drift apart.

// Problem is an error answered by the API (RFC 9457 problem details).
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	// Instance is the path of the request that failed.
	Instance string       `json:"instance,omitempty"`
	Errors   []FieldError `json:"errors,omitempty"`
}

// FieldError names one invalid field of a request.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (p *Problem) Error() string {
	s := fmt.Sprintf("%d %s", p.Status, p.Title)
	if p.Detail != "" {
		s += ": " + p.Detail
	}
	for _, f := range p.Errors {
		s += "; " + f.Field + ": " + f.Message
	}
	return s
}

// Account is a managed account.
type Account struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Birthdate   string    `json:"birthdate,omitempty"` // YYYY-MM-DD
	Source      string    `json:"source"`
	ExternalRef string    `json:"external_ref"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// AccountInput is what PutAccount sends.
type AccountInput struct {
	Name      string `json:"name"`
	Birthdate string `json:"birthdate,omitempty"` // YYYY-MM-DD, or empty if unknown
}

// AccountPage is one page of ListAccounts.
type AccountPage struct {
	Accounts []Account `json:"accounts"`
	Next     string    `json:"next,omitempty"` // the After of the next page; empty on the last
}

// Grant lets a user manage an account.
type Grant struct {
	UserID       string     `json:"user_id"`
	AccountID    string     `json:"account_id"`
	Relationship string     `json:"relationship"`
	GrantedBy    string     `json:"granted_by"`
	GrantedAt    time.Time  `json:"granted_at"`
	ExpiresAt    *time.Time `json:"expires_at,omitempty"`
	RevokedAt    *time.Time `json:"revoked_at,omitempty"`
	Live         bool       `json:"live"`
}

// GrantInput is what PutGrant sends.
type GrantInput struct {
	Relationship string     `json:"relationship"`
	ExpiresAt    *time.Time `json:"expires_at,omitempty"`
}

// User is a user as the admin API shows them.
type User struct {
	ID            string `json:"id"`
	Email         string `json:"email"`
	GivenName     string `json:"given_name"`
	FamilyName    string `json:"family_name"`
	PhoneEnrolled bool   `json:"phone_enrolled"`
	// AuthenticatorApp: the user has set up an authenticator app.
	AuthenticatorApp bool       `json:"authenticator_app"`
	FailedLogins     int        `json:"failed_logins"`
	LockedUntil      *time.Time `json:"locked_until,omitempty"`
	// ExternalID is the object ID of a user imported from Azure AD B2C.
	ExternalID string `json:"external_id,omitempty"`
	// PasswordPending: imported, and the password not migrated yet (the
	// user has not signed in since).
	PasswordPending bool `json:"password_pending,omitempty"`
}

// UserList is the answer of GET /users?email= (FindUsers) or
// ?external_id= (FindUsersByExternalID): none or one.
type UserList struct {
	Users []User `json:"users"`
}

// GrantList is the answer of GET /users/{id}/grants (ListGrants).
type GrantList struct {
	Grants []Grant `json:"grants"`
}

// AuditEvent is one row of the audit trail. PrevHash and Hash (hex) chain
// the rows; `idp audit verify` checks the chain.
type AuditEvent struct {
	ID       int64             `json:"id"`
	Time     *time.Time        `json:"time,omitempty"`
	Type     string            `json:"type"`
	UserID   string            `json:"user_id,omitempty"`
	ClientID string            `json:"client_id,omitempty"`
	Actor    string            `json:"actor,omitempty"`
	IP       string            `json:"ip,omitempty"`
	Detail   map[string]string `json:"detail,omitempty"`
	PrevHash string            `json:"prev_hash"`
	Hash     string            `json:"hash"`
}

// AuditPage is one page of ListAudit.
type AuditPage struct {
	Events []AuditEvent `json:"events"`
	Next   string       `json:"next,omitempty"` // the After of the next page; empty on the last
}
