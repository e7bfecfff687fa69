package notify_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/notify"
)

// scripted answers each attempt with the next error of its script, after
// release is closed (if set).
type scripted struct {
	mu       sync.Mutex
	answers  []error
	attempts int
	release  chan struct{}
}

func (s *scripted) SendEmail(ctx context.Context, _ notify.Email) error {
	if s.release != nil {
		select {
		case <-s.release:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.attempts++
	if len(s.answers) == 0 {
		return nil
	}
	err := s.answers[0]
	s.answers = s.answers[1:]
	return err
}

func TestBackgroundReturnsBeforeTheProviderAnswers(t *testing.T) {
	next := &scripted{release: make(chan struct{})}
	b := notify.NewBackground(next, nil, 4)
	defer b.Close()
	done := make(chan error, 1)
	go func() { done <- b.SendEmail(t.Context(), notify.Email{To: "penny@example.com"}) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("SendEmail waited for the provider")
	}
	close(next.release)
	b.Wait()
	if next.attempts != 1 {
		t.Fatalf("attempts = %d, want 1", next.attempts)
	}
}

func TestBackgroundRetries(t *testing.T) {
	temp := fmt.Errorf("%w: provider down", notify.ErrTemporary)
	undeliverable := fmt.Errorf("%w: no such mailbox", notify.ErrUndeliverable)
	for _, tc := range []struct {
		name         string
		answers      []error
		wantAttempts int
		wantSlept    []time.Duration
		wantErr      error
	}{
		{"sent at once", nil, 1, nil, nil},
		{"temporary then sent", []error{temp, nil}, 2, []time.Duration{time.Second}, nil},
		{"gives up after three", []error{temp, temp, temp, nil}, 3, []time.Duration{time.Second, 4 * time.Second}, notify.ErrTemporary},
		{"undeliverable is not retried", []error{undeliverable}, 1, nil, notify.ErrUndeliverable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			next := &scripted{answers: tc.answers}
			b := notify.NewBackground(next, nil, 4)
			var slept []time.Duration
			b.Sleep = func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }
			var final error
			b.Sent = func(_ notify.Email, err error) { final = err }
			if err := b.SendEmail(t.Context(), notify.Email{To: "penny@example.com"}); err != nil {
				t.Fatal(err)
			}
			b.Close()
			if next.attempts != tc.wantAttempts {
				t.Errorf("attempts = %d, want %d", next.attempts, tc.wantAttempts)
			}
			if fmt.Sprint(slept) != fmt.Sprint(tc.wantSlept) {
				t.Errorf("waits = %v, want %v", slept, tc.wantSlept)
			}
			if (tc.wantErr == nil) != (final == nil) || (tc.wantErr != nil && !errors.Is(final, tc.wantErr)) {
				t.Errorf("final error = %v, want %v", final, tc.wantErr)
			}
		})
	}
}

// With every slot busy, SendEmail waits (nothing is dropped) until its
// context ends; after Close it refuses.
func TestBackgroundBackPressureAndClose(t *testing.T) {
	next := &scripted{release: make(chan struct{})}
	b := notify.NewBackground(next, nil, 1)
	if err := b.SendEmail(t.Context(), notify.Email{To: "a@example.com"}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := b.SendEmail(ctx, notify.Email{To: "b@example.com"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("second send with every slot busy = %v, want context.Canceled", err)
	}
	close(next.release)
	b.Close()
	if err := b.SendEmail(t.Context(), notify.Email{To: "c@example.com"}); err == nil {
		t.Fatal("SendEmail after Close accepted the message")
	}
	if next.attempts != 1 {
		t.Fatalf("attempts = %d, want 1", next.attempts)
	}
}
