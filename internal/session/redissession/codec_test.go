package redissession

import (
	"reflect"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/session"
)

var codecStart = time.Date(2025, 3, 3, 9, 0, 0, 123456789, time.FixedZone("BST", 3600))

func TestCodecRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		have session.Session
	}{
		{"empty", session.Session{ID: "s"}},
		{"user only", session.Session{ID: "s", UserID: "usr_p"}},
		{"typical", session.Session{ID: "s", UserID: "usr_p", AuthTime: codecStart, AMR: []string{"pwd", "sms", "mfa"},
			Clients: []string{"dashboard", "dev-public"}, CreatedAt: codecStart, LastSeen: codecStart.Add(3*time.Minute + time.Nanosecond),
			IdleTimeout: 15*time.Minute + time.Nanosecond, ExpiresAt: codecStart.Add(12 * time.Hour)}},
		{"some times zero", session.Session{ID: "s", UserID: "u", LastSeen: codecStart, ExpiresAt: codecStart.Add(-time.Hour)}},
		{"times before 1970", session.Session{ID: "s", AuthTime: time.Date(1960, 1, 1, 0, 0, 0, 1, time.UTC), ExpiresAt: codecStart}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := encode(tc.have)
			if err != nil {
				t.Fatal(err)
			}
			got, err := decode(tc.have.ID, b)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			want := tc.have
			for _, tm := range []*time.Time{&want.AuthTime, &want.CreatedAt, &want.LastSeen, &want.ExpiresAt} {
				if !tm.IsZero() {
					*tm = tm.UTC()
				}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

// Sessions written as JSON by the previous release are still read.
func TestCodecReadsJSONRecords(t *testing.T) {
	b := []byte(`{"u":"usr_p","at":"2025-03-03T09:00:00.123456789Z","amr":["pwd","sms","mfa"],"c":["dashboard"],` +
		`"ca":"2025-03-03T09:00:00.123456789Z","ls":"2025-03-03T09:03:00Z","it":900000000000,"ea":"2025-03-03T21:00:00Z"}`)
	got, err := decode("s", b)
	if err != nil {
		t.Fatal(err)
	}
	if got.UserID != "usr_p" || got.IdleTimeout != 15*time.Minute || len(got.AMR) != 3 || got.Clients[0] != "dashboard" ||
		!got.ExpiresAt.Equal(time.Date(2025, 3, 3, 21, 0, 0, 0, time.UTC)) {
		t.Errorf("decoded %+v", got)
	}
}

func TestCodecRefusesMalformedRecords(t *testing.T) {
	good, _ := encode(session.Session{ID: "s", UserID: "usr_p", AuthTime: codecStart, AMR: []string{"pwd"}})
	for name, b := range map[string][]byte{
		"empty":          {},
		"unknown format": {2, 0},
		"truncated":      good[:len(good)-2],
		"trailing bytes": append(append([]byte{}, good...), 0),
		"unknown flag":   {formatBinary, 0x10, 0, 0, 0, 0},
		"huge count":     {formatBinary, 0, 0, 0, 0xff, 0xff, 0x03},
	} {
		if _, err := decode("s", b); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
}

// FuzzDecode: a stored record never panics the decoder; what decodes
// encodes back to a record that decodes to the same session.
func FuzzDecode(f *testing.F) {
	typical, _ := encode(session.Session{ID: "s", UserID: "usr_p", AuthTime: codecStart, AMR: []string{"pwd", "sms"},
		Clients: []string{"dashboard"}, CreatedAt: codecStart, LastSeen: codecStart, IdleTimeout: time.Minute, ExpiresAt: codecStart.Add(time.Hour)})
	f.Add(typical)
	f.Add([]byte(`{"u":"x"}`))
	f.Add([]byte{formatBinary, 0x0f, 0, 1, 2, 3, 4, 5, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := decode("s", b)
		if err != nil {
			return
		}
		again, err := encode(s)
		if err != nil {
			t.Fatal(err)
		}
		s2, err := decode("s", again)
		if err != nil || !reflect.DeepEqual(s, s2) {
			t.Fatalf("re-encoded record decodes to %+v, %v; want %+v", s2, err, s)
		}
	})
}

func TestCodecRefusesJSONTimesOutOfRange(t *testing.T) {
	if _, err := decode("s", []byte(`{"u":"x","at":"0001-01-02T00:00:00Z"}`)); err == nil {
		t.Error("a JSON record from year 1 decoded")
	}
}
