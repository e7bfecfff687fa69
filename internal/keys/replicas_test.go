package keys

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/clock/clocktest"
	"github.com/carekey/carekey/internal/store"
)

// outageStore is a fakeStore that fails every call while down.
type outageStore struct {
	fakeStore
	down bool
}

var errDown = errors.New("connection refused")

func (s *outageStore) CreateSigningKey(ctx context.Context, k store.SigningKey) error {
	if s.isDown() {
		return errDown
	}
	return s.fakeStore.CreateSigningKey(ctx, k)
}

func (s *outageStore) ListSigningKeys(ctx context.Context) ([]store.SigningKey, error) {
	if s.isDown() {
		return nil, errDown
	}
	return s.fakeStore.ListSigningKeys(ctx)
}

func (s *outageStore) isDown() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.down
}

func (s *outageStore) setDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

// TestKeysServedThroughAnOutage: within a key's life, neither the JWKS nor
// signing needs the database: the last good key set is served when the store
// cannot be read.
func TestKeysServedThroughAnOutage(t *testing.T) {
	st, clk := &outageStore{}, clocktest.New(start)
	m := newManager(t, st, clk)
	k := mustSigning(t, m, ES256)
	st.setDown(true)
	for _, step := range []time.Duration{ttl, time.Hour, rotation / 2} {
		clk.Advance(step)
		ks, err := m.Public(t.Context())
		if err != nil || len(ks) != 1 || ks[0].ID != k.ID {
			t.Fatalf("%v into the outage: Public = %v, %v; want the cached key", clk.Now().Sub(start), ks, err)
		}
		if got, err := m.Signing(t.Context(), ES256); err != nil || got.ID != k.ID {
			t.Fatalf("%v into the outage: Signing = %v, %v; want the cached key", clk.Now().Sub(start), got.ID, err)
		}
	}
	st.setDown(false)
	clk.Advance(ttl)
	if _, err := m.Public(t.Context()); err != nil {
		t.Fatalf("after the outage: %v", err)
	}
}

// TestEveryTokenVerifiesAtEveryReplica: two replicas sign and publish over
// several rotations, with an operator's rotation in the middle and traffic
// that stops for a while; at every moment each key that signs is in every
// replica's JWKS, so every token verifies wherever the client fetches the keys.
func TestEveryTokenVerifiesAtEveryReplica(t *testing.T) {
	st, clk := &fakeStore{}, clocktest.New(start)
	replicas := []*Manager{newManager(t, st, clk), newManager(t, st, clk)}
	step := ttl / 3
	end := start.Add(4*rotation + rotation/3)
	var quiet [2]time.Time // no sign-ins then, only JWKS fetches: set around the end of a key's period
	rotated := false
	signers := map[string]bool{}
	for i := 0; clk.Now().Before(end); i++ {
		if !rotated && clk.Now().After(start.Add(rotation+rotation/2)) {
			if _, err := replicas[1].Rotate(t.Context(), ES256); err != nil { // idp keys rotate
				t.Fatal(err)
			}
			rotated = true
		}
		if quiet[0].IsZero() && clk.Now().After(start.Add(2*rotation+rotation/2)) {
			k := mustSigning(t, replicas[0], ES256)
			end := k.CreatedAt.Add(rotation)
			quiet = [2]time.Time{end.Add(-2 * ttl), end.Add(5 * ttl)}
		}
		for _, r := range replicas { // relying parties fetch the JWKS all the time
			publicIDs(t, r)
		}
		if !(clk.Now().After(quiet[0]) && clk.Now().Before(quiet[1])) {
			for j := range replicas {
				signer := replicas[(i+j)%2]
				k := mustSigning(t, signer, ES256)
				signers[k.ID] = true
				for r, other := range replicas {
					if ids := publicIDs(t, other); !slices.Contains(ids, k.ID) {
						t.Fatalf("at %v: a token signed with %s does not verify at replica %d, whose JWKS is %v",
							clk.Now().Sub(start), k.ID, r, ids)
					}
				}
			}
		}
		clk.Advance(step)
	}
	if len(signers) < 5 {
		t.Errorf("%d keys signed over four rotations and a manual one, want at least 5", len(signers))
	}
}

// TestSuccessorIDsDoNotCollide: a key made by Rotate at any moment gets a
// successor of its own, even when a pre-published key already holds the
// rotation slot its end falls in.
func TestSuccessorIDsDoNotCollide(t *testing.T) {
	st, clk := &fakeStore{}, clocktest.New(start)
	m := newManager(t, st, clk)
	k1 := mustSigning(t, m, ES256)
	clk.Advance(rotation / 2)
	k2, err := m.Rotate(t.Context(), ES256)
	if err != nil {
		t.Fatal(err)
	}
	// Run until k2's period is over: each key's successor must be made once,
	// with its own ID.
	for clk.Now().Before(k2.CreatedAt.Add(rotation + 2*ttl)) {
		mustSigning(t, m, ES256)
		clk.Advance(ttl / 2)
	}
	recs, _ := st.snapshot()
	seen := map[string]bool{}
	for _, r := range recs {
		if seen[r.ID] {
			t.Fatalf("two keys with ID %s", r.ID)
		}
		seen[r.ID] = true
	}
	if successorID(ES256, k1.ID) == successorID(ES256, k2.ID) {
		t.Error("successors of two keys share an ID")
	}
}
