package outbox

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/carekey/carekey/internal/clock"
	"github.com/carekey/carekey/internal/notify"
	"github.com/carekey/carekey/internal/secret"
)

// Channels.
const (
	ChannelEmail = "email"
	ChannelSMS   = "sms"
	ChannelVoice = "voice"
)

// Capacity is how many messages the outbox keeps; older ones are dropped.
const Capacity = 500

// ErrNotFound means no message has the ID, or it is not a voice call.
var ErrNotFound = errors.New("outbox: no such call")

// ErrAnswered means the call's # has already been pressed.
var ErrAnswered = errors.New("outbox: call already answered")

// Message is one message the outbox received. The JSON is the shape
// GET /dev/outbox.json promises.
type Message struct {
	ID      string  `json:"id"`
	Channel string  `json:"channel"`
	To      string  `json:"to"`
	Subject string  `json:"subject"`
	Body    string  `json:"body"`
	Code    *string `json:"code"`
	SentAt  string  `json:"sent_at"`

	HTML      string `json:"-"` // the email's HTML body
	Reference string `json:"-"` // the call's reference (voice only)
	Answered  bool   `json:"-"` // # has been pressed (voice only)
}

// Pending reports whether m is a call still waiting for #.
func (m Message) Pending() bool { return m.Channel == ChannelVoice && !m.Answered }

// Outbox keeps messages in memory. It is safe for concurrent use.
type Outbox struct {
	clk         clock.Clock
	onPressHash func(ctx context.Context, reference string) error

	mu     sync.Mutex
	msgs   []Message // oldest first
	settle func()    // see Settle
}

// Settle makes Messages and Last call wait first: wait returns once the
// background work that may still add a message is done (notify.Jobs.Wait),
// so a developer reading the outbox right after a request sees the email
// that request queued.
func (o *Outbox) Settle(wait func()) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.settle = wait
}

func (o *Outbox) waitSettled() {
	o.mu.Lock()
	wait := o.settle
	o.mu.Unlock()
	if wait != nil {
		wait()
	}
}

var (
	_ notify.EmailSender = (*Outbox)(nil)
	_ notify.SMSSender   = (*Outbox)(nil)
	_ notify.VoiceCaller = (*Outbox)(nil)
)

// New returns an empty outbox. onPressHash is called when someone presses #
// on a pending call, with the call's reference, as the telephony webhook
// would; it may be nil if no journey places calls.
func New(clk clock.Clock, onPressHash func(ctx context.Context, reference string) error) *Outbox {
	return &Outbox{clk: clk, onPressHash: onPressHash}
}

// SendEmail keeps m.
func (o *Outbox) SendEmail(_ context.Context, m notify.Email) error {
	o.add(Message{Channel: ChannelEmail, To: m.To, Subject: m.Subject, Body: m.Text, HTML: m.HTML, Code: code(m.Code)})
	return nil
}

// SendSMS keeps m.
func (o *Outbox) SendSMS(_ context.Context, m notify.SMS) error {
	o.add(Message{Channel: ChannelSMS, To: m.To, Body: m.Body, Code: code(m.Code)})
	return nil
}

// PlaceCall keeps c as a pending call.
func (o *Outbox) PlaceCall(_ context.Context, c notify.Call) error {
	o.add(Message{Channel: ChannelVoice, To: c.To, Body: c.Say, Reference: c.Reference})
	return nil
}

func code(c string) *string {
	if c == "" {
		return nil
	}
	return &c
}

func (o *Outbox) add(m Message) {
	m.ID = secret.ID("msg_")
	m.SentAt = o.clk.Now().UTC().Format(time.RFC3339)
	o.mu.Lock()
	defer o.mu.Unlock()
	o.msgs = append(o.msgs, m)
	if n := len(o.msgs) - Capacity; n > 0 {
		o.msgs = append([]Message(nil), o.msgs[n:]...)
	}
}

// Messages returns every message kept, newest first.
func (o *Outbox) Messages() []Message {
	o.waitSettled()
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]Message, len(o.msgs))
	for i, m := range o.msgs {
		out[len(o.msgs)-1-i] = m
	}
	return out
}

// Last returns the newest message on channel to to.
func (o *Outbox) Last(channel, to string) (Message, bool) {
	o.waitSettled()
	o.mu.Lock()
	defer o.mu.Unlock()
	for i := len(o.msgs) - 1; i >= 0; i-- {
		if m := o.msgs[i]; m.Channel == channel && m.To == to {
			return m, true
		}
	}
	return Message{}, false
}

// PressHash answers the pending call id: it marks the call answered and
// calls onPressHash with its reference, once. It returns ErrNotFound for an
// unknown ID or a message that is not a call, and ErrAnswered if # was
// pressed before. If onPressHash fails, the call stays pending.
func (o *Outbox) PressHash(ctx context.Context, id string) error {
	o.mu.Lock()
	i := o.index(id)
	switch {
	case i < 0 || o.msgs[i].Channel != ChannelVoice:
		o.mu.Unlock()
		return ErrNotFound
	case o.msgs[i].Answered:
		o.mu.Unlock()
		return ErrAnswered
	}
	o.msgs[i].Answered = true // claimed: a second press now sees ErrAnswered
	ref := o.msgs[i].Reference
	o.mu.Unlock()

	if o.onPressHash == nil {
		return nil
	}
	if err := o.onPressHash(ctx, ref); err != nil {
		o.mu.Lock()
		if i := o.index(id); i >= 0 {
			o.msgs[i].Answered = false
		}
		o.mu.Unlock()
		return fmt.Errorf("press # on call %s: %w", id, err)
	}
	return nil
}

// index returns the position of id in o.msgs or -1. o.mu must be held.
func (o *Outbox) index(id string) int {
	for i, m := range o.msgs {
		if m.ID == id {
			return i
		}
	}
	return -1
}
