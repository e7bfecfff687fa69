package signin

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/carekey/carekey/internal/flow"
	"github.com/carekey/carekey/internal/secret"
	"github.com/carekey/carekey/internal/session"
	"github.com/carekey/carekey/pkg/text"
)

// The sign-in flow's lifecycle: Start creates it, Load reads it for a
// request, Step applies one event to it and Finish ends it. The web layer
// only carries the flow's ID and CSRF token in a cookie, renders the flow
// Step returns and hands a Completion's session to the OIDC provider.

// Kind is flow.Flow.Kind of a sign-in flow.
const Kind = "signin"

// Sentinel errors of the flow's lifecycle.
var (
	// ErrExpired: the flow has passed its ExpiresAt (HTTP 410, start again).
	ErrExpired = errors.New("signin: flow expired")
	// ErrNotYourChange: a phone change flow acted on by a browser that is
	// not (or no longer) signed in as its user. Finish deletes the flow.
	ErrNotYourChange = errors.New("signin: the phone change is not this browser's")
)

// Form limits of the password step.
const maxEmailLen, maxPasswordLen = 254, 1024

// Sessions is where Finish starts the browser's session.
type Sessions interface {
	// Create stores a new session. Returns an error if the ID is taken.
	Create(ctx context.Context, s session.Session) error
}

// Data is what a sign-in flow carries besides its state, decoded from
// flow.Flow.Data (whose keys are this package's Data* constants).
type Data struct {
	User        string // user ID, once the password was right (or the changing user)
	Phone       string // E.164 number being confirmed
	PhoneKind   string // mobile, landline or other
	Enrolling   bool   // the number is new (first sign-in or after a reset)
	AuthRequest string // the OIDC auth request to complete at the end, if any
	Return      string // the web layer's allow-listed page name to end on, if any
	ChangePhone bool   // the flow changes a signed-in user's phone
}

// DataOf decodes f's data.
func DataOf(f flow.Flow) Data {
	return Data{
		User:        f.Data[DataUser],
		Phone:       f.Data[DataPhone],
		PhoneKind:   f.Data[DataPhoneKind],
		Enrolling:   f.Data[DataEnrolling] == "1",
		AuthRequest: f.Data[DataAuthRequest],
		Return:      f.Data[DataReturn],
		ChangePhone: f.Data[DataPurpose] == PurposeChangePhone,
	}
}

func (j *Journey) flowTTL() time.Duration {
	if j.FlowTTL == 0 {
		return 30 * time.Minute
	}
	return j.FlowTTL
}

// NewFlow returns a sign-in flow at its first step, not yet stored, and the
// CSRF token whose hash it keeps (the caller puts "<ID>.<token>" in the
// browser's cookie).
func (j *Journey) NewFlow() (flow.Flow, string) {
	now := j.Clock.Now()
	token := secret.Token()
	sum := sha256.Sum256([]byte(token))
	return flow.Flow{
		ID:        secret.ID("flw_"),
		Kind:      Kind,
		State:     string(StatePassword),
		CSRFHash:  sum[:],
		Data:      map[string]string{},
		CreatedAt: now,
		ExpiresAt: now.Add(j.flowTTL()),
	}, token
}

// Start creates a sign-in flow at "Sign in". authRequest is the OIDC
// request to complete at the end, or returnTo (a name on the web layer's
// allow-list, never a URL) where to go instead; both may be empty. It
// returns the flow and its CSRF token.
func (j *Journey) Start(ctx context.Context, authRequest, returnTo string) (flow.Flow, string, error) {
	f, token := j.NewFlow()
	if authRequest != "" {
		f.Set(DataAuthRequest, authRequest)
	}
	if returnTo != "" {
		f.Set(DataReturn, returnTo)
	}
	if err := j.Flows.Create(ctx, f); err != nil {
		return flow.Flow{}, "", fmt.Errorf("create sign-in flow: %w", err)
	}
	return f, token, nil
}

// StartAhead is Start whose write rides with the request's next read of
// the store when the store can (a Redis store's CreateAhead): the caller
// reads what decides whether it wants the flow, then calls await (Start's
// answer) to keep it or drop to delete it.
func (j *Journey) StartAhead(ctx context.Context, authRequest, returnTo string) (await func() (flow.Flow, string, error), drop func()) {
	ca, ok := j.Flows.(interface {
		CreateAhead(ctx context.Context, f flow.Flow) func() error
	})
	if !ok {
		return func() (flow.Flow, string, error) { return j.Start(ctx, authRequest, returnTo) }, func() {}
	}
	f, token := j.NewFlow()
	if authRequest != "" {
		f.Set(DataAuthRequest, authRequest)
	}
	if returnTo != "" {
		f.Set(DataReturn, returnTo)
	}
	created := ca.CreateAhead(ctx, f)
	await = func() (flow.Flow, string, error) {
		if err := created(); err != nil {
			return flow.Flow{}, "", fmt.Errorf("create sign-in flow: %w", err)
		}
		return f, token, nil
	}
	drop = func() {
		if created() == nil {
			j.deleteFlow(ctx, f.ID)
		}
	}
	return await, drop
}

// Load returns the sign-in flow id whose CSRF token is token: one read of
// the store. A missing flow, another kind of flow or a wrong token is
// flow.ErrNotFound; a flow past its expiry is ErrExpired (returned with the
// flow).
func (j *Journey) Load(ctx context.Context, id, token string) (flow.Flow, error) {
	if id == "" || token == "" {
		return flow.Flow{}, flow.ErrNotFound
	}
	f, err := j.Flows.Get(ctx, id)
	if err != nil {
		return flow.Flow{}, fmt.Errorf("load sign-in flow %s: %w", id, err)
	}
	sum := sha256.Sum256([]byte(token))
	if f.Kind != Kind || subtle.ConstantTimeCompare(sum[:], f.CSRFHash) != 1 {
		return flow.Flow{}, flow.ErrNotFound
	}
	if !f.Valid(j.Clock.Now()) {
		return f, ErrExpired
	}
	return f, nil
}

// Action is one thing the user did on a sign-in page: an Event and what
// was typed with it.
type Action struct {
	Event Event
	// Email and Password: EventPasswordOK (the "Sign in" form; the
	// password step decides between EventPasswordOK and
	// EventPasswordOKNoPhone).
	Email, Password string
	// Code: EventCodeOK (the SMS code), EventAppCodeOK (the authenticator
	// app's) and EventEmailCodeOK (the code emailed before enrolment).
	Code string
	// Phone and Country: EventPhoneEntered.
	Phone, Country string
	// IP is the client's address (rate limits, audit).
	IP string
	// Owns reports whether the browser is signed in as userID now. Finish
	// asks it before saving a phone change (the session may have ended
	// since the change started); nil owns nothing.
	Owns func(ctx context.Context, userID string) bool

	// limits, if set, decides the password step's rate limits, sent ahead
	// by Step with the flow's read (Service.limitsAhead).
	limits func() error
}

// Outcome is what a Step did.
type Outcome struct {
	// Flow is the flow as the step left it (saved), or as it was loaded
	// when the step changed nothing: the page to show is read off it. Zero
	// when the flow has ended (Done, or a cancel).
	Flow flow.Flow
	// Done is set when the step completed the sign-in or the phone change.
	Done *Completion
	// Cancelled: the user cancelled; the flow is deleted and Flow is the
	// flow as it was, so the caller can answer the relying party.
	Cancelled bool
}

// Completion is a finished sign-in or phone change.
type Completion struct {
	// Session is the new browser session (fresh ID, AMR pwd + method +
	// mfa); zero for a phone change, which keeps the session it had.
	Session session.Session
	// PhoneChanged: the flow changed a signed-in user's phone.
	PhoneChanged bool
	// AuthRequest is the OIDC request to complete with Session, if any;
	// Return the allow-listed page name to end on otherwise.
	AuthRequest, Return string
	// SessionWritten, when not nil, awaits Session's write, which was sent
	// ahead to ride with the request's next round trip (completing
	// AuthRequest): call it after that, before giving the browser the
	// session. Nil: Session is written already.
	SessionWritten func() error
}

// sessionsAhead is a session store that can send a session's write ahead,
// to ride with the request's next round trip (redissession).
type sessionsAhead interface {
	CreateAhead(ctx context.Context, s session.Session) (written func() error)
}

// Step applies a to the sign-in flow id whose CSRF token is token: the one
// call into the journey of each POST. It loads the flow (Load's errors:
// flow.ErrNotFound, ErrExpired), refuses a phone change flow to a browser
// not signed in as its user (ErrNotYourChange, with the flow), checks the
// event applies in the flow's state (flow.ErrTransition, before any code is
// sent or counted) and moves the flow in one compare-and-swap that checks
// expiry (ErrExpired) and the transition again. A right SMS code or an
// answered call also finishes the flow (Finish). Errors are the sentinels
// and typed errors of the step's method (Password, VerifyEnrolCode,
// EnrolPhone, SendCode, PlaceCall, VerifyCode, FinishCall, Cancel);
// Outcome.Flow is set with them too, for the page that shows the error: it
// is empty only when there was no flow to load (flow.ErrNotFound from Load).
func (j *Journey) Step(ctx context.Context, id, token string, a Action) (Outcome, error) {
	if (a.Event == EventPasswordOK || a.Event == EventPasswordOKNoPhone) && j.Accounts != nil && passwordForm(a) == nil {
		// The rate limits ride with the flow's read: one round trip.
		a.limits = j.Accounts.limitsAhead(ctx, Attempt{Email: a.Email, Password: a.Password, IP: a.IP})
	}
	f, err := j.Load(ctx, id, token)
	if err != nil {
		return Outcome{Flow: f}, err
	}
	if d := DataOf(f); d.ChangePhone && (a.Owns == nil || d.User == "" || !a.Owns(ctx, d.User)) {
		return Outcome{Flow: f}, ErrNotYourChange
	}
	out, err := j.step(ctx, f, a)
	if err != nil && out.Flow.ID == "" {
		out.Flow = f // the page for the error shows the flow as loaded
	}
	return out, err
}

// step applies a to f, the flow as loaded.
func (j *Journey) step(ctx context.Context, f flow.Flow, a Action) (Outcome, error) {
	if !Table().Can(State(f.State), a.Event) {
		return Outcome{Flow: f}, fmt.Errorf("%w: %s in %s", flow.ErrTransition, a.Event, f.State)
	}
	out := Outcome{Flow: f}
	var saved flow.Flow
	var err error
	switch a.Event {
	case EventPasswordOK, EventPasswordOKNoPhone:
		saved, err = j.password(ctx, f, a)
	case EventEmailCodeOK:
		saved, err = j.verifyEnrolCode(ctx, f.ID, a.Code)
	case EventResendEmail:
		saved, err = j.resendEnrolCode(ctx, f)
	case EventPhoneEntered:
		saved, err = j.enrolPhone(ctx, f.ID, a.Phone, a.Country)
	case EventSendCode:
		saved, err = j.sendCode(ctx, f)
		if errors.Is(err, ErrCooldown) {
			err = nil // the code sent moments ago is still good
		}
	case EventPlaceCall:
		saved, err = j.placeCall(ctx, f)
	case EventCodeOK:
		return j.codeOK(ctx, f, a)
	case EventUseApp:
		saved, err = j.useApp(ctx, f)
	case EventAppCodeOK:
		return j.appCodeOK(ctx, f, a)
	case EventCallAnswered, EventCallFailed:
		return j.callDone(ctx, f, a)
	case EventCancel:
		if _, err := j.Cancel(ctx, f.ID); err != nil {
			return out, err
		}
		return Outcome{Flow: f, Cancelled: true}, nil
	default:
		return out, fmt.Errorf("%w: %s", flow.ErrTransition, a.Event)
	}
	if err != nil {
		return out, err
	}
	return Outcome{Flow: saved}, nil
}

// password checks the "Sign in" form and moves the flow on to the phone.
// Errors: *text.Invalid (a field empty or too long), ErrInvalidCredentials,
// *RateLimitedError, and AfterPassword's.
func (j *Journey) password(ctx context.Context, f flow.Flow, a Action) (flow.Flow, error) {
	if inv := passwordForm(a); inv != nil {
		return f, inv
	}
	if j.Accounts == nil {
		return f, errors.New("signin: no accounts service")
	}
	attempt := Attempt{Email: a.Email, Password: a.Password, IP: a.IP}
	if a.limits == nil {
		a.limits = j.Accounts.limitsAhead(ctx, attempt)
	}
	u, err := j.Accounts.password(ctx, attempt, a.limits)
	if err != nil {
		return f, err
	}
	// The password is right: on to the phone. No session exists yet.
	return j.afterPassword(ctx, f.ID, u)
}

// passwordForm checks the "Sign in" form's fields: nil if both are there
// and not too long.
func passwordForm(a Action) *text.Invalid {
	var inv text.Invalid
	if email := strings.TrimSpace(a.Email); email == "" || len(email) > maxEmailLen {
		inv.Add("email", text.EmailRequired)
	}
	if a.Password == "" || len(a.Password) > maxPasswordLen {
		inv.Add("password", text.PasswordRequired)
	}
	if len(inv.Fields) > 0 {
		return &inv
	}
	return nil
}

// codeOK checks the SMS code typed and, if right, finishes the flow.
func (j *Journey) codeOK(ctx context.Context, f flow.Flow, a Action) (Outcome, error) {
	typed := codeDigits(a.Code)
	if len(typed) != 6 || strings.Trim(typed, "0123456789") != "" {
		var inv text.Invalid
		inv.Add("code", text.CodeRequired)
		return Outcome{Flow: f}, &inv
	}
	if id := f.Data[DataAuthRequest]; id != "" && j.ReadAhead != nil {
		j.ReadAhead(ctx, id) // read with the code's check: one round trip
	}
	done, audited, err := j.verifyCode(ctx, f.ID, typed, a.IP, true)
	if err != nil {
		return Outcome{Flow: f}, err
	}
	return j.finish(ctx, done, "sms", a, audited)
}

// callDone is the browser's Continue after Call Me.
func (j *Journey) callDone(ctx context.Context, f flow.Flow, a Action) (Outcome, error) {
	done, err := j.FinishCall(ctx, f.ID)
	switch {
	case errors.Is(err, ErrCallPending):
		return Outcome{Flow: f}, err
	case err != nil:
		return Outcome{Flow: done}, err
	}
	return j.finish(ctx, done, "tel", a, false)
}

// finish is Finish; audited: the second factor's audit row is written
// already (verifyCode).
func (j *Journey) finish(ctx context.Context, f flow.Flow, method string, a Action, audited bool) (Outcome, error) {
	c, err := j.finishFlow(ctx, f, method, a.IP, a.Owns, audited)
	if err != nil {
		return Outcome{Flow: f}, err
	}
	return Outcome{Done: &c}, nil
}

// codeDigits trims what users paste around a code: spaces and dashes.
func codeDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\t' {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
}

// Finish ends a flow that VerifyCode, FinishCall or a right app code moved
// to verified by method ("sms", "tel" or "otp"). A sign-in saves a newly enrolled phone (emailed
// to the user), audits the second factor, starts a session with a fresh ID
// (AMR pwd + method + mfa) and deletes the flow. A phone change (whose
// browser must still be signed in as its user, owns) saves the new number
// and deletes the flow; it starts no session (ErrNotYourChange, the flow
// deleted, if owns says no). Nothing before Finish creates a session.
func (j *Journey) Finish(ctx context.Context, f flow.Flow, method, ip string, owns func(ctx context.Context, userID string) bool) (Completion, error) {
	return j.finishFlow(ctx, f, method, ip, owns, false)
}

func (j *Journey) finishFlow(ctx context.Context, f flow.Flow, method, ip string, owns func(ctx context.Context, userID string) bool, audited bool) (Completion, error) {
	if State(f.State) != StateVerified {
		return Completion{}, fmt.Errorf("finish flow %s in %s: %w", f.ID, f.State, flow.ErrTransition)
	}
	if j.Accounts == nil {
		return Completion{}, errors.New("signin: no accounts service")
	}
	d := DataOf(f)
	var c Completion
	if d.ChangePhone {
		if owns == nil || d.User == "" || !owns(ctx, d.User) {
			j.deleteFlow(ctx, f.ID)
			return Completion{}, ErrNotYourChange
		}
		err := j.Accounts.ChangePhone(ctx, PhoneChange{UserID: d.User, Phone: d.Phone, Kind: d.PhoneKind, Method: method, IP: ip})
		if err != nil {
			return Completion{}, err
		}
		c.PhoneChanged = true
	} else {
		now := j.Clock.Now()
		if d.Enrolling {
			if err := j.Accounts.SaveEnrolledPhone(ctx, d.User, d.Phone, d.PhoneKind, method, now); err != nil {
				return Completion{}, err
			}
		}
		if !audited { // else written with the code's check (verifyCode)
			if err := j.Accounts.secondFactorOK(ctx, d.User, method, ip); err != nil {
				j.logger().WarnContext(ctx, "audit second factor", "err", err)
			}
		}
		sess := session.Session{
			ID:          secret.Token(),
			UserID:      d.User,
			AuthTime:    now,
			AMR:         []string{"pwd", method, "mfa"},
			CreatedAt:   now,
			LastSeen:    now,
			IdleTimeout: j.SessionIdle,
			ExpiresAt:   now.Add(j.SessionAbsolute),
		}
		if d.AuthRequest != "" && j.ClientOf != nil {
			if c := j.ClientOf(ctx, d.AuthRequest); c != "" {
				sess.Clients = []string{c}
			}
		}
		if ahead, ok := j.Sessions.(sessionsAhead); ok && d.AuthRequest != "" {
			// Written with the auth request's completion, in one round
			// trip: the session first, then the request naming it.
			written := ahead.CreateAhead(ctx, sess)
			c.SessionWritten = func() error {
				if err := written(); err != nil {
					return fmt.Errorf("create session for %s: %w", d.User, err)
				}
				return nil
			}
		} else if err := j.Sessions.Create(ctx, sess); err != nil {
			return Completion{}, fmt.Errorf("create session for %s: %w", d.User, err)
		}
		c.Session, c.AuthRequest, c.Return = sess, d.AuthRequest, d.Return
	}
	j.deleteFlow(ctx, f.ID)
	return c, nil
}

// deleteFlow deletes a finished flow; a failure is logged (the flow is
// verified and expires by itself).
func (j *Journey) deleteFlow(ctx context.Context, id string) {
	if err := j.Flows.Delete(ctx, id); err != nil {
		j.logger().WarnContext(ctx, "delete finished flow", "flow", id, "err", err)
	}
}
