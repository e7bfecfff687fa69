package browsertest

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// axeSource is axe-core's axe.min.js, embedded in the test binary only
// (testdata/axe/README.md names the version and how to update it).
//
//go:embed testdata/axe/axe.min.js
var axeSource string

// wcag22AA are the axe-core tags of the WCAG 2.0, 2.1 and 2.2 level A and AA
// success criteria: the bar design.md §7 sets.
var wcag22AA = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"}

// axeRun runs axe-core on the whole document and keeps, of each violation,
// what the report needs, and of each result axe could not decide, the rule
// and elements. %s is the JSON list of tags.
const axeRun = `axe.run(document, {runOnly: {type: "tag", values: %s}}).then(r => ({
	url: r.url,
	violations: r.violations.map(v => ({
		id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
		nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary})),
	})),
	incomplete: r.incomplete.map(v => v.id + " " + v.nodes.map(n => n.target.join(" >> ")).join(", ")),
}))`

// axeResults is what axeRun returns.
type axeResults struct {
	URL        string `json:"url"`
	Violations []struct {
		ID      string `json:"id"`
		Impact  string `json:"impact"`
		Help    string `json:"help"`
		HelpURL string `json:"helpUrl"`
		Nodes   []struct {
			Target  []any  `json:"target"` // CSS selectors; a nested list crosses a shadow root or frame
			Summary string `json:"summary"`
		} `json:"nodes"`
	} `json:"violations"`
	Incomplete []string `json:"incomplete"`
}

// injectAxe loads axe-core into the current page unless it is there already.
// The DevTools protocol's Runtime.evaluate is not subject to the page's
// Content-Security-Policy (script-src 'self'), so the pages are tested with
// the headers they are served with.
func injectAxe(t *testing.T, ctx context.Context) {
	t.Helper()
	loaded := get(t, ctx, "is axe-core loaded", chromedp.Evaluate[bool](`typeof window.axe === "object"`))
	if !loaded {
		run(t, ctx, "load axe-core", chromedp.Evaluate[chromedp.Void](axeSource))
	}
}

// scripts turns the page's JavaScript on or off.
func scripts(t *testing.T, ctx context.Context, on bool) {
	t.Helper()
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: !on}); err != nil {
		t.Fatalf("turn JavaScript on=%t: %v", on, err)
	}
}

// checkAccessibility runs axe-core against the page the browser shows and
// fails the test with every WCAG 2.2 A or AA violation: its rule, impact and
// help, the selectors of the elements at fault, and the page's URL. page
// names the page in the report. Results axe cannot decide ("needs review")
// are logged.
func checkAccessibility(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	if ctx.Value(noScriptKey{}) != nil {
		// axe-core waits on timers, which do not fire while the page's
		// scripts are off. Turning them on now runs none of the page's own
		// (those were skipped as it loaded) and changes nothing axe checks.
		scripts(t, ctx, true)
		defer scripts(t, ctx, false)
	}
	injectAxe(t, ctx)
	tags, err := json.Marshal(wcag22AA)
	if err != nil {
		t.Fatalf("encode axe tags: %v", err)
	}
	res := get(t, ctx, "run axe-core on "+page, chromedp.Evaluate[axeResults](fmt.Sprintf(axeRun, tags), chromedp.EvalAwaitPromise))
	for _, v := range res.Incomplete {
		t.Logf("axe-core: needs review on %s (%s): %s", page, res.URL, v)
	}
	if len(res.Violations) == 0 {
		return
	}
	var report strings.Builder
	for _, v := range res.Violations {
		fmt.Fprintf(&report, "\n  %s (%s): %s\n    %s", v.ID, v.Impact, v.Help, v.HelpURL)
		for _, node := range v.Nodes {
			fmt.Fprintf(&report, "\n    - %s", selectors(node.Target))
			if node.Summary != "" {
				fmt.Fprintf(&report, "\n      %s", strings.ReplaceAll(node.Summary, "\n", "\n      "))
			}
		}
	}
	t.Errorf("axe-core: %d WCAG 2.2 A/AA violation(s) on %s (%s):%s", len(res.Violations), page, res.URL, report.String())
}

// selectors formats an axe target: selectors joined by " >> " where the
// element lies in a shadow root or frame.
func selectors(target []any) string {
	parts := make([]string, 0, len(target))
	for _, s := range target {
		switch s := s.(type) {
		case string:
			parts = append(parts, s)
		case []any:
			parts = append(parts, selectors(s))
		default:
			parts = append(parts, fmt.Sprint(s))
		}
	}
	return strings.Join(parts, " >> ")
}
