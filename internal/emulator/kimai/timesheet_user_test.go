package kimai

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestTimesheetUserField: the timesheet form's user field exists on POST with
// create_other_timesheet and on PATCH for whoever may edit the record (include_user in
// TimesheetController::postAction and patchAction). Its choices are enabled users that are no
// system account, every one for callers who see all data, else the caller and the members of the
// teams the caller leads, plus the record's own user (UserType,
// UserRepository::getQueryBuilderForFormType).
func TestTimesheetUserField(t *testing.T) {
	v := newEnv(t)
	sys, err := v.e.AddUser(User{Username: "sync_bot", Email: "bot@example.com", Language: "en", Locale: "en",
		Timezone: "Europe/Berlin", Enabled: true, SystemAccount: true, Roles: []string{RoleUser}})
	if err != nil {
		t.Fatal(err)
	}
	const base = `"project":1,"activity":1,"begin":"2026-10-14T09:00:00","end":"2026-10-14T10:00:00"`
	r := v.do("POST", "/api/timesheets", tokUser, "{"+base+"}")
	wantStatus(t, r, 200)
	own := r.obj(t)["id"]

	cases := []struct {
		name, method, path, token, body string
		status                          int
		errs                            map[string][]string // field errors of a 400
		global                          []any               // form-level errors of a 400
		user                            float64             // the record's user after a 200
	}{
		{"user may set itself on its own record", "PATCH", fmt.Sprintf("/api/timesheets/%v", own), tokUser, `{"user":2}`, 200, nil, nil, 2},
		{"user may not give its record away", "PATCH", fmt.Sprintf("/api/timesheets/%v", own), tokUser, `{"user":8}`, 400,
			map[string][]string{"user": {msgChoice}}, nil, 0},
		{"user has no user field on POST", "POST", "/api/timesheets", tokUser, `{"user":2,` + base + `}`, 400,
			map[string][]string{}, []any{msgExtraFields}, 0},
		{"disabled user is no choice", "POST", "/api/timesheets", tokAdmin, `{"user":3,` + base + `}`, 400,
			map[string][]string{"user": {msgChoice}}, nil, 0},
		{"system account is no choice", "POST", "/api/timesheets", tokAdmin, fmt.Sprintf(`{"user":%d,%s}`, sys.ID, base), 400,
			map[string][]string{"user": {msgChoice}}, nil, 0},
		{"teamlead role without a team led has only itself", "POST", "/api/timesheets", tokTeamlead, `{"user":2,` + base + `}`, 400,
			map[string][]string{"user": {msgChoice}}, nil, 0},
		{"admin books for another user", "POST", "/api/timesheets", tokAdmin, `{"user":8,` + base + `}`, 200, nil, nil, 8},
		{"admin moves a record to another user", "PATCH", fmt.Sprintf("/api/timesheets/%v", own), tokAdmin, `{"user":7}`, 200, nil, nil, 7},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := v.do(c.method, c.path, c.token, c.body)
			if c.status == 200 {
				wantStatus(t, r, 200)
				if got := r.obj(t)["user"]; got != c.user {
					t.Errorf("user = %v, want %v", got, c.user)
				}
				return
			}
			children, global := validation(t, r)
			if d := cmp.Diff(c.errs, fieldErrors(children)); d != "" {
				t.Errorf("field errors (-want +got):\n%s", d)
			}
			if d := cmp.Diff(c.global, global); d != "" {
				t.Errorf("form errors (-want +got):\n%s", d)
			}
		})
	}
}
