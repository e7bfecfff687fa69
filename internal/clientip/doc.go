// Package clientip finds the address of the client behind a request, for rate
// limits and audit rows. The peer of the TCP connection is the client unless
// it is one of the operator's trusted proxies (http.trusted_proxies); then,
// and only then, X-Forwarded-For is read from the right, and the client is the
// rightmost address that is not itself a trusted proxy. Anything a client
// writes into the header sits to the left of what the proxies append, so it
// is never reached while a proxy in the chain is honest; an entry that does not
// parse stops the walk at the last address that did.
//
//	r, err := clientip.New([]string{"10.0.0.0/8"})
//	ip := r.Resolve("10.1.2.3:4711", req.Header.Values("X-Forwarded-For")) // "198.51.100.7"
//	ctx = clientip.NewContext(ctx, ip)
//	clientip.FromContext(ctx) // "198.51.100.7", true
//
// The package imports only the standard library.
package clientip
