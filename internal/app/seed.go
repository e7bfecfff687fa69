package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/carekey/carekey/internal/clock"
	"github.com/carekey/carekey/internal/password"
	"github.com/carekey/carekey/internal/secret"
	"github.com/carekey/carekey/internal/store"
)

type seedUser struct {
	id, email, given, family, phone string
}

// The guide's example user and a user with a single account (design.md §6).
var (
	seedPenny = seedUser{"usr_penny", "penny.plumber.portal@example.com", "Penny QQ", "Plumber", "+447700900047"}
	seedSam   = seedUser{"usr_sam", "sam.single.portal@example.com", "Sam QQ", "Single", "+447700900123"}
)

// seed creates the dev users (idempotent) and returns their password: pw if
// set, else a fresh random one that meets the council's policy.
func seed(ctx context.Context, st store.Store, h *password.Hasher, clk clock.Clock, pw string) (string, error) {
	if pw == "" {
		pw = "Care" + secret.ID("")[:10] + "-7!"
	}
	hash, err := h.Hash(ctx, pw)
	if err != nil {
		return "", err
	}
	now := clk.Now()
	for _, u := range []seedUser{seedPenny, seedSam} {
		err := st.CreateUser(ctx, store.User{
			ID: u.id, Email: u.email, EmailVerified: true, GivenName: u.given, FamilyName: u.family,
			PasswordHash: hash, Phone: u.phone, PhoneVerified: true,
			Profile:   store.Profile{Role: "Parent", Organisation: "Norfolk County Council", Street: "County Hall, Martineau Lane", Town: "Norwich", Postcode: "NR1 2DH"},
			CreatedAt: now, UpdatedAt: now,
		}, store.AuditEvent{Time: now, Type: "user.seeded", UserID: u.id, Actor: "system"})
		if err != nil && !errors.Is(err, store.ErrConflict) {
			return "", fmt.Errorf("seed %s: %w", u.id, err)
		}
	}
	return pw, nil
}
