// Package clock provides the time source that domain code reads instead of
// calling time.Now, so that expiry can be tested with a fake clock.
//
//	clk := clock.System()
//	deadline := clk.Now().Add(30 * time.Minute)
package clock

import "time"

// Clock tells the current time.
type Clock interface {
	Now() time.Time
}

type system struct{}

func (system) Now() time.Time { return time.Now().UTC() }

// System returns the real clock, in UTC.
func System() Clock { return system{} }
