package adminapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/carekey/carekey/internal/accounts"
	"github.com/carekey/carekey/internal/signin"
	"github.com/carekey/carekey/internal/store"
	"github.com/carekey/carekey/pkg/adminclient"
)

// The bodies the API writes and reads are pkg/adminclient's types, shared
// with the client.

// toAccount is an account as the API shows it.
func toAccount(a store.Account) adminclient.Account {
	return adminclient.Account{ID: a.ID, Name: a.Name, Birthdate: a.Birthdate, Source: a.Source, ExternalRef: a.ExternalRef,
		CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// toGrant is a grant as the API shows it, live or not at now.
func toGrant(g store.Grant, now time.Time) adminclient.Grant {
	return adminclient.Grant{UserID: g.UserID, AccountID: g.AccountID, Relationship: g.Relationship, GrantedBy: g.GrantedBy,
		GrantedAt: g.GrantedAt, ExpiresAt: timePtr(g.ExpiresAt), RevokedAt: timePtr(g.RevokedAt), Live: g.Live(now)}
}

// toUser is a user as the API shows it: no password hash, no profile.
func toUser(u store.User) adminclient.User {
	return adminclient.User{ID: u.ID, Email: u.Email, GivenName: u.GivenName, FamilyName: u.FamilyName,
		PhoneEnrolled: u.Phone != "" && u.PhoneVerified, AuthenticatorApp: u.TOTPSecret != "",
		FailedLogins: u.FailedLogins, LockedUntil: timePtr(u.LockedUntil),
		ExternalID: u.ExternalID, PasswordPending: u.PasswordPending}
}

const (
	defaultPage = 100
	maxPage     = 500
)

// listAccounts: GET /accounts?source=&after=&limit=
func (a *API) listAccounts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := defaultPage
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxPage {
			writeProblem(w, r, validationProblem(fieldError("limit", "must be a whole number from 1 to "+strconv.Itoa(maxPage))))
			return
		}
		limit = n
	}
	list, err := a.cfg.Accounts.Accounts(r.Context(), store.AccountFilter{Source: q.Get("source"), After: q.Get("after"), Limit: limit + 1})
	if err != nil {
		a.fail(w, r, err, "")
		return
	}
	out := adminclient.AccountPage{Accounts: []adminclient.Account{}}
	if len(list) > limit {
		list = list[:limit]
		out.Next = list[limit-1].ID
	}
	for _, acc := range list {
		out.Accounts = append(out.Accounts, toAccount(acc))
	}
	writeJSON(w, http.StatusOK, out)
}

// getAccount: GET /accounts/{id}
func (a *API) getAccount(w http.ResponseWriter, r *http.Request) {
	acc, err := a.cfg.Accounts.Account(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		a.fail(w, r, err, "no account with this id")
		return
	}
	writeJSON(w, http.StatusOK, toAccount(acc))
}

// putAccount: PUT /accounts/by-ref/{source}/{ref} {name, birthdate}
func (a *API) putAccount(w http.ResponseWriter, r *http.Request) {
	var body adminclient.AccountInput
	if !a.decode(w, r, &body) {
		return
	}
	v := mux.Vars(r)
	acc, created, err := a.cfg.Accounts.PutAccount(r.Context(), actor(r.Context()), accounts.AccountInput{
		Source: v["source"], ExternalRef: v["ref"], Name: body.Name, Birthdate: body.Birthdate})
	if err != nil {
		a.fail(w, r, err, "")
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		w.Header().Set("Location", Prefix+"accounts/"+acc.ID)
	}
	writeJSON(w, status, toAccount(acc))
}

// findUsers: GET /users?email= or GET /users?external_id= (the object ID
// of a user imported from Azure AD B2C).
func (a *API) findUsers(w http.ResponseWriter, r *http.Request) {
	email := signin.NormalizeEmail(r.URL.Query().Get("email"))
	externalID := strings.TrimSpace(r.URL.Query().Get("external_id"))
	if (email == "") == (externalID == "") {
		writeProblem(w, r, validationProblem(fieldError("email", "either email or external_id is required")))
		return
	}
	out := adminclient.UserList{Users: []adminclient.User{}}
	var (
		u   store.User
		err error
	)
	if email != "" {
		u, err = a.cfg.Users.GetUserByEmail(r.Context(), email)
	} else {
		u, err = a.cfg.Users.GetUserByExternalID(r.Context(), externalID)
	}
	switch {
	case err == nil:
		out.Users = append(out.Users, toUser(u))
	case !isNotFound(err):
		a.fail(w, r, err, "")
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// getUser: GET /users/{id}
func (a *API) getUser(w http.ResponseWriter, r *http.Request) {
	u, err := a.cfg.Users.GetUser(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		a.fail(w, r, err, "no user with this id")
		return
	}
	writeJSON(w, http.StatusOK, toUser(u))
}

// resetPhone: POST /users/{id}/reset-phone. The next sign-in enrols a phone,
// after a code emailed to the user's address. Whoever is signed in as the
// user now is signed out: every session ends (with back-channel logout),
// every refresh token is revoked, and tokens issued before now are refused
// (TokensValidAfter), so a phone reset asked for by someone who took the
// account over does not leave them in it.
func (a *API) resetPhone(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	by := actor(ctx)
	id := mux.Vars(r)["id"]
	now := a.cfg.Clock.Now()
	u, err := a.cfg.Users.UpdateUser(ctx, id, func(u *store.User) ([]store.AuditEvent, error) {
		u.Phone, u.PhoneVerified = "", false
		u.TokensValidAfter, u.UpdatedAt = now, now
		return []store.AuditEvent{{Time: now, Type: "user.phone_reset", UserID: id, ClientID: by.ClientID, Actor: by.Name}}, nil
	})
	if err != nil {
		a.fail(w, r, err, "no user with this id")
		return
	}
	if err := a.endSessions(ctx, id, by, "phone_reset", now); err != nil {
		a.fail(w, r, err, "")
		return
	}
	writeJSON(w, http.StatusOK, toUser(u))
}

// endSessions signs user id out everywhere: every session ends (with
// back-channel logout), every refresh token is revoked, and the audit event
// "user.sessions_revoked" names reason.
func (a *API) endSessions(ctx context.Context, id string, by accounts.Actor, reason string, now time.Time) error {
	sessions, err := a.cfg.Sessions.DeleteByUser(ctx, id)
	if err != nil {
		return fmt.Errorf("end sessions of %s: %w", id, err)
	}
	if a.cfg.Logout != nil {
		for _, sess := range sessions {
			a.cfg.Logout.SessionEnded(ctx, sess)
		}
	}
	if err := a.cfg.RefreshTokens.RevokeUserRefreshTokens(ctx, id, now); err != nil {
		return fmt.Errorf("revoke refresh tokens of %s: %w", id, err)
	}
	if err := a.cfg.Users.AppendAudit(ctx, store.AuditEvent{Time: now, Type: "user.sessions_revoked", UserID: id, ClientID: by.ClientID,
		Actor: by.Name, Detail: map[string]string{"reason": reason, "sessions": strconv.Itoa(len(sessions))}}); err != nil {
		a.cfg.Logger.ErrorContext(ctx, "audit sessions revoked", "user", id, "err", err)
	}
	return nil
}

// removeApp: DELETE /users/{id}/totp. Removes the user's authenticator app
// (audited as "user.app_removed" by the administrator, the user emailed)
// and signs them out everywhere (endSessions), so whoever signed in with
// the app is out: the next sign-in confirms with the phone. 404 for an
// unknown user or one without an app.
func (a *API) removeApp(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	by := actor(ctx)
	id := mux.Vars(r)["id"]
	if a.cfg.Apps == nil {
		a.fail(w, r, store.ErrNotFound, "this deployment offers no authenticator app")
		return
	}
	switch err := a.cfg.Apps.RemoveApp(ctx, id, by.Name, ""); {
	case errors.Is(err, ErrNoApp):
		a.fail(w, r, store.ErrNotFound, "this user has no authenticator app")
		return
	case err != nil:
		a.fail(w, r, err, "no user with this id")
		return
	}
	now := a.cfg.Clock.Now()
	if err := a.endSessions(ctx, id, by, "app_removed", now); err != nil {
		a.fail(w, r, err, "")
		return
	}
	u, err := a.cfg.Users.GetUser(ctx, id)
	if err != nil {
		a.fail(w, r, err, "no user with this id")
		return
	}
	writeJSON(w, http.StatusOK, toUser(u))
}

// unlock: POST /users/{id}/unlock. Clears the wrong-password and wrong-code
// counts and the lock.
func (a *API) unlock(w http.ResponseWriter, r *http.Request) {
	a.updateUser(w, r, "user.unlocked", func(u *store.User) bool {
		if u.FailedLogins == 0 && u.FailedCodes == 0 && u.LockedUntil.IsZero() {
			return false
		}
		u.FailedLogins, u.FailedCodes, u.LockedUntil = 0, 0, time.Time{}
		return true
	})
}

// updateUser applies change to the user and writes event typ with it, in one
// transaction; a change that changes nothing writes nothing.
func (a *API) updateUser(w http.ResponseWriter, r *http.Request, typ string, change func(u *store.User) bool) {
	by := actor(r.Context())
	id := mux.Vars(r)["id"]
	u, err := a.cfg.Users.UpdateUser(r.Context(), id, func(u *store.User) ([]store.AuditEvent, error) {
		now := a.cfg.Clock.Now()
		if !change(u) {
			return nil, nil
		}
		u.UpdatedAt = now
		return []store.AuditEvent{{Time: now, Type: typ, UserID: id, ClientID: by.ClientID, Actor: by.Name}}, nil
	})
	if err != nil {
		a.fail(w, r, err, "no user with this id")
		return
	}
	writeJSON(w, http.StatusOK, toUser(u))
}

// listGrants: GET /users/{id}/grants
func (a *API) listGrants(w http.ResponseWriter, r *http.Request) {
	gs, err := a.cfg.Accounts.Grants(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		a.fail(w, r, err, "no user with this id")
		return
	}
	now := a.cfg.Clock.Now()
	out := adminclient.GrantList{Grants: []adminclient.Grant{}}
	for _, g := range gs {
		out.Grants = append(out.Grants, toGrant(g, now))
	}
	writeJSON(w, http.StatusOK, out)
}

// putGrant: PUT /users/{id}/grants/{accountID} {relationship, expires_at?}.
// 201 for a new grant, 200 with the existing one for a repeat.
func (a *API) putGrant(w http.ResponseWriter, r *http.Request) {
	// Not adminclient.GrantInput: expires_at is read as a string so that
	// a malformed time is a validation problem naming the field, not a
	// malformed body. The JSON is GrantInput's.
	var body struct {
		Relationship string `json:"relationship"`
		ExpiresAt    string `json:"expires_at"`
	}
	if !a.decode(w, r, &body) {
		return
	}
	var exp time.Time
	if body.ExpiresAt != "" {
		t, err := time.Parse(time.RFC3339, body.ExpiresAt)
		if err != nil {
			writeProblem(w, r, validationProblem(fieldError("expires_at", "must be a date and time as RFC 3339, such as 2026-03-31T23:59:59Z")))
			return
		}
		exp = t
	}
	v := mux.Vars(r)
	g, created, err := a.cfg.Accounts.Grant(r.Context(), actor(r.Context()), accounts.GrantInput{
		UserID: v["id"], AccountID: v["accountID"], Relationship: body.Relationship, ExpiresAt: exp})
	if err != nil {
		a.fail(w, r, err, "no such user or account")
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, toGrant(g, a.cfg.Clock.Now()))
}

// revokeGrant: DELETE /users/{id}/grants/{accountID}. Idempotent.
func (a *API) revokeGrant(w http.ResponseWriter, r *http.Request) {
	v := mux.Vars(r)
	g, err := a.cfg.Accounts.Revoke(r.Context(), actor(r.Context()), v["id"], v["accountID"])
	if err != nil {
		a.fail(w, r, err, "this user has no grant to this account")
		return
	}
	writeJSON(w, http.StatusOK, toGrant(g, a.cfg.Clock.Now()))
}
