package notify

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Job is work done after the request that queued it has been answered: the
// lookup, rendering and sending of an email whose existence must not show in
// the answer's time. ctx ends when the job's time is up or the queue is
// closed.
type Job func(ctx context.Context)

// Jobs runs Jobs on a fixed number of workers from a bounded queue. Go never
// waits: when the queue is full the job is dropped, logged and counted
// (Dropped), so a request that queues a job takes the same time however busy
// the workers or the email provider are. A journey uses it where even the
// question "does this address have an account?" must not be asked while the
// browser waits: forgot password queues one job per address, known or not.
//
//	jobs := notify.NewJobs(logger, 4, 256)
//	defer jobs.Close()
//	jobs.Go("password reset code", func(ctx context.Context) { … })
type Jobs struct {
	queue   chan namedJob
	logger  *slog.Logger
	ctx     context.Context
	cancel  context.CancelFunc
	workers sync.WaitGroup
	dropped atomic.Uint64

	mu      sync.Mutex
	idle    *sync.Cond // signalled when pending drops to 0
	pending int        // queued or running
	closed  bool

	// Timeout bounds one job (default 30 s).
	Timeout time.Duration
	// Grace is how long Close lets queued jobs run before cancelling them
	// (default 5 s).
	Grace time.Duration
}

type namedJob struct {
	name string
	run  Job
}

// NewJobs starts workers (<= 0: 4) taking jobs from a queue of size queue
// (<= 0: 256).
func NewJobs(logger *slog.Logger, workers, queue int) *Jobs {
	if workers <= 0 {
		workers = 4
	}
	if queue <= 0 {
		queue = 256
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	j := &Jobs{queue: make(chan namedJob, queue), logger: logger, ctx: ctx, cancel: cancel}
	j.idle = sync.NewCond(&j.mu)
	for range workers {
		j.workers.Go(j.work)
	}
	return j
}

func (j *Jobs) work() {
	for nj := range j.queue {
		j.run(nj)
	}
}

func (j *Jobs) run(nj namedJob) {
	defer func() {
		j.mu.Lock()
		j.pending--
		if j.pending == 0 {
			j.idle.Broadcast()
		}
		j.mu.Unlock()
	}()
	timeout := j.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(j.ctx, timeout)
	defer cancel()
	nj.run(ctx)
}

// Go queues job and returns at once: true if it was queued, false if the
// queue was full or closed (the job is dropped, logged with name, and
// counted in Dropped).
func (j *Jobs) Go(name string, job Job) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	if !j.closed {
		select {
		case j.queue <- namedJob{name: name, run: job}:
			j.pending++
			return true
		default:
		}
	}
	j.dropped.Add(1)
	j.logger.Warn("background job dropped: queue full or closed", "job", name, "dropped_total", j.dropped.Load())
	return false
}

// Dropped is how many jobs Go has dropped since the start (for metrics).
func (j *Jobs) Dropped() uint64 { return j.dropped.Load() }

// Wait returns when no job is queued or running. The dev outbox calls it
// before listing messages, so a developer sees the email a request queued.
func (j *Jobs) Wait() {
	j.mu.Lock()
	defer j.mu.Unlock()
	for j.pending > 0 {
		j.idle.Wait()
	}
}

// Close refuses new jobs and lets the queued ones run for up to Grace;
// then it cancels the context of the jobs still running or queued (which
// return early) and returns when the workers have stopped.
func (j *Jobs) Close() {
	j.mu.Lock()
	if j.closed {
		j.mu.Unlock()
		return
	}
	j.closed = true
	close(j.queue)
	j.mu.Unlock()
	grace := j.Grace
	if grace <= 0 {
		grace = 5 * time.Second
	}
	done := make(chan struct{})
	go func() { j.workers.Wait(); close(done) }()
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
	j.cancel()
	<-done
}
