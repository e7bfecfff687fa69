// Package archtest holds no code, only tests that keep carekey's shape as
// design.md §2 draws it. They run `go list` on the whole module and fail when
//
//   - a package under pkg/ imports anything under internal/;
//   - a contract package (store, flow, session, authstate, notify, ratelimit;
//     audit events are part of store) depends on anything but the standard
//     library, internal/clock and pkg/claims;
//   - a journey service (registration, signin, recovery) depends on
//     net/http, on a storage backend or driver, or on another journey;
//   - internal/onetimecode, the one-time codes the journeys share, depends
//     on a journey, on net/http or on a storage backend;
//   - a package other than internal/app or a command depends on a backend
//     (postgres, memstore, redissession, memsession, redisflow, memflow,
//     redisauth, memauth, redislimit, memlimit, and the senders smtp,
//     govuknotify, twilio, httpsms and outbox);
//   - a package other than internal/oidcop imports zitadel/oidc's op;
//   - a package other than internal/web or internal/adminapi imports gorilla/mux;
//   - internal/dashboard imports more than the standard library, pkg/claims,
//     go-oidc and x/oauth2 (it is the reference relying party, built from what
//     any council's app could use);
//   - a package has no package doc comment.
//
// Each banned import carries its reason in the rule table of imports_test.go,
// and a failure names the chain of imports that led to it:
//
//	go test ./internal/archtest/
//
// Only non-test dependencies count: a _test.go file may import anything.
// A rule that names a package of this module that does not exist fails
// TestRulesNameRealPackages: it would otherwise check nothing, silently.
package archtest
