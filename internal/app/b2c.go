package app

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/carekey/carekey/internal/b2c"
	"github.com/carekey/carekey/internal/clock"
	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/signin"
	"github.com/carekey/carekey/internal/store/postgres"
)

// B2CActor is the audit actor of users created by `idp import b2c`.
const B2CActor = "admin:idp-import-b2c"

// b2cMapping is the export's attribute mapping from config b2c.attributes.
func b2cMapping(a config.B2CAttributes) b2c.Mapping {
	return b2c.Mapping{Role: a.Role, Organisation: a.Organisation, Professional: a.Professional,
		Street: a.Street, Town: a.Town, Postcode: a.Postcode}
}

// ImportB2C runs `idp import b2c`: it imports the Graph user export r into
// the database of a production config, mapping attributes by
// b2c.attributes (b2c.Importer.Run says what it does; dryRun writes nothing).
func ImportB2C(ctx context.Context, cfg *config.Config, r io.Reader, dryRun bool) (b2c.Report, error) {
	pg, err := postgres.Open(ctx, postgres.Config{URL: cfg.Postgres.URL, MaxConns: 2,
		ConnectTimeout: cfg.Postgres.ConnectTimeout, QueryTimeout: cfg.Postgres.QueryTimeout})
	if err != nil {
		return b2c.Report{}, fmt.Errorf("open postgres: %w", err)
	}
	defer pg.Close()
	im := &b2c.Importer{Users: pg, Clock: clock.System(), Mapping: b2cMapping(cfg.B2C.Attributes), Actor: B2CActor}
	return im.Run(ctx, r, dryRun)
}

// oldPasswords is the old tenant's ROPC endpoint that sign-in checks pending
// passwords against, and the cut-off after which it stops (config b2c.ropc,
// b2c.cutoff); nil without b2c.ropc.token_url.
func oldPasswords(c config.B2C) (signin.OldPasswords, time.Time) {
	cutoff, _ := c.CutoffTime() // validated
	if !c.ROPC.Enabled() {
		return nil, cutoff
	}
	return &b2c.ROPC{TokenURL: c.ROPC.TokenURL, ClientID: c.ROPC.ClientID, Scope: c.ROPC.Scope,
		Timeout: c.ROPC.Timeout, HTTP: &http.Client{Timeout: c.ROPC.Timeout}}, cutoff
}
