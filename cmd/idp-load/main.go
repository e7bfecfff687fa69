// Command idp-load is carekey's load tool: it drives whole sign-ins, as the
// council's users do them, against a running carekey in dev mode, from
// outside its process, and reports logins per second, latencies and, given
// the server's process ID, the server's CPU per login.
//
// One login: authorize (PKCE S256) → "Sign in" (email, password) → "Confirm
// your identity" → Send Code → the 6-digit code, read from the dev outbox
// as the user would read their phone → back at the client with a code →
// token exchange. Sending a code and reading it back is done one login at a
// time (the newest SMS in the outbox is then this login's); everything else,
// argon2id included, runs -c at once.
//
// Dev mode's rate limits are meant for people; raise them for a load run:
//
//	IDP_RATE_LIMITS_SIGNIN_PER_IP_MAX=1000000 \
//	IDP_RATE_LIMITS_SIGNIN_PER_ACCOUNT_MAX=1000000 \
//	IDP_RATE_LIMITS_CODES_PER_PHONE_MAX=1000000 go run ./cmd/idp dev &
//	go run ./cmd/idp-load -password 'printed by idp dev' -n 300 -c 4 -pid $(pgrep -n -f 'idp dev')
//
// Server CPU is read from /proc/PID/stat (Linux) before and after the run.
// The dev outbox reads the tool makes are the tool's doing, not a login's:
// their CPU is measured separately afterwards (as many reads again) and
// taken off. docs/performance.md records the figures.
package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/signal"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/carekey/carekey/internal/buildinfo"
)

// options are the command's flags.
type options struct {
	Issuer      string
	ClientID    string
	RedirectURI string
	Email       string
	Password    string
	Logins      int
	Concurrency int
	PID         int // the server's process ID; 0: no CPU figures
}

// report is what a run measured.
type report struct {
	Logins    int
	Failures  int
	FirstErr  error
	Wall      time.Duration
	Latencies []time.Duration // of the successful logins, sorted
	// ServerCPU is the server's CPU during the run, and OutboxCPU that of
	// as many outbox reads again, done afterwards; both 0 without a PID.
	ServerCPU, OutboxCPU time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.Issuer, "issuer", "http://localhost:8080", "carekey's issuer URL (dev mode)")
	flag.StringVar(&o.ClientID, "client", "dev-public", "a public client (PKCE)")
	flag.StringVar(&o.RedirectURI, "redirect-uri", "http://localhost:9999/callback", "a redirect URI registered for the client")
	flag.StringVar(&o.Email, "email", "penny.plumber.portal@example.com", "the user who signs in")
	flag.StringVar(&o.Password, "password", "", "the user's password (idp dev prints it)")
	flag.IntVar(&o.Logins, "n", 200, "how many logins")
	flag.IntVar(&o.Concurrency, "c", 4, "how many at once")
	flag.IntVar(&o.PID, "pid", 0, "the server's process ID, to report its CPU per login (Linux)")
	showVersion := flag.Bool("version", false, "print the version and licence, then exit")
	flag.Parse()
	if *showVersion {
		fmt.Println(buildinfo.Line("idp-load"))
		return
	}
	if o.Password == "" || o.Logins < 1 || o.Concurrency < 1 {
		fmt.Fprintln(os.Stderr, "idp-load: -password is required; -n and -c must be at least 1")
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	r, err := run(ctx, o, http.DefaultTransport, procCPU)
	if err != nil {
		fmt.Fprintln(os.Stderr, "idp-load:", err)
		os.Exit(1)
	}
	r.print(os.Stdout, o)
	if r.Failures > 0 {
		os.Exit(1)
	}
}

// cpuFunc returns a process's CPU time so far.
type cpuFunc func(pid int) (time.Duration, error)

// run makes o.Logins logins, o.Concurrency at once, through rt.
func run(ctx context.Context, o options, rt http.RoundTripper, cpu cpuFunc) (report, error) {
	var r report
	o.Issuer = strings.TrimSuffix(o.Issuer, "/")
	l := &loader{o: o, rt: rt}
	// One login first: it fails fast on a wrong password or limit, and
	// warms up what the first login of a process pays for.
	if _, err := l.login(ctx); err != nil {
		return r, fmt.Errorf("first login: %w", err)
	}
	var before time.Duration
	if o.PID != 0 {
		var err error
		if before, err = cpu(o.PID); err != nil {
			return r, err
		}
	}
	var (
		next      atomic.Int64
		mu        sync.Mutex
		wg        sync.WaitGroup
		outboxRds atomic.Int64
	)
	start := time.Now()
	for range o.Concurrency {
		wg.Go(func() {
			for next.Add(1) <= int64(o.Logins) && ctx.Err() == nil {
				t0 := time.Now()
				reads, err := l.login(ctx)
				outboxRds.Add(int64(reads))
				mu.Lock()
				if err != nil {
					r.Failures++
					if r.FirstErr == nil {
						r.FirstErr = err
					}
				} else {
					r.Logins++
					r.Latencies = append(r.Latencies, time.Since(t0))
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	r.Wall = time.Since(start)
	slices.Sort(r.Latencies)
	if o.PID == 0 {
		return r, nil
	}
	after, err := cpu(o.PID)
	if err != nil {
		return r, err
	}
	r.ServerCPU = after - before
	// The outbox reads again, to take their CPU off.
	c := &http.Client{Transport: rt}
	for range outboxRds.Load() {
		if _, err := l.newestSMS(ctx, c); err != nil {
			return r, err
		}
	}
	end, err := cpu(o.PID)
	if err != nil {
		return r, err
	}
	r.OutboxCPU = end - after
	return r, nil
}

// loader makes logins.
type loader struct {
	o      options
	rt     http.RoundTripper
	sendMu sync.Mutex // held from Send Code until its code is read back
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// login signs in once with a fresh browser and exchanges the code. It
// returns how many times it read the dev outbox.
func (l *loader) login(ctx context.Context) (reads int, err error) {
	o := l.o
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Transport: l.rt, Jar: jar, Timeout: time.Minute,
		CheckRedirect: func(req *http.Request, _ []*http.Request) error {
			if !strings.HasPrefix(req.URL.String(), o.Issuer+"/") {
				return http.ErrUseLastResponse // back at the client
			}
			return nil
		}}
	verifier := token()
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{
		"client_id": {o.ClientID}, "redirect_uri": {o.RedirectURI}, "response_type": {"code"},
		"scope": {"openid profile"}, "state": {token()}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"},
	}
	body, err := page(ctx, c, http.MethodGet, o.Issuer+"/authorize?"+q.Encode(), nil, "<h1>Sign in</h1>")
	if err != nil {
		return 0, fmt.Errorf("authorize: %w", err)
	}
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		return 0, errors.New("sign-in page: no CSRF token")
	}
	csrf := html.UnescapeString(m[1])
	if _, err := page(ctx, c, http.MethodPost, o.Issuer+"/signin",
		url.Values{"csrf_token": {csrf}, "email": {o.Email}, "password": {o.Password}}, `action="/signin/send-code"`); err != nil {
		return 0, fmt.Errorf("password: %w", err)
	}
	code, err := func() (string, error) {
		l.sendMu.Lock()
		defer l.sendMu.Unlock()
		if _, err := page(ctx, c, http.MethodPost, o.Issuer+"/signin/send-code", url.Values{"csrf_token": {csrf}}, `action="/signin/verify"`); err != nil {
			return "", fmt.Errorf("send code: %w", err)
		}
		reads++
		return l.newestSMS(ctx, c)
	}()
	if err != nil {
		return reads, err
	}
	resp, err := post(ctx, c, o.Issuer+"/signin/verify", url.Values{"csrf_token": {csrf}, "code": {code}})
	if err != nil {
		return reads, fmt.Errorf("verify code: %w", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	back, err := resp.Location()
	if err != nil || back.Query().Get("code") == "" {
		return reads, fmt.Errorf("verify code: status %d, no redirect to the client with a code", resp.StatusCode)
	}
	resp, err = post(ctx, c, o.Issuer+"/oauth/token", url.Values{
		"grant_type": {"authorization_code"}, "code": {back.Query().Get("code")}, "redirect_uri": {o.RedirectURI},
		"client_id": {o.ClientID}, "code_verifier": {verifier},
	})
	if err != nil {
		return reads, fmt.Errorf("token: %w", err)
	}
	defer resp.Body.Close()
	var tok struct {
		IDToken string `json:"id_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || resp.StatusCode != http.StatusOK || tok.IDToken == "" {
		return reads, fmt.Errorf("token: status %d, no ID token (%v)", resp.StatusCode, err)
	}
	return reads, nil
}

// newestSMS is the code of the newest SMS in the dev outbox.
func (l *loader) newestSMS(ctx context.Context, c *http.Client) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, l.o.Issuer+"/dev/outbox.json", nil)
	if err != nil {
		return "", err
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", fmt.Errorf("dev outbox: %w", err)
	}
	defer resp.Body.Close()
	var box struct {
		Messages []struct {
			Channel string  `json:"channel"`
			Code    *string `json:"code"`
		} `json:"messages"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&box); err != nil || resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("dev outbox: status %d (%v): is carekey in dev mode?", resp.StatusCode, err)
	}
	for _, m := range box.Messages { // newest first
		if m.Channel == "sms" && m.Code != nil {
			return *m.Code, nil
		}
	}
	return "", errors.New("dev outbox: no SMS code")
}

// page requests u and returns the body of a 200 page that contains want.
func page(ctx context.Context, c *http.Client, method, u string, form url.Values, want string) (string, error) {
	var resp *http.Response
	var err error
	if method == http.MethodPost {
		resp, err = post(ctx, c, u, form)
	} else {
		req, rerr := http.NewRequestWithContext(ctx, method, u, nil)
		if rerr != nil {
			return "", rerr
		}
		resp, err = c.Do(req)
	}
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), want) {
		return "", fmt.Errorf("%s %s: status %d, not the page expected%s", method, resp.Request.URL.Path, resp.StatusCode, retryAfter(resp))
	}
	return string(b), nil
}

func retryAfter(resp *http.Response) string {
	if ra := resp.Header.Get("Retry-After"); ra != "" {
		return " (rate limited: raise the dev limits, see the command's doc)"
	}
	return ""
}

func post(ctx context.Context, c *http.Client, u string, form url.Values) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.Do(req)
}

// token is 256 random bits as 52 base32 characters: a PKCE verifier (43 to
// 128 unreserved characters) or a state.
func token() string { return rand.Text() + rand.Text() }

// procCPU reads a process's user + system CPU time from /proc (Linux; the
// kernel reports it in USER_HZ ticks, 100 a second).
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("server CPU: %w", err)
	}
	// Fields after the command name, which is in parentheses and may hold spaces.
	i := strings.LastIndexByte(string(b), ')')
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("server CPU: unexpected /proc/%d/stat", pid)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("server CPU: unexpected /proc/%d/stat", pid)
	}
	return time.Duration(utime+stime) * (time.Second / 100), nil
}

// print writes the report.
func (r report) print(w io.Writer, o options) {
	fmt.Fprintf(w, "logins: %d ok, %d failed, %d at once, in %s\n", r.Logins, r.Failures, o.Concurrency, r.Wall.Round(time.Millisecond))
	if r.FirstErr != nil {
		fmt.Fprintf(w, "first failure: %v\n", r.FirstErr)
	}
	if r.Logins == 0 {
		return
	}
	fmt.Fprintf(w, "throughput: %.1f logins/s\n", float64(r.Logins)/r.Wall.Seconds())
	fmt.Fprintf(w, "latency: p50 %s, p95 %s, p99 %s, max %s\n",
		pct(r.Latencies, 50), pct(r.Latencies, 95), pct(r.Latencies, 99), r.Latencies[len(r.Latencies)-1].Round(time.Millisecond))
	if o.PID != 0 {
		n := time.Duration(r.Logins + r.Failures)
		fmt.Fprintf(w, "server CPU per login: %s (%s with the dev outbox reads, which cost %s per login)\n",
			((r.ServerCPU - r.OutboxCPU) / n).Round(10*time.Microsecond), (r.ServerCPU / n).Round(10*time.Microsecond), (r.OutboxCPU / n).Round(10*time.Microsecond))
	}
}

// pct is the p-th percentile of sorted durations.
func pct(d []time.Duration, p int) time.Duration {
	i := (len(d)*p+99)/100 - 1
	return d[max(0, min(i, len(d)-1))].Round(time.Millisecond)
}
