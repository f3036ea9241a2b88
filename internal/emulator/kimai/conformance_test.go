package kimai

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Bearer tokens of Kimai's test fixture.
const (
	tokUser     = "token_user"
	tokTeamlead = "token_teamlead"
	tokAdmin    = "token_admin"
	tokSuper    = "token_super"
)

var berlin = mustLoc("Europe/Berlin")

func mustLoc(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// addTS stores a stopped record for user from begin (Berlin wall time) lasting d.
func (v *env) addTS(user int, begin time.Time, d time.Duration, mod ...func(*Timesheet)) Timesheet {
	v.t.Helper()
	end := begin.Add(d)
	t := Timesheet{User: user, Project: 1, Activity: 1, Begin: begin, End: &end, Billable: true}
	if d == 0 {
		t.End = nil
	}
	for _, m := range mod {
		m(&t)
	}
	out, err := v.e.AddTimesheet(t)
	if err != nil {
		v.t.Fatal(err)
	}
	return out
}

func wantStatus(t *testing.T, r resp, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
}

// TestConformance ports the conformance cases of kimai-api.md §6 (Kimai's own API tests).
func TestConformance(t *testing.T) {
	forbidden := `{"code":403,"message":"Forbidden"}`
	notFound := `{"code":404,"message":"Not Found"}`
	badRequest := `{"code":400,"message":"Bad Request"}`
	now := testNow.In(berlin)
	cases := []struct {
		name string
		run  func(t *testing.T, v *env)
	}{
		{"01 ping without credentials", func(t *testing.T, v *env) {
			r := v.do("GET", "/api/ping", "", "")
			wantStatus(t, r, 401)
			mustJSON(t, r, `{"code":401,"message":"Unauthorized"}`)
		}},
		{"02 ping with bearer token", func(t *testing.T, v *env) {
			r := v.do("GET", "/api/ping", tokUser, "")
			wantStatus(t, r, 200)
			mustJSON(t, r, `{"message":"pong"}`)
		}},
		{"03 ping with X-AUTH", func(t *testing.T, v *env) {
			r := v.do("GET", "/api/ping", "", "", "X-AUTH-USER: john_user", "X-AUTH-TOKEN: token")
			wantStatus(t, r, 200)
			mustJSON(t, r, `{"message":"pong"}`)
		}},
		{"04 ping with a wrong X-AUTH password", func(t *testing.T, v *env) {
			r := v.do("GET", "/api/ping", "", "", "X-AUTH-USER: john_user", "X-AUTH-TOKEN: xxxx")
			wantStatus(t, r, 403)
			mustJSON(t, r, `{"message":"Invalid credentials"}`)
		}},
		{"05 version", func(t *testing.T, v *env) {
			r := v.do("GET", "/api/version", tokUser, "")
			wantStatus(t, r, 200)
			mustJSON(t, r, `{"version":"2.66.0","versionId":26600,"copyright":"Kimai 2.66.0 by Kevin Papst."}`)
		}},
		{"06 customers as user", func(t *testing.T, v *env) {
			r := v.do("GET", "/api/customers", tokUser, "")
			wantStatus(t, r, 200)
			l := r.list(t)
			if len(l) != 1 {
				t.Fatalf("%d customers, want 1", len(l))
			}
			mustKeys(t, "CustomerCollection", l[0].(map[string]any), minus(keysCustColl, keysBudget...))
		}},
		{"07 customers full=1 needs details_customer", func(t *testing.T, v *env) {
			r := v.do("GET", "/api/customers?full=1", tokUser, "")
			wantStatus(t, r, 200)
			mustKeys(t, "CustomerCollection", r.list(t)[0].(map[string]any), minus(keysCustColl, keysBudget...))
			r = v.do("GET", "/api/customers?full=1", tokAdmin, "")
			mustKeys(t, "CustomerCollectionFull", r.list(t)[0].(map[string]any), keysCustFull)
		}},
		{"08 customer entity is secured", func(t *testing.T, v *env) {
			r := v.do("GET", "/api/customers/1", tokUser, "")
			wantStatus(t, r, 403)
			mustJSON(t, r, forbidden)
			r = v.do("GET", "/api/customers/1", tokAdmin, "")
			wantStatus(t, r, 200)
			mustKeys(t, "CustomerEntity", r.obj(t), keysCustEnt)
		}},
		{"09 unknown customer is 404 before 403", func(t *testing.T, v *env) {
			r := v.do("GET", "/api/customers/9223372036854775807", tokUser, "")
			wantStatus(t, r, 404)
			mustJSON(t, r, notFound)
		}},
		{"10 create customer with least fields", func(t *testing.T, v *env) {
			r := v.do("POST", "/api/customers", tokAdmin, `{"name":"foo"}`)
			wantStatus(t, r, 200)
			m := r.obj(t)
			mustKeys(t, "CustomerEntity", m, keysCustEnt)
			if m["number"] != "0003" || m["visible"] != true || m["billable"] != true || m["name"] != "foo" {
				t.Errorf("got number %v visible %v billable %v", m["number"], m["visible"], m["billable"])
			}
		}},
		{"11 create customer with every field", func(t *testing.T, v *env) {
			body := `{"name":"foo","budget":"999","timeBudget":"10,25","budgetType":"month","number":"C-754",
				"comment":"Awesome customer since a long time","company":"IT Professional Comp.","vatId":"DE0123456789",
				"contact":"Mr. John Doe","addressLine1":"test address line 1","addressLine2":"foo address line 2",
				"addressLine3":"bar address line 3","postCode":"12345","city":"Acme Town","country":"DE","language":"de",
				"currency":"EUR","phone":"666667787778999909087","fax":"0987654321","mobile":"01234534567890",
				"email":"admin@example.com","homepage":"https://www.example.com/","timezone":"Europe/Berlin",
				"invoiceText":"Some random text, pay fast please!","invoiceEmail":"invoice@example.com",
				"buyerReference":"REF-0123456789","color":"#ff0000","visible":true,"billable":true,"teams":[1]}`
			r := v.do("POST", "/api/customers", tokAdmin, body)
			wantStatus(t, r, 200)
			m := r.obj(t)
			mustKeys(t, "CustomerEntity", m, keysCustEnt)
			want := map[string]any{"name": "foo", "budget": 999.0, "timeBudget": 36900.0, "budgetType": "month",
				"number": "C-754", "address": nil, "addressLine1": "test address line 1", "postCode": "12345",
				"phone": "666667787778999909087", "homepage": "https://www.example.com/", "language": "de",
				"color": "#ff0000", "color-safe": "#ff0000", "metaFields": []any{},
				"teams": []any{map[string]any{"id": 1.0, "name": "Test team", "color": nil, "color-safe": "#03A9F4"}}}
			for k, w := range want {
				if d := cmp.Diff(w, m[k]); d != "" {
					t.Errorf("%s (-want +got):\n%s", k, d)
				}
			}
			if !strings.Contains(string(r.body), `"budget":999.0`) {
				t.Errorf("budget is not written as a PHP float: %s", r.body)
			}
		}},
		{"12 create customer with invalid data", func(t *testing.T, v *env) {
			r := v.do("POST", "/api/customers", tokAdmin,
				`{"name":"foo","visible":true,"country":"XYZ","currency":"---","timezone":"foo/bar","unexpected":"field"}`)
			children, global := validation(t, r)
			if d := cmp.Diff([]any{msgExtraFields}, global); d != "" {
				t.Errorf("global errors (-want +got):\n%s", d)
			}
			want := map[string][]string{"country": {"Please select a valid country."},
				"currency": {"Please select a valid currency."}, "timezone": {"Please select a valid timezone."}}
			if d := cmp.Diff(want, fieldErrors(children)); d != "" {
				t.Errorf("field errors (-want +got):\n%s", d)
			}
			if d := cmp.Diff(map[string]any{}, children["name"]); d != "" {
				t.Errorf("children without errors must be {}: %s", d)
			}
			if len(v.e.Customers()) != 1 {
				t.Error("an invalid customer was stored")
			}
		}},
		{"13 create customer as user", func(t *testing.T, v *env) {
			r := v.do("POST", "/api/customers", tokUser, `{"name":"foo"}`)
			wantStatus(t, r, 403)
			mustJSON(t, r, forbidden)
		}},
		{"14 patch customer with invalid currency", func(t *testing.T, v *env) {
			r := v.do("PATCH", "/api/customers/1", tokAdmin,
				`{"name":"foo","visible":true,"country":"DE","currency":"XXX","timezone":"Europe/Berlin"}`)
			children, _ := validation(t, r)
			if d := cmp.Diff(map[string][]string{"currency": {"Please select a valid currency."}}, fieldErrors(children)); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
			if _, ok := children["address"]; !ok {
				t.Error("the legacy address child is missing for a customer that has an address")
			}
			if got := v.e.Customers()[0].Name; got != "Test" {
				t.Errorf("invalid patch changed the name to %q", got)
			}
		}},
		{"15 patch unknown customer", func(t *testing.T, v *env) {
			r := v.do("PATCH", "/api/customers/255", tokUser, `{}`)
			wantStatus(t, r, 404)
			mustJSON(t, r, notFound)
		}},
		{"16 customer meta", func(t *testing.T, v *env) {
			for body, status := range map[string]int{`{"value":"X"}`: 400, `{"name":"X"}`: 400, `{"name":"X","value":"Y"}`: 404} {
				r := v.do("PATCH", "/api/customers/1/meta", tokAdmin, body)
				wantStatus(t, r, status)
				mustJSON(t, r, fmt.Sprintf(`{"code":%d,"message":%q}`, status, http.StatusText(status)))
			}
		}},
		{"17 delete customer", func(t *testing.T, v *env) {
			r := v.do("DELETE", "/api/customers/1", tokAdmin, "")
			wantStatus(t, r, 204)
			if len(r.body) != 0 {
				t.Errorf("204 with body %q", r.body)
			}
			wantStatus(t, v.do("GET", "/api/customers/1", tokAdmin, ""), 404)
			if len(v.e.Projects()) != 0 {
				t.Error("projects of a deleted customer remain")
			}
		}},
		{"18 removed team endpoints", func(t *testing.T, v *env) {
			for _, path := range []string{"/api/customers/1/team", "/api/customers/999/team", "/api/projects/1/team", "/api/activities/1/team"} {
				r := v.do("POST", path, tokUser, "")
				wantStatus(t, r, 410)
				mustJSON(t, r, `{"code":410,"message":"This endpoint was removed, use \"POST /api/teams/\" instead."}`)
			}
		}},
		{"19 create project with least fields", func(t *testing.T, v *env) {
			r := v.do("POST", "/api/projects", tokAdmin, `{"name":"foo","customer":1}`)
			wantStatus(t, r, 200)
			m := r.obj(t)
			mustKeys(t, "ProjectEntity", m, keysProjEnt)
			want := map[string]any{"number": "0003", "globalActivities": true, "color": nil, "budgetType": nil,
				"customer": 1.0, "parentTitle": "Test", "visible": true, "billable": true}
			for k, w := range want {
				if d := cmp.Diff(w, m[k]); d != "" {
					t.Errorf("%s (-want +got):\n%s", k, d)
				}
			}
		}},
		{"20 project customer must be an ID, never a number", func(t *testing.T, v *env) {
			r := v.do("POST", "/api/projects", tokAdmin, `{"name":"foo","customer":100,"xxxxx":"whoami"}`)
			children, global := validation(t, r)
			if d := cmp.Diff([]any{msgExtraFields}, global); d != "" {
				t.Errorf("global (-want +got):\n%s", d)
			}
			if d := cmp.Diff(map[string][]string{"customer": {msgChoice}}, fieldErrors(children)); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
			// The seed's pitfall: a customer referenced by its editable number.
			wantStatus(t, v.do("POST", "/api/customers", tokAdmin, `{"name":"示例客户","number":"CUST001"}`), 200)
			children, _ = validation(t, v.do("POST", "/api/projects", tokAdmin, `{"name":"错误示例项目","customer":"CUST001"}`))
			if d := cmp.Diff(map[string][]string{"customer": {msgChoice}}, fieldErrors(children)); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
			r = v.do("POST", "/api/projects", tokAdmin, `{"name":"正确示例项目","customer":2}`)
			wantStatus(t, r, 200)
			if r.obj(t)["customer"] != 2.0 {
				t.Errorf("project customer %v", r.obj(t)["customer"])
			}
		}},
		{"21 checkbox coercion", func(t *testing.T, v *env) {
			r := v.do("POST", "/api/projects", tokAdmin, `{"name":"foo","customer":1,"billable":1,"visible":"","globalActivities":"0"}`)
			wantStatus(t, r, 200)
			m := r.obj(t)
			if m["billable"] != true || m["visible"] != true || m["globalActivities"] != true {
				t.Errorf("want all true: %s", r.body)
			}
			r = v.do("POST", "/api/projects", tokAdmin, `{"name":"foo","customer":1,"billable":false,"visible":false,"globalActivities":false}`)
			wantStatus(t, r, 200)
			m = r.obj(t)
			if m["billable"] != false || m["visible"] != false || m["globalActivities"] != false {
				t.Errorf("want all false: %s", r.body)
			}
		}},
		{"22 project visibility follows the customer", func(t *testing.T, v *env) {
			c := v.e.AddCustomer(Customer{Name: "hidden", Visible: false, Country: "DE", Currency: "EUR", Timezone: "Europe/Berlin"})
			for _, n := range []string{"p1", "p2"} {
				if _, err := v.e.AddProject(Project{Customer: c.ID, Name: n, Visible: true, GlobalActivities: true}); err != nil {
					t.Fatal(err)
				}
			}
			r := v.do("GET", fmt.Sprintf("/api/projects?customer=%d&visible=1", c.ID), tokAdmin, "")
			wantStatus(t, r, 200)
			mustJSON(t, r, `[]`)
			r = v.do("GET", fmt.Sprintf("/api/projects?customer=%d&visible=3", c.ID), tokAdmin, "")
			if l := r.list(t); len(l) != 2 {
				t.Fatalf("%d projects, want 2", len(l))
			} else {
				mustKeys(t, "ProjectCollection", l[0].(map[string]any), keysProjEnt)
			}
		}},
		{"23 create activity with least fields", func(t *testing.T, v *env) {
			r := v.do("POST", "/api/activities", tokAdmin, `{"name":"foo"}`)
			wantStatus(t, r, 200)
			m := r.obj(t)
			mustKeys(t, "ActivityEntity", m, keysActEnt)
			if m["number"] != "0003" || m["project"] != nil || m["parentTitle"] != nil {
				t.Errorf("got %s", r.body)
			}
		}},
		{"24 activity name too long", func(t *testing.T, v *env) {
			r := v.do("PATCH", "/api/activities/1", tokAdmin, fmt.Sprintf(`{"name":%q}`, strings.Repeat("x", 200)))
			children, _ := validation(t, r)
			if d := cmp.Diff(map[string][]string{"name": {tooLong(150)}}, fieldErrors(children)); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
			if _, ok := children["project"]; ok {
				t.Error("an existing global activity has no project child")
			}
		}},
		{"25 timesheet paging headers", func(t *testing.T, v *env) {
			for i := 0; i < 22; i++ {
				v.addTS(2, time.Date(2026, 10, 1+i%14, 8+i%6, 0, 0, 0, berlin), time.Hour)
			}
			q := "customers[]=1&projects[]=1&activities[]=1&page=2&size=4&order=DESC&orderBy=rate&active=0&exported=0" +
				"&modified_after=2026-10-14T12:00:00&begin=2026-10-01T00:00:00&end=2026-10-31T23:59:59"
			r := v.do("GET", "/api/timesheets?"+q, tokUser, "")
			wantStatus(t, r, 200)
			for h, w := range map[string]string{"X-Page": "2", "X-Total-Count": "22", "X-Total-Pages": "6", "X-Per-Page": "4"} {
				if got := r.header.Get(h); got != w {
					t.Errorf("%s = %q, want %q", h, got, w)
				}
			}
			l := r.list(t)
			if len(l) != 4 {
				t.Fatalf("%d items, want 4", len(l))
			}
			mustKeys(t, "TimesheetCollection", l[0].(map[string]any), minus(keysTsColl, keysRates...))
		}},
		{"26 page out of range", func(t *testing.T, v *env) {
			for i := 0; i < 10; i++ {
				v.addTS(2, time.Date(2026, 10, 1+i, 9, 0, 0, 0, berlin), time.Hour)
			}
			r := v.do("GET", "/api/timesheets?page=19&size=50", tokUser, "")
			wantStatus(t, r, 404)
			mustJSON(t, r, notFound)
		}},
		{"27 tag filter", func(t *testing.T, v *env) {
			v.e.AddTag(Tag{Name: "Test", Visible: true})
			v.e.AddTag(Tag{Name: "Admin", Visible: true})
			v.addTS(2, time.Date(2026, 10, 1, 9, 0, 0, 0, berlin), time.Hour, func(ts *Timesheet) { ts.Tags = []string{"Test"} })
			v.addTS(2, time.Date(2026, 10, 2, 9, 0, 0, 0, berlin), time.Hour)
			r := v.do("GET", "/api/timesheets?tags[]=Nothing-2-see&tags[]=not-existing-here", tokUser, "")
			wantStatus(t, r, 400)
			mustJSON(t, r, badRequest)
			r = v.do("GET", "/api/timesheets?tags[]=Test&tags[]=Admin", tokUser, "")
			wantStatus(t, r, 200)
			if l := r.list(t); len(l) != 1 || fmt.Sprint(l[0].(map[string]any)["tags"]) != "[Test]" {
				t.Errorf("got %s", r.body)
			}
		}},
		{"28 user=all is ignored for users", func(t *testing.T, v *env) {
			v.addTS(2, now.Add(-5*time.Hour), time.Hour)
			v.addTS(5, now.Add(-5*time.Hour), time.Hour)
			r := v.do("GET", "/api/timesheets?user=all", tokUser, "")
			wantStatus(t, r, 200)
			l := r.list(t)
			if len(l) != 1 || l[0].(map[string]any)["user"] != 2.0 {
				t.Errorf("got %s", r.body)
			}
			if l := v.do("GET", "/api/timesheets?user=all", tokAdmin, "").list(t); len(l) != 2 {
				t.Errorf("admin sees %d records with user=all, want 2", len(l))
			}
		}},
		{"29 create timesheet with rates", func(t *testing.T, v *env) {
			body := fmt.Sprintf(`{"activity":1,"project":1,"begin":%q,"end":%q,"description":"foo","fixedRate":2016,"hourlyRate":127,"billable":false}`,
				now.Add(-8*time.Hour).Format("2006-01-02 15:04:05"), now.Format("2006-01-02 15:04:05"))
			r := v.do("POST", "/api/timesheets", tokAdmin, body)
			wantStatus(t, r, 200)
			m := r.obj(t)
			mustKeys(t, "TimesheetEntity", m, keysTsEnt)
			if m["duration"] != 28800.0 || m["rate"] != 2016.0 || m["billable"] != false || m["fixedRate"] != 2016.0 {
				t.Errorf("got %s", r.body)
			}
		}},
		{"30 create timesheet with full response", func(t *testing.T, v *env) {
			body := fmt.Sprintf(`{"activity":1,"project":1,"begin":%q,"end":%q}`,
				now.Add(-8*time.Hour).Format("2006-01-02T15:04:05"), now.Format("2006-01-02T15:04:05"))
			r := v.do("POST", "/api/timesheets?full=true", tokAdmin, body)
			wantStatus(t, r, 200)
			m := r.obj(t)
			mustKeys(t, "TimesheetExpanded", m, keysTsEnt)
			mustKeys(t, "ActivityExpanded", m["activity"].(map[string]any), keysActivity)
			p := m["project"].(map[string]any)
			mustKeys(t, "ProjectExpanded", p, keysProject)
			mustKeys(t, "Customer", p["customer"].(map[string]any), keysCustomer)
			mustKeys(t, "User", m["user"].(map[string]any), keysUser)
		}},
		{"31 create timesheet for another user", func(t *testing.T, v *env) {
			body := fmt.Sprintf(`{"activity":1,"project":1,"begin":%q,"end":%q,"user":2}`,
				now.Add(-8*time.Hour).Format("2006-01-02T15:04:05"), now.Format("2006-01-02T15:04:05"))
			r := v.do("POST", "/api/timesheets", tokAdmin, body)
			wantStatus(t, r, 200)
			if m := r.obj(t); m["user"] != 2.0 || m["billable"] != true {
				t.Errorf("got %s", r.body)
			}
			r = v.do("POST", "/api/timesheets", tokUser, body)
			_, global := validation(t, r)
			if d := cmp.Diff([]any{msgExtraFields}, global); d != "" {
				t.Errorf("a user sending user: (-want +got):\n%s", d)
			}
		}},
		{"32 unknown project", func(t *testing.T, v *env) {
			r := v.do("POST", "/api/timesheets", tokUser, `{"activity":1,"project":99,"begin":"2026-10-15T08:00:00","end":"2026-10-15T09:00:00"}`)
			children, _ := validation(t, r)
			if d := cmp.Diff(map[string][]string{"project": {msgChoice}}, fieldErrors(children)); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		}},
		{"33 team-restricted project outside the user's teams", func(t *testing.T, v *env) {
			p, err := v.e.AddProject(Project{Customer: 1, Name: "restricted", Visible: true, Billable: true, GlobalActivities: true})
			if err != nil {
				t.Fatal(err)
			}
			v.e.AddTeam(Team{Name: "Restricted", Members: []Member{{User: 7, Teamlead: true}}, Projects: []int{p.ID}})
			if l := v.do("GET", "/api/projects", tokUser, "").list(t); len(l) != 1 {
				t.Errorf("user sees %d projects, want only the unrestricted one", len(l))
			}
			body := fmt.Sprintf(`{"activity":1,"project":%d,"begin":"2026-10-15T01:00:00","end":"2026-10-15T09:00:00","description":"GHSA-vrr2-create-attempt"}`, p.ID)
			children, _ := validation(t, v.do("POST", "/api/timesheets", tokUser, body))
			if d := cmp.Diff(map[string][]string{"project": {msgChoice}}, fieldErrors(children)); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
			if n := len(v.e.Timesheets()); n != 0 {
				t.Errorf("%d records created", n)
			}
		}},
		{"34 invisible activity", func(t *testing.T, v *env) {
			a, err := v.e.AddActivity(Activity{Name: "hidden", Visible: false, Billable: true})
			if err != nil {
				t.Fatal(err)
			}
			body := fmt.Sprintf(`{"activity":%d,"project":1,"begin":"2026-10-15T01:00:00","end":"2026-10-15T09:00:00"}`, a.ID)
			children, _ := validation(t, v.do("POST", "/api/timesheets", tokUser, body))
			if d := cmp.Diff(map[string][]string{"activity": {msgChoice}}, fieldErrors(children)); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		}},
		{"35 non-billable customer", func(t *testing.T, v *env) {
			if err := v.e.UpdateCustomer(1, func(c *Customer) { c.Billable = false }); err != nil {
				t.Fatal(err)
			}
			base := `"activity":1,"project":1,"begin":"2026-10-15T01:00:00","end":"2026-10-15T09:00:00"`
			r := v.do("POST", "/api/timesheets", tokTeamlead, "{"+base+"}")
			wantStatus(t, r, 200)
			if r.obj(t)["billable"] != false {
				t.Errorf("automatic billable: got %s", r.body)
			}
			r = v.do("POST", "/api/timesheets", tokTeamlead, "{"+base+`,"billable":true}`)
			wantStatus(t, r, 200)
			if r.obj(t)["billable"] != true {
				t.Errorf("explicit billable: got %s", r.body)
			}
		}},
		{"36 punch mode hides begin and end from users", func(t *testing.T, v *env) {
			cfg := v.e.Config()
			cfg.TrackingMode = "punch"
			v.e.SetConfig(cfg)
			body := fmt.Sprintf(`{"activity":1,"project":1,"begin":%q,"end":%q,"description":"foo"}`,
				now.Add(-8*time.Hour).Format("2006-01-02 15:04:0"), now.Format("2006-01-02 15:04:0"))
			children, global := validation(t, v.do("POST", "/api/timesheets", tokUser, body))
			if d := cmp.Diff([]any{msgExtraFields}, global); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
			for _, k := range []string{"begin", "end"} {
				if _, ok := children[k]; ok {
					t.Errorf("child %s present in punch mode", k)
				}
			}
			wantStatus(t, v.do("POST", "/api/timesheets", tokTeamlead, body), 200)
		}},
		{"37 invalid patch", func(t *testing.T, v *env) {
			ts := v.addTS(2, now.Add(-3*time.Hour), time.Hour)
			body := fmt.Sprintf(`{"activity":10,"project":1,"begin":%q,"end":%q}`,
				now.Format("2006-01-02T15:04:05"), now.AddDate(0, 0, -1).Format("2006-01-02T15:04:05"))
			children, global := validation(t, v.do("PATCH", fmt.Sprintf("/api/timesheets/%d", ts.ID), tokUser, body))
			if !cmp.Equal(global, []any{msgEndBeforeBegin}) {
				t.Errorf("global errors %v", global)
			}
			if d := cmp.Diff(map[string][]string{"activity": {msgChoice}}, fieldErrors(children)); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		}},
		{"38 patch another user's record", func(t *testing.T, v *env) {
			ts := v.addTS(4, now.Add(-3*time.Hour), time.Hour)
			r := v.do("PATCH", fmt.Sprintf("/api/timesheets/%d", ts.ID), tokUser, `{"description":"x","exported":true}`)
			wantStatus(t, r, 403)
			mustJSON(t, r, forbidden)
		}},
		{"39 get another user's record", func(t *testing.T, v *env) {
			ts := v.addTS(5, now.Add(-3*time.Hour), time.Hour)
			r := v.do("GET", fmt.Sprintf("/api/timesheets/%d", ts.ID), tokUser, "")
			wantStatus(t, r, 403)
			mustJSON(t, r, forbidden)
		}},
		{"40 delete", func(t *testing.T, v *env) {
			own := v.addTS(2, now.Add(-3*time.Hour), time.Hour)
			other := v.addTS(5, now.Add(-3*time.Hour), time.Hour)
			exported := v.addTS(2, now.Add(-5*time.Hour), time.Hour, func(ts *Timesheet) { ts.Exported = true })
			for _, c := range []struct {
				id     int
				token  string
				status int
			}{{own.ID, tokUser, 204}, {other.ID, tokUser, 403}, {exported.ID, tokUser, 403}, {exported.ID, tokAdmin, 204}} {
				r := v.do("DELETE", fmt.Sprintf("/api/timesheets/%d", c.id), c.token, "")
				if r.status != c.status {
					t.Errorf("DELETE %d as %s: %d, want %d", c.id, c.token, r.status, c.status)
				}
			}
		}},
		{"41 stop triggers long-running validation", func(t *testing.T, v *env) {
			cfg := v.e.Config()
			cfg.LongRunningMinutes = 750
			v.e.SetConfig(cfg)
			ts := v.addTS(2, now.Add(-13*time.Hour), 0)
			r := v.do("PATCH", fmt.Sprintf("/api/timesheets/%d/stop", ts.ID), tokUser, "")
			wantStatus(t, r, 400)
			mustJSON(t, r, `{"code":"400","message":"There was a problem saving.","errors":{"children":{"duration":{"errors":["Maximum 12:30 hours allowed."]}}}}`)
		}},
		{"42 restart", func(t *testing.T, v *env) {
			v.e.AddTag(Tag{Name: "bar", Visible: true})
			ts := v.addTS(2, now.Add(-3*time.Hour), time.Hour)
			wantStatus(t, v.do("PATCH", fmt.Sprintf("/api/timesheets/%d", ts.ID), tokUser,
				`{"description":"foo","tags":"another,testing,bar"}`), 200)
			r := v.do("PATCH", fmt.Sprintf("/api/timesheets/%d/restart", ts.ID), tokUser, "")
			wantStatus(t, r, 200)
			m := r.obj(t)
			mustKeys(t, "TimesheetEntity", m, minus(keysTsEnt, keysRates...))
			if m["description"] != nil || len(asList(m["tags"])) != 0 || m["end"] != nil {
				t.Errorf("restart copied too much: %s", r.body)
			}
			r = v.do("PATCH", fmt.Sprintf("/api/timesheets/%d/restart?copy=all", ts.ID), tokUser, "")
			wantStatus(t, r, 200)
			if m := r.obj(t); m["description"] != "foo" || fmt.Sprint(m["tags"]) != "[bar]" {
				t.Errorf("copy=all: %s", r.body)
			}
			running := 0
			for _, x := range v.e.Timesheets() {
				if x.End == nil {
					running++
				}
			}
			if running != 1 {
				t.Errorf("%d running records, want 1 (the previous one is stopped)", running)
			}
		}},
		{"43 record in Pacific/Tongatapu", func(t *testing.T, v *env) {
			if err := v.e.UpdateUser(2, func(u *User) { u.Timezone = "Pacific/Tongatapu" }); err != nil {
				t.Fatal(err)
			}
			v.e.AddTag(Tag{Name: "test", Visible: true})
			r := v.do("POST", "/api/timesheets", tokUser,
				`{"activity":1,"project":1,"begin":"2020-03-27T14:35:59","end":"2020-03-28T03:29:04","tags":"test,unknown"}`)
			wantStatus(t, r, 200)
			r = v.do("GET", fmt.Sprintf("/api/timesheets/%v", r.obj(t)["id"]), tokUser, "")
			wantStatus(t, r, 200)
			m := r.obj(t)
			mustKeys(t, "TimesheetEntity", m, minus(keysTsEnt, keysRates...))
			want := map[string]any{"begin": "2020-03-27T14:35:00+1300", "end": "2020-03-28T03:30:00+1300",
				"duration": 46500.0, "tags": []any{"test"}}
			for k, w := range want {
				if d := cmp.Diff(w, m[k]); d != "" {
					t.Errorf("%s (-want +got):\n%s", k, d)
				}
			}
		}},
		{"44 tag validation", func(t *testing.T, v *env) {
			children, _ := validation(t, v.do("POST", "/api/tags", tokAdmin, `{"name":"1","color":"11231231231"}`))
			if d := cmp.Diff(map[string][]string{"name": {tooShort(2)}, "color": {msgColor}}, fieldErrors(children)); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		}},
		{"45 team validation", func(t *testing.T, v *env) {
			r := v.do("POST", "/api/teams", tokAdmin, `{"name":"","members":[{"user":9999,"teamlead":1}]}`)
			children, _ := validation(t, r)
			if d := cmp.Diff(map[string][]string{"name": {msgBlank}}, fieldErrors(children)); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
			want := map[string]any{"children": map[string]any{"0": map[string]any{"children": map[string]any{
				"user": map[string]any{"errors": []any{msgChoice}}, "teamlead": map[string]any{}}}}}
			if d := cmp.Diff(want, children["members"]); d != "" {
				t.Errorf("members (-want +got):\n%s", d)
			}
		}},
		{"46 short password", func(t *testing.T, v *env) {
			r := v.do("POST", "/api/users", tokSuper, `{"username":"foo","email":"foo@example.com","title":"asdfghjkl",
				"plainPassword":"1234567","enabled":true,"language":"ru","timezone":"Europe/Paris","roles":["ROLE_TEAMLEAD","ROLE_ADMIN"]}`)
			children, _ := validation(t, r)
			if d := cmp.Diff(map[string][]string{"plainPassword": {tooShort(8)}}, fieldErrors(children)); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		}},
		{"47 create user as admin", func(t *testing.T, v *env) {
			r := v.do("POST", "/api/users", tokAdmin, `{"username":"foo","email":"foo@example.com","plainPassword":"12345678"}`)
			wantStatus(t, r, 403)
			mustJSON(t, r, forbidden)
		}},
		{"48 timesheet configuration", func(t *testing.T, v *env) {
			r := v.do("GET", "/api/config/timesheet", tokUser, "")
			wantStatus(t, r, 200)
			mustJSON(t, r, `{"trackingMode":"default","defaultBeginTime":"now","activeEntriesHardLimit":1,"isAllowFutureTimes":true,"isAllowOverlapping":true}`)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.run(t, newEnv(t)) })
	}
}
