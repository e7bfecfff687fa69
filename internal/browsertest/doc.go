// Package browsertest drives carekey and the reference dashboard in a real
// browser (Debian's chromium through chromedp): the journeys of issue 6 —
// sign in at the dashboard, choose an account, log out; the idle warning and
// its automatic logout; and the same sign-in with JavaScript disabled — and
// registration (with the first sign-in's phone enrolment), forgot password
// and the error pages.
//
// The tests start carekey in dev mode in-process (memory backends, the dev
// outbox for email and SMS codes) on one httptest server and the dashboard on
// another, with the dashboard client's redirect, post-logout and back-channel
// URIs pointed at it. Fields are found by their label text, as a person
// would.
//
// Every page a test passes through, with its validation errors shown too, is
// checked with axe-core (testdata/axe, embedded in the test binary only)
// against the WCAG 2.0, 2.1 and 2.2 level A and AA rules: checkAccessibility
// fails the test with each violation's rule, impact, help, the elements at
// fault and the page's URL.
//
// Without /usr/bin/chromium the tests skip, unless CI=true: then they fail.
// Screenshots of failures go to $TEST_OUTPUT_DIR (or a temporary directory),
// never the source tree.
package browsertest
