package ir

import (
	"testing"

	"github.com/specpipe/specpipe/gen/spec"
)

func TestPermissionHint(t *testing.T) {
	p := &spec.Permissions{Status: 403, Roles: map[string][]string{
		"ROLE_USER":  {"view_own_timesheet", "create_tag"},
		"ROLE_ADMIN": {"view_own_timesheet", "view_other_timesheet", "edit_activity", "create_tag", "manage_tag"},
	}}
	for _, tc := range []struct{ perm, want string }{
		{"view_user", "the user needs the permission view_user"},
		{"edit:activity", "the user needs the permission edit:activity (default roles with edit_activity: ROLE_ADMIN)"},
		{"view_own_timesheet|view_other_timesheet", "the user needs the permission view_own_timesheet|view_other_timesheet " +
			"(default roles with view_own_timesheet: ROLE_ADMIN, ROLE_USER; with view_other_timesheet: ROLE_ADMIN)"},
		{"create_tag|manage_tag", "the user needs the permission create_tag|manage_tag " +
			"(default roles with create_tag: ROLE_ADMIN, ROLE_USER; with manage_tag: ROLE_ADMIN)"},
	} {
		h := permissionHint(tc.perm, p)
		if h.Status != 403 || h.Text != tc.want {
			t.Errorf("%s: hint %+v, want status 403 and %q", tc.perm, h, tc.want)
		}
	}
}
