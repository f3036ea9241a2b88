package kimai

import (
	"context"
	"errors"
	"strings"
	"testing"

	emu "github.com/specpipe/specpipe/internal/emulator/kimai"
)

// TestEmulatorHints checks that Kimai's refusals keep the vendor's text and add the spec's hint
// naming what to fix, and that no token or password reaches the error.
func TestEmulatorHints(t *testing.T) {
	ctx := context.Background()
	url := start(t, emu.TestFixture)
	for _, tc := range []struct {
		name   string
		cfg    Config
		call   func(c *Client) error
		status int
		hint   string
	}{
		{"unknown token", Config{Token: "not-a-token"}, func(c *Client) error { _, err := c.GetMe(ctx, GetMeParams{}); return err },
			401, "KIMAI_TOKEN was refused"},
		{"wrong password", Config{User: "john_user", Password: "not-the-password"},
			func(c *Client) error { _, err := c.GetMe(ctx, GetMeParams{}); return err },
			403, "check KIMAI_USER and KIMAI_PASSWORD"},
		{"no such customer", Config{Token: "token_admin"},
			func(c *Client) error { _, err := c.GetCustomer(ctx, GetCustomerParams{ID: 987654}); return err },
			404, "no such record"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.BaseURL = url
			err := tc.call(client(t, tc.cfg))
			var ae *APIError
			if !errors.As(err, &ae) || ae.Status != tc.status {
				t.Fatalf("err = %v, want an APIError of status %d", err, tc.status)
			}
			msg := err.Error()
			if !strings.Contains(ae.Hint, tc.hint) || !strings.HasSuffix(msg, "; hint: "+ae.Hint) {
				t.Errorf("err = %q (hint %q), want a hint with %q", msg, ae.Hint, tc.hint)
			}
			for _, s := range []string{tc.cfg.Token, tc.cfg.Password} {
				if s != "" && strings.Contains(msg, s) {
					t.Errorf("err = %q shows the secret %q", msg, s)
				}
			}
		})
	}
}

// TestEmulatorPermissionHint checks that a 403 names the permission the operation needs and the
// default roles that hold it, from the spec's permission data.
func TestEmulatorPermissionHint(t *testing.T) {
	ctx := context.Background()
	url := start(t, emu.TestFixture)
	c := client(t, Config{BaseURL: url, Token: "token_user"}) // john_user: ROLE_USER
	for _, tc := range []struct {
		name string
		call func() error
		want string
	}{
		{"listUsers", func() error { _, err := c.ListUsers(ctx, ListUsersParams{}); return err },
			"the user needs the permission view_user (default roles with view_user: ROLE_SUPER_ADMIN)"},
		{"createCustomer", func() error {
			_, err := c.CreateCustomer(ctx, CreateCustomerParams{Name: "x", Country: "DE", Currency: "EUR", Timezone: "Europe/Berlin"})
			return err
		}, "the user needs the permission create_customer (default roles with create_customer: ROLE_ADMIN, ROLE_SUPER_ADMIN)"},
	} {
		err := tc.call()
		var ae *APIError
		if !errors.As(err, &ae) || ae.Status != 403 {
			t.Fatalf("%s: err = %v, want a 403", tc.name, err)
		}
		if ae.Hint != tc.want || !strings.HasSuffix(err.Error(), "; hint: "+tc.want) {
			t.Errorf("%s: err = %q, want the hint %q", tc.name, err, tc.want)
		}
	}
}
