package kimai

import "testing"

// TestBooleanQueryRequirements: FOSRest checks each query parameter against its anchored, strict
// requirement (a 400 otherwise). GET /api/customers takes full=0|1 only, GET /api/projects
// ignoreDates=1 only, while timesheets, users and activities also take true|false
// (Rest\QueryParam attributes of src/API/{Customer,Project,Timesheet,User,Activity}Controller.php).
func TestBooleanQueryRequirements(t *testing.T) {
	v := newEnv(t)
	cases := []struct {
		path   string
		status int
	}{
		{"/api/customers?full=1", 200},
		{"/api/customers?full=0", 200},
		{"/api/customers?full=true", 400},
		{"/api/customers?full=false", 400},
		{"/api/projects?ignoreDates=1", 200},
		{"/api/projects?ignoreDates=true", 400},
		{"/api/projects?ignoreDates=0", 400},
		{"/api/projects?globalActivities=true", 400},
		{"/api/timesheets?full=true", 200},
		{"/api/timesheets?full=1", 200},
		{"/api/timesheets?exported=true", 400},
		{"/api/timesheets?active=true", 400},
		{"/api/timesheets?billable=false", 400},
		{"/api/users?full=true", 200},
		{"/api/users?full=yes", 400},
		{"/api/activities?globals=true", 200},
		{"/api/activities?globals=1", 200},
		{"/api/activities?globals=yes", 400},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			wantStatus(t, v.do("GET", c.path, tokSuper, ""), c.status)
		})
	}
}
