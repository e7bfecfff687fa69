// Command testsummary reads `go test -json` on standard input and prints what
// a person reading a CI log needs: each package's result line, the whole
// output of every failed test or package, the names of skipped tests, and one
// closing line "N passed, N failed, N skipped" counting tests and subtests.
// It exits 1 if anything failed, or if a test skipped under -no-skip (CI,
// where a skip means a missing service).
//
//	go test -json ./... | go run ./internal/tools/testsummary -no-skip
package main
