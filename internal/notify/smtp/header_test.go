package smtp

import (
	"bytes"
	"errors"
	"mime"
	"net/mail"
	"slices"
	"strings"
	"testing"
	"time"
)

// FuzzWriteHeader checks the header builder's invariants for any recipient
// and subject:
//   - it either returns an error wrapping ErrHeader or writes a header that
//     net/mail parses;
//   - the header holds exactly the fields we write, once each: no input can
//     add a field (Bcc, Content-Type, ...);
//   - every line ends in CRLF and holds no other CR or LF;
//   - the To field parses back to the returned address, and the Subject
//     decodes back to the input less surrounding space (unless the input itself looks like an
//     encoded word, which RFC 2047 decoders rightly decode).
func FuzzWriteHeader(f *testing.F) {
	for _, seed := range [][2]string{
		{"penny@example.com", "Children's Services Portal: confirm your email address"},
		{"a@b.example\r\nBcc: x@y.example", "hi"},
		{"a@b.example", "hi\r\nBcc: x@y.example"},
		{"a@b.example", "hi\nContent-Type: text/html"},
		{"a@b.example", "hi\rX: y"},
		{"Zoë <zoe@example.com>", "Café ☕ " + strings.Repeat("long ", 60)},
		{"\"a\\\r\nb\" <a@b.example>", "x"},
		{"a@b.example", "\x00"},
		{"a@b.example", "\xff\xfe"},
		{"=?utf-8?q?a=0D=0AB?= <a@b.example>", "=?utf-8?q?x=0D=0ABcc:_y?="},
		{"a@[127.0.0.1]", "\t tab"},
	} {
		f.Add(seed[0], seed[1])
	}
	from := &mail.Address{Name: "Children's Services Portal", Address: "no-reply@council.example"}
	wantKeys := []string{"Date", "From", "Message-Id", "Mime-Version", "Subject", "To"}
	f.Fuzz(func(t *testing.T, to, subject string) {
		var b bytes.Buffer
		addr, err := writeHeader(&b, header{
			From: from, To: to, Subject: subject,
			Date: time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC), MessageID: "<id@council.example>",
		})
		if err != nil {
			if !errors.Is(err, ErrHeader) {
				t.Fatalf("error %v does not wrap ErrHeader", err)
			}
			if b.Len() != 0 {
				t.Fatalf("wrote %q before failing", b.String())
			}
			return
		}
		raw := b.String()
		if !strings.HasSuffix(raw, "\r\n") {
			t.Fatalf("header does not end in CRLF: %q", raw)
		}
		for _, line := range strings.Split(strings.TrimSuffix(raw, "\r\n"), "\r\n") {
			if strings.ContainsAny(line, "\r\n") {
				t.Fatalf("bare CR or LF in %q", line)
			}
		}
		msg, err := mail.ReadMessage(strings.NewReader(raw + "\r\nbody"))
		if err != nil {
			t.Fatalf("header does not parse: %v\n%q", err, raw)
		}
		var keys []string
		for k, v := range msg.Header {
			if len(v) != 1 {
				t.Errorf("field %s appears %d times", k, len(v))
			}
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if !slices.Equal(keys, wantKeys) {
			t.Fatalf("have fields %v, want %v\n%q", keys, wantKeys, raw)
		}
		if list, err := msg.Header.AddressList("To"); err != nil || len(list) != 1 || list[0].Address != addr {
			t.Errorf("To %q parses to %v (%v), want %q", msg.Header.Get("To"), list, err, addr)
		}
		if !strings.Contains(subject, "=?") {
			var dec mime.WordDecoder
			if have, err := dec.DecodeHeader(msg.Header.Get("Subject")); err != nil || have != strings.TrimSpace(subject) {
				t.Errorf("subject %q came back as %q (%v)", subject, have, err)
			}
		}
	})
}

func TestIsLangTag(t *testing.T) {
	for s, want := range map[string]bool{"cy": true, "en-GB": true, "": false, "cy\r\nBcc: x@example.com": false, "cy; x": false} {
		if isLangTag(s) != want {
			t.Errorf("isLangTag(%q) = %v", s, !want)
		}
	}
}
