package redissession

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/carekey/carekey/internal/session"
)

// A session is stored in a compact binary record (format 1), about 120 bytes
// for a typical session against some 280 as JSON, so that a signed-in session
// costs at most 512 bytes of Redis with its user's index (issue 13):
//
//	1                         format
//	flags                     which of AuthTime, CreatedAt, LastSeen, ExpiresAt are set
//	uvarint len, UserID
//	varint base               Unix ns of the first time set
//	varint t - base           for each time set, in that order
//	varint IdleTimeout        ns
//	uvarint n, n × (uvarint len, string)   AMR
//	uvarint n, n × (uvarint len, string)   Clients
//
// Records written as JSON by an earlier release (they start with '{') are
// still read.
const formatBinary = 1

var errRecord = errors.New("malformed session record")

// The times a record can hold: those of Unix nanoseconds in an int64.
var (
	minTime = time.Unix(0, math.MinInt64)
	maxTime = time.Unix(0, math.MaxInt64)
)

func encode(s session.Session) ([]byte, error) {
	times := [4]time.Time{s.AuthTime, s.CreatedAt, s.LastSeen, s.ExpiresAt}
	b := make([]byte, 0, 128)
	b = append(b, formatBinary, 0)
	var base int64
	first := true
	for i, t := range times {
		if t.IsZero() {
			continue
		}
		b[1] |= 1 << i
		if first {
			base, first = t.UnixNano(), false
		}
	}
	b = appendString(b, s.UserID)
	if !first {
		b = binary.AppendVarint(b, base)
		for _, t := range times {
			if !t.IsZero() {
				b = binary.AppendVarint(b, t.UnixNano()-base)
			}
		}
	}
	b = binary.AppendVarint(b, int64(s.IdleTimeout))
	b = appendStrings(b, s.AMR)
	b = appendStrings(b, s.Clients)
	return b, nil
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

func appendStrings(b []byte, ss []string) []byte {
	b = binary.AppendUvarint(b, uint64(len(ss)))
	for _, s := range ss {
		b = appendString(b, s)
	}
	return b
}

func decode(id string, b []byte) (session.Session, error) {
	if len(b) > 0 && b[0] == '{' {
		return decodeJSON(id, b)
	}
	s, err := decodeBinary(id, b)
	if err != nil {
		return session.Session{}, fmt.Errorf("decode session %s: %w", id, err)
	}
	return s, nil
}

// reader reads the binary record, remembering the first error.
type reader struct {
	b   []byte
	err error
}

func (r *reader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err, r.b = errRecord, nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) string() string {
	l, n := binary.Uvarint(r.b)
	if n <= 0 || l > uint64(len(r.b)-n) {
		r.err, r.b = errRecord, nil
		return ""
	}
	s := string(r.b[n : n+int(l)])
	r.b = r.b[n+int(l):]
	return s
}

func (r *reader) strings() []string {
	c, n := binary.Uvarint(r.b)
	if n <= 0 || c > uint64(len(r.b)) { // each string takes a byte at least
		r.err, r.b = errRecord, nil
		return nil
	}
	r.b = r.b[n:]
	if c == 0 {
		return nil
	}
	out := make([]string, c)
	for i := range out {
		out[i] = r.string()
	}
	return out
}

func decodeBinary(id string, b []byte) (session.Session, error) {
	if len(b) < 2 || b[0] != formatBinary {
		return session.Session{}, errRecord
	}
	flags := b[1]
	r := &reader{b: b[2:]}
	s := session.Session{ID: id, UserID: r.string()}
	if flags&0x0f != 0 {
		base := r.varint()
		for i, t := range []*time.Time{&s.AuthTime, &s.CreatedAt, &s.LastSeen, &s.ExpiresAt} {
			if flags&(1<<i) != 0 {
				*t = time.Unix(0, base+r.varint()).UTC()
			}
		}
	}
	s.IdleTimeout = time.Duration(r.varint())
	s.AMR = r.strings()
	s.Clients = r.strings()
	if r.err != nil || len(r.b) != 0 || flags&^0x0f != 0 {
		return session.Session{}, errRecord
	}
	return s, nil
}

// record is the JSON form of a session written by earlier releases.
type record struct {
	UserID      string        `json:"u"`
	AuthTime    time.Time     `json:"at,omitzero"`
	AMR         []string      `json:"amr,omitempty"`
	Clients     []string      `json:"c,omitempty"`
	CreatedAt   time.Time     `json:"ca,omitzero"`
	LastSeen    time.Time     `json:"ls,omitzero"`
	IdleTimeout time.Duration `json:"it,omitempty"`
	ExpiresAt   time.Time     `json:"ea,omitzero"`
}

func decodeJSON(id string, b []byte) (session.Session, error) {
	var r record
	if err := json.Unmarshal(b, &r); err != nil {
		return session.Session{}, fmt.Errorf("decode session %s: %w", id, err)
	}
	for _, t := range []time.Time{r.AuthTime, r.CreatedAt, r.LastSeen, r.ExpiresAt} {
		if !t.IsZero() && (t.Before(minTime) || t.After(maxTime)) {
			// carekey never wrote such a time; the binary format could not
			// hold it either.
			return session.Session{}, fmt.Errorf("decode session %s: time %v out of range: %w", id, t, errRecord)
		}
	}
	return session.Session{
		ID:          id,
		UserID:      r.UserID,
		AuthTime:    r.AuthTime.UTC(),
		AMR:         r.AMR,
		Clients:     r.Clients,
		CreatedAt:   r.CreatedAt.UTC(),
		LastSeen:    r.LastSeen.UTC(),
		IdleTimeout: r.IdleTimeout,
		ExpiresAt:   r.ExpiresAt.UTC(),
	}, nil
}
