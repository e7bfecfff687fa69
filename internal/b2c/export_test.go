package b2c_test

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/carekey/carekey/internal/b2c"
	"github.com/carekey/carekey/internal/store"
)

const ext = "extension_0123456789abcdef0123456789abcdef_"

// mapping is the attribute mapping of testdata/export.jsonl.
var mapping = b2c.Mapping{
	Role: ext + "Role", Organisation: ext + "Organisation", Professional: ext + "Professional",
	Street: "streetAddress", Town: "city", Postcode: "postalCode",
}

func TestParseExportSample(t *testing.T) {
	f, err := os.Open("testdata/export.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, refused, err := b2c.ParseExport(f, mapping)
	if err != nil {
		t.Fatalf("ParseExport: %v", err)
	}
	want := []b2c.Record{
		{Line: 1, ObjectID: "0b1f6c1e-6d2a-4d38-9a51-000000000001", Email: "penny.plumber@example.org", GivenName: "Penny", FamilyName: "Plumber",
			Phone: "+447700900123", Profile: store.Profile{Role: "Parent", Organisation: "Self", Street: "1 High Street", Town: "Norwich", Postcode: "NR1 2DH"}},
		// authentication.phoneMethods read too; the mobile preferred to the office number.
		{Line: 2, ObjectID: "0b1f6c1e-6d2a-4d38-9a51-000000000002", Email: "sam@council.example.gov.uk", GivenName: "Sam", FamilyName: "Social-Worker",
			Phone: "+447700900456", Profile: store.Profile{Professional: true, Role: "Social worker", Organisation: "Example Council", Street: "County Hall", Town: "Norwich", Postcode: "NR1 2DH"}},
		// Names from displayName; no phone: enrols one at first sign-in.
		{Line: 3, ObjectID: "0b1f6c1e-6d2a-4d38-9a51-000000000003", Email: "nia@example.org", GivenName: "Nia", FamilyName: "Nophone"},
	}
	if !reflect.DeepEqual(recs, want) {
		t.Errorf("records:\n%+v\nwant\n%+v", recs, want)
	}
	wantRefused := []struct {
		line   int
		reason string
	}{
		{5, "no email identity"},
		{6, "bad email address"},
		{7, "bad phone number (phoneMethods mobile)"},
		{8, "duplicate: the id of line 1"},
		{9, "duplicate: the email address of line 1"},
		{10, "not a JSON object"},
		{11, "bad postcode (postalCode)"},
		{12, "no id"},
	}
	if len(refused) != len(wantRefused) {
		t.Fatalf("refused %d lines, want %d: %v", len(refused), len(wantRefused), refused)
	}
	for i, w := range wantRefused {
		if refused[i].Line != w.line || !strings.Contains(refused[i].Reason, w.reason) {
			t.Errorf("refused[%d] = %v, want line %d: %q", i, refused[i], w.line, w.reason)
		}
	}
}

func TestParseExportRecords(t *testing.T) {
	const id = `"id":"6f1e0c2a-0000-4000-8000-000000000001"`
	const email = `"identities":[{"signInType":"emailAddress","issuerAssignedId":"ann@example.org"}]`
	for _, tc := range []struct {
		name       string
		have       string
		want       b2c.Record // Line and ObjectID filled in by the test
		wantReason string
	}{
		{name: "minimal", have: `{` + id + `,` + email + `,"givenName":"Ann","surname":"Smith"}`,
			want: b2c.Record{Email: "ann@example.org", GivenName: "Ann", FamilyName: "Smith"}},
		{name: "surname only", have: `{` + id + `,` + email + `,"surname":"Smith"}`, wantReason: "no givenName"},
		{name: "no names at all", have: `{` + id + `,` + email + `}`, wantReason: "no givenName"},
		{name: "name with a control character", have: `{` + id + `,` + email + `,"givenName":"A\u0007nn","surname":"Smith"}`, wantReason: "givenName holds control characters"},
		{name: "name too long", have: `{` + id + `,` + email + `,"givenName":"` + strings.Repeat("a", 101) + `","surname":"Smith"}`, wantReason: "givenName is longer than 100"},
		{name: "two email identities", have: `{` + id + `,"givenName":"A","surname":"B","identities":[{"signInType":"emailAddress","issuerAssignedId":"a@example.org"},{"signInType":"emailAddress","issuerAssignedId":"b@example.org"}]}`,
			wantReason: "more than one email identity"},
		{name: "identities of the wrong type", have: `{` + id + `,"identities":"ann@example.org"}`, wantReason: "not a Graph user object: identities has the wrong type"},
		{name: "id a number", have: `{"id":7,` + email + `}`, wantReason: "not a Graph user object"},
		{name: "array", have: `[1,2]`, wantReason: "not a JSON object"},
		{name: "phone with an extension", have: `{` + id + `,` + email + `,"givenName":"A","surname":"B","phoneMethods":[{"phoneNumber":"+44 7700900123x12","phoneType":"mobile"}]}`,
			wantReason: "bad phone number (phoneMethods mobile)"},
		{name: "landline only", have: `{` + id + `,` + email + `,"givenName":"A","surname":"B","phoneMethods":[{"phoneNumber":"+44 1632960001","phoneType":"office"}]}`,
			want: b2c.Record{Email: "ann@example.org", GivenName: "A", FamilyName: "B", Phone: "+441632960001"}},
		{name: "unknown phone type ignored", have: `{` + id + `,` + email + `,"givenName":"A","surname":"B","phoneMethods":[{"phoneNumber":"nonsense","phoneType":"fax"}]}`,
			want: b2c.Record{Email: "ann@example.org", GivenName: "A", FamilyName: "B"}},
		{name: "role not a string", have: `{` + id + `,` + email + `,"givenName":"A","surname":"B","` + ext + `Role":["x"]}`, wantReason: ext + "Role is not a string"},
		{name: "professional neither yes nor no", have: `{` + id + `,` + email + `,"givenName":"A","surname":"B","` + ext + `Professional":"maybe"}`, wantReason: "is not yes or no"},
		{name: "null attributes skipped", have: `{` + id + `,` + email + `,"givenName":"A","surname":"B","` + ext + `Role":null,"postalCode":null,"` + ext + `Professional":null}`,
			want: b2c.Record{Email: "ann@example.org", GivenName: "A", FamilyName: "B"}},
		{name: "unmapped extension ignored", have: `{` + id + `,` + email + `,"givenName":"A","surname":"B","extension_ffffffffffffffffffffffffffffffff_Other":{"x":1}}`,
			want: b2c.Record{Email: "ann@example.org", GivenName: "A", FamilyName: "B"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			recs, refused, err := b2c.ParseExport(strings.NewReader("\n"+tc.have+"\n"), mapping)
			if err != nil {
				t.Fatalf("ParseExport: %v", err)
			}
			if tc.wantReason != "" {
				if len(recs) != 0 || len(refused) != 1 || refused[0].Line != 2 || !strings.Contains(refused[0].Reason, tc.wantReason) {
					t.Fatalf("records %+v, refused %v; want line 2 refused: %q", recs, refused, tc.wantReason)
				}
				return
			}
			tc.want.Line, tc.want.ObjectID = 2, "6f1e0c2a-0000-4000-8000-000000000001"
			if len(refused) != 0 || len(recs) != 1 || !reflect.DeepEqual(recs[0], tc.want) {
				t.Fatalf("records %+v, refused %v; want %+v", recs, refused, tc.want)
			}
		})
	}
}

func TestParseExportLineTooLong(t *testing.T) {
	long := `{"id":"x","pad":"` + strings.Repeat("a", b2c.MaxLineBytes) + `"}`
	_, _, err := b2c.ParseExport(strings.NewReader("{}\n"+long+"\n"), mapping)
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("err = %v, want line 2 too long", err)
	}
}
