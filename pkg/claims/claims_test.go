package claims_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/carekey/carekey/pkg/claims"
)

// decode returns the value encoding/json gives for s, as an RP holding a
// map[string]any of claims would have it.
func decode(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return v
}

func TestParseAccounts(t *testing.T) {
	charlie := claims.Account{ID: "acc_1", Name: "Charlie QQ Cherry", Birthdate: "2013-11-07", Relationship: "child"}
	for _, tc := range []struct {
		name    string
		have    any
		want    []claims.Account
		wantErr bool
	}{
		{name: "absent", have: nil, want: nil},
		{name: "null", have: decode(t, `null`), want: nil},
		{name: "empty list", have: decode(t, `[]`), want: []claims.Account{}},
		{
			name: "decoded JSON",
			have: decode(t, `[{"id":"acc_1","name":"Charlie QQ Cherry","birthdate":"2013-11-07","relationship":"child"}]`),
			want: []claims.Account{charlie},
		},
		{
			name: "raw message",
			have: json.RawMessage(`[{"id":"acc_1","name":"Charlie QQ Cherry","birthdate":"2013-11-07","relationship":"child"}]`),
			want: []claims.Account{charlie},
		},
		{name: "typed", have: []claims.Account{charlie}, want: []claims.Account{charlie}},
		{
			name: "unknown fields ignored, order kept",
			have: decode(t, `[{"id":"b","name":"Zed","extra":1},{"id":"a","name":"Amy","birthdate":""}]`),
			want: []claims.Account{{ID: "b", Name: "Zed"}, {ID: "a", Name: "Amy"}},
		},
		{name: "not a list", have: decode(t, `{"id":"acc_1","name":"x"}`), wantErr: true},
		{name: "string", have: "acc_1", wantErr: true},
		{name: "list of strings", have: decode(t, `["acc_1"]`), wantErr: true},
		{name: "no id", have: decode(t, `[{"name":"Charlie"}]`), wantErr: true},
		{name: "no name", have: decode(t, `[{"id":"acc_1"}]`), wantErr: true},
		{name: "id not a string", have: decode(t, `[{"id":7,"name":"x"}]`), wantErr: true},
		{name: "bad birthdate", have: decode(t, `[{"id":"a","name":"x","birthdate":"07/11/2013"}]`), wantErr: true},
		{name: "impossible birthdate", have: decode(t, `[{"id":"a","name":"x","birthdate":"2013-02-30"}]`), wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			have, err := claims.ParseAccounts(tc.have)
			if tc.wantErr {
				if !errors.Is(err, claims.ErrInvalidAccounts) {
					t.Fatalf("ParseAccounts() error = %v, want ErrInvalidAccounts", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseAccounts() error = %v", err)
			}
			if !reflect.DeepEqual(have, tc.want) {
				t.Errorf("ParseAccounts() = %#v, want %#v", have, tc.want)
			}
		})
	}
}

func TestParseAccountsCopiesTypedInput(t *testing.T) {
	in := []claims.Account{{ID: "a", Name: "Amy"}}
	out, err := claims.ParseAccounts(in)
	if err != nil {
		t.Fatal(err)
	}
	out[0].Name = "changed"
	if in[0].Name != "Amy" {
		t.Errorf("ParseAccounts changed its input: %q", in[0].Name)
	}
}

func TestBirthdateDisplay(t *testing.T) {
	for _, tc := range []struct {
		have    string
		want    string
		wantErr bool
	}{
		{have: "2013-11-07", want: "07 Nov 2013"},
		{have: "2006-05-01", want: "01 May 2006"},
		{have: "1981-02-04", want: "04 Feb 1981"},
		{have: "", wantErr: true},
		{have: "2013-11-7", wantErr: true},
		{have: "2013-13-01", wantErr: true},
	} {
		t.Run(tc.have, func(t *testing.T) {
			have, err := claims.Account{ID: "a", Birthdate: tc.have}.BirthdateDisplay()
			if (err != nil) != tc.wantErr {
				t.Fatalf("BirthdateDisplay() error = %v, wantErr %v", err, tc.wantErr)
			}
			if have != tc.want {
				t.Errorf("BirthdateDisplay() = %q, want %q", have, tc.want)
			}
		})
	}
}

// FuzzParseAccounts checks, for any JSON the IdP might send: no panic; on
// success every account has an id and a name, and a birthdate, if any,
// displays without error.
func FuzzParseAccounts(f *testing.F) {
	for _, s := range []string{
		`[{"id":"acc_1","name":"Charlie QQ Cherry","birthdate":"2013-11-07","relationship":"child"}]`,
		`null`, `[]`, `{}`, `[null]`, `[{"id":""}]`, `[{"id":"a","name":"b","birthdate":"0000-00-00"}]`,
		`[{"id":"a\u0000","name":"<script>","birthdate":"2013-11-07\n"}]`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var v any
		if json.Unmarshal([]byte(s), &v) != nil {
			return
		}
		accounts, err := claims.ParseAccounts(v)
		if err != nil {
			return
		}
		for i, a := range accounts {
			if a.ID == "" || a.Name == "" {
				t.Fatalf("accounts[%d] = %#v: empty id or name accepted", i, a)
			}
			if a.Birthdate == "" {
				continue
			}
			if _, err := a.BirthdateDisplay(); err != nil {
				t.Fatalf("accounts[%d]: accepted birthdate does not display: %v", i, err)
			}
		}
	})
}
