package redisauth_test

import (
	"errors"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/authstate"
	"github.com/carekey/carekey/internal/authstate/redisauth"
	"github.com/carekey/carekey/internal/clock/clocktest"
	"github.com/carekey/carekey/internal/rediscas"
	"github.com/carekey/carekey/internal/redistrips"
	"github.com/carekey/carekey/internal/testenv"
)

// SaveCodeAhead: a code kept is bound to its request; a code dropped is
// gone once the request's queued writes have gone out.
func TestSaveCodeAhead(t *testing.T) {
	c, prefix := testenv.RedisClient(t)
	clk := clocktest.New(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	st := redisauth.New(c, prefix, clk)
	end := clk.Now().Add(time.Minute)

	ctx := rediscas.WithMemo(t.Context())
	saved, _ := st.SaveCodeAhead(ctx, "kept", "ar_1", end)
	if err := saved(); err != nil {
		t.Fatal(err)
	}
	if id, err := st.ConsumeCode(t.Context(), "kept", end); err != nil || id != "ar_1" {
		t.Errorf("kept code: %q, %v; want ar_1", id, err)
	}

	ctx = rediscas.WithMemo(t.Context())
	_, drop := st.SaveCodeAhead(ctx, "dropped", "ar_2", end)
	drop()
	if err := rediscas.Flush(ctx, c); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ConsumeCode(t.Context(), "dropped", end); !errors.Is(err, authstate.ErrNotFound) {
		t.Errorf("dropped code: %v, want authstate.ErrNotFound", err)
	}
}

// CreateAccessTokenAhead: the token's write rides with the request's next
// round trip (here, the record of a code's tokens: one pipeline), lands
// before it, and await says whether it was written; an ID already taken is
// authstate.ErrConflict.
func TestCreateAccessTokenAhead(t *testing.T) {
	var n redistrips.Counter
	c, prefix := testenv.RedisClient(t)
	c.AddHook(&n)
	clk := clocktest.New(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	st := redisauth.New(c, prefix, clk)
	end := clk.Now().Add(time.Minute)
	if err := st.SaveCode(t.Context(), "code", "ar_1", end); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ConsumeCode(t.Context(), "code", end); err != nil {
		t.Fatal(err)
	}
	tok := authstate.AccessToken{ID: "at_1", ClientID: "portal", Subject: "usr_p", CreatedAt: clk.Now(), ExpiresAt: end}

	ctx := rediscas.WithMemo(t.Context())
	if _, err := st.UsedCodeTokens(ctx, "code"); err != nil { // the code, in the memo
		t.Fatal(err)
	}
	before := n.Counts()
	written := st.CreateAccessTokenAhead(ctx, tok)
	if err := st.AddCodeTokens(ctx, "code", authstate.CodeTokens{AccessTokenIDs: []string{tok.ID}}); err != nil {
		t.Fatal(err)
	}
	if err := written(); err != nil {
		t.Fatalf("await: %v", err)
	}
	if got := n.Counts().Sub(before); got.Trips != 1 {
		t.Errorf("the token's write and the record took %d round trips (%q), want 1", got.Trips, got.Log)
	}
	if got, err := st.GetAccessToken(t.Context(), tok.ID); err != nil || got.Subject != "usr_p" {
		t.Errorf("the token written ahead: %+v, %v", got, err)
	}

	ctx = rediscas.WithMemo(t.Context())
	if err := st.CreateAccessTokenAhead(ctx, tok)(); !errors.Is(err, authstate.ErrConflict) {
		t.Errorf("an ID taken: %v, want authstate.ErrConflict", err)
	}
}

// On a Redis Cluster, whose pipelines reach each key's node concurrently,
// CreateAccessTokenAhead writes the token at once: it must exist before
// the record of the code's tokens names it.
func TestCreateAccessTokenAheadClusterWritesAtOnce(t *testing.T) {
	c, prefix := testenv.RedisCluster(t)
	clk := clocktest.New(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	st := redisauth.New(c, prefix, clk)
	tok := authstate.AccessToken{ID: "at_1", ClientID: "portal", Subject: "usr_p", CreatedAt: clk.Now(), ExpiresAt: clk.Now().Add(time.Minute)}
	written := st.CreateAccessTokenAhead(rediscas.WithMemo(t.Context()), tok)
	if _, err := st.GetAccessToken(t.Context(), tok.ID); err != nil {
		t.Errorf("before the await, from another request: %v; want the token written", err)
	}
	if err := written(); err != nil {
		t.Error(err)
	}
}
