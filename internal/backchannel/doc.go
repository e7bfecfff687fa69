// Package backchannel sends OpenID Connect Back-Channel Logout 1.0 logout
// tokens. When a browser session at carekey ends (end_session or the hosted
// sign-out button), every client that received tokens in that session and is
// registered with a backchannel_logout_uri is told so by a POST of
// logout_token=<JWT>, so that it can end its own session with that sid.
//
// The logout token is signed with the provider's current signing key (the
// client's id_token_signing_alg, else the default), has the JOSE header
// typ "logout+jwt" and the claims iss, aud (the client ID), iat, exp (iat +
// two minutes), jti, sub, sid and events, and never a nonce.
//
// Delivery runs in the background, so the user's redirect never waits for a
// client: each token is tried up to len(Config.Backoff) times, waiting
// Backoff[i] before attempt i (default 0, 1 s, 4 s); a 200 or 204 answer ends
// it. Close stops pending retries and waits for deliveries under way.
//
//	s, err := backchannel.New(backchannel.Config{Issuer: iss, Clients: cfg.Clients, Keys: km, Algorithm: "ES256", Clock: clk})
//	s.SessionEnded(ctx, sess) // returns at once
//	defer s.Close()
package backchannel
