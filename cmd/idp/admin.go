package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/carekey/carekey/pkg/adminclient"
)

const adminUsage = `usage: idp admin COMMAND [flags]

  accounts list [--source S] [--limit N]
  accounts put --source S --ref REF --name NAME [--birthdate YYYY-MM-DD]
  grants list USER
  grants add USER ACCOUNT_ID --relationship REL [--expires-at RFC3339]
  grants revoke USER ACCOUNT_ID
  users find EMAIL
  users reset-phone USER
  users unlock USER
  users remove-app USER               remove the authenticator app; signs the user out everywhere
  users import FILE.csv [--dry-run]   email,forename,surname,phone,password
  import FILE.csv [--dry-run]
  audit list [--user USER] [--type T] [--since RFC3339] [--until RFC3339] [--after ID] [--limit N]

USER is a user ID (usr_…) or an email address.
Flags of every command (and their environment variables):
  --issuer URL               IDP_ADMIN_ISSUER (default http://localhost:8080)
  --client-id ID             IDP_ADMIN_CLIENT_ID (default dev-admin)
  --client-secret-file FILE  or IDP_ADMIN_CLIENT_SECRET; dev-admin's published
                             dev secret if neither is set and the client is dev-admin
  --output json|table        (default table)
`

// devAdminSecret is dev-admin's secret, published in configs/dev.yaml.
const devAdminSecret = "dev-admin-secret-not-for-production"

// adminCmd is one run of `idp admin`.
type adminCmd struct {
	client *adminclient.Client
	out    io.Writer
	json   bool
	now    func() time.Time
}

// admin runs `idp admin …` against a running carekey's admin API.
func admin(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, adminUsage)
		return 2
	}
	name := args[0]
	args = args[1:]
	if name != "import" {
		if len(args) == 0 {
			fmt.Fprint(stderr, adminUsage)
			return 2
		}
		name += " " + args[0]
		args = args[1:]
	}
	fs := flag.NewFlagSet("idp admin "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, adminUsage) }
	issuer := fs.String("issuer", envOr(getenv, "IDP_ADMIN_ISSUER", "http://localhost:8080"), "carekey's issuer URL")
	clientID := fs.String("client-id", envOr(getenv, "IDP_ADMIN_CLIENT_ID", "dev-admin"), "admin client ID")
	secretFile := fs.String("client-secret-file", "", "file holding the client secret")
	output := fs.String("output", "table", "json or table")
	source := fs.String("source", "", "source system of the account")
	ref := fs.String("ref", "", "external reference of the account")
	accName := fs.String("name", "", "display name of the account")
	birthdate := fs.String("birthdate", "", "date of birth, YYYY-MM-DD")
	limit := fs.Int("limit", 0, "accounts or audit events per page (default 100)")
	relationship := fs.String("relationship", "", `relationship of the user to the account ("child", "self", …)`)
	expiresAt := fs.String("expires-at", "", "when the grant ends, RFC 3339")
	dryRun := fs.Bool("dry-run", false, "check the file and change nothing")
	audit := auditFlags(fs) // admin_audit.go
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return 2
	}
	if *output != "table" && *output != "json" {
		fmt.Fprintln(stderr, "idp admin: --output must be json or table")
		return 2
	}
	secret := getenv("IDP_ADMIN_CLIENT_SECRET")
	if *secretFile != "" {
		b, err := os.ReadFile(*secretFile)
		if err != nil {
			fmt.Fprintln(stderr, "idp admin: read client secret:", err)
			return 1
		}
		secret = strings.TrimSpace(string(b))
	}
	if secret == "" && *clientID == "dev-admin" {
		secret = devAdminSecret
	}
	if secret == "" {
		fmt.Fprintln(stderr, "idp admin: no client secret: use --client-secret-file or IDP_ADMIN_CLIENT_SECRET")
		return 2
	}
	c := &adminCmd{
		client: adminclient.New(ctx, adminclient.Config{Issuer: *issuer, ClientID: *clientID, ClientSecret: secret}),
		out:    stdout, json: *output == "json", now: time.Now,
	}
	want := func(n int, what string) bool {
		if len(pos) != n {
			fmt.Fprintf(stderr, "idp admin %s: want %s\n", name, what)
			return false
		}
		return true
	}
	switch name {
	case "accounts list":
		if !want(0, "no arguments") {
			return 2
		}
		err = c.listAccounts(ctx, *source, *limit)
	case "accounts put":
		if !want(0, "no arguments, only flags") {
			return 2
		}
		err = c.putAccount(ctx, *source, *ref, adminclient.AccountInput{Name: *accName, Birthdate: *birthdate})
	case "grants list":
		if !want(1, "USER") {
			return 2
		}
		err = c.listGrants(ctx, pos[0])
	case "grants add":
		if !want(2, "USER ACCOUNT_ID") {
			return 2
		}
		in := adminclient.GrantInput{Relationship: *relationship}
		if *expiresAt != "" {
			t, perr := time.Parse(time.RFC3339, *expiresAt)
			if perr != nil {
				fmt.Fprintln(stderr, "idp admin: --expires-at: must be RFC 3339, such as 2026-03-31T23:59:59Z")
				return 2
			}
			in.ExpiresAt = &t
		}
		err = c.addGrant(ctx, pos[0], pos[1], in)
	case "grants revoke":
		if !want(2, "USER ACCOUNT_ID") {
			return 2
		}
		err = c.revokeGrant(ctx, pos[0], pos[1])
	case "users find":
		if !want(1, "EMAIL") {
			return 2
		}
		err = c.findUser(ctx, pos[0])
	case "users reset-phone", "users unlock", "users remove-app":
		if !want(1, "USER") {
			return 2
		}
		err = c.userChore(ctx, strings.TrimPrefix(name, "users "), pos[0])
	case "audit list":
		if !want(0, "no arguments, only flags") {
			return 2
		}
		err = c.listAudit(ctx, audit, *limit)
	case "users import":
		if !want(1, "FILE.csv") {
			return 2
		}
		err = c.importUsers(ctx, pos[0], *dryRun) // admin_users_import.go
	case "import":
		if !want(1, "FILE.csv") {
			return 2
		}
		err = c.importCSV(ctx, pos[0], *dryRun)
	default:
		fmt.Fprint(stderr, adminUsage)
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "idp admin %s: %v\n", name, err)
		return 1
	}
	return 0
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

// parseInterleaved parses flags that may come before, between or after the
// positional arguments, and returns the positional ones.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// printJSON writes v as indented JSON.
func (c *adminCmd) printJSON(v any) error {
	enc := json.NewEncoder(c.out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// table writes rows under a header, in aligned columns.
func (c *adminCmd) table(header string, rows [][]string) error {
	tw := tabwriter.NewWriter(c.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.ReplaceAll(header, " ", "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func timeOrDash(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// userID resolves USER: an ID as is, an email through the API.
func (c *adminCmd) userID(ctx context.Context, user string) (string, error) {
	if !strings.Contains(user, "@") {
		return user, nil
	}
	us, err := c.client.FindUsers(ctx, user)
	if err != nil {
		return "", err
	}
	if len(us) == 0 {
		return "", fmt.Errorf("no user with email %s", user)
	}
	return us[0].ID, nil
}

func (c *adminCmd) listAccounts(ctx context.Context, source string, limit int) error {
	var all []adminclient.Account
	opts := adminclient.ListOptions{Source: source, Limit: limit}
	for {
		page, err := c.client.ListAccounts(ctx, opts)
		if err != nil {
			return err
		}
		all = append(all, page.Accounts...)
		if page.Next == "" || limit > 0 { // --limit: one page
			break
		}
		opts.After = page.Next
	}
	if c.json {
		return c.printJSON(all)
	}
	rows := make([][]string, len(all))
	for i, a := range all {
		rows[i] = []string{a.ID, a.Name, orDash(a.Birthdate), a.Source, a.ExternalRef}
	}
	return c.table("ID NAME BIRTHDATE SOURCE EXTERNAL_REF", rows)
}

func (c *adminCmd) putAccount(ctx context.Context, source, ref string, in adminclient.AccountInput) error {
	a, created, err := c.client.PutAccount(ctx, source, ref, in)
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(a)
	}
	verb := "updated"
	if created {
		verb = "created"
	}
	_, err = fmt.Fprintf(c.out, "%s account %s (%s)\n", verb, a.ID, a.Name)
	return err
}

func (c *adminCmd) printGrants(gs []adminclient.Grant) error {
	if c.json {
		return c.printJSON(gs)
	}
	rows := make([][]string, len(gs))
	for i, g := range gs {
		state := "live"
		if !g.Live {
			state = "revoked"
			if g.RevokedAt == nil {
				state = "expired"
			}
		}
		rows[i] = []string{g.AccountID, g.Relationship, state, g.GrantedBy, g.GrantedAt.UTC().Format(time.RFC3339), timeOrDash(g.ExpiresAt)}
	}
	return c.table("ACCOUNT RELATIONSHIP STATE GRANTED_BY GRANTED_AT EXPIRES_AT", rows)
}

func (c *adminCmd) listGrants(ctx context.Context, user string) error {
	id, err := c.userID(ctx, user)
	if err != nil {
		return err
	}
	gs, err := c.client.ListGrants(ctx, id)
	if err != nil {
		return err
	}
	return c.printGrants(gs)
}

func (c *adminCmd) addGrant(ctx context.Context, user, accountID string, in adminclient.GrantInput) error {
	id, err := c.userID(ctx, user)
	if err != nil {
		return err
	}
	g, created, err := c.client.PutGrant(ctx, id, accountID, in)
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(g)
	}
	if !created {
		_, err = fmt.Fprintf(c.out, "%s already manages %s (%s): nothing changed\n", id, accountID, g.Relationship)
		return err
	}
	_, err = fmt.Fprintf(c.out, "granted %s to %s as %s\n", accountID, id, g.Relationship)
	return err
}

func (c *adminCmd) revokeGrant(ctx context.Context, user, accountID string) error {
	id, err := c.userID(ctx, user)
	if err != nil {
		return err
	}
	g, err := c.client.RevokeGrant(ctx, id, accountID)
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(g)
	}
	_, err = fmt.Fprintf(c.out, "revoked %s from %s\n", accountID, id)
	return err
}

func (c *adminCmd) printUsers(us []adminclient.User) error {
	if c.json {
		return c.printJSON(us)
	}
	rows := make([][]string, len(us))
	for i, u := range us {
		phone := "no"
		if u.PhoneEnrolled {
			phone = "yes"
		}
		rows[i] = []string{u.ID, u.Email, strings.TrimSpace(u.GivenName + " " + u.FamilyName), phone, fmt.Sprint(u.FailedLogins), timeOrDash(u.LockedUntil)}
	}
	return c.table("ID EMAIL NAME PHONE FAILED_LOGINS LOCKED_UNTIL", rows)
}

func (c *adminCmd) findUser(ctx context.Context, email string) error {
	us, err := c.client.FindUsers(ctx, email)
	if err != nil {
		return err
	}
	if len(us) == 0 {
		return fmt.Errorf("no user with email %s", email)
	}
	return c.printUsers(us)
}

func (c *adminCmd) userChore(ctx context.Context, chore, user string) error {
	id, err := c.userID(ctx, user)
	if err != nil {
		return err
	}
	var u adminclient.User
	switch chore {
	case "reset-phone":
		u, err = c.client.ResetPhone(ctx, id)
	case "remove-app":
		u, err = c.client.RemoveApp(ctx, id)
	default:
		u, err = c.client.Unlock(ctx, id)
	}
	if err != nil {
		return err
	}
	return c.printUsers([]adminclient.User{u})
}

// checked reports a CSV's bad rows, or on a dry run its good ones; stop
// says whether to go no further, with err to return.
func (c *adminCmd) checked(path string, bad []adminclient.RowError, good int, dryRun bool) (stop bool, err error) {
	if len(bad) > 0 {
		for _, b := range bad {
			fmt.Fprintf(c.out, "%s: %v\n", path, b)
		}
		return true, fmt.Errorf("%d bad row(s): %w", len(bad), errBadRows)
	}
	if dryRun {
		_, err := fmt.Fprintf(c.out, "%s: %d row(s) OK; nothing changed (dry run)\n", path, good)
		return true, err
	}
	return false, nil
}

// errBadRows is returned when the CSV has bad rows (each already reported).
var errBadRows = errors.New("nothing imported: fix the rows above and run again")

// importCSV checks every row of the file (its fields, and that its user
// exists) and applies them only if all are good: each row puts its account,
// then grants it.
func (c *adminCmd) importCSV(ctx context.Context, path string, dryRun bool) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	rows, bad, err := adminclient.ParseGrantsCSV(f, c.now())
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	users := map[string]string{} // UserRef → user ID
	for _, r := range rows {
		if _, done := users[r.UserRef()]; done {
			continue
		}
		find := c.client.FindUsers
		key := r.Email
		if r.UserExternalID != "" {
			find, key = c.client.FindUsersByExternalID, r.UserExternalID
		}
		us, err := find(ctx, key)
		if err != nil {
			return fmt.Errorf("line %d: look up %s: %w", r.Line, key, err)
		}
		users[r.UserRef()] = ""
		if len(us) == 1 {
			users[r.UserRef()] = us[0].ID
		}
	}
	for _, r := range rows {
		if users[r.UserRef()] != "" {
			continue
		}
		field := "email"
		if r.UserExternalID != "" {
			field = "user_external_id"
		}
		bad = append(bad, adminclient.RowError{Line: r.Line, Reason: field + ": no user with " + r.UserRef()})
	}
	sortRowErrors(bad)
	if stop, err := c.checked(path, bad, len(rows), dryRun); stop {
		return err
	}
	var accountsNew, grantsNew int
	for _, r := range rows {
		acc, created, err := c.client.PutAccount(ctx, r.Source, r.ExternalRef, adminclient.AccountInput{Name: r.Name, Birthdate: r.Birthdate})
		if err != nil {
			return fmt.Errorf("line %d: put account: %w", r.Line, err)
		}
		if created {
			accountsNew++
		}
		_, created, err = c.client.PutGrant(ctx, users[r.UserRef()], acc.ID, adminclient.GrantInput{Relationship: r.Relationship, ExpiresAt: r.ExpiresAt})
		if err != nil {
			return fmt.Errorf("line %d: grant: %w", r.Line, err)
		}
		if created {
			grantsNew++
		}
	}
	_, err = fmt.Fprintf(c.out, "%s: %d row(s) imported: %d new account(s), %d new grant(s)\n", path, len(rows), accountsNew, grantsNew)
	return err
}

func sortRowErrors(bad []adminclient.RowError) {
	for i := 1; i < len(bad); i++ {
		for j := i; j > 0 && bad[j].Line < bad[j-1].Line; j-- {
			bad[j], bad[j-1] = bad[j-1], bad[j]
		}
	}
}
