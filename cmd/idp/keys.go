package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/carekey/carekey/internal/app"
	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/keys"
)

const keysUsage = `usage:
  idp keys list --config FILE                 every signing key: ID, algorithm, age, expiry, whether the current encryption key seals it
  idp keys rotate --config FILE [--alg ES256] a new signing key: published at once, signs a minute later on every replica
  idp keys reencrypt --config FILE            reseal stored keys and authenticator app secrets under keys.encryption_key (after adding a new one, with
                                              the old one as keys.previous_encryption_key)
`

// keysCmd runs `idp keys …` against the database of a production config.
func keysCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, keysUsage)
		return 2
	}
	sub := args[0]
	fs := flag.NewFlagSet("keys "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "configuration file")
	alg := fs.String("alg", "", "algorithm of the new key (ES256 or RS256; default keys.algorithm)")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if *path == "" || fs.NArg() > 0 || (sub != "list" && sub != "rotate" && sub != "reencrypt") {
		fmt.Fprint(stderr, keysUsage)
		return 2
	}
	cfg, err := config.Check(*path, config.Options{Env: os.Getenv}, config.ModeServe)
	if err != nil {
		fmt.Fprintf(stderr, "idp keys %s: %s: %v\n", sub, *path, err)
		return 1
	}
	if err := runKeys(ctx, cfg, sub, *alg, time.Now(), stdout); err != nil {
		fmt.Fprintf(stderr, "idp keys %s: %v\n", sub, err)
		return 1
	}
	return 0
}

// runKeys does the work of `idp keys sub` with a loaded config.
func runKeys(ctx context.Context, cfg *config.Config, sub, alg string, now time.Time, stdout io.Writer) error {
	m, closeKeys, err := app.OpenKeys(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeKeys()
	switch sub {
	case "list":
		listed, err := m.List(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tALGORITHM\tCREATED\tEXPIRES\tSEALED UNDER")
		for _, k := range listed {
			sealed := "encryption_key"
			switch {
			case k.Err != nil:
				sealed = "neither key opens it"
			case !k.Current:
				sealed = "previous_encryption_key (run idp keys reencrypt)"
			}
			expires := "never"
			if !k.ExpiresAt.IsZero() {
				expires = k.ExpiresAt.UTC().Format(time.RFC3339)
				if !now.Before(k.ExpiresAt) {
					expires += " (expired)"
				}
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.ID, k.Algorithm, k.CreatedAt.UTC().Format(time.RFC3339), expires, sealed)
		}
		return tw.Flush()
	case "rotate":
		if alg == "" {
			alg = cfg.Keys.Algorithm
		}
		k, err := m.Rotate(ctx, alg)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "new %s key %s: published now, signs from %s on every replica; the old keys stay published until they expire\n",
			k.Algorithm, k.ID, k.CreatedAt.Add(keys.DefaultCacheTTL).UTC().Format(time.RFC3339))
		return nil
	case "reencrypt":
		n, err := m.Reencrypt(ctx)
		fmt.Fprintf(stdout, "%d keys resealed under keys.encryption_key\n", n)
		if err != nil {
			return err
		}
		n, err = app.ReencryptApps(ctx, cfg) // authenticator app secrets (issue 16)
		fmt.Fprintf(stdout, "%d authenticator app secrets resealed under keys.encryption_key\n", n)
		return err
	}
	return fmt.Errorf("unknown command %q", sub)
}
