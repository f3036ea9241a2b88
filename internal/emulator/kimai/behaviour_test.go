package kimai

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/specpipe/specpipe/internal/emulator/company"
	"github.com/specpipe/specpipe/internal/emulator/emukit"
)

func TestAuthentication(t *testing.T) {
	unauthorized := `{"code":401,"message":"Unauthorized"}`
	cases := []struct {
		name     string
		hdr      []string
		status   int
		body     string // "" means an empty body
		wwwAuth  string
		identity string
	}{
		{"unknown token", []string{"Authorization: Bearer nope"}, 401, "", `Bearer error="invalid_token",error_description="Invalid credentials."`, ""},
		{"disabled user", []string{"Authorization: Bearer token_inactive"}, 401, "", `Bearer error="invalid_token",error_description="Account is disabled."`, ""},
		{"expired token", []string{"Authorization: Bearer old-token"}, 401, "", `Bearer error="invalid_token",error_description="Invalid credentials."`, ""},
		{"lowercase bearer is no token", []string{"Authorization: bearer token_user"}, 401, unauthorized, "", ""},
		{"token with a forbidden character", []string{"Authorization: Bearer tok%en"}, 401, unauthorized, "", ""},
		{"basic auth is no token", []string{"Authorization: Basic am9objp0b2tlbg=="}, 401, unauthorized, "", ""},
		{"valid token", []string{"Authorization: Bearer token_admin"}, 200, `{"message":"pong"}`, "", "anna_admin"},
		{"x-auth by email", []string{"X-AUTH-USER: john_user@example.com", "X-AUTH-TOKEN: token"}, 200, `{"message":"pong"}`, "", "john_user"},
		{"x-auth empty user", []string{"X-AUTH-USER: ", "X-AUTH-TOKEN: token"}, 403, `{"message":"Authentication required, missing user header: X-AUTH-USER"}`, "", ""},
		{"x-auth without token", []string{"X-AUTH-USER: john_user"}, 403, `{"message":"Authentication required, missing token header: X-AUTH-TOKEN"}`, "", ""},
		{"x-auth is not URL-decoded", []string{"X-AUTH-USER: john_user", "X-AUTH-TOKEN: %74oken"}, 403, `{"message":"Invalid credentials"}`, "", ""},
		{"x-auth disabled user", []string{"X-AUTH-USER: chris_user", "X-AUTH-TOKEN: token"}, 403, `{"message":"Invalid credentials"}`, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := newEnv(t)
			if err := v.e.UpdateUser(2, func(u *User) {
				u.Tokens = append(u.Tokens, Token{Token: "old-token", Expires: testNow.Add(-time.Minute)})
			}); err != nil {
				t.Fatal(err)
			}
			r := v.do("GET", "/api/ping", "", "", c.hdr...)
			wantStatus(t, r, c.status)
			if c.body == "" {
				if len(r.body) != 0 {
					t.Errorf("body %q, want empty", r.body)
				}
			} else {
				mustJSON(t, r, c.body)
			}
			if got := r.header.Get("WWW-Authenticate"); got != c.wwwAuth {
				t.Errorf("WWW-Authenticate %q, want %q", got, c.wwwAuth)
			}
			if got := v.e.Journal.Entries()[0].Identity; got != c.identity {
				t.Errorf("journal identity %q, want %q", got, c.identity)
			}
		})
	}
}

func TestLegacyLoginRateLimit(t *testing.T) {
	v := newEnv(t)
	for i := 0; i < 5; i++ {
		wantStatus(t, v.do("GET", "/api/ping", "", "", "X-AUTH-USER: john_user", "X-AUTH-TOKEN: wrong"), 403)
	}
	r := v.do("GET", "/api/ping", "", "", "X-AUTH-USER: john_user", "X-AUTH-TOKEN: token")
	wantStatus(t, r, 400)
	mustJSON(t, r, `{"code":400,"message":"Bad Request"}`)
	v.clock.Advance(time.Minute)
	wantStatus(t, v.do("GET", "/api/ping", "", "", "X-AUTH-USER: john_user", "X-AUTH-TOKEN: token"), 200)
}

func TestRoutingBeforeAuthentication(t *testing.T) {
	cases := []struct {
		method, path string
		status       int
		allow        string
	}{
		{"GET", "/api/nothing-here", 404, ""},
		{"GET", "/api/customers/abc", 404, ""},
		{"GET", "/api/customers/1/x", 404, ""},
		{"DELETE", "/api/ping", 405, "GET"},
		{"PUT", "/api/customers/1", 405, "GET, PATCH, DELETE"},
		{"GET", "/api/ping", 401, ""},
	}
	v := newEnv(t)
	for _, c := range cases {
		r := v.do(c.method, c.path, "", "")
		if r.status != c.status {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, r.status, c.status)
			continue
		}
		mustJSON(t, r, fmt.Sprintf(`{"code":%d,"message":%q}`, c.status, http.StatusText(c.status)))
		if got := r.header.Get("Allow"); got != c.allow {
			t.Errorf("%s %s: Allow %q, want %q", c.method, c.path, got, c.allow)
		}
	}
}

// TestTimezones checks local input in the user's zone and +0800 output for the company fixture.
func TestTimezones(t *testing.T) {
	fx, err := DefaultFixture()
	if err != nil {
		t.Fatal(err)
	}
	v := newEnv(t, fx)
	emp := v.e.Users()[2]
	cases := []struct {
		name, begin, end   string
		wantBegin, wantEnd string
		wantDuration       float64
	}{
		{"day shift", "2026-10-08T09:00:00", "2026-10-08T18:00:00", "2026-10-08T09:00:00+0800", "2026-10-08T18:00:00+0800", 32400},
		{"night shift crossing midnight", "2026-10-08T22:00:00", "2026-10-09T06:00:00", "2026-10-08T22:00:00+0800", "2026-10-09T06:00:00+0800", 28800},
		{"space and no seconds", "2026-10-08 08:31", "2026-10-08 17:29", "2026-10-08T08:31:00+0800", "2026-10-08T17:29:00+0800", 32280},
		{"rounding: begin floored, end ceiled", "2026-10-08T08:59:59", "2026-10-08T18:00:01", "2026-10-08T08:59:00+0800", "2026-10-08T18:01:00+0800", 32520},
		{"an offset is converted", "2026-10-08T03:00:00+02:00", "2026-10-08T12:00:00Z", "2026-10-08T09:00:00+0800", "2026-10-08T20:00:00+0800", 39600},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := fmt.Sprintf(`{"user":%d,"project":1,"activity":1,"begin":%q,"end":%q,"tags":"考勤"}`, emp.ID, c.begin, c.end)
			r := v.do("POST", "/api/timesheets", SandboxAdminToken, body)
			wantStatus(t, r, 200)
			m := r.obj(t)
			got := []any{m["begin"], m["end"], m["duration"], m["user"]}
			if d := cmp.Diff([]any{c.wantBegin, c.wantEnd, c.wantDuration, float64(emp.ID)}, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
	// The list's begin/end filters are local times of the caller.
	r := v.do("GET", fmt.Sprintf("/api/timesheets?user=%d&begin=2026-10-08T22:00:00&end=2026-10-08T23:00:00", emp.ID), SandboxAdminToken, "")
	wantStatus(t, r, 200)
	if l := r.list(t); len(l) != 1 || l[0].(map[string]any)["begin"] != "2026-10-08T22:00:00+0800" {
		t.Errorf("filtered list: %s", r.body)
	}
	// Non-ASCII is escaped as PHP's json_encode does.
	if !bytes.Contains(r.body, []byte(`\u8003\u52e4`)) || bytes.ContainsAny(r.body, "考勤") {
		t.Errorf("tags not \\u-escaped: %s", r.body)
	}
}

func TestTimesheetListPaging(t *testing.T) {
	v := newEnv(t)
	r := v.do("GET", "/api/timesheets", tokUser, "")
	wantStatus(t, r, 200)
	mustJSON(t, r, `[]`)
	wantHeaders := func(r resp, page, total, pages, per string) {
		t.Helper()
		got := []string{r.header.Get("X-Page"), r.header.Get("X-Total-Count"), r.header.Get("X-Total-Pages"), r.header.Get("X-Per-Page")}
		if d := cmp.Diff([]string{page, total, pages, per}, got); d != "" {
			t.Errorf("X-Page, X-Total-Count, X-Total-Pages, X-Per-Page (-want +got):\n%s", d)
		}
	}
	wantHeaders(r, "1", "0", "1", "50")
	var ids []float64
	for i := 0; i < 7; i++ {
		// Two records share every begin, so the id tie-breaker decides.
		ts := v.addTS(2, time.Date(2026, 10, 1+i/2, 9, 0, 0, 0, berlin), time.Hour)
		ids = append(ids, float64(ts.ID))
	}
	cases := []struct {
		query                   string
		status                  int
		page, total, pages, per string
		wantIDs                 []float64
	}{
		{"page=1&size=3&order=ASC&orderBy=begin", 200, "1", "7", "3", "3", ids[:3]},
		{"page=3&size=3&order=ASC", 200, "3", "7", "3", "3", ids[6:]},
		{"page=2&size=3", 200, "2", "7", "3", "3", []float64{ids[3], ids[2], ids[1]}},
		{"page=0&size=0", 200, "1", "7", "1", "50", nil},
		{"size=1000", 200, "1", "7", "1", "500", nil},
		{"page=4&size=3", 404, "", "", "", "", nil},
		{"order=asc", 400, "", "", "", "", nil},
		{"orderBy=duration", 400, "", "", "", "", nil},
		{"begin=2026-10-01", 400, "", "", "", "", nil},
		{"page=x", 400, "", "", "", "", nil},
		{"project=999999", 200, "1", "7", "1", "50", nil},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			r := v.do("GET", "/api/timesheets?"+c.query, tokUser, "")
			wantStatus(t, r, c.status)
			if c.status != 200 {
				mustJSON(t, r, fmt.Sprintf(`{"code":%d,"message":%q}`, c.status, http.StatusText(c.status)))
				return
			}
			wantHeaders(r, c.page, c.total, c.pages, c.per)
			if c.wantIDs != nil {
				var got []float64
				for _, x := range r.list(t) {
					got = append(got, x.(map[string]any)["id"].(float64))
				}
				if d := cmp.Diff(c.wantIDs, got); d != "" {
					t.Errorf("ids (-want +got):\n%s", d)
				}
			}
		})
	}
}

func TestFormRules(t *testing.T) {
	cases := []struct {
		name, method, path, token, body string
		check                           func(t *testing.T, r resp)
	}{
		{"duration is always rejected", "POST", "/api/timesheets", tokAdmin,
			`{"project":1,"activity":1,"begin":"2026-10-15T08:00:00","duration":3600}`,
			func(t *testing.T, r resp) {
				children, global := validation(t, r)
				if !cmp.Equal(global, []any{msgExtraFields}) {
					t.Errorf("global %v", global)
				}
				if _, ok := children["duration"]; ok {
					t.Error("duration is a child")
				}
			}},
		{"snake_case keys are camelised", "POST", "/api/customers", tokAdmin,
			`{"name":"snake","address_line1":"Line 1","post_code":"200000"}`,
			func(t *testing.T, r resp) {
				wantStatus(t, r, 200)
				if m := r.obj(t); m["addressLine1"] != "Line 1" || m["postCode"] != "200000" {
					t.Errorf("got %s", r.body)
				}
			}},
		{"homepage gets https", "POST", "/api/customers", tokAdmin, `{"name":"web","homepage":"www.example.com"}`,
			func(t *testing.T, r resp) {
				wantStatus(t, r, 200)
				if got := r.obj(t)["homepage"]; got != "https://www.example.com" {
					t.Errorf("homepage %v", got)
				}
			}},
		{"tag create clears missing visible", "POST", "/api/tags", tokUser, `{"name":"Overtime"}`,
			func(t *testing.T, r resp) {
				wantStatus(t, r, 200)
				m := r.obj(t)
				mustKeys(t, "TagEntity", m, keysTag)
				if m["visible"] != false {
					t.Errorf("visible %v, want false", m["visible"])
				}
			}},
		{"user create clears missing enabled", "POST", "/api/users", tokSuper,
			`{"username":"new_user","email":"new@example.com","plainPassword":"12345678","plainApiToken":"secret-api-pass"}`,
			func(t *testing.T, r resp) {
				wantStatus(t, r, 200)
				m := r.obj(t)
				mustKeys(t, "UserEntity", m, keysUserEnt)
				if m["enabled"] != false || m["apiToken"] != true || m["timezone"] != "Europe/Berlin" {
					t.Errorf("got %s", r.body)
				}
			}},
		{"invalid datetime", "POST", "/api/timesheets", tokUser, `{"project":1,"activity":1,"begin":"2026-13-01T00:00:00"}`,
			func(t *testing.T, r resp) {
				children, _ := validation(t, r)
				if d := cmp.Diff(map[string][]string{"begin": {msgDateTime}}, fieldErrors(children)); d != "" {
					t.Errorf("(-want +got):\n%s", d)
				}
			}},
		{"missing project and activity", "POST", "/api/timesheets", tokUser, `{}`,
			func(t *testing.T, r resp) {
				children, _ := validation(t, r)
				want := map[string][]string{"project": {msgNeedProject}, "activity": {msgNeedActivity}}
				if d := cmp.Diff(want, fieldErrors(children)); d != "" {
					t.Errorf("(-want +got):\n%s", d)
				}
			}},
		{"user may not set billable or exported", "POST", "/api/timesheets", tokUser,
			`{"project":1,"activity":1,"billable":true}`,
			func(t *testing.T, r resp) {
				_, global := validation(t, r)
				if !cmp.Equal(global, []any{msgExtraFields}) {
					t.Errorf("global %v", global)
				}
			}},
		{"running record without end", "POST", "/api/timesheets", tokUser, `{"project":1,"activity":1}`,
			func(t *testing.T, r resp) {
				wantStatus(t, r, 200)
				m := r.obj(t)
				if m["end"] != nil || m["duration"] != 0.0 || m["begin"] != "2026-10-15T10:00:00+0200" {
					t.Errorf("got %s", r.body)
				}
			}},
		{"broken JSON", "POST", "/api/customers", tokAdmin, `{"name":`,
			func(t *testing.T, r resp) {
				wantStatus(t, r, 400)
				mustJSON(t, r, `{"code":400,"message":"Bad Request"}`)
			}},
		{"timeBudget formats", "POST", "/api/activities", tokAdmin, `{"name":"budgeted","timeBudget":"1:30"}`,
			func(t *testing.T, r resp) {
				wantStatus(t, r, 200)
				if got := r.obj(t)["timeBudget"]; got != 5400.0 {
					t.Errorf("timeBudget %v", got)
				}
			}},
		{"duplicate customer number", "POST", "/api/customers", tokAdmin, `{"name":"Copy","number":"1"}`,
			func(t *testing.T, r resp) {
				children, _ := validation(t, r)
				if d := cmp.Diff(map[string][]string{"number": {"The number 1 is already used."}}, fieldErrors(children)); d != "" {
					t.Errorf("(-want +got):\n%s", d)
				}
			}},
		{"project end before start", "POST", "/api/projects", tokAdmin, `{"name":"Dates","customer":1,"start":"2026-10-10","end":"2026-10-01"}`,
			func(t *testing.T, r resp) {
				children, _ := validation(t, r)
				if d := cmp.Diff(map[string][]string{"end": {msgEndBeforeBegin}}, fieldErrors(children)); d != "" {
					t.Errorf("(-want +got):\n%s", d)
				}
			}},
		{"project dates on create are Y-m-d", "POST", "/api/projects", tokAdmin, `{"name":"Dates","customer":1,"orderDate":"2018-04-17","start":"2026-10-10T00:00:00"}`,
			func(t *testing.T, r resp) {
				children, _ := validation(t, r)
				if d := cmp.Diff(map[string][]string{"start": {msgDate}}, fieldErrors(children)); d != "" {
					t.Errorf("(-want +got):\n%s", d)
				}
			}},
		{"duplicate team name", "POST", "/api/teams", tokAdmin, `{"name":"Test team","members":[{"user":2,"teamlead":true}]}`,
			func(t *testing.T, r resp) {
				children, _ := validation(t, r)
				if d := cmp.Diff(map[string][]string{"name": {"This value is already used."}}, fieldErrors(children)); d != "" {
					t.Errorf("(-want +got):\n%s", d)
				}
			}},
		{"special characters in names", "POST", "/api/projects", tokAdmin, `{"name":"a<b","customer":1}`,
			func(t *testing.T, r resp) {
				children, _ := validation(t, r)
				if d := cmp.Diff(map[string][]string{"name": {msgSpecial}}, fieldErrors(children)); d != "" {
					t.Errorf("(-want +got):\n%s", d)
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := newEnv(t)
			c.check(t, v.do(c.method, c.path, c.token, c.body))
		})
	}
}

func TestUsersAndTeams(t *testing.T) {
	v := newEnv(t)
	wantStatus(t, v.do("GET", "/api/users", tokAdmin, ""), 403)
	r := v.do("GET", "/api/users", tokSuper, "")
	wantStatus(t, r, 200)
	if l := r.list(t); len(l) != 7 { // chris_user is disabled; visible=1 by default
		t.Errorf("%d users, want 7", len(l))
	} else {
		mustKeys(t, "UserCollection", l[0].(map[string]any), keysUser)
	}
	r = v.do("GET", "/api/users/me", tokUser, "")
	wantStatus(t, r, 200)
	me := r.obj(t)
	mustKeys(t, "UserEntity", me, keysUserEnt)
	if me["username"] != "john_user" || me["initials"] != "JD" {
		t.Errorf("me: %s", r.body)
	}
	wantStatus(t, v.do("GET", "/api/users/5", tokUser, ""), 403)
	wantStatus(t, v.do("GET", "/api/teams", tokUser, ""), 403)
	r = v.do("GET", "/api/teams/1", tokAdmin, "")
	wantStatus(t, r, 200)
	team := r.obj(t)
	mustKeys(t, "TeamEntity", team, keysTeamEnt)
	mustKeys(t, "TeamMember", asList(team["members"])[0].(map[string]any), []string{"user", "teamlead"})

	r = v.do("POST", "/api/teams", tokAdmin, `{"name":"Night shift","members":[{"user":2,"teamlead":true},{"user":8,"teamlead":false}]}`)
	wantStatus(t, r, 200)
	id := r.obj(t)["id"]
	wantStatus(t, v.do("POST", fmt.Sprintf("/api/teams/%v/members/7", id), tokAdmin, ""), 200)
	wantStatus(t, v.do("POST", fmt.Sprintf("/api/teams/%v/members/7", id), tokAdmin, ""), 400)
	wantStatus(t, v.do("DELETE", fmt.Sprintf("/api/teams/%v/members/2", id), tokAdmin, ""), 400) // teamlead
	wantStatus(t, v.do("POST", fmt.Sprintf("/api/teams/%v/projects/1", id), tokAdmin, ""), 200)
	children, _ := validation(t, v.do("PATCH", fmt.Sprintf("/api/teams/%v", id), tokAdmin, `{"members":[{"user":8,"teamlead":false}]}`))
	if d := cmp.Diff(map[string]any{"errors": []any{"At least one team leader must be assigned to the team."},
		"children": map[string]any{"0": map[string]any{"children": map[string]any{"user": map[string]any{}, "teamlead": map[string]any{}}}}},
		children["members"]); d != "" {
		t.Errorf("members (-want +got):\n%s", d)
	}
	wantStatus(t, v.do("DELETE", fmt.Sprintf("/api/teams/%v", id), tokAdmin, ""), 204)
	if len(v.e.Teams()) != 1 {
		t.Errorf("teams: %+v", v.e.Teams())
	}

	// Tags: names, find, delete.
	wantStatus(t, v.do("POST", "/api/tags", tokUser, `{"name":"Remote","visible":true}`), 200)
	mustJSON(t, v.do("GET", "/api/tags?name=rem", tokUser, ""), `["Remote"]`)
	mustJSON(t, v.do("GET", "/api/tags/find", tokUser, ""), `[]`)
	r = v.do("GET", "/api/tags/find?name=Rem", tokUser, "")
	mustKeys(t, "TagEntity", r.list(t)[0].(map[string]any), keysTag)
	tagID := r.list(t)[0].(map[string]any)["id"]
	wantStatus(t, v.do("DELETE", fmt.Sprintf("/api/tags/%v", tagID), tokUser, ""), 403)
	wantStatus(t, v.do("DELETE", fmt.Sprintf("/api/tags/%v", tagID), tokTeamlead, ""), 204)
}

func TestFaults(t *testing.T) {
	v := newEnv(t)
	// A fresh connection per request: net/http silently retries an idempotent request whose
	// reused connection is closed, which would hide a dropped connection.
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	get := func() (*http.Response, []byte, error) {
		req, _ := http.NewRequest("GET", v.url+"/api/customers", nil)
		req.Header.Set("Authorization", "Bearer "+tokAdmin)
		res, err := tr.RoundTrip(req)
		if err != nil {
			return nil, nil, err
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		return res, b, err
	}
	cases := []struct {
		kind   emukit.FaultKind
		check  func(t *testing.T, res *http.Response, body []byte, err error)
		stored bool
	}{
		{emukit.Fault5xx, func(t *testing.T, res *http.Response, body []byte, err error) {
			if err != nil || res.StatusCode != 502 || !strings.Contains(string(body), "502 Bad Gateway") {
				t.Errorf("got %v %v %q", res, err, body)
			}
		}, false},
		{emukit.FaultHTML, func(t *testing.T, res *http.Response, body []byte, err error) {
			if err != nil || res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
				t.Errorf("got %v %v %q", res, err, body)
			}
		}, false},
		{emukit.FaultRateLimit, func(t *testing.T, res *http.Response, body []byte, err error) {
			if err != nil || res.StatusCode != 429 || string(body) != `{"code":429,"message":"Too Many Requests"}` {
				t.Errorf("got %v %v %q", res, err, body)
			}
		}, false},
		{emukit.FaultDrop, func(t *testing.T, res *http.Response, body []byte, err error) {
			if err == nil {
				t.Errorf("dropped connection answered %v", res.StatusCode)
			}
		}, false},
		{emukit.FaultTruncate, func(t *testing.T, res *http.Response, body []byte, err error) {
			if err == nil && json.Valid(body) {
				t.Errorf("truncated answer is complete: %q", body)
			}
		}, true},
		{emukit.FaultDropAfter, func(t *testing.T, res *http.Response, body []byte, err error) {
			if err == nil {
				t.Errorf("dropped connection answered %v", res.StatusCode)
			}
		}, true},
	}
	for _, c := range cases {
		t.Run(string(c.kind), func(t *testing.T) {
			v.e.Journal.Reset()
			v.e.Faults.Queue(c.kind)
			res, body, err := get()
			c.check(t, res, body, err)
			var outcomes []string
			for _, e := range v.e.Journal.Entries() {
				outcomes = append(outcomes, e.Outcome)
			}
			want := []string{"fault: " + string(c.kind)}
			if c.stored {
				want = []string{"ok", "fault: " + string(c.kind)}
			}
			if d := cmp.Diff(want, outcomes); d != "" {
				t.Errorf("journal outcomes (-want +got):\n%s", d)
			}
			// The next request is served normally.
			if res, _, err := get(); err != nil || res.StatusCode != 200 {
				t.Errorf("after the fault: %v %v", res, err)
			}
		})
	}
}

func TestJournalHasNoSecrets(t *testing.T) {
	v := newEnv(t)
	v.do("GET", "/api/ping", tokSuper, "")
	v.do("GET", "/api/ping", "", "", "X-AUTH-USER: john_user", "X-AUTH-TOKEN: token")
	v.do("GET", "/api/ping", "", "", "X-AUTH-USER: john_user", "X-AUTH-TOKEN: wrong-password-123")
	v.do("POST", "/api/users", tokSuper, `{"username":"jane","email":"jane@example.com","plainPassword":"very-secret-pw","plainApiToken":"api-secret-pw"}`)
	v.do("GET", "/api/customers/1", tokUser, "")
	entries := v.e.Journal.Entries()
	b, err := json.Marshal(entries)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{tokSuper, "wrong-password-123", "very-secret-pw", "api-secret-pw", "Bearer"} {
		if bytes.Contains(b, []byte(secret)) {
			t.Errorf("journal contains %q: %s", secret, b)
		}
	}
	type row struct {
		Method, Path, Identity, Code string
		Status                       int
	}
	var got []row
	for _, e := range entries {
		got = append(got, row{e.Method, e.Path, e.Identity, e.Code, e.Status})
		if !e.Time.Equal(testNow) {
			t.Errorf("entry %d time %v, want the emulator clock", e.Seq, e.Time)
		}
	}
	want := []row{
		{"GET", "/api/ping", "susan_super", "", 200},
		{"GET", "/api/ping", "john_user", "", 200},
		{"GET", "/api/ping", "", "403", 403},
		{"POST", "/api/users", "susan_super", "", 200},
		{"GET", "/api/customers/1", "john_user", "403", 403},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("journal (-want +got):\n%s", d)
	}
	if p := entries[3].Params; p["plainPassword"] != emukit.Masked || p["plainApiToken"] != emukit.Masked || p["username"] != "jane" {
		t.Errorf("params %v", p)
	}
}

// TestFixtures checks that the embedded fixtures are what mkfixture writes (go generate changes
// no byte) and that the company fixture maps employees to Kimai users.
func TestFixtures(t *testing.T) {
	for _, c := range []struct {
		file string
		got  []byte
		want *Fixture
	}{{"fixture_default.json", defaultFixtureJSON, BuildDefaultFixture(company.Default())},
		{"fixture_test.json", testFixtureJSON, BuildTestFixture()},
		{"fixture_headoffice.json", headOfficeFixtureJSON, BuildHeadOfficeFixture(company.HeadOffice())}} {
		b, err := EncodeFixture(c.want)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, c.got) {
			t.Errorf("%s is stale: run go generate", c.file)
		}
	}
	fx, err := DefaultFixture()
	if err != nil {
		t.Fatal(err)
	}
	byAccount := map[string]User{}
	for _, u := range fx.Users {
		byAccount[u.AccountNumber] = u
	}
	n := 0
	for _, emp := range company.Default().Employees {
		u, ok := byAccount[emp.Account]
		if ok != emp.Kimai {
			t.Errorf("employee %s: Kimai user %v, want %v", emp.Account, ok, emp.Kimai)
		}
		if ok {
			n++
			if u.Username != emp.Username || u.Timezone != emp.Timezone || !u.Enabled || !cmp.Equal(u.Roles, []string{RoleUser}) {
				t.Errorf("employee %s: user %+v", emp.Account, u)
			}
		}
	}
	if n == 0 || len(fx.Users) != n+2 {
		t.Errorf("%d users for %d Kimai employees", len(fx.Users), n)
	}
	v := newEnv(t, fx)
	r := v.do("GET", "/api/activities?project=1", SandboxAdminToken, "")
	wantStatus(t, r, 200)
	var names []string
	for _, a := range r.list(t) {
		names = append(names, a.(map[string]any)["name"].(string))
	}
	if !strings.Contains(strings.Join(names, ","), InternalActivity) {
		t.Errorf("activities of %s: %v", InternalProject, names)
	}
	r = v.do("GET", "/api/projects/1", SandboxAdminToken, "")
	if m := r.obj(t); m["name"] != InternalProject || m["parentTitle"] != InternalCustomer {
		t.Errorf("project 1: %s", r.body)
	}
	if _, err := New(Options{}); err != nil {
		t.Errorf("New with defaults: %v", err)
	}
}

func TestLegacyAuthDelay(t *testing.T) {
	fx, err := TestFixture()
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(Options{Clock: emukit.NewFakeClock(testNow), Fixture: fx, LegacyAuthDelay: 30 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := emukit.Start(e, "")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	v := &env{t: t, e: e, url: srv.URL}
	start := time.Now()
	wantStatus(t, v.do("GET", "/api/ping", "", "", "X-AUTH-USER: john_user", "X-AUTH-TOKEN: token"), 200)
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Errorf("X-AUTH request took %v, want at least the delay", d)
	}
}

func TestConcurrentCreates(t *testing.T) {
	v := newEnv(t)
	const n = 20
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func() {
			body := fmt.Sprintf(`{"project":1,"activity":1,"user":2,"begin":"2026-10-%02dT09:00:00","end":"2026-10-%02dT17:00:00"}`, i+1, i+1)
			req, _ := http.NewRequest("POST", v.url+"/api/timesheets", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+tokAdmin)
			res, err := http.DefaultClient.Do(req)
			if err == nil {
				res.Body.Close()
				if res.StatusCode != 200 {
					err = fmt.Errorf("status %d", res.StatusCode)
				}
			}
			errs <- err
		}()
	}
	for i := 0; i < n; i++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	seen := map[int]bool{}
	for _, ts := range v.e.Timesheets() {
		if seen[ts.ID] || ts.Duration != 8*3600 {
			t.Errorf("record %+v", ts)
		}
		seen[ts.ID] = true
	}
	if len(seen) != n || v.e.Journal.Len() != n {
		t.Errorf("%d records, %d journal entries, want %d", len(seen), v.e.Journal.Len(), n)
	}
}

// TestBodyFormats follows FOSRest's body listener: JSON (also without a Content-Type), form
// encoding, and bodies of other media types ignored.
func TestBodyFormats(t *testing.T) {
	v := newEnv(t)
	send := func(ctype, body string) resp {
		req, _ := http.NewRequest("POST", v.url+"/api/customers", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tokAdmin)
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return resp{status: res.StatusCode, header: res.Header, body: b}
	}
	r := send("", `{"name":"No content type"}`)
	wantStatus(t, r, 200)
	r = send("application/x-www-form-urlencoded", "name=Form+encoded&visible=&address_line1=Street")
	wantStatus(t, r, 200)
	if m := r.obj(t); m["name"] != "Form encoded" || m["visible"] != true || m["addressLine1"] != "Street" {
		t.Errorf("form body: %s", r.body)
	}
	children, _ := validation(t, send("text/plain", `{"name":"ignored"}`))
	if d := cmp.Diff(map[string][]string{"name": {msgBlank}}, fieldErrors(children)); d != "" {
		t.Errorf("text/plain body (-want +got):\n%s", d)
	}
	_, global := validation(t, send("application/json", `["a","b"]`))
	if !cmp.Equal(global, []any{msgExtraFields}) {
		t.Errorf("list body: global %v", global)
	}
	for _, b := range []string{`null`, `"x"`, `{"a":1} {"b":2}`} {
		r := send("application/json; charset=utf-8", b)
		wantStatus(t, r, 400)
		mustJSON(t, r, `{"code":400,"message":"Bad Request"}`)
	}
}
