package kqapi

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	emu "github.com/specpipe/specpipe/internal/emulator/kqapi"
	"github.com/specpipe/specpipe/internal/runtime/clock"
)

// TestEmulatorHints checks that kqapi's refusals (all status 0, told apart by their text) keep
// the vendor's text and add the spec's hint naming what to fix, and that the key never reaches
// the error.
func TestEmulatorHints(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 11, 2, 10, 0, 0, 0, zone)
	for _, tc := range []struct {
		name, account, key string
		skew               time.Duration // the client's clock ahead of the emulator's
		vendor, hint       string
	}{
		{"wrong key", emu.SandboxAccount, "not-the-key", 0, "签名错误", "check KQAPI_KEY and KQAPI_ACCOUNT"},
		{"unknown account", "nobody", emu.SandboxKey, 0, "API账号不存在或未开启", "check KQAPI_ACCOUNT"},
		{"clock off", emu.SandboxAccount, emu.SandboxKey, 5 * time.Minute, "请求超时", "synchronize it (NTP)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := emu.New(emu.Options{Clock: clock.NewFake(start)})
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(e)
			defer srv.Close()
			c, err := New(Config{BaseURL: srv.URL, Account: tc.account, Key: tc.key,
				Options: Options{Clock: clock.NewFake(start.Add(tc.skew))}})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.GetDepartment(ctx, GetDepartmentParams{})
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v, want an APIError", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.vendor) || !strings.Contains(ae.Hint, tc.hint) || !strings.HasSuffix(msg, "; hint: "+ae.Hint) {
				t.Errorf("err = %q (hint %q), want %q and a hint with %q", msg, ae.Hint, tc.vendor, tc.hint)
			}
			for _, s := range []string{tc.key, emu.SandboxKey} {
				if strings.Contains(msg, s) {
					t.Errorf("err = %q shows the key %q", msg, s)
				}
			}
		})
	}
}
