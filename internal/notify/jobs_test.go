package notify_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/notify"
)

// TestJobsNeverWait: with the one worker busy and the one queue place taken,
// Go drops the next job at once (counted), instead of waiting; the running
// and queued jobs run once let go, and Close runs what was queued.
func TestJobsNeverWait(t *testing.T) {
	j := notify.NewJobs(nil, 1, 1)
	release, started := make(chan struct{}), make(chan struct{})
	var ran atomic.Int32
	if !j.Go("blocker", func(context.Context) { close(started); <-release; ran.Add(1) }) {
		t.Fatal("first job refused")
	}
	<-started
	if !j.Go("queued", func(context.Context) { ran.Add(1) }) {
		t.Fatal("second job refused with a free queue place")
	}
	for i := range 3 {
		if j.Go("overflow", func(context.Context) { t.Error("a dropped job ran") }) {
			t.Fatalf("job %d queued beyond the queue's size", i)
		}
	}
	if j.Dropped() != 3 {
		t.Errorf("Dropped = %d, want 3", j.Dropped())
	}
	close(release)
	j.Wait()
	if ran.Load() != 2 {
		t.Errorf("%d jobs ran after Wait, want 2", ran.Load())
	}
	j.Go("last", func(context.Context) { ran.Add(1) })
	j.Close()
	if ran.Load() != 3 {
		t.Errorf("Close did not run the queued job (%d ran)", ran.Load())
	}
	if j.Go("after close", func(context.Context) { t.Error("ran after Close") }) {
		t.Error("Go after Close queued a job")
	}
}

// TestJobsCloseCancelsAfterGrace: a job that outlives Close's grace sees
// its context cancelled, so shutdown is bounded.
func TestJobsCloseCancelsAfterGrace(t *testing.T) {
	j := notify.NewJobs(nil, 1, 1)
	j.Grace = time.Millisecond
	started := make(chan struct{})
	j.Go("stuck", func(ctx context.Context) { close(started); <-ctx.Done() })
	<-started
	j.Close() // returns only because the stuck job's ctx was cancelled
}
