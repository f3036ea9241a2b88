package didi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	emu "github.com/specpipe/specpipe/internal/emulator/didi"
)

// TestEmulatorHints checks that Didi's refusals keep the vendor's text and add the spec's hint
// naming what to fix, and that no secret reaches the error.
func TestEmulatorHints(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name                    string
		fixture                 func(f *emu.Fixture)
		secret, signKey, method string
		code, vendor, hint      string
	}{
		{"wrong client secret", nil, "not-the-secret", emu.SandboxSignKey, "md5",
			"400", "非法的client_secret", "check DIDI_CLIENT_SECRET"},
		{"wrong sign key", nil, emu.SandboxClientSecret, "not-the-sign-key", "md5",
			"19999", "签名失败", "check DIDI_SIGN_KEY and DIDI_SIGN_METHOD"},
		{"wrong sign method", nil, emu.SandboxClientSecret, emu.SandboxSignKey, "sha256",
			"19999", "签名失败", "check DIDI_SIGN_KEY and DIDI_SIGN_METHOD"},
		{"IP not allowed", func(f *emu.Fixture) {
			for i := range f.Clients {
				f.Clients[i].AllowedIPs = []string{"192.0.2.1"}
			}
		}, emu.SandboxClientSecret, emu.SandboxSignKey, "md5",
			"10002", "IP不在白名单中", "IP allow list"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fx, err := emu.DefaultFixture()
			if err != nil {
				t.Fatal(err)
			}
			if tc.fixture != nil {
				tc.fixture(fx)
			}
			e, err := emu.New(emu.Options{Fixture: fx})
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(e)
			defer srv.Close()
			c, err := New(Config{BaseURL: srv.URL, ClientID: emu.SandboxClientID, ClientSecret: tc.secret,
				SignKey: tc.signKey, SignMethod: tc.method, CompanyID: emu.SandboxCompanyID})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.BudgetCenterGet(ctx, BudgetCenterGetParams{Length: 10})
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v, want an APIError", err)
			}
			msg := err.Error()
			if ae.Code != tc.code || !strings.Contains(msg, tc.vendor) || !strings.Contains(msg, "; hint: ") ||
				!strings.Contains(ae.Hint, tc.hint) || !strings.HasSuffix(msg, ae.Hint) {
				t.Errorf("err = %q (code %s, hint %q), want code %s, %q and a hint with %q", msg, ae.Code, ae.Hint, tc.code, tc.vendor, tc.hint)
			}
			for _, s := range []string{tc.secret, tc.signKey, emu.SandboxClientSecret, emu.SandboxSignKey} {
				if strings.Contains(msg, s) {
					t.Errorf("err = %q shows the secret %q", msg, s)
				}
			}
		})
	}
}

// TestTokenRefusedHint: a token refused again after a fresh authorize (errno 401 twice; here a
// server that authorizes through the emulator and refuses every token) names the credentials.
func TestTokenRefusedHint(t *testing.T) {
	e, err := emu.New(emu.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var authorizes atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/river/Auth/authorize" {
			authorizes.Add(1)
			e.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"errno":401,"errmsg":"access_token不合法或已过期","request_id":"r1"}`))
	}))
	defer srv.Close()
	c, err := New(Config{BaseURL: srv.URL, ClientID: emu.SandboxClientID, ClientSecret: emu.SandboxClientSecret,
		SignKey: emu.SandboxSignKey, CompanyID: emu.SandboxCompanyID})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.BudgetCenterGet(context.Background(), BudgetCenterGetParams{Length: 10})
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != "401" {
		t.Fatalf("err = %v, want errno 401", err)
	}
	msg := err.Error()
	if want := "check DIDI_CLIENT_ID and DIDI_CLIENT_SECRET"; !strings.Contains(msg, "access_token不合法或已过期") || !strings.Contains(ae.Hint, want) {
		t.Errorf("err = %q, want the vendor's text and a hint with %q", msg, want)
	}
	if n := authorizes.Load(); n != 2 {
		t.Errorf("%d authorize calls, want 2 (the first token, then one re-authorization)", n)
	}
	for _, s := range []string{emu.SandboxClientSecret, emu.SandboxSignKey} {
		if strings.Contains(msg, s) {
			t.Errorf("err = %q shows the secret %q", msg, s)
		}
	}
}
