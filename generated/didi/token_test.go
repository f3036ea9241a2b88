package didi

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	emu "github.com/specpipe/specpipe/internal/emulator/didi"
	"github.com/specpipe/specpipe/internal/runtime/clock"
)

// TestTokenLifecycle: the access token is fetched once and reused, fetched again after its 1800 s
// lifetime, and re-authorized exactly once when Didi answers errno 401 for a token the client still
// thought valid (here: revoked because another client with the same client_id re-authorized).
func TestTokenLifecycle(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewFake(time.Now())
	e, err := emu.New(emu.Options{Clock: clk, RevokeOnReauthorize: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	defer srv.Close()
	mk := func() *Client {
		c, err := New(Config{BaseURL: srv.URL, ClientID: emu.SandboxClientID, ClientSecret: emu.SandboxClientSecret,
			SignKey: emu.SandboxSignKey, CompanyID: emu.SandboxCompanyID, Options: Options{Clock: clk}})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	authorizes := func() int {
		n := 0
		for _, j := range e.Journal.Entries() {
			if j.Path == emu.AuthorizePath {
				n++
			}
		}
		return n
	}
	get := func(c *Client) {
		t.Helper()
		if _, err := c.BudgetCenterGet(ctx, BudgetCenterGetParams{Length: 10}); err != nil {
			t.Fatalf("BudgetCenterGet: %v", err)
		}
	}
	a := mk()
	get(a)
	get(a)
	get(a)
	if n := authorizes(); n != 1 {
		t.Fatalf("authorize calls after three gets = %d, want 1 (token reused)", n)
	}
	clk.Advance(1801 * time.Second)
	get(a)
	if n := authorizes(); n != 2 {
		t.Fatalf("authorize calls after expiry = %d, want 2", n)
	}
	// Another client of the same client_id re-authorizes, revoking a's token: a gets errno 401,
	// re-authorizes once and succeeds.
	b := mk()
	get(b)
	if n := authorizes(); n != 3 {
		t.Fatalf("authorize calls = %d, want 3", n)
	}
	get(a)
	if n := authorizes(); n != 4 {
		t.Fatalf("authorize calls after a 401 = %d, want 4 (one re-authorization)", n)
	}
	saw401 := false
	for _, j := range e.Journal.Entries() {
		if j.Code == "401" {
			saw401 = true
		}
	}
	if !saw401 {
		t.Error("the emulator never answered errno 401; the test did not exercise re-authorization")
	}
}
