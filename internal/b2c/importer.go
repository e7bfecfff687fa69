package b2c

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/carekey/carekey/internal/clock"
	"github.com/carekey/carekey/internal/notify"
	"github.com/carekey/carekey/internal/secret"
	"github.com/carekey/carekey/internal/store"
)

// AuditImported is the Type of the event written with each imported user.
const AuditImported = "user.imported"

// Users is what the import needs of the system of record.
type Users interface {
	GetUserByExternalID(ctx context.Context, externalID string) (store.User, error)
	GetUserByEmail(ctx context.Context, email string) (store.User, error)
	CreateUser(ctx context.Context, u store.User, events ...store.AuditEvent) error
}

// Importer creates the users of an export, keyed by their B2C object ID.
type Importer struct {
	Users   Users
	Clock   clock.Clock
	Mapping Mapping
	// Actor is who runs the import, for the audit trail ("admin:cli").
	Actor string
}

// Report is what an import did (or, in a dry run, would do).
type Report struct {
	DryRun    bool
	Created   int // new users (a dry run: users that would be created)
	Unchanged int // already imported (a user with that object ID exists): left as they are
	Refused   []Rejection
}

// Run parses the export r and creates each user it holds that is not there
// yet: email verified, phone (if any) confirmed, ExternalID its object ID,
// PasswordPending set and no password hash, with a "user.imported" audit
// event in the same transaction. A user whose object ID is already in the
// store is counted Unchanged and left as it is, whatever the export now
// says, so running an import again changes nothing. A user whose email
// belongs to another account (one registered here, or imported under
// another object ID) is refused. dryRun does every check, reads the store
// and writes nothing. The error is for a failing reader or store: the
// users created before it stay, and a re-run picks up where it stopped.
func (im *Importer) Run(ctx context.Context, r io.Reader, dryRun bool) (Report, error) {
	recs, refused, err := ParseExport(r, im.Mapping)
	rep := Report{DryRun: dryRun, Refused: refused}
	if err != nil {
		return rep, err
	}
	for _, rec := range recs {
		res, reason, err := im.importOne(ctx, rec, dryRun)
		if err != nil {
			return rep, fmt.Errorf("line %d: %w (%d created before)", rec.Line, err, rep.Created)
		}
		switch res {
		case created:
			rep.Created++
		case unchanged:
			rep.Unchanged++
		default:
			rep.Refused = append(rep.Refused, Rejection{Line: rec.Line, ObjectID: rec.ObjectID, Reason: reason})
		}
	}
	sortRejections(rep.Refused)
	return rep, nil
}

type result int

const (
	created result = iota
	unchanged
	refused
)

// importOne creates rec's user unless its object ID or email is taken.
func (im *Importer) importOne(ctx context.Context, rec Record, dryRun bool) (result, string, error) {
	if res, reason, err := im.existing(ctx, rec); err != nil || res != created {
		return res, reason, err
	}
	if dryRun {
		return created, "", nil
	}
	now := im.Clock.Now()
	u := store.User{
		ID: secret.ID("usr_"), Email: rec.Email, EmailVerified: true,
		GivenName: rec.GivenName, FamilyName: rec.FamilyName,
		Phone: rec.Phone, PhoneVerified: rec.Phone != "",
		Profile:    rec.Profile,
		ExternalID: rec.ObjectID, PasswordPending: true,
		CreatedAt: now, UpdatedAt: now,
	}
	err := im.Users.CreateUser(ctx, u, store.AuditEvent{Time: now, Type: AuditImported, UserID: u.ID, Actor: im.Actor,
		Detail: map[string]string{"source": "b2c", "external_id": rec.ObjectID, "line": strconv.Itoa(rec.Line),
			"email": notify.MaskEmail(u.Email), "phone": notify.MaskPhone(u.Phone)}})
	if errors.Is(err, store.ErrConflict) {
		// Taken since we looked (another import running): say what took it.
		if res, reason, err := im.existing(ctx, rec); err != nil || res != created {
			return res, reason, err
		}
	}
	if err != nil {
		return refused, "", fmt.Errorf("create user: %w", err)
	}
	return created, "", nil
}

// existing says whether rec is already imported (unchanged), its email is
// another account's (refused), or neither (created).
func (im *Importer) existing(ctx context.Context, rec Record) (result, string, error) {
	_, err := im.Users.GetUserByExternalID(ctx, rec.ObjectID)
	switch {
	case err == nil:
		return unchanged, "", nil
	case !errors.Is(err, store.ErrNotFound):
		return refused, "", err
	}
	other, err := im.Users.GetUserByEmail(ctx, rec.Email)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return created, "", nil
	case err != nil:
		return refused, "", err
	case other.ExternalID != "":
		return refused, "the email address belongs to a user imported with another id (" + other.ExternalID + ")", nil
	}
	return refused, "the email address already has a carekey account (registered here, not imported)", nil
}
