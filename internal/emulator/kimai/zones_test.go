package kimai

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestTimesheetZones: which zone Kimai reads a datetime in (kimai/kimai 1f421c276).
//
//   - POST /api/timesheets: in the API caller's profile zone, whatever user is sent. The record is
//     created for the caller and starts "now" in the caller's zone
//     (TimesheetService::createNewTimesheet, DefaultMode::create); TimesheetEditForm::buildForm
//     takes model and view timezone from that begin; TimesheetService::fixTimezone later renames
//     the record's zone to the owner's, keeping the instant.
//   - PATCH: in the record's zone (Timesheet::getBegin localises to it).
//   - An explicit offset is honoured: Symfony's DateTimeToHtml5LocalDateTimeTransformer checks a
//     prefix only, then builds new \DateTime($s, $zone), which keeps the string's offset.
//   - The begin and end filters of GET /api/timesheets are read in the caller's zone
//     (getDateTimeFactory) and must be exactly Y-m-d\TH:i:s (a DateTime constraint): an offset or
//     an impossible date is a 400.
func TestTimesheetZones(t *testing.T) {
	v := newEnv(t) // the caller, anna_admin, lives in Europe/Berlin (CEST, +0200 in October)
	add := func(name, zone string) User {
		u, err := v.e.AddUser(User{Username: name, Email: name + "@example.com", Language: "en", Locale: "en",
			Timezone: zone, Enabled: true, Roles: []string{RoleUser}, Tokens: []Token{{Token: "token_" + name}}})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	sh, la := add("li_shanghai", "Asia/Shanghai"), add("amy_la", "America/Los_Angeles")
	post := func(user int, begin, end string) map[string]any {
		t.Helper()
		r := v.do("POST", "/api/timesheets", tokAdmin, fmt.Sprintf(`{"project":1,"activity":1,"user":%d,"begin":%q,"end":%q}`, user, begin, end))
		wantStatus(t, r, 200)
		return r.obj(t)
	}
	times := func(m map[string]any) [2]any { return [2]any{m["begin"], m["end"]} }

	// Create: read in Berlin, shown in the owner's zone.
	shRec := post(sh.ID, "2026-10-14T09:00:00", "2026-10-14T17:00:00")
	if d := cmp.Diff([2]any{"2026-10-14T15:00:00+0800", "2026-10-14T23:00:00+0800"}, times(shRec)); d != "" {
		t.Errorf("POST for Shanghai (-want +got):\n%s", d)
	}
	laRec := post(la.ID, "2026-10-14T09:00:00", "2026-10-14T17:00:00")
	if d := cmp.Diff([2]any{"2026-10-14T00:00:00-0700", "2026-10-14T08:00:00-0700"}, times(laRec)); d != "" {
		t.Errorf("POST for Los Angeles (-want +got):\n%s", d)
	}
	// An explicit offset wins over the caller's zone.
	offRec := post(sh.ID, "2026-10-13T09:00:00+08:00", "2026-10-13T17:30:00+0800")
	if d := cmp.Diff([2]any{"2026-10-13T09:00:00+0800", "2026-10-13T17:30:00+0800"}, times(offRec)); d != "" {
		t.Errorf("POST with offsets (-want +got):\n%s", d)
	}

	// Update: read in the record's zone, whoever the caller is.
	r := v.do("PATCH", fmt.Sprintf("/api/timesheets/%v", shRec["id"]), tokAdmin, `{"begin":"2026-10-14T10:00:00"}`)
	wantStatus(t, r, 200)
	if d := cmp.Diff([2]any{"2026-10-14T10:00:00+0800", "2026-10-14T23:00:00+0800"}, times(r.obj(t))); d != "" {
		t.Errorf("PATCH Shanghai record (-want +got):\n%s", d)
	}
	r = v.do("PATCH", fmt.Sprintf("/api/timesheets/%v", laRec["id"]), tokAdmin, `{"end":"2026-10-14T09:30:00"}`)
	wantStatus(t, r, 200)
	if d := cmp.Diff([2]any{"2026-10-14T00:00:00-0700", "2026-10-14T09:30:00-0700"}, times(r.obj(t))); d != "" {
		t.Errorf("PATCH Los Angeles record (-want +got):\n%s", d)
	}
	r = v.do("PATCH", fmt.Sprintf("/api/timesheets/%v", laRec["id"]), tokAdmin, `{"end":"2026-10-14T19:00:00+02:00"}`)
	wantStatus(t, r, 200)
	if got := r.obj(t)["end"]; got != "2026-10-14T10:00:00-0700" {
		t.Errorf("PATCH with an offset: end %v, want 2026-10-14T10:00:00-0700", got)
	}

	// Around local midnight: 23:00 Berlin on the 14th is already the 15th in Shanghai.
	late := post(sh.ID, "2026-10-15T05:00:00+08:00", "2026-10-15T06:00:00+08:00")  // 23:00 Berlin, the 14th
	early := post(sh.ID, "2026-10-15T06:30:00+08:00", "2026-10-15T07:00:00+08:00") // 00:30 Berlin, the 15th
	day14 := "begin=2026-10-14T00:00:00&end=2026-10-14T23:59:59&orderBy=id&order=ASC"
	ids := func(token, query string) []any {
		t.Helper()
		r := v.do("GET", "/api/timesheets?"+query, token, "")
		wantStatus(t, r, 200)
		out := []any{}
		for _, x := range r.list(t) {
			out = append(out, x.(map[string]any)["id"])
		}
		return out
	}
	// The admin's Berlin day 14: the Shanghai record of 10:00 (02:00 UTC), the LA one, and the
	// one at 23:00 Berlin; not the one at 00:30 Berlin on the 15th.
	if d := cmp.Diff([]any{shRec["id"], laRec["id"], late["id"]}, ids(tokAdmin, "user=all&"+day14)); d != "" {
		t.Errorf("admin's day 14 (-want +got):\n%s", d)
	}
	// The Shanghai user's own day 14 (16:00 UTC on the 13th to 16:00 UTC on the 14th).
	if d := cmp.Diff([]any{shRec["id"]}, ids("token_li_shanghai", day14)); d != "" {
		t.Errorf("Shanghai user's day 14 (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]any{late["id"], early["id"]}, ids("token_li_shanghai", "begin=2026-10-15T00:00:00&end=2026-10-15T23:59:59&orderBy=id&order=ASC")); d != "" {
		t.Errorf("Shanghai user's day 15 (-want +got):\n%s", d)
	}

	// Moving a record to a user in another zone: begin is read in the record's old zone, then the
	// record takes the new owner's zone (fixTimezone), keeping the instant.
	r = v.do("PATCH", fmt.Sprintf("/api/timesheets/%v", laRec["id"]), tokAdmin, fmt.Sprintf(`{"user":%d,"begin":"2026-10-14T01:00:00"}`, sh.ID))
	wantStatus(t, r, 200)
	if d := cmp.Diff([2]any{"2026-10-14T16:00:00+0800", "2026-10-15T01:00:00+0800"}, times(r.obj(t))); d != "" {
		t.Errorf("PATCH moving the LA record to Shanghai (-want +got):\n%s", d)
	}

	for _, bad := range []string{"begin=" + url.QueryEscape("2026-10-14T00:00:00+08:00"), "end=2026-10-14T00:00",
		"begin=2026-02-30T00:00:00", "end=2026-10-14T24:00:00", "modified_after=2026-13-01T00:00:00"} {
		wantStatus(t, v.do("GET", "/api/timesheets?"+bad, tokAdmin, ""), 400)
	}
}

// TestRestartBegin: PATCH /api/timesheets/{id}/restart takes begin as a strict Y-m-d\TH:i:s
// RequestParam read in the caller's zone, and copy only as "all"
// (TimesheetController::restartAction).
func TestRestartBegin(t *testing.T) {
	v := newEnv(t)
	r := v.do("POST", "/api/timesheets", tokUser, `{"project":1,"activity":1,"begin":"2026-10-14T09:00:00","end":"2026-10-14T10:00:00"}`)
	wantStatus(t, r, 200)
	path := fmt.Sprintf("/api/timesheets/%v/restart", r.obj(t)["id"])
	r = v.do("PATCH", path, tokUser, `{"begin":"2026-10-15T08:30:00"}`)
	wantStatus(t, r, 200)
	if b := r.obj(t)["begin"]; b != "2026-10-15T08:30:00+0200" {
		t.Errorf("restart begin = %v, want 08:30 Berlin", b)
	}
	for _, body := range []string{`{"begin":"2026-10-15T08:30:00+08:00"}`, `{"begin":"2026-10-15T08:30"}`, `{"copy":"some"}`} {
		wantStatus(t, v.do("PATCH", path, tokUser, body), 400)
	}
}
