package kimai

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestTimesheetValidationGaps: form and entity rules of POST/PATCH /api/timesheets
// (kimai/kimai 1f421c276).
//
//   - The activity choices follow the submitted (else the record's) project: another project's
//     activity, or a global one on a project that forbids them, is a choice error on activity
//     (FormTrait::addActivity, ActivityRepository::getQueryBuilderForFormType).
//   - A record beginning before its project's start or beginning or ending after its end
//     (00:00:00 of the start day, 23:59:59 of the end day) is refused
//     (TimesheetBasicValidator), as a form-level error.
//   - tags is a text field (TagsInputType, a TextType): an array is "This value is not valid.".
func TestTimesheetValidationGaps(t *testing.T) {
	v := newEnv(t)
	other, err := v.e.AddProject(Project{Customer: 1, Name: "Other", Visible: true, Start: "2026-10-01", End: "2026-10-14"})
	if err != nil {
		t.Fatal(err)
	}
	strict, err := v.e.AddProject(Project{Customer: 1, Name: "No globals", Visible: true, GlobalActivities: false})
	if err != nil {
		t.Fatal(err)
	}
	otherAct, err := v.e.AddActivity(Activity{Project: other.ID, Name: "Other work", Visible: true})
	if err != nil {
		t.Fatal(err)
	}
	strictAct, err := v.e.AddActivity(Activity{Project: strict.ID, Name: "Strict work", Visible: true})
	if err != nil {
		t.Fatal(err)
	}
	r := v.do("POST", "/api/timesheets", tokUser, `{"project":1,"activity":1,"begin":"2026-10-14T09:00:00","end":"2026-10-14T10:00:00"}`)
	wantStatus(t, r, 200)
	own := r.obj(t)["id"]
	rec := func(b string) string { return fmt.Sprintf(`{"project":%d,"activity":%d,%s}`, other.ID, otherAct.ID, b) }

	cases := []struct {
		name, method, path, body string
		errs                     map[string][]string
		global                   []any
	}{
		{"activity of another project", "POST", "/api/timesheets",
			fmt.Sprintf(`{"project":1,"activity":%d,"begin":"2026-10-14T09:00:00","end":"2026-10-14T10:00:00"}`, otherAct.ID),
			map[string][]string{"activity": {msgChoice}}, nil},
		{"PATCH to another project's activity", "PATCH", fmt.Sprintf("/api/timesheets/%v", own),
			fmt.Sprintf(`{"activity":%d}`, otherAct.ID), map[string][]string{"activity": {msgChoice}}, nil},
		{"global activity on a project without globals", "POST", "/api/timesheets",
			fmt.Sprintf(`{"project":%d,"activity":1,"begin":"2026-10-14T09:00:00","end":"2026-10-14T10:00:00"}`, strict.ID),
			map[string][]string{"activity": {msgChoice}}, nil},
		{"ends after the project's end", "POST", "/api/timesheets",
			rec(`"begin":"2026-10-14T22:00:00","end":"2026-10-15T01:00:00"`), map[string][]string{}, []any{msgFinished}},
		{"begins after the project's end", "POST", "/api/timesheets",
			rec(`"begin":"2026-10-15T08:00:00","end":"2026-10-15T09:00:00"`), map[string][]string{}, []any{msgFinished, msgFinished}},
		{"begins before the project's start", "POST", "/api/timesheets",
			rec(`"begin":"2026-09-30T23:00:00","end":"2026-10-01T01:00:00"`), map[string][]string{}, []any{msgNotStarted}},
		{"tags as an array", "POST", "/api/timesheets",
			`{"project":1,"activity":1,"begin":"2026-10-14T11:00:00","end":"2026-10-14T12:00:00","tags":["a","b"]}`,
			map[string][]string{"tags": {msgInvalid}}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			children, global := validation(t, v.do(c.method, c.path, tokUser, c.body))
			if d := cmp.Diff(c.errs, fieldErrors(children)); d != "" {
				t.Errorf("field errors (-want +got):\n%s", d)
			}
			if d := cmp.Diff(c.global, global); d != "" {
				t.Errorf("form errors (-want +got):\n%s", d)
			}
		})
	}
	// The last day of the project counts until 23:59:59; a string of tags is fine.
	wantStatus(t, v.do("POST", "/api/timesheets", tokUser, rec(`"begin":"2026-10-14T22:00:00","end":"2026-10-14T23:59:00","tags":"a,b"`)), 200)
	wantStatus(t, v.do("POST", "/api/timesheets", tokUser, fmt.Sprintf(`{"project":%d,"activity":%d,"begin":"2026-10-14T13:00:00","end":"2026-10-14T14:00:00"}`, strict.ID, strictAct.ID)), 200)
}

// TestNumberRefusesSpecialCharacters: number of customers, projects and activities carries
// Constraints\NoSpecialCharacters (src/Entity/{Customer,Project,Activity}.php).
func TestNumberRefusesSpecialCharacters(t *testing.T) {
	v := newEnv(t)
	for _, c := range []struct{ path, body string }{
		{"/api/customers", `{"name":"Acme","number":"A<1","country":"DE","currency":"EUR","timezone":"UTC"}`},
		{"/api/projects", `{"name":"Apollo","customer":1,"number":"P=1"}`},
		{"/api/activities", `{"name":"Design","number":"\"x\""}`},
		{"/api/customers/1", `{"number":"a>b"}`},
	} {
		method := "POST"
		if c.path == "/api/customers/1" {
			method = "PATCH"
		}
		children, _ := validation(t, v.do(method, c.path, tokAdmin, c.body))
		if d := cmp.Diff(map[string][]string{"number": {msgSpecial}}, fieldErrors(children)); d != "" {
			t.Errorf("%s %s (-want +got):\n%s", method, c.path, d)
		}
	}
}
