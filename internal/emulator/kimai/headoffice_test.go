package kimai

import (
	"fmt"
	"testing"

	"github.com/specpipe/specpipe/internal/emulator/company"
)

// TestHeadOfficeFixture: the fixture of a company run from a head office abroad is not a
// monoculture: the super admin's profile is in Europe/Berlin, employees in Asia/Shanghai and
// America/Los_Angeles, a ROLE_ADMIN gets 403 on GET /api/users (view_user is the super admin's),
// a system account is no timesheet user choice, a dated project is listed only with
// ignoreDates=1, and overlapping records are forbidden.
func TestHeadOfficeFixture(t *testing.T) {
	fx, err := HeadOfficeFixture()
	if err != nil {
		t.Fatal(err)
	}
	v := newEnv(t, fx)
	if z := v.do("GET", "/api/users/me", SandboxAdminToken, "").obj(t)["timezone"]; z != company.HeadOfficeZone {
		t.Errorf("admin's zone = %v, want %s", z, company.HeadOfficeZone)
	}
	zones := map[any]int{}
	var la, bot map[string]any
	for _, x := range v.do("GET", "/api/users?visible=3", SandboxAdminToken, "").list(t) {
		u := x.(map[string]any)
		zones[u["timezone"]]++
		if u["timezone"] == company.OverseasZone && la == nil {
			la = u
		}
		if u["username"] == SandboxBotUser {
			bot = u
		}
	}
	if zones[company.Zone] < 100 || zones[company.OverseasZone] != 3 || zones[company.HeadOfficeZone] != 2 {
		t.Errorf("users by zone = %v, want most in %s, 3 in %s, admin and manager in %s", zones, company.Zone, company.OverseasZone, company.HeadOfficeZone)
	}
	if bot == nil || bot["systemAccount"] != true {
		t.Fatalf("system account = %v", bot)
	}
	wantStatus(t, v.do("GET", "/api/users", SandboxManagerToken, ""), 403)
	wantStatus(t, v.do("GET", "/api/customers", SandboxManagerToken, ""), 200)
	mustJSON(t, v.do("GET", "/api/config/timesheet", SandboxAdminToken, ""),
		`{"trackingMode":"default","defaultBeginTime":"now","activeEntriesHardLimit":1,"isAllowFutureTimes":true,"isAllowOverlapping":false}`)

	names := func(path string) map[any]bool {
		out := map[any]bool{}
		for _, x := range v.do("GET", path, SandboxAdminToken, "").list(t) {
			out[x.(map[string]any)["name"]] = true
		}
		return out
	}
	if names("/api/projects")[DatedProject] || !names("/api/projects?ignoreDates=1")[DatedProject] {
		t.Errorf("dated project %q: listed today or not with ignoreDates=1", DatedProject)
	}

	// The admin in Berlin books 09:00 for the Los Angeles employee: read in Berlin.
	body := func(user any, begin, end string) string {
		return fmt.Sprintf(`{"user":%v,"project":1,"activity":1,"begin":%q,"end":%q}`, user, begin, end)
	}
	r := v.do("POST", "/api/timesheets", SandboxAdminToken, body(la["id"], "2026-10-14T09:00:00", "2026-10-14T17:00:00"))
	wantStatus(t, r, 200)
	if b := r.obj(t)["begin"]; b != "2026-10-14T00:00:00-0700" {
		t.Errorf("begin = %v, want 09:00 Berlin as 00:00 in Los Angeles", b)
	}
	children, global := validation(t, v.do("POST", "/api/timesheets", SandboxAdminToken, body(la["id"], "2026-10-14T10:00:00", "2026-10-14T11:00:00")))
	if len(global) != 1 || global[0] != msgOverlapping || len(fieldErrors(children)) != 0 {
		t.Errorf("overlapping record: %v %v", global, fieldErrors(children))
	}
	children, _ = validation(t, v.do("POST", "/api/timesheets", SandboxAdminToken, body(bot["id"], "2026-10-13T09:00:00", "2026-10-13T10:00:00")))
	if fieldErrors(children)["user"] == nil {
		t.Errorf("system account accepted as the user: %v", fieldErrors(children))
	}
}
