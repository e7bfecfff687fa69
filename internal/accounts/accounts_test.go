package accounts_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/accounts"
	"github.com/carekey/carekey/internal/clock/clocktest"
	"github.com/carekey/carekey/internal/store"
	"github.com/carekey/carekey/internal/store/memstore"
	"github.com/carekey/carekey/pkg/claims"
)

var now = time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)

var admin = accounts.Actor{Name: "admin:sync", ClientID: "sync"}

func newService(t *testing.T) (*accounts.Service, *memstore.Store, *clocktest.Clock) {
	t.Helper()
	st := memstore.New()
	if err := st.CreateUser(t.Context(), store.User{ID: "usr_penny", Email: "penny@example.org"}); err != nil {
		t.Fatal(err)
	}
	clk := clocktest.New(now)
	return &accounts.Service{Store: st, Clock: clk}, st, clk
}

func put(t *testing.T, svc *accounts.Service, ref, name, bd string) store.Account {
	t.Helper()
	a, _, err := svc.PutAccount(t.Context(), admin, accounts.AccountInput{Source: "case-system", ExternalRef: ref, Name: name, Birthdate: bd})
	if err != nil {
		t.Fatalf("PutAccount(%s): %v", ref, err)
	}
	return a
}

func TestClaimListsLiveGrantsByName(t *testing.T) {
	svc, st, clk := newService(t)
	ctx := t.Context()
	peter := put(t, svc, "P-1", "Peter QQ Plumber", "1981-02-04")
	charlie := put(t, svc, "C-1", "Charlie QQ Cherry", "2013-11-07")
	pedro := put(t, svc, "P-2", "Pedro QQ Plumber", "2006-05-01")
	for _, g := range []accounts.GrantInput{
		{UserID: "usr_penny", AccountID: peter.ID, Relationship: "self"},
		{UserID: "usr_penny", AccountID: pedro.ID, Relationship: "child", ExpiresAt: now.Add(time.Hour)},
		{UserID: "usr_penny", AccountID: charlie.ID, Relationship: "child"},
	} {
		if _, created, err := svc.Grant(ctx, admin, g); err != nil || !created {
			t.Fatalf("Grant(%+v) = %v, %v", g, created, err)
		}
	}
	got, err := svc.Claim(ctx, "usr_penny")
	if err != nil {
		t.Fatal(err)
	}
	want := []claims.Account{
		{ID: charlie.ID, Name: "Charlie QQ Cherry", Birthdate: "2013-11-07", Relationship: "child"},
		{ID: pedro.ID, Name: "Pedro QQ Plumber", Birthdate: "2006-05-01", Relationship: "child"},
		{ID: peter.ID, Name: "Peter QQ Plumber", Birthdate: "1981-02-04", Relationship: "self"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Claim = %+v\nwant    %+v", got, want)
	}

	// Pedro's grant expires; Charlie's is revoked.
	clk.Advance(time.Hour)
	if _, err := svc.Revoke(ctx, admin, "usr_penny", charlie.ID); err != nil {
		t.Fatal(err)
	}
	got, _ = svc.Claim(ctx, "usr_penny")
	if !reflect.DeepEqual(got, want[2:]) {
		t.Errorf("Claim after expiry and revocation = %+v, want only Peter", got)
	}
	if got, err := svc.Claim(ctx, "nobody"); err != nil || got == nil || len(got) != 0 {
		t.Errorf("Claim(nobody) = %#v, %v; want an empty list", got, err)
	}

	evs, _ := st.ListAudit(ctx, store.AuditFilter{})
	types := map[string]int{}
	for _, e := range evs {
		types[e.Type]++
		if e.Actor != "admin:sync" || e.ClientID != "sync" {
			t.Errorf("event %s by %q/%q, want admin:sync/sync", e.Type, e.Actor, e.ClientID)
		}
	}
	if want := map[string]int{"account.put": 3, "grant.created": 3, "grant.revoked": 1}; !reflect.DeepEqual(types, want) {
		t.Errorf("audit events = %v, want %v", types, want)
	}
}

func TestGrantErrors(t *testing.T) {
	svc, _, _ := newService(t)
	acc := put(t, svc, "C-1", "Charlie QQ Cherry", "2013-11-07")
	for _, tc := range []struct {
		name string
		have accounts.GrantInput
		want error
	}{
		{"unknown user", accounts.GrantInput{UserID: "nobody", AccountID: acc.ID, Relationship: "child"}, store.ErrNotFound},
		{"unknown account", accounts.GrantInput{UserID: "usr_penny", AccountID: "acc_none", Relationship: "child"}, store.ErrNotFound},
		{"bad relationship", accounts.GrantInput{UserID: "usr_penny", AccountID: acc.ID, Relationship: "Child!"}, accounts.ErrInvalid},
		{"expiry now", accounts.GrantInput{UserID: "usr_penny", AccountID: acc.ID, Relationship: "child", ExpiresAt: now}, accounts.ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := svc.Grant(t.Context(), admin, tc.have); !errors.Is(err, tc.want) {
				t.Errorf("Grant err = %v, want %v", err, tc.want)
			}
		})
	}
	if _, err := svc.Revoke(t.Context(), admin, "usr_penny", acc.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Revoke of a grant never made: err = %v, want ErrNotFound", err)
	}
}

func TestValidateAccount(t *testing.T) {
	ok := accounts.AccountInput{Source: "case-system", ExternalRef: "C-100:2", Name: "Charlie QQ Cherry", Birthdate: "2013-11-07"}
	for _, tc := range []struct {
		name string
		have func(in *accounts.AccountInput)
		want []string // fields named, in order
	}{
		{"valid", func(*accounts.AccountInput) {}, nil},
		{"no birthdate", func(in *accounts.AccountInput) { in.Birthdate = "" }, nil},
		{"born today", func(in *accounts.AccountInput) { in.Birthdate = "2025-03-03" }, nil},
		{"born tomorrow", func(in *accounts.AccountInput) { in.Birthdate = "2025-03-04" }, []string{"birthdate"}},
		{"not a date", func(in *accounts.AccountInput) { in.Birthdate = "07/11/2013" }, []string{"birthdate"}},
		{"30 February", func(in *accounts.AccountInput) { in.Birthdate = "2013-02-30" }, []string{"birthdate"}},
		{"before 1900", func(in *accounts.AccountInput) { in.Birthdate = "1899-12-31" }, []string{"birthdate"}},
		{"no name", func(in *accounts.AccountInput) { in.Name = "  " }, []string{"name"}},
		{"control character", func(in *accounts.AccountInput) { in.Name = "Ann\nBcc: x" }, []string{"name"}},
		{"bad source", func(in *accounts.AccountInput) { in.Source = "Case System" }, []string{"source"}},
		{"slash in ref", func(in *accounts.AccountInput) { in.ExternalRef = "a/b" }, []string{"external_ref"}},
		{"everything wrong", func(in *accounts.AccountInput) { *in = accounts.AccountInput{Birthdate: "x"} },
			[]string{"source", "external_ref", "name", "birthdate"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := ok
			tc.have(&in)
			err := accounts.ValidateAccount(in, now)
			var fields []string
			if ve := (*accounts.ValidationError)(nil); errors.As(err, &ve) {
				for _, f := range ve.Fields {
					fields = append(fields, f.Field)
				}
			} else if err != nil {
				t.Fatalf("err = %v, want a *ValidationError", err)
			}
			if !reflect.DeepEqual(fields, tc.want) {
				t.Errorf("fields = %v, want %v (err %v)", fields, tc.want, err)
			}
		})
	}
}
