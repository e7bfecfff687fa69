package redistrips

import (
	"context"
	"net"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
)

var _ redis.Hook = (*Counter)(nil)

// Counter counts the round trips and commands of the clients it is added
// to. The zero value is ready; it is safe for concurrent use.
type Counter struct {
	mu    sync.Mutex
	trips int
	cmds  int
	log   []string
	setup int
}

// Counts is what a Counter has seen.
type Counts struct {
	// Trips is the number of round trips: one per command sent alone,
	// one per pipeline.
	Trips int
	// Commands is the number of commands, those in pipelines included.
	Commands int
	// Log names each round trip in order: a command's name ("get"), or a
	// pipeline's commands joined by "+" ("zrange+smembers").
	Log []string
	// Setup is the number of round trips that set up a new connection
	// (HELLO, AUTH, SELECT, CLIENT SETINFO, READONLY), which go-redis sends
	// through the hooks too. They are not in Trips, Commands or Log: they
	// depend on the pool's state, not on the work.
	Setup int
}

// Sub returns what c saw since before (an earlier Counts of the same
// Counter).
func (c Counts) Sub(before Counts) Counts {
	return Counts{
		Trips:    c.Trips - before.Trips,
		Commands: c.Commands - before.Commands,
		Log:      c.Log[min(len(before.Log), len(c.Log)):],
		Setup:    c.Setup - before.Setup,
	}
}

// Counts returns a snapshot of what c has seen so far.
func (c *Counter) Counts() Counts {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Counts{Trips: c.trips, Commands: c.cmds, Log: append([]string(nil), c.log...), Setup: c.setup}
}

// isSetup reports whether name is a command go-redis sends on a new
// connection.
func isSetup(name string) bool {
	switch name {
	case "hello", "auth", "select", "client", "readonly":
		return true
	}
	return false
}

func (c *Counter) add(cmds []redis.Cmder) {
	names := make([]string, len(cmds))
	setup := true
	for i, cmd := range cmds {
		names[i] = cmd.Name()
		setup = setup && isSetup(names[i])
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if setup {
		c.setup++
		return
	}
	c.trips++
	c.cmds += len(cmds)
	c.log = append(c.log, strings.Join(names, "+"))
}

// DialHook counts nothing: a new connection is not a command.
func (c *Counter) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		return next(ctx, network, addr)
	}
}

// ProcessHook counts one round trip and one command.
func (c *Counter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.add([]redis.Cmder{cmd})
		return next(ctx, cmd)
	}
}

// ProcessPipelineHook counts one round trip and each command of the
// pipeline.
func (c *Counter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.add(cmds)
		return next(ctx, cmds)
	}
}
