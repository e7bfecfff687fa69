// Command idp is carekey, the OpenID Connect provider.
//
//	idp dev [--port N]           embedded dev mode (memory backends, dashboard on N+1)
//	idp serve --config FILE      production: PostgreSQL + Redis
//	idp migrate --config FILE    apply database migrations
//	idp audit verify|prune …     check the audit hash chain; prune by audit.retention (audit.go)
//	idp config check FILE        validate a config file and exit
//	idp admin …                  accounts, grants and users through the admin API (admin.go)
//	idp keys list|rotate|reencrypt  signing keys and the encryption keyring (keys.go)
//	idp import b2c …             users from an Azure AD B2C export (import_b2c.go)
//	idp version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/carekey/carekey/internal/app"
	"github.com/carekey/carekey/internal/buildinfo"
	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/requestid"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `usage:
  idp dev [--config configs/dev.yaml] [--port 8080]
  idp serve --config FILE
  idp migrate --config FILE
  idp config check [--secrets-elsewhere] FILE
  idp audit verify|prune --config FILE
  idp admin COMMAND … (idp admin for help)
  idp keys list|rotate|reencrypt --config FILE
  idp import b2c EXPORT.jsonl --config FILE [--dry-run]
  idp text review [--all]
  idp version
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "version":
		fmt.Fprintln(stdout, buildinfo.Line("idp"))
		return 0
	case "config":
		if len(args) < 2 || args[1] != "check" {
			fmt.Fprint(stderr, usage)
			return 2
		}
		return configCheck(args[2:], stdout, stderr)
	case "dev":
		return serve(ctx, args[1:], config.ModeDev, "configs/dev.yaml", stdout, stderr)
	case "serve":
		return serve(ctx, args[1:], config.ModeServe, "", stdout, stderr)
	case "admin":
		return admin(ctx, args[1:], os.Getenv, stdout, stderr)
	case "keys":
		return keysCmd(ctx, args[1:], stdout, stderr)
	case "import":
		return importCmd(ctx, args[1:], stdout, stderr)
	case "audit":
		return auditCmd(ctx, args[1:], time.Now, stdout, stderr)
	case "text":
		return textCmd(args[1:], stdout, stderr)
	case "migrate":
		cfg, code := loadFlags("migrate", args[1:], config.ModeServe, "", stderr)
		if cfg == nil {
			return code
		}
		if err := app.Migrate(ctx, cfg); err != nil {
			fmt.Fprintln(stderr, "idp migrate:", err)
			return 1
		}
		fmt.Fprintln(stdout, "migrations applied")
		return 0
	default:
		fmt.Fprint(stderr, usage)
		return 2
	}
}

// configCheck validates a production config and prints every problem with
// its key path. Secret files that do not exist here are listed, and fail the
// check unless --secrets-elsewhere says they live on another machine (a CI
// job, a chart being rendered).
func configCheck(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("config check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	elsewhere := fs.Bool("secrets-elsewhere", false, "secret files live on the machines that run carekey: list missing ones without failing")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		fmt.Fprint(stderr, "usage: idp config check [--secrets-elsewhere] FILE\n")
		return 2
	}
	path := fs.Arg(0)
	var missing []string
	_, err := config.Check(path, config.Options{
		Env:                    os.Getenv,
		SkipMissingSecretFiles: true,
		MissingSecretFile:      func(key, file string) { missing = append(missing, fmt.Sprintf("  %s: %s", key, file)) },
	}, config.ModeServe)
	if err != nil {
		fmt.Fprintf(stderr, "%s: invalid configuration:\n%v\n", path, err)
	}
	if len(missing) > 0 {
		w := stderr
		if err == nil && *elsewhere {
			w = stdout
		}
		fmt.Fprintf(w, "%s: these secret files do not exist on this machine, so their values were not checked:\n%s\n",
			path, strings.Join(missing, "\n"))
		if err == nil && !*elsewhere {
			fmt.Fprintln(stderr, "(if they live on the machines that run carekey, check again with --secrets-elsewhere)")
			return 1
		}
	}
	if err != nil {
		return 1
	}
	fmt.Fprintf(stdout, "%s: ok\n", path)
	return 0
}

// loadFlags parses --config and loads and validates the file for mode.
func loadFlags(name string, args []string, mode config.Mode, def string, stderr io.Writer) (*config.Config, int) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", def, "configuration file")
	port := new(int)
	if mode == config.ModeDev {
		fs.IntVar(port, "port", 0, "serve on this loopback port and the dashboard on the next (moves the issuer and the dashboard client's URIs with them)")
	}
	if err := fs.Parse(args); err != nil {
		return nil, 2
	}
	if *path == "" {
		fmt.Fprintf(stderr, "idp %s: --config FILE is required\n", name)
		return nil, 2
	}
	cfg, err := config.Check(*path, config.Options{Env: os.Getenv, DevPort: *port}, mode)
	if err != nil {
		fmt.Fprintf(stderr, "idp %s: %s: %v\n", name, *path, err)
		return nil, 1
	}
	return cfg, 0
}

func serve(ctx context.Context, args []string, mode config.Mode, def string, stdout, stderr io.Writer) int {
	name := "serve"
	if mode == config.ModeDev {
		name = "dev"
	}
	cfg, code := loadFlags(name, args, mode, def, stderr)
	if cfg == nil {
		return code
	}
	logger := newLogger(cfg.Log, stderr)
	// Libraries that log through process-wide loggers write our JSON with
	// request IDs: zitadel/oidc's op logs through slog.Default (its
	// WithLogger option is a no-op), the standard log package follows
	// slog.SetDefault, and go-redis has one global logger. They are global,
	// so main sets them, once, before anything starts.
	slog.SetDefault(logger)
	redis.SetLogger(app.RedisLogger(logger))
	a, err := app.New(ctx, app.Options{Config: cfg, Mode: mode, Logger: logger, Out: stdout})
	if err != nil {
		logger.Error("start", "err", err)
		return 1
	}
	defer a.Close()
	if err := a.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		logger.Error("run", "err", err)
		return 1
	}
	return 0
}

func newLogger(c config.Log, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.Level))
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "text" {
		return slog.New(requestid.NewHandler(slog.NewTextHandler(w, opts)))
	}
	return slog.New(requestid.NewHandler(slog.NewJSONHandler(w, opts)))
}
