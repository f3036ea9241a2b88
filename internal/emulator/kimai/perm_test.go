package kimai

import (
	"fmt"
	"net/url"
	"testing"
	"time"
)

// TestProjectCollectionWithParams ports ProjectControllerTest::testGetCollectionWithParams (as
// ROLE_USER, with loadProjectTestData): visibility of projects and customers, customer filters,
// and budget fields shown through the user's team ("time_team_project": timeBudget, never budget).
func TestProjectCollectionWithParams(t *testing.T) {
	v := newEnv(t)
	c1 := 1
	c2 := v.e.AddCustomer(Customer{Name: "first one", Visible: false, Country: "DE", Timezone: "Europe/Berlin", Currency: "EUR"}).ID
	c3 := v.e.AddCustomer(Customer{Name: "second one", Visible: true, Country: "AT", Timezone: "Europe/Vienna", Currency: "EUR"}).ID
	add := func(name string, visible bool, customer int) int {
		p, err := v.e.AddProject(Project{Name: name, Visible: visible, Customer: customer, GlobalActivities: true})
		if err != nil {
			t.Fatal(err)
		}
		return p.ID
	}
	add("first", false, c2)
	add("second", false, c1)
	add("third", true, c2)
	add("fourth", true, c3)
	p5 := add("fifth", true, c1)
	add("sixth", false, c3)
	v.e.AddTeam(Team{Name: "Testing project team", Members: []Member{{User: 2, Teamlead: true}, {User: 4}},
		Customers: []int{c1}, Projects: []int{p5}})

	cases := []struct {
		query    url.Values
		customer int // every result's customer, 0: any
		want     int
	}{
		{url.Values{}, 0, 3},
		{url.Values{"customer": {fmt.Sprint(c1)}}, c1, 2},
		{url.Values{"customer": {fmt.Sprint(c1)}, "visible": {"1"}}, c1, 2},
		{url.Values{"customer": {fmt.Sprint(c1)}, "visible": {"3"}}, c1, 3},
		{url.Values{"customer": {fmt.Sprint(c1)}, "visible": {"2"}}, c1, 1},
		{url.Values{"customer": {fmt.Sprint(c2)}, "visible": {"1"}}, c2, 0},
		{url.Values{"customer": {fmt.Sprint(c2)}, "visible": {"3"}}, c2, 2},
		{url.Values{"customer": {fmt.Sprint(c2)}, "customers[]": {fmt.Sprint(c2)}, "visible": {"3"}}, c2, 2},
		{url.Values{"customers[]": {fmt.Sprint(c2), fmt.Sprint(c2)}, "visible": {"3"}}, c2, 2},
		{url.Values{"customer": {fmt.Sprint(c2)}, "visible": {"2"}}, c2, 0},
		{url.Values{"customer": {fmt.Sprint(c2)}, "visible": {"2"}, "start": {"2010-12-11"}, "end": {"2030-12-11"}}, c2, 0},
		{url.Values{"customers[]": {fmt.Sprint(c2)}, "visible": {"2"}, "start": {"2010-12-11"}, "end": {"2030-12-11"}}, c2, 0},
	}
	for _, c := range cases {
		t.Run(c.query.Encode(), func(t *testing.T) {
			r := v.do("GET", "/api/projects?"+c.query.Encode(), tokUser, "")
			wantStatus(t, r, 200)
			l := r.list(t)
			if len(l) != c.want {
				t.Fatalf("%d projects, want %d: %s", len(l), c.want, r.body)
			}
			for _, x := range l {
				m := x.(map[string]any)
				want := minus(keysProjEnt, keysBudget...)
				if m["customer"] == float64(c1) {
					want = minus(keysProjEnt, "budget")
				}
				mustKeys(t, "ProjectCollection", m, want)
				if c.customer != 0 && m["customer"] != float64(c.customer) {
					t.Errorf("project of customer %v", m["customer"])
				}
			}
		})
	}
}

// TestTimesheetVoter checks TimesheetVoter and checkUserAccess: teamleads reach the records of
// users in their teams and of users in no team; admins everyone's.
func TestTimesheetVoter(t *testing.T) {
	v := newEnv(t)
	begin := time.Date(2026, 10, 14, 9, 0, 0, 0, berlin)
	john := v.addTS(2, begin, time.Hour) // ROLE_USER in no team
	anna := v.addTS(5, begin, time.Hour) // ROLE_ADMIN
	qa2 := v.addTS(8, begin, time.Hour)  // member of team 1, led by test_user_1
	exported := v.addTS(2, begin.Add(2*time.Hour), time.Hour, func(ts *Timesheet) { ts.Exported = true })
	cases := []struct {
		method, path, token string
		status              int
	}{
		{"GET", fmt.Sprintf("/api/timesheets/%d", john.ID), tokTeamlead, 200},
		{"GET", fmt.Sprintf("/api/timesheets/%d", anna.ID), tokTeamlead, 200}, // anna is in no team either
		{"GET", fmt.Sprintf("/api/timesheets/%d", qa2.ID), tokTeamlead, 403},  // qa2's team is led by someone else
		{"GET", fmt.Sprintf("/api/timesheets/%d", qa2.ID), "token_qa1", 403},  // ROLE_USER has no view_other_timesheet
		{"GET", fmt.Sprintf("/api/timesheets/%d", qa2.ID), tokAdmin, 200},
		{"PATCH", fmt.Sprintf("/api/timesheets/%d", exported.ID), tokTeamlead, 403},
		{"PATCH", fmt.Sprintf("/api/timesheets/%d/export", john.ID), tokUser, 403},
		{"PATCH", fmt.Sprintf("/api/timesheets/%d/export", john.ID), tokTeamlead, 200},
		{"PATCH", fmt.Sprintf("/api/timesheets/%d/export", john.ID), tokTeamlead, 403}, // un-export needs edit_exported_timesheet
		{"GET", "/api/timesheets?user=2", tokTeamlead, 200},
		{"GET", "/api/timesheets?user=5", tokTeamlead, 403}, // an admin is no regular user
		{"GET", "/api/timesheets?users[]=8", tokTeamlead, 403},
		{"GET", "/api/timesheets?user=5", tokUser, 200}, // ignored without view_other_timesheet
	}
	for _, c := range cases {
		r := v.do(c.method, c.path, c.token, `{"description":"x"}`)
		if r.status != c.status {
			t.Errorf("%s %s as %s: %d, want %d (%s)", c.method, c.path, c.token, r.status, c.status, r.body)
		}
	}
	// A teamlead sees rates (view_rate_other_timesheet); a user sees none.
	r := v.do("GET", fmt.Sprintf("/api/timesheets/%d", john.ID), tokTeamlead, "")
	mustKeys(t, "TimesheetEntity", r.obj(t), keysTsEnt)
	// Restricted project: a team restricts it to team 1, so the teamlead may not filter by it.
	p, err := v.e.AddProject(Project{Customer: 1, Name: "Team only", Visible: true, GlobalActivities: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.e.UpdateUser(4, func(u *User) {}); err != nil {
		t.Fatal(err)
	}
	v.e.AddTeam(Team{Name: "Restricted", Members: []Member{{User: 7, Teamlead: true}}, Projects: []int{p.ID}})
	wantStatus(t, v.do("GET", fmt.Sprintf("/api/timesheets?project=%d", p.ID), tokTeamlead, ""), 403)
	wantStatus(t, v.do("GET", fmt.Sprintf("/api/timesheets?project=%d", p.ID), tokAdmin, ""), 200)
}

// TestDefaultRolePermissions pins the default role → permission mapping for the permissions the
// API checks and the pipelines' headers name (config/packages/kimai.yaml "permissions" of Kimai
// 2.66; RolePermissionManager::SUPER_ADMIN_PERMISSIONS adds view_all_data, role_permissions and
// view_user to ROLE_SUPER_ADMIN whatever is configured).
func TestDefaultRolePermissions(t *testing.T) {
	all := []string{RoleUser, RoleTeamlead, RoleAdmin, RoleSuperAdmin}
	admins := []string{RoleAdmin, RoleSuperAdmin}
	leads := []string{RoleTeamlead, RoleAdmin, RoleSuperAdmin}
	want := map[string][]string{
		"api_access":                  all,
		"create_own_timesheet":        all,
		"create_tag":                  all,
		"view_user":                   {RoleSuperAdmin},
		"create_user":                 {RoleSuperAdmin},
		"edit_other_profile":          {RoleSuperAdmin},
		"create_other_timesheet":      leads,
		"view_other_timesheet":        leads,
		"edit_other_timesheet":        leads,
		"edit_export_own_timesheet":   leads,
		"edit_billable_own_timesheet": leads,
		"view_rate_own_timesheet":     leads,
		"edit_rate_own_timesheet":     admins,
		"edit_exported_timesheet":     admins,
		"create_customer":             admins,
		"edit_customer":               admins,
		"create_project":              admins,
		"edit_project":                admins,
		"edit_teamlead_project":       {},
		"create_activity":             leads,
		"edit_teamlead_activity":      {RoleTeamlead},
		"view_team":                   admins,
		"create_team":                 admins,
		"view_all_data":               admins,
		"lockdown_override_timesheet": admins,
		"view_invoice":                leads,
		"delete_invoice":              {},
		"plugins":                     {RoleSuperAdmin},
	}
	for perm, roles := range want {
		for _, role := range all {
			u := &User{Roles: []string{role}}
			if got, w := can(u, perm), containsStr(roles, role); got != w {
				t.Errorf("%s has %s = %v, want %v", role, perm, got, w)
			}
		}
	}
}
