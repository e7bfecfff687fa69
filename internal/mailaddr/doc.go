// Package mailaddr normalises and checks email addresses typed by users, in
// one place, before they are stored or looked up: surrounding space trimmed,
// lower-cased, one "@" with a plausible local part and domain, no control
// characters (so no CR or LF can ever reach a mail header).
//
//	addr, err := mailaddr.Normalize("  Penny@Example.COM ") // "penny@example.com"
package mailaddr
