package kimai

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestTimesheetFilters(t *testing.T) {
	v := newEnv(t)
	p2, err := v.e.AddProject(Project{Customer: 1, Name: "Second", Visible: true, Billable: true, GlobalActivities: true})
	if err != nil {
		t.Fatal(err)
	}
	a2, err := v.e.AddActivity(Activity{Project: p2.ID, Name: "Specific", Visible: true, Billable: true})
	if err != nil {
		t.Fatal(err)
	}
	v.e.AddTag(Tag{Name: "night", Visible: true})
	day := func(d, h int) time.Time { return time.Date(2026, 10, d, h, 0, 0, 0, berlin) }
	ids := map[string]int{}
	ids["john1"] = v.addTS(2, day(1, 9), time.Hour, func(ts *Timesheet) { ts.Description = "Standup meeting" }).ID
	ids["john2"] = v.addTS(2, day(2, 9), 2*time.Hour, func(ts *Timesheet) {
		ts.Project, ts.Activity, ts.Exported, ts.Tags = p2.ID, a2.ID, true, []string{"night"}
	}).ID
	ids["john3"] = v.addTS(2, day(3, 9), 0).ID // running
	ids["john4"] = v.addTS(2, day(4, 9), time.Hour, func(ts *Timesheet) { ts.Billable = false }).ID
	ids["tony"] = v.addTS(4, day(1, 10), time.Hour).ID
	ids["anna"] = v.addTS(5, day(1, 11), time.Hour).ID
	ids["qa2"] = v.addTS(8, day(1, 12), time.Hour).ID

	cases := []struct {
		token, query string
		want         []string // in answer order (begin DESC, id DESC by default)
	}{
		{tokUser, "", []string{"john4", "john3", "john2", "john1"}},
		{tokUser, "user=5", []string{"john4", "john3", "john2", "john1"}}, // ignored without view_other_timesheet
		{tokAdmin, "", []string{"anna"}},
		{tokAdmin, "user=2&order=ASC", []string{"john1", "john2", "john3", "john4"}},
		{tokAdmin, "users[]=4&users[]=8", []string{"qa2", "tony"}},
		{tokAdmin, "user=all&begin=2026-10-01T00:00:00&end=2026-10-01T23:59:59", []string{"qa2", "anna", "tony", "john1"}},
		{tokTeamlead, "user=all", []string{"tony"}}, // tony leads no team
		{"token_qa1", "user=all", []string{}},       // test_user_1 leads team 1 but, as ROLE_USER, sees only their own
		{tokUser, fmt.Sprintf("project=%d", p2.ID), []string{"john2"}},
		{tokUser, fmt.Sprintf("activities[]=%d", a2.ID), []string{"john2"}},
		{tokUser, "customer=1&exported=1", []string{"john2"}},
		{tokUser, "active=1", []string{"john3"}},
		{tokUser, "active=0&billable=0", []string{"john4"}},
		{tokUser, "term=standup", []string{"john1"}},
		{tokUser, "tags[]=night", []string{"john2"}},
		{tokUser, "orderBy=id&order=ASC&size=2", []string{"john1", "john2"}},
		{tokUser, "begin=2026-10-02T09:00:00&end=2026-10-03T09:00:00", []string{"john3", "john2"}},
	}
	names := map[float64]string{}
	for k, id := range ids {
		names[float64(id)] = k
	}
	for _, c := range cases {
		t.Run(c.token+"?"+c.query, func(t *testing.T) {
			r := v.do("GET", "/api/timesheets?"+c.query, c.token, "")
			wantStatus(t, r, 200)
			got := []string{}
			for _, x := range r.list(t) {
				got = append(got, names[x.(map[string]any)["id"].(float64)])
			}
			if d := cmp.Diff(c.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}

	r := v.do("GET", "/api/timesheets?full=true&user=2", tokAdmin, "")
	wantStatus(t, r, 200)
	m := r.list(t)[0].(map[string]any)
	mustKeys(t, "TimesheetCollectionFull", m, keysTsColl)
	mustKeys(t, "Activity", m["activity"].(map[string]any), keysActivity)
	mustKeys(t, "ProjectExpanded", m["project"].(map[string]any), keysProject)
	mustKeys(t, "User", m["user"].(map[string]any), keysUser)

	r = v.do("GET", "/api/timesheets/active", tokUser, "")
	wantStatus(t, r, 200)
	if l := r.list(t); len(l) != 1 || l[0].(map[string]any)["id"] != float64(ids["john3"]) {
		t.Errorf("active: %s", r.body)
	}
	r = v.do("PATCH", fmt.Sprintf("/api/timesheets/%d/stop", ids["john3"]), tokUser, "")
	wantStatus(t, r, 200)
	if m := r.obj(t); m["end"] != "2026-10-15T10:00:00+0200" {
		t.Errorf("stop: %s", r.body)
	}
	mustJSON(t, v.do("GET", "/api/timesheets/active", tokUser, ""), `[]`)
	if l := v.do("GET", "/api/timesheets/recent", tokUser, "").list(t); len(l) != 2 {
		t.Errorf("recent: %d distinct project/activity pairs, want 2", len(l))
	}
}

func TestEntityListFilters(t *testing.T) {
	v := newEnv(t)
	old, err := v.e.AddProject(Project{Customer: 1, Name: "Finished", Visible: true, GlobalActivities: false, Start: "2025-01-01", End: "2025-12-31"})
	if err != nil {
		t.Fatal(err)
	}
	future, err := v.e.AddProject(Project{Customer: 1, Name: "Future", Visible: true, GlobalActivities: true, Start: "2027-01-01"})
	if err != nil {
		t.Fatal(err)
	}
	hidden := v.e.AddCustomer(Customer{Name: "Hidden customer", Visible: false, Country: "DE", Currency: "EUR", Timezone: "UTC"})
	if _, err := v.e.AddActivity(Activity{Project: old.ID, Name: "Old work", Visible: true}); err != nil {
		t.Fatal(err)
	}
	oldID, futureID := float64(old.ID), float64(future.ID)
	cases := []struct {
		path string
		want []float64
	}{
		{"/api/projects", []float64{1}},
		{"/api/projects?ignoreDates=1", []float64{oldID, futureID, 1}},
		{"/api/projects?start=2025-06-01&end=2025-06-30", []float64{oldID, 1}},
		{"/api/projects?start=2027-02-01T00:00:00", []float64{futureID, 1}},
		{"/api/projects?ignoreDates=1&globalActivities=0", []float64{oldID}},
		{"/api/projects?ignoreDates=1&term=fut&orderBy=id&order=DESC", []float64{futureID}},
		{"/api/customers?visible=3&orderBy=id", []float64{1, float64(hidden.ID)}},
		{"/api/customers?visible=2", []float64{float64(hidden.ID)}},
		{"/api/customers?term=hidden&visible=3", []float64{float64(hidden.ID)}},
		{"/api/activities", []float64{2, 1}},
		{fmt.Sprintf("/api/activities?project=%d", old.ID), []float64{2}}, // globalActivities=false
		{"/api/activities?project=1", []float64{1}},
		{"/api/activities?globals=true", []float64{1}},
		{"/api/activities?orderBy=id&order=DESC", []float64{2, 1}},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			r := v.do("GET", c.path, tokAdmin, "")
			wantStatus(t, r, 200)
			got := []float64{}
			for _, x := range r.list(t) {
				got = append(got, x.(map[string]any)["id"].(float64))
			}
			if d := cmp.Diff(c.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
	for _, bad := range []string{"/api/customers?visible=4", "/api/projects?order=asc", "/api/activities?orderBy=foo", "/api/projects?start=01.01.2026"} {
		r := v.do("GET", bad, tokAdmin, "")
		wantStatus(t, r, 400)
		mustJSON(t, r, `{"code":400,"message":"Bad Request"}`)
	}
}

// TestBillableMode follows BillableCalculator: API records are "auto" (recomputed on every save
// from activity, project and customer) until billable is sent explicitly.
func TestBillableMode(t *testing.T) {
	v := newEnv(t)
	if err := v.e.UpdateCustomer(1, func(c *Customer) { c.Billable = false }); err != nil {
		t.Fatal(err)
	}
	r := v.do("POST", "/api/timesheets", tokTeamlead, `{"project":1,"activity":1,"begin":"2026-10-15T08:00:00","end":"2026-10-15T09:00:00"}`)
	wantStatus(t, r, 200)
	id := r.obj(t)["id"]
	path := fmt.Sprintf("/api/timesheets/%v", id)
	steps := []struct {
		change func()
		body   string
		want   bool
	}{
		{nil, `{"description":"a"}`, false},
		{func() { _ = v.e.UpdateCustomer(1, func(c *Customer) { c.Billable = true }) }, `{"description":"b"}`, true},
		{nil, `{"billable":false}`, false},
		{nil, `{"description":"c"}`, false},
		{nil, `{"billable":"1"}`, true},
	}
	for i, s := range steps {
		if s.change != nil {
			s.change()
		}
		r := v.do("PATCH", path, tokTeamlead, s.body)
		wantStatus(t, r, 200)
		if got := r.obj(t)["billable"]; got != s.want {
			t.Errorf("step %d %s: billable %v, want %v", i, s.body, got, s.want)
		}
	}
}

func TestMoreTimesheetAndUserEndpoints(t *testing.T) {
	v := newEnv(t)
	own := v.addTS(2, time.Date(2026, 10, 14, 9, 0, 0, 0, berlin), 2*time.Hour)
	path := fmt.Sprintf("/api/timesheets/%d", own.ID)
	wantStatus(t, v.do("PATCH", path+"/export", tokUser, ""), 403) // no edit_export
	r := v.do("PATCH", path+"/export", tokAdmin, "")
	wantStatus(t, r, 200)
	if r.obj(t)["exported"] != true {
		t.Errorf("export: %s", r.body)
	}
	wantStatus(t, v.do("PATCH", path, tokUser, `{"description":"late edit"}`), 403) // exported
	r = v.do("PATCH", path+"/duplicate", tokAdmin, "")
	wantStatus(t, r, 200)
	if m := r.obj(t); m["exported"] != false || m["duration"] != 7200.0 || m["id"] == float64(own.ID) {
		t.Errorf("duplicate: %s", r.body)
	}

	r = v.do("PATCH", "/api/users/2", tokUser, `{"alias":"Johnny","timezone":"Asia/Shanghai"}`)
	wantStatus(t, r, 200)
	if m := r.obj(t); m["alias"] != "Johnny" || m["timezone"] != "Asia/Shanghai" || m["initials"] != "JO" {
		t.Errorf("patch own profile: %s", r.body)
	}
	_, global := validation(t, v.do("PATCH", "/api/users/2", tokUser, `{"enabled":false}`))
	if !cmp.Equal(global, []any{msgExtraFields}) {
		t.Errorf("a user disabling themself: %v", global)
	}
	wantStatus(t, v.do("PATCH", "/api/users/5", tokUser, `{"alias":"x"}`), 403)
	r = v.do("PATCH", "/api/users/2", tokSuper, `{"enabled":false,"roles":["ROLE_TEAMLEAD"]}`)
	wantStatus(t, r, 200)
	if m := r.obj(t); m["enabled"] != false || fmt.Sprint(m["roles"]) != "[ROLE_TEAMLEAD ROLE_USER]" {
		t.Errorf("super admin patch: %s", r.body)
	}
	r = v.do("GET", "/api/ping", tokUser, "")
	wantStatus(t, r, 401) // disabled now
}

// TestProjectDatesMeanActiveOnTheDay: start and end of GET /api/projects keep projects active on
// that day, both on both days, so a range keeps only projects covering it all
// (ProjectRepository::addProjectStartAndEndDate; without both and without ignoreDates=1 the
// day is today; src/API/ProjectController.php::cgetAction). Impossible dates are a 400.
func TestProjectDatesMeanActiveOnTheDay(t *testing.T) {
	v := newEnv(t)
	oct, err := v.e.AddProject(Project{Customer: 1, Name: "October", Visible: true, Start: "2026-10-01", End: "2026-10-31"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		query string
		want  []float64
	}{
		{"", []float64{float64(oct.ID), 1}}, // today, 2026-10-15
		{"start=2026-10-20&end=2026-11-10", []float64{1}},
		{"start=2026-09-20&end=2026-10-10", []float64{1}},
		{"start=2026-10-02&end=2026-10-30", []float64{float64(oct.ID), 1}},
		{"start=2026-11-01", []float64{1}},
		{"end=2026-10-31T23:59:59", []float64{float64(oct.ID), 1}},
		{"ignoreDates=1&start=2030-01-01", []float64{float64(oct.ID), 1}},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			r := v.do("GET", "/api/projects?orderBy=id&order=DESC&"+c.query, tokAdmin, "")
			wantStatus(t, r, 200)
			got := []float64{}
			for _, x := range r.list(t) {
				got = append(got, x.(map[string]any)["id"].(float64))
			}
			if d := cmp.Diff(c.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
	for _, bad := range []string{"start=2026-02-30", "end=2026-13-01T00:00:00"} {
		wantStatus(t, v.do("GET", "/api/projects?"+bad, tokAdmin, ""), 400)
	}
}

// TestModifiedAfterIsInclusive: modified_after is read in UTC and compared with >=
// (TimesheetRepository: gte('t.modifiedAt', ':modified_at')).
func TestModifiedAfterIsInclusive(t *testing.T) {
	v := newEnv(t)
	wantStatus(t, v.do("POST", "/api/timesheets", tokUser, `{"project":1,"activity":1,"begin":"2026-10-14T09:00:00","end":"2026-10-14T10:00:00"}`), 200)
	for q, n := range map[string]int{"2026-10-15T08:00:00": 1, "2026-10-15T08:00:01": 0, "2026-10-15T07:59:59": 1} {
		if got := len(v.do("GET", "/api/timesheets?modified_after="+q, tokUser, "").list(t)); got != n {
			t.Errorf("modified_after=%s (the record changed at 08:00:00 UTC): %d records, want %d", q, got, n)
		}
	}
}

// TestSearchTerm: term is split into words that must all match one of the entity's searchable
// fields (LIKE, case-insensitive), "!word" excludes, "name:value" searches meta fields
// (src/Utils/SearchTerm.php, Repository/Search/SearchHelper.php; the fields of
// CustomerRepository, ProjectRepository, TimesheetRepository and UserRepository).
func TestSearchTerm(t *testing.T) {
	v := newEnv(t)
	a := v.e.AddCustomer(Customer{Name: "Acme Berlin", Phone: "030-555", Visible: true, Country: "DE", Currency: "EUR", Timezone: "UTC"})
	b := v.e.AddCustomer(Customer{Name: "Acme Hamburg", InvoiceEmail: "bills@acme.example", Visible: true, Country: "DE", Currency: "EUR", Timezone: "UTC"})
	for _, body := range []string{`"description":"Meeting with Acme about the roadmap"`, `"description":"Roadmap review"`} {
		wantStatus(t, v.do("POST", "/api/timesheets", tokUser, `{"project":1,"activity":1,"begin":"2026-10-14T09:00:00","end":"2026-10-14T10:00:00",`+body+`}`), 200)
	}
	ids := func(path string) []any {
		out := []any{}
		for _, x := range v.do("GET", path, tokSuper, "").list(t) {
			out = append(out, x.(map[string]any)["id"])
		}
		return out
	}
	names := func(path string) []any {
		out := []any{}
		for _, x := range v.do("GET", path, tokUser, "").list(t) {
			out = append(out, x.(map[string]any)["description"])
		}
		return out
	}
	cases := []struct {
		got, want []any
	}{
		{ids("/api/customers?orderBy=id&term=acme"), []any{float64(a.ID), float64(b.ID)}},
		{ids("/api/customers?orderBy=id&term=ACME+berlin"), []any{float64(a.ID)}},
		{ids("/api/customers?orderBy=id&term=acme+!berlin"), []any{float64(b.ID)}},
		{ids("/api/customers?orderBy=id&term=030-555"), []any{float64(a.ID)}},                      // phone
		{ids("/api/customers?orderBy=id&term=bills@acme"), []any{float64(b.ID)}},                   // invoiceEmail
		{ids("/api/customers?orderBy=id&term=acme+berlin+hamburg"), []any{}},                       // every word must match
		{ids("/api/customers?orderBy=id&term=acme+region:north"), []any{}},                         // no such meta field value
		{ids("/api/customers?orderBy=id&term=acme+region:~"), []any{float64(a.ID), float64(b.ID)}}, // meta field not set
		{names("/api/timesheets?term=roadmap&orderBy=id&order=ASC"), []any{"Meeting with Acme about the roadmap", "Roadmap review"}},
		{names("/api/timesheets?term=roadmap+!acme"), []any{"Roadmap review"}},
		{ids("/api/users?term=Quality+Tester&orderBy=id"), []any{float64(7), float64(8)}}, // title
	}
	for i, c := range cases {
		if d := cmp.Diff(c.want, c.got); d != "" {
			t.Errorf("case %d (-want +got):\n%s", i, d)
		}
	}
}
