package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
	Elapsed float64
}

// summary is what a run of go test came to.
type summary struct {
	passed, failed, skipped int
	skippedTests            []string
	failedPackages          []string
}

func main() {
	noSkip := flag.Bool("no-skip", false, "exit 1 if any test skipped")
	flag.Parse()
	s, err := summarise(os.Stdin, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		os.Exit(1)
	}
	if s.failed > 0 || len(s.failedPackages) > 0 || (*noSkip && s.skipped > 0) {
		if *noSkip && s.skipped > 0 {
			fmt.Println("FAIL: tests skipped where none may (a missing service?)")
		}
		os.Exit(1)
	}
}

// summarise reads go test -json events from r and writes the report to w.
func summarise(r io.Reader, w io.Writer) (summary, error) {
	var s summary
	output := map[string][]string{} // package + "\x00" + test → its output lines
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if err := json.Unmarshal(line, &e); err != nil || e.Action == "" {
			fmt.Fprintln(w, string(line)) // not an event: build output, say
			continue
		}
		key := e.Package + "\x00" + e.Test
		switch e.Action {
		case "output":
			output[key] = append(output[key], e.Output)
		case "pass":
			if e.Test != "" {
				s.passed++
			} else {
				fmt.Fprintf(w, "ok  \t%s\t%.3fs\n", e.Package, e.Elapsed)
			}
			delete(output, key)
		case "skip":
			if e.Test != "" {
				s.skipped++
				s.skippedTests = append(s.skippedTests, e.Package+" "+e.Test+": "+skipReason(output[key]))
			} else {
				fmt.Fprintf(w, "?   \t%s\t[no test files]\n", e.Package)
			}
			delete(output, key)
		case "fail":
			if e.Test != "" {
				s.failed++
			} else {
				s.failedPackages = append(s.failedPackages, e.Package)
			}
			fmt.Fprint(w, strings.Join(output[key], ""))
			if e.Test == "" {
				fmt.Fprintf(w, "FAIL\t%s\t%.3fs\n", e.Package, e.Elapsed)
			}
			delete(output, key)
		}
	}
	if err := sc.Err(); err != nil {
		return s, fmt.Errorf("read go test -json: %w", err)
	}
	// Skips are grouped by their reason (a missing service skips dozens).
	byReason := map[string][]string{}
	var reasons []string
	for _, t := range s.skippedTests {
		name, reason, _ := strings.Cut(t, ": ")
		if i := strings.Index(reason, ": "); i > 0 && strings.Contains(reason[:i], ".go:") {
			reason = reason[i+2:] // drop the file:line
		}
		if byReason[reason] == nil {
			reasons = append(reasons, reason)
		}
		byReason[reason] = append(byReason[reason], name)
	}
	slices.Sort(reasons)
	for _, r := range reasons {
		names := byReason[r]
		slices.Sort(names)
		if len(names) <= 3 {
			fmt.Fprintf(w, "skipped: %s (%s)\n", strings.Join(names, ", "), r)
		} else {
			fmt.Fprintf(w, "skipped: %d tests (%s), among them %s\n", len(names), r, strings.Join(names[:3], ", "))
		}
	}
	fmt.Fprintf(w, "%d passed, %d failed, %d skipped\n", s.passed, s.failed, s.skipped)
	return s, nil
}

// skipReason is the last line a skipped test logged (its t.Skip message).
func skipReason(lines []string) string {
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		if l != "" && !strings.HasPrefix(l, "=== ") && !strings.HasPrefix(l, "--- SKIP") {
			return l
		}
	}
	return "(no reason given)"
}
