package archtest

import (
	"slices"
	"testing"
)

// fakeList turns a graph of direct imports into what `go list -deps` reports:
// every package, with its Imports and its transitive Deps.
func fakeList(graph map[string][]string) []pkg {
	var pkgs []pkg
	for p, imports := range graph {
		var deps []string
		seen := map[string]bool{}
		stack := slices.Clone(imports)
		for len(stack) > 0 {
			d := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if seen[d] {
				continue
			}
			seen[d] = true
			deps = append(deps, d)
			stack = append(stack, graph[d]...)
		}
		slices.Sort(deps)
		pkgs = append(pkgs, pkg{ImportPath: p, Imports: imports, Deps: deps})
	}
	slices.SortFunc(pkgs, func(a, b pkg) int { return cmpString(a.ImportPath, b.ImportPath) })
	return pkgs
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// TestRulesCatchViolations proves each rule fires on the import it bans and
// stays quiet on the imports the design allows, so that TestImportRules
// passing on the real tree means something.
func TestRulesCatchViolations(t *testing.T) {
	const (
		op      = "github.com/zitadel/oidc/v3/pkg/op"
		mux     = "github.com/gorilla/mux"
		pgx     = "github.com/jackc/pgx/v5"
		goredis = "github.com/redis/go-redis/v9"
		gooidc  = "github.com/coreos/go-oidc/v3/oidc"
		oauth2  = "golang.org/x/oauth2"
	)
	type found struct{ rule, pkg, dep string }
	for _, tc := range []struct {
		name    string
		have    map[string][]string // package → direct imports
		want    []found
		wantVia [][]string // optional: the via chain of each found, in order
	}{{
		name: "a tree that keeps the rules",
		have: map[string][]string{
			mod("pkg/claims"):               {"encoding/json"},
			mod("internal/clock"):           {"time"},
			mod("internal/store"):           {"context", mod("internal/clock"), mod("pkg/claims")},
			mod("internal/store/postgres"):  {mod("internal/store"), pgx},
			mod("internal/flow/redisflow"):  {goredis},
			mod("internal/signin"):          {mod("internal/store"), mod("internal/signin/states"), mod("internal/onetimecode")},
			mod("internal/onetimecode"):     {mod("internal/flow"), mod("internal/secret")},
			mod("internal/signin/states"):   {"fmt"},
			mod("internal/oidcop"):          {op, mod("internal/store")},
			mod("internal/web"):             {mux, "net/http", mod("internal/oidcop"), mod("internal/signin")},
			mod("internal/web/render"):      {mux},
			mod("internal/adminapi"):        {mux},
			mod("internal/app"):             {mod("internal/web"), mod("internal/store/postgres"), mod("internal/flow/redisflow")},
			mod("cmd/idp"):                  {mod("internal/app"), mod("internal/store/postgres")},
			mod("internal/dashboard"):       {"net/http", mod("pkg/claims"), gooidc, oauth2, mod("internal/dashboard/idle")},
			mod("internal/dashboard/idle"):  {"time"},
			mod("internal/store/storetest"): {mod("internal/store"), "testing"},
			op:                              {"net/http"},
			mux:                             {"net/http"},
			pgx:                             {"net"},
			goredis:                         {"net"},
			gooidc:                          {"net/http"},
			oauth2:                          {"net/http"},
		},
	}, {
		name: "pkg imports internal",
		have: map[string][]string{mod("pkg/claims"): {mod("internal/clock")}},
		want: []found{{"pkg is public", mod("pkg/claims"), mod("internal/clock")}},
	}, {
		name: "contract imports a driver",
		have: map[string][]string{mod("internal/store"): {"context", pgx}, pgx: {"net"}},
		want: []found{{"contracts stay plain", mod("internal/store"), pgx}},
	}, {
		name: "contract imports the fake clock",
		have: map[string][]string{mod("internal/session"): {mod("internal/clock/clocktest")}},
		want: []found{{"contracts stay plain", mod("internal/session"), mod("internal/clock/clocktest")}},
	}, {
		name: "contract reaches a library through another package",
		have: map[string][]string{
			mod("internal/flow"):   {mod("internal/secret")},
			mod("internal/secret"): {"golang.org/x/crypto/argon2"},
		},
		// Only the first forbidden package on the chain is named.
		want: []found{{"contracts stay plain", mod("internal/flow"), mod("internal/secret")}},
	}, {
		name: "journey reaches net/http through a helper",
		have: map[string][]string{
			mod("internal/recovery"): {mod("internal/helper")},
			mod("internal/helper"):   {"net/http"},
		},
		want:    []found{{"journey recovery stands alone", mod("internal/recovery"), "net/http"}},
		wantVia: [][]string{{mod("internal/helper")}},
	}, {
		name: "accounts service speaks HTTP",
		have: map[string][]string{mod("internal/accounts"): {"net/http"}},
		want: []found{{"accounts service stands alone", mod("internal/accounts"), "net/http"}},
	}, {
		name: "journey imports a memory backend",
		have: map[string][]string{mod("internal/registration"): {mod("internal/flow/memflow")}},
		want: []found{
			{"only app picks backends", mod("internal/registration"), mod("internal/flow/memflow")},
			{"journey registration stands alone", mod("internal/registration"), mod("internal/flow/memflow")},
		},
	}, {
		name: "journey imports a driver",
		have: map[string][]string{mod("internal/recovery"): {goredis}},
		want: []found{{"journey recovery stands alone", mod("internal/recovery"), goredis}},
	}, {
		name: "journey imports a backend not in the app list",
		have: map[string][]string{mod("internal/signin"): {mod("internal/ratelimit/redisrate")}},
		want: []found{{"journey signin stands alone", mod("internal/signin"), mod("internal/ratelimit/redisrate")}},
	}, {
		name: "journey imports another journey",
		have: map[string][]string{mod("internal/signin"): {mod("internal/recovery/states")}},
		want: []found{{"journey signin stands alone", mod("internal/signin"), mod("internal/recovery/states")}},
	}, {
		name: "the one-time code package imports a journey",
		have: map[string][]string{mod("internal/onetimecode"): {mod("internal/signin")}},
		want: []found{{"onetimecode serves every journey", mod("internal/onetimecode"), mod("internal/signin")}},
	}, {
		name: "web chooses a backend",
		have: map[string][]string{mod("internal/web"): {mod("internal/session/redissession")}},
		want: []found{{"only app picks backends", mod("internal/web"), mod("internal/session/redissession")}},
	}, {
		name: "web imports op",
		have: map[string][]string{mod("internal/web"): {op}},
		want: []found{{"only oidcop uses op", mod("internal/web"), op}},
	}, {
		name: "oidcop imports mux",
		have: map[string][]string{mod("internal/oidcop"): {mux}},
		want: []found{{"only web and adminapi route", mod("internal/oidcop"), mux}},
	}, {
		name: "dashboard imports carekey internals",
		have: map[string][]string{mod("internal/dashboard"): {"net/http", mod("internal/clock")}},
		want: []found{{"dashboard is a plain relying party", mod("internal/dashboard"), mod("internal/clock")}},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			var have []found
			var via [][]string
			for _, v := range check(fakeList(tc.have), rules()) {
				have = append(have, found{v.rule, v.pkg, v.dep})
				via = append(via, v.via)
				if v.why == "" {
					t.Errorf("%v has no reason", v)
				}
			}
			if !slices.Equal(have, tc.want) {
				t.Errorf("violations:\nhave %v\nwant %v", have, tc.want)
			}
			if tc.wantVia != nil && !slices.EqualFunc(via, tc.wantVia, slices.Equal) {
				t.Errorf("via:\nhave %v\nwant %v", via, tc.wantVia)
			}
		})
	}
}

// TestUnmatchedPatterns proves TestRulesNameRealPackages would fail: a rule
// naming a package the module does not have is reported, a pattern outside
// the module or one matching a real package is not.
func TestUnmatchedPatterns(t *testing.T) {
	paths := []string{mod("internal/flow"), mod("internal/flow/memflow"), mod("internal/signin")}
	rs := []rule{{
		name: "real",
		from: []string{mod("internal/flow/...")},
		ban:  []banned{{mod("internal/*/mem*/..."), "x"}, {"net/http", "x"}},
	}, {
		name:   "names a missing package",
		from:   []string{mod("internal/signin")},
		except: []string{mod("internal/enrolment/...")},
		only:   []string{mod("internal/audit")},
		ban:    []banned{{mod("internal/notify/smtp"), "x"}},
	}}
	want := []string{
		`rule "names a missing package" names internal/enrolment/..., which matches no package of the module`,
		`rule "names a missing package" names internal/audit, which matches no package of the module`,
		`rule "names a missing package" names internal/notify/smtp, which matches no package of the module`,
	}
	if have := unmatched(rs, paths); !slices.Equal(have, want) {
		t.Errorf("unmatched:\nhave %q\nwant %q", have, want)
	}
}

func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		pattern, path string
		want          bool
	}{
		{"net/http", "net/http", true},
		{"net/http", "net/http/httptest", false},
		{"net/http/...", "net/http", true},
		{"net/http/...", "net/http/httptest", true},
		{"net/http/...", "net/httpx", false},
		{"net/http/...", "net", false},
		{mod("internal/*/mem*/..."), mod("internal/flow/memflow"), true},
		{mod("internal/*/mem*/..."), mod("internal/flow/memflow/sub"), true},
		{mod("internal/*/mem*/..."), mod("internal/memflow"), false},
		{mod("internal/*/redis*"), mod("internal/session/redissession"), true},
		{mod("..."), mod("cmd/idp"), true},
		{mod("..."), "github.com/carekey/other", false},
	} {
		if have := match(tc.pattern, tc.path); have != tc.want {
			t.Errorf("match(%q, %q) = %v, want %v", tc.pattern, tc.path, have, tc.want)
		}
	}
}
