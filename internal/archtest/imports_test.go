package archtest

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"testing"
)

// A rule limits what the packages it covers may import.
//
// Patterns are import paths compared element by element with path.Match, so a
// "*" stays within one element; a final "/..." also matches every package
// below. A module pattern that matches no package fails
// TestRulesNameRealPackages: a rule about a package that is not there checks
// nothing.
type rule struct {
	name   string
	from   []string // the packages the rule covers
	except []string // covered packages that are excused
	direct bool     // look only at direct imports, not every dependency

	// Either ban lists imports the packages must not have, each with its
	// reason, or only (when not nil) lists the non-standard imports they
	// may have, and why says why nothing else is allowed.
	ban  []banned
	only []string
	why  string
}

type banned struct {
	pattern string
	why     string
}

// A violation is one import a rule forbids.
type violation struct {
	rule, pkg, dep string
	why            string
	via            []string // the packages between pkg and dep, for a dependency
}

func (v violation) String() string {
	verb := "imports"
	if len(v.via) > 0 {
		verb = "depends on"
	}
	s := rel(v.pkg) + " " + verb + " " + rel(v.dep)
	if len(v.via) > 0 {
		s += " (via " + strings.Join(mapSlice(v.via, rel), " → ") + ")"
	}
	return "[" + v.rule + "] " + s + ": " + v.why
}

const (
	whyBackend = "only internal/app chooses a backend; everything else works through the contracts " +
		"(store, flow, session, authstate), so the same code runs on memory in dev and on PostgreSQL and Redis in production"
	whyJourneyHTTP = "journey services return typed results and know nothing of HTTP: " +
		"internal/web turns them into pages and redirects"
	whyJourneyBackend = "journey services use the contracts and small consumer interfaces; " +
		"only internal/app chooses a backend"
	whyJourneyOther = "journeys are separate state machines and never call each other: " +
		"share code through a contract or a small package both import"
	whyShared = "internal/onetimecode is the small package the journeys share for their codes: " +
		"it knows no journey, no HTTP and no backend, only the flow it puts a code on"
)

// rules returns design.md §2's import rules.
func rules() []rule {
	// The storage implementations only internal/app may choose.
	backends := []string{
		"internal/store/postgres",
		"internal/store/memstore",
		"internal/session/redissession",
		"internal/session/memsession",
		"internal/flow/redisflow",
		"internal/flow/memflow",
		"internal/authstate/redisauth",
		"internal/authstate/memauth",
		"internal/ratelimit/redislimit",
		"internal/ratelimit/memlimit",
		"internal/notify/smtp",
		"internal/notify/govuknotify",
		"internal/notify/twilio",
		"internal/notify/httpsms",
		"internal/notify/outbox",
	}
	// (design.md §2 named an "audit" contract and an "enrolment" journey:
	// audit events are part of the store contract, and phone enrolment is a
	// step of sign-in. TestRulesNameRealPackages keeps this list honest.)
	contracts := []string{"store", "flow", "session", "authstate", "notify", "ratelimit"}
	journeys := []string{"registration", "signin", "recovery"}

	rs := []rule{{
		name: "pkg is public",
		from: []string{mod("pkg/...")},
		ban: []banned{{mod("internal/..."),
			"pkg/ is for relying parties and the admin client outside this module, which cannot import internal/"}},
	}, {
		name: "contracts stay plain",
		from: mapSlice(contracts, func(c string) string { return mod("internal/" + c) }),
		only: []string{mod("internal/clock"), mod("pkg/claims"), mod("pkg/text")},
		why: "a contract is the seam every backend and journey shares: " +
			"it may use only the standard library, internal/clock, pkg/claims and pkg/text (the words it carries), never a backend, driver or library",
	}, {
		name:   "only app picks backends",
		from:   []string{mod("...")},
		except: []string{mod("internal/app/..."), mod("cmd/...")},
		ban:    mapSlice(backends, func(b string) banned { return banned{mod(b), whyBackend} }),
	}, {
		name:   "only oidcop uses op",
		from:   []string{mod("...")},
		except: []string{mod("internal/oidcop/...")},
		direct: true,
		ban: []banned{{"github.com/zitadel/oidc/v3/pkg/op/...",
			"internal/oidcop is the one adapter to zitadel/oidc's provider; " +
				"the rest of carekey must not depend on op's Storage interfaces or types"}},
	}, {
		name:   "only web and adminapi route",
		from:   []string{mod("...")},
		except: []string{mod("internal/web/..."), mod("internal/adminapi/...")},
		direct: true,
		ban: []banned{{"github.com/gorilla/mux/...",
			"routing belongs to the HTTP layer (internal/web, internal/adminapi); other packages expose handlers or services"}},
	}, {
		name:   "dashboard is a plain relying party",
		from:   []string{mod("internal/dashboard/...")},
		direct: true,
		only: []string{
			mod("internal/dashboard/..."),
			mod("pkg/claims"),
			mod("pkg/text"),
			"github.com/coreos/go-oidc/v3/...",
			"golang.org/x/oauth2/...",
		},
		why: "the dashboard is the reference relying party: it must be built only from what " +
			"any council's app could use (the standard library, pkg/claims and pkg/text, an OIDC client), never carekey's internals",
	}, {
		name: "the catalogue is a leaf",
		from: []string{mod("pkg/text")},
		only: []string{},
		why: "pkg/text holds words and picks a language; contracts, pages, the dashboard and council apps " +
			"all use it, so it may use only the standard library",
	}}

	// The accounts service is a service like the journeys: no HTTP, no backend.
	rs = append(rs, rule{
		name: "accounts service stands alone",
		from: []string{mod("internal/accounts/...")},
		ban: []banned{
			{"net/http", "internal/accounts returns typed results; internal/adminapi is its HTTP face"},
			{"net/http/...", "internal/accounts returns typed results; internal/adminapi is its HTTP face"},
			{mod("internal/store/postgres/..."), whyJourneyBackend},
			{mod("internal/store/memstore/..."), whyJourneyBackend},
			{"github.com/jackc/pgx/...", whyJourneyBackend},
		},
	})

	for _, j := range journeys {
		r := rule{
			name: "journey " + j + " stands alone",
			from: []string{mod("internal/" + j + "/...")},
			ban: []banned{
				{"net/http", whyJourneyHTTP},
				{"net/http/...", whyJourneyHTTP},
				{mod("internal/store/postgres/..."), whyJourneyBackend},
				{mod("internal/store/memstore/..."), whyJourneyBackend},
				{mod("internal/*/redis*/..."), whyJourneyBackend},
				{mod("internal/*/mem*/..."), whyJourneyBackend},
				{"github.com/redis/go-redis/...", whyJourneyBackend},
				{"github.com/jackc/pgx/...", whyJourneyBackend},
			},
		}
		for _, other := range journeys {
			if other != j {
				r.ban = append(r.ban, banned{mod("internal/" + other + "/..."), whyJourneyOther})
			}
		}
		rs = append(rs, r)
	}

	shared := rule{
		name: "onetimecode serves every journey",
		from: []string{mod("internal/onetimecode/...")},
		ban: []banned{
			{"net/http", whyShared},
			{"net/http/...", whyShared},
			{mod("internal/store/postgres/..."), whyShared},
			{mod("internal/*/redis*/..."), whyShared},
			{mod("internal/*/mem*/..."), whyShared},
		},
	}
	for _, j := range journeys {
		shared.ban = append(shared.ban, banned{mod("internal/" + j + "/..."), whyShared})
	}
	return append(rs, shared)
}

// TestImportRules checks the module's packages against rules(), using the
// non-test imports `go list -deps` reports.
func TestImportRules(t *testing.T) {
	pkgs := goList(t, "-deps", "./...")
	for _, p := range pkgs {
		if p.Error != nil {
			t.Errorf("go list cannot load %s, so its imports are unchecked: %s", rel(p.ImportPath), p.Error.Err)
		}
	}
	for _, v := range check(pkgs, rules()) {
		t.Error(v)
	}
}

// TestRulesNameRealPackages: a rule that names a package of this module that
// does not exist checks nothing, silently (design.md once named packages that
// were never written). Every module pattern in every rule must match a
// package.
func TestRulesNameRealPackages(t *testing.T) {
	var paths []string
	for _, p := range goList(t, "./...") {
		paths = append(paths, p.ImportPath)
	}
	for _, msg := range unmatched(rules(), paths) {
		t.Error(msg)
	}
}

// unmatched returns a message for every pattern of this module, in any part
// of rules, that matches none of paths (the module's packages).
func unmatched(rules []rule, paths []string) []string {
	var out []string
	for _, r := range rules {
		patterns := slices.Concat(r.from, r.except, r.only)
		for _, b := range r.ban {
			patterns = append(patterns, b.pattern)
		}
		for _, pat := range patterns {
			if !strings.HasPrefix(pat, mod("")) {
				continue // outside the module: the standard library, a dependency
			}
			if !slices.ContainsFunc(paths, func(p string) bool { return match(pat, p) }) {
				out = append(out, fmt.Sprintf("rule %q names %s, which matches no package of the module", r.name, rel(pat)))
			}
		}
	}
	return out
}

// check returns every import in pkgs that one of rules forbids.
func check(pkgs []pkg, rules []rule) []violation {
	byPath := make(map[string]pkg, len(pkgs))
	for _, p := range pkgs {
		byPath[p.ImportPath] = p
	}
	var out []violation
	for _, r := range rules {
		for _, p := range pkgs {
			if !matchAny(r.from, p.ImportPath) || matchAny(r.except, p.ImportPath) {
				continue
			}
			deps := p.Deps
			if r.direct {
				deps = p.Imports
			}
			for _, d := range deps {
				why, bad := r.forbids(d)
				if !bad {
					continue
				}
				v := violation{rule: r.name, pkg: p.ImportPath, dep: d, why: why}
				if chain := importChain(byPath, p.ImportPath, d); len(chain) > 2 {
					v.via = chain[1 : len(chain)-1]
				}
				// Name only the first forbidden package on the way: net/http,
				// not also each of its internals.
				if slices.ContainsFunc(v.via, func(d string) bool { _, bad := r.forbids(d); return bad }) {
					continue
				}
				out = append(out, v)
			}
		}
	}
	return out
}

// forbids reports whether r forbids importing dep, and why.
func (r rule) forbids(dep string) (string, bool) {
	if r.only != nil {
		if isStd(dep) || matchAny(r.only, dep) {
			return "", false
		}
		return r.why, true
	}
	for _, b := range r.ban {
		if match(b.pattern, dep) {
			return b.why, true
		}
	}
	return "", false
}

// isStd reports whether importPath belongs to the standard library: its
// first element has no dot (as cmd/go decides; includes "C" and vendor/...).
func isStd(importPath string) bool {
	first, _, _ := strings.Cut(importPath, "/")
	return !strings.Contains(first, ".")
}

// match reports whether importPath matches pattern (see rule).
func match(pattern, importPath string) bool {
	pe := strings.Split(pattern, "/")
	ie := strings.Split(importPath, "/")
	if pe[len(pe)-1] == "..." {
		pe = pe[:len(pe)-1]
		if len(ie) < len(pe) {
			return false
		}
		ie = ie[:len(pe)]
	} else if len(ie) != len(pe) {
		return false
	}
	for i := range pe {
		if ok, err := path.Match(pe[i], ie[i]); err != nil || !ok {
			return false
		}
	}
	return true
}

func matchAny(patterns []string, importPath string) bool {
	return slices.ContainsFunc(patterns, func(p string) bool { return match(p, importPath) })
}

// importChain returns a shortest chain of direct imports from one package to
// another, both ends included, or nil if pkgs shows none.
func importChain(pkgs map[string]pkg, from, to string) []string {
	prev := map[string]string{from: ""}
	queue := []string{from}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		if cur == to {
			var chain []string
			for ; cur != from; cur = prev[cur] {
				chain = append(chain, cur)
			}
			chain = append(chain, from)
			slices.Reverse(chain)
			return chain
		}
		for _, next := range pkgs[cur].Imports {
			if _, seen := prev[next]; !seen {
				prev[next] = cur
				queue = append(queue, next)
			}
		}
	}
	return nil
}

func mapSlice[T, U any](s []T, f func(T) U) []U {
	out := make([]U, len(s))
	for i, v := range s {
		out[i] = f(v)
	}
	return out
}
