package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/carekey/carekey/internal/app"
	"github.com/carekey/carekey/internal/config"
)

const importUsage = `usage:
  idp import b2c EXPORT.jsonl --config FILE [--dry-run]
      users from an Azure AD B2C export (Graph user objects, one a line; docs/migrating-from-b2c.md),
      keyed by object ID: running it again changes nothing
`

// importCmd runs `idp import b2c`: it prints how many users were created,
// left unchanged (imported before) and refused, and each refused line with
// its reason. Exit 1 when any line was refused (the others are imported),
// 2 on a usage error.
func importCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "b2c" {
		fmt.Fprint(stderr, importUsage)
		return 2
	}
	fs := flag.NewFlagSet("import b2c", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "configuration file")
	dryRun := fs.Bool("dry-run", false, "check every line and report what would be created; write nothing")
	// Flags may come before or after the file: idp import b2c FILE --dry-run.
	var files []string
	for rest := args[1:]; ; {
		if err := fs.Parse(rest); err != nil {
			return 2
		}
		if fs.NArg() == 0 {
			break
		}
		files, rest = append(files, fs.Arg(0)), fs.Args()[1:]
	}
	if *path == "" || len(files) != 1 {
		fmt.Fprint(stderr, importUsage)
		return 2
	}
	export := files[0]
	cfg, err := config.Check(*path, config.Options{Env: os.Getenv}, config.ModeServe)
	if err != nil {
		fmt.Fprintf(stderr, "idp import b2c: %s: %v\n", *path, err)
		return 1
	}
	f, err := os.Open(export)
	if err != nil {
		fmt.Fprintln(stderr, "idp import b2c:", err)
		return 1
	}
	defer f.Close()
	rep, err := app.ImportB2C(ctx, cfg, f, *dryRun)
	for _, r := range rep.Refused {
		fmt.Fprintf(stdout, "%s: refused: %s\n", export, r)
	}
	would := ""
	if rep.DryRun {
		would = "dry run, nothing written: "
	}
	fmt.Fprintf(stdout, "%s: %s%d created, %d unchanged (imported before), %d refused\n", export, would, rep.Created, rep.Unchanged, len(rep.Refused))
	if err != nil {
		fmt.Fprintln(stderr, "idp import b2c:", err)
		return 1
	}
	if len(rep.Refused) > 0 {
		return 1
	}
	return 0
}
