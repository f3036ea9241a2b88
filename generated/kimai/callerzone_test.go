package kimai

import (
	"context"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	emu "github.com/specpipe/specpipe/internal/emulator/kimai"
)

// TestListFilterInCallerZone: the caller (the head office's admin) is in Europe/Berlin and the
// records belong to users in Asia/Shanghai and America/Los_Angeles. Kimai reads the begin and
// end filters of GET /api/timesheets as local times in the caller's zone and refuses an offset;
// the client learns that zone once (GET /api/users/me) and converts the instants it is given, so
// a window around Shanghai's midnight finds exactly the records that start in it.
func TestListFilterInCallerZone(t *testing.T) {
	ctx := context.Background()
	fx, err := emu.HeadOfficeFixture()
	if err != nil {
		t.Fatal(err)
	}
	e, err := emu.New(emu.Options{Fixture: fx})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	defer srv.Close()
	c := client(t, Config{BaseURL: srv.URL, Token: emu.SandboxAdminToken})
	me, err := c.GetMe(ctx, GetMeParams{})
	if err != nil || me.Timezone != "Europe/Berlin" {
		t.Fatalf("GetMe = %+v, %v; the test needs a caller in Europe/Berlin", me, err)
	}
	sha, _ := time.LoadLocation("Asia/Shanghai")
	la, _ := time.LoadLocation("America/Los_Angeles")
	var shaUser, laUser int64
	for _, u := range fx.Users {
		switch {
		case u.Timezone == "Asia/Shanghai" && shaUser == 0 && slices.Equal(u.Roles, []string{emu.RoleUser}):
			shaUser = int64(u.ID)
		case u.Timezone == "America/Los_Angeles" && laUser == 0:
			laUser = int64(u.ID)
		}
	}
	if shaUser == 0 || laUser == 0 {
		t.Fatal("the fixture lacks a user in Shanghai or Los Angeles")
	}
	// The window: 2026-10-15 in Shanghai, given as instants (in Shanghai's zone here; any zone
	// would do).
	from := time.Date(2026, 10, 15, 0, 0, 0, 0, sha)
	to := time.Date(2026, 10, 15, 23, 59, 59, 0, sha)
	bookings := []struct {
		user  int64
		begin time.Time
	}{
		{shaUser, time.Date(2026, 10, 14, 23, 30, 0, 0, sha)}, // before
		{shaUser, time.Date(2026, 10, 15, 0, 0, 0, 0, sha)},   // at the start: in
		{shaUser, time.Date(2026, 10, 15, 0, 30, 0, 0, sha)},  // in
		{shaUser, time.Date(2026, 10, 15, 23, 30, 0, 0, sha)}, // in
		{shaUser, time.Date(2026, 10, 16, 0, 0, 0, 0, sha)},   // after
		{laUser, time.Date(2026, 10, 14, 8, 0, 0, 0, la)},     // 23:00 in Shanghai the day before
		{laUser, time.Date(2026, 10, 14, 9, 0, 0, 0, la)},     // 00:00 in Shanghai: in
		{laUser, time.Date(2026, 10, 15, 8, 30, 0, 0, la)},    // 23:30 in Shanghai: in
		{laUser, time.Date(2026, 10, 15, 9, 0, 0, 0, la)},     // 00:00 in Shanghai the day after
	}
	var want []int64
	for _, b := range bookings {
		ts, err := c.CreateTimesheet(ctx, CreateTimesheetParams{User: b.user, Project: 1, Activity: 1, Begin: b.begin, End: b.begin.Add(15 * time.Minute)})
		if err != nil {
			t.Fatalf("CreateTimesheet %v for user %d: %v", b.begin, b.user, err)
		}
		if !b.begin.Before(from) && !b.begin.After(to) {
			want = append(want, ts.ID)
		}
	}
	var got []int64
	for ts, err := range c.ListTimesheetsAll(ctx, ListTimesheetsParams{User: "all", Begin: from, End: to}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ts.ID)
	}
	slices.Sort(got)
	slices.Sort(want)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("records of 2026-10-15 in Shanghai (-want +got):\n%s", d)
	}
	// The filters went out as Berlin local times, and the zone was asked for once.
	mes := 0
	for _, j := range e.Journal.Entries() {
		switch {
		case j.Path == "/api/users/me":
			mes++
		case j.Method == "GET" && j.Path == "/api/timesheets":
			if j.Params["begin"] != "2026-10-14T18:00:00" || j.Params["end"] != "2026-10-15T17:59:59" {
				t.Errorf("sent begin=%s end=%s, want Berlin's 2026-10-14T18:00:00 and 2026-10-15T17:59:59", j.Params["begin"], j.Params["end"])
			}
		}
	}
	if mes != 2 { // the test's own GetMe and the client's one
		t.Errorf("GET /api/users/me %d times, want 2", mes)
	}
}
