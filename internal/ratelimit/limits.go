package ratelimit

import (
	"errors"
	"fmt"
	"time"
)

// Limits names the rate limits the journeys apply. Keys are normalised
// before use: an IP address as text, a user ID, an E.164 number, a
// lower-cased email address.
type Limits struct {
	// SigninPerIP counts sign-in attempts (right or wrong) from one IP
	// address, to slow password spraying across many accounts.
	SigninPerIP Limit
	// SigninPerAccount counts sign-in attempts at one account from any
	// address, except those a source's Lockout.SourceBackoff already
	// refused (so one source alone cannot use it up). It throttles; the
	// durable Lockout is what locks.
	SigninPerAccount Limit
	// CodesPerPhone counts SMS codes sent to one phone number.
	CodesPerPhone Limit
	// CallsPerPhone counts voice calls made to one phone number.
	CallsPerPhone Limit
	// EmailCodesPerAddress counts codes emailed to one address
	// (registration and forgotten password together).
	EmailCodesPerAddress Limit
	// RegistrationsPerIP counts registrations started from one IP address.
	RegistrationsPerIP Limit
}

// Defaults returns carekey's default limits:
//
//	SigninPerIP           30 per 5 minutes   (NAT'd offices share an address)
//	SigninPerAccount      20 per 15 minutes  (above the lockout's 10 in a row)
//	CodesPerPhone          5 per 15 minutes  (design.md §3.3)
//	CallsPerPhone          3 per 15 minutes  (design.md §3.3)
//	EmailCodesPerAddress  10 per hour
//	RegistrationsPerIP    20 per hour
func Defaults() Limits {
	return Limits{
		SigninPerIP:          Limit{Name: "signin-ip", Max: 30, Window: 5 * time.Minute},
		SigninPerAccount:     Limit{Name: "signin-account", Max: 20, Window: 15 * time.Minute},
		CodesPerPhone:        Limit{Name: "codes-phone", Max: 5, Window: 15 * time.Minute},
		CallsPerPhone:        Limit{Name: "calls-phone", Max: 3, Window: 15 * time.Minute},
		EmailCodesPerAddress: Limit{Name: "email-codes-address", Max: 10, Window: time.Hour},
		RegistrationsPerIP:   Limit{Name: "registrations-ip", Max: 20, Window: time.Hour},
	}
}

// All returns every limit in ls, in field order.
func (ls Limits) All() []Limit {
	return []Limit{ls.SigninPerIP, ls.SigninPerAccount, ls.CodesPerPhone,
		ls.CallsPerPhone, ls.EmailCodesPerAddress, ls.RegistrationsPerIP}
}

// Validate reports every invalid limit in ls, and names used twice (which
// would make two limits share counters).
func (ls Limits) Validate() error {
	var errs []error
	seen := map[string]bool{}
	for _, l := range ls.All() {
		if err := l.Validate(); err != nil {
			errs = append(errs, err)
		}
		if seen[l.Name] {
			errs = append(errs, fmt.Errorf("%w: name %q used twice", ErrInvalidLimit, l.Name))
		}
		seen[l.Name] = true
	}
	return errors.Join(errs...)
}
