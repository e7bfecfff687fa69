package main

import (
	"encoding/csv"
	"flag"
	"fmt"
	"io"

	"github.com/carekey/carekey/pkg/text"
)

// textCmd runs `idp text review [--all]`: the catalogue as CSV (id, English,
// Welsh, reviewed) for a council's Welsh language officer, by default only
// the messages whose Welsh nobody has checked yet (docs/welsh.md).
func textCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "review" {
		fmt.Fprint(stderr, "usage: idp text review [--all]\n")
		return 2
	}
	fs := flag.NewFlagSet("text review", flag.ContinueOnError)
	fs.SetOutput(stderr)
	all := fs.Bool("all", false, "list every message, not only those whose Welsh wants review")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "idp text review: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	ids := text.WantsReview()
	wants := make(map[text.ID]bool, len(ids))
	for _, id := range ids {
		wants[id] = true
	}
	if *all {
		ids = text.IDs()
	}
	w := csv.NewWriter(stdout)
	_ = w.Write([]string{"id", "en", "cy", "reviewed"})
	for _, id := range ids {
		reviewed := "yes"
		if wants[id] {
			reviewed = "no"
		}
		_ = w.Write([]string{string(id), text.English.Get(id), text.Welsh.Get(id), reviewed})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		fmt.Fprintln(stderr, "idp text review:", err)
		return 1
	}
	return 0
}
