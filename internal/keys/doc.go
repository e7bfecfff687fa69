// Package keys manages the provider's signing keys: it generates them, rotates
// them, encrypts their private halves at rest (AES-256-GCM, the key ID as
// additional data so blobs cannot be swapped between rows) and shares them
// between replicas through the store.
//
// Lifetime of a key, with R the rotation period:
//
//	CreatedAt ──── signing period (R) ────┬──── published only (R) ────┬ ExpiresAt
//	                                      └ a successor takes over      └ gone from JWKS
//
// Which key signs (one rule, the same on every replica): among the keys of the
// algorithm still in their signing period, the newest one that is "settled" —
// at least CacheTTL old, so every replica has re-read the store and publishes
// it — or, if none is settled, the oldest of them. So after Rotate the new key
// starts signing one CacheTTL later, once every replica's JWKS has it, while
// the old key stays published; and replicas that generated keys at the same
// moment all settle on the same (oldest) one.
//
// When no key is in its signing period, Signing generates one. Its ID is
// derived from the algorithm and the rotation slot (now truncated to R), so
// replicas that race to generate it collide on the store's unique ID and all
// use the winner's key. If that ID is taken by a key that cannot sign (the
// rotation period was changed), a random ID is used instead and the rule
// above settles the race. Rotate always uses a random ID.
//
// Within the last CacheTTL of a key's signing period, Signing also generates
// its successor ahead of time, with an ID derived from its predecessor's (so
// every replica computes the same one and no other key can hold it), and the
// successor is published everywhere by the time it signs. If nothing signed
// in that window, the successor is made late and the old key, still
// published, keeps signing until the successor has settled: no replica ever
// signs with a key another replica does not publish yet. Only the very first
// key, or one made after more than one and a half periods without a sign-in,
// signs as soon as it is made (a replica whose cache holds no live key reads
// the store before it answers).
//
// Decrypted keys are cached in memory; the store is re-read at most every
// CacheTTL, or at once when no cached key can sign. When the store cannot be
// read, the last good set keeps signing and publishing (the JWKS needs no
// database within a key's life), and the store is tried again a few seconds
// later.
//
// The Cipher is a keyring: it seals under the current encryption key and
// opens under it or a previous one, so the encryption key can be replaced;
// Reencrypt reseals every stored key under the current one.
//
//	m := keys.NewManager(keys.Config{Store: st, Cipher: c, Clock: clk, Rotation: 30 * 24 * time.Hour})
//	k, err := m.Signing(ctx, keys.ES256) // sign ID tokens with k.Private, kid k.ID
//	pub, err := m.Public(ctx)             // the JWKS
package keys
