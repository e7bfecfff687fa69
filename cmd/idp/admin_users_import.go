package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/carekey/carekey/pkg/adminclient"
)

// importUsers runs `idp admin users import FILE.csv`: it checks the whole
// file first (a bad row stops it before anything is sent), then creates the
// users through POST /users/import in batches of
// adminclient.MaxUserImportBatch; the server hashes each batch's passwords
// in parallel. Users whose email is taken are left as they are, so the
// command may be run again. Rows the server refuses (the password policy,
// the phone number) are listed with their line, and the exit code is 1.
func (c *adminCmd) importUsers(ctx context.Context, path string, dryRun bool) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	rows, bad, err := adminclient.ParseUsersCSV(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if stop, err := c.checked(path, bad, len(rows), dryRun); stop { // admin.go
		return err
	}
	counts := map[string]int{}
	for start := 0; start < len(rows); start += adminclient.MaxUserImportBatch {
		batch := rows[start:min(start+adminclient.MaxUserImportBatch, len(rows))]
		users := make([]adminclient.UserImport, len(batch))
		for i, r := range batch {
			users[i] = r.UserImport
		}
		results, err := c.client.ImportUsers(ctx, users)
		if err != nil {
			return fmt.Errorf("lines %d-%d: %w (%d created before)", batch[0].Line, batch[len(batch)-1].Line, err, counts[adminclient.ImportCreated])
		}
		for i, res := range results {
			counts[res.Status]++
			if res.Status == adminclient.ImportInvalid {
				var reasons []string
				for _, e := range res.Errors {
					reasons = append(reasons, e.Field+": "+e.Message)
				}
				fmt.Fprintf(c.out, "%s: %v\n", path, adminclient.RowError{Line: batch[i].Line, Reason: strings.Join(reasons, "; ")})
			}
		}
	}
	fmt.Fprintf(c.out, "%s: %d user(s) created, %d already there (unchanged), %d refused\n", path,
		counts[adminclient.ImportCreated], counts[adminclient.ImportExists], counts[adminclient.ImportInvalid])
	if counts[adminclient.ImportInvalid] > 0 {
		return fmt.Errorf("%d row(s) refused, the others imported: fix those rows and run again (users already there stay as they are)",
			counts[adminclient.ImportInvalid])
	}
	return nil
}
