package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/carekey/carekey/internal/accounts"
	"github.com/carekey/carekey/internal/adminapi"
	"github.com/carekey/carekey/internal/clock"
	"github.com/carekey/carekey/internal/store"
)

// seedAccount is one of the dev users' managed accounts.
type seedAccount struct {
	user, ref, name, birthdate, relationship string
}

// seedAccounts are the guide's three accounts for Penny, and Sam's one
// (design.md §6).
var seedAccounts = []seedAccount{
	{seedPenny.id, "dev-charlie", "Charlie QQ Cherry", "2013-11-07", "child"},
	{seedPenny.id, "dev-pedro", "Pedro QQ Plumber", "2006-05-01", "child"},
	{seedPenny.id, "dev-peter", "Peter QQ Plumber", "1981-02-04", "self"},
	{seedSam.id, "dev-sam", "Sam QQ Single", "1990-06-15", "self"},
}

// seedGrants gives the dev users their accounts (idempotent: accounts are
// keyed by external reference and a repeated grant changes nothing).
func seedGrants(ctx context.Context, svc *accounts.Service) error {
	by := accounts.Actor{Name: "system"}
	for _, s := range seedAccounts {
		acc, _, err := svc.PutAccount(ctx, by, accounts.AccountInput{Source: "dev", ExternalRef: s.ref, Name: s.name, Birthdate: s.birthdate})
		if err != nil {
			return fmt.Errorf("seed account %s: %w", s.ref, err)
		}
		if _, _, err := svc.Grant(ctx, by, accounts.GrantInput{UserID: s.user, AccountID: acc.ID, Relationship: s.relationship}); err != nil {
			return fmt.Errorf("seed grant of %s: %w", s.ref, err)
		}
	}
	return nil
}

// newAdminAPI builds the admin API, authenticated by the provider's access tokens.
// reset-phone ends the user's sessions (with back-channel logout through
// logout) and refresh tokens. imports enables POST /users/import.
func newAdminAPI(tokens adminapi.Tokens, svc *accounts.Service, users store.Store, sessions adminapi.Sessions, logout adminapi.LogoutNotifier,
	clk clock.Clock, logger *slog.Logger, maxBody int64, imports *adminapi.UserImport, apps adminapi.AppRemover) (http.Handler, error) {
	api, err := adminapi.New(adminapi.Config{Tokens: tokens, Accounts: svc, Users: users, Audit: users, Sessions: sessions, RefreshTokens: users,
		Logout: logout, Clock: clk, Logger: logger, MaxBodyBytes: maxBody, Import: imports, Apps: apps})
	if err != nil {
		return nil, fmt.Errorf("admin api: %w", err)
	}
	return api, nil
}
