package kimai

import (
	"context"
	"testing"
	"time"

	emu "github.com/specpipe/specpipe/internal/emulator/kimai"
)

// TestCreateTimesheetForUsersInOtherZones: a caller in Europe/Berlin (anna_admin of Kimai's test
// fixture) books for users in Asia/Shanghai and America/Los_Angeles. Kimai reads an offset-less
// begin in the caller's zone; CreateTimesheet and UpdateTimesheet send the offset, which Kimai
// honours, so the record starts at the instant given.
func TestCreateTimesheetForUsersInOtherZones(t *testing.T) {
	ctx := context.Background()
	fx, err := emu.TestFixture()
	if err != nil {
		t.Fatal(err)
	}
	fx.Users = append(fx.Users,
		emu.User{ID: 20, Username: "li_shanghai", Email: "li@example.com", Language: "en", Locale: "en", Timezone: "Asia/Shanghai", Enabled: true, Roles: []string{emu.RoleUser}},
		emu.User{ID: 21, Username: "amy_la", Email: "amy@example.com", Language: "en", Locale: "en", Timezone: "America/Los_Angeles", Enabled: true, Roles: []string{emu.RoleUser}})
	c := client(t, Config{BaseURL: start(t, func() (*emu.Fixture, error) { return fx, nil }), Token: "token_admin"})
	for _, u := range []struct {
		id   int64
		zone string
	}{{20, "Asia/Shanghai"}, {21, "America/Los_Angeles"}} {
		loc, _ := time.LoadLocation(u.zone)
		begin := time.Date(2026, 10, 14, 9, 0, 0, 0, loc)
		ts, err := c.CreateTimesheet(ctx, CreateTimesheetParams{User: u.id, Project: 1, Activity: 1, Begin: begin, End: begin.Add(8 * time.Hour)})
		if err != nil {
			t.Fatalf("CreateTimesheet for %s: %v", u.zone, err)
		}
		if !ts.Begin.Equal(begin) || ts.Begin.Format("15:04 -0700") != begin.Format("15:04 -0700") {
			t.Errorf("CreateTimesheet for %s: begin %v, want %v", u.zone, ts.Begin, begin)
		}
		end := begin.Add(9 * time.Hour)
		ts, err = c.UpdateTimesheet(ctx, UpdateTimesheetParams{ID: ts.ID, End: end})
		if err != nil || !ts.End.Equal(end) {
			t.Errorf("UpdateTimesheet for %s: end %v, %v; want %v", u.zone, ts.End, err, end)
		}
	}
}
