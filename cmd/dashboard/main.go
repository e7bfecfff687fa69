// Command dashboard runs the reference relying party: the council's
// children's services dashboard, which signs users in at a carekey issuer.
//
// Settings come from flags, each defaulting to an environment variable:
//
//	-issuer             DASHBOARD_ISSUER              default http://localhost:8080
//	-client-id          DASHBOARD_CLIENT_ID           required
//	                    DASHBOARD_CLIENT_SECRET       the client secret (env only, kept out of ps)
//	-client-secret-file DASHBOARD_CLIENT_SECRET_FILE  or a file holding it
//	-base-url           DASHBOARD_BASE_URL            default http://localhost:8081
//	-addr               DASHBOARD_ADDR                default :8081
//	-council-name       DASHBOARD_COUNCIL_NAME        default Norfolk County Council
//	-service-name       DASHBOARD_SERVICE_NAME        default Children's Services Portal
//	-council-url        DASHBOARD_COUNCIL_URL         the breadcrumb trail's first page
//	-primary-color      DASHBOARD_PRIMARY_COLOR       header and buttons, default #1d70b8
//	-primary-text-color DASHBOARD_PRIMARY_TEXT_COLOR  text on them, default #ffffff
//	-link-color         DASHBOARD_LINK_COLOR          links, default the primary colour
//	-version            print the version and licence, then exit
//
// Cookies are marked Secure when the base URL is https. SIGINT or SIGTERM
// shuts the server down gracefully.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/carekey/carekey/internal/buildinfo"
	"github.com/carekey/carekey/internal/dashboard"
)

const shutdownTimeout = 10 * time.Second

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	slog.SetDefault(logger)
	if len(os.Args) == 2 && (os.Args[1] == "-version" || os.Args[1] == "--version" || os.Args[1] == "version") {
		fmt.Println(buildinfo.Line("dashboard"))
		return
	}
	if err := run(ctx, os.Args[1:], os.Getenv, logger, nil); err != nil {
		logger.Error("dashboard stopped", "err", err)
		os.Exit(1)
	}
}

// run serves the dashboard until ctx is done, then shuts down gracefully.
// If ready is not nil, it receives the listening address.
func run(ctx context.Context, args []string, getenv func(string) string, logger *slog.Logger, ready chan<- string) error {
	cfg, addr, err := parseConfig(args, getenv)
	if err != nil {
		return err
	}
	cfg.Logger = logger
	d, err := dashboard.New(cfg)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler:           d.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	logger.InfoContext(ctx, "dashboard listening", "addr", ln.Addr().String(),
		"base_url", cfg.BaseURL, "issuer", cfg.Issuer, "client_id", cfg.ClientID)
	if ready != nil {
		ready <- ln.Addr().String()
	}

	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("dashboard shutting down")
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// parseConfig reads flags and environment into a dashboard.Config and the
// listen address. The secret never comes from a flag.
func parseConfig(args []string, getenv func(string) string) (dashboard.Config, string, error) {
	env := func(k, def string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return def
	}
	fs := flag.NewFlagSet("dashboard", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	issuer := fs.String("issuer", env("DASHBOARD_ISSUER", "http://localhost:8080"), "carekey issuer URL")
	clientID := fs.String("client-id", env("DASHBOARD_CLIENT_ID", ""), "client ID at the issuer")
	secretFile := fs.String("client-secret-file", env("DASHBOARD_CLIENT_SECRET_FILE", ""), "file holding the client secret")
	baseURL := fs.String("base-url", env("DASHBOARD_BASE_URL", "http://localhost:8081"), "URL the dashboard is served at")
	addr := fs.String("addr", env("DASHBOARD_ADDR", ":8081"), "listen address")
	var brand dashboard.Branding // the same names and colours as carekey's branding config
	for _, f := range []struct {
		flag, env string
		into      *string
	}{
		{"council-name", "DASHBOARD_COUNCIL_NAME", &brand.CouncilName},
		{"service-name", "DASHBOARD_SERVICE_NAME", &brand.ServiceName},
		{"council-url", "DASHBOARD_COUNCIL_URL", &brand.CouncilURL},
		{"primary-color", "DASHBOARD_PRIMARY_COLOR", &brand.PrimaryColor},
		{"primary-text-color", "DASHBOARD_PRIMARY_TEXT_COLOR", &brand.PrimaryTextColor},
		{"link-color", "DASHBOARD_LINK_COLOR", &brand.LinkColor},
		{"phase-banner", "DASHBOARD_PHASE_BANNER", &brand.PhaseBanner},
		{"feedback-url", "DASHBOARD_FEEDBACK_URL", &brand.FeedbackURL},
	} {
		fs.StringVar(f.into, f.flag, env(f.env, ""), "branding: "+f.flag)
	}
	if err := fs.Parse(args); err != nil {
		return dashboard.Config{}, "", fmt.Errorf("parse flags: %w", err)
	}
	if fs.NArg() > 0 {
		return dashboard.Config{}, "", fmt.Errorf("unexpected arguments: %q", fs.Args())
	}

	secret := getenv("DASHBOARD_CLIENT_SECRET")
	if *secretFile != "" {
		if secret != "" {
			return dashboard.Config{}, "", errors.New("set DASHBOARD_CLIENT_SECRET or a client secret file, not both")
		}
		b, err := os.ReadFile(*secretFile)
		if err != nil {
			return dashboard.Config{}, "", fmt.Errorf("read client secret: %w", err)
		}
		secret = strings.TrimSpace(string(b))
		if secret == "" {
			return dashboard.Config{}, "", fmt.Errorf("client secret file %s is empty", *secretFile)
		}
	}
	return dashboard.Config{
		Issuer:        *issuer,
		ClientID:      *clientID,
		ClientSecret:  secret,
		BaseURL:       *baseURL,
		SecureCookies: strings.HasPrefix(*baseURL, "https://"),
		Branding:      brand,
	}, *addr, nil
}
