package adminapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/carekey/carekey/internal/mailaddr"
	"github.com/carekey/carekey/internal/notify"
	"github.com/carekey/carekey/internal/password"
	"github.com/carekey/carekey/internal/phone"
	"github.com/carekey/carekey/internal/secret"
	"github.com/carekey/carekey/internal/store"
	"github.com/carekey/carekey/pkg/adminclient"
)

// UserImport is what POST /users/import needs: the store to create users
// in, the deployment's password hasher (whose concurrency bound the import
// shares with sign-ins) and policy.
type UserImport struct {
	Users interface {
		CreateUser(ctx context.Context, u store.User, events ...store.AuditEvent) error
	}
	Hasher *password.Hasher
	Policy password.Policy
}

// importUsers: POST /users/import {"users": [adminclient.UserImport…]}, at
// most adminclient.MaxUserImportBatch. Each valid user is created with a
// verified email and phone and a "user.imported" audit event in the same
// transaction; a taken email changes nothing ("exists"). Passwords are
// checked against the policy and hashed in parallel, at most GOMAXPROCS at
// once (and within the hasher's own bound). The answer is 200 with one
// result per user, in order; 400 only for a request that is unusable as a
// whole.
func (a *API) importUsers(w http.ResponseWriter, r *http.Request) {
	im := a.cfg.Import
	if im == nil {
		writeProblem(w, r, problem{Type: typeNotFound, Title: "Not found", Status: http.StatusNotFound, Detail: "user import is not enabled"})
		return
	}
	var body struct {
		Users []adminclient.UserImport `json:"users"`
	}
	if !a.decode(w, r, &body) {
		return
	}
	if n := len(body.Users); n == 0 || n > adminclient.MaxUserImportBatch {
		writeProblem(w, r, validationProblem(fieldError("users", fmt.Sprintf("must hold 1 to %d users", adminclient.MaxUserImportBatch))))
		return
	}
	ctx := r.Context()
	by := actor(ctx)
	results := make([]adminclient.UserImportResult, len(body.Users))
	var (
		wg    sync.WaitGroup
		next  = make(chan int)
		errMu sync.Mutex
		fatal error
	)
	for range min(runtime.GOMAXPROCS(0), len(body.Users)) {
		wg.Go(func() {
			for i := range next {
				res, err := a.importUser(ctx, im, by.ClientID, by.Name, body.Users[i])
				if err != nil {
					errMu.Lock()
					fatal = errors.Join(fatal, err)
					errMu.Unlock()
				}
				results[i] = res
			}
		})
	}
	for i := range body.Users {
		next <- i
	}
	close(next)
	wg.Wait()
	switch {
	case errors.Is(fatal, password.ErrBusy):
		// Sign-ins have the hasher's slots: some users may have been
		// created, and a repeat reports them "exists".
		w.Header().Set("Retry-After", "5")
		writeProblem(w, r, problem{Type: typeInternal, Title: "Service unavailable", Status: http.StatusServiceUnavailable,
			Detail: "the server is busy checking passwords: send this batch again shortly"})
		return
	case fatal != nil:
		a.fail(w, r, fmt.Errorf("import users: %w", fatal), "")
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Results []adminclient.UserImportResult `json:"results"`
	}{results})
}

// importUser checks, hashes and creates one user. err is for a failure
// that is not the user's fault (the store, the hasher).
func (a *API) importUser(ctx context.Context, im *UserImport, clientID, actorName string, in adminclient.UserImport) (adminclient.UserImportResult, error) {
	u, fields := checkImport(im.Policy, in)
	if len(fields) > 0 {
		res := adminclient.UserImportResult{Status: adminclient.ImportInvalid}
		for _, f := range fields {
			res.Errors = append(res.Errors, struct {
				Field   string `json:"field"`
				Message string `json:"message"`
			}{f.Field, f.Message})
		}
		return res, nil
	}
	hash, err := im.Hasher.Hash(ctx, in.Password)
	if err != nil {
		return adminclient.UserImportResult{}, fmt.Errorf("hash password: %w", err)
	}
	now := a.cfg.Clock.Now()
	u.ID, u.PasswordHash, u.CreatedAt, u.UpdatedAt = secret.ID("usr_"), hash, now, now
	err = im.Users.CreateUser(ctx, u, store.AuditEvent{Time: now, Type: "user.imported", UserID: u.ID, ClientID: clientID, Actor: actorName,
		Detail: map[string]string{"email": notify.MaskEmail(u.Email), "phone": notify.MaskPhone(u.Phone)}})
	switch {
	case errors.Is(err, store.ErrConflict):
		return adminclient.UserImportResult{Status: adminclient.ImportExists}, nil
	case err != nil:
		return adminclient.UserImportResult{}, fmt.Errorf("create user: %w", err)
	}
	return adminclient.UserImportResult{Status: adminclient.ImportCreated, ID: u.ID}, nil
}

// checkImport normalises in into a user (email, E.164 phone, trimmed
// names) and returns every field that is wrong.
func checkImport(policy password.Policy, in adminclient.UserImport) (store.User, []adminclient.FieldError) {
	var fields []adminclient.FieldError
	email, err := mailaddr.Normalize(in.Email)
	if err != nil {
		fields = append(fields, fieldError("email", "must be an email address"))
	}
	names := [2]string{strings.TrimSpace(in.GivenName), strings.TrimSpace(in.FamilyName)}
	for i, field := range []string{"given_name", "family_name"} {
		switch n := names[i]; {
		case n == "":
			fields = append(fields, fieldError(field, "is required"))
		case !utf8.ValidString(n) || strings.IndexFunc(n, unicode.IsControl) >= 0:
			fields = append(fields, fieldError(field, "must not contain control characters"))
		case utf8.RuneCountInString(n) > 100:
			fields = append(fields, fieldError(field, "must be at most 100 characters"))
		}
	}
	num, err := phone.Parse(in.Phone, "")
	if err != nil {
		fields = append(fields, fieldError("phone", "must be a valid phone number"))
	}
	var pe *password.PolicyError
	if err := policy.Check(in.Password); errors.As(err, &pe) {
		fields = append(fields, fieldError("password", strings.Join(pe.Texts(), " ")))
	} else if err != nil {
		fields = append(fields, fieldError("password", "does not meet the password policy"))
	}
	return store.User{Email: email, EmailVerified: true, GivenName: names[0], FamilyName: names[1],
		Phone: num.E164, PhoneVerified: true}, fields
}
