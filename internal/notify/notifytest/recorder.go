package notifytest

import (
	"context"
	"sync"

	"github.com/carekey/carekey/internal/notify"
)

// Recorder records emails, text messages and calls. The zero value is
// ready to use and safe for concurrent use.
type Recorder struct {
	mu     sync.Mutex
	emails []notify.Email
	smss   []notify.SMS
	calls  []notify.Call
	fail   []error
}

var (
	_ notify.EmailSender = (*Recorder)(nil)
	_ notify.SMSSender   = (*Recorder)(nil)
	_ notify.VoiceCaller = (*Recorder)(nil)
)

// FailNext makes the next send of any kind return err and record nothing.
// Called several times, it queues the errors for the sends that follow.
func (r *Recorder) FailNext(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fail = append(r.fail, err)
}

// takeFailure returns the queued error, if any. r.mu must be held.
func (r *Recorder) takeFailure() error {
	if len(r.fail) == 0 {
		return nil
	}
	err := r.fail[0]
	r.fail = r.fail[1:]
	return err
}

// SendEmail records m, or fails if FailNext said so.
func (r *Recorder) SendEmail(ctx context.Context, m notify.Email) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.takeFailure(); err != nil {
		return err
	}
	r.emails = append(r.emails, m)
	return nil
}

// SendSMS records m, or fails if FailNext said so.
func (r *Recorder) SendSMS(ctx context.Context, m notify.SMS) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.takeFailure(); err != nil {
		return err
	}
	r.smss = append(r.smss, m)
	return nil
}

// PlaceCall records c, or fails if FailNext said so.
func (r *Recorder) PlaceCall(ctx context.Context, c notify.Call) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.takeFailure(); err != nil {
		return err
	}
	r.calls = append(r.calls, c)
	return nil
}

// Emails returns the emails recorded, oldest first.
func (r *Recorder) Emails() []notify.Email {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]notify.Email(nil), r.emails...)
}

// SMSs returns the text messages recorded, oldest first.
func (r *Recorder) SMSs() []notify.SMS {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]notify.SMS(nil), r.smss...)
}

// Calls returns the calls recorded, oldest first.
func (r *Recorder) Calls() []notify.Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]notify.Call(nil), r.calls...)
}

// LastEmail returns the newest email to to.
func (r *Recorder) LastEmail(to string) (notify.Email, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.emails) - 1; i >= 0; i-- {
		if r.emails[i].To == to {
			return r.emails[i], true
		}
	}
	return notify.Email{}, false
}

// LastSMS returns the newest text message to to.
func (r *Recorder) LastSMS(to string) (notify.SMS, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.smss) - 1; i >= 0; i-- {
		if r.smss[i].To == to {
			return r.smss[i], true
		}
	}
	return notify.SMS{}, false
}

// LastCall returns the newest call to to.
func (r *Recorder) LastCall(to string) (notify.Call, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.calls) - 1; i >= 0; i-- {
		if r.calls[i].To == to {
			return r.calls[i], true
		}
	}
	return notify.Call{}, false
}

// Reset forgets every message and queued failure.
func (r *Recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.emails, r.smss, r.calls, r.fail = nil, nil, nil, nil
}
