package main

import (
	"bytes"
	"strings"
	"testing"
)

const run = `{"Action":"start","Package":"p"}
{"Action":"run","Package":"p","Test":"TestA"}
{"Action":"output","Package":"p","Test":"TestA","Output":"=== RUN   TestA\n"}
{"Action":"pass","Package":"p","Test":"TestA"}
{"Action":"run","Package":"p","Test":"TestB"}
{"Action":"output","Package":"p","Test":"TestB","Output":"    b_test.go:9: want 2, got 3\n"}
{"Action":"fail","Package":"p","Test":"TestB"}
{"Action":"run","Package":"p","Test":"TestC/sub"}
{"Action":"output","Package":"p","Test":"TestC/sub","Output":"    c_test.go:4: IDP_TEST_REDIS_URL unset\n"}
{"Action":"output","Package":"p","Test":"TestC/sub","Output":"--- SKIP: TestC/sub (0.00s)\n"}
{"Action":"skip","Package":"p","Test":"TestC/sub"}
{"Action":"pass","Package":"p","Test":"TestC"}
{"Action":"fail","Package":"p","Elapsed":0.5}
# q [q.test]
{"Action":"skip","Package":"r"}
`

func TestSummarise(t *testing.T) {
	var out bytes.Buffer
	s, err := summarise(strings.NewReader(run), &out)
	if err != nil {
		t.Fatal(err)
	}
	if s.passed != 2 || s.failed != 1 || s.skipped != 1 || len(s.failedPackages) != 1 {
		t.Errorf("summary = %+v", s)
	}
	got := out.String()
	for _, want := range []string{
		"want 2, got 3",            // a failed test's output
		"FAIL\tp\t0.500s",          // its package's line
		"# q [q.test]",             // lines that are not events pass through
		"?   \tr\t[no test files]", // packages without tests
		"skipped: p TestC/sub (IDP_TEST_REDIS_URL unset)", // why it skipped
		"2 passed, 1 failed, 1 skipped\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "=== RUN   TestA") {
		t.Errorf("a passing test's output was printed:\n%s", got)
	}
}

func TestSkipsGroupedByReason(t *testing.T) {
	var in strings.Builder
	for _, name := range []string{"TestA", "TestB", "TestC", "TestD"} {
		in.WriteString(`{"Action":"output","Package":"p","Test":"` + name + `","Output":"    h_test.go:55: IDP_TEST_REDIS_URL unset\n"}` + "\n")
		in.WriteString(`{"Action":"skip","Package":"p","Test":"` + name + `"}` + "\n")
	}
	var out bytes.Buffer
	if _, err := summarise(strings.NewReader(in.String()), &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "skipped: 4 tests (IDP_TEST_REDIS_URL unset), among them p TestA, p TestB, p TestC\n") {
		t.Errorf("skips not grouped:\n%s", out.String())
	}
}
