package onetimecode

import (
	"context"
	"errors"

	"github.com/carekey/carekey/internal/flow"
	"github.com/carekey/carekey/internal/ratelimit"
	"github.com/carekey/carekey/internal/secret"
	"github.com/carekey/carekey/pkg/text"
)

// FieldCode is the form field every journey's code step names.
const FieldCode = "code"

// Required returns a *text.Invalid saying a code is needed (on FieldCode)
// when typed holds nothing but spaces and hyphens, and nil otherwise: the
// check before Redeem, which counts a try.
func Required(typed string) error {
	if secret.NormalizeCode(typed) != "" {
		return nil
	}
	var inv text.Invalid
	inv.Add(FieldCode, text.EmailCodeRequired)
	return &inv
}

// Step is a journey's code step: Required, then Redeem of typed for flow id
// in state from of journey j, whose right code moves the flow by e through
// j's table (flow.Advance at j's clock's time) in the same write. A flow in
// another state is flow.ErrTransition. It returns the flow as saved, or
// Required's and Redeem's errors.
func Step[S, E ~string](ctx context.Context, j flow.Journey[S, E], id string, pepper secret.Pepper, typed string, r Rules,
	from S, e E) (flow.Flow, error) {
	if err := Required(typed); err != nil {
		return flow.Flow{}, err
	}
	now := j.Clock.Now()
	f, err := Redeem(ctx, j.Flows, id, pepper, typed, now, r, string(from), func(f *flow.Flow) error {
		return flow.Advance(f, now, j.Table, e)
	})
	if errors.Is(err, ErrWrongState) {
		return f, flow.ErrTransition
	}
	return f, err
}

// LoadResend is the start of a journey's resend (event e, on flow id of j):
// the flow loaded (flow.Journey.Load), and Admit asked, at j's clock's
// time, whether a new code may go to the target the flow keeps under data
// key. It returns the flow as read and the target, or Load's and Admit's
// errors.
func LoadResend[S, E ~string](ctx context.Context, j flow.Journey[S, E], id string, e E, key string, r Rules,
	limiter ratelimit.Limiter, l ratelimit.Limit) (flow.Flow, string, error) {
	cur, err := j.Load(ctx, id, e)
	if err != nil {
		return cur, "", err
	}
	target := cur.Data[key]
	return cur, target, Admit(ctx, cur, target, j.Clock.Now(), r, true, limiter, l)
}
