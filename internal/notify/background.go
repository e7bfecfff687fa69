package notify

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// Background is an EmailSender that sends after SendEmail has returned. A
// journey uses it where the answer must not depend on whether an email was
// sent: forgot password emails a code only to addresses with an account, and
// waiting for the provider would let anyone time the difference. Temporary
// failures are retried (after 1 s, then 4 s); a message that still fails is
// logged, masked, and the user's recourse is "send me a new code".
//
// At most Concurrency messages are in flight; beyond that SendEmail waits for
// a free slot (back-pressure, never a dropped message). Close waits for the
// messages in flight and cancels their retries.
type Background struct {
	next   EmailSender
	logger *slog.Logger
	sem    chan struct{}
	mu     sync.Mutex // guards closed and wg.Add against Close
	closed bool
	wg     sync.WaitGroup
	ctx    context.Context
	cancel context.CancelFunc

	// Timeout bounds one attempt (default 30 s).
	Timeout time.Duration
	// Sleep waits between attempts; tests replace it (default: a timer that
	// stops when Close is called).
	Sleep func(ctx context.Context, d time.Duration) error
	// Sent, if set, is called after each message with the final error (nil
	// when it was sent); tests and metrics use it.
	Sent func(m Email, err error)
}

// NewBackground wraps next. concurrency <= 0 means 16.
func NewBackground(next EmailSender, logger *slog.Logger, concurrency int) *Background {
	if concurrency <= 0 {
		concurrency = 16
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Background{next: next, logger: logger, sem: make(chan struct{}, concurrency), ctx: ctx, cancel: cancel}
}

// backoff is the wait before retry n (0-based), and whether there is one.
func backoff(n int) (time.Duration, bool) {
	switch n {
	case 0:
		return time.Second, true
	case 1:
		return 4 * time.Second, true
	}
	return 0, false
}

// SendEmail queues m and returns nil at once, unless ctx ends while every
// slot is busy (ctx's error) or the sender is closed.
func (b *Background) SendEmail(ctx context.Context, m Email) error {
	if b.ctx.Err() != nil {
		return errors.New("notify: background sender closed")
	}
	select {
	case b.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	case <-b.ctx.Done():
		return errors.New("notify: background sender closed")
	}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		<-b.sem
		return errors.New("notify: background sender closed")
	}
	b.wg.Add(1)
	b.mu.Unlock()
	go func() {
		defer b.wg.Done()
		defer func() { <-b.sem }()
		err := b.deliver(m)
		if err != nil {
			b.logger.Warn("background email not sent", "email", m, "err", err)
		}
		if b.Sent != nil {
			b.Sent(m, err)
		}
	}()
	return nil
}

func (b *Background) deliver(m Email) error {
	timeout := b.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	var err error
	for attempt := 0; ; attempt++ {
		// An attempt under way finishes even when Close is called (it has
		// its own timeout); only the retries stop.
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		err = b.next.SendEmail(ctx, m)
		cancel()
		wait, again := backoff(attempt)
		if err == nil || !errors.Is(err, ErrTemporary) || !again {
			return err
		}
		if serr := b.sleep(wait); serr != nil {
			return errors.Join(err, serr)
		}
	}
}

func (b *Background) sleep(d time.Duration) error {
	if b.Sleep != nil {
		return b.Sleep(b.ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-b.ctx.Done():
		return b.ctx.Err()
	}
}

// Wait returns when every queued message has been sent or given up.
func (b *Background) Wait() { b.wg.Wait() }

// Close refuses new messages, stops retries and waits for the attempts
// under way.
func (b *Background) Close() {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	b.cancel()
	b.wg.Wait()
}
