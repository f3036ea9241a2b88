package didi

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	emu "github.com/specpipe/specpipe/internal/emulator/didi"
	"github.com/specpipe/specpipe/internal/runtime/scalar"
)

// The sandbox fixture's clients (internal/emulator/didi/fixture.json).
const company = "1125899906842625"

func newClient(t *testing.T, opts emu.Options, id, secret, signKey, method string) *Client {
	t.Helper()
	e, err := emu.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	c, err := New(Config{BaseURL: srv.URL, ClientID: id, ClientSecret: secret, SignKey: signKey,
		SignMethod: method, CompanyID: company,
		Options: Options{Intervals: map[string]time.Duration{"writes": 0}}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestEmulatorRoundTrip drives the generated client against the independent emulator: authorize,
// signatures (md5 and sha256), offset paging, writes and their effect.
func TestEmulatorRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name                    string
		opts                    emu.Options
		id, secret, key, method string
	}{
		{"md5", emu.Options{}, "sandbox-client", "sandbox-secret", "sandbox-sign-key", ""},
		{"sha256 stringified", emu.Options{StringifyScalars: true, ErrnoAsString: true},
			"sandbox-client-sha256", "sandbox-secret-2", "sandbox-sign-key-2", "sha256"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			c := newClient(t, tc.opts, tc.id, tc.secret, tc.key, tc.method)

			first, err := c.BudgetCenterGet(ctx, BudgetCenterGetParams{Length: 100})
			if err != nil {
				t.Fatalf("BudgetCenterGet: %v", err)
			}
			if first.Total < 3 || int(first.Total) != len(first.Records) {
				t.Fatalf("BudgetCenterGet: total %d, %d records", first.Total, len(first.Records))
			}
			var walked []BudgetCenter
			for bc, err := range c.BudgetCenterGetAll(ctx, BudgetCenterGetParams{Length: 2}) {
				if err != nil {
					t.Fatalf("BudgetCenterGetAll: %v", err)
				}
				walked = append(walked, bc)
			}
			if diff := cmp.Diff(first.Records, walked, cmp.Comparer(func(a, b scalar.Decimal) bool { return a.Equal(b) })); diff != "" {
				t.Errorf("pages of 2 differ from one page (-one +pages):\n%s", diff)
			}

			created, err := c.BudgetCenterAdd(ctx, BudgetCenterAddParams{
				Type: BudgetCenterTypeDepartment, Name: "质量部", BudgetCycle: BudgetCycleMonth,
				TotalQuota: scalar.MustDecimal("2000.50"), OutBudgetID: "D-SPECTEST", ParentID: "0",
			})
			if err != nil {
				t.Fatalf("BudgetCenterAdd: %v", err)
			}
			if created.ID == "" {
				t.Fatal("BudgetCenterAdd: no id")
			}
			if err := c.BudgetCenterEdit(ctx, BudgetCenterEditParams{ID: created.ID, TotalQuota: "0"}); err != nil {
				t.Fatalf("BudgetCenterEdit: %v", err)
			}
			got, err := c.BudgetCenterGet(ctx, BudgetCenterGetParams{OutBudgetID: "D-SPECTEST", Length: 10})
			if err != nil || len(got.Records) != 1 {
				t.Fatalf("BudgetCenterGet by out_budget_id: %+v, %v", got, err)
			}
			r := got.Records[0]
			if r.ID != created.ID || r.Name != "质量部" || r.Type != BudgetCenterTypeDepartment ||
				r.BudgetCycle != BudgetCycleMonth || !r.TotalQuota.IsZero() {
				t.Errorf("record after add and edit: %+v", r)
			}
			if err := c.BudgetCenterDel(ctx, BudgetCenterDelParams{ID: created.ID}); err != nil {
				t.Fatalf("BudgetCenterDel: %v", err)
			}
			got, err = c.BudgetCenterGet(ctx, BudgetCenterGetParams{ID: created.ID, Length: 10})
			if err != nil || got.Total != 0 {
				t.Errorf("after del: %+v, %v; want nothing", got, err)
			}

			n := 0
			for m, err := range c.MemberGetAll(ctx, MemberGetParams{Length: 10}) {
				if err != nil {
					t.Fatalf("MemberGetAll: %v", err)
				}
				if m.ID == "" || m.Realname == "" {
					t.Errorf("member without id or name: %+v", m)
				}
				n++
			}
			if n == 0 {
				t.Error("MemberGetAll: no members")
			}
			les, err := c.LegalEntityGet(ctx, LegalEntityGetParams{Length: 100})
			if err != nil || len(les.Records) == 0 || les.Records[0].LegalEntityID == "" {
				t.Errorf("LegalEntityGet: %+v, %v", les, err)
			}
		})
	}
}

func TestEmulatorErrors(t *testing.T) {
	ctx := context.Background()
	c := newClient(t, emu.Options{}, "sandbox-client", "sandbox-secret", "wrong-sign-key", "md5")
	_, err := c.BudgetCenterGet(ctx, BudgetCenterGetParams{Length: 10})
	var ae *APIError
	if !errors.As(err, &ae) {
		t.Fatalf("wrong sign key: err = %v, want an APIError", err)
	}
	if ae.Code != "19999" && ae.Code != "407" {
		t.Errorf("wrong sign key: code %q, want a signature failure", ae.Code)
	}

	c = newClient(t, emu.Options{}, "sandbox-client", "sandbox-secret", "sandbox-sign-key", "md5")
	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"length over 100", func() error { _, err := c.BudgetCenterGet(ctx, BudgetCenterGetParams{Length: 101}); return err }},
		{"length missing", func() error { _, err := c.BudgetCenterGet(ctx, BudgetCenterGetParams{}); return err }},
		{"name too long", func() error {
			_, err := c.BudgetCenterAdd(ctx, BudgetCenterAddParams{Type: BudgetCenterTypeProject, Name: string(make([]rune, 201))})
			return err
		}},
		{"edit without id", func() error { return c.BudgetCenterEdit(ctx, BudgetCenterEditParams{Name: "x"}) }},
		{"bad type", func() error { _, err := c.BudgetCenterGet(ctx, BudgetCenterGetParams{Length: 1, Type: 3}); return err }},
	} {
		var pe *ParamError
		if err := tc.call(); !errors.As(err, &pe) {
			t.Errorf("%s: err = %v, want a ParamError before any request", tc.name, err)
		}
	}
}

// TestEmulatorReauthorize checks that errno 401 (a revoked token) makes the client authorize again
// and resend the call once.
func TestEmulatorReauthorize(t *testing.T) {
	ctx := context.Background()
	e, err := emu.New(emu.Options{RevokeOnReauthorize: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	cfg := Config{BaseURL: srv.URL, ClientID: "sandbox-client", ClientSecret: "sandbox-secret",
		SignKey: "sandbox-sign-key", CompanyID: company}
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(cfg) // its own token cache: its authorize revokes a's token
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.LegalEntityGet(ctx, LegalEntityGetParams{Length: 1}); err != nil {
		t.Fatalf("a, first call: %v", err)
	}
	if _, err := b.LegalEntityGet(ctx, LegalEntityGetParams{Length: 1}); err != nil {
		t.Fatalf("b: %v", err)
	}
	if _, err := a.LegalEntityGet(ctx, LegalEntityGetParams{Length: 1}); err != nil {
		t.Fatalf("a after its token was revoked: %v (want a silent re-authorization)", err)
	}
	var codes []string
	for _, en := range e.Journal.Entries() {
		codes = append(codes, en.Path+" "+en.Code)
	}
	want := []string{
		"/river/Auth/authorize 0", "/river/LegalEntity/get 0", // a
		"/river/Auth/authorize 0", "/river/LegalEntity/get 0", // b, revoking a's token
		"/river/LegalEntity/get 401", "/river/Auth/authorize 0", "/river/LegalEntity/get 0", // a again
	}
	if diff := cmp.Diff(want, codes); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}
